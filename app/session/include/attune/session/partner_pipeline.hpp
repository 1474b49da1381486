// One partner's live processing, composed from signal/'s streaming processors:
//   ECG ─► Pantompkins1985 (beats + per-second quality) ─┐
//   RR intervals from a strap (already beats) ───────────┼─► HeartRateTracker, RollingHrv (60 s),
//   device heart rate (fallback when there are no beats) ┘   CoherenceTracker (64 s / 5 s)
//   Respiration ─► RspProcessor (breaths, rate, depth, phase, quality)
//   Accelerometer ─► movement (SD of |a| over 1 s)
//   once per second ─► ArousalDetector (personal baseline, calm / rising / high)
// plus the bounded traces the display scrolls. Runs on the engine thread; memory is bounded.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attune/session/snapshot.hpp"
#include "attune/session/trace_buffer.hpp"
#include "attune/signal/arousal.hpp"
#include "attune/signal/beat.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/heart_rate.hpp"
#include "attune/signal/hrv.hpp"
#include "attune/signal/rsp.hpp"
#include "attune/signal/samples.hpp"

namespace attune::session {

struct BreathRecord {
    double time_s = 0.0;
    bool inhale = true;  // inhalation onset (trough) or exhalation onset (peak)
};

// The per-second picture of one partner (also what summaries and the recorder keep).
struct PartnerSecond {
    double time_s = 0.0;
    double hr_bpm = 0.0;       // 0 = unknown
    double rmssd_ms = 0.0;     // 0 = unknown
    double coherence = 0.0;
    double resp_rate_bpm = 0.0;
    double resp_amplitude = 0.0;
    double quality = 0.0;      // 0..1
    double arousal = 0.0;      // 0..1 display level
    signal::ArousalState arousal_state = signal::ArousalState::Calm;
    bool calibrating = true;
};

class PartnerPipeline {
public:
    PartnerPipeline(signal::Partner partner, std::string name, signal::ArousalConfig arousal = {});

    // Which channels of the partner's device feed which processor (when a device is attached).
    void attach(const std::vector<signal::ChannelSpec>& channels, std::string device_label);
    void push(const signal::SampleChunk& chunk);
    void set_link(std::string link) { link_ = std::move(link); }
    // Once per engine tick: per-second features and arousal up to now_s.
    void update(double now_s);

    void fill_view(PartnerView& view) const;

    // Everything since the last call (the engine logs and records them), oldest first.
    std::vector<signal::Beat> take_new_beats();
    std::vector<BreathRecord> take_new_breaths();
    const std::vector<signal::Beat>& recent_beats() const { return beats_; }  // bounded
    const PartnerSecond& latest_second() const { return second_; }
    // Breathing phase angle (radians, 0 = inhalation onset) now; nullopt when unknown.
    std::optional<double> resp_phase_angle() const;
    const signal::ArousalDetector& arousal() const { return arousal_; }
    double hr_bpm() const { return second_.hr_bpm; }
    double resp_rate_bpm() const { return second_.resp_rate_bpm; }
    signal::Partner partner() const { return partner_; }

private:
    void push_ecg(const signal::SampleChunk& chunk);
    void push_resp(const signal::SampleChunk& chunk);
    void push_acc(std::size_t axis, const signal::SampleChunk& chunk);
    void add_beat(const signal::Beat& beat);
    void second_tick(double t);

    signal::Partner partner_;
    std::string name_, device_, link_ = "connecting";
    std::vector<signal::ChannelSpec> channels_;

    std::unique_ptr<signal::Pantompkins1985> ecg_;
    double ecg_t0_ = 0.0, ecg_next_t_ = -1.0, ecg_sqi_ = 0.0;
    std::unique_ptr<signal::RspProcessor> rsp_;
    double rsp_next_t_ = -1.0, rsp_last_t_ = -1.0;

    signal::HeartRateTracker hr_tracker_;
    signal::RollingHrv rolling_hrv_;
    signal::CoherenceTracker coherence_;
    signal::ArousalDetector arousal_;
    double device_hr_bpm_ = 0.0, device_hr_t_ = -1.0;
    double last_beat_t_ = -1.0;

    std::array<float, 3> acc_last_{};
    double acc_sum_ = 0.0, acc_sum_sq_ = 0.0;
    std::size_t acc_count_ = 0;
    double movement_mg_ = signal::kNoValue;

    std::vector<signal::Beat> beats_;  // last few minutes, for the view and the dyad metrics
    std::vector<signal::Beat> new_beats_;
    std::vector<BreathRecord> new_breaths_;
    std::deque<double> breath_intervals_;  // recent inhale-to-inhale intervals
    double last_inhale_t_ = -1.0;

    double last_data_t_ = -1.0, now_s_ = 0.0, next_second_ = 1.0;
    PartnerSecond second_;

    TraceBuffer ecg_trace_, resp_trace_, hr_trace_;
    double ecg_trace_rate_ = 0.0, resp_trace_rate_ = 0.0;
};

}  // namespace attune::session
