// Private: the Lipponen & Tarvainen 2019 decision rules on scalars, shared by the batch
// (lipponen2019) and streaming (RrCleaner) forms so both decide with the same code.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

#include "attune/signal/rr_cleaning.hpp"

namespace attune::signal::lipponen {

// Linear interpolation between order statistics (numpy / pandas default).
inline double quantile_of_sorted(std::span<const double> sorted, double q) {
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// alpha * quartile deviation of sorted magnitudes, within [floor, ceiling fraction * median RR].
inline double threshold(std::span<const double> sorted_magnitudes, double median_rr,
                        double max_fraction, const RrCleaningConfig& c) {
    const double qd =
        (quantile_of_sorted(sorted_magnitudes, 0.75) - quantile_of_sorted(sorted_magnitudes, 0.25)) /
        2.0;
    double t = c.alpha * qd;
    if (max_fraction > 0.0) t = std::min(t, max_fraction * median_rr);
    return std::max(t, c.min_threshold_ms);
}

// Subspace S12 (ectopic): the neighbour that opposes dRR's sign.
inline double s12(double d, double prev, double next) {
    if (d > 0) return std::max(prev, next);
    if (d < 0) return std::min(prev, next);
    return 0.0;
}

// Subspace S22 (long/short): the next two intervals.
inline double s22(double d, double next1, double next2) {
    return d >= 0 ? std::min(next1, next2) : std::max(next1, next2);
}

inline bool is_ectopic(double d, double s12_value, const RrCleaningConfig& c) {
    return (d > 1 && s12_value < -c.c1 * d - c.c2) || (d < -1 && s12_value > -c.c1 * d + c.c2);
}

struct LongShortInput {
    double rr = 0.0;       // this interval (ms)
    double rr_next = 0.0;  // the next one (ms), for the extra-beat test
    bool has_next = false;
    double d = 0.0;        // dRR / Th1
    double s22 = 0.0;
    double m = 0.0;        // mRR / Th2
    double median_rr = 0.0;
    double th2 = 0.0;      // ms
};

// Long / short / missed / extra, or None.
inline RrArtifact long_short(const LongShortInput& x) {
    const bool long_beat = x.d > 1 && x.s22 < -1;
    const bool long_or_short = std::abs(x.m) > 3;
    const bool short_beat = x.d < -1 && x.s22 > 1;
    if (!long_beat && !long_or_short && !short_beat) return RrArtifact::None;
    const bool missed = std::abs(x.rr / 2.0 - x.median_rr) < x.th2;
    const bool extra = x.has_next && std::abs(x.rr + x.rr_next - x.median_rr) < x.th2;
    if (short_beat && extra) return RrArtifact::Extra;
    if (long_beat && missed) return RrArtifact::Missed;
    return x.rr > x.median_rr ? RrArtifact::Long : RrArtifact::Short;
}

// mRR before normalisation: deviation from the median, short deviations doubled.
inline double mrr(double rr, double median_rr) {
    const double m = rr - median_rr;
    return m < 0 ? 2.0 * m : m;
}

// Trigeminy rule (not in the paper): the sinus interval between a pause and the next premature
// beat is not "short" when it sits near the median.
inline bool sinus_after_pause(RrArtifact previous, RrArtifact self, RrArtifact next, double rr,
                              double median_rr, const RrCleaningConfig& c) {
    const bool after_pause = previous == RrArtifact::Ectopic || previous == RrArtifact::Long;
    return self == RrArtifact::Short && after_pause && next == RrArtifact::Short &&
           std::abs(rr - median_rr) <= c.normal_band_fraction * median_rr;
}

inline void count(RrArtifactCounts& counts, RrArtifact a) {
    switch (a) {
        case RrArtifact::Ectopic: ++counts.ectopic; break;
        case RrArtifact::Long: ++counts.long_; break;
        case RrArtifact::Short: ++counts.short_; break;
        case RrArtifact::Missed: ++counts.missed; break;
        case RrArtifact::Extra: ++counts.extra; break;
        case RrArtifact::None: break;
    }
}

}  // namespace attune::signal::lipponen
