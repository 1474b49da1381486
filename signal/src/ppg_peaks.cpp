// Elgendi 2013 PPG systolic peak + onset detector (see ppg_peaks.hpp).
#include "attune/signal/ppg_peaks.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>

namespace attune::signal {

namespace {

// 2nd-order Butterworth low-pass (bilinear transform, Q = 1/sqrt(2)), RBJ cookbook form.
template <typename Biquad>
Biquad butterworth2_lowpass(double cutoff_hz, double fs) {
    const double w0 = 2.0 * std::numbers::pi * cutoff_hz / fs;
    const double cw = std::cos(w0), alpha = std::sin(w0) / std::numbers::sqrt2;
    const double a0 = 1.0 + alpha;
    Biquad q;
    q.b0 = (1.0 - cw) / 2.0 / a0;
    q.b1 = (1.0 - cw) / a0;
    q.b2 = q.b0;
    q.a1 = -2.0 * cw / a0;
    q.a2 = (1.0 - alpha) / a0;
    return q;
}

// 1st-order high-pass (bilinear transform). Elgendi's 2nd-order Butterworth has two zeros at DC:
// after a pulse's negative lobe its output must swing positive again, and in gaps from about
// 1.6 s (bradycardia, a pause, a PVC's missing pulse) that swing became a block of interest, a
// false pulse (30 bpm: 59 in 2 min). One zero only removes the mean: the tail stays negative.
template <typename Biquad>
Biquad highpass1(double cutoff_hz, double fs) {
    const double k = std::tan(std::numbers::pi * cutoff_hz / fs);
    Biquad q;
    q.b0 = 1.0 / (1.0 + k);
    q.b1 = -q.b0;
    q.b2 = 0.0;
    q.a1 = (k - 1.0) / (k + 1.0);
    q.a2 = 0.0;
    return q;
}

constexpr double kMaxBlockBeats = 2.0;  // a block wider than 2 x W2 is noise, not a pulse
constexpr double kRefineS = 0.10;        // peak refinement on the raw input: +-100 ms

}  // namespace

double Elgendi2013PpgDetector::Biquad::operator()(double x) noexcept {
    const double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return y;
}

double Elgendi2013PpgDetector::Biquad::group_delay_samples(double f_norm) const noexcept {
    auto phase = [&](double f) {
        const std::complex<double> z1c = std::polar(1.0, -2.0 * std::numbers::pi * f);
        const std::complex<double> num = b0 + b1 * z1c + b2 * z1c * z1c;
        const std::complex<double> den = 1.0 + a1 * z1c + a2 * z1c * z1c;
        return std::arg(num / den);
    };
    const double df = 1e-4 * f_norm;
    double dphi = phase(f_norm + df) - phase(f_norm - df);
    if (dphi > std::numbers::pi) dphi -= 2.0 * std::numbers::pi;
    if (dphi < -std::numbers::pi) dphi += 2.0 * std::numbers::pi;
    return -dphi / (2.0 * std::numbers::pi * 2.0 * df);
}

Elgendi2013PpgDetector::Elgendi2013PpgDetector(Hz sample_rate, const PpgPeaksConfig& config)
    : config_(config), fs_(sample_rate.value) {
    if (!(fs_ >= 25.0 && fs_ <= 500.0))
        throw std::invalid_argument("PPG sample rate must be 25-500 Hz");
    if (!(config.band_low_hz > 0.0 && config.band_low_hz < config.band_high_hz &&
          config.band_high_hz < fs_ / 2.0))
        throw std::invalid_argument("PPG band must satisfy 0 < low < high < fs/2");
    if (!(config.peak_window_s > 0.0 && config.peak_window_s < config.beat_window_s))
        throw std::invalid_argument("PPG peak window must be shorter than the beat window");
    hp_ = highpass1<Biquad>(config.band_low_hz, fs_);
    lp_ = butterworth2_lowpass<Biquad>(config.band_high_hz, fs_);
    // Typical pulse fundamental ~1.5 Hz: the delay the refinement compensates before searching.
    filter_delay_samples_ =
        hp_.group_delay_samples(1.5 / fs_) + lp_.group_delay_samples(1.5 / fs_);
    w1_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(config.peak_window_s * fs_)));
    w2_ = std::max<std::size_t>(w1_ + 1,
                                static_cast<std::size_t>(std::lround(config.beat_window_s * fs_)));
    align_delay_ = (w2_ - 1) / 2 - (w1_ - 1) / 2;
    history_len_ = static_cast<std::size_t>(std::ceil(4.0 * fs_)) + 2 * w2_ +
                   static_cast<std::size_t>(kMaxBlockBeats * static_cast<double>(w2_));
    y_ring_.assign(w2_, 0.0);
    s_ring_.assign(w2_, 0.0);
    ma1_ring_.assign(align_delay_ + 1, 0.0);
    raw_ring_.assign(history_len_, 0.0f);
}

double Elgendi2013PpgDetector::latency_s() const noexcept {
    return (static_cast<double>((w2_ - 1) / 2) + static_cast<double>(w1_)) / fs_;
}

void Elgendi2013PpgDetector::reset() noexcept {
    hp_.z1 = hp_.z2 = lp_.z1 = lp_.z2 = 0.0;
    std::fill(y_ring_.begin(), y_ring_.end(), 0.0);
    std::fill(s_ring_.begin(), s_ring_.end(), 0.0);
    std::fill(ma1_ring_.begin(), ma1_ring_.end(), 0.0);
    std::fill(raw_ring_.begin(), raw_ring_.end(), 0.0f);
    sum1_ = sum2_ = mean_y_ = 0.0;
    n_ = 0;
    in_block_ = false;
    block_start_ = block_best_ = 0;
    block_best_value_ = 0.0;
    last_peak_s_ = -1.0;
    mean_amplitude_ = 0.0;
    mean_step_ = prev_step_ = prev_prev_step_ = 0.0;
    last_discontinuity_ = 0;
    after_artifact_ = false;
}

std::optional<PpgPulse> Elgendi2013PpgDetector::push(float sample) noexcept {
    const std::size_t n = n_++;
    const double x = std::isfinite(sample) ? sample : 0.0;  // NaN cannot poison the filters
    raw_ring_[n % history_len_] = static_cast<float>(x);
    if (n == 0) {  // start the filters in their steady state for a constant input
        // High-pass at rest on x: output 0, so z1 = -b0 x and z2 = b2 x (b0 + b1 + b2 = 0).
        hp_.z1 = -hp_.b0 * x;
        hp_.z2 = hp_.b2 * x;
    }
    track_discontinuities(n, x);
    const double s = lp_(hp_(x));
    s_ring_[n % w2_] = s;
    const double y = s > 0.0 ? s * s : 0.0;  // clip negatives, square (emphasise systole)

    // Both moving averages over one ring of the squared signal.
    sum2_ += y - y_ring_[n % w2_];
    sum1_ += y - y_ring_[(n + w2_ - w1_) % w2_];
    y_ring_[n % w2_] = y;
    sum1_ = std::max(sum1_, 0.0);
    sum2_ = std::max(sum2_, 0.0);
    const double ma_peak = sum1_ / static_cast<double>(w1_);
    const double ma_beat = sum2_ / static_cast<double>(w2_);
    ma1_ring_[n % ma1_ring_.size()] = ma_peak;
    const double ma_peak_aligned = ma1_ring_[(n + 1) % ma1_ring_.size()];

    // Running mean of y: cumulative at first, then exponential (follows amplitude changes).
    const double k = std::max(1.0 / static_cast<double>(n + 1), 1.0 / (config_.mean_tau_s * fs_));
    mean_y_ += k * (y - mean_y_);
    if (n < w2_) return std::nullopt;  // windows not yet full

    const std::size_t c = n - (w2_ - 1) / 2;  // the sample both averages are centred on
    const double s_c = s_ring_[c % w2_];
    const bool above = ma_peak_aligned > ma_beat + config_.beta * mean_y_;
    if (above) {
        if (!in_block_) {
            in_block_ = true;
            block_start_ = c;
            block_best_ = c;
            block_best_value_ = s_c;
        } else if (s_c > block_best_value_) {
            block_best_ = c;
            block_best_value_ = s_c;
        }
        // Endless block: noise or a baseline jump, not a pulse.
        if (static_cast<double>(c - block_start_) > kMaxBlockBeats * static_cast<double>(w2_))
            in_block_ = false;
        return std::nullopt;
    }
    if (!in_block_) return std::nullopt;
    in_block_ = false;
    if (c - block_start_ < w1_) return std::nullopt;  // narrower than a systolic peak
    return close_block();
}

void Elgendi2013PpgDetector::track_discontinuities(std::size_t n, double x) noexcept {
    constexpr double kNeighbourRatio = 8.0, kMeanRatio = 20.0;
    const double step = n > 0 ? std::abs(x - raw_ring_[(n - 1) % history_len_]) : 0.0;
    // The step before this one is a discontinuity when it towers over both its neighbours.
    if (n >= 3 && prev_step_ > kNeighbourRatio * std::max(prev_prev_step_, step) &&
        prev_step_ > kMeanRatio * mean_step_ && mean_step_ > 0.0)
        last_discontinuity_ = n;  // = sample (n - 1) + 1
    const double k = std::max(1.0 / static_cast<double>(n + 1), 1.0 / (2.0 * fs_));
    mean_step_ += k * (step - mean_step_);
    prev_prev_step_ = prev_step_;
    prev_step_ = step;
}

std::optional<PpgPulse> Elgendi2013PpgDetector::finish() noexcept {
    if (!in_block_) return std::nullopt;
    in_block_ = false;
    const std::size_t c = n_ > (w2_ - 1) / 2 ? n_ - (w2_ - 1) / 2 : 0;
    if (c < block_start_ + w1_) return std::nullopt;
    return close_block();
}

std::optional<PpgPulse> Elgendi2013PpgDetector::close_block() noexcept {
    const auto raw = [&](std::size_t i) { return raw_ring_[i % history_len_]; };
    const std::size_t block_end = n_ - 1;
    const std::size_t oldest = n_ > history_len_ ? n_ - history_len_ : 0;
    // Systolic peak: highest input sample near the filtered peak, moved back by the filter delay.
    const auto refine = static_cast<std::size_t>(std::lround(kRefineS * fs_));
    const double centre = static_cast<double>(block_best_) - filter_delay_samples_;
    const auto centre_i = static_cast<std::size_t>(std::max(0.0, std::round(centre)));
    const std::size_t lo = std::max(oldest, centre_i > refine ? centre_i - refine : 0);
    const std::size_t hi = std::min(n_ - 1, centre_i + refine);
    std::size_t peak = lo;
    for (std::size_t i = lo; i <= hi; ++i)
        if (raw(i) > raw(peak)) peak = i;
    const double peak_s = t0_s_ + static_cast<double>(peak) / fs_;

    // Onset: lowest input in the stretch before the peak (40 % of the last interval).
    double before_s = 0.35;
    if (last_peak_s_ >= 0.0 && peak_s - last_peak_s_ <= config_.max_rr_s)
        before_s = std::clamp(0.4 * (peak_s - last_peak_s_), 0.15, 0.6);
    const auto before = static_cast<std::size_t>(std::lround(before_s * fs_));
    const std::size_t on_lo = std::max(oldest, peak > before ? peak - before : 0);
    std::size_t onset = peak;
    for (std::size_t i = on_lo; i < peak; ++i)
        if (raw(i) < raw(onset)) onset = i;

    // Foot by intersecting tangents: the tangent at the steepest point of the upstroke meets the
    // horizontal through the minimum (less sensitive to a flat, noisy trough than the minimum).
    // Slopes over 20 ms (at least one sample) so sensor noise at high rates does not pick it.
    double foot = static_cast<double>(onset);
    const std::size_t span = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.02 * fs_)));
    if (peak >= onset + span) {
        std::size_t steepest = onset + span;
        auto rise = [&](std::size_t i) { return raw(i) - raw(i - span); };
        for (std::size_t i = onset + span; i <= peak; ++i)
            if (rise(i) > rise(steepest)) steepest = i;
        const double slope = rise(steepest) / static_cast<double>(span);  // per sample
        if (slope > 0.0) {
            const double mid = static_cast<double>(steepest) - 0.5 * static_cast<double>(span);
            const double level = 0.5 * (raw(steepest) + raw(steepest - span));
            foot = std::clamp(mid - (level - raw(onset)) / slope, static_cast<double>(onset),
                              static_cast<double>(peak));
        }
    }

    PpgPulse p;
    p.peak_time_s = peak_s;
    p.onset_time_s = t0_s_ + foot / fs_;
    p.amplitude = raw(peak) - raw(onset);
    if (!(p.amplitude > 0.0f)) return std::nullopt;  // no upstroke: not a pulse
    if (last_peak_s_ >= 0.0 && peak_s - last_peak_s_ < config_.refractory_s) return std::nullopt;
    if (last_peak_s_ >= 0.0 && peak_s - last_peak_s_ <= config_.max_rr_s && !after_artifact_)
        p.rr_ms = (peak_s - last_peak_s_) * 1000.0;
    // A discontinuity anywhere from the onset to now: the waveform is not a pulse we vouch for.
    const bool damaged = last_discontinuity_ > 0 && last_discontinuity_ - 1 + refine >= onset &&
                         last_discontinuity_ - 1 <= block_end;
    after_artifact_ = damaged;
    if (damaged) {
        p.quality = BeatQuality::Artifact;
        p.rr_ms = 0.0;
        last_peak_s_ = peak_s;
        return p;
    }
    // A pulse far from the usual size is kept but doubtful (motion, probe pressure).
    if (mean_amplitude_ > 0.0 &&
        (p.amplitude > 3.0 * mean_amplitude_ || p.amplitude < mean_amplitude_ / 3.0))
        p.quality = BeatQuality::Doubtful;
    mean_amplitude_ = mean_amplitude_ > 0.0 ? mean_amplitude_ + 0.1 * (p.amplitude - mean_amplitude_)
                                            : p.amplitude;
    last_peak_s_ = peak_s;
    return p;
}

std::vector<PpgPulse> ppg_peaks(std::span<const float> ppg, Hz sample_rate,
                                const PpgPeaksConfig& config) {
    Elgendi2013PpgDetector detector(sample_rate, config);
    std::vector<PpgPulse> pulses;
    for (float v : ppg)
        if (auto p = detector.push(v)) pulses.push_back(*p);
    if (auto p = detector.finish()) pulses.push_back(*p);
    return pulses;
}

}  // namespace attune::signal
