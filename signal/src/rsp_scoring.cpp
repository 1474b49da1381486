// Breath scoring: see rsp_scoring.hpp.
#include "attune/signal/rsp_scoring.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace attune::signal {

bool inside_any(double t_s, std::span<const TimeSegment> segments) {
    return std::any_of(segments.begin(), segments.end(),
                       [t_s](const TimeSegment& s) { return t_s >= s.start_s && t_s <= s.end_s; });
}

namespace {

bool overlaps_any(double a, double b, std::span<const TimeSegment> segments) {
    return std::any_of(segments.begin(), segments.end(),
                       [a, b](const TimeSegment& s) { return s.start_s < b && s.end_s > a; });
}

std::vector<double> same_kind_intervals(std::span<const TimedBreath> events, RspEventKind kind,
                                        std::span<const TimeSegment> excluded, double start_s,
                                        double end_s) {
    std::vector<double> out;
    double prev = -1.0;
    for (const auto& e : events) {
        if (e.kind != kind) continue;
        if (prev >= 0.0 && prev >= start_s && e.time_s < end_s &&
            !overlaps_any(prev, e.time_s, excluded))
            out.push_back(e.time_s - prev);
        prev = e.time_s;
    }
    return out;
}

}  // namespace

double breath_tolerance_s(std::span<const TimedBreath> reference, double cap_s) {
    std::vector<double> iv;
    for (auto kind : {RspEventKind::Inhale, RspEventKind::Exhale}) {
        auto part = same_kind_intervals(reference, kind, {}, -1e300, 1e300);
        iv.insert(iv.end(), part.begin(), part.end());
    }
    if (iv.empty()) return cap_s;
    std::sort(iv.begin(), iv.end());
    const double median = iv[iv.size() / 2];
    return std::min(cap_s, 0.5 * median);
}

BreathScore score_breaths(std::span<const TimedBreath> reference,
                          std::span<const TimedBreath> detected,
                          std::span<const TimeSegment> excluded, double tolerance_s) {
    std::vector<TimedBreath> ref, det;
    for (const auto& r : reference)
        if (!inside_any(r.time_s, excluded)) ref.push_back(r);
    for (const auto& d : detected)
        if (!inside_any(d.time_s, excluded)) det.push_back(d);

    // Every candidate pair within tolerance, nearest first; take a pair when both are free.
    std::vector<std::tuple<double, std::size_t, std::size_t>> pairs;
    for (std::size_t i = 0; i < ref.size(); ++i)
        for (std::size_t j = 0; j < det.size(); ++j) {
            const double dt = std::abs(ref[i].time_s - det[j].time_s);
            if (ref[i].kind == det[j].kind && dt <= tolerance_s) pairs.emplace_back(dt, i, j);
        }
    std::sort(pairs.begin(), pairs.end());
    std::vector<bool> ref_used(ref.size(), false), det_used(det.size(), false);
    BreathScore s;
    s.tolerance_s = tolerance_s;
    double err = 0.0;
    for (const auto& [dt, i, j] : pairs) {
        if (ref_used[i] || det_used[j]) continue;
        ref_used[i] = det_used[j] = true;
        ++s.true_positives;
        err += dt;
    }
    s.false_negatives = ref.size() - s.true_positives;
    s.false_positives = det.size() - s.true_positives;
    const double tp = static_cast<double>(s.true_positives);
    s.precision = det.empty() ? 0.0 : tp / static_cast<double>(det.size());
    s.recall = ref.empty() ? 0.0 : tp / static_cast<double>(ref.size());
    s.f1 = (s.precision + s.recall) > 0.0 ? 2.0 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    s.mean_abs_error_s = s.true_positives > 0 ? err / tp : 0.0;
    return s;
}

double window_rate_bpm(std::span<const TimedBreath> events, std::span<const TimeSegment> excluded,
                       double start_s, double end_s, std::size_t min_intervals) {
    std::vector<double> iv;
    for (auto kind : {RspEventKind::Inhale, RspEventKind::Exhale}) {
        auto part = same_kind_intervals(events, kind, excluded, start_s, end_s);
        iv.insert(iv.end(), part.begin(), part.end());
    }
    if (iv.size() < min_intervals) return 0.0;
    double sum = 0.0;
    for (double v : iv) sum += v;
    return 60.0 * static_cast<double>(iv.size()) / sum;
}

RateComparison compare_rates(std::span<const TimedBreath> reference,
                             std::span<const TimedBreath> detected,
                             std::span<const TimeSegment> excluded, double begin_s, double end_s,
                             double window_s, double step_s) {
    RateComparison c;
    double sum = 0.0;
    for (double a = begin_s; a + window_s <= end_s + 1e-9; a += step_s) {
        const double b = a + window_s;
        double excluded_s = 0.0;
        for (const auto& seg : excluded)
            excluded_s += std::max(0.0, std::min(b, seg.end_s) - std::max(a, seg.start_s));
        if (excluded_s > 0.25 * window_s) continue;
        const double ref = window_rate_bpm(reference, excluded, a, b);
        if (ref <= 0.0) continue;
        const double det = window_rate_bpm(detected, excluded, a, b);
        const double e = det > 0.0 ? std::abs(det - ref) : ref;  // no rate at all counts fully
        sum += e;
        c.max_abs_error_bpm = std::max(c.max_abs_error_bpm, e);
        ++c.windows;
    }
    c.mean_abs_error_bpm = c.windows > 0 ? sum / static_cast<double>(c.windows) : 0.0;
    return c;
}

DerivedComparison compare_derived(std::span<const DerivedRespEstimate> estimates,
                                  std::span<const TimedBreath> belt_events,
                                  std::span<const TimeSegment> excluded, double window_s,
                                  double tolerance_bpm) {
    DerivedComparison c;
    double trusted_sum = 0.0, all_sum = 0.0;
    std::size_t all_n = 0;
    for (const auto& e : estimates) {
        const double a = e.time_s - window_s, b = e.time_s;
        if (!e.fused.valid || a < 0.0 || overlaps_any(a, b, excluded)) continue;
        const double belt = window_rate_bpm(belt_events, excluded, a, b);
        if (belt <= 0.0) continue;
        ++c.compared;
        const double err = std::abs(e.fused.rate_bpm - belt);
        all_sum += err;
        ++all_n;
        if (!e.trustworthy) continue;
        ++c.trusted;
        trusted_sum += err;
        c.trusted_max_abs_error_bpm = std::max(c.trusted_max_abs_error_bpm, err);
        if (err <= tolerance_bpm) ++c.trusted_within;
    }
    c.trusted_mean_abs_error_bpm = c.trusted > 0 ? trusted_sum / static_cast<double>(c.trusted) : 0.0;
    c.all_mean_abs_error_bpm = all_n > 0 ? all_sum / static_cast<double>(all_n) : 0.0;
    return c;
}

}  // namespace attune::signal
