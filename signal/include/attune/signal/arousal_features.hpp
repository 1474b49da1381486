// Per-second features for the arousal detector, from the events the detectors emit: beats,
// breaths and accelerometer samples. Each window is a small streaming value: constant memory
// (sized at construction), push() and read-outs noexcept and allocation-free, reset().
//
//   HeartFeatureWindow   beats -> RR cleaning (RrCleaner, causal Lipponen 2019: ectopic, missed
//                        and extra beats corrected, 3 beats late) -> heart rate = median NN of
//                        the last hr_window, topped up with the newest intervals between Good
//                        beats that the cleaner has not decided yet when they continue the
//                        rhythm (within 20 % of the decided median), so a rise is seen without
//                        the cleaner's delay while ectopic beats still wait for it. RMSSD of the last rmssd_window of successive clean
//                        intervals between Good beats (computed around the mean difference,
//                        i.e. SDSD, so a fast change of rate is not "variability"), quality =
//                        share of the last quality_window covered by plausible intervals.
//                        Delay: about hr_window / 2 (RMSSD: the cleaner's 3 beats more).
//   BreathFeatureWindow  breath events (inhalation / exhalation onsets with their depth) ->
//                        rate (mean of the last 3 breath intervals), depth (mean of the last 3
//                        breaths), irregularity (coefficient of variation of the last 6 breath
//                        intervals; talking gives CV > ~0.35, quiet breathing ~0.1-0.2), quality.
//   MovementMeter        accelerometer samples -> dynamic acceleration: standard deviation of
//                        |a| over each second, in mG (still: < ~20 mG; walking: several hundred).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "attune/signal/arousal.hpp"
#include "attune/signal/beat.hpp"
#include "attune/signal/rr_cleaning.hpp"

namespace attune::signal {

struct HeartFeatureConfig {
    Seconds hr_window{5.0};
    Seconds rmssd_window{30.0};
    Seconds quality_window{6.0};
    double min_rr_ms = 250.0;       // 240 bpm
    double max_rr_ms = 2400.0;      // 25 bpm
    double max_rr_change = 0.25;    // successive intervals differing more are not "successive"
    Seconds cleaner_delay{4.0};     // how late the RR cleaner may decide an interval
};

struct HeartFeatures {
    double hr_bpm = kNoValue;
    double rmssd_ms = kNoValue;
    double quality = 0.0;  // 0..1
};

class HeartFeatureWindow {
public:
    explicit HeartFeatureWindow(const HeartFeatureConfig& config = {});
    // A beat (time, rr_ms of the interval ending at it; 0 = none). Artifact beats are skipped.
    void push(const Beat& beat) noexcept;
    // Features over the windows ending at now_s (>= the last beat's time).
    HeartFeatures at(double now_s) noexcept;
    void reset() noexcept;

private:
    struct Interval {
        double end_s;
        double rr_ms;
        bool plausible;
        bool clean;       // uncorrected, between beats the detector vouches for: usable for HRV
        bool continuous;  // follows the previous interval (no gap)
    };
    void add(const NnInterval& nn) noexcept;
    double fast_hr(double now_s) noexcept;

    HeartFeatureConfig config_;
    RrCleaner cleaner_;
    std::vector<Interval> ring_;
    std::vector<double> scratch_;
    std::size_t head_ = 0, size_ = 0;
    // Intervals between consecutive Good beats as the detector reported them (end time, ms):
    // the newest ones, not yet decided by the cleaner, feed the heart rate.
    std::vector<std::pair<double, double>> raw_;
    std::size_t raw_head_ = 0, raw_size_ = 0;
    bool last_beat_good_ = false;  // the previous beat (any quality) was Good
    double last_nn_s_ = -1e9;        // end of the newest decided interval
    double doubtful_until_s_ = -1e9; // intervals ending up to here touch a Doubtful beat
};

struct BreathFeatures {
    double rate_bpm = kNoValue;
    double depth = kNoValue;
    double irregularity = kNoValue;
    double quality = 0.0;  // 0..1
};

class BreathFeatureWindow {
public:
    BreathFeatureWindow() = default;
    // An inhalation onset (trough) or an exhalation onset (peak) with the depth of the half
    // breath it ends (|extremum - previous opposite extremum|, sensor units; 0 = unknown).
    void push(double time_s, bool inhale_onset, double depth) noexcept;
    BreathFeatures at(double now_s) const noexcept;
    void reset() noexcept;

private:
    static constexpr std::size_t kKeep = 8;
    double onsets_[kKeep] = {};  // inhalation onset times, oldest first
    double depths_[kKeep] = {};  // depth of each breath (exhalation onset depth)
    std::size_t onsets_n_ = 0, depths_n_ = 0;
};

class MovementMeter {
public:
    // Sample rate of the accelerometer (Hz, > 0).
    explicit MovementMeter(double rate_hz);
    // One sample in mG (three axes).
    void push(double x_mg, double y_mg, double z_mg) noexcept;
    // One sample of |a| or of a single axis, in mG.
    void push_magnitude(double magnitude_mg) noexcept;
    // SD of |a| over the last complete second; NaN before the first one.
    double activity_mg() const noexcept { return last_; }
    void reset() noexcept;

private:
    std::size_t per_second_;
    std::size_t n_ = 0;
    double sum_ = 0.0, sum_sq_ = 0.0;
    double last_ = kNoValue;
};

}  // namespace attune::signal
