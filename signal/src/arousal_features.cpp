// Feature windows for the arousal detector: see arousal_features.hpp.
#include "attune/signal/arousal_features.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace attune::signal {

// [SECTION] HeartFeatureWindow

HeartFeatureWindow::HeartFeatureWindow(const HeartFeatureConfig& config) : config_(config) {
    const double longest = std::max({config_.hr_window.value, config_.rmssd_window.value,
                                     config_.quality_window.value});
    if (!(longest > 0.0 && longest <= 600.0) || !(config_.min_rr_ms > 0.0) ||
        !(config_.max_rr_ms > config_.min_rr_ms))
        throw std::invalid_argument("heart feature config: windows must be 0..600 s, RR range valid");
    // Enough room for the longest window at the fastest plausible rate.
    const auto capacity = static_cast<std::size_t>(longest * 1000.0 / config_.min_rr_ms) + 4;
    ring_.resize(capacity);
    scratch_.resize(capacity);
    raw_.resize(capacity);
}

void HeartFeatureWindow::reset() noexcept {
    head_ = size_ = 0;
    raw_head_ = raw_size_ = 0;
    last_beat_good_ = false;
    cleaner_.reset();
    last_nn_s_ = -1e9;
    doubtful_until_s_ = -1e9;
}

void HeartFeatureWindow::push(const Beat& beat) noexcept {
    // The interval between two Good beats is kept as reported, for the heart rate before the
    // cleaner has decided it. An interval next to an artifact or a doubtful beat may span
    // garbage: not kept.
    const bool good = beat.quality == BeatQuality::Good;
    if (good && last_beat_good_ && beat.rr_ms >= config_.min_rr_ms && beat.rr_ms <= config_.max_rr_ms) {
        raw_[(raw_head_ + raw_size_) % raw_.size()] = {beat.time_s, beat.rr_ms};
        if (raw_size_ < raw_.size()) ++raw_size_;
        else raw_head_ = (raw_head_ + 1) % raw_.size();
    }
    last_beat_good_ = good;
    if (beat.quality == BeatQuality::Artifact) return;
    // Doubtful beats count for heart rate but not for HRV (see BeatQuality).
    if (beat.quality == BeatQuality::Doubtful) doubtful_until_s_ = beat.time_s;
    for (const NnInterval& nn : cleaner_.push(beat)) add(nn);
}

void HeartFeatureWindow::add(const NnInterval& nn) noexcept {
    const bool plausible = nn.nn_ms >= config_.min_rr_ms && nn.nn_ms <= config_.max_rr_ms;
    // Corrected intervals (ectopic, missed, extra beats) carry the rate but not the variability.
    const bool clean = nn.corrected_as == RrArtifact::None && nn.time_s > doubtful_until_s_ + 1e-9;
    ring_[(head_ + size_) % ring_.size()] = {nn.time_s, nn.nn_ms, plausible, clean, nn.continuous};
    if (size_ < ring_.size()) ++size_;
    else head_ = (head_ + 1) % ring_.size();
    last_nn_s_ = nn.time_s;
}

// Heart rate over the hr_window ending now: the intervals the cleaner has decided, plus the newer
// ones it has not decided yet (its 3 beats of delay) when they continue the rhythm, i.e. lie
// within kContinuesRhythm of the decided median. An ectopic, missed or extra beat is far from
// it and waits for the cleaner; a real rise shortens the interval by a few per cent a beat.
double HeartFeatureWindow::fast_hr(double now_s) noexcept {
    constexpr double kContinuesRhythm = 0.2;
    std::size_t n = 0;
    for (std::size_t i = 0; i < size_; ++i) {
        const Interval& iv = ring_[(head_ + i) % ring_.size()];
        if (iv.plausible && iv.end_s <= now_s && now_s - iv.end_s <= config_.hr_window.value)
            scratch_[n++] = iv.rr_ms;
    }
    if (n < 2) return kNoValue;
    auto median = [&](std::size_t count) {
        const auto mid = scratch_.begin() + static_cast<std::ptrdiff_t>(count / 2);
        std::nth_element(scratch_.begin(), mid, scratch_.begin() + static_cast<std::ptrdiff_t>(count));
        return *mid;
    };
    const double decided = median(n);
    for (std::size_t i = 0; i < raw_size_ && n < scratch_.size(); ++i) {
        const auto& [end_s, rr_ms] = raw_[(raw_head_ + i) % raw_.size()];
        if (end_s > last_nn_s_ && end_s <= now_s && now_s - end_s <= config_.hr_window.value &&
            std::abs(rr_ms - decided) <= kContinuesRhythm * decided)
            scratch_[n++] = rr_ms;
    }
    return 60000.0 / median(n);
}

HeartFeatures HeartFeatureWindow::at(double now_s) noexcept {
    HeartFeatures out;
    const auto entry = [&](std::size_t i) -> const Interval& { return ring_[(head_ + i) % ring_.size()]; };

    // The cleaner decides an interval a few beats late: windows end at the newest decided beat
    // while it is recent, so that delay does not read as missing beats.
    const double end_s = now_s - last_nn_s_ < config_.cleaner_delay.value ? last_nn_s_ : now_s;

    // Quality: how much of the last quality_window is covered by plausible intervals.
    double covered_ms = 0.0;
    std::size_t n_hr = 0;
    for (std::size_t i = 0; i < size_; ++i) {
        const Interval& iv = entry(i);
        const double age = end_s - iv.end_s;
        if (age < 0.0) continue;
        if (iv.plausible && age <= config_.quality_window.value)
            covered_ms += std::min(iv.rr_ms, (config_.quality_window.value - age) * 1000.0);
        if (iv.plausible && age <= config_.hr_window.value) scratch_[n_hr++] = iv.rr_ms;
    }
    out.quality = std::clamp(covered_ms / (config_.quality_window.value * 1000.0), 0.0, 1.0);
    if (n_hr >= 2) {
        // (the window ending at the newest decided beat: the fallback when too few decided
        // intervals end within hr_window of now, e.g. at a slow rate)
        const auto mid = scratch_.begin() + static_cast<std::ptrdiff_t>(n_hr / 2);
        std::nth_element(scratch_.begin(), mid, scratch_.begin() + static_cast<std::ptrdiff_t>(n_hr));
        out.hr_bpm = 60000.0 / *mid;
    }
    if (const double fast = fast_hr(now_s); std::isfinite(fast)) out.hr_bpm = fast;

    // RMSSD of neighbouring plausible intervals whose change is physiological. An interval far
    // from the window's median is an extra, missed or ectopic beat (an extra beat can split one
    // interval into two similar halves that no neighbour test catches).
    std::size_t n_win = 0;
    for (std::size_t i = 0; i < size_; ++i) {
        const Interval& iv = entry(i);
        if (iv.plausible && iv.clean && iv.end_s <= end_s && end_s - iv.end_s <= config_.rmssd_window.value)
            scratch_[n_win++] = iv.rr_ms;
    }
    if (n_win < 10) return out;
    const auto mid_win = scratch_.begin() + static_cast<std::ptrdiff_t>(n_win / 2);
    std::nth_element(scratch_.begin(), mid_win, scratch_.begin() + static_cast<std::ptrdiff_t>(n_win));
    const double median_rr = *mid_win;
    const auto near_median = [&](const Interval& iv) {
        return std::abs(iv.rr_ms - median_rr) <= config_.max_rr_change * median_rr;
    };
    double sum = 0.0, sum_sq = 0.0;
    std::size_t n_diff = 0;
    for (std::size_t i = 1; i < size_; ++i) {
        const Interval& a = entry(i - 1);
        const Interval& b = entry(i);
        if (end_s - b.end_s > config_.rmssd_window.value || b.end_s > end_s || !b.continuous) continue;
        if (!a.plausible || !b.plausible || !a.clean || !b.clean) continue;
        if (!near_median(a) || !near_median(b)) continue;
        // Not neighbours if the gap between them is longer than the later interval.
        if (b.end_s - a.end_s > b.rr_ms / 1000.0 * 1.5) continue;
        const double d = b.rr_ms - a.rr_ms;
        if (std::abs(d) > config_.max_rr_change * a.rr_ms) continue;
        sum += d;
        sum_sq += d * d;
        ++n_diff;
    }
    // Successive differences around their mean (SDSD, equal to RMSSD when the rate is steady):
    // a fast rise or fall of heart rate shifts every difference the same way and must not read
    // as more vagal variability.
    if (n_diff >= 10) {
        const double n = static_cast<double>(n_diff);
        out.rmssd_ms = std::sqrt(std::max(0.0, sum_sq / n - (sum / n) * (sum / n)));
    }
    return out;
}

// [SECTION] BreathFeatureWindow

void BreathFeatureWindow::reset() noexcept { onsets_n_ = depths_n_ = 0; }

namespace {
template <std::size_t N>
void push_keep(double (&a)[N], std::size_t& n, double v) {
    if (n == N) {
        std::copy(a + 1, a + N, a);
        a[N - 1] = v;
    } else {
        a[n++] = v;
    }
}
}  // namespace

void BreathFeatureWindow::push(double time_s, bool inhale_onset, double depth) noexcept {
    if (inhale_onset) {
        if (onsets_n_ > 0 && time_s <= onsets_[onsets_n_ - 1]) return;  // out of order
        push_keep(onsets_, onsets_n_, time_s);
    } else if (depth > 0.0 && std::isfinite(depth)) {
        push_keep(depths_, depths_n_, depth);
    }
}

BreathFeatures BreathFeatureWindow::at(double now_s) const noexcept {
    BreathFeatures out;
    if (onsets_n_ < 2) return out;
    const double last = onsets_[onsets_n_ - 1];
    // Intervals of the most recent breaths (newest last).
    double iv[kKeep];
    std::size_t n = 0;
    for (std::size_t i = 1; i < onsets_n_; ++i) iv[n++] = onsets_[i] - onsets_[i - 1];
    const std::size_t use_rate = std::min<std::size_t>(3, n);
    double sum = 0.0;
    for (std::size_t i = n - use_rate; i < n; ++i) sum += iv[i];
    const double mean_iv = sum / static_cast<double>(use_rate);
    // A breath long overdue: the rate is not known any more (breath hold, sensor off).
    const double overdue = (now_s - last) / mean_iv;
    if (overdue > 2.5) return out;
    out.rate_bpm = 60.0 / mean_iv;
    out.quality = overdue > 1.5 ? 0.5 : 1.0;
    if (depths_n_ > 0) {
        const std::size_t use = std::min<std::size_t>(3, depths_n_);
        double d = 0.0;
        for (std::size_t i = depths_n_ - use; i < depths_n_; ++i) d += depths_[i];
        out.depth = d / static_cast<double>(use);
    }
    if (n >= 4) {
        const std::size_t use = std::min<std::size_t>(6, n);
        double m = 0.0;
        for (std::size_t i = n - use; i < n; ++i) m += iv[i];
        m /= static_cast<double>(use);
        double v = 0.0;
        for (std::size_t i = n - use; i < n; ++i) v += (iv[i] - m) * (iv[i] - m);
        out.irregularity = std::sqrt(v / static_cast<double>(use - 1)) / m;
    }
    return out;
}

// [SECTION] MovementMeter

MovementMeter::MovementMeter(double rate_hz) {
    if (!(rate_hz >= 1.0 && rate_hz <= 10000.0))
        throw std::invalid_argument("movement meter: accelerometer rate must be 1..10000 Hz");
    per_second_ = static_cast<std::size_t>(std::lround(rate_hz));
}

void MovementMeter::reset() noexcept {
    n_ = 0;
    sum_ = sum_sq_ = 0.0;
    last_ = kNoValue;
}

void MovementMeter::push(double x_mg, double y_mg, double z_mg) noexcept {
    push_magnitude(std::sqrt(x_mg * x_mg + y_mg * y_mg + z_mg * z_mg));
}

void MovementMeter::push_magnitude(double m) noexcept {
    if (!std::isfinite(m)) return;
    sum_ += m;
    sum_sq_ += m * m;
    if (++n_ < per_second_) return;
    const double mean = sum_ / static_cast<double>(n_);
    last_ = std::sqrt(std::max(0.0, sum_sq_ / static_cast<double>(n_) - mean * mean));
    n_ = 0;
    sum_ = sum_sq_ = 0.0;
}

}  // namespace attune::signal
