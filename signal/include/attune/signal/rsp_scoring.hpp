// Scoring breath detections against reference breaths (tests, benchmarks). Pure functions.
//
// Matching follows the data README's suggestion: events and detections inside excluded
// segments are dropped; detections are matched one-to-one, nearest first, to reference events
// of the same kind within a tolerance (by default half the median breath period, at most 1 s).
// Rates are compared over sliding 60 s windows, each rate = 60 / mean breath interval in it.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_derived.hpp"

namespace attune::signal {

struct TimedBreath {
    double time_s = 0.0;
    RspEventKind kind = RspEventKind::Inhale;
};

struct TimeSegment {
    double start_s = 0.0;
    double end_s = 0.0;
};

struct BreathScore {
    std::size_t true_positives = 0, false_positives = 0, false_negatives = 0;
    double precision = 0.0, recall = 0.0, f1 = 0.0;
    double mean_abs_error_s = 0.0;  // over matched pairs
    double tolerance_s = 0.0;
};

// Half the median interval between reference events of the same kind, at most `cap_s`.
double breath_tolerance_s(std::span<const TimedBreath> reference, double cap_s = 1.0);

BreathScore score_breaths(std::span<const TimedBreath> reference,
                          std::span<const TimedBreath> detected,
                          std::span<const TimeSegment> excluded, double tolerance_s);

// 60 / mean interval between consecutive same-kind events whose interval lies inside
// [start, end) and does not overlap an excluded segment; 0 when fewer than `min_intervals`.
double window_rate_bpm(std::span<const TimedBreath> events, std::span<const TimeSegment> excluded,
                       double start_s, double end_s, std::size_t min_intervals = 3);

struct RateComparison {
    std::size_t windows = 0;
    double mean_abs_error_bpm = 0.0;
    double max_abs_error_bpm = 0.0;
};
// Sliding windows of `window_s` every `step_s` over [begin_s, end_s); windows with more than
// a quarter excluded, or without a reference rate, are skipped.
RateComparison compare_rates(std::span<const TimedBreath> reference,
                             std::span<const TimedBreath> detected,
                             std::span<const TimeSegment> excluded, double begin_s, double end_s,
                             double window_s = 60.0, double step_s = 10.0);

bool inside_any(double t_s, std::span<const TimeSegment> segments);

// ECG/RR-derived rates against the belt: each estimate (window [time - window_s, time]) is
// compared with the belt's rate over the same window, from the belt's breath events. Windows
// touching an excluded segment or without a belt rate are skipped.
struct DerivedComparison {
    std::size_t compared = 0;       // estimates with a belt rate to compare against
    std::size_t trusted = 0;        // ... of which the quality index trusted
    std::size_t trusted_within = 0; // ... and within tolerance_bpm of the belt
    double trusted_mean_abs_error_bpm = 0.0;
    double trusted_max_abs_error_bpm = 0.0;
    double all_mean_abs_error_bpm = 0.0;  // every valid fused estimate, trusted or not
};
DerivedComparison compare_derived(std::span<const DerivedRespEstimate> estimates,
                                  std::span<const TimedBreath> belt_events,
                                  std::span<const TimeSegment> excluded, double window_s = 32.0,
                                  double tolerance_bpm = 2.0);

}  // namespace attune::signal
