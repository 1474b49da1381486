// Scoring a beat detector against reference annotations, the way the ANSI/AAMI EC57 beat-by-beat
// comparison does it: each reference beat matches at most one detection within a tolerance
// (150 ms is usual), the rest are false negatives / false positives.
//   Se (sensitivity) = TP / (TP + FN),  +P (positive predictivity) = TP / (TP + FP).
// Stretches can be excluded (e.g. where the quality index says the signal is unreadable):
// reference beats and detections inside them are not counted.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace attune::signal {

struct BeatScore {
    std::size_t tp = 0, fp = 0, fn = 0;
    double sensitivity() const { return tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1.0; }
    double positive_predictivity() const { return tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0; }
    BeatScore& operator+=(const BeatScore& o) {
        tp += o.tp;
        fp += o.fp;
        fn += o.fn;
        return *this;
    }
};

struct TimeSpan {
    double start_s = 0.0, end_s = 0.0;  // [start, end)
};

struct BeatMatchOptions {
    double tolerance_s = 0.150;
    std::span<const TimeSpan> excluded = {};  // sorted or not; beats inside are ignored
    // Detections are expected this long after their reference beat (a PPG pulse follows its R
    // peak by the pulse arrival time): they are moved back by it before exclusion and matching.
    double detection_delay_s = 0.0;
};

// Both lists in seconds, each sorted ascending. Matching is one-to-one, nearest first.
BeatScore score_beats(std::span<const double> reference_s, std::span<const double> detected_s,
                      const BeatMatchOptions& options = {});

// Matched pairs (reference index, detection index) with the same rules, for RR comparisons.
struct BeatPair {
    std::size_t reference = 0, detected = 0;
};
std::vector<BeatPair> match_beats(std::span<const double> reference_s,
                                  std::span<const double> detected_s, double tolerance_s);

// Stretches where a reference beat series is itself doubtful: +-margin_s around each beat whose
// interval is more than max_deviation (a fraction) off the median of the 11 intervals around it,
// i.e. a missed, extra or noisy reference beat. Used to score on clean segments only. Sorted,
// overlapping stretches merged.
std::vector<TimeSpan> irregular_reference_spans(std::span<const double> reference_s,
                                                double max_deviation = 0.3, double margin_s = 2.0);

}  // namespace attune::signal
