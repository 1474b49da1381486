#include "attune/bridge/clock_aligner.hpp"

#include <algorithm>
#include <cmath>

namespace attune::bridge {

ClockAligner::ClockAligner(ClockAlignerConfig config) : config_(config) {
    config_.buckets = std::max<std::size_t>(config_.buckets, 2);
    config_.bucket_s = std::max(config_.bucket_s, 1e-3);
    window_.resize(config_.buckets);
}

void ClockAligner::reset() noexcept {
    window_next_ = window_count_ = 0;
    current_bucket_ = -1;
    fitted_ = false;
    slope_ = 1.0;
    intercept_ = 0.0;
    observations_ = 0;
}

void ClockAligner::observe(double device_s, double host_s) noexcept {
    if (!std::isfinite(device_s) || !std::isfinite(host_s)) return;
    const double excess = host_s - device_s;
    const long bucket = static_cast<long>(std::floor(device_s / config_.bucket_s));
    ++observations_;
    if (bucket != current_bucket_) {
        if (current_bucket_ >= 0 || window_count_ > 0) close_bucket();
        current_bucket_ = bucket;
        current_min_ = {device_s, excess};
    } else if (excess < current_min_.excess_s) {
        current_min_ = {device_s, excess};
    }
    // Until the first fit, and whenever an arrival beats the line (it can only be early if
    // the estimate is late), pull the intercept down to the lower envelope.
    if (!fitted_) {
        intercept_ = std::min(observations_ == 1 ? excess : intercept_, excess);
        slope_ = 1.0;
    } else if (host_s < to_host(device_s)) {
        intercept_ -= to_host(device_s) - host_s;
    }
}

void ClockAligner::close_bucket() noexcept {
    window_[window_next_] = current_min_;
    window_next_ = (window_next_ + 1) % window_.size();
    window_count_ = std::min(window_count_ + 1, window_.size());
    refit();
}

void ClockAligner::refit() noexcept {
    if (window_count_ < 3) return;
    // Least squares of excess on device time, twice: the second pass drops minima that lie
    // well above the first line (a bucket whose every block was delayed).
    double slope = 0.0, icpt = 0.0, cutoff = 1e300;
    for (int pass = 0; pass < 2; ++pass) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        const double x0 = window_[(window_next_ + window_.size() - 1) % window_.size()].device_s;
        for (std::size_t i = 0; i < window_count_; ++i) {
            const Point& p = window_[i];
            const double resid = p.excess_s - (icpt + slope * p.device_s);
            if (pass == 1 && resid > cutoff) continue;
            const double x = p.device_s - x0;  // centred for numerical stability
            n += 1;
            sx += x;
            sy += p.excess_s;
            sxx += x * x;
            sxy += x * p.excess_s;
        }
        const double den = n * sxx - sx * sx;
        if (n < 3 || den <= 0.0) return;
        slope = (n * sxy - sx * sy) / den;
        icpt = (sy - slope * sx) / n - slope * x0;
        if (pass == 0) {
            // cutoff: 3x the median absolute residual (at least 0.5 ms)
            double resid[512];
            std::size_t m = 0;
            for (std::size_t i = 0; i < window_count_ && m < 512; ++i)
                resid[m++] = std::abs(window_[i].excess_s - (icpt + slope * window_[i].device_s));
            std::nth_element(resid, resid + m / 2, resid + m);
            cutoff = std::max(3.0 * resid[m / 2], 0.5e-3);
        }
    }
    if (std::abs(slope) > config_.max_drift) return;  // not a plausible crystal: keep the old fit
    // Lower envelope: no kept minimum may arrive before its estimated sample time.
    double lowest = 1e300;
    for (std::size_t i = 0; i < window_count_; ++i)
        lowest = std::min(lowest, window_[i].excess_s - (icpt + slope * window_[i].device_s));
    lowest = std::min(lowest, current_min_.excess_s - (icpt + slope * current_min_.device_s));
    slope_ = 1.0 + slope;
    intercept_ = icpt + lowest;
    fitted_ = true;
}

}  // namespace attune::bridge
