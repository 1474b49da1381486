// Lipponen & Tarvainen 2019 RR artifact detection and correction (see rr_cleaning.hpp).
#include "attune/signal/rr_cleaning.hpp"

#include "rr_lipponen_rules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attune::signal {

namespace {

using lipponen::quantile_of_sorted;

// [SECTION] Centred rolling statistics (window clipped at the edges, like pandas'
// rolling(center=True, min_periods=1)); quantiles interpolate linearly between order statistics.

template <typename Fn>
void for_each_centred_window(std::span<const double> x, std::size_t width, Fn&& fn) {
    const std::size_t half = width / 2;
    std::vector<double> window;
    window.reserve(width + 1);
    const bool finite = std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
    std::size_t lo = 0, hi = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const std::size_t new_lo = i >= half ? i - half : 0;
        const std::size_t new_hi = std::min(x.size(), i + (width - half));
        if (finite) {
            // The window slides by one beat: keep it sorted by inserting the value that enters
            // and removing the one that leaves (the same sorted values as sorting it afresh,
            // O(width) per beat instead of O(width log width)).
            for (; hi < new_hi; ++hi) window.insert(std::upper_bound(window.begin(), window.end(), x[hi]), x[hi]);
            for (; lo < new_lo; ++lo) window.erase(std::lower_bound(window.begin(), window.end(), x[lo]));
        } else {  // NaN has no place in an order: sort each window afresh (bad input only)
            window.assign(x.begin() + static_cast<std::ptrdiff_t>(new_lo),
                          x.begin() + static_cast<std::ptrdiff_t>(new_hi));
            std::sort(window.begin(), window.end());
        }
        fn(i, window);
    }
}

// Threshold = alpha * quartile deviation (Q3 - Q1) / 2 of |x| over a centred window.
std::vector<double> qd_threshold(std::span<const double> x, const RrCleaningConfig& c,
                                 std::span<const double> median_rr, double max_fraction) {
    std::vector<double> magnitude(x.size());
    std::transform(x.begin(), x.end(), magnitude.begin(), [](double v) { return std::abs(v); });
    std::vector<double> th(x.size());
    for_each_centred_window(magnitude, c.qd_window_beats, [&](std::size_t i, const auto& w) {
        th[i] = lipponen::threshold(w, median_rr[i], max_fraction, c);
    });
    return th;
}

std::vector<double> centred_median(std::span<const double> x, std::size_t width) {
    std::vector<double> med(x.size());
    for_each_centred_window(x, width, [&](std::size_t i, const auto& w) {
        med[i] = quantile_of_sorted(w, 0.5);
    });
    return med;
}

// [SECTION] Classification (the paper's Figure 1 decision flow)

struct Features {
    std::vector<double> d;      // dRR / Th1
    std::vector<double> s12;    // ectopic subspace
    std::vector<double> s22;    // long/short subspace
    std::vector<double> m;      // mRR / Th2
    std::vector<double> medrr;  // median RR (ms)
    std::vector<double> th2;    // Th2 (ms)
};

Features features(std::span<const double> rr, const RrCleaningConfig& c) {
    const std::size_t n = rr.size();
    Features f;
    std::vector<double> drr(n, 0.0);
    for (std::size_t i = 1; i < n; ++i) drr[i] = rr[i] - rr[i - 1];
    // The first interval has no predecessor: use the mean difference, so it is judged neutral.
    if (n > 1) {
        double sum = 0.0;
        for (std::size_t i = 1; i < n; ++i) sum += drr[i];
        drr[0] = sum / static_cast<double>(n - 1);
    }
    f.medrr = centred_median(rr, c.median_window_beats);
    const auto th1 = qd_threshold(drr, c, f.medrr, c.max_th1_fraction);
    f.d.resize(n);
    for (std::size_t i = 0; i < n; ++i) f.d[i] = drr[i] / th1[i];

    // Neighbours beyond the ends are mirrored (reflect padding).
    auto at = [&](std::ptrdiff_t k) {
        const auto last = static_cast<std::ptrdiff_t>(n) - 1;
        if (last <= 0) return 0.0;
        while (k < 0 || k > last) k = k < 0 ? -k : 2 * last - k;
        return f.d[static_cast<std::size_t>(k)];
    };
    f.s12.assign(n, 0.0);
    f.s22.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::ptrdiff_t>(i);
        f.s12[i] = lipponen::s12(f.d[i], at(k - 1), at(k + 1));
        f.s22[i] = lipponen::s22(f.d[i], at(k + 1), at(k + 2));
    }

    std::vector<double> mrr(n);
    for (std::size_t i = 0; i < n; ++i) mrr[i] = lipponen::mrr(rr[i], f.medrr[i]);
    f.th2 = qd_threshold(mrr, c, f.medrr, c.max_th2_fraction);
    f.m.resize(n);
    for (std::size_t i = 0; i < n; ++i) f.m[i] = mrr[i] / f.th2[i];
    return f;
}

bool is_ectopic(const Features& f, std::size_t i, const RrCleaningConfig& c) {
    return lipponen::is_ectopic(f.d[i], f.s12[i], c);
}

RrArtifact long_short_class(std::span<const double> rr, const Features& f, std::size_t j) {
    lipponen::LongShortInput x;
    x.rr = rr[j];
    x.has_next = j + 1 < rr.size();
    x.rr_next = x.has_next ? rr[j + 1] : 0.0;
    x.d = f.d[j];
    x.s22 = f.s22[j];
    x.m = f.m[j];
    x.median_rr = f.medrr[j];
    x.th2 = f.th2[j];
    return lipponen::long_short(x);
}

std::vector<RrArtifact> classify(std::span<const double> rr, const Features& f,
                                 const RrCleaningConfig& c) {
    const std::size_t n = rr.size();
    std::vector<RrArtifact> cls(n, RrArtifact::None);
    for (std::size_t i = 0; i < n; ++i) {
        if (cls[i] != RrArtifact::None || std::abs(f.d[i]) <= 1) continue;
        if (is_ectopic(f, i, c)) {
            cls[i] = RrArtifact::Ectopic;
            continue;
        }
        cls[i] = long_short_class(rr, f, i);
        // The artifact may sit on the next interval when its dRR is the smaller of the two that
        // follow (the paper's look-ahead).
        if (i + 2 < n && std::abs(f.d[i + 1]) < std::abs(f.d[i + 2]))
            cls[i + 1] = long_short_class(rr, f, i + 1);
    }
    // Trigeminy (sinus, premature, pause, sinus, ...): the sinus interval after each pause drops
    // sharply only because the pause was long, and the premature beat follows it. When it sits
    // near the local median it is the sinus rhythm itself, not "short".
    const std::vector<RrArtifact> first = cls;
    for (std::size_t i = 1; i + 1 < n; ++i)
        if (lipponen::sinus_after_pause(first[i - 1], first[i], first[i + 1], rr[i], f.medrr[i], c))
            cls[i] = RrArtifact::None;
    return cls;
}

using lipponen::count;

// [SECTION] Correction of one continuous segment

struct Segment {
    std::vector<double> end_s;  // time of the beat ending each interval
    std::vector<double> rr;     // ms
    std::vector<RrArtifact> corrected_as;
};

// Replace NaN values by linear interpolation in time from the nearest valid neighbours.
void interpolate_gaps(Segment& s) {
    const std::size_t n = s.rr.size();
    std::size_t prev = n;  // index of the last valid value, n = none yet
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isnan(s.rr[i])) {
            prev = i;
            continue;
        }
        std::size_t next = i + 1;
        while (next < n && std::isnan(s.rr[next])) ++next;
        for (std::size_t k = i; k < next; ++k) {
            if (prev == n && next == n) {
                s.rr[k] = 0.0;  // nothing valid in the segment; dropped below
            } else if (prev == n) {
                s.rr[k] = s.rr[next];
            } else if (next == n) {
                s.rr[k] = s.rr[prev];
            } else {
                const double w = (s.end_s[k] - s.end_s[prev]) / (s.end_s[next] - s.end_s[prev]);
                s.rr[k] = s.rr[prev] + w * (s.rr[next] - s.rr[prev]);
            }
        }
        i = next - 1;
    }
}

// One detection + correction pass. Returns false when nothing was found.
bool correct_pass(Segment& s, const RrCleaningConfig& c, RrArtifactCounts& counts,
                  std::vector<RrArtifact>* first_detection) {
    const auto f = features(s.rr, c);
    const auto cls = classify(s.rr, f, c);
    if (first_detection) first_detection->insert(first_detection->end(), cls.begin(), cls.end());
    const bool any = std::any_of(cls.begin(), cls.end(),
                                 [](RrArtifact a) { return a != RrArtifact::None; });
    if (!any) return false;
    // Count each original interval once: later passes only add intervals not already produced
    // by a correction.
    for (std::size_t k = 0; k < cls.size(); ++k)
        if (s.corrected_as[k] == RrArtifact::None) count(counts, cls[k]);
    if (!c.correct) return false;

    Segment out;
    const std::size_t n = s.rr.size();
    auto push = [&](double t, double v, RrArtifact a) {
        out.end_s.push_back(t);
        out.rr.push_back(v);
        out.corrected_as.push_back(a);
    };
    for (std::size_t k = 0; k < n; ++k) {
        switch (cls[k]) {
            case RrArtifact::Extra:
                if (k + 1 < n) {  // the beat ending interval k is spurious: merge with the next
                    push(s.end_s[k + 1], s.rr[k] + s.rr[k + 1], RrArtifact::Extra);
                    ++k;
                } else {
                    push(s.end_s[k], std::nan(""), RrArtifact::Extra);
                }
                break;
            case RrArtifact::Missed: {  // split into as many intervals as medians fit (2..4)
                const double parts =
                    std::clamp(std::round(s.rr[k] / f.medrr[k]), 2.0, 4.0);
                const double step = s.rr[k] / parts;
                for (int p = static_cast<int>(parts) - 1; p >= 0; --p)
                    push(s.end_s[k] - p * step / 1000.0, step, RrArtifact::Missed);
                break;
            }
            case RrArtifact::Ectopic:
            case RrArtifact::Long:
            case RrArtifact::Short: push(s.end_s[k], std::nan(""), cls[k]); break;
            case RrArtifact::None: push(s.end_s[k], s.rr[k], s.corrected_as[k]); break;
        }
    }
    interpolate_gaps(out);
    s = std::move(out);
    return true;
}

void append_segment(RrCleaningResult& r, const Segment& s) {
    if (s.rr.empty()) return;
    r.segment_starts.push_back(r.nn_ms.size());
    for (std::size_t i = 0; i < s.rr.size(); ++i) {
        if (!(s.rr[i] > 0.0)) continue;
        r.nn_times_s.push_back(s.end_s[i]);
        r.nn_ms.push_back(s.rr[i]);
        r.corrected_as.push_back(s.corrected_as[i]);
    }
}

void clean_segment(Segment s, const RrCleaningConfig& c, RrCleaningResult& r) {
    for (int pass = 0; pass < std::max(1, c.max_passes); ++pass) {
        if (s.rr.size() < 2) {
            if (pass == 0) r.detected.insert(r.detected.end(), s.rr.size(), RrArtifact::None);
            break;
        }
        if (!correct_pass(s, c, r.counts, pass == 0 ? &r.detected : nullptr)) break;
    }
    append_segment(r, s);
}

// Split a series of beat times into plausible continuous segments and clean each.
// Intervals shorter than min_rr_ms: the ending beat is dropped (merged with the next interval);
// longer than max_rr_ms: a pause or gap, the segment ends there.
RrCleaningResult clean_beat_times(std::span<const double> t, std::span<const char> starts_gap,
                                  const RrCleaningConfig& c) {
    RrCleaningResult r;
    Segment seg;
    auto flush = [&] {
        clean_segment(std::move(seg), c, r);
        seg = Segment{};
    };
    if (t.empty()) return r;
    double anchor = t[0];
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (!std::isfinite(t[i]) || starts_gap[i]) {
            flush();
            anchor = t[i];
            continue;
        }
        const double rr = (t[i] - anchor) * 1000.0;
        if (!(rr > 0.0)) {  // time went backwards (a clock reset): start again from here
            flush();
            anchor = t[i];
            continue;
        }
        if (rr < c.min_rr_ms) {
            ++r.counts.implausible;  // too close: drop this beat, keep the anchor
            continue;
        }
        if (rr > c.max_rr_ms) {
            ++r.counts.implausible;
            flush();
            anchor = t[i];
            continue;
        }
        seg.end_s.push_back(t[i]);
        seg.rr.push_back(rr);
        seg.corrected_as.push_back(RrArtifact::None);
        anchor = t[i];
    }
    flush();
    return r;
}

}  // namespace

std::vector<RrArtifact> classify_lipponen2019(std::span<const double> rr_ms,
                                              const RrCleaningConfig& config) {
    if (rr_ms.size() < 2) return std::vector<RrArtifact>(rr_ms.size(), RrArtifact::None);
    return classify(rr_ms, features(rr_ms, config), config);
}

RrCleaningResult lipponen2019(std::span<const double> beat_times_s,
                              const RrCleaningConfig& config) {
    const std::vector<char> no_gaps(beat_times_s.size(), 0);
    return clean_beat_times(beat_times_s, no_gaps, config);
}

RrCleaningResult lipponen2019(std::span<const Beat> beats, const RrCleaningConfig& config) {
    std::vector<double> t;
    t.reserve(beats.size());
    std::vector<char> gaps;
    gaps.reserve(beats.size());
    for (const Beat& b : beats) {
        if (b.quality == BeatQuality::Artifact) continue;
        gaps.push_back(!t.empty() && b.rr_ms <= 0.0 ? 1 : 0);
        t.push_back(b.time_s);
    }
    return clean_beat_times(t, gaps, config);
}

// [SECTION] ChunkedLipponen2019

ChunkedLipponen2019::ChunkedLipponen2019(const RrCleaningConfig& config, std::size_t chunk_beats,
                                         std::size_t overlap_beats)
    : config_(config), chunk_(std::max<std::size_t>({chunk_beats, overlap_beats, 1})), overlap_(overlap_beats) {
    beats_.reserve(chunk_ + 2 * overlap_ + 1);
}

// The beat-level rule of the batch form (too close: dropped; too far: a break), which needs no
// window: counted here so that the count does not depend on the windows.
void ChunkedLipponen2019::count_implausible(const Beat& b) noexcept {
    const bool gap = have_anchor_ && b.rr_ms <= 0.0;
    if (!have_anchor_ || gap || !std::isfinite(b.time_s)) {
        have_anchor_ = true;
        anchor_s_ = b.time_s;
        return;
    }
    const double rr = (b.time_s - anchor_s_) * 1000.0;
    if (rr > 0.0 && rr < config_.min_rr_ms) {
        ++counts_.implausible;  // the beat is dropped, the anchor stays
        return;
    }
    if (rr > config_.max_rr_ms) ++counts_.implausible;
    anchor_s_ = b.time_s;
}

std::span<const NnInterval> ChunkedLipponen2019::push(const Beat& beat) {
    out_.clear();
    if (beat.quality == BeatQuality::Artifact) return {};
    count_implausible(beat);
    beats_.push_back(beat);
    if (beats_.size() >= (first_window_ ? 0 : overlap_) + chunk_ + overlap_) clean_window(false);
    return out_;
}

std::span<const NnInterval> ChunkedLipponen2019::finish() {
    out_.clear();
    if (!beats_.empty()) clean_window(true);
    beats_.clear();
    return out_;
}

void ChunkedLipponen2019::clean_window(bool at_end) {
    const RrCleaningResult r = lipponen2019(std::span<const Beat>(beats_), config_);
    const bool whole = at_end && first_window_;  // one window: the batch result, counts included
    if (whole) {
        const std::size_t implausible = counts_.implausible;
        counts_ = r.counts;
        counts_.implausible = implausible;  // the same rule, counted as the beats came
    }
    // Keep the intervals whose beat lies in the central part: from the end of the previous
    // window's part up to overlap_ beats before this window's end.
    const double from = first_window_ ? -std::numeric_limits<double>::infinity() : beats_[overlap_].time_s;
    const double to = at_end ? std::numeric_limits<double>::infinity() : beats_[beats_.size() - overlap_].time_s;
    std::size_t next_start = 0;
    for (std::size_t i = 0; i < r.nn_ms.size(); ++i) {
        bool starts = false;
        while (next_start < r.segment_starts.size() && r.segment_starts[next_start] <= i)
            starts = r.segment_starts[next_start++] == i || starts;
        const double t = r.nn_times_s[i];
        if (!(t >= from && t < to)) continue;
        const RrArtifact a = r.corrected_as[i];
        // A missed beat is split into 2-4 equal intervals: count the split once.
        const bool same_split = a == RrArtifact::Missed && i > 0 && r.corrected_as[i - 1] == a &&
                                r.nn_ms[i - 1] == r.nn_ms[i];
        if (!same_split && !whole) lipponen::count(counts_, a);
        out_.push_back({t, r.nn_ms[i], a, !starts});
    }
    if (at_end) return;
    // Keep overlap_ beats before the next central part (which starts overlap_ beats from the end).
    beats_.erase(beats_.begin(), beats_.end() - static_cast<std::ptrdiff_t>(2 * overlap_));
    first_window_ = false;
}

}  // namespace attune::signal
