// Breathing from a belt / impedance signal: see rsp.hpp for the stage order, delay and cost.
#include "attune/signal/rsp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace attune::signal {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kRangeBlockS = 0.25;  // resolution of the running range
constexpr double kWarmupS = 3.0;       // no decision before this much signal (range unknown)
constexpr double kDefaultPeriodS = 4.0;  // 15 breaths/min, until the person's own is known
constexpr double kJumpSlopeRatio = 10.0;  // a jump is this many times the usual per-sample step
constexpr double kJumpRangeRatio = 0.5;   // ... and at least half the recent breathing range
constexpr double kFlatFraction = 0.05;    // range below 5 % of a breath: no breathing movement
constexpr double kShallowFloor = 0.3;     // depth reference never below 30 % of the median depth
constexpr double kClipRunS = 0.5;         // identical samples at an extreme for this long: clipped
constexpr double kFlatRunS = 3.0;         // identical samples anywhere for this long: flat line

}  // namespace

// [SECTION] History: last few values, for medians

void RspProcessor::History::push(double x) noexcept {
    v[next] = x;
    next = (next + 1) % kHistory;
    n = std::min(n + 1, kHistory);
}

double RspProcessor::History::newest() const noexcept {
    return n == 0 ? 0.0 : v[(next + kHistory - 1) % kHistory];
}

double RspProcessor::History::median(std::size_t last_n) const noexcept {
    const std::size_t m = std::min(last_n, n);
    if (m == 0) return 0.0;
    std::array<double, kHistory> tmp{};
    for (std::size_t i = 0; i < m; ++i) tmp[i] = v[(next + kHistory - 1 - i) % kHistory];
    std::sort(tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(m));
    return m % 2 == 1 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

double RspProcessor::History::cv(std::size_t last_n) const noexcept {
    const std::size_t m = std::min(last_n, n);
    if (m < 2) return 0.0;
    double sum = 0.0, sq = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        const double x = v[(next + kHistory - 1 - i) % kHistory];
        sum += x;
        sq += x * x;
    }
    const double mean = sum / static_cast<double>(m);
    const double var = std::max(0.0, sq / static_cast<double>(m) - mean * mean);
    return mean > 0.0 ? std::sqrt(var) / mean : 0.0;
}

// [SECTION] Construction

RspProcessor::RspProcessor(const RspConfig& config, Hz sample_rate)
    : cfg_(config), fs_(sample_rate.value) {
    if (!(fs_ >= 4.0) || !std::isfinite(fs_))
        throw std::invalid_argument("breathing: sample rate must be at least 4 Hz");
    if (!(cfg_.smoothing.value > 0.0) || !(cfg_.hysteresis_fraction > 0.0) ||
        !(cfg_.hysteresis_fraction < 1.0) || !(cfg_.min_rate.value > 0.0) ||
        !(cfg_.max_rate.value > cfg_.min_rate.value) || cfg_.rate_median_of == 0 ||
        !(cfg_.highpass.value >= 0.0) || !(cfg_.highpass.value < fs_ / 4.0))
        throw std::invalid_argument("breathing: invalid RspConfig");
    cfg_.rate_median_of = std::min(cfg_.rate_median_of, kHistory);
    hp_a_ = std::exp(-2.0 * kPi * cfg_.highpass.value / fs_);
    box_max_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(cfg_.smoothing.value * fs_)));
    block_len_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(kRangeBlockS * fs_)));
    min_box_len_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.1 * fs_)));
    raw_decay_ = std::exp(-1.0 / (10.0 * fs_));
    ring1_.assign(box_max_, 0.0);
    ring2_.assign(box_max_, 0.0);
    reset();
}

void RspProcessor::reset() noexcept {
    std::fill(ring1_.begin(), ring1_.end(), 0.0);
    std::fill(ring2_.begin(), ring2_.end(), 0.0);
    st_ = State{};
    st_.box_len_ = box_max_;
}

// [SECTION] 1. Repair: NaN hold, step / wrap-around removal, stuck-value (clipping) watch

double RspProcessor::repair(double t_s, float x) noexcept {
    if (!std::isfinite(x)) {
        st_.last_missing_s_ = t_s;
        return st_.held_;
    }
    const double raw = x;
    if (!st_.have_prev_) {
        st_.have_prev_ = true;
        st_.prev_raw_ = raw;
        st_.held_ = raw;
        st_.stuck_value_ = raw;
        st_.raw_min_ = st_.raw_max_ = raw;
        return raw;
    }
    // Stuck values: a rail (clipping) or a dead sensor repeats the exact same number.
    if (raw == st_.stuck_value_) {
        ++st_.stuck_run_;
        const double run_s = static_cast<double>(st_.stuck_run_) / fs_;
        const double v = raw + st_.offset_;
        const double tol = 1e-9 * (1.0 + std::abs(v));
        const bool at_extreme = v >= st_.raw_max_ - tol || v <= st_.raw_min_ + tol;
        if ((run_s >= kClipRunS && at_extreme) || run_s >= kFlatRunS) st_.clip_until_s_ = t_s + 1.0;
    } else {
        st_.stuck_run_ = 0;
        st_.stuck_value_ = raw;
    }

    const double step = raw - st_.prev_raw_;
    st_.prev_raw_ = raw;
    const double range = recent_range(8.0);
    const bool warmed = static_cast<double>(st_.block_count_) * kRangeBlockS >= kWarmupS;
    // A breathing signal is smooth: one sample can move it only a small part of a breath.
    // A step far above both the usual step and half the recent range is not breathing.
    if (warmed && range > 0.0 && std::abs(step) > kJumpSlopeRatio * st_.mean_abs_step_ &&
        std::abs(step) > kJumpRangeRatio * range) {
        st_.offset_ -= step;
        st_.last_jump_s_ = t_s;
    } else {
        st_.mean_abs_step_ += (std::abs(step) - st_.mean_abs_step_) / fs_;  // ~1 s memory
    }
    st_.held_ = raw + st_.offset_;
    return st_.held_;
}

// Envelope of the repaired input: follows new extremes at once, relaxes towards the signal
// over ~10 s. A rail is where the signal sits on this envelope.
void RspProcessor::track_envelope(double v) noexcept {
    st_.raw_min_ = std::min(st_.raw_min_ * raw_decay_ + v * (1.0 - raw_decay_), v);
    st_.raw_max_ = std::max(st_.raw_max_ * raw_decay_ + v * (1.0 - raw_decay_), v);
}

// [SECTION] 2. Clean: first-order high-pass, then two boxcar means (linear phase)

// Display tap: the smoothed signal minus a slow baseline (first-order high-pass at
// cfg.highpass). Detection does not use it: a causal high-pass drags flat end-expiratory
// pauses towards zero and so moves troughs to the start of the pause.
double RspProcessor::remove_baseline(double smooth) noexcept {
    st_.baseline_ = hp_a_ * st_.baseline_ + (1.0 - hp_a_) * smooth;
    return smooth - st_.baseline_;
}

double RspProcessor::boxcar_twice(double x) noexcept {
    const std::size_t m = box_max_, len = st_.box_len_;
    const std::size_t leaving = (st_.ring_pos_ + m - len) % m;  // the sample len steps back
    const double n = static_cast<double>(len);
    st_.sum1_ += x - ring1_[leaving];
    ring1_[st_.ring_pos_] = x;
    const double stage1 = st_.sum1_ / n;
    st_.sum2_ += stage1 - ring2_[leaving];
    ring2_[st_.ring_pos_] = stage1;
    st_.ring_pos_ = (st_.ring_pos_ + 1) % m;
    if (st_.ring_pos_ == 0) resum();  // once per ring turn, so rounding never accumulates
    return st_.sum2_ / n;
}

void RspProcessor::resum() noexcept {
    const std::size_t m = box_max_;
    st_.sum1_ = st_.sum2_ = 0.0;
    for (std::size_t k = 1; k <= st_.box_len_; ++k) {
        st_.sum1_ += ring1_[(st_.ring_pos_ + m - k) % m];
        st_.sum2_ += ring2_[(st_.ring_pos_ + m - k) % m];
    }
}

// Rate-adaptive smoothing: a boxcar of ~1/12 of the breath period (at most cfg.smoothing)
// keeps fast breaths' shape (Ti/Te, extremum times) while slow breaths get the full
// smoothing against talking and cardiac ripple.
void RspProcessor::adapt_smoothing(double period_s) noexcept {
    const auto want = static_cast<std::size_t>(std::lround(period_s / 12.0 * fs_));
    const std::size_t len = std::clamp<std::size_t>(want, std::min(box_max_, min_box_len_), box_max_);
    if (len == st_.box_len_) return;
    st_.box_len_ = len;
    resum();
}

// Start the smoothing from the first value instead of from zero (no start-up ramp).
void RspProcessor::prime(double first) noexcept {
    std::fill(ring1_.begin(), ring1_.end(), first);
    std::fill(ring2_.begin(), ring2_.end(), first);
    st_.sum1_ = st_.sum2_ = first * static_cast<double>(st_.box_len_);
    st_.baseline_ = first;
    st_.primed_ = true;
}

// [SECTION] Running range of the clean signal in 0.25 s blocks (constant memory)

void RspProcessor::track_range(double v) noexcept {
    if (st_.block_pos_ == 0) {
        st_.cur_min_ = st_.cur_max_ = v;
    } else {
        st_.cur_min_ = std::min(st_.cur_min_, v);
        st_.cur_max_ = std::max(st_.cur_max_, v);
    }
    if (++st_.block_pos_ == block_len_) {
        st_.block_min_[st_.block_count_ % kRangeBlocks] = st_.cur_min_;
        st_.block_max_[st_.block_count_ % kRangeBlocks] = st_.cur_max_;
        ++st_.block_count_;
        st_.block_pos_ = 0;
        st_.h_ = cfg_.hysteresis_fraction * depth_reference();  // refreshed 4x a second
        refresh_statistics();
    }
}

double RspProcessor::recent_range(double span_s) const noexcept {
    const std::size_t want = static_cast<std::size_t>(std::ceil(span_s / kRangeBlockS));
    const std::size_t k = std::min({want, st_.block_count_, kRangeBlocks});
    if (k == 0) return 0.0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = 1; i <= k; ++i) {
        const std::size_t idx = (st_.block_count_ - i) % kRangeBlocks;
        lo = std::min(lo, st_.block_min_[idx]);
        hi = std::max(hi, st_.block_max_[idx]);
    }
    return hi - lo;
}

// The breath depth that the hysteresis is a fraction of: the person's recent depth, pulled
// down towards the current range when breathing becomes shallow.
double RspProcessor::depth_reference() const noexcept {
    const double med = median_depth();
    if (st_.depths_.n < 2) return recent_range(8.0);
    const double period = st_.intervals_.n > 0 ? st_.intervals_.median(kHistory) : kDefaultPeriodS;
    const double since_event = st_.now_s_ - st_.last_time_;
    if (since_event > 2.5 * period)  // lost the breaths: follow the signal as it is now
        return std::max(recent_range(8.0), kFlatFraction * med);
    return std::clamp(recent_range(1.5 * period), kShallowFloor * med, med);
}

// [SECTION] 3. Detect: extremum tracking with hysteresis

std::optional<RspEvent> RspProcessor::detect(double t, double v) noexcept {
    const bool ready = static_cast<double>(st_.block_count_) * kRangeBlockS >= kWarmupS && st_.h_ > 0.0 &&
                       !(quality_flags() & kRspFlat);
    switch (st_.seek_) {
        case Seek::Either:
            if (v > st_.cand_max_) { st_.cand_max_ = v; st_.cand_max_t_ = t; }
            if (v < st_.cand_min_) { st_.cand_min_ = v; st_.cand_min_t_ = t; }
            if (!ready) return std::nullopt;
            if (v <= st_.cand_max_ - st_.h_ && st_.cand_max_t_ > st_.cand_min_t_) {
                const double peak = st_.cand_max_, peak_t = st_.cand_max_t_;
                st_.seek_ = Seek::Trough;
                st_.cand_min_ = v; st_.cand_min_t_ = t;
                return make_event(RspEventKind::Exhale, peak_t, peak, t);
            }
            if (v >= st_.cand_min_ + st_.h_ && st_.cand_min_t_ > st_.cand_max_t_) {
                const double trough = st_.cand_min_, trough_t = st_.cand_min_t_;
                st_.seek_ = Seek::Peak;
                st_.cand_max_ = v; st_.cand_max_t_ = t;
                return make_event(RspEventKind::Inhale, trough_t, trough, t);
            }
            return std::nullopt;
        case Seek::Peak:
            if (v > st_.cand_max_) { st_.cand_max_ = v; st_.cand_max_t_ = t; return std::nullopt; }
            if (!ready || v > st_.cand_max_ - st_.h_) return std::nullopt;
            st_.seek_ = Seek::Trough;
            st_.cand_min_ = v; st_.cand_min_t_ = t;
            return make_event(RspEventKind::Exhale, st_.cand_max_t_, st_.cand_max_, t);
        case Seek::Trough:
            if (v < st_.cand_min_) { st_.cand_min_ = v; st_.cand_min_t_ = t; return std::nullopt; }
            if (!ready || v < st_.cand_min_ + st_.h_) return std::nullopt;
            st_.seek_ = Seek::Peak;
            st_.cand_max_ = v; st_.cand_max_t_ = t;
            return make_event(RspEventKind::Inhale, st_.cand_min_t_, st_.cand_min_, t);
    }
    return std::nullopt;
}

// [SECTION] 4. Measure: depth, durations, rate, Ti/Te at each confirmed extremum

RspEvent RspProcessor::make_event(RspEventKind kind, double t_ext, double value, double now) noexcept {
    RspEvent e;
    e.kind = kind;
    e.time_s = t_ext;
    e.detected_s = now + delay_s();  // `now` is on the clean signal's (delayed) time line
    const std::uint32_t damage = kRspJump | kRspClipped | kRspMissing;
    e.artifact = (quality_flags() & damage) != 0;
    if (st_.have_last_) {
        e.depth = std::abs(value - st_.last_value_);
        st_.depths_.push(e.depth);
        const double half = e.time_s - st_.last_time_;
        if (half > 0.0) (kind == RspEventKind::Exhale ? st_.ti_ : st_.te_).push(half);
    }
    double& prev_same = kind == RspEventKind::Exhale ? st_.last_exhale_t_ : st_.last_inhale_t_;
    bool& damaged_since = kind == RspEventKind::Exhale ? st_.artifact_since_exhale_ : st_.artifact_since_inhale_;
    if (prev_same >= 0.0 && !damaged_since && !e.artifact) {
        const double interval = e.time_s - prev_same;
        const bool plausible =
            interval >= 60.0 / cfg_.max_rate.value && interval <= 60.0 / cfg_.min_rate.value;
        st_.implausible_.push(plausible ? 0.0 : 1.0);
        if (plausible) {
            st_.intervals_.push(interval);
            e.rate_bpm = 60.0 / interval;
            st_.last_rate_bpm_ = e.rate_bpm;
            st_.smoothed_rate_bpm_ = 60.0 / st_.intervals_.median(cfg_.rate_median_of);
            // Only steady breathing earns a shorter boxcar; artifacts and irregular
            // stretches get the full smoothing back.
            const bool steady = st_.intervals_.n >= 3 && st_.intervals_.cv(6) < 0.5 * cfg_.irregular_cv;
            adapt_smoothing(steady ? st_.intervals_.median(kHistory) : 1e9);
        }
    }
    prev_same = e.time_s;
    damaged_since = false;
    if (st_.ti_.n > 0 && st_.te_.n > 0) st_.ie_ratio_ = st_.ti_.median(5) / st_.te_.median(5);
    if (kind == RspEventKind::Exhale) ++st_.exhale_count_;
    st_.have_last_ = true;
    st_.last_kind_ = kind;
    st_.last_value_ = value;
    st_.last_time_ = e.time_s;
    refresh_statistics();
    return e;
}

// [SECTION] The per-sample path

std::optional<RspEvent> RspProcessor::push(double t_s, float x) noexcept {
    st_.now_s_ = t_s;
    const double repaired = repair(t_s, x);
    track_envelope(repaired);
    if (!st_.primed_) prime(repaired);
    st_.smooth_ = boxcar_twice(repaired);
    st_.clean_ = remove_baseline(st_.smooth_);
    track_range(st_.smooth_);
    const std::uint32_t damage = quality_flags() & (kRspJump | kRspClipped | kRspMissing);
    if (damage) st_.artifact_since_inhale_ = st_.artifact_since_exhale_ = true;
    return detect(t_s - delay_s(), st_.smooth_);
}

// [SECTION] Phase and quality

RspPhase RspProcessor::phase_at(double t_s) const noexcept {
    RspPhase p;
    if (!st_.have_last_ || st_.depths_.n == 0) return p;
    // The live phase should not wait for the full confirmation: once the signal has turned
    // by a third of the hysteresis, the extremum it left is taken as the phase change.
    RspEventKind kind = st_.last_kind_;
    double since = st_.last_time_;
    const double tentative = st_.h_ / 3.0;
    if (st_.seek_ == Seek::Peak && st_.cand_max_ - st_.smooth_ >= tentative && st_.cand_max_t_ > since) {
        kind = RspEventKind::Exhale;
        since = st_.cand_max_t_;
    } else if (st_.seek_ == Seek::Trough && st_.smooth_ - st_.cand_min_ >= tentative &&
               st_.cand_min_t_ > since) {
        kind = RspEventKind::Inhale;
        since = st_.cand_min_t_;
    }
    p.inspiration = kind == RspEventKind::Inhale;
    const double period = st_.intervals_.n > 0 ? st_.intervals_.median(kHistory) : kDefaultPeriodS;
    double expected = p.inspiration ? st_.ti_.median(5) : st_.te_.median(5);
    if (expected <= 0.0) expected = p.inspiration ? 0.4 * period : 0.6 * period;
    const double elapsed = std::max(0.0, t_s - since);
    if (elapsed > 2.5 * period) return p;  // lost: no breath for a long time
    p.valid = true;
    p.completion = std::min(elapsed / expected, 0.99);
    p.angle_rad = (p.inspiration ? 0.0 : kPi) + kPi * p.completion;
    return p;
}

RspPhase RspProcessor::phase() const noexcept { return phase_at(st_.now_s_); }

// The statistics behind the quality (medians, CVs, the 4 s range) change only at block ends
// and breath events: computed there, not per sample.
void RspProcessor::refresh_statistics() noexcept {
    std::uint32_t f = 0;
    const double med = median_depth();
    const double range4 = recent_range(4.0);
    const bool warmed = static_cast<double>(st_.block_count_) * kRangeBlockS >= kWarmupS;
    if (warmed && (range4 <= 0.0 || (med > 0.0 && range4 < kFlatFraction * med))) f |= kRspFlat;
    if (st_.intervals_.n >= 4 && st_.intervals_.cv(6) > cfg_.irregular_cv) f |= kRspIrregular;
    // Extremum pairs faster (or slower) than any breath: noise, not breathing.
    if (st_.implausible_.n >= 4 && st_.implausible_.median(kHistory) > 0.0) f |= kRspIrregular;
    st_.slow_flags_ = f;
    st_.period_s_ = st_.intervals_.n > 0 ? st_.intervals_.median(kHistory) : kDefaultPeriodS;
    // Regularity: 1 for steady breathing (interval CV <= 0.15, depth CV <= 0.25, as at rest),
    // falling to 0.3 as breath intervals or depths scatter like noise.
    const double interval_score = 1.0 - 0.7 * std::clamp((st_.intervals_.cv(6) - 0.15) / 0.4, 0.0, 1.0);
    const double depth_score = 1.0 - 0.7 * std::clamp((st_.depths_.cv(6) - 0.25) / 0.6, 0.0, 1.0);
    st_.regularity_ = std::min(interval_score, depth_score);
}

std::uint32_t RspProcessor::quality_flags() const noexcept {
    std::uint32_t f = st_.slow_flags_;
    if (st_.now_s_ < st_.clip_until_s_) f |= kRspClipped;
    if (st_.now_s_ - st_.last_jump_s_ < cfg_.jump_hold.value) f |= kRspJump;
    if (st_.now_s_ - st_.last_missing_s_ < cfg_.jump_hold.value) f |= kRspMissing;
    if (st_.exhale_count_ < 2 || st_.now_s_ - st_.last_time_ - delay_s() > 2.5 * st_.period_s_)
        f |= kRspNoBreaths;
    return f;
}

RspQuality RspProcessor::quality() const noexcept {
    RspQuality q;
    q.flags = quality_flags();
    double index = st_.regularity_;
    if (q.flags & kRspIrregular) index = std::min(index, 0.5);
    if (q.flags & (kRspJump | kRspMissing)) index = std::min(index, 0.3);
    if (q.flags & kRspClipped) index = std::min(index, 0.3);
    if (q.flags & kRspNoBreaths) index = std::min(index, 0.1);
    if (q.flags & kRspFlat) index = 0.0;
    q.index = index;
    return q;
}

// [SECTION] Batch form

RspBatchResult rsp_process(std::span<const float> signal, Hz sample_rate, const RspConfig& config,
                           double t0_s) {
    RspProcessor proc(config, sample_rate);
    RspBatchResult out;
    out.clean_delay_s = proc.clean_delay_s();
    out.clean.reserve(signal.size());
    out.rate_bpm.reserve(signal.size());
    out.phase_rad.reserve(signal.size());
    out.quality.reserve(signal.size());
    for (std::size_t i = 0; i < signal.size(); ++i) {
        const double t = t0_s + static_cast<double>(i) / sample_rate.value;
        if (auto e = proc.push(t, signal[i])) out.events.push_back(*e);
        out.clean.push_back(static_cast<float>(proc.clean()));
        out.rate_bpm.push_back(static_cast<float>(proc.rate_bpm()));
        const RspPhase ph = proc.phase();
        out.phase_rad.push_back(ph.valid ? static_cast<float>(ph.angle_rad)
                                         : std::numeric_limits<float>::quiet_NaN());
        out.quality.push_back(static_cast<float>(proc.quality().index));
    }
    return out;
}

}  // namespace attune::signal
