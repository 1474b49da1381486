// Dyad synchrony metrics: see synchrony.hpp.
#include "attune/signal/synchrony.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace attune::signal {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
// Running sums are rebuilt from the ring this often, so rounding never accumulates.
constexpr std::size_t kRecomputeEvery = 4096;
// Correlation peaks this close to the best count as equally good (see HeartRateSync::push).
constexpr double kLagTie = 0.05;

}  // namespace

// [SECTION] PhaseLocking

PhaseLocking::PhaseLocking(const PhaseLockingConfig& config) : config_(config) {
    const double n = config_.window.value * config_.sample_rate.value;
    if (!(config_.sample_rate.value > 0.0) || !(n >= 4.0 && n <= 1e6) ||
        !(config_.min_valid > 0.0 && config_.min_valid <= 1.0))
        throw std::invalid_argument("phase locking: window x rate must be 4..1e6 samples");
    re_.assign(static_cast<std::size_t>(std::lround(n)), kNoValue);
    im_.assign(re_.size(), kNoValue);
}

void PhaseLocking::reset() noexcept {
    std::fill(re_.begin(), re_.end(), kNoValue);
    std::fill(im_.begin(), im_.end(), kNoValue);
    pos_ = filled_ = since_recompute_ = valid_ = 0;
    sum_re_ = sum_im_ = 0.0;
    latest_ = {};
}

void PhaseLocking::recompute_sums() noexcept {
    sum_re_ = sum_im_ = 0.0;
    valid_ = 0;
    for (std::size_t i = 0; i < re_.size(); ++i) {
        if (!std::isfinite(re_[i])) continue;
        sum_re_ += re_[i];
        sum_im_ += im_[i];
        ++valid_;
    }
    since_recompute_ = 0;
}

const PhaseLock& PhaseLocking::push(double a, double b) noexcept {
    // Drop the oldest sample, add the newest.
    if (std::isfinite(re_[pos_])) {
        sum_re_ -= re_[pos_];
        sum_im_ -= im_[pos_];
        --valid_;
    }
    if (std::isfinite(a) && std::isfinite(b)) {
        const double d = a - b;
        re_[pos_] = std::cos(d);
        im_[pos_] = std::sin(d);
        sum_re_ += re_[pos_];
        sum_im_ += im_[pos_];
        ++valid_;
    } else {
        re_[pos_] = im_[pos_] = kNoValue;
    }
    pos_ = (pos_ + 1) % re_.size();
    filled_ = std::min(filled_ + 1, re_.size());
    if (++since_recompute_ >= kRecomputeEvery) recompute_sums();

    // Defined once the window is full enough of valid samples.
    if (static_cast<double>(valid_) < config_.min_valid * static_cast<double>(re_.size())) {
        latest_ = {};
        return latest_;
    }
    const double n = static_cast<double>(valid_);
    const double mr = sum_re_ / n, mi = sum_im_ / n;
    latest_.plv = std::min(1.0, std::hypot(mr, mi));
    latest_.mean_difference_rad = std::atan2(mi, mr);
    latest_.in_phase = std::clamp(mr, 0.0, 1.0);
    return latest_;
}

double kuramoto_order(std::span<const double> phases) {
    double re = 0.0, im = 0.0;
    std::size_t n = 0;
    for (double p : phases) {
        if (!std::isfinite(p)) continue;
        re += std::cos(p);
        im += std::sin(p);
        ++n;
    }
    return n >= 2 ? std::hypot(re, im) / static_cast<double>(n) : kNoValue;
}

// [SECTION] HeartRateSync

HeartRateSync::HeartRateSync(const HeartRateSyncConfig& config) : config_(config) {
    if (!(config_.window.value >= 10.0 && config_.window.value <= 3600.0) ||
        !(config_.max_lag.value >= 0.0 && config_.max_lag.value < config_.window.value / 2.0))
        throw std::invalid_argument("heart-rate sync: window 10..3600 s, max lag below half of it");
    window_ = static_cast<std::size_t>(std::lround(config_.window.value));
    max_lag_ = static_cast<std::size_t>(std::lround(config_.max_lag.value));
    a_.assign(window_ + 2 * max_lag_, kNoValue);
    r_by_lag_.assign(2 * max_lag_ + 1, kNoValue);
    b_.assign(a_.size(), kNoValue);
}

void HeartRateSync::reset() noexcept {
    std::fill(a_.begin(), a_.end(), kNoValue);
    std::fill(b_.begin(), b_.end(), kNoValue);
    pos_ = filled_ = 0;
    latest_ = {};
}

const HeartRateSyncResult& HeartRateSync::push(double hr_a, double hr_b) noexcept {
    const auto plausible = [](double v) { return std::isfinite(v) && v >= 25.0 && v <= 240.0; };
    a_[pos_] = plausible(hr_a) ? hr_a : kNoValue;
    b_[pos_] = plausible(hr_b) ? hr_b : kNoValue;
    pos_ = (pos_ + 1) % a_.size();
    filled_ = std::min(filled_ + 1, a_.size());
    latest_ = {};
    if (filled_ < a_.size()) return latest_;

    // Oldest sample sits at pos_. A's window is the middle `window_` seconds; B's slides by the
    // lag, so A(t) is compared with B(t + lag): a positive best lag means B follows A.
    const std::size_t n = a_.size();
    auto at = [&](const std::vector<double>& v, std::size_t i) { return v[(pos_ + i) % n]; };
    double best = -2.0;
    const auto lags = static_cast<std::ptrdiff_t>(max_lag_);
    for (std::ptrdiff_t lag = -lags; lag <= lags; ++lag) {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        std::size_t m = 0;
        for (std::size_t i = 0; i < window_; ++i) {
            const double x = at(a_, max_lag_ + i);
            const double y = at(b_, static_cast<std::size_t>(static_cast<std::ptrdiff_t>(max_lag_ + i) + lag));
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
            ++m;
        }
        r_by_lag_[static_cast<std::size_t>(lag + lags)] = kNoValue;
        if (static_cast<double>(m) < config_.min_valid * static_cast<double>(window_)) continue;
        const double md = static_cast<double>(m);
        const double cov = sab - sa * sb / md;
        const double va = saa - sa * sa / md, vb = sbb - sb * sb / md;
        // A flat heart rate (constant) correlates with nothing.
        if (va <= 1e-9 * md || vb <= 1e-9 * md) continue;
        const double r = std::clamp(cov / std::sqrt(va * vb), -1.0, 1.0);
        if (lag == 0) latest_.r_at_zero = r;
        r_by_lag_[static_cast<std::size_t>(lag + lags)] = r;
        best = std::max(best, r);
    }
    if (best > -2.0) {
        // Heart rates swinging with slow paced breathing correlate again one breath later: of
        // the correlation peaks (local maxima) within kLagTie of the best, the one nearest zero
        // lag is the meaningful one.
        auto r_at = [&](std::ptrdiff_t lag) {
            return lag < -lags || lag > lags ? -2.0 : r_by_lag_[static_cast<std::size_t>(lag + lags)];
        };
        std::ptrdiff_t best_lag = 0;
        bool found = false;
        for (std::ptrdiff_t lag = -lags; lag <= lags; ++lag) {
            const double r = r_at(lag);
            if (!(r >= best - kLagTie)) continue;
            if (!(r >= r_at(lag - 1) || std::isnan(r_at(lag - 1))) ||
                !(r >= r_at(lag + 1) || std::isnan(r_at(lag + 1))))
                continue;
            if (!found || std::abs(lag) < std::abs(best_lag)) best_lag = lag, found = true;
        }
        latest_.max_r = best;
        latest_.lag_s = static_cast<double>(best_lag);
    }
    return latest_;
}

// [SECTION] Joint coherence

double joint_coherence(double ratio_a, double ratio_b, double peak_hz_a, double peak_hz_b) {
    if (!std::isfinite(ratio_a) || !std::isfinite(ratio_b) || ratio_a < 0.0 || ratio_b < 0.0)
        return kNoValue;
    double joint = std::sqrt(ratio_a * ratio_b);
    if (std::isfinite(peak_hz_a) && std::isfinite(peak_hz_b)) {
        // Peaks within the 0.030 Hz coherence window count as one shared rhythm; beyond two
        // windows apart they are two private rhythms (halved).
        const double apart = std::abs(peak_hz_a - peak_hz_b) / 0.030;
        joint *= apart <= 1.0 ? 1.0 : std::max(0.5, 1.0 - 0.5 * (apart - 1.0));
    }
    return joint;
}

// [SECTION] DyadSynchrony

DyadSynchrony::DyadSynchrony(const DyadConfig& config)
    : config_(config), partners_(config.breathing), a_pacer_(config.breathing),
      b_pacer_(config.breathing), heart_(config.heart) {
    if (!(config_.together_off < config_.together_on))
        throw std::invalid_argument("dyad: together_off must be below together_on");
    kuramoto_ring_.assign(
        static_cast<std::size_t>(std::lround(config_.breathing.window.value *
                                             config_.breathing.sample_rate.value)),
        kNoValue);
    lag_histogram_.assign(2 * static_cast<std::size_t>(std::lround(config_.heart.max_lag.value)) + 1, 0.0);
}

void DyadSynchrony::reset() noexcept {
    partners_.reset();
    a_pacer_.reset();
    b_pacer_.reset();
    heart_.reset();
    std::fill(kuramoto_ring_.begin(), kuramoto_ring_.end(), kNoValue);
    kuramoto_pos_ = kuramoto_n_ = 0;
    metrics_ = {};
    breath_samples_ = plv_n_ = plv_sum_ = in_phase_sum_ = together_n_ = 0.0;
    a_pacer_n_ = a_pacer_sum_ = b_pacer_n_ = b_pacer_sum_ = 0.0;
    heart_seconds_ = hr_n_ = hr_sum_ = hr_sync_n_ = coh_n_ = coh_sum_ = 0.0;
    std::fill(lag_histogram_.begin(), lag_histogram_.end(), 0.0);
}

void DyadSynchrony::push_breathing(const DyadBreathSample& s) noexcept {
    metrics_.partners = partners_.push(s.phase_a, s.phase_b);
    metrics_.a_to_pacer = a_pacer_.push(s.phase_a, s.pacer_phase);
    metrics_.b_to_pacer = b_pacer_.push(s.phase_b, s.pacer_phase);

    // Kuramoto order of everyone breathing now, averaged over the same window.
    const double phases[3] = {s.phase_a, s.phase_b, s.pacer_phase};
    kuramoto_ring_[kuramoto_pos_] = kuramoto_order(phases);
    kuramoto_pos_ = (kuramoto_pos_ + 1) % kuramoto_ring_.size();
    kuramoto_n_ = std::min(kuramoto_n_ + 1, kuramoto_ring_.size());
    double sum = 0.0;
    std::size_t n = 0;
    for (double r : kuramoto_ring_)
        if (std::isfinite(r)) sum += r, ++n;
    metrics_.kuramoto = static_cast<double>(n) >= config_.breathing.min_valid * static_cast<double>(kuramoto_ring_.size())
                            ? sum / static_cast<double>(n)
                            : kNoValue;

    // "Breathing together" with hysteresis, so the display does not blink.
    const double in_phase = metrics_.partners.in_phase;
    if (!std::isfinite(in_phase)) metrics_.breathing_together = false;
    else if (in_phase >= config_.together_on) metrics_.breathing_together = true;
    else if (in_phase < config_.together_off) metrics_.breathing_together = false;

    breath_samples_ += 1.0;
    if (std::isfinite(metrics_.partners.plv)) {
        plv_n_ += 1.0;
        plv_sum_ += metrics_.partners.plv;
        in_phase_sum_ += metrics_.partners.in_phase;
    }
    together_n_ += metrics_.breathing_together ? 1.0 : 0.0;
    if (std::isfinite(metrics_.a_to_pacer.plv)) a_pacer_n_ += 1.0, a_pacer_sum_ += metrics_.a_to_pacer.plv;
    if (std::isfinite(metrics_.b_to_pacer.plv)) b_pacer_n_ += 1.0, b_pacer_sum_ += metrics_.b_to_pacer.plv;
}

void DyadSynchrony::push_heart_second(double hr_a, double hr_b) noexcept {
    const HeartRateSyncResult& r = heart_.push(hr_a, hr_b);
    metrics_.heart = r;
    heart_seconds_ += 1.0;
    if (std::isfinite(r.max_r)) {
        hr_n_ += 1.0;
        hr_sum_ += r.max_r;
        if (r.max_r >= config_.hr_sync_r) {
            hr_sync_n_ += 1.0;
            const auto bin = static_cast<std::size_t>(r.lag_s + config_.heart.max_lag.value + 0.5);
            if (bin < lag_histogram_.size()) lag_histogram_[bin] += 1.0;
        }
    }
}

void DyadSynchrony::set_coherence(double ratio_a, double ratio_b, double peak_hz_a,
                                  double peak_hz_b) noexcept {
    metrics_.coherence_a = ratio_a;
    metrics_.coherence_b = ratio_b;
    metrics_.joint_coherence = joint_coherence(ratio_a, ratio_b, peak_hz_a, peak_hz_b);
    if (std::isfinite(metrics_.joint_coherence)) coh_n_ += 1.0, coh_sum_ += metrics_.joint_coherence;
}

DyadSummary DyadSynchrony::summary() const noexcept {
    DyadSummary s;
    const double rate = config_.breathing.sample_rate.value;
    s.seconds = std::max(breath_samples_ / rate, heart_seconds_);
    if (plv_n_ > 0) {
        s.mean_plv = plv_sum_ / plv_n_;
        s.mean_in_phase = in_phase_sum_ / plv_n_;
    }
    if (breath_samples_ > 0) s.together_share = together_n_ / breath_samples_;
    if (a_pacer_n_ > 0) s.mean_plv_a_pacer = a_pacer_sum_ / a_pacer_n_;
    if (b_pacer_n_ > 0) s.mean_plv_b_pacer = b_pacer_sum_ / b_pacer_n_;
    if (hr_n_ > 0) s.mean_hr_max_r = hr_sum_ / hr_n_;
    if (heart_seconds_ > 0) s.hr_sync_share = hr_sync_n_ / heart_seconds_;
    if (coh_n_ > 0) s.mean_joint_coherence = coh_sum_ / coh_n_;
    if (hr_sync_n_ > 0) {
        double seen = 0.0;
        for (std::size_t i = 0; i < lag_histogram_.size(); ++i) {
            seen += lag_histogram_[i];
            if (seen >= hr_sync_n_ / 2.0) {
                s.median_hr_lag_s = static_cast<double>(i) - config_.heart.max_lag.value;
                break;
            }
        }
    }
    return s;
}

// [SECTION] Batch phase from onsets

std::vector<double> breath_phase_from_onsets(std::span<const double> onsets_s, double t0_s,
                                             double rate_hz, std::size_t count,
                                             double max_breath_s) {
    std::vector<double> out(count, kNoValue);
    if (onsets_s.size() < 2 || !(rate_hz > 0.0)) return out;
    std::size_t j = 0;
    for (std::size_t k = 0; k < count; ++k) {
        const double t = t0_s + static_cast<double>(k) / rate_hz;
        while (j + 1 < onsets_s.size() && onsets_s[j + 1] <= t) ++j;
        if (j + 1 >= onsets_s.size() || t < onsets_s[j]) continue;
        const double period = onsets_s[j + 1] - onsets_s[j];
        if (!(period > 0.0) || period > max_breath_s) continue;
        out[k] = kTwoPi * (t - onsets_s[j]) / period;
    }
    return out;
}

}  // namespace attune::signal
