// Beat-by-beat comparison; see beat_scoring.hpp.
#include "attune/signal/beat_scoring.hpp"

#include <algorithm>
#include <cmath>

namespace attune::signal {

namespace {
bool inside(double t, std::span<const TimeSpan> spans) {
    return std::any_of(spans.begin(), spans.end(),
                       [t](const TimeSpan& s) { return t >= s.start_s && t < s.end_s; });
}
}  // namespace

std::vector<BeatPair> match_beats(std::span<const double> ref, std::span<const double> det,
                                  double tol) {
    // Walk both sorted lists. A detection within tolerance of the current reference beat is
    // matched unless the next detection is closer to it, or it is closer to the next reference.
    std::vector<BeatPair> pairs;
    std::size_t i = 0, j = 0;
    while (i < ref.size() && j < det.size()) {
        const double d = det[j] - ref[i];
        if (d < -tol) {
            ++j;
            continue;
        }
        if (d > tol) {
            ++i;
            continue;
        }
        if (j + 1 < det.size() && std::fabs(det[j + 1] - ref[i]) < std::fabs(d)) {
            ++j;  // det[j] is an extra detection; the next one fits better
            continue;
        }
        if (i + 1 < ref.size() && std::fabs(ref[i + 1] - det[j]) < std::fabs(d)) {
            ++i;  // ref[i] is missed; det[j] belongs to the next beat
            continue;
        }
        pairs.push_back({i, j});
        ++i;
        ++j;
    }
    return pairs;
}

BeatScore score_beats(std::span<const double> ref, std::span<const double> det,
                      const BeatMatchOptions& options) {
    std::vector<double> r, d;
    r.reserve(ref.size());
    d.reserve(det.size());
    for (double t : ref)
        if (!inside(t, options.excluded)) r.push_back(t);
    for (double t : det) {
        const double at_reference = t - options.detection_delay_s;
        if (!inside(at_reference, options.excluded)) d.push_back(at_reference);
    }
    BeatScore s;
    s.tp = match_beats(r, d, options.tolerance_s).size();
    s.fn = r.size() - s.tp;
    s.fp = d.size() - s.tp;
    return s;
}

std::vector<TimeSpan> irregular_reference_spans(std::span<const double> ref, double max_deviation,
                                                double margin_s) {
    constexpr std::size_t kHalf = 5;  // 11 intervals: this one and five either side
    std::vector<TimeSpan> spans;
    double window[2 * kHalf + 1];
    for (std::size_t i = kHalf + 1; i + kHalf < ref.size(); ++i) {
        for (std::size_t k = 0; k < 2 * kHalf + 1; ++k)
            window[k] = ref[i - kHalf + k] - ref[i - kHalf + k - 1];
        std::nth_element(window, window + kHalf, window + 2 * kHalf + 1);
        const double here = ref[i] - ref[i - 1];
        if (std::fabs(here / window[kHalf] - 1.0) <= max_deviation) continue;
        const TimeSpan span{ref[i] - margin_s, ref[i] + margin_s};
        if (!spans.empty() && spans.back().end_s >= span.start_s) spans.back().end_s = span.end_s;
        else spans.push_back(span);
    }
    return spans;
}

}  // namespace attune::signal
