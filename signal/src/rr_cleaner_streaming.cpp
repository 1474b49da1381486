// RrCleaner: causal, one-pass Lipponen 2019 for live display (see rr_cleaning.hpp).
#include <algorithm>
#include <cmath>

#include "attune/signal/rr_cleaning.hpp"
#include "rr_lipponen_rules.hpp"

namespace attune::signal {

RrCleaner::RrCleaner(const RrCleaningConfig& config)
    : config_(config),
      items_(std::max<std::size_t>(config.qd_window_beats, config.median_window_beats) +
             kLookahead + 4),
      work_(items_.size()) {}

void RrCleaner::reset() noexcept {
    head_ = size_ = undecided_ = out_size_ = 0;
    skip_next_ = false;
    segment_start_ = true;
    have_anchor_ = false;
    anchor_s_ = 0.0;
    last_first_ = RrArtifact::None;
    last_normal_ms_ = 0.0;
    since_normal_ = 0;
    counts_ = {};
}

RrCleaner::Item& RrCleaner::item(std::size_t back) noexcept {
    return items_[(head_ + items_.size() - 1 - back) % items_.size()];
}

void RrCleaner::emit(double t, double nn, RrArtifact a) noexcept {
    if (out_size_ == out_.size()) return;  // cannot happen with <= 4 parts per decision
    out_[out_size_++] = NnInterval{t, nn, a, !segment_start_};
    segment_start_ = false;
}

void RrCleaner::add_interval(double end_s, double rr_ms) noexcept {
    items_[head_] = Item{end_s, rr_ms};
    head_ = (head_ + 1) % items_.size();
    size_ = std::min(size_ + 1, items_.size());
    ++undecided_;
}

std::span<const NnInterval> RrCleaner::push(const Beat& beat) noexcept {
    out_size_ = 0;
    if (beat.quality == BeatQuality::Artifact || !std::isfinite(beat.time_s))
        return {out_.data(), 0};
    if (!have_anchor_) {
        have_anchor_ = true;
        anchor_s_ = beat.time_s;
        return {out_.data(), 0};
    }
    if (!(beat.rr_ms > 0.0)) {  // a gap: nothing spans it
        end_segment();
        anchor_s_ = beat.time_s;
        return {out_.data(), out_size_};
    }
    const double rr = (beat.time_s - anchor_s_) * 1000.0;
    if (!(rr > 0.0)) {  // time went backwards (a clock reset): start again from here
        end_segment();
        anchor_s_ = beat.time_s;
        return {out_.data(), out_size_};
    }
    if (rr < config_.min_rr_ms) {  // too close: drop this beat, keep the anchor
        ++counts_.implausible;
        return {out_.data(), 0};
    }
    anchor_s_ = beat.time_s;
    if (rr > config_.max_rr_ms) {
        ++counts_.implausible;
        end_segment();
        return {out_.data(), out_size_};
    }
    add_interval(beat.time_s, rr);
    while (undecided_ > kLookahead) decide_oldest();
    return {out_.data(), out_size_};
}

std::span<const NnInterval> RrCleaner::finish() noexcept {
    out_size_ = 0;
    end_segment();
    return {out_.data(), out_size_};
}

void RrCleaner::end_segment() noexcept {
    while (undecided_ > 0) decide_oldest();
    size_ = 0;
    skip_next_ = false;
    segment_start_ = true;
    last_first_ = RrArtifact::None;
    last_normal_ms_ = 0.0;
}

void RrCleaner::decide_oldest() noexcept {
    const std::size_t back = undecided_ - 1;  // the interval decided now
    --undecided_;
    Item& self = item(back);
    if (skip_next_) {  // already merged into the previous (extra) interval
        skip_next_ = false;
        self.mrr = 0.0;
        self.first = RrArtifact::Extra;
        last_first_ = RrArtifact::Extra;
        return;
    }
    const RrCleaningConfig& c = config_;
    // Median of the last intervals (window ends at the newest one).
    const std::size_t med_n = std::min(size_, c.median_window_beats);
    for (std::size_t k = 0; k < med_n; ++k) work_[k] = item(k).rr_ms;
    std::sort(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(med_n));
    const double median = lipponen::quantile_of_sorted({work_.data(), med_n}, 0.5);

    // Th1 from |dRR| of the last intervals that have a predecessor in the segment.
    const std::size_t qd_n = std::min(size_, c.qd_window_beats);
    std::size_t m = 0;
    for (std::size_t k = 0; k < qd_n && k + 1 < size_; ++k)
        work_[m++] = std::abs(item(k).rr_ms - item(k + 1).rr_ms);
    std::sort(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(m));
    const double th1 = m > 0 ? lipponen::threshold({work_.data(), m}, median, c.max_th1_fraction, c)
                             : c.min_threshold_ms;
    // Normalised dRR at offset `off` from the decided interval (+ = newer); 0 outside.
    auto d = [&](std::ptrdiff_t off) -> double {
        const std::ptrdiff_t b = static_cast<std::ptrdiff_t>(back) - off;
        if (b < 0 || b + 1 >= static_cast<std::ptrdiff_t>(size_)) return 0.0;
        return (item(static_cast<std::size_t>(b)).rr_ms -
                item(static_cast<std::size_t>(b) + 1).rr_ms) / th1;
    };

    // Th2 from |mRR| of decided intervals plus this one.
    const double mrr_self = lipponen::mrr(self.rr_ms, median);
    m = 0;
    work_[m++] = std::abs(mrr_self);
    for (std::size_t k = back + 1; k < size_ && m < qd_n; ++k) work_[m++] = std::abs(item(k).mrr);
    std::sort(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(m));
    const double th2 = lipponen::threshold({work_.data(), m}, median, c.max_th2_fraction, c);

    auto long_short_at = [&](std::ptrdiff_t off) {
        const auto b = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(back) - off);
        lipponen::LongShortInput x;
        x.rr = item(b).rr_ms;
        x.has_next = b >= 1;
        x.rr_next = x.has_next ? item(b - 1).rr_ms : 0.0;
        x.d = d(off);
        x.s22 = lipponen::s22(x.d, d(off + 1), d(off + 2));
        x.m = lipponen::mrr(x.rr, median) / th2;
        x.median_rr = median;
        x.th2 = th2;
        return lipponen::long_short(x);
    };
    // First-stage class of the interval at `off` (0 = this one; 1 = provisional next).
    auto first_stage = [&](std::ptrdiff_t off, bool apply_lookahead) {
        const auto b = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(back) - off);
        if (item(b).pending != RrArtifact::None) return item(b).pending;
        const double di = d(off);
        if (std::abs(di) <= 1) return RrArtifact::None;
        if (lipponen::is_ectopic(di, lipponen::s12(di, d(off - 1), d(off + 1)), c))
            return RrArtifact::Ectopic;
        const RrArtifact a = long_short_at(off);
        if (apply_lookahead && b >= 2 && std::abs(d(off + 1)) < std::abs(d(off + 2)))
            item(b - 1).pending = long_short_at(off + 1);
        return a;
    };
    const RrArtifact first = first_stage(0, true);
    const RrArtifact next = back >= 1 ? first_stage(1, false) : RrArtifact::None;
    RrArtifact cls = first;
    if (lipponen::sinus_after_pause(last_first_, first, next, self.rr_ms, median, c))
        cls = RrArtifact::None;
    self.mrr = mrr_self;
    self.first = first;
    last_first_ = first;
    lipponen::count(counts_, cls);

    // What an interpolated interval becomes (see the banner in rr_cleaning.hpp).
    constexpr std::size_t kRecentNormal = 10;
    const bool recent_normal = last_normal_ms_ > 0.0 && since_normal_ <= kRecentNormal;
    const double replacement =
        recent_normal ? last_normal_ms_
                      : (back + 1 < size_ ? (self.rr_ms + item(back + 1).rr_ms) / 2.0 : median);
    ++since_normal_;
    switch (cls) {
        case RrArtifact::None:
            emit(self.end_s, self.rr_ms, RrArtifact::None);
            last_normal_ms_ = self.rr_ms;
            since_normal_ = 0;
            break;
        case RrArtifact::Ectopic:
        case RrArtifact::Long:
        case RrArtifact::Short: emit(self.end_s, replacement, cls); break;
        case RrArtifact::Extra:
            if (back >= 1) {
                const Item& following = item(back - 1);
                emit(following.end_s, self.rr_ms + following.rr_ms, RrArtifact::Extra);
                skip_next_ = true;
            } else {
                emit(self.end_s, replacement, RrArtifact::Extra);
            }
            break;
        case RrArtifact::Missed: {
            const double parts = std::clamp(std::round(self.rr_ms / median), 2.0, 4.0);
            const double step = self.rr_ms / parts;
            for (int p = static_cast<int>(parts) - 1; p >= 0; --p)
                emit(self.end_s - p * step / 1000.0, step, RrArtifact::Missed);
            break;
        }
    }
}

std::vector<NnInterval> clean_rr_streaming(std::span<const Beat> beats,
                                           const RrCleaningConfig& config) {
    RrCleaner cleaner(config);
    std::vector<NnInterval> out;
    out.reserve(beats.size() + 8);
    for (const Beat& b : beats)
        for (const NnInterval& nn : cleaner.push(b)) out.push_back(nn);
    for (const NnInterval& nn : cleaner.finish()) out.push_back(nn);
    return out;
}

}  // namespace attune::signal
