// ClockAligner: maps a device's sample clock onto the host's monotonic clock, with drift.
//
// A device numbers its samples; a block whose last sample has device time d (= index / nominal
// rate) reaches the host at h = d * (1 + drift) + offset + latency, where latency >= a floor
// (UART + USB transfer) plus scheduling jitter that is only ever positive. So the useful points
// are the *earliest* arrivals: per bucket of `bucket_s` device seconds the aligner keeps the
// point with the smallest h - d, fits a line through the recent bucket minima (least squares,
// then again without points far above the line, i.e. delayed whole buckets), and sets the
// intercept at the lower envelope of those minima. Result: host = intercept + slope * d.
// This follows the lower-envelope idea of NTP/PTP skew estimation (Moon, Skelly & Towsley,
// "Estimation and removal of clock skew from network delay measurements", 1999).
//
// Cost: O(1) per observation, O(buckets) per completed bucket. No allocation after
// construction. Not thread-safe (one per device, on the engine thread).
#pragma once

#include <cstddef>
#include <vector>

namespace attune::bridge {

struct ClockAlignerConfig {
    double bucket_s = 2.0;        // device seconds per bucket (one minimum kept per bucket)
    std::size_t buckets = 300;    // window: 10 minutes of buckets for the drift fit
    double max_drift = 0.02;      // |slope - 1| beyond this is not a crystal: ignore the fit
};

class ClockAligner {
public:
    explicit ClockAligner(ClockAlignerConfig config = {});

    // A block whose last sample has device time device_s arrived at host time host_s.
    void observe(double device_s, double host_s) noexcept;
    // Host time of device time device_s. Before the first observation returns device_s.
    double to_host(double device_s) const noexcept { return intercept_ + slope_ * device_s; }

    void reset() noexcept;  // device restarted its counters (or a new device)
    bool has_fit() const noexcept { return fitted_; }
    // How much faster the device's clock runs than the host's, in parts per million.
    double drift_ppm() const noexcept { return (1.0 / slope_ - 1.0) * 1e6; }
    std::size_t observations() const noexcept { return observations_; }

private:
    struct Point {
        double device_s;
        double excess_s;  // host - device: offset + latency
    };
    void close_bucket() noexcept;
    void refit() noexcept;

    ClockAlignerConfig config_;
    std::vector<Point> window_;  // ring of completed bucket minima
    std::size_t window_next_ = 0, window_count_ = 0;
    long current_bucket_ = -1;
    Point current_min_{0.0, 0.0};
    bool fitted_ = false;
    double slope_ = 1.0, intercept_ = 0.0;
    std::size_t observations_ = 0;
};

}  // namespace attune::bridge
