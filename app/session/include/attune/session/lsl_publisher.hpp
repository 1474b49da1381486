// The session's Lab Streaming Layer streams, for researchers recording with LabRecorder (XDF):
//   "<prefix> A ECG", "... A Resp", ...  each raw channel of each partner at its own rate
//   "<prefix> A Beats"                   irregular: RR interval (ms) at each beat
//   "<prefix> A Metrics"                 1 Hz: HR, RMSSD, breathing rate, arousal, quality
//   "<prefix> Dyad"                      1 Hz: breathing synchrony, pause and pacer state
//   "<prefix> Markers"                   strings: every session event ("kind[ partner]: text")
// Timestamps are LSL clock seconds (local_clock(), the host's steady clock): session time plus
// the clock at session start, which for live sensors is exactly their own time base. Simulated
// sessions run faster than real time at --speed above 1, and so do their timestamps.
//
// Threads: the observer methods run on the engine thread; they only encode and hand samples to
// each outlet's own I/O thread (bounded, drop-oldest per inlet), so a slow or vanished
// inlet never holds the session up.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "attune/bridge/lsl/outlet.hpp"
#include "attune/session/attachment.hpp"
#include "attune/session/engine.hpp"

namespace attune::session {

struct LslPublisherOptions {
    std::string prefix = "Attune";  // first word of every stream name
    bridge::lsl::OutletOptions outlet;
};

class LslPublisher final : public SessionObserver, public Attachment {
public:
    // Opens the derived streams at once (raw ones when the devices are known, in on_start) and
    // registers itself with the engine. Throws std::runtime_error when it cannot serve.
    LslPublisher(Engine& engine, LslPublisherOptions options = {});
    ~LslPublisher() override;

    void on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) override;
    void on_chunk(signal::Partner partner, const signal::SampleChunk& chunk) override;
    void on_event(const SessionEvent& event) override;
    void on_tick(const Snapshot& snapshot) override;
    void on_beats(signal::Partner partner, const std::vector<signal::Beat>& beats) override;
    void on_second(signal::Partner partner, const PartnerSecond& second) override;

    // Names of the streams served so far (engine thread, or after the session).
    std::vector<std::string> stream_names() const;

private:
    double lsl_time(double session_s) const { return origin_ + session_s; }
    std::unique_ptr<bridge::lsl::Outlet> open(bridge::lsl::StreamInfo info);

    LslPublisherOptions options_;
    double origin_ = 0.0;  // local_clock() at session time 0
    std::array<std::vector<std::unique_ptr<bridge::lsl::Outlet>>, signal::kPartnerCount> raw_;  // by channel index
    std::array<std::unique_ptr<bridge::lsl::Outlet>, signal::kPartnerCount> beats_, metrics_;
    std::unique_ptr<bridge::lsl::Outlet> dyad_, markers_;
    double next_dyad_s_ = 0.0;
};

}  // namespace attune::session
