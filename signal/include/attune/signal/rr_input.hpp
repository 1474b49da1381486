// RR intervals from a device (BLE Heart Rate Service 0x2A37: RR in 1/1024 s, no timestamps) as
// an input in its own right: turns RR values into beats.
//
// Beat times are rebuilt by cumulative sum of the RR values, anchored to the host time of the
// notification that carried them: the last beat of a notification happened before it arrived.
//  - lag = host_time - (previous beat + sum of new RRs). A negative lag is impossible (the device
//    clock runs fast or the host stamped early): the beats are shifted back to end at host_time.
//  - The lowest lag over the last 32 notifications (at least 8) is the part of the delay that no
//    beat avoids; when it exceeds max_latency_s the timeline is pulled forward by it (device
//    clock running slow, or a start/gap anchored too early). So beats settle on the latest times
//    their reports allow. Absolute times are only as good as the smallest beat-to-report delay
//    seen recently (typically 0.05-0.3 s: the host cannot know better); intervals are exact.
//  - The first notification (and the first after a gap) puts its last beat anchor_lag_s before
//    its arrival (a beat precedes its notification by half a period on average).
//  - lag > gap_s means time passed that no reported RR accounts for (lost notifications,
//    RR values dropped by the strap's buffer): a gap. The new beats are anchored so the last one
//    is at host_time, and the first of them gets rr_ms = 0 (no interval spans a gap).
// Intervals outside [min_rr_ms, max_rr_ms] keep the time running but are flagged Artifact.
// RR values keep their 1/1024 s precision (rr_ms is not rounded). O(1) per value, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "attune/signal/beat.hpp"

namespace attune::signal {

constexpr double rr_1024_to_ms(std::uint16_t rr_1024) {
    return static_cast<double>(rr_1024) * 1000.0 / 1024.0;
}

struct RrInputConfig {
    double gap_s = 2.5;          // unexplained time beyond this = beats were lost
    double max_latency_s = 0.05;  // steady latency above this is corrected (drift, anchoring)
    double anchor_lag_s = 0.4;    // assumed beat-to-report delay when nothing is known yet
    double min_rr_ms = 200.0;
    double max_rr_ms = 3000.0;
};

class RrBeatBuilder {
public:
    static constexpr std::size_t kMaxPerNotification = 16;  // HRS carries at most 9

    explicit RrBeatBuilder(const RrInputConfig& config = {});
    // One notification received at host_time_s with RR values (oldest first). Writes one beat per
    // value into out (out.size() >= values; extra values are ignored) and returns the count.
    std::size_t push_1024(double host_time_s, std::span<const std::uint16_t> rr_1024,
                          std::span<Beat> out) noexcept;
    std::size_t push_ms(double host_time_s, std::span<const double> rr_ms,
                        std::span<Beat> out) noexcept;
    std::size_t gaps() const noexcept { return gaps_; }
    void reset() noexcept;

private:
    RrInputConfig config_;
    bool started_ = false;
    double last_beat_s_ = 0.0;
    static constexpr std::size_t kMinLagsForCorrection = 8;
    std::array<double, 32> lag_ring_{};
    std::size_t lag_count_ = 0, lag_head_ = 0;
    std::size_t gaps_ = 0;
};

// A plain RR list (ms, e.g. `attune analyze --rr`): beat i at the cumulative sum of RR[0..i],
// starting at t0_s. Zero / negative / non-finite values are skipped and start a new segment
// (rr_ms = 0 on the next beat); implausible values are flagged Artifact.
std::vector<Beat> beats_from_rr_ms(std::span<const double> rr_ms, double t0_s = 0.0,
                                   const RrInputConfig& config = {});

// RR values with the host time of the report that carried each one (in order): runs
// RrBeatBuilder, taking values logged less than 50 ms apart as one notification.
std::vector<Beat> beats_from_rr_reports(std::span<const double> report_times_s,
                                        std::span<const double> rr_ms,
                                        const RrInputConfig& config = {});

}  // namespace attune::signal
