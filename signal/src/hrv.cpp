// HRV: time domain, Welch spectrum, coherence, rolling trackers (see hrv.hpp).
#include "attune/signal/hrv.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attune::signal {

namespace {

// [SECTION] Time-domain core shared by hrv_time() and RollingHrv

// Successive differences: their count, sums and how many exceed 50 / 20 ms.
struct Diffs {
    std::size_t count = 0, over50 = 0, over20 = 0;
    double sum = 0.0, sum2 = 0.0;
    void add(double d) noexcept {
        ++count;
        sum += d;
        sum2 += d * d;
        if (std::abs(d) > 50.0) ++over50;
        if (std::abs(d) > 20.0) ++over20;
    }
};

// The metrics from n intervals' mean, mean heart rate, sum of squared deviations and diffs.
HrvTime time_metrics(std::size_t n, double mean_nn, double mean_hr, double ss, const Diffs& d) {
    HrvTime h;
    h.count = n;
    if (n == 0) return h;
    h.mean_nn_ms = mean_nn;
    h.mean_hr_bpm = mean_hr;
    if (n > 1) h.sdnn_ms = std::sqrt(ss / static_cast<double>(n - 1));
    if (d.count > 0) {
        const double nd = static_cast<double>(d.count);
        h.rmssd_ms = std::sqrt(d.sum2 / nd);
        h.pnn50_pct = 100.0 * static_cast<double>(d.over50) / nd;
        h.pnn20_pct = 100.0 * static_cast<double>(d.over20) / nd;
        if (d.count > 1) {
            const double mean_d = d.sum / nd;
            h.sdsd_ms = std::sqrt(std::max(0.0, (d.sum2 - nd * mean_d * mean_d) / (nd - 1.0)));
        }
    }
    h.valid = n >= 3 && d.count >= 2;
    return h;
}

// nn(i) gives interval i; continuous(i) says whether interval i directly follows i - 1.
template <typename Nn, typename Continuous>
HrvTime time_domain(std::size_t n, Nn nn, Continuous continuous) {
    if (n == 0) return {};
    double sum = 0.0, sum_hr = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += nn(i);
        sum_hr += 60000.0 / nn(i);
    }
    const double mean = sum / static_cast<double>(n);
    double ss = 0.0;
    for (std::size_t i = 0; i < n; ++i) ss += (nn(i) - mean) * (nn(i) - mean);
    Diffs d;
    for (std::size_t i = 1; i < n; ++i)
        if (continuous(i)) d.add(nn(i) - nn(i - 1));
    return time_metrics(n, mean, sum_hr / static_cast<double>(n), ss, d);
}

// [SECTION] Spectral building blocks (allocation-free given buffers)

// In-place iterative radix-2 FFT; re.size() must be a power of two.
void fft_radix2(std::span<double> re, std::span<double> im) noexcept {
    const std::size_t n = re.size();
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            std::swap(re[i], re[j]);
            std::swap(im[i], im[j]);
        }
    }
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
        for (std::size_t k = 0; k < len / 2; ++k) {
            const double wr = std::cos(angle * static_cast<double>(k));
            const double wi = std::sin(angle * static_cast<double>(k));
            for (std::size_t i = k; i < n; i += len) {
                const std::size_t j = i + len / 2;
                const double xr = re[j] * wr - im[j] * wi;
                const double xi = re[j] * wi + im[j] * wr;
                re[j] = re[i] - xr;
                im[j] = im[i] - xi;
                re[i] += xr;
                im[i] += xi;
            }
        }
    }
}

std::size_t next_pow2(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

// Natural cubic spline through (t, y), evaluated at t0 + k * dt for k < out.size(); points
// outside [t.front(), t.back()] take the end values. work_a / work_b: t.size() each.
void spline_resample(std::span<const double> t, std::span<const double> y, double t0, double dt,
                     std::span<double> out, std::span<double> m, std::span<double> c) noexcept {
    const std::size_t n = t.size();
    if (n == 1) {
        std::fill(out.begin(), out.end(), y[0]);
        return;
    }
    // Second derivatives m: tridiagonal system (Thomas algorithm), m[0] = m[n-1] = 0.
    m[0] = 0.0;
    c[0] = 0.0;
    for (std::size_t i = 1; i + 1 < n; ++i) {
        const double h0 = t[i] - t[i - 1], h1 = t[i + 1] - t[i];
        const double rhs = 6.0 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
        const double diag = 2.0 * (h0 + h1) - h0 * c[i - 1];
        c[i] = h1 / diag;
        m[i] = (rhs - h0 * m[i - 1]) / diag;
    }
    m[n - 1] = 0.0;
    for (std::size_t i = n - 1; i-- > 1;) m[i] -= c[i] * m[i + 1];

    std::size_t seg = 0;
    for (std::size_t k = 0; k < out.size(); ++k) {
        const double x = t0 + static_cast<double>(k) * dt;
        if (x <= t[0]) {
            out[k] = y[0];
            continue;
        }
        if (x >= t[n - 1]) {
            out[k] = y[n - 1];
            continue;
        }
        while (seg + 2 < n && x > t[seg + 1]) ++seg;
        const double h = t[seg + 1] - t[seg];
        const double a = (t[seg + 1] - x) / h, b = (x - t[seg]) / h;
        out[k] = a * y[seg] + b * y[seg + 1] +
                 ((a * a * a - a) * m[seg] + (b * b * b - b) * m[seg + 1]) * h * h / 6.0;
    }
}

void remove_linear_trend(std::span<double> x) noexcept {
    const std::size_t n = x.size();
    if (n < 2) {
        if (n == 1) x[0] = 0.0;
        return;
    }
    const double mean_i = static_cast<double>(n - 1) / 2.0;
    double mean_x = 0.0;
    for (double v : x) mean_x += v;
    mean_x /= static_cast<double>(n);
    double sxy = 0.0, sxx = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double di = static_cast<double>(i) - mean_i;
        sxy += di * (x[i] - mean_x);
        sxx += di * di;
    }
    const double slope = sxy / sxx;
    for (std::size_t i = 0; i < n; ++i)
        x[i] -= mean_x + slope * (static_cast<double>(i) - mean_i);
}

double hann(std::size_t i, std::size_t n) {  // periodic Hann (as scipy's welch uses)
    return 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) /
                                static_cast<double>(n));
}

// One windowed, detrended segment's one-sided PSD added into psd (ms^2/Hz), scaled like
// scipy.signal.welch(scaling="density"). re/im: nfft each, psd: nfft/2 + 1.
void add_periodogram(std::span<const double> segment, double fs, std::span<double> re,
                     std::span<double> im, std::span<double> psd) noexcept {
    const std::size_t len = segment.size(), nfft = re.size();
    std::fill(re.begin(), re.end(), 0.0);
    std::fill(im.begin(), im.end(), 0.0);
    std::copy(segment.begin(), segment.end(), re.begin());
    remove_linear_trend(re.first(len));
    double wsum2 = 0.0;
    for (std::size_t i = 0; i < len; ++i) {
        const double w = hann(i, len);
        re[i] *= w;
        wsum2 += w * w;
    }
    fft_radix2(re, im);
    const double scale = 1.0 / (fs * wsum2);
    for (std::size_t k = 0; k <= nfft / 2; ++k) {
        double p = (re[k] * re[k] + im[k] * im[k]) * scale;
        if (k != 0 && k != nfft / 2) p *= 2.0;
        psd[k] += p;
    }
}

struct Band {
    double power = 0.0;
    double peak_hz = 0.0;
};

// Sum of PSD * df over bins with low <= f < high, and the frequency of the largest bin.
Band band_power(std::span<const double> psd, double df, double low, double high) {
    Band b;
    double best = -1.0;
    for (std::size_t k = 0; k < psd.size(); ++k) {
        const double f = static_cast<double>(k) * df;
        if (f < low || f >= high) continue;
        b.power += psd[k] * df;
        if (psd[k] > best) {
            best = psd[k];
            b.peak_hz = f;
        }
    }
    return b;
}

// Coherence from a one-sided PSD (shared by coherence_score and CoherenceTracker).
Coherence coherence_from_psd(std::span<const double> psd, double df, const CoherenceConfig& c) {
    Coherence r;
    const Band peak_band = band_power(psd, df, c.peak_low_hz, c.peak_high_hz);
    const Band total = band_power(psd, df, c.total_low_hz, c.total_high_hz);
    r.peak_hz = peak_band.peak_hz;
    double peak = 0.0;
    for (std::size_t k = 0; k < psd.size(); ++k) {
        const double f = static_cast<double>(k) * df;
        if (std::abs(f - r.peak_hz) <= c.peak_width_hz / 2.0 + 1e-12) peak += psd[k] * df;
    }
    const double rest = total.power - peak;
    if (total.power <= 0.0) return r;
    r.ratio = peak / std::max(rest, 1e-9 * total.power);
    return r;
}

// Keep only points whose time is finite and later than the previous kept one (a spline needs
// strictly increasing knots; repeated or backwards times come from bad input). In place;
// returns the new count.
std::size_t keep_increasing(std::span<double> t, std::span<double> y) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!std::isfinite(t[i]) || !std::isfinite(y[i])) continue;
        if (n > 0 && !(t[i] > t[n - 1])) continue;
        t[n] = t[i];
        y[n] = y[i];
        ++n;
    }
    return n;
}

// [SECTION] Coherence window computation with caller-owned buffers

struct CoherenceBuffers {
    std::span<double> grid, re, im, m, c, psd;
};

Coherence coherence_window(std::span<double> t_in, std::span<double> y_in, double end_time_s,
                           const CoherenceConfig& cfg, CoherenceBuffers b) {
    Coherence r;
    r.time_s = end_time_s;
    const std::size_t kept = keep_increasing(t_in, y_in);
    const std::span<const double> t = t_in.first(kept), y = y_in.first(kept);
    const double start = end_time_s - cfg.window_s;
    // Coverage: the beats must span (almost) the whole window.
    if (t.size() < 4 || t.front() > start + 0.1 * cfg.window_s || t.back() < end_time_s - 3.0)
        return r;
    const double dt = 1.0 / cfg.resample_hz;
    spline_resample(t, y, start + dt, dt, b.grid, b.m.first(kept), b.c.first(kept));
    std::fill(b.psd.begin(), b.psd.end(), 0.0);
    add_periodogram(b.grid, cfg.resample_hz, b.re, b.im, b.psd);
    const double df = cfg.resample_hz / static_cast<double>(b.re.size());
    r = coherence_from_psd(b.psd, df, cfg);
    r.time_s = end_time_s;
    r.valid = true;
    return r;
}

std::size_t coherence_points(const CoherenceConfig& c) {
    return static_cast<std::size_t>(std::lround(c.window_s * c.resample_hz));
}
std::size_t coherence_nfft(const CoherenceConfig& c) { return next_pow2(2 * coherence_points(c)); }

}  // namespace

// [SECTION] Public batch functions

HrvTime hrv_time(std::span<const double> nn_ms) {
    return time_domain(
        nn_ms.size(), [&](std::size_t i) { return nn_ms[i]; }, [](std::size_t) { return true; });
}

Spectrum nn_spectrum_welch(std::span<const double> nn_times_s, std::span<const double> nn_ms,
                           const HrvFrequencyConfig& cfg) {
    Spectrum s;
    std::vector<double> t(nn_times_s.begin(),
                          nn_times_s.begin() + static_cast<std::ptrdiff_t>(std::min(nn_times_s.size(), nn_ms.size())));
    std::vector<double> y(nn_ms.begin(), nn_ms.begin() + static_cast<std::ptrdiff_t>(t.size()));
    const std::size_t n = keep_increasing(t, y);
    if (n < 4 || !(cfg.resample_hz > 0.0 && cfg.resample_hz < 1000.0)) return s;
    const double t0 = t[0], t1 = t[n - 1];
    const double span_s = (t1 - t0) * cfg.resample_hz;
    if (!(span_s < 1e8)) return s;  // absurd time span: refuse rather than allocate it
    const auto points = static_cast<std::size_t>(std::floor(span_s)) + 1;
    if (points < 8) return s;
    std::vector<double> x(points), m(n), c(n);
    spline_resample(std::span<const double>(t).first(n), std::span<const double>(y).first(n), t0,
                    1.0 / cfg.resample_hz, x, m, c);

    auto seg_len = static_cast<std::size_t>(std::lround(cfg.segment_s * cfg.resample_hz));
    seg_len = std::clamp<std::size_t>(seg_len, 8, points);
    const std::size_t step = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(static_cast<double>(seg_len) *
                                                 (1.0 - cfg.overlap))));
    const std::size_t nfft = next_pow2(seg_len);
    std::vector<double> re(nfft), im(nfft);
    s.psd.assign(nfft / 2 + 1, 0.0);
    std::size_t segments = 0;
    for (std::size_t start = 0; start + seg_len <= points; start += step, ++segments)
        add_periodogram(std::span<const double>(x).subspan(start, seg_len), cfg.resample_hz, re,
                        im, s.psd);
    for (double& p : s.psd) p /= static_cast<double>(segments);
    s.df_hz = cfg.resample_hz / static_cast<double>(nfft);
    return s;
}

namespace {
// Band powers and peaks of a Welch spectrum of n intervals spanning duration_s.
HrvFrequency frequency_from_spectrum(const Spectrum& s, double duration_s, std::size_t n,
                                     const HrvFrequencyConfig& cfg) {
    HrvFrequency h;
    h.duration_s = duration_s;
    if (s.psd.empty()) return h;
    const Band vlf = band_power(s.psd, s.df_hz, cfg.vlf_low_hz, cfg.vlf_high_hz);
    const Band lf = band_power(s.psd, s.df_hz, cfg.lf_low_hz, cfg.lf_high_hz);
    const Band hf = band_power(s.psd, s.df_hz, cfg.hf_low_hz, cfg.hf_high_hz);
    h.vlf_ms2 = vlf.power;
    h.lf_ms2 = lf.power;
    h.hf_ms2 = hf.power;
    h.vlf_peak_hz = vlf.peak_hz;
    h.lf_peak_hz = lf.peak_hz;
    h.hf_peak_hz = hf.peak_hz;
    h.total_ms2 = vlf.power + lf.power + hf.power;
    if (hf.power > 0.0) h.lf_hf = lf.power / hf.power;
    if (lf.power + hf.power > 0.0) {
        h.lf_nu = 100.0 * lf.power / (lf.power + hf.power);
        h.hf_nu = 100.0 * hf.power / (lf.power + hf.power);
    }
    // LF needs a few of its slowest cycles (25 s) to be estimated at all.
    h.valid = h.duration_s >= 30.0 && static_cast<double>(n) >= h.duration_s * 0.3;
    return h;
}
}  // namespace

HrvFrequency hrv_frequency(std::span<const double> nn_times_s, std::span<const double> nn_ms,
                           const HrvFrequencyConfig& cfg) {
    const std::size_t n = std::min(nn_times_s.size(), nn_ms.size());
    if (n < 4) return {};
    return frequency_from_spectrum(nn_spectrum_welch(nn_times_s, nn_ms, cfg),
                                   nn_times_s[n - 1] - nn_times_s[0], n, cfg);
}

Coherence coherence_score(std::span<const double> nn_times_s, std::span<const double> nn_ms,
                          double end_time_s, const CoherenceConfig& cfg) {
    // The beats of the window, plus one on each side so the spline covers its edges.
    const std::size_t n = std::min(nn_times_s.size(), nn_ms.size());
    const double start = end_time_s - cfg.window_s;
    auto first = std::lower_bound(nn_times_s.begin(), nn_times_s.begin() + n, start);
    auto last = std::upper_bound(nn_times_s.begin(), nn_times_s.begin() + n, end_time_s);
    if (first != nn_times_s.begin()) --first;
    const auto i0 = static_cast<std::size_t>(first - nn_times_s.begin());
    const auto i1 = static_cast<std::size_t>(last - nn_times_s.begin());
    const std::size_t count = i1 > i0 ? i1 - i0 : 0;
    const std::size_t points = coherence_points(cfg), nfft = coherence_nfft(cfg);
    std::vector<double> grid(points), re(nfft), im(nfft), m(count), c(count), psd(nfft / 2 + 1);
    std::vector<double> t(nn_times_s.begin() + static_cast<std::ptrdiff_t>(i0),
                          nn_times_s.begin() + static_cast<std::ptrdiff_t>(i0 + count));
    std::vector<double> y(nn_ms.begin() + static_cast<std::ptrdiff_t>(i0),
                          nn_ms.begin() + static_cast<std::ptrdiff_t>(i0 + count));
    return coherence_window(t, y, end_time_s, cfg, {grid, re, im, m, c, psd});
}

// [SECTION] RollingHrv

RollingHrv::RollingHrv(const RollingHrvConfig& config)
    : config_(config),
      ring_(static_cast<std::size_t>(std::ceil(std::max(config.window_s, 1.0) * 5.0)) + 2) {}

void RollingHrv::push(double time_s, double nn_ms, bool continuous) noexcept {
    if (!(nn_ms > 0.0) || !std::isfinite(time_s)) return;
    const std::size_t cap = ring_.size();
    ring_[(head_ + size_) % cap] = Entry{time_s, nn_ms, continuous};
    if (size_ < cap) {
        ++size_;
    } else {
        head_ = (head_ + 1) % cap;
    }
}

HrvTime RollingHrv::metrics() const noexcept {
    if (size_ == 0) return {};
    const std::size_t cap = ring_.size();
    auto entry = [&](std::size_t i) -> const Entry& { return ring_[(head_ + i) % cap]; };
    const double last = entry(size_ - 1).time_s;
    std::size_t first = 0;
    while (first < size_ && entry(first).time_s <= last - config_.window_s) ++first;
    const std::size_t n = size_ - first;
    return time_domain(
        n, [&](std::size_t i) { return entry(first + i).nn_ms; },
        [&](std::size_t i) { return entry(first + i).continuous; });
}

void RollingHrv::reset() noexcept { head_ = size_ = 0; }

// [SECTION] CoherenceTracker

CoherenceTracker::CoherenceTracker(const CoherenceConfig& config) : config_(config) {
    // Beats of window + one update step + margin, at up to 300 bpm.
    const auto cap =
        static_cast<std::size_t>(std::ceil((config.window_s + config.update_s + 5.0) * 5.0));
    times_.resize(cap);
    values_.resize(cap);
    const std::size_t nfft = coherence_nfft(config);
    // grid | m | c | psd | linear copies of t and y, all carved from grid_ (one allocation).
    grid_.resize(coherence_points(config) + 2 * cap + (nfft / 2 + 1) + 2 * cap);
    re_.resize(nfft);
    im_.resize(nfft);
}

std::optional<Coherence> CoherenceTracker::push(double time_s, double nn_ms) noexcept {
    if (!(nn_ms > 0.0) || !std::isfinite(time_s)) return std::nullopt;
    // Start, or a jump longer than the window (a gap, a clock reset): nothing before it counts.
    if (!started_ || time_s - next_update_s_ > config_.window_s + config_.update_s) {
        started_ = true;
        head_ = size_ = 0;
        next_update_s_ = time_s + config_.update_s;
    }
    std::optional<Coherence> result;
    // Update instants are computed on the beats before the one that crossed them.
    while (time_s > next_update_s_) {
        const std::size_t cap = times_.size();
        const std::size_t points = coherence_points(config_);
        std::span<double> all(grid_);
        std::span<double> grid = all.subspan(0, points);
        std::span<double> m = all.subspan(points, cap);
        std::span<double> c = all.subspan(points + cap, cap);
        std::span<double> psd = all.subspan(points + 2 * cap, re_.size() / 2 + 1);
        std::span<double> t = all.subspan(points + 2 * cap + psd.size(), cap);
        std::span<double> y = all.subspan(points + 3 * cap + psd.size(), cap);
        const double start = next_update_s_ - config_.window_s;
        std::size_t n = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            const std::size_t k = (head_ + i) % cap;
            const bool next_in = i + 1 < size_ && times_[(head_ + i + 1) % cap] >= start;
            if (times_[k] > next_update_s_) break;
            if (times_[k] < start && !next_in) continue;
            t[n] = times_[k];
            y[n] = values_[k];
            ++n;
        }
        latest_ = coherence_window(t.first(n), y.first(n), next_update_s_, config_,
                                   {grid, re_, im_, m, c, psd});
        result = latest_;
        next_update_s_ += config_.update_s;
    }
    const std::size_t cap = times_.size();
    times_[(head_ + size_) % cap] = time_s;
    values_[(head_ + size_) % cap] = nn_ms;
    if (size_ < cap) {
        ++size_;
    } else {
        head_ = (head_ + 1) % cap;
    }
    return result;
}

void CoherenceTracker::reset() noexcept {
    head_ = size_ = 0;
    started_ = false;
    next_update_s_ = 0.0;
    latest_ = {};
}

std::vector<Coherence> coherence_series(std::span<const double> nn_times_s,
                                        std::span<const double> nn_ms,
                                        const CoherenceConfig& config) {
    CoherenceTracker tracker(config);
    std::vector<Coherence> out;
    const std::size_t n = std::min(nn_times_s.size(), nn_ms.size());
    for (std::size_t i = 0; i < n; ++i)
        if (auto c = tracker.push(nn_times_s[i], nn_ms[i])) out.push_back(*c);
    return out;
}

// [SECTION] WholeRecordHrv

WholeRecordHrv::WholeRecordHrv(const HrvFrequencyConfig& config) : config_(config) {
    if (!(config_.resample_hz > 0.0 && config_.resample_hz < 1000.0)) config_.resample_hz = 4.0;
    seg_len_ = std::clamp<std::size_t>(
        static_cast<std::size_t>(std::lround(config_.segment_s * config_.resample_hz)), 8, 1u << 20);
    step_ = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(static_cast<double>(seg_len_) * (1.0 - config_.overlap))));
    const std::size_t nfft = next_pow2(seg_len_);
    // A pending segment needs its span plus a margin on each side, at up to 300 bpm; spare room
    // keeps short records whole (then the batch computation is exact).
    const double span_s = static_cast<double>(seg_len_) / config_.resample_hz + 2.0 * kMarginS + 60.0;
    const auto cap = static_cast<std::size_t>(std::ceil(span_s * 5.0));
    ring_.resize(cap);
    t_.resize(cap);
    y_.resize(cap);
    m_.resize(cap);
    c_.resize(cap);
    grid_.resize(seg_len_);
    re_.resize(nfft);
    im_.resize(nfft);
    psd_.assign(nfft / 2 + 1, 0.0);
}

void WholeRecordHrv::push(double time_s, double nn_ms, bool continuous) noexcept {
    // Time domain, as hrv_time() (SDNN by Welford's update instead of a second pass).
    ++count_;
    const double delta = nn_ms - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (nn_ms - mean_);
    sum_hr_ += 60000.0 / nn_ms;
    if (count_ > 1 && continuous) {
        Diffs d{diffs_, over50_, over20_, sum_d_, sum_d2_};
        d.add(nn_ms - prev_nn_);
        diffs_ = d.count;
        over50_ = d.over50;
        over20_ = d.over20;
        sum_d_ = d.sum;
        sum_d2_ = d.sum2;
    }
    prev_nn_ = nn_ms;
    if (count_ == 1) first_time_ = time_s;
    last_time_ = time_s;

    // Frequency domain: strictly increasing finite points only (as keep_increasing()).
    if (!std::isfinite(time_s) || !std::isfinite(nn_ms)) return;
    if (size_ > 0 && !(time_s > ring_[(head_ + size_ - 1) % ring_.size()].t)) return;
    if (size_ == ring_.size()) {
        head_ = (head_ + 1) % ring_.size();
        --size_;
        ++dropped_;
    }
    ring_[(head_ + size_) % ring_.size()] = {time_s, nn_ms};
    ++size_;
    if (!have_t0_) {
        have_t0_ = true;
        t0_ = time_s;
    }
    close_ready_segments(false);
}

HrvTime WholeRecordHrv::time_domain() const noexcept {
    const Diffs d{diffs_, over50_, over20_, sum_d_, sum_d2_};
    return time_metrics(count_, mean_, count_ ? sum_hr_ / static_cast<double>(count_) : 0.0, m2_, d);
}

double WholeRecordHrv::segment_start_s(std::size_t index) const noexcept {
    return t0_ + static_cast<double>(index * step_) / config_.resample_hz;
}

void WholeRecordHrv::close_ready_segments(bool at_end) {
    if (size_ == 0) return;
    const double last = ring_[(head_ + size_ - 1) % ring_.size()].t;
    const double seg_s = static_cast<double>(seg_len_ - 1) / config_.resample_hz;
    for (;;) {
        const std::size_t first_point = next_segment_ * step_;
        const double end_s = segment_start_s(next_segment_) + seg_s;
        if (at_end) {
            // The batch grid: floor((t1 - t0) * fs) + 1 points; only whole segments count.
            const double span = (last - t0_) * config_.resample_hz;
            const auto points = static_cast<std::size_t>(std::floor(span)) + 1;
            if (first_point + seg_len_ > points) break;
        } else if (last < end_s + kMarginS) {
            break;
        }
        add_segment(next_segment_++);
    }
}

void WholeRecordHrv::add_segment(std::size_t index) {
    const double start = segment_start_s(index);
    const double end = start + static_cast<double>(seg_len_ - 1) / config_.resample_hz;
    std::size_t n = 0;
    for (std::size_t i = 0; i < size_; ++i) {
        const Point& p = ring_[(head_ + i) % ring_.size()];
        if (p.t < start - kMarginS || p.t > end + kMarginS) continue;
        t_[n] = p.t;
        y_[n] = p.y;
        ++n;
    }
    if (n == 0) return;  // only after hostile input (more than 5 beats a second)
    spline_resample(std::span<const double>(t_).first(n), std::span<const double>(y_).first(n), start,
                    1.0 / config_.resample_hz, grid_, std::span<double>(m_).first(n), std::span<double>(c_).first(n));
    add_periodogram(grid_, config_.resample_hz, re_, im_, psd_);
    ++segments_;
}

HrvFrequency WholeRecordHrv::frequency() {
    if (count_ < 4) return {};
    const double duration = last_time_ - first_time_;
    if (dropped_ == 0) {
        // The ring holds the whole series: exactly the batch computation.
        for (std::size_t i = 0; i < size_; ++i) {
            t_[i] = ring_[(head_ + i) % ring_.size()].t;
            y_[i] = ring_[(head_ + i) % ring_.size()].y;
        }
        const std::span<const double> t = std::span<const double>(t_).first(size_);
        const std::span<const double> y = std::span<const double>(y_).first(size_);
        return frequency_from_spectrum(nn_spectrum_welch(t, y, config_), duration, count_, config_);
    }
    close_ready_segments(true);
    Spectrum s;
    if (segments_ > 0) {
        s.psd = psd_;
        for (double& p : s.psd) p /= static_cast<double>(segments_);
        s.df_hz = config_.resample_hz / static_cast<double>(re_.size());
    }
    return frequency_from_spectrum(s, duration, count_, config_);
}

}  // namespace attune::signal
