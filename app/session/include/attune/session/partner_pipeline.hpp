// One partner's processing: the channels of their devices in, beats / breaths / heart rate /
// arousal out, plus the bounded traces the display scrolls. Runs on the engine thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attune/session/snapshot.hpp"
#include "attune/session/trace_buffer.hpp"
#include "attune/signal/samples.hpp"

namespace attune::session {

struct BeatRecord {
    double time_s = 0.0;
    double rr_ms = 0.0;
};

class PartnerPipeline {
public:
    PartnerPipeline(signal::Partner partner, std::string name);

    // Which channels of the partner's device feed which input (set when a device is attached).
    void attach(const std::vector<signal::ChannelSpec>& channels, std::string device_label);
    void push(const signal::SampleChunk& chunk);
    void set_link(std::string link) { link_ = std::move(link); }
    // Once per engine tick: derive the per-second metrics up to now_s.
    void update(double now_s);

    void fill_view(PartnerView& view) const;
    const std::vector<BeatRecord>& beats() const { return beats_; }
    double hr_bpm() const { return hr_bpm_; }
    double resp_rate_bpm() const { return resp_rate_bpm_; }
    signal::Partner partner() const { return partner_; }

private:
    void push_ecg(float v, double t);
    void push_resp(float v, double t);

    signal::Partner partner_;
    std::string name_;
    std::string device_;
    std::string link_ = "connecting";
    std::vector<signal::ChannelSpec> channels_;

    // Minimal beat detector (to be replaced by signal's R-peak detector): slope energy above an
    // adaptive threshold, 250 ms refractory period.
    double ecg_prev_ = 0.0, energy_avg_ = 0.0, energy_peak_ = 0.0, last_beat_t_ = -1.0;
    double candidate_t_ = -1.0, candidate_v_ = 0.0;
    std::vector<BeatRecord> beats_;
    double hr_bpm_ = 0.0, rmssd_ms_ = 0.0;

    // Minimal breathing: slow-moving mean, rising crossings mark inhalation onsets.
    double resp_mean_ = 0.0, resp_prev_dev_ = 0.0, resp_min_ = 0.0, resp_max_ = 1.0;
    double last_inhale_t_ = -1.0, resp_rate_bpm_ = 0.0, resp_last_ = 0.0;
    bool resp_init_ = false, inhaling_ = false;
    double last_data_t_ = -1.0, now_s_ = 0.0;

    TraceBuffer ecg_trace_, resp_trace_, hr_trace_;
    double ecg_trace_rate_ = 0.0, resp_trace_rate_ = 0.0;
    double next_hr_sample_t_ = 0.0;
};

}  // namespace attune::session
