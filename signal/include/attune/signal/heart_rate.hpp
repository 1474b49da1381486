// Heart rate from beats, for live display: instantaneous (60000 / last RR) and smoothed.
//
// HeartRateTracker: implausible intervals (outside 25..300 bpm) and beats flagged Artifact are
// ignored; an interval that jumps more than `max_jump` (fraction) from the smoothed rate is
// shown as instantaneous but enters the smoothing only if the next interval confirms it (so one
// missed or extra beat does not drag the smoothed rate). Smoothing is exponential in beat time
// with time constant tau_s (delay ~tau_s). Cost O(1) per beat, no allocation.
#pragma once

#include <span>
#include <vector>

#include "attune/signal/beat.hpp"

namespace attune::signal {

struct HeartRateConfig {
    double tau_s = 4.0;         // smoothing time constant
    double min_bpm = 25.0;
    double max_bpm = 300.0;
    double max_jump = 0.30;     // relative change vs smoothed rate that needs confirmation
    double stale_s = 5.0;       // no beat for this long: rate unknown (0)
};

struct HeartRate {
    double time_s = 0.0;             // time of the last beat used
    double instantaneous_bpm = 0.0;  // 0 = unknown
    double smoothed_bpm = 0.0;       // 0 = unknown
};

class HeartRateTracker {
public:
    explicit HeartRateTracker(const HeartRateConfig& config = {});
    void push(const Beat& beat) noexcept;
    // Rate at time now_s (0 when stale / not started).
    HeartRate at(double now_s) const noexcept;
    const HeartRate& latest() const noexcept { return latest_; }
    void reset() noexcept;

private:
    HeartRateConfig config_;
    HeartRate latest_{};
    double pending_bpm_ = 0.0;  // an unconfirmed jump
    bool has_pending_ = false;
};

// Batch: the tracker's state after each beat (same code as streaming).
std::vector<HeartRate> heart_rate_series(std::span<const Beat> beats,
                                         const HeartRateConfig& config = {});

}  // namespace attune::signal
