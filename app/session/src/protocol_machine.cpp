// The session protocol state machine. See protocol_machine.hpp for the behaviour.
#include "attune/session/protocol_machine.hpp"

#include <algorithm>
#include <cmath>

namespace attune::session {
namespace {

using signal::ArousalState;
using signal::Partner;
constexpr std::array<Partner, 2> kPartners{Partner::A, Partner::B};
constexpr std::size_t kMaxWords = 3;  // a few words each keeps the check-in light

std::string phase_name(const Step& step, bool in_ritual) {
    if (in_ritual) {
        if (step.kind == StepKind::Recovery) return "recovery";
        if (step.kind == StepKind::Checkin) return "checkin";
        return "pause";
    }
    switch (step.kind) {
        case StepKind::Breathe: return "breathing";
        default: return std::string(to_string(step.kind));
    }
}

bool answered(Answer a) { return a == Answer::Continue; }

}  // namespace

std::string_view to_string(Answer answer) {
    switch (answer) {
        case Answer::None: return "none";
        case Answer::Continue: return "continue";
        case Answer::SlowDown: return "slow down";
        case Answer::Pause: return "pause";
        case Answer::Stop: return "stop";
    }
    return "?";
}

ProtocolMachine::ProtocolMachine(Protocol protocol, EventSink sink)
    : protocol_(std::move(protocol)), sink_(std::move(sink)), pacer_now_(protocol_.pacer) {
    if (protocol_.steps.empty()) protocol_ = default_protocol();
}

void ProtocolMachine::emit(double t, std::string kind, std::optional<Partner> partner, std::string text) {
    if (sink_) sink_({t, std::move(kind), partner, std::move(text)});
}

const Step* ProtocolMachine::current_step() const {
    if (ended_ || !started_) return nullptr;
    if (ritual_index_) return &protocol_.ritual[*ritual_index_];
    return &protocol_.steps[step_index_];
}

PacerSettings ProtocolMachine::step_pacer() const {
    const Step* s = current_step();
    PacerSettings p = s && s->pacer ? *s->pacer : protocol_.pacer;
    if (slowed()) p.breaths_per_min = std::max(3.0, p.breaths_per_min - protocol_.consent.slow_pacer_bpm);
    return p;
}

double ProtocolMachine::planned_s() const {
    const Step* s = current_step();
    return s ? s->planned_s(protocol_.pacer.breaths_per_min) : 0.0;
}

bool ProtocolMachine::pacer_visible() const {
    const Step* s = current_step();
    return s && (s->show_pacer || s->kind == StepKind::Breathe || s->kind == StepKind::Recovery);
}

// The pace follows the slower answer: any "pause" halts, else any "slow down" slows.
bool ProtocolMachine::halted() const {
    const Step* s = current_step();
    if (!s || !s->consent_checks) return false;
    return std::any_of(answers_.begin(), answers_.end(), [](Answer a) { return a == Answer::Pause; });
}

bool ProtocolMachine::slowed() const {
    const Step* s = current_step();
    if (!s || !s->consent_checks) return false;
    return std::any_of(answers_.begin(), answers_.end(), [](Answer a) { return a == Answer::SlowDown; });
}

bool ProtocolMachine::both_continued() const { return std::all_of(answers_.begin(), answers_.end(), answered); }

bool ProtocolMachine::step_time_done() const {
    const double planned = planned_s();
    return planned > 0.0 && step_elapsed_s_ >= planned;
}

void ProtocolMachine::enter_step(double t) {
    const Step& s = *current_step();
    step_start_s_ = t;
    answers_ = {};
    picked_ = {};
    recovered_for_s_ = 0.0;
    recovered_ = false;
    const std::string phase = phase_name(s, in_ritual());
    if (phase != phase_) {
        phase_ = phase;
        emit(t, "phase", std::nullopt, phase_);
    }
    std::string where = in_ritual() ? "ritual " + std::to_string(*ritual_index_ + 1) + "/" +
                                          std::to_string(protocol_.ritual.size())
                                    : "step " + std::to_string(step_index_ + 1) + "/" +
                                          std::to_string(protocol_.steps.size());
    emit(t, "step", std::nullopt, where + " " + std::string(to_string(s.kind)) + ": " + s.title);
    emit(t, "cue", std::nullopt, s.title + (s.text.empty() ? "" : " | " + s.text));
    if (s.kind == StepKind::Breathe && s.converge) {
        // Start at the slower partner's own pace (if known and slower than the target is fast).
        converge_from_bpm_ = 0.0;
    }
}

void ProtocolMachine::tick(const ProtocolInput& input) {
    const double t = input.time_s;
    const double dt = started_ ? std::max(0.0, t - now_s_) : 0.0;
    now_s_ = t;
    if (ended_) return;
    if (!started_) {
        started_ = true;
        step_elapsed_s_ = 0.0;
        enter_step(t);
    }
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        const bool out = !input.partners[i].signal_ok;
        // Sensors take a few seconds to deliver at the start: only a signal that was there and
        // went away counts as lost.
        if (!out) sensor_seen_[i] = true;
        if (out != sensor_out_[i] && sensor_seen_[i]) {
            sensor_out_[i] = out;
            // Calm wording: a loose strap is ordinary; the ritual keeps going on its own timing.
            emit(t, "sensor", p, out ? (in_ritual() ? "signal lost during the ritual: recovery is judged by time"
                                                    : "signal lost")
                                     : "signal back");
        }
    }
    update_pacer(input, dt);
    if (held_) return;
    if (!halted()) step_elapsed_s_ += slowed() ? dt / protocol_.consent.slow_factor : dt;
    simulate_answers(t);
    check_arousal(input);
    if (ended_) return;
    const Step& s = *current_step();
    if (s.kind == StepKind::Recovery) {
        update_recovery(input, dt);
        if (recovered_) advance(t);
        return;
    }
    const bool time_ok = planned_s() <= 0.0 || step_time_done();
    const bool confirm_ok = !s.confirm || both_continued();
    if (time_ok && confirm_ok && (planned_s() > 0.0 || s.confirm)) advance(t);
}

void ProtocolMachine::update_pacer(const ProtocolInput& input, double dt) {
    PacerSettings target = step_pacer();
    const Step* s = current_step();
    if (s && s->kind == StepKind::Breathe && s->converge && !in_ritual()) {
        // The slower partner's comfortable pace, eased onto the shared target over 60 % of the step.
        if (converge_from_bpm_ <= 0.0) {
            double slower = 0.0;
            for (const auto& p : input.partners)
                if (p.signal_ok && p.resp_rate_bpm > 0.0)
                    slower = slower > 0.0 ? std::min(slower, p.resp_rate_bpm) : p.resp_rate_bpm;
            converge_from_bpm_ = std::clamp(slower > 0.0 ? slower : target.breaths_per_min,
                                            target.breaths_per_min, 14.0);
            emit(input.time_s, "pacer", std::nullopt,
                 "starting at " + std::to_string(static_cast<int>(std::lround(converge_from_bpm_))) +
                     " breaths/min, converging on " + std::to_string(target.breaths_per_min).substr(0, 4));
        }
        const double span = std::max(1.0, 0.6 * planned_s());
        const double u = std::clamp(step_elapsed_s_ / span, 0.0, 1.0);
        target.breaths_per_min = converge_from_bpm_ + (target.breaths_per_min - converge_from_bpm_) * u;
    }
    if (!halted()) pacer_cycle_ += dt * pacer_now_.breaths_per_min / 60.0;
    pacer_now_ = target;
}

void ProtocolMachine::simulate_answers(double t) {
    if (!simulated_answers_s_) return;
    const Step& s = *current_step();
    if (!s.confirm) return;
    const double since = t - (planned_s() > 0.0 ? step_start_s_ + planned_s() : step_start_s_);
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        const double due = *simulated_answers_s_ + static_cast<double>(i);
        if (answers_[i] == Answer::None && since >= due) {
            if (s.kind == StepKind::Words && picked_[i].empty() && !protocol_.vocabulary.empty())
                pick_word(t, p, protocol_.vocabulary[(i * 3 + 1) % protocol_.vocabulary.size()]);
            answer(t, p, Answer::Continue);
        }
    }
}

void ProtocolMachine::check_arousal(const ProtocolInput& input) {
    const double t = input.time_s;
    const auto rising = [&](const PartnerInput& p) {
        if (!p.signal_ok) return false;  // no alarm from a sensor that cannot see
        return protocol_.arousal.high_only ? p.arousal == ArousalState::High : p.arousal != ArousalState::Calm;
    };
    if (in_ritual()) {
        // Someone else rising during the ritual joins it: both are already cued together.
        for (Partner p : kPartners) {
            const auto i = index_of(p);
            if (!aroused_[i] && rising(input.partners[i])) {
                aroused_[i] = true;
                recovered_for_s_ = 0.0;
                emit(t, "arousal", p, "rising during the ritual: recovery waits for both");
            }
        }
        return;
    }
    const Step& s = *current_step();
    if (!s.monitor || t - last_ritual_end_s_ < protocol_.arousal.cooldown_s) return;
    std::array<bool, signal::kPartnerCount> who{};
    for (Partner p : kPartners) who[index_of(p)] = rising(input.partners[index_of(p)]);
    if (!who[0] && !who[1]) return;
    aroused_ = who;
    for (Partner p : kPartners)
        if (who[index_of(p)]) emit(t, "arousal", p, "arousal rising: starting the pause ritual");
    start_ritual(t, who[0] && who[1] ? "both partners' arousal rose: pausing together" : "arousal rose");
}

void ProtocolMachine::update_recovery(const ProtocolInput& input, double dt) {
    // Counts only while every aroused partner (both, after a manual pause with nobody aroused)
    // is back near their own baseline and measurable; rising again starts the count over.
    bool any_aroused = aroused_[0] || aroused_[1];
    bool all_near = true, any_unmeasured = false;
    for (std::size_t i = 0; i < input.partners.size(); ++i) {
        if (any_aroused && !aroused_[i]) continue;
        const auto& p = input.partners[i];
        if (!p.signal_ok) any_unmeasured = true;
        else if (p.arousal != ArousalState::Calm) all_near = false;
    }
    if (!all_near) recovered_for_s_ = 0.0;
    else if (!any_unmeasured) recovered_for_s_ += dt;
    const double in_step = step_elapsed_s_;
    if (recovered_for_s_ >= protocol_.arousal.recovery_hold_s) {
        recovered_ = true;
        emit(input.time_s, "recovery", std::nullopt, "back near baseline for " +
                                                         std::to_string(static_cast<int>(recovered_for_s_)) + " s");
    } else if (in_step >= protocol_.arousal.recovery_max_s) {
        recovered_ = true;
        emit(input.time_s, "recovery",  std::nullopt,
             any_unmeasured ? "time's up with a sensor out: moving on to the check-in"
                            : "time's up: moving on to the check-in gently");
    }
}

void ProtocolMachine::advance(double t) {
    if (ritual_index_) {
        if (*ritual_index_ + 1 < protocol_.ritual.size()) {
            ++*ritual_index_;
            step_elapsed_s_ = 0.0;
            enter_step(t);
        } else {
            leave_ritual(t);
        }
        return;
    }
    if (protocol_.steps[step_index_].kind == StepKind::Closing || step_index_ + 1 >= protocol_.steps.size()) {
        end_session(t, "the protocol is complete");
        return;
    }
    ++step_index_;
    step_elapsed_s_ = 0.0;
    enter_step(t);
}

void ProtocolMachine::start_ritual(double t, const std::string& reason) {
    if (protocol_.ritual.empty() || in_ritual() || ended_) return;
    interrupted_elapsed_s_ = step_elapsed_s_;
    emit(t, "pause", std::nullopt, "pause started: " + reason);
    ritual_index_ = 0;
    step_elapsed_s_ = 0.0;
    enter_step(t);
}

void ProtocolMachine::leave_ritual(double t) {
    ritual_index_.reset();
    aroused_ = {};
    last_ritual_end_s_ = t;
    emit(t, "pause", std::nullopt, "pause ended: back to the session");
    step_elapsed_s_ = interrupted_elapsed_s_;  // the interrupted step continues where it was
    enter_step(t);
}

void ProtocolMachine::end_session(double t, const std::string& why) {
    if (ended_) return;
    ended_ = true;
    ritual_index_.reset();
    phase_ = "ended";
    emit(t, "phase", std::nullopt, phase_);
    emit(t, "session", std::nullopt, "session ended: " + why);
}

void ProtocolMachine::answer(double t, Partner partner, Answer a) {
    const auto i = index_of(partner);
    emit(t, "keypress", partner, std::string(to_string(a)));
    if (ended_ || a == Answer::None) return;
    if (!started_) return;
    if (a == Answer::Stop) {  // either may stop at any time, no questions asked
        end_session(t, "a partner chose to stop");
        return;
    }
    const Step& s = *current_step();
    if (s.consent_checks) {
        answers_[i] = a;
        if (a == Answer::Pause) emit(t, "consent", partner, "pause: the practice waits until both continue");
        else if (a == Answer::SlowDown) emit(t, "consent", partner, "slow down: the pace follows the slower answer");
        else emit(t, "consent", partner, "continue");
        return;
    }
    if (a == Answer::Pause) {
        if (in_ritual() && s.kind == StepKind::Checkin) {
            // Not ready yet: back to settling, for as long as it takes.
            while (protocol_.ritual[*ritual_index_].kind != StepKind::Recovery && *ritual_index_ > 0) --*ritual_index_;
            step_elapsed_s_ = 0.0;
            enter_step(t);
            return;
        }
        if (s.kind == StepKind::Consent || s.kind == StepKind::Closing) return;
        start_ritual(t, "a partner asked for a pause");
        return;
    }
    if (a == Answer::SlowDown && s.kind == StepKind::Checkin && in_ritual()) {
        answer(t, partner, Answer::Pause);
        return;
    }
    if (a == Answer::Continue && s.confirm) answers_[i] = Answer::Continue;
}

void ProtocolMachine::pick_word(double t, Partner partner, const std::string& word) {
    const Step* s = current_step();
    if (!s || s->kind != StepKind::Words) return;
    if (std::find(protocol_.vocabulary.begin(), protocol_.vocabulary.end(), word) == protocol_.vocabulary.end()) return;
    auto& mine = picked_[index_of(partner)];
    if (auto it = std::find(mine.begin(), mine.end(), word); it != mine.end()) {
        mine.erase(it);
        emit(t, "word", partner, "unpicked: " + word);
    } else if (mine.size() < kMaxWords) {
        mine.push_back(word);
        emit(t, "word", partner, "picked: " + word);
    }
}

void ProtocolMachine::add_word(double t, const std::string& word) {
    if (word.empty() || std::find(protocol_.vocabulary.begin(), protocol_.vocabulary.end(), word) !=
                            protocol_.vocabulary.end())
        return;
    protocol_.vocabulary.push_back(word);
    emit(t, "vocabulary", std::nullopt, "added: " + word);
}

void ProtocolMachine::control(double t, Control c) {
    if (ended_) return;
    switch (c) {
        case Control::Skip:
            if (!started_) return;
            emit(t, "control", std::nullopt, "skip step");
            if (current_step()->kind == StepKind::Closing && !in_ritual()) end_session(t, "closing skipped");
            else advance(t);
            break;
        case Control::Hold:
            if (!held_) emit(t, "control", std::nullopt, "session on hold");
            held_ = true;
            break;
        case Control::Resume:
            if (held_) emit(t, "control", std::nullopt, "session resumed");
            held_ = false;
            break;
        case Control::StartPause:
            emit(t, "control", std::nullopt, "pause started by the clinician");
            start_ritual(t, "the clinician started a pause");
            break;
    }
}

void ProtocolMachine::fill(Snapshot& snap) const {
    snap.phase = phase_;
    snap.paused = in_ritual();
    snap.pacer_settings = pacer_now_;
    snap.pacer = pacer();
    snap.pacer_visible = pacer_visible();
    auto& pv = snap.protocol;
    pv.name = protocol_.name;
    pv.step_count = protocol_.steps.size();
    pv.ritual_count = protocol_.ritual.size();
    pv.ended = ended_;
    pv.held = held_;
    const Step* s = current_step();
    if (ended_) {
        snap.cue.active = true;
        snap.cue.kind = "ended";
        snap.cue.title = "Thank you both";
        snap.cue.text = "The session has ended.";
        return;
    }
    if (!s) return;
    pv.step_title = s->title;
    pv.step_kind = std::string(to_string(s->kind));
    pv.step_index = step_index_;
    pv.in_ritual = in_ritual();
    pv.ritual_index = ritual_index_.value_or(0);
    const double planned = planned_s();
    const double scale = slowed() ? protocol_.consent.slow_factor : 1.0;
    pv.step_remaining_s = planned > 0.0 ? std::max(0.0, planned - step_elapsed_s_) * scale : 0.0;
    pv.consent_checks = s->consent_checks;
    pv.slowed = slowed();
    pv.halted = halted();
    pv.aroused = aroused_;
    if (in_ritual() && *ritual_index_ + 1 < protocol_.ritual.size()) pv.next_title = protocol_.ritual[*ritual_index_ + 1].title;
    else if (!in_ritual() && step_index_ + 1 < protocol_.steps.size()) pv.next_title = protocol_.steps[step_index_ + 1].title;

    // Full-screen invitations: everything except the open, self-paced steps (baseline, breathing,
    // conversation, practice), which show the shared display with the step's title.
    const bool open_step = !in_ritual() && (s->kind == StepKind::Baseline || s->kind == StepKind::Breathe ||
                                            s->kind == StepKind::Conversation || s->kind == StepKind::Practice);
    auto& cue = snap.cue;
    cue.kind = pv.step_kind;
    cue.title = s->title;
    cue.text = s->text;
    cue.total_s = planned * scale;
    cue.remaining_s = pv.step_remaining_s;
    cue.answers = answers_;
    cue.show_pacer = pacer_visible();
    cue.awaiting_answers = s->confirm && (planned <= 0.0 || step_time_done());
    if (s->kind == StepKind::Words) {
        cue.words = protocol_.vocabulary;
        cue.picked = picked_;
    }
    cue.active = !open_step || held_;
    if (held_) {
        cue.kind = "hold";
        cue.title = "A short break";
        cue.text = "Your therapist has paused the session for a moment.";
        cue.awaiting_answers = false;
        cue.show_pacer = false;
    }
}

}  // namespace attune::session
