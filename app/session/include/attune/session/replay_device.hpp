// A recorded partner as a Device: plays back one partner's raw channel CSVs of a recording
// folder (channels.json + <p>_<kind>.csv) through the same pipelines as a live session.
// Clock-driven like the simulator (session_clock = true): poll(now) emits every recorded sample
// with time < now, so a replay runs as fast as the session clock. Gaps in the recording (lost
// samples) start a new chunk with gap_before set.
// Cost: the whole partner's recording is held in memory (~8 bytes per sample); poll is O(new samples).
#pragma once

#include <string>
#include <vector>

#include "attune/bridge/device.hpp"

namespace attune::session {

class ReplayDevice final : public bridge::Device {
public:
    // dir: a recording folder; partner_letter: "a" or "b". Throws std::runtime_error with a clear
    // message when the folder holds no recording or no channel of that partner.
    ReplayDevice(const std::string& dir, const std::string& partner_letter);

    const bridge::DeviceInfo& info() const override { return info_; }
    void start(bridge::ChunkSink on_chunk, bridge::LinkSink on_link) override;
    void stop() override { running_ = false; }
    void poll(double now_s) override;
    // Time of the last recorded sample of this partner (the replay's natural length).
    double end_time_s() const { return end_time_s_; }

private:
    struct Track {
        std::vector<double> times;
        std::vector<float> values;
        std::size_t next = 0;  // first sample not yet delivered
    };
    void emit_until(std::size_t channel, Track& track, double now_s);

    bridge::DeviceInfo info_;
    std::vector<Track> tracks_;
    bridge::ChunkSink on_chunk_;
    bool running_ = false;
    double end_time_s_ = 0.0;
};

// Device spec "replay:DIR/a" -> {DIR, "a"}; false when the spec is not of that form.
bool parse_replay_spec(const std::string& spec, std::string& dir, std::string& partner_letter);

}  // namespace attune::session
