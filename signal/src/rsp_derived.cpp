// Breathing rate from ECG morphology and RR intervals: see rsp_derived.hpp.
#include "attune/signal/rsp_derived.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <numbers>
#include <stdexcept>

namespace attune::signal {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kEcgHistoryS = 3.0;
constexpr double kFreqStepBpm = 0.25;
constexpr double kHfFloorBpm = 9.0;    // 0.15 Hz, the lower edge of HRV's HF band
constexpr double kHfPeakShare = 0.25;  // an HF peak this large (vs the slow one) is breathing

// [SECTION] An irregular series (one value per beat) resampled onto a regular grid

class ResampledSeries {
public:
    ResampledSeries(double fs, std::size_t length, double max_gap_s)
        : fs_(fs), ring_(length, 0.0), max_gap_s_(max_gap_s) {}

    void add(double t, double v) noexcept {
        if (!std::isfinite(v)) return;
        if (!have_point_ || t - last_t_ > max_gap_s_ || t <= last_t_) {
            if (!have_point_ || t - last_t_ > max_gap_s_) {
                contiguous_ = 0;  // gap: start a new stretch on the grid
                next_grid_t_ = std::ceil(t * fs_) / fs_;
            }
            if (t <= last_t_ && have_point_) return;
            have_point_ = true;
            last_t_ = t;
            last_v_ = v;
            return;
        }
        // Emit the grid points in (last_t_, t] by linear interpolation.
        while (next_grid_t_ <= t) {
            const double w = (next_grid_t_ - last_t_) / (t - last_t_);
            push_grid(last_v_ + w * (v - last_v_));
            next_grid_t_ += 1.0 / fs_;
        }
        last_t_ = t;
        last_v_ = v;
    }

    // The newest `n` grid values, oldest first; false when fewer contiguous ones exist.
    bool latest(std::span<double> out) const noexcept {
        const std::size_t n = out.size();
        if (contiguous_ < n || n > ring_.size()) return false;
        for (std::size_t i = 0; i < n; ++i) out[i] = ring_[(pos_ + ring_.size() - n + i) % ring_.size()];
        return true;
    }
    double last_time() const noexcept { return last_t_; }

    void clear() noexcept {
        have_point_ = false;
        contiguous_ = 0;
        pos_ = 0;
    }

private:
    void push_grid(double v) noexcept {
        ring_[pos_] = v;
        pos_ = (pos_ + 1) % ring_.size();
        ++contiguous_;
    }

    double fs_;
    std::vector<double> ring_;
    double max_gap_s_;
    std::size_t pos_ = 0, contiguous_ = 0;
    bool have_point_ = false;
    double last_t_ = 0.0, last_v_ = 0.0, next_grid_t_ = 0.0;
};

// [SECTION] Spectral peak of a window: rate and purity

class SpectralRate {
public:
    SpectralRate(double fs, std::size_t n, double min_bpm, double max_bpm)
        : fs_(fs), work_(n), window_(n) {
        for (std::size_t i = 0; i < n; ++i)
            window_[i] = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(n - 1));
        for (double b = min_bpm; b <= max_bpm + 1e-9; b += kFreqStepBpm) freqs_bpm_.push_back(b);
        power_.resize(freqs_bpm_.size());
        for (double b : freqs_bpm_) coef_.push_back(2.0 * std::cos(2.0 * kPi * (b / 60.0) / fs));
        s1_.resize(coef_.size());
        s2_.resize(coef_.size());
    }

    std::size_t length() const noexcept { return work_.size(); }
    std::span<double> input() noexcept { return work_; }

    // Estimate from input(): detrend, window, scan the band.
    DerivedRate estimate() noexcept {
        DerivedRate r;
        detrend();
        double var = 0.0;
        for (std::size_t i = 0; i < work_.size(); ++i) {
            var += work_[i] * work_[i];
            work_[i] *= window_[i];
        }
        if (!(var > 0.0) || !std::isfinite(var)) return r;  // flat or broken: no estimate
        band_powers();
        double total = 0.0;
        std::size_t best = 0;
        for (std::size_t k = 0; k < freqs_bpm_.size(); ++k) {
            total += power_[k];
            if (power_[k] > power_[best]) best = k;
        }
        if (!(total > 0.0)) return r;
        // Slow rhythms (Mayer waves ~0.1 Hz, baseline wander) often dominate RR and QRS series
        // at rest while breathing sits higher: as in HRV's HF band (0.15-0.4 Hz), a clear peak
        // at or above 9 breaths/min wins over a larger slower one. At paced slow breathing
        // (6/min) the HF band holds no clear peak and the slow peak stands.
        std::size_t best_hf = power_.size();
        for (std::size_t k = 1; k + 1 < power_.size(); ++k)
            if (freqs_bpm_[k] >= kHfFloorBpm && power_[k] >= power_[k - 1] && power_[k] >= power_[k + 1] &&
                (best_hf == power_.size() || power_[k] > power_[best_hf]))
                best_hf = k;
        if (best_hf < power_.size() && freqs_bpm_[best] < kHfFloorBpm &&
            power_[best_hf] >= kHfPeakShare * power_[best])
            best = best_hf;
        // A peak on the band's edge is a slower or faster rhythm's flank, not a rate.
        if (best == 0 || best + 1 == power_.size()) return r;
        // Parabolic interpolation of the peak between grid frequencies.
        double offset = 0.0;
        if (best > 0 && best + 1 < power_.size()) {
            const double a = power_[best - 1], b = power_[best], c = power_[best + 1];
            const double den = a - 2.0 * b + c;
            if (den < 0.0) offset = std::clamp(0.5 * (a - c) / den, -0.5, 0.5);
        }
        r.rate_bpm = freqs_bpm_[best] + offset * kFreqStepBpm;
        // Purity: share of the band's power inside the Hann main lobe around the peak.
        const double lobe_bpm = 60.0 * 2.0 * fs_ / static_cast<double>(work_.size());
        double near = 0.0;
        for (std::size_t k = 0; k < freqs_bpm_.size(); ++k)
            if (std::abs(freqs_bpm_[k] - r.rate_bpm) <= lobe_bpm) near += power_[k];
        r.quality = near / total;
        r.valid = true;
        return r;
    }

private:
    void detrend() noexcept {
        // Least-squares line through the window, removed.
        const double n = static_cast<double>(work_.size());
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (std::size_t i = 0; i < work_.size(); ++i) {
            const double x = static_cast<double>(i);
            sx += x;
            sy += work_[i];
            sxx += x * x;
            sxy += x * work_[i];
        }
        const double den = n * sxx - sx * sx;
        const double slope = den != 0.0 ? (n * sxy - sx * sy) / den : 0.0;
        const double icpt = (sy - slope * sx) / n;
        for (std::size_t i = 0; i < work_.size(); ++i) work_[i] -= icpt + slope * static_cast<double>(i);
    }

    // |DFT|^2 of work_ at every band frequency by the Goertzel recurrence, all frequencies
    // advanced together sample by sample: the inner loop runs over independent frequencies, so
    // the compiler vectorises it (this was the analysis's hottest loop as a per-frequency DFT).
    void band_powers() noexcept {
        std::fill(s1_.begin(), s1_.end(), 0.0);
        std::fill(s2_.begin(), s2_.end(), 0.0);
        const std::size_t nf = coef_.size();
        double* s1 = s1_.data();
        double* s2 = s2_.data();
        const double* coef = coef_.data();
        // Four samples per pass keep each frequency's state in registers between them.
        const std::size_t n = work_.size();
        std::size_t i = 0;
        for (; i + 4 <= n; i += 4) {
            const double v0 = work_[i], v1 = work_[i + 1], v2 = work_[i + 2], v3 = work_[i + 3];
            for (std::size_t k = 0; k < nf; ++k) {
                const double c = coef[k];
                double a = s1[k], b = s2[k];
                b = v0 + c * a - b;
                a = v1 + c * b - a;
                b = v2 + c * a - b;
                a = v3 + c * b - a;
                s1[k] = a;
                s2[k] = b;
            }
        }
        for (; i < n; ++i)
            for (std::size_t k = 0; k < nf; ++k) {
                const double s0 = work_[i] + coef[k] * s1[k] - s2[k];
                s2[k] = s1[k];
                s1[k] = s0;
            }
        for (std::size_t k = 0; k < nf; ++k)
            power_[k] = std::max(0.0, s1[k] * s1[k] + s2[k] * s2[k] - coef[k] * s1[k] * s2[k]);
    }

    double fs_;
    std::vector<double> work_, window_, freqs_bpm_, power_;
    std::vector<double> coef_, s1_, s2_;  // Goertzel: 2 cos(w) per frequency, and its state
};

}  // namespace

// [SECTION] The processor

struct DerivedRespProcessor::Impl {
    DerivedRespConfig cfg;
    double ecg_fs = 0.0;
    std::size_t ecg_history = 1;  // samples kept (kEcgHistoryS); the ring may hold more
    std::vector<float> ecg_ring;
    std::int64_t ecg_n = -1;  // index of the newest ECG sample
    double ecg_t = 0.0;       // its time
    ResampledSeries series[kDerivedSourceCount];
    SpectralRate spectrum;
    double prev_rr_ms = 0.0;
    double last_doubtful_s = -1e300;  // the latest beat not flagged Good (noise, search-back)
    std::size_t agreed_run = 0;     // consecutive updates whose modalities agreed
    double last_agreed_bpm = 0.0;
    DerivedRespEstimate estimate;

    Impl(const DerivedRespConfig& c, double fs)
        : cfg(c),
          ecg_fs(fs),
          ecg_history(history_samples(fs)),
          ecg_ring(std::bit_ceil(ecg_history), 0.0f),
          series{make_series(c), make_series(c), make_series(c)},
          spectrum(c.resample.value, window_samples(c), c.min_rate.value, c.max_rate.value) {}

    // The ring is a power of two (push_ecg runs for every sample: a mask, not a division).
    static std::size_t history_samples(double fs) {
        return fs > 0.0 ? static_cast<std::size_t>(std::ceil(kEcgHistoryS * fs)) + 1 : 1;
    }
    static std::size_t window_samples(const DerivedRespConfig& c) {
        return static_cast<std::size_t>(std::lround(c.window.value * c.resample.value));
    }
    static ResampledSeries make_series(const DerivedRespConfig& c) {
        return ResampledSeries(c.resample.value, window_samples(c) + 8, c.max_beat_gap.value);
    }

    float ecg_at(std::int64_t n) const noexcept {
        return ecg_ring[static_cast<std::size_t>(n) & (ecg_ring.size() - 1)];
    }

    // R amplitude and QRS area of the beat at t_s from the ECG history; false if not held.
    bool morphology(double t_s, double& r_amp, double& qrs_area) const noexcept {
        if (ecg_fs <= 0.0 || ecg_n < 0) return false;
        const auto at = [&](double dt) {
            return ecg_n - static_cast<std::int64_t>(std::lround((ecg_t - (t_s + dt)) * ecg_fs));
        };
        const std::int64_t base_from = at(-0.110), base_to = at(-0.060);
        const std::int64_t qrs_from = at(-0.050), qrs_to = at(0.050);
        const auto oldest = ecg_n - static_cast<std::int64_t>(ecg_history) + 1;
        if (base_from < oldest || base_from < 0 || qrs_to > ecg_n) return false;
        double base = 0.0;
        for (std::int64_t n = base_from; n <= base_to; ++n) base += ecg_at(n);
        base /= static_cast<double>(base_to - base_from + 1);
        double area = 0.0, peak = 0.0;
        const std::int64_t r_from = at(-0.020), r_to = at(0.020);
        for (std::int64_t n = qrs_from; n <= qrs_to; ++n) {
            const double v = ecg_at(n) - base;
            area += v / ecg_fs;
            if (n >= r_from && n <= r_to && std::abs(v) > std::abs(peak)) peak = v;
        }
        r_amp = peak;
        qrs_area = area;
        return std::isfinite(r_amp) && std::isfinite(qrs_area);
    }

    bool usable(const DerivedRate& r) const noexcept { return r.valid && r.quality >= cfg.min_quality; }

    // One modality's rate from its estimates: agreeing ones are averaged (quality-weighted);
    // disagreeing ones leave the best, marked `conflicted`.
    struct Modality {
        DerivedRate rate;
        bool conflicted = false;
        std::uint8_t count = 0;
    };
    Modality combine(std::span<const DerivedRate> rates) const noexcept {
        Modality m;
        const DerivedRate* best = nullptr;
        for (const auto& r : rates)
            if (usable(r) && (!best || r.quality > best->quality)) best = &r;
        if (!best) return m;
        double sum = 0.0, weight = 0.0;
        for (const auto& r : rates) {
            if (!usable(r)) continue;
            if (std::abs(r.rate_bpm - best->rate_bpm) > cfg.agreement_bpm) {
                m.conflicted = true;
                continue;
            }
            sum += r.quality * r.rate_bpm;
            weight += r.quality;
            ++m.count;
        }
        m.rate = {true, sum / weight, weight / static_cast<double>(m.count)};
        return m;
    }

    // R amplitude and QRS area both come from the beats' shape, so their agreement is weaker
    // evidence than ECG shape agreeing with RR: trust needs the two modalities to agree, or a
    // single very clean modality with nothing contradicting it.
    void fuse() noexcept {
        DerivedRespEstimate& e = estimate;
        e.fused = {};
        e.trustworthy = false;
        e.agreeing = 0;
        const Modality ecg = combine(std::span<const DerivedRate>(e.sources, 2));
        const Modality rr = combine(std::span<const DerivedRate>(e.sources + 2, 1));
        if (!ecg.rate.valid && !rr.rate.valid) return;
        if (ecg.rate.valid && rr.rate.valid) {
            if (std::abs(ecg.rate.rate_bpm - rr.rate.rate_bpm) <= cfg.agreement_bpm) {
                const double w = ecg.rate.quality + rr.rate.quality;
                e.fused = {true, (ecg.rate.quality * ecg.rate.rate_bpm + rr.rate.quality * rr.rate.rate_bpm) / w,
                           0.5 * w};
                e.agreeing = static_cast<std::uint8_t>(ecg.count + rr.count);
                e.trustworthy = true;
            } else {
                e.fused = ecg.rate.quality >= rr.rate.quality ? ecg.rate : rr.rate;
                e.agreeing = 1;
            }
        } else {
            const Modality& only = ecg.rate.valid ? ecg : rr;
            e.fused = only.rate;
            e.agreeing = only.count;
            // Alone, a slow rhythm cannot be told from a Mayer wave (~0.1 Hz): trusted only in
            // the HF band and when very clean.
            e.trustworthy = !only.conflicted && only.rate.quality >= cfg.solo_quality &&
                            only.rate.rate_bpm >= kHfFloorBpm;
        }
        // Chance agreement is brief; breathing's own rate is steady. Trust needs the agreement to
        // hold, within agreement_bpm, for persist_updates estimates in a row.
        const bool steady = e.trustworthy && agreed_run > 0 &&
                            std::abs(e.fused.rate_bpm - last_agreed_bpm) <= cfg.agreement_bpm;
        agreed_run = e.trustworthy ? (steady ? agreed_run + 1 : 1) : 0;
        if (e.trustworthy) last_agreed_bpm = e.fused.rate_bpm;
        e.trustworthy = agreed_run >= cfg.persist_updates;
        if (!e.trustworthy) e.fused.quality = std::min(e.fused.quality, cfg.min_quality);
    }
};

DerivedRespProcessor::DerivedRespProcessor(const DerivedRespConfig& config, Hz ecg_rate) {
    const auto& c = config;
    if (!(c.resample.value >= 2.0) || !(c.window.value * c.resample.value >= 32.0) ||
        !(c.min_rate.value > 0.0) || !(c.max_rate.value > c.min_rate.value) ||
        !(c.max_rate.value / 60.0 < c.resample.value / 2.0) || !(ecg_rate.value >= 0.0) ||
        !std::isfinite(ecg_rate.value) || !(c.max_beat_gap.value > 0.0))
        throw std::invalid_argument("derived breathing: invalid DerivedRespConfig or ECG rate");
    impl_ = std::make_unique<Impl>(config, ecg_rate.value);
}

DerivedRespProcessor::~DerivedRespProcessor() = default;
DerivedRespProcessor::DerivedRespProcessor(DerivedRespProcessor&&) noexcept = default;
DerivedRespProcessor& DerivedRespProcessor::operator=(DerivedRespProcessor&&) noexcept = default;

void DerivedRespProcessor::push_ecg(double t_s, float x) noexcept {
    auto& m = *impl_;
    if (m.ecg_fs <= 0.0) return;
    ++m.ecg_n;
    m.ecg_t = t_s;
    m.ecg_ring[static_cast<std::size_t>(m.ecg_n) & (m.ecg_ring.size() - 1)] = std::isfinite(x) ? x : 0.0f;
}

void DerivedRespProcessor::push_beat(const Beat& beat) noexcept {
    auto& m = *impl_;
    // A doubtful beat (found by search-back, amid noise, or of an odd shape) may be noise: its
    // amplitude and interval say nothing reliable about breathing, nor does the next interval.
    if (beat.quality != BeatQuality::Good || !std::isfinite(beat.time_s)) {
        m.prev_rr_ms = 0.0;
        if (std::isfinite(beat.time_s)) m.last_doubtful_s = beat.time_s;
        return;
    }
    // Ectopic or missed beats change RR and QRS shape for reasons other than breathing.
    const double rr = beat.rr_ms;
    const bool rr_ok = rr >= 300.0 && rr <= 2000.0 &&
                       (m.prev_rr_ms <= 0.0 || std::abs(rr - m.prev_rr_ms) <= 0.3 * m.prev_rr_ms);
    m.prev_rr_ms = (rr >= 300.0 && rr <= 2000.0) ? rr : 0.0;
    if (!rr_ok) return;
    double r_amp = beat.amplitude, area = std::numeric_limits<double>::quiet_NaN();
    if (!m.morphology(beat.time_s, r_amp, area)) {
        r_amp = beat.amplitude;
        area = std::numeric_limits<double>::quiet_NaN();
    }
    m.series[static_cast<std::size_t>(DerivedSource::RAmplitude)].add(beat.time_s, r_amp);
    m.series[static_cast<std::size_t>(DerivedSource::QrsArea)].add(beat.time_s, area);
    m.series[static_cast<std::size_t>(DerivedSource::Rsa)].add(beat.time_s, rr);
}

const DerivedRespEstimate& DerivedRespProcessor::update(double now_s) noexcept {
    auto& m = *impl_;
    m.estimate.time_s = now_s;
    for (std::size_t s = 0; s < kDerivedSourceCount; ++s) {
        auto& series = m.series[s];
        // A series that stopped (no usable beat for a while) gives no estimate.
        const bool fresh = now_s - series.last_time() <= m.cfg.max_beat_gap.value;
        m.estimate.sources[s] =
            fresh && series.latest(m.spectrum.input()) ? m.spectrum.estimate() : DerivedRate{};
    }
    m.fuse();
    // A doubtful beat (motion, noise) in the newer half of the window, where the resampled
    // series bridges it, can make a rhythm that is not the breath's, however well two
    // modalities agree: reported, not trusted (a whole window's length lost too much).
    if (now_s - m.last_doubtful_s < 0.5 * m.cfg.window.value) {
        m.estimate.trustworthy = false;
        m.estimate.fused.quality = std::min(m.estimate.fused.quality, m.cfg.min_quality);
    }
    return m.estimate;
}

const DerivedRespEstimate& DerivedRespProcessor::estimate() const noexcept { return impl_->estimate; }

void DerivedRespProcessor::reset() noexcept {
    auto& m = *impl_;
    m.ecg_n = -1;
    m.prev_rr_ms = 0.0;
    m.last_doubtful_s = -1e300;
    m.agreed_run = 0;
    for (auto& s : m.series) s.clear();
    m.estimate = {};
}

std::vector<DerivedRespEstimate> derived_resp_process(std::span<const float> ecg, Hz ecg_rate,
                                                      std::span<const Beat> beats,
                                                      const DerivedRespConfig& config,
                                                      double step_s) {
    DerivedRespProcessor proc(config, ecg.empty() ? Hz{0.0} : ecg_rate);
    std::vector<DerivedRespEstimate> out;
    const double fs = ecg_rate.value;
    const double end_s = ecg.empty() ? (beats.empty() ? 0.0 : beats.back().time_s)
                                     : static_cast<double>(ecg.size()) / fs;
    std::size_t next_sample = 0, next_beat = 0;
    // Beats are handed over 0.5 s after their time, as a live detector would.
    for (double t = step_s; t <= end_s + 1e-9; t += step_s) {
        while (next_sample < ecg.size() && static_cast<double>(next_sample) / fs < t) {
            proc.push_ecg(static_cast<double>(next_sample) / fs, ecg[next_sample]);
            ++next_sample;
            const double now = static_cast<double>(next_sample) / fs;
            while (next_beat < beats.size() && beats[next_beat].time_s + 0.5 <= now)
                proc.push_beat(beats[next_beat++]);
        }
        while (next_beat < beats.size() && beats[next_beat].time_s + 0.5 <= t)
            proc.push_beat(beats[next_beat++]);
        out.push_back(proc.update(t));
    }
    return out;
}

}  // namespace attune::signal
