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

// Until the protocol state machine drives it: a quiet baseline, guided breathing, conversation.
std::string default_phase_at(double t) {
    if (t < 60.0) return "baseline";
    if (t < 240.0) return "breathing";
    return "conversation";
}

}  // namespace

EngineConfig::EngineConfig() {
    const auto couple = hardware::default_couple();
    profiles = {couple.at(0), couple.at(1)};
}

Engine::Engine(EngineConfig config) : config_(std::move(config)) {
    for (Partner p : kPartners)
        pipelines_[index_of(p)] = std::make_unique<PartnerPipeline>(p, config_.profiles[index_of(p)].name);
    open_devices();
    snapshot_ = std::make_shared<Snapshot>();
}

Engine::~Engine() { stop(); }

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

void Engine::update_phase(double t) {
    if (paused_ && t >= pause_until_s_) {
        paused_ = false;
        emit({t, "pause", std::nullopt, "pause ended"});
    }
    const std::string phase = paused_ ? "pause" : default_phase_at(t);
    if (phase == phase_) return;
    phase_ = phase;
    emit({t, "phase", std::nullopt, phase});
    const bool pacer_on = phase == "breathing" || phase == "pause";
    for (auto& d : devices_)
        if (auto* sim = dynamic_cast<SimulatedDevice*>(d.get()))
            sim->set_pacer(pacer_on ? std::optional<hardware::PacerTarget>(hardware::PacerTarget{
                                          config_.pacer.breaths_per_min, config_.pacer.inhale_fraction})
                                    : std::nullopt);
}

void Engine::tick() {
    if (manual_clock_) manual_clock_->advance(config_.tick_s);
    const double t = now_s();
    for (auto& d : devices_) d->poll(t);
    for (auto& p : pipelines_) p->update(t);
    update_phase(t);
    publish(t);
}

void Engine::publish(double t) {
    auto snap = std::make_shared<Snapshot>();
    snap->session_time_s = t;
    snap->phase = phase_;
    snap->pacer_settings = config_.pacer;
    snap->pacer = pacer_phase(config_.pacer, t);
    snap->pacer_visible = phase_ == "breathing" || phase_ == "pause" || phase_ == "baseline";
    snap->paused = paused_;
    if (paused_) {
        snap->cue = {true, "Would it help if we pause?", "Let's breathe together for a moment.",
                     std::max(0.0, pause_until_s_ - t)};
    }
    for (Partner p : kPartners) pipelines_[index_of(p)]->fill_view(snap->partners[index_of(p)]);
    const auto& ev = log_.events();
    const std::size_t from = ev.size() > kRecentEvents ? ev.size() - kRecentEvents : 0;
    snap->recent_events.assign(ev.begin() + static_cast<std::ptrdiff_t>(from), ev.end());
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

void Engine::post_pause_request(Partner partner) {
    boost::asio::post(io_, [this, partner] {
        const double t = now_s();
        emit({t, "keypress", partner, "pause requested"});
        if (!paused_) {
            paused_ = true;
            pause_until_s_ = t + 60.0;
            emit({t, "pause", std::nullopt, "pause started"});
        }
    });
}

void Engine::post_marker(std::string text) {
    boost::asio::post(io_, [this, text = std::move(text)] { emit({now_s(), "marker", std::nullopt, text}); });
}

}  // namespace attune::session
