#include "attune/session/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>

#include "attune/session/device_factory.hpp"
#include "attune/session/simulated_device.hpp"

namespace attune::session {
namespace {

using signal::Partner;
constexpr std::array<Partner, 2> kPartners{Partner::A, Partner::B};
constexpr std::size_t kRecentEvents = 50;

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Usable data from a partner now: a fresh second with a heart rate of decent quality.
PartnerInput protocol_input(const PartnerPipeline& pipe, double t) {
    const PartnerSecond& s = pipe.latest_second();
    PartnerInput in;
    in.arousal = s.arousal_state;
    in.signal_ok = s.time_s >= t - 5.0 && s.hr_bpm > 0.0 && s.quality >= 0.3;
    in.resp_rate_bpm = s.resp_rate_bpm;
    return in;
}

// The protocol to run, with the command line's pacer when it overrides the protocol's.
Protocol effective_protocol(const EngineConfig& config) {
    Protocol p = config.protocol;
    if (!config.pacer_from_protocol) p.pacer = config.pacer;
    return p;
}

}  // namespace

EngineConfig::EngineConfig() {
    const auto couple = hardware::default_couple();
    profiles = {couple.at(0), couple.at(1)};
}

Engine::Engine(EngineConfig config)
    : config_(std::move(config)),
      protocol_(effective_protocol(config_), [this](SessionEvent e) { emit(std::move(e)); }) {
    for (Partner p : kPartners)
        pipelines_[index_of(p)] = std::make_unique<PartnerPipeline>(p, config_.profiles[index_of(p)].name);
    open_devices();
    // Only a simulated couple answers by itself; real partners answer with their keys.
    protocol_.set_simulated_answers(manual_clock_ ? config_.simulated_answers_s : std::nullopt);
    snapshot_ = std::make_shared<Snapshot>();
}

Engine::~Engine() {
    // Observers (the recorder) may already be gone when the engine is: nothing reaches them
    // from the devices' last words while stopping.
    stop_requested_ = true;
    if (thread_.joinable()) thread_.join();
    observers_.clear();
    stop();
}

void Engine::open_devices() {
    bool all_simulated = true;
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        DeviceContext context{io_, config_.profiles[i], config_.sim,
                              std::string(signal::partner_letter(p))};
        context.sim_config.seed = config_.sim.seed * 2 + i;  // two different people, one seed
        devices_[i] = make_device(config_.device_specs[i], context);
        all_simulated = all_simulated && devices_[i]->info().session_clock;
    }
    if (all_simulated) {
        auto manual = std::make_unique<ManualClock>();
        manual_clock_ = manual.get();
        clock_ = std::move(manual);
    } else {
        clock_ = std::make_unique<SteadyClock>();
        config_.speed = 1.0;  // live sensors set the pace
    }
}

const bridge::DeviceInfo& Engine::device_info(Partner p) const { return devices_[index_of(p)]->info(); }

void Engine::add_observer(SessionObserver* observer) { observers_.push_back(observer); }

void Engine::emit(SessionEvent event) {
    for (auto* o : observers_) o->on_event(event);
    log_.add(std::move(event));
}

void Engine::begin() {
    if (begun_) return;
    begun_ = true;
    steady_origin_s_ = steady_seconds();
    std::array<bridge::DeviceInfo, signal::kPartnerCount> infos;
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        infos[i] = devices_[i]->info();
        pipelines_[i]->attach(infos[i].channels, infos[i].kind + ":" + infos[i].address);
    }
    for (auto* o : observers_) o->on_start(infos);
    emit({0.0, "session", std::nullopt, "session started"});
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        const double offset = devices_[i]->info().session_clock ? 0.0 : steady_origin_s_;
        devices_[i]->start(
            [this, p, offset](const signal::SampleChunk& chunk) {
                if (offset == 0.0) {
                    pipelines_[index_of(p)]->push(chunk);
                    for (auto* o : observers_) o->on_chunk(p, chunk);
                    return;
                }
                signal::SampleChunk local = chunk;  // host steady clock -> session time
                local.t0_s -= offset;
                for (auto& t : local.times_s) t -= offset;
                pipelines_[index_of(p)]->push(local);
                for (auto* o : observers_) o->on_chunk(p, local);
            },
            [this, p](bridge::LinkState state, const std::string& detail) {
                pipelines_[index_of(p)]->set_link(bridge::to_string(state));
                emit({now_s(), "device", p, std::string(bridge::to_string(state)) + (detail.empty() ? "" : ": " + detail)});
            });
    }
}

// The protocol state machine decides the phase; the simulated couple follows its pacer.
void Engine::update_phase(double t) {
    ProtocolInput input;
    input.time_s = t;
    for (Partner p : kPartners) input.partners[index_of(p)] = protocol_input(*pipelines_[index_of(p)], t);
    if (config_.pause_at_s && t >= *config_.pause_at_s) {
        config_.pause_at_s.reset();
        protocol_.answer(t, Partner::A, Answer::Pause);
    }
    protocol_.tick(input);
    const bool pacer_on = protocol_.pacer_visible();
    const double bpm = protocol_.pacer_settings().breaths_per_min;
    if (pacer_on == pacer_on_ && std::abs(bpm - sim_pacer_bpm_) < 0.1) return;
    pacer_on_ = pacer_on;
    sim_pacer_bpm_ = bpm;
    for (auto& d : devices_)
        if (auto* sim = dynamic_cast<SimulatedDevice*>(d.get()))
            // The simulated partners lock onto the phase shown on screen: the pacer's last
            // inhalation onset is its cycle origin.
            sim->set_pacer(pacer_on ? std::optional<hardware::PacerTarget>(hardware::PacerTarget{
                                          .breaths_per_min = bpm,
                                          .inhale_fraction = protocol_.pacer_settings().inhale_fraction,
                                          .cycle_origin_s = t - protocol_.pacer().cycle * 60.0 / bpm})
                                    : std::nullopt);
}

void Engine::tick() {
    if (manual_clock_) manual_clock_->advance(config_.tick_s);
    const double t = now_s();
    for (auto& d : devices_) d->poll(t);
    for (auto& p : pipelines_) p->update(t);
    collect_pipeline_output();
    update_phase(t);
    update_dyad(t);
    publish(t);
}

// Hands the pipelines' new beats, breaths and seconds to the observers, and logs arousal changes.
void Engine::collect_pipeline_output() {
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        auto& pipe = *pipelines_[i];
        const auto beats = pipe.take_new_beats();
        const auto breaths = pipe.take_new_breaths();
        for (auto* o : observers_) {
            if (!beats.empty()) o->on_beats(p, beats);
            if (!breaths.empty()) o->on_breaths(p, breaths);
        }
        const auto& second = pipe.latest_second();
        if (second.time_s <= last_second_[i]) continue;
        last_second_[i] = second.time_s;
        rmssd_traces_[i].push(static_cast<float>(second.rmssd_ms));
        arousal_traces_[i].push(static_cast<float>(second.arousal));
        for (auto* o : observers_) o->on_second(p, second);
        if (second.arousal_state != arousal_states_[i]) {
            arousal_states_[i] = second.arousal_state;
            emit({second.time_s, "arousal", p, std::string(signal::to_string(second.arousal_state))});
        }
    }
}

// Breathing phases of both partners (and the pacer when shown) at the synchrony's 4 Hz.
void Engine::update_dyad(double t) {
    const double step = 1.0 / 4.0;
    if (next_dyad_s_ <= 0.0) next_dyad_s_ = t;
    while (next_dyad_s_ <= t) {
        next_dyad_s_ += step;
        signal::DyadBreathSample sample;
        const auto a = pipelines_[0]->resp_phase_angle();
        const auto b = pipelines_[1]->resp_phase_angle();
        if (a) sample.phase_a = *a;
        if (b) sample.phase_b = *b;
        if (protocol_.pacer_visible()) sample.pacer_phase = 2.0 * 3.14159265358979323846 * protocol_.pacer().cycle;
        dyad_.push_breathing(sample);
    }
}

void Engine::publish(double t) {
    auto snap = std::make_shared<Snapshot>();
    snap->session_time_s = t;
    protocol_.fill(*snap);
    for (Partner p : kPartners) {
        const auto i = index_of(p);
        pipelines_[i]->fill_view(snap->partners[i]);
        snap->partners[i].rmssd = {rmssd_traces_[i].linear(), 1.0};
        snap->partners[i].arousal_trace = {arousal_traces_[i].linear(), 1.0};
    }
    // "Breathing together": locked and inhaling together, never a score on the shared screen.
    const auto& dyad = dyad_.metrics();
    snap->breathing_together = std::isfinite(dyad.partners.in_phase) ? dyad.partners.in_phase : 0.0;
    snap->breathing_together_on = dyad.breathing_together;
    const auto& ev = log_.events();
    const std::size_t from = ev.size() > kRecentEvents ? ev.size() - kRecentEvents : 0;
    snap->recent_events.assign(ev.begin() + static_cast<std::ptrdiff_t>(from), ev.end());
    {
        std::lock_guard lock(watch_mutex_);
        snap->watch = watch_;
    }
    for (auto* o : observers_) o->on_tick(*snap);
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(snap);
}

SnapshotPtr Engine::snapshot() const {
    std::lock_guard lock(snapshot_mutex_);
    return snapshot_;
}

void Engine::loop(std::optional<double> end_s) {
    begin();
    auto guard = boost::asio::make_work_guard(io_);
    const auto wall_start = std::chrono::steady_clock::now();
    const double session_start = now_s();
    while (!stop_requested_.load() && (!end_s || now_s() + 1e-9 < *end_s)) {
        tick();
        if (config_.speed > 0.0) {
            // Sleep (while serving device I/O) until the wall-clock time of the next tick.
            const double due = (now_s() - session_start + (manual_clock_ ? 0.0 : config_.tick_s)) / config_.speed;
            const auto target = wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                 std::chrono::duration<double>(due));
            const auto now = std::chrono::steady_clock::now();
            if (target > now) io_.run_for(target - now);
            else io_.poll();
        } else {
            io_.poll();
        }
        if (io_.stopped()) io_.restart();
    }
}

void Engine::start() {
    stop_requested_ = false;
    thread_ = std::thread([this] { loop(std::nullopt); });
}

void Engine::stop() {
    stop_requested_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& d : devices_)
        if (d) d->stop();
}

void Engine::run_for(double duration_s) { loop(now_s() + duration_s); }

void Engine::post_pause_request(Partner partner) { post_answer(partner, Answer::Pause); }

void Engine::post_answer(Partner partner, Answer answer) {
    boost::asio::post(io_, [this, partner, answer] { protocol_.answer(now_s(), partner, answer); });
}

void Engine::post_pick_word(Partner partner, std::string word) {
    boost::asio::post(io_, [this, partner, word = std::move(word)] { protocol_.pick_word(now_s(), partner, word); });
}

void Engine::post_add_word(std::string word) {
    boost::asio::post(io_, [this, word = std::move(word)] { protocol_.add_word(now_s(), word); });
}

void Engine::post_control(Control control) {
    boost::asio::post(io_, [this, control] { protocol_.control(now_s(), control); });
}

void Engine::set_watch_view(WatchView view) {
    std::lock_guard lock(watch_mutex_);
    watch_ = std::move(view);
}

void Engine::post_stop_sharing() {
    boost::asio::post(io_, [this] { emit({now_s(), "sharing", std::nullopt, "stopped by the couple"}); });
}

void Engine::post_marker(std::string text) {
    boost::asio::post(io_, [this, text = std::move(text)] { emit({now_s(), "marker", std::nullopt, text}); });
}

}  // namespace attune::session
