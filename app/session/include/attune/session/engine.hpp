// The engine: each partner's devices -> their pipeline -> dyad metrics and the session's phase
// -> events, observers (recorder) and the snapshot the UI draws.
//
// Threads: everything here runs on ONE engine thread (the thread inside start(), or the caller
// of run_for()), which also runs the io_context the devices use. The UI thread only calls
// snapshot() and the post_*() requests, which are queued onto the engine thread.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "attune/bridge/device.hpp"
#include "attune/hardware/partner_model.hpp"
#include "attune/session/clock.hpp"
#include "attune/session/event_log.hpp"
#include "attune/session/pacer.hpp"
#include "attune/session/partner_pipeline.hpp"
#include "attune/session/protocol.hpp"
#include "attune/session/protocol_machine.hpp"
#include "attune/session/snapshot.hpp"
#include "attune/session/trace_buffer.hpp"
#include "attune/signal/synchrony.hpp"

namespace attune::session {

struct EngineConfig {
    std::array<std::string, signal::kPartnerCount> device_specs{"sim", "sim"};
    std::array<hardware::PartnerProfile, signal::kPartnerCount> profiles;  // default_couple()
    hardware::SimulationConfig sim;
    double tick_s = 1.0 / 30.0;  // session seconds between engine ticks
    double speed = 1.0;          // session seconds per real second (simulation only); 0 = flat out
    PacerSettings pacer;  // overrides the protocol's default pace when pacer_from_protocol is false
    bool pacer_from_protocol = true;
    Protocol protocol;    // default_protocol() unless a file is given
    // When both partners are simulated, they answer open questions this long after they appear
    // (simulation, demos, screenshots); unset = only key presses answer. Real sensors: keys only.
    std::optional<double> simulated_answers_s = 3.0;
    std::optional<double> pause_at_s;  // a scripted pause request by partner A (demos, screenshots)

    EngineConfig();
};

// Receives everything that happens, on the engine thread (the recorder is one).
class SessionObserver {
public:
    virtual ~SessionObserver() = default;
    virtual void on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) {
        (void)devices;
    }
    virtual void on_chunk(signal::Partner partner, const signal::SampleChunk& chunk) {
        (void)partner, (void)chunk;
    }
    virtual void on_event(const SessionEvent& event) { (void)event; }
    virtual void on_tick(const Snapshot& snapshot) { (void)snapshot; }
    // What the partner's pipeline found since the last tick (oldest first).
    virtual void on_beats(signal::Partner partner, const std::vector<signal::Beat>& beats) {
        (void)partner, (void)beats;
    }
    virtual void on_breaths(signal::Partner partner, const std::vector<BreathRecord>& breaths) {
        (void)partner, (void)breaths;
    }
    // Once per second of session time, each partner's metrics.
    virtual void on_second(signal::Partner partner, const PartnerSecond& second) {
        (void)partner, (void)second;
    }
};

class Engine {
public:
    explicit Engine(EngineConfig config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void add_observer(SessionObserver* observer);  // before the session starts

    // Live: run on a thread of its own until stop().
    void start();
    void stop();
    // Headless: run on the calling thread for duration_s of session time (honours speed).
    void run_for(double duration_s);
    // Session seconds per real second for what follows (clock-driven sources only); 0 = flat out.
    void set_speed(double speed) { config_.speed = manual_clock_ ? speed : 1.0; }

    SnapshotPtr snapshot() const;

    // Requests from any thread, carried out on the engine thread.
    void post_pause_request(signal::Partner partner);
    void post_marker(std::string text);
    void post_answer(signal::Partner partner, Answer answer);
    void post_pick_word(signal::Partner partner, std::string word);
    void post_add_word(std::string word);
    void post_control(Control control);
    // Remote watching: its server reports its state from its own thread (copied into every
    // snapshot); the couple's "stop sharing" is logged as a "sharing" event, which the server
    // (an observer) acts on, so the window needs no knowledge of the server.
    void set_watch_view(WatchView view);
    void post_stop_sharing();

    // Engine thread (or after the session has ended).
    const EventLog& log() const { return log_; }
    const PartnerPipeline& pipeline(signal::Partner p) const { return *pipelines_[index_of(p)]; }
    const bridge::DeviceInfo& device_info(signal::Partner p) const;
    const bridge::Device* device(signal::Partner p) const { return devices_[index_of(p)].get(); }
    double now_s() const { return clock_ ? clock_->now_s() : 0.0; }
    const EngineConfig& config() const { return config_; }

private:
    void open_devices();
    void begin();
    void tick();
    void loop(std::optional<double> end_s);
    void emit(SessionEvent event);
    void update_phase(double t);
    void publish(double t);
    void collect_pipeline_output();
    void update_dyad(double t);

    EngineConfig config_;
    boost::asio::io_context io_;
    std::unique_ptr<Clock> clock_;
    ManualClock* manual_clock_ = nullptr;  // set when every source is clock-driven
    double steady_origin_s_ = 0.0;         // host steady-clock seconds at session start
    std::array<bridge::DevicePtr, signal::kPartnerCount> devices_;
    std::array<std::unique_ptr<PartnerPipeline>, signal::kPartnerCount> pipelines_;
    std::vector<SessionObserver*> observers_;
    EventLog log_;
    std::array<signal::ArousalState, signal::kPartnerCount> arousal_states_{};
    std::array<double, signal::kPartnerCount> last_second_{};
    ProtocolMachine protocol_;
    // The couple's breathing synchrony (phases at 4 Hz) for the gentle "breathing together".
    signal::DyadSynchrony dyad_;
    double next_dyad_s_ = 0.0;
    // Per-second RMSSD and arousal of each partner for the clinician's traces (10 minutes).
    std::array<TraceBuffer, signal::kPartnerCount> rmssd_traces_{TraceBuffer(600), TraceBuffer(600)};
    std::array<TraceBuffer, signal::kPartnerCount> arousal_traces_{TraceBuffer(600), TraceBuffer(600)};
    bool pacer_on_ = false;
    double sim_pacer_bpm_ = 0.0;
    bool begun_ = false;

    std::mutex watch_mutex_;
    WatchView watch_;
    mutable std::mutex snapshot_mutex_;
    SnapshotPtr snapshot_;
    std::atomic<bool> stop_requested_{false};
    std::thread thread_;
};

}  // namespace attune::session
