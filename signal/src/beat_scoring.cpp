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
    for (double t : det)
        if (!inside(t, options.excluded)) d.push_back(t);
    BeatScore s;
    s.tp = match_beats(r, d, options.tolerance_s).size();
    s.fn = r.size() - s.tp;
    s.fp = d.size() - s.tp;
    return s;
}

}  // namespace attune::signal
