// The protocol state machine, headless, with a scripted clock and scripted partners.
#include <catch2/catch.hpp>

#include <algorithm>

#include "attune/session/protocol.hpp"
#include "attune/session/protocol_machine.hpp"

using namespace attune::session;
using attune::signal::ArousalState;
using attune::signal::Partner;

namespace {

// A scripted session: the clock moves only in run_until(), partners are what the test says.
struct Scripted {
    std::vector<SessionEvent> events;
    ProtocolMachine machine;
    ProtocolInput input;
    double t = 0.0;

    explicit Scripted(Protocol p = default_protocol())
        : machine(std::move(p), [this](SessionEvent e) { events.push_back(std::move(e)); }) {
        machine.tick(input);
    }
    void run_until(double end_s, double dt = 0.1) {
        while (t + 1e-9 < end_s) {
            t = std::min(end_s, t + dt);
            input.time_s = t;
            machine.tick(input);
        }
    }
    // Runs until the phase is `phase` (or the limit); returns the time it got there.
    double run_until_phase(const std::string& phase, double limit_s) {
        while (machine.phase() != phase && t < limit_s) run_until(t + 0.1);
        return t;
    }
    void both(Answer a) {
        machine.answer(t, Partner::A, a);
        machine.answer(t, Partner::B, a);
    }
    void set_arousal(Partner p, ArousalState s) { input.partners[index_of(p)].arousal = s; }
    Snapshot snap() const {
        Snapshot s;
        machine.fill(s);
        return s;
    }
    std::size_t count(const std::string& kind, const std::string& text_part = "") const {
        return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const SessionEvent& e) {
            return e.kind == kind && e.text.find(text_part) != std::string::npos;
        }));
    }
    std::string step_title() const { return machine.current_step() ? machine.current_step()->title : ""; }
    // Walks consent, baseline and breathing so the test starts in the conversation.
    void to_conversation() {
        both(Answer::Continue);
        run_until_phase("conversation", 400.0);
        REQUIRE(machine.phase() == "conversation");
    }
};

}  // namespace

TEST_CASE("consent waits for both partners, then the session walks its steps", "[protocol]") {
    Scripted s;
    CHECK(s.machine.phase() == "consent");
    s.run_until(20.0);
    s.machine.answer(s.t, Partner::A, Answer::Continue);
    s.run_until(40.0);
    CHECK(s.machine.phase() == "consent");  // one yes is not enough
    CHECK(s.snap().cue.active);
    CHECK(s.snap().cue.awaiting_answers);
    s.machine.answer(s.t, Partner::B, Answer::Continue);
    s.run_until(40.2);
    CHECK(s.machine.phase() == "baseline");
    CHECK_FALSE(s.snap().pacer_visible);  // quiet calibration, no guide
    const double breathing_at = s.run_until_phase("breathing", 200.0);
    CHECK(breathing_at == Approx(40.1 + 60.0).margin(0.3));
    CHECK(s.snap().pacer_visible);
    const double talk_at = s.run_until_phase("conversation", 400.0);
    CHECK(talk_at - breathing_at == Approx(180.0).margin(0.3));
    s.run_until_phase("closing", 2000.0);
    CHECK(s.snap().cue.active);
    s.run_until(s.t + 30.0);
    CHECK(s.machine.phase() == "closing");  // each names a small win, then both confirm
    s.both(Answer::Continue);
    s.run_until(s.t + 0.2);
    CHECK(s.machine.ended());
    CHECK(s.count("session", "ended") == 1);
    // Every transition is an event, in time order.
    CHECK(s.count("phase") >= 6);
    CHECK(std::is_sorted(s.events.begin(), s.events.end(),
                         [](const SessionEvent& a, const SessionEvent& b) { return a.time_s < b.time_s; }));
}

TEST_CASE("a partner's pause key runs the agreed ritual in order and returns to the conversation", "[protocol]") {
    Scripted s;
    s.to_conversation();
    const double talk_start = s.t;
    s.run_until(talk_start + 100.0);
    s.machine.answer(s.t, Partner::B, Answer::Pause);
    CHECK(s.machine.in_ritual());
    CHECK(s.machine.phase() == "pause");
    CHECK(s.snap().cue.active);
    CHECK(s.snap().paused);
    CHECK(s.count("keypress", "pause") == 1);
    CHECK(s.events.back().kind == "cue");

    std::vector<std::string> seen{s.step_title()};
    while (s.machine.in_ritual() && s.t < talk_start + 2000.0) {
        s.run_until(s.t + 0.5);
        if (s.step_title() != seen.back()) seen.push_back(s.step_title());
        if (s.snap().cue.awaiting_answers) s.both(Answer::Continue);
    }
    const std::vector<std::string> expected{"Let's pause", "Breathe together", "A short apology", "Reassurance",
                                            "Something calm", "Our commitment", "Settling again",
                                            "Are you okay?", "Ready to continue?", "Talking"};
    CHECK(seen == expected);
    CHECK(s.machine.phase() == "conversation");
    // The conversation resumes where it was: 100 s already talked of 900.
    CHECK(s.snap().protocol.step_remaining_s == Approx(800.0).margin(1.0));
}

TEST_CASE("recovery counts only while the aroused partner is back near baseline", "[protocol]") {
    Protocol p = default_protocol();
    p.arousal.recovery_hold_s = 30.0;
    p.arousal.recovery_max_s = 600.0;
    Scripted s(p);
    s.to_conversation();
    s.set_arousal(Partner::A, ArousalState::Rising);
    s.run_until(s.t + 0.2);
    REQUIRE(s.machine.in_ritual());
    CHECK(s.machine.aroused()[0]);
    CHECK_FALSE(s.machine.aroused()[1]);
    s.set_arousal(Partner::A, ArousalState::High);
    const double recovery_at = s.run_until_phase("recovery", s.t + 600.0);
    REQUIRE(s.machine.phase() == "recovery");
    s.run_until(recovery_at + 60.0);
    CHECK(s.machine.phase() == "recovery");  // still aroused: keeps waiting
    s.set_arousal(Partner::A, ArousalState::Calm);
    s.run_until(s.t + 20.0);
    s.set_arousal(Partner::A, ArousalState::Rising);  // a wobble starts the count over
    s.run_until(s.t + 1.0);
    s.set_arousal(Partner::A, ArousalState::Calm);
    const double calm_again = s.t;
    s.run_until(calm_again + 25.0);
    CHECK(s.machine.phase() == "recovery");
    s.run_until(calm_again + 31.0);
    CHECK(s.machine.phase() == "checkin");
    CHECK(s.count("recovery", "back near baseline") == 1);
    // B was calm the whole time and never mattered for A's recovery.
}

TEST_CASE("both partners rising together are cued together, never singled out", "[protocol]") {
    Scripted s;
    s.to_conversation();
    s.set_arousal(Partner::A, ArousalState::Rising);
    s.set_arousal(Partner::B, ArousalState::Rising);
    s.run_until(s.t + 0.2);
    REQUIRE(s.machine.in_ritual());
    CHECK(s.count("pause", "pause started") == 1);  // one ritual for both
    CHECK(s.count("pause", "both partners") == 1);
    CHECK(s.machine.aroused()[0]);
    CHECK(s.machine.aroused()[1]);
    // The shared screen's words name nobody.
    const auto cue = s.snap().cue;
    for (const std::string name : {"Partner A", "Partner B", " A ", " B "}) {
        CHECK(cue.title.find(name) == std::string::npos);
        CHECK(cue.text.find(name) == std::string::npos);
    }
    // The log tells the clinician who it was.
    std::size_t a = 0, b = 0;
    for (const auto& e : s.events)
        if (e.kind == "arousal") (e.partner == Partner::A ? a : b) += 1;
    CHECK(a == 1);
    CHECK(b == 1);
    // Recovery waits for both.
    s.run_until_phase("recovery", s.t + 600.0);
    s.set_arousal(Partner::A, ArousalState::Calm);
    s.run_until(s.t + 40.0);
    CHECK(s.machine.phase() == "recovery");
    s.set_arousal(Partner::B, ArousalState::Calm);
    s.run_until(s.t + 31.0);
    CHECK(s.machine.phase() == "checkin");
}

TEST_CASE("a partner rising during the ritual joins it, and the ritual does not restart", "[protocol]") {
    Scripted s;
    s.to_conversation();
    s.set_arousal(Partner::A, ArousalState::Rising);
    s.run_until(s.t + 0.2);
    const std::string first = s.step_title();
    s.set_arousal(Partner::B, ArousalState::High);
    s.run_until(s.t + 2.0);
    CHECK(s.step_title() == first);
    CHECK(s.count("pause", "pause started") == 1);
    CHECK(s.machine.aroused()[1]);
}

TEST_CASE("a sensor dropping out mid-ritual is handled calmly and recovery falls back on time", "[protocol]") {
    Protocol p = default_protocol();
    p.arousal.recovery_max_s = 120.0;
    Scripted s(p);
    s.to_conversation();
    s.set_arousal(Partner::A, ArousalState::High);
    s.run_until(s.t + 0.2);
    REQUIRE(s.machine.in_ritual());
    s.run_until(s.t + 15.0);
    s.input.partners[0].signal_ok = false;  // the strap slips
    s.set_arousal(Partner::A, ArousalState::Calm);
    s.run_until(s.t + 0.2);
    CHECK(s.count("sensor", "judged by time") == 1);
    CHECK(s.machine.in_ritual());  // carries on, no alarm
    const double recovery_at = s.run_until_phase("recovery", s.t + 600.0);
    REQUIRE(s.machine.phase() == "recovery");
    s.run_until(recovery_at + 60.0);
    CHECK(s.machine.phase() == "recovery");  // cannot see A: no recovery from the data
    s.run_until(recovery_at + 121.0);
    CHECK(s.machine.phase() == "checkin");  // time's up: gently on to the check-in
    CHECK(s.count("recovery", "sensor out") == 1);
    // While the sensor is out, a flat-lined arousal never starts another ritual.
    s.both(Answer::Continue);
    s.run_until(s.t + 1.0);
    s.both(Answer::Continue);
    s.run_until(s.t + 1.0);
    CHECK(s.machine.phase() == "conversation");
    s.set_arousal(Partner::A, ArousalState::High);
    s.run_until(s.t + 200.0);
    CHECK_FALSE(s.machine.in_ritual());
    s.input.partners[0].signal_ok = true;
    s.run_until(s.t + 0.2);
    CHECK(s.machine.in_ritual());
    CHECK(s.count("sensor", "signal back") == 1);
}

TEST_CASE("after a ritual, arousal does not start another one before the cooldown", "[protocol]") {
    Protocol p = default_protocol();
    p.arousal.cooldown_s = 90.0;
    Scripted s(p);
    s.to_conversation();
    s.machine.control(s.t, Control::StartPause);
    while (s.machine.in_ritual() && s.t < 2000.0) {
        s.run_until(s.t + 0.5);
        if (s.snap().cue.awaiting_answers) s.both(Answer::Continue);
    }
    REQUIRE(s.machine.phase() == "conversation");
    const double back = s.t;
    s.set_arousal(Partner::B, ArousalState::Rising);
    s.run_until(back + 80.0);
    CHECK_FALSE(s.machine.in_ritual());
    s.run_until(back + 91.0);
    CHECK(s.machine.in_ritual());
}

TEST_CASE("not ready at the check-in goes back to settling", "[protocol]") {
    Scripted s;
    s.to_conversation();
    s.machine.answer(s.t, Partner::A, Answer::Pause);
    s.run_until_phase("checkin", s.t + 1000.0);
    REQUIRE(s.step_title() == "Are you okay?");
    s.machine.answer(s.t, Partner::A, Answer::Continue);
    s.machine.answer(s.t, Partner::B, Answer::SlowDown);
    CHECK(s.machine.phase() == "recovery");
}

TEST_CASE("consent check-ins: the pace follows the slower answer", "[protocol]") {
    Protocol p = load_protocol(std::string(ATTUNE_SOURCE_DIR) + "/app/protocols/closeness.toml");
    Scripted s(p);
    s.both(Answer::Continue);
    s.run_until_phase("practice", 200.0);
    REQUIRE(s.step_title() == "Shared presence");
    const double start = s.t;
    const double normal_bpm = s.machine.pacer_settings().breaths_per_min;
    s.run_until(start + 20.0);
    s.machine.answer(s.t, Partner::A, Answer::Continue);
    s.machine.answer(s.t, Partner::B, Answer::SlowDown);
    s.run_until(s.t + 0.2);
    CHECK(s.snap().protocol.slowed);
    CHECK(s.machine.pacer_settings().breaths_per_min == Approx(normal_bpm - 1.0));
    // 100 s of practice left, now 1.5 x slower: 150 s.
    CHECK(s.snap().protocol.step_remaining_s == Approx(150.0).margin(1.0));
    s.machine.answer(s.t, Partner::A, Answer::Pause);  // pause beats slow down
    s.run_until(s.t + 60.0);
    CHECK(s.snap().protocol.halted);
    CHECK(s.snap().protocol.step_remaining_s == Approx(150.0).margin(1.0));  // time stands still
    CHECK(s.machine.phase() == "practice");
    s.both(Answer::Continue);
    s.run_until(s.t + 0.2);
    CHECK_FALSE(s.snap().protocol.halted);
    CHECK_FALSE(s.snap().protocol.slowed);
    s.run_until(s.t + 99.0);
    CHECK(s.machine.phase() == "practice");
    s.run_until(s.t + 2.0);
    CHECK(s.machine.phase() == "checkin");
    CHECK(s.count("consent", "slow down") == 1);
    CHECK(s.count("consent", "pause") == 1);
}

TEST_CASE("either partner can stop at any time", "[protocol]") {
    Scripted s;
    s.to_conversation();
    s.machine.answer(s.t, Partner::B, Answer::Stop);
    CHECK(s.machine.ended());
    CHECK(s.machine.phase() == "ended");
    CHECK(s.count("session", "chose to stop") == 1);
    s.run_until(s.t + 10.0);  // ticking an ended session is harmless
    CHECK(s.snap().cue.title == "Thank you both");
}

TEST_CASE("the feelings check-in lets each pick words from the shared vocabulary", "[protocol]") {
    Protocol p = load_protocol(std::string(ATTUNE_SOURCE_DIR) + "/app/protocols/feelings_checkin.toml");
    Scripted s(p);
    s.both(Answer::Continue);
    s.run_until_phase("words", 200.0);
    REQUIRE(s.machine.phase() == "words");
    s.machine.pick_word(s.t, Partner::A, "tired");
    s.machine.pick_word(s.t, Partner::A, "hopeful");
    s.machine.pick_word(s.t, Partner::A, "tired");  // a second click unpicks
    s.machine.pick_word(s.t, Partner::B, "not-in-the-list");
    s.machine.add_word(s.t, "proud");
    s.machine.pick_word(s.t, Partner::B, "proud");
    const auto cue = s.snap().cue;
    CHECK(cue.picked[0] == std::vector<std::string>{"hopeful"});
    CHECK(cue.picked[1] == std::vector<std::string>{"proud"});
    CHECK(std::find(cue.words.begin(), cue.words.end(), "proud") != cue.words.end());
    s.both(Answer::Continue);
    s.run_until(s.t + 0.2);
    CHECK(s.machine.phase() == "prompt");
    CHECK(s.count("word", "picked: hopeful") == 1);
}

TEST_CASE("the clinician can hold, resume and skip", "[protocol]") {
    Scripted s;
    s.both(Answer::Continue);
    s.run_until(10.0);
    REQUIRE(s.machine.phase() == "baseline");
    const double left = s.snap().protocol.step_remaining_s;
    s.machine.control(s.t, Control::Hold);
    s.run_until(s.t + 100.0);
    CHECK(s.machine.phase() == "baseline");
    CHECK(s.snap().protocol.step_remaining_s == Approx(left).margin(0.2));
    CHECK(s.snap().cue.active);
    s.machine.control(s.t, Control::Resume);
    s.machine.control(s.t, Control::Skip);
    CHECK(s.machine.phase() == "breathing");
    CHECK(s.count("control") == 3);
}

TEST_CASE("the converging pacer starts at the slower partner's pace and eases onto the target", "[protocol]") {
    Scripted s;
    s.input.partners[0].resp_rate_bpm = 14.0;
    s.input.partners[1].resp_rate_bpm = 11.0;
    s.both(Answer::Continue);
    s.run_until_phase("breathing", 200.0);
    s.run_until(s.t + 0.2);
    CHECK(s.machine.pacer_settings().breaths_per_min == Approx(11.0).margin(0.1));
    const double start = s.t;
    s.run_until(start + 54.0);  // half way through the 108 s convergence
    CHECK(s.machine.pacer_settings().breaths_per_min == Approx(8.5).margin(0.2));
    s.run_until(start + 120.0);
    CHECK(s.machine.pacer_settings().breaths_per_min == Approx(6.0).margin(0.01));
    // The guide never jumps while the pace changes.
    double prev = s.machine.pacer().size, max_step = 0.0;
    Scripted c;
    c.input.partners[1].resp_rate_bpm = 12.0;
    c.both(Answer::Continue);
    c.run_until_phase("breathing", 200.0);
    prev = c.machine.pacer().size;
    for (int i = 0; i < 1500; ++i) {
        c.run_until(c.t + 0.05);
        max_step = std::max(max_step, std::abs(c.machine.pacer().size - prev));
        prev = c.machine.pacer().size;
    }
    CHECK(max_step < 0.05);
}

TEST_CASE("the simulated couple answers open questions by itself when asked to", "[protocol]") {
    Scripted s;
    s.machine.set_simulated_answers(3.0);
    s.run_until(2.0);
    CHECK(s.machine.phase() == "consent");
    s.run_until(5.0);
    CHECK(s.machine.phase() == "baseline");
    CHECK(s.count("keypress", "continue") == 2);
}

TEST_CASE("sensors still starting up are not reported as lost", "[protocol]") {
    std::vector<SessionEvent> events;
    ProtocolMachine machine(default_protocol(), [&](SessionEvent e) { events.push_back(std::move(e)); });
    ProtocolInput in;
    in.partners[0].signal_ok = in.partners[1].signal_ok = false;
    for (double t = 0.0; t < 5.0; t += 0.1) {
        in.time_s = t;
        machine.tick(in);
    }
    in.partners[0].signal_ok = in.partners[1].signal_ok = true;
    in.time_s = 5.1;
    machine.tick(in);
    in.partners[1].signal_ok = false;
    in.time_s = 5.2;
    machine.tick(in);
    std::size_t sensor_events = 0;
    for (const auto& e : events)
        if (e.kind == "sensor") {
            ++sensor_events;
            CHECK(e.partner == Partner::B);
            CHECK(e.text == "signal lost");
        }
    CHECK(sensor_events == 1);
}
