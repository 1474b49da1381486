// RR intervals from a device as an input in its own right (chest straps send RR without a
// waveform): a plain RR list (`attune analyze --rr`), or RR values with the host times of the
// reports that carried them (BLE Heart Rate Service notifications, timed by RrBeatTimeline).
// Intervals outside [min_rr_ms, max_rr_ms] keep the time running but are flagged Artifact; an
// interval that does not follow on from the previous beat (start, gap, unusable value) is
// rr_ms = 0. RR values keep their precision (1/1024 s from a strap; rr_ms is not rounded).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "attune/signal/beat.hpp"
#include "attune/signal/rr_beat_timeline.hpp"

namespace attune::signal {

constexpr double rr_1024_to_ms(std::uint16_t rr_1024) {
    return static_cast<double>(rr_1024) * 1000.0 / 1024.0;
}

struct RrInputConfig {
    double min_rr_ms = 250.0;   // 240 bpm: above any adult's maximum heart rate (a 300-bpm
    double max_rr_ms = 2500.0;  // reading is a strap's error); 24 bpm: below any sinus rhythm
    RrBeatTimelineConfig timeline;  // for reports with host times
};

// One device interval ending at time_s as a beat (follows_on = false: no interval before it).
Beat beat_from_rr(double time_s, double rr_ms, bool follows_on, const RrInputConfig& config = {});

// A plain RR list (ms): beat i at the cumulative sum of RR[0..i], starting at t0_s. Zero /
// negative / non-finite values are skipped and start a new segment.
std::vector<Beat> beats_from_rr_ms(std::span<const double> rr_ms, double t0_s = 0.0,
                                   const RrInputConfig& config = {});

// RR values with the host time of the report that carried each one (in order), timed by
// RrBeatTimeline; values logged less than 50 ms apart are taken as one notification.
std::vector<Beat> beats_from_rr_reports(std::span<const double> report_times_s,
                                        std::span<const double> rr_ms,
                                        const RrInputConfig& config = {});

}  // namespace attune::signal
