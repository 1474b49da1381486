#include "attune/bridge/ble/pmd_stream_clock.hpp"

#include <algorithm>

namespace attune::bridge::ble {

PmdStreamClock::PmdStreamClock(double nominal_rate_hz, double max_drift_ppm)
    : nominal_rate_hz_(nominal_rate_hz > 0.0 ? nominal_rate_hz : 1.0), max_drift_(max_drift_ppm * 1e-6) {}

void PmdStreamClock::reset() noexcept {
    started_ = pending_gap_ = false;
    run_first_ns_ = prev_ns_ = rate_samples_ = 0;
    rate_span_s_ = 0.0;
    offset_s_ = 0.0;
}

double PmdStreamClock::device_s(std::uint64_t ns) const {
    // Differences first: a uint64 of ns since 2000 does not fit a double's 53 bits exactly.
    return static_cast<double>(static_cast<std::int64_t>(ns - run_first_ns_)) * 1e-9;
}

double PmdStreamClock::estimated_rate_hz() const {
    // Below 2 s of data the estimate is dominated by one frame's jitter.
    if (!started_ || rate_span_s_ < 2.0 || rate_samples_ == 0) return nominal_rate_hz_;
    return static_cast<double>(rate_samples_) / rate_span_s_;
}

void PmdStreamClock::start_run(std::uint64_t last_sample_ns, double arrival_s) noexcept {
    run_first_ns_ = prev_ns_ = last_sample_ns;
    rate_samples_ = 0;
    rate_span_s_ = 0.0;
    offset_s_ = arrival_s;  // device_s(first) == 0
    started_ = true;
}

PmdFrameTiming PmdStreamClock::push(std::uint64_t ns, std::size_t samples, double arrival_s) noexcept {
    PmdFrameTiming timing;
    const std::size_t n = std::max<std::size_t>(samples, 1);
    const bool backwards = started_ && ns <= prev_ns_;
    if (!started_ || backwards || pending_gap_) {
        const double rate = started_ && !backwards ? estimated_rate_hz() : nominal_rate_hz_;
        timing.gap_before = started_;  // the first frame ever is not a gap
        if (!started_ || backwards) {
            start_run(ns, arrival_s);
        } else {
            // Same strap clock after a dropped link: keep the run (and its rate estimate).
            offset_s_ = std::min(offset_s_, arrival_s - device_s(ns));
            prev_ns_ = ns;
        }
        pending_gap_ = false;
        timing.rate_hz = rate;
        timing.t0_s = offset_s_ + device_s(ns) - static_cast<double>(n - 1) / rate;
        return timing;
    }
    const double prev_dev = device_s(prev_ns_);
    const double dev = device_s(ns);
    const double interval = dev - prev_dev;
    // Offset: lower envelope of (arrival - device time), creeping up by at most max_drift.
    const double candidate = arrival_s - dev;
    if (candidate < offset_s_) offset_s_ = candidate;
    else offset_s_ += std::min(candidate - offset_s_, max_drift_ * interval);

    const double rate_est = estimated_rate_hz();
    if (interval > 1.5 * static_cast<double>(n) / rate_est + 0.02) {
        timing.gap_before = true;
        timing.rate_hz = rate_est;
        timing.t0_s = offset_s_ + dev - static_cast<double>(n - 1) / rate_est;
    } else {
        rate_samples_ += n;
        rate_span_s_ += interval;
        timing.rate_hz = static_cast<double>(n) / interval;
        timing.t0_s = offset_s_ + prev_dev + interval / static_cast<double>(n);
    }
    prev_ns_ = ns;
    return timing;
}

}  // namespace attune::bridge::ble
