// Instantaneous and smoothed heart rate from beats (see heart_rate.hpp).
#include "attune/signal/heart_rate.hpp"

#include <cmath>

namespace attune::signal {

HeartRateTracker::HeartRateTracker(const HeartRateConfig& config) : config_(config) {}

void HeartRateTracker::push(const Beat& beat) noexcept {
    if (beat.quality == BeatQuality::Artifact || !(beat.rr_ms > 0.0)) return;
    const double bpm = 60000.0 / beat.rr_ms;
    if (!(bpm >= config_.min_bpm && bpm <= config_.max_bpm)) return;
    latest_.instantaneous_bpm = bpm;
    const double previous_time = latest_.time_s;
    latest_.time_s = beat.time_s;

    const bool stale = latest_.smoothed_bpm <= 0.0 || beat.time_s - previous_time > config_.stale_s;
    if (stale) {
        latest_.smoothed_bpm = bpm;
        has_pending_ = false;
        return;
    }
    const double jump = std::abs(bpm - latest_.smoothed_bpm) / latest_.smoothed_bpm;
    if (jump > config_.max_jump) {
        // A sudden change counts only when the next interval agrees with it (a missed or an
        // extra beat is a single outlier; a real change persists).
        const bool confirmed =
            has_pending_ && std::abs(bpm - pending_bpm_) / pending_bpm_ <= config_.max_jump;
        if (!confirmed) {
            has_pending_ = true;
            pending_bpm_ = bpm;
            return;
        }
    }
    has_pending_ = false;
    // Exponential smoothing in time: the weight of the new interval grows with its length.
    const double weight = 1.0 - std::exp(-(beat.rr_ms / 1000.0) / config_.tau_s);
    latest_.smoothed_bpm += weight * (bpm - latest_.smoothed_bpm);
}

HeartRate HeartRateTracker::at(double now_s) const noexcept {
    if (latest_.smoothed_bpm <= 0.0 || now_s - latest_.time_s > config_.stale_s)
        return HeartRate{now_s, 0.0, 0.0};
    HeartRate r = latest_;
    r.time_s = now_s;
    return r;
}

void HeartRateTracker::reset() noexcept {
    latest_ = {};
    has_pending_ = false;
    pending_bpm_ = 0.0;
}

std::vector<HeartRate> heart_rate_series(std::span<const Beat> beats,
                                         const HeartRateConfig& config) {
    HeartRateTracker tracker(config);
    std::vector<HeartRate> out;
    out.reserve(beats.size());
    for (const Beat& b : beats) {
        tracker.push(b);
        out.push_back(tracker.latest());
    }
    return out;
}

}  // namespace attune::signal
