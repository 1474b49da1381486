// Pan-Tompkins (1985) R-peak detector with signal quality; see ecg_peaks.hpp for the banner.
//
// [SECTION] Filters and history   [SECTION] Integral peaks   [SECTION] Decisions
// [SECTION] Peak placement        [SECTION] Quality          [SECTION] Batch form
#include "attune/signal/ecg_peaks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace attune::signal {

// [SECTION] Filters and history --------------------------------------------------------------

namespace ecg_detail {

namespace {
// Bilinear-transform Butterworth (Q = 1/sqrt 2) sections, RBJ cookbook form.
Biquad butterworth(double fc_hz, double fs_hz, bool highpass) {
    const double w0 = 2.0 * std::numbers::pi * fc_hz / fs_hz;
    const double alpha = std::sin(w0) / std::numbers::sqrt2;  // sin(w0) / (2Q), Q = 1/sqrt 2
    const double cw = std::cos(w0);
    const double a0 = 1.0 + alpha;
    Biquad q;
    if (highpass) {
        q.b0 = (1.0 + cw) / 2.0 / a0;
        q.b1 = -(1.0 + cw) / a0;
        q.b2 = q.b0;
    } else {
        q.b0 = (1.0 - cw) / 2.0 / a0;
        q.b1 = (1.0 - cw) / a0;
        q.b2 = q.b0;
    }
    q.a1 = -2.0 * cw / a0;
    q.a2 = (1.0 - alpha) / a0;
    return q;
}
}  // namespace

Biquad Biquad::butterworth_lowpass(double fc_hz, double fs_hz) { return butterworth(fc_hz, fs_hz, false); }
Biquad Biquad::butterworth_highpass(double fc_hz, double fs_hz) { return butterworth(fc_hz, fs_hz, true); }

History::History(std::size_t min_length) {
    std::size_t n = 1;
    while (n < min_length) n <<= 1;
    data_.assign(n, 0.0f);
    mask_ = n - 1;
}

void History::clear() noexcept { std::fill(data_.begin(), data_.end(), 0.0f); }

}  // namespace ecg_detail

namespace {
double checked_fs(double fs_hz) {
    if (!(fs_hz >= kEcgMinFsHz && fs_hz <= kEcgMaxFsHz))
        throw std::invalid_argument("ECG sample rate must be within 100..4000 Hz");
    return fs_hz;
}
std::int64_t samples_of(double seconds, double fs) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::lround(seconds * fs)));
}
// Sub-sample position of an extremum from its two neighbours (parabola through three points).
double parabolic_offset(double left, double mid, double right) {
    const double denom = left - 2.0 * mid + right;
    if (denom == 0.0) return 0.0;
    return std::clamp(0.5 * (left - right) / denom, -0.5, 0.5);
}
}  // namespace

Pantompkins1985::Pantompkins1985(double fs_hz, EcgPeaksConfig config)
    : fs_(checked_fs(fs_hz)),
      cfg_(config),
      mwi_len_(samples_of(config.integration_s, fs_hz)),
      refractory_(samples_of(config.refractory_s, fs_hz)),
      t_wave_(samples_of(config.t_wave_window_s, fs_hz)),
      learning_len_(samples_of(config.learning_s, fs_hz)),
      relearn_len_(samples_of(config.relearn_after_s, fs_hz)),
      refine_half_(samples_of(config.refine_halfwidth_s, fs_hz)),
      block_len_(samples_of(1.0, fs_hz)),
      clip_run_len_(std::max<std::int64_t>(4, samples_of(config.clip_run_s, fs_hz))),
      flat_run_len_(samples_of(config.flat_run_s, fs_hz)),
      // ~1 s of history for peak placement, plus the chunk that push_block() filters ahead
      raw_(static_cast<std::size_t>(fs_hz) + 16 + kChunk),
      band_(static_cast<std::size_t>(fs_hz) + 16 + kChunk),
      slope_(static_cast<std::size_t>(fs_hz) + 16 + kChunk),
      squares_(static_cast<std::size_t>(mwi_len_) + 2),
      templates_(fs_hz) {
    if (!(config.band_low_hz > 0.0 && config.band_high_hz > config.band_low_hz &&
          config.band_high_hz < 0.45 * fs_hz))
        throw std::invalid_argument("ECG band-pass must satisfy 0 < low < high < 0.45 fs");
    if (!(config.integration_s > 0.0 && config.refractory_s > 0.0 && config.learning_s > 0.0 &&
          config.searchback_rr_factor > 1.0 && config.integration_s + config.refractory_s < 0.6))
        throw std::invalid_argument("ECG detector timing parameters out of range");
    chain_.dc_pole = std::exp(-2.0 * std::numbers::pi * config.baseline_hz / fs_hz);
    chain_.inv_mwi_len = 1.0 / static_cast<double>(mwi_len_);
    chain_.mwi_len = mwi_len_;
    chain_.hp = ecg_detail::Biquad::butterworth_highpass(config.band_low_hz, fs_hz);
    chain_.lp = ecg_detail::Biquad::butterworth_lowpass(config.band_high_hz, fs_hz);
    odd_memory_ = samples_of(config.odd_beat_memory_s, fs_hz);
    reset();
}

void Pantompkins1985::reset() noexcept {
    chain_.hp.reset();
    chain_.lp.reset();
    raw_.clear();
    band_.clear();
    slope_.clear();
    squares_.clear();
    n_ = 0;
    chain_.dc_prev_x = chain_.dc_y = last_good_x_ = 0.0;
    have_x_ = false;
    chain_.band_hist = {};
    chain_.mwi_sum = 0.0;
    last_band_ = last_mwi_ = 0.0f;
    mwi_prev_ = mwi_prev2_ = 0.0;
    have_candidate_ = false;
    cand_index_ = 0;
    cand_height_ = 0.0;
    learning_ = true;
    learning_end_ = learning_len_;
    learn_max_ = learn_sum_ = 0.0;
    learn_count_ = 0;
    pending_count_ = 0;
    spki_ = npki_ = 0.0;
    have_beat_ = false;
    watch_from_ = 0;
    last_beat_mwi_ = 0;
    last_beat_sample_ = last_slope_ = 0.0;
    rr_recent_ = rr_regular_ = {};
    rr_recent_n_ = rr_regular_n_ = rr_recent_i_ = rr_regular_i_ = 0;
    rr_irregular_run_ = 0;
    rr_avg1_ = rr_avg2_ = 0.0;
    polarity_score_ = 0.0;
    qrs_height_ = 0.0;
    templates_.reset();
    last_match_ = {};
    ectopic_candidate_ = ectopic_before_ = -1.0;
    unmatched_run_ = 0;
    last_odd_ = INT64_MIN / 2;
    recent_count_ = 0;
    rhythm_rr_ = 0.0;
    rhythm_marks_ = {};
    rhythm_block_.fill(-1);
    held_count_ = 0;
    out_quality_count_ = 0;
    jump_limit_ = 0.0;
    out_count_ = 0;
    last_emitted_time_ = -1.0;
    rr_break_ = true;
    quality_ready_ = false;
    block_start_ = 0;
    blk_min_ = blk_max_ = 0.0;
    blk_noise_peak_ = 0.0;
    blk_mwi_min_ = 0.0;
    run_value_ = std::numeric_limits<double>::quiet_NaN();
    run_len_ = 0;
    blk_clip_ = blk_non_finite_ = blk_jump_ = false;
    blk_finite_ = 0;
    block_index_ = 0;
    block_end_ = static_cast<std::int64_t>(std::ceil(fs_));
    last_artifact_ = last_hard_artifact_ = INT64_MIN / 2;
    grown_count_ = 0;
    have_quiet_ = false;
    last_block_noise_ = 0.0;
}

namespace {
using ecg_detail::Rings;

struct Filtered {
    double band, mwi;
};

// One sample through the filter chain, written into the rings at n.
inline Filtered filter_sample(ecg_detail::FilterChain& c, const Rings& r, std::size_t n, double v) noexcept {
    const std::size_t slot = n & r.mask;
    c.dc_y = v - c.dc_prev_x + c.dc_pole * c.dc_y;
    c.dc_prev_x = v;
    r.raw[slot] = static_cast<float>(c.dc_y);

    const double band = c.lp(c.hp(v));
    r.band[slot] = static_cast<float>(band);
    // Five-point derivative of Pan-Tompkins: (2x[n] + x[n-1] - x[n-3] - 2x[n-4]) / 8.
    const double deriv = 0.125 * (2.0 * band + c.band_hist[0] - c.band_hist[2] - 2.0 * c.band_hist[3]);
    c.band_hist[3] = c.band_hist[2];
    c.band_hist[2] = c.band_hist[1];
    c.band_hist[1] = c.band_hist[0];
    c.band_hist[0] = band;
    r.slope[slot] = static_cast<float>(std::fabs(deriv));

    const float square = static_cast<float>(deriv * deriv);
    const std::size_t lag = static_cast<std::size_t>(c.mwi_len);
    c.mwi_sum += static_cast<double>(square) - static_cast<double>(r.squares[(n - lag) & r.sq_mask]);
    r.squares[n & r.sq_mask] = square;
    if (c.mwi_sum < 0.0) c.mwi_sum = 0.0;
    return {band, c.mwi_sum * c.inv_mwi_len};
}
}  // namespace

bool Pantompkins1985::push(float x) noexcept {
    clear_output();
    // One sample: the filter state stays in the object (a block loop would copy it in and out).
    const bool finite = std::isfinite(x);
    // A lost sample holds the last good value so the filters do not ring; quality marks it.
    const double v = finite ? static_cast<double>(x) : last_good_x_;
    if (!have_x_ && finite) prime_filters(v);
    const Filtered f = filter_sample(chain_, rings(), static_cast<std::size_t>(n_), v);
    chunk_x_[0] = static_cast<float>(v);
    chunk_finite_[0] = finite;
    chunk_band_[0] = static_cast<float>(f.band);
    chunk_mwi_[0] = static_cast<float>(f.mwi);
    step(0);
    return has_output();
}

void Pantompkins1985::clear_output() noexcept {
    out_count_ = 0;
    if (quality_ready_) {
        quality_ready_ = false;
        out_quality_count_ = 0;
    }
}

// The decisions for the chunk's samples [from, to), in order; returns after the first sample
// that made output ready (the index after it), else `to`. Ordinary samples go through
// quiet_run(); the rest through step().
std::size_t Pantompkins1985::scan_chunk(std::size_t from, std::size_t to) noexcept {
    for (std::size_t i = from; i < to;) {
        i = quiet_run(i, to);
        if (i == to) break;
        step(i++);
        if (has_output()) return i;
    }
    return to;
}

// Ordinary samples [from, k): finite, no held value, no jump, no integral-peak decision, no
// block end, learning end or search-back watch. For them step() would only update the block's
// extremes, the run and the integral-peak candidate; this does exactly that with the state in
// registers. Returns the first sample that needs step() (or `to`).
std::size_t Pantompkins1985::quiet_run(std::size_t from, std::size_t to) noexcept {
    if (learning_ || !have_x_ || blk_finite_ == 0 || from >= to) return from;
    // Samples before the block end, the watch instant and the end of the chunk.
    const std::int64_t stop_n = std::min(block_end_ - 1, watch_from_);
    if (stop_n <= n_) return from;
    const std::size_t end = std::min<std::size_t>(to, from + static_cast<std::size_t>(stop_n - n_));
    double blk_min = blk_min_, blk_max = blk_max_, blk_mwi_min = blk_mwi_min_;
    double run_value = run_value_, last_good = last_good_x_;
    double prev = mwi_prev_, prev2 = mwi_prev2_;
    bool have_cand = have_candidate_;
    std::int64_t cand_index = cand_index_;
    double cand_height = cand_height_;
    const double jump_limit = jump_limit_;
    const std::int64_t n0 = n_ - static_cast<std::int64_t>(from);
    std::size_t i = from;
    for (; i < end; ++i) {
        const double x = chunk_x_[i];
        const float mwi_f = chunk_mwi_[i];
        const double mwi = mwi_f;
        const std::int64_t n = n0 + static_cast<std::int64_t>(i);
        if (!chunk_finite_[i] || x == run_value || (std::fabs(x - last_good) > jump_limit && jump_limit > 0.0))
            break;
        bool h = have_cand;
        std::int64_t ci = cand_index;
        double ch = cand_height;
        if (prev > prev2 && prev >= mwi && (!h || prev > ch)) {
            h = true;
            ci = n - 1;
            ch = prev;
        }
        if (h && (mwi < 0.5 * ch || n - ci >= refractory_)) break;  // a decision: step()
        have_cand = h;
        cand_index = ci;
        cand_height = ch;
        prev2 = prev;
        prev = mwi;
        blk_min = std::min(blk_min, x);
        blk_max = std::max(blk_max, x);
        blk_mwi_min = std::min(blk_mwi_min, mwi);
        run_value = x;
        last_good = x;
    }
    if (i == from) return from;
    blk_min_ = blk_min;
    blk_max_ = blk_max;
    blk_mwi_min_ = blk_mwi_min;
    blk_finite_ += static_cast<std::int64_t>(i - from);
    run_value_ = run_value;
    run_len_ = 1;
    last_good_x_ = last_good;
    mwi_prev_ = prev;
    mwi_prev2_ = prev2;
    have_candidate_ = have_cand;
    cand_index_ = cand_index;
    cand_height_ = cand_height;
    last_band_ = chunk_band_[i - 1];
    last_mwi_ = chunk_mwi_[i - 1];
    n_ += static_cast<std::int64_t>(i - from);
    return i;
}

// One sample through every check (the reference path).
void Pantompkins1985::step(std::size_t i) noexcept {
    {
        const double v = chunk_x_[i];
        const bool finite = chunk_finite_[i];
        last_band_ = chunk_band_[i];
        last_mwi_ = chunk_mwi_[i];
        update_quality(v, finite);
        if (finite) {
            last_good_x_ = v;
            have_x_ = true;
        }
        track_integral_peaks();
        if (learning_) {
            learn_sum_ += last_mwi_;
            ++learn_count_;
            if (n_ + 1 >= learning_end_) end_learning();
        } else if (n_ >= watch_from_) {
            check_searchback();  // only once a search-back or relearning could be due
        }
        ++n_;
        if (n_ >= block_end_) close_block();
    }
}

bool Pantompkins1985::finish() noexcept {
    out_count_ = 0;
    quality_ready_ = false;
    out_quality_count_ = 0;
    if (have_candidate_) {
        have_candidate_ = false;
        decide(locate(cand_index_, cand_height_));
    }
    if (learning_ && pending_count_ > 0) end_learning();
    if (n_ > block_start_) close_block();
    while (held_count_ > 0) release_quality();
    return out_count_ > 0 || quality_ready_;
}

void Pantompkins1985::prime_filters(double x0) noexcept {
    // Start every filter in its steady state for the first value, so a DC offset (common in
    // exported recordings) does not ring through the detector at the start.
    chain_.dc_prev_x = x0;
    chain_.dc_y = 0.0;
    ecg_detail::Biquad& q = chain_.hp;  // a high-pass settles to output 0 for a constant input
    const double y = (q.b0 + q.b1 + q.b2) / (1.0 + q.a1 + q.a2) * x0;
    q.z2 = q.b2 * x0 - q.a2 * y;
    q.z1 = q.b1 * x0 - q.a1 * y + q.z2;
    chain_.lp.z1 = chain_.lp.z2 = 0.0;
}

// Filters the chunk ahead of the decisions (samples n_ .. n_ + xs.size() - 1). A lost sample
// holds the last good value so the filters do not ring; quality marks it.
void Pantompkins1985::filter_chunk(std::span<const float> xs) noexcept {
    std::size_t from = 0;
    if (!have_x_) {  // the first finite sample primes the filters
        while (from < xs.size() && !std::isfinite(xs[from])) ++from;
        run_filters(xs.data(), 0, from);
        if (from == xs.size()) return;
        prime_filters(xs[from]);
    }
    run_filters(xs.data(), from, xs.size());
}


ecg_detail::Rings Pantompkins1985::rings() noexcept {
    return {raw_.data(), band_.data(), slope_.data(), squares_.data(), raw_.mask(), squares_.mask()};
}

void Pantompkins1985::run_filters(const float* xs, std::size_t from, std::size_t to) noexcept {
    ecg_detail::FilterChain c = chain_;  // local copy: the state stays in registers
    // The last good value before sample `from`: the decisions have not seen this chunk yet.
    double last_good = last_good_x_;
    for (std::size_t i = 0; i < from; ++i)
        if (chunk_finite_[i]) last_good = chunk_x_[i];
    const Rings r = rings();
    const std::size_t n0 = static_cast<std::size_t>(n_);
    for (std::size_t i = from; i < to; ++i) {
        const float x = xs[i];
        const bool finite = std::isfinite(x);
        const double v = finite ? static_cast<double>(x) : last_good;
        last_good = v;
        chunk_x_[i] = static_cast<float>(v);
        chunk_finite_[i] = finite;
        const Filtered f = filter_sample(c, r, n0 + i, v);
        chunk_band_[i] = static_cast<float>(f.band);
        chunk_mwi_[i] = static_cast<float>(f.mwi);
    }
    chain_ = c;
}

// [SECTION] Integral peaks -------------------------------------------------------------------

void Pantompkins1985::track_integral_peaks() noexcept {
    const double mwi = last_mwi_;
    if (mwi_prev_ > mwi_prev2_ && mwi_prev_ >= mwi) {  // local maximum at n - 1
        if (!have_candidate_ || mwi_prev_ > cand_height_) {
            have_candidate_ = true;
            cand_index_ = n_ - 1;
            cand_height_ = mwi_prev_;
        }
    }
    mwi_prev2_ = mwi_prev_;
    mwi_prev_ = mwi;
    // The integral lobe is over once it has fallen to half its peak (or after the refractory
    // period, whichever first): decide then, which keeps the beat latency short.
    if (have_candidate_ && (mwi < 0.5 * cand_height_ || n_ - cand_index_ >= refractory_)) {
        have_candidate_ = false;
        decide(locate(cand_index_, cand_height_));
    }
}

// [SECTION] Peak placement -------------------------------------------------------------------

Pantompkins1985::Candidate Pantompkins1985::locate(std::int64_t m, double height) const noexcept {
    Candidate c;
    c.mwi_index = m;
    c.height = height;
    const std::int64_t oldest = std::max<std::int64_t>(0, n_ - static_cast<std::int64_t>(raw_.length()) + 1);
    // The integral peak closes the QRS: its energy lies in the integration window before m.
    const std::int64_t qrs_from = std::max(oldest, m - mwi_len_ - 2);
    std::int64_t centre = m;
    float best = -1.0f;
    double slope = 0.0;
    for (std::int64_t i = qrs_from; i <= m; ++i) {
        const float b = std::fabs(band_.at(i));
        if (b > best) {
            best = b;
            centre = i;
        }
        slope = std::max(slope, static_cast<double>(slope_.at(i)));
    }
    c.slope = slope;
    // The band-pass lags the waveform a little: look mostly before its largest deflection.
    const std::int64_t from = std::max(oldest, centre - refine_half_);
    const std::int64_t to = std::min(n_, centre + refine_half_ / 2);
    std::int64_t imax = from, imin = from;
    float vmax = raw_.at(from), vmin = raw_.at(from);
    for (std::int64_t i = from + 1; i <= to; ++i) {
        const float v = raw_.at(i);
        if (v > vmax) {
            vmax = v;
            imax = i;
        }
        if (v < vmin) {
            vmin = v;
            imin = i;
        }
    }
    auto refine = [&](std::int64_t i) {
        if (i <= oldest || i >= n_) return static_cast<double>(i);
        return static_cast<double>(i) + parabolic_offset(raw_.at(i - 1), raw_.at(i), raw_.at(i + 1));
    };
    c.pos_sample = refine(imax);
    c.neg_sample = refine(imin);
    c.pos_amp = vmax;
    c.neg_amp = vmin;
    c.peak_sample = polarity_score_ >= 0.0 ? c.pos_sample : c.neg_sample;
    c.artifact = last_artifact_ >= from - refine_half_;
    return c;
}

double Pantompkins1985::placed_sample(const Candidate& c) const noexcept {
    return polarity_score_ >= 0.0 ? c.pos_sample : c.neg_sample;
}

// [SECTION] Decisions ------------------------------------------------------------------------

void Pantompkins1985::decide(const Candidate& c) noexcept {
    if (learning_) {
        if (!c.artifact) learn_max_ = std::max(learn_max_, c.height);
        add_pending(c);
        return;
    }
    classify(c);
}

void Pantompkins1985::add_pending(const Candidate& c) noexcept {
    if (pending_count_ < kMaxPending) {
        pending_[pending_count_++] = c;
        return;
    }
    // Full: replace the lowest if the new one is higher (the pool is for the largest peaks).
    std::size_t low = 0;
    for (std::size_t i = 1; i < pending_count_; ++i)
        if (pending_[i].height < pending_[low].height) low = i;
    if (c.height <= pending_[low].height) return;
    for (std::size_t i = low; i + 1 < pending_count_; ++i) pending_[i] = pending_[i + 1];
    pending_[pending_count_ - 1] = c;
}

void Pantompkins1985::end_learning() noexcept {
    if (learn_max_ <= 0.0 || pending_count_ == 0) {
        // Nothing that looks like a QRS yet (flat or absent signal): keep learning.
        learning_end_ = n_ + 1 + learning_len_;
        learn_max_ = learn_sum_ = 0.0;
        learn_count_ = 0;
        pending_count_ = 0;
        return;
    }
    learning_ = false;
    // Initial levels: half the largest integral peak (robust to one outlier) and half the mean.
    spki_ = 0.5 * learn_max_;
    npki_ = 0.5 * (learn_count_ > 0 ? learn_sum_ / static_cast<double>(learn_count_) : 0.0);
    // Lead polarity and typical R height from the candidates that pass the first threshold.
    std::array<float, kMaxPending> heights{};
    std::size_t nh = 0;
    double vote = 0.0;
    for (std::size_t i = 0; i < pending_count_; ++i) {
        const Candidate& c = pending_[i];
        if (c.height <= threshold1() || c.artifact) continue;
        const double pos = std::max(0.0f, c.pos_amp), neg = std::max(0.0f, -c.neg_amp);
        vote += (pos - neg) / (pos + neg + 1e-30);
        heights[nh++] = static_cast<float>(std::max(pos, neg));
    }
    polarity_score_ = vote >= 0.0 ? 0.1 : -0.1;
    if (nh > 0) {
        std::nth_element(heights.begin(), heights.begin() + static_cast<long>(nh / 2), heights.begin() + static_cast<long>(nh));
        qrs_height_ = heights[nh / 2];
        jump_limit_ = cfg_.jump_factor * qrs_height_;
    }
    // Classify the learning candidates in time order, as if they had come now.
    std::array<Candidate, kMaxPending> learned = pending_;
    const std::size_t count = pending_count_;
    std::sort(learned.begin(), learned.begin() + static_cast<long>(count),
              [](const Candidate& a, const Candidate& b) { return a.mwi_index < b.mwi_index; });
    pending_count_ = 0;
    for (std::size_t i = 0; i < count; ++i) {
        Candidate c = learned[i];
        c.peak_sample = placed_sample(c);
        classify(c);
    }
}

void Pantompkins1985::classify(const Candidate& c) noexcept {
    if (spki_ > 0.0 && c.height > kBigPeakFraction * spki_) ++blk_big_peaks_;
    if (have_beat_ && c.mwi_index - last_beat_mwi_ < refractory_) return;
    const double thr1 = threshold1();
    if (c.height > thr1) {
        const bool t_wave = have_beat_ && c.mwi_index - last_beat_mwi_ < t_wave_ &&
                            c.slope < 0.5 * last_slope_;
        if (!t_wave) {
            Candidate shaped = c;
            const double interval = have_beat_ ? c.peak_sample - last_beat_sample_ : 0.0;
            check_shape(shaped);
            if (shaped.misshapen) {
                // One odd beat in a long clean stretch is likely an ectopic beat of a shape not
                // seen yet: it is kept (Doubtful). Noise brings odd shapes in bursts.
                const bool isolated = n_ - last_odd_ > odd_memory_;
                last_odd_ = n_;
                shaped.misshapen = !isolated;
                shaped.odd = isolated;
            }
            if (shaped.misshapen) {
                reject_misshapen(shaped);
            } else {
                // A beat too soon after a kept odd beat but on time after the beat before it:
                // the odd beat was no heartbeat, and this beat's RR is not the interval from it.
                const double ref = rhythm_reference();
                if (after_odd_beat() && c.peak_sample - last_beat_sample_ < kPrematureFraction * ref &&
                    c.peak_sample - ectopic_before_ >= kPrematureFraction * ref)
                    rr_break_ = true;
                note_growth(shaped, interval);
                accept(shaped, false);
                learn_shape(shaped, interval);
            }
            return;
        }
        npki_ = 0.125 * c.height + 0.875 * npki_;
        return;
    }
    if (!c.artifact) npki_ = 0.125 * c.height + 0.875 * npki_;
    if (spki_ > 0.0) blk_noise_peak_ = std::max(blk_noise_peak_, c.height / spki_);
    if (c.height > 0.5 * thr1) {  // search-back pool (above THR2)
        Candidate shaped = c;
        check_shape(shaped);
        add_pending(shaped);
        // THR2 rises with the noise level: by search-back time this one may be below it.
        note_quiet(shaped, last_match_.known ? last_match_.usual : 0.0f);
    } else {
        note_quiet(c, -1.0f);
    }
}

// A signal that suddenly shrinks (an electrode half off, a strap loosened) leaves its beats below
// both thresholds, learnt on the larger beats; Pan-Tompkins' search-back then finds nothing and
// the beats would be lost until the levels are learnt again (relearn_after_s). The shape is the
// same at any size, so the highest sub-threshold candidate since the last beat is remembered
// with its match to the usual QRS, for check_searchback.
// usual_r < 0: not matched yet.
void Pantompkins1985::note_quiet(const Candidate& c, float usual_r) noexcept {
    if (c.artifact || c.misshapen || !have_beat_ || !templates_.has_usual() || c.height <= npki_) return;
    if (have_quiet_ && c.height <= quiet_best_.height) return;
    if (usual_r < 0.0f) {
        const std::int64_t oldest = std::max<std::int64_t>(0, n_ - static_cast<std::int64_t>(raw_.length()) + 1);
        const auto m = templates_.match(raw_, c.peak_sample, oldest, n_ - 1);
        usual_r = m.known ? static_cast<float>(m.usual) : 0.0f;
    }
    quiet_best_ = c;
    quiet_r_ = usual_r;
    have_quiet_ = true;
}

// The remembered quiet candidate is taken as the missed beat when it has the usual shape
// closely (above the learning match: in noise, 0.8 let noise through on mitdb 106 + 12 dB) and
// comes about one rhythm interval after the last beat.
bool Pantompkins1985::quiet_beat_due() const noexcept {
    if (!have_quiet_ || quiet_r_ < kQuietMatchR) return false;
    const double ref = rhythm_reference();
    const double interval = placed_sample(quiet_best_) - last_beat_sample_;
    return ref > 0.0 && interval > 0.7 * ref && interval < 1.4 * ref;
}

// [SECTION] QRS shape ------------------------------------------------------------------------

// A candidate is misshapen when its QRS matches neither the usual nor the ectopic template and
// it comes early (premature): noise between beats. A late or on-time beat of a new shape is
// still a beat (the rhythm vouches for it), and so is anything before the templates exist.
void Pantompkins1985::check_shape(Candidate& c) noexcept {
    const std::int64_t oldest = std::max<std::int64_t>(0, n_ - static_cast<std::int64_t>(raw_.length()) + 1);
    last_match_ = templates_.match(raw_, c.peak_sample, oldest, n_ - 1);
    const double ref = rhythm_reference();
    if (!last_match_.known || !have_beat_ || ref <= 0.0) return;
    const double r = cfg_.template_match_r;
    if (last_match_.usual >= r || last_match_.ectopic >= r) return;
    // After a kept odd beat, count from the beat before it: an ectopic beat is followed by a
    // pause, so a beat on time after that earlier one means the odd beat was not a heartbeat.
    const double from = after_odd_beat() ? ectopic_before_ : last_beat_sample_;
    c.misshapen = c.peak_sample - from < kPrematureFraction * ref;
}

// Not a beat: it goes out as an Artifact (never counted; the next beat's RR is not bridged over
// it), it lowers the quality of its second, and it is held in case the next beat proves it was
// an ectopic beat of a new shape (then that shape becomes the ectopic template).
void Pantompkins1985::reject_misshapen(const Candidate& c) noexcept {
    if (c.peak_sample / fs_ > last_emitted_time_) emit(c.peak_sample, polarity_score_ >= 0.0 ? c.pos_amp : c.neg_amp, BeatQuality::Artifact);
    mark_rhythm(c.peak_sample);
    templates_.hold_ectopic_candidate();
    ectopic_candidate_ = c.peak_sample;
    ectopic_before_ = last_beat_sample_;
    add_pending(c);
}

// After a beat accepted by threshold (interval = from the previous beat, 0 if none).
void Pantompkins1985::learn_shape(const Candidate& c, double interval) noexcept {
    const double ref = rhythm_reference();
    const double previous = c.peak_sample - interval;
    if (ectopic_candidate_ >= 0.0 && interval > 0.0 && ref > 0.0 &&
        (previous == ectopic_before_ || previous == ectopic_candidate_)) {
        // Premature and followed by a compensatory pause: the two intervals make about two.
        const double a = ectopic_candidate_ - ectopic_before_, b = c.peak_sample - ectopic_candidate_;
        if (a > 0.0 && b > 0.0 && a < 0.85 * b && a + b > 1.6 * ref && a + b < 2.4 * ref)
            templates_.promote_ectopic_candidate();
    }
    ectopic_candidate_ = -1.0;
    if (c.artifact) return;  // a wrap or rail in it: its shape is the converter's, not the heart's
    if (c.odd) {  // an odd beat kept: the next beat may prove it ectopic
        templates_.hold_ectopic_candidate();
        ectopic_candidate_ = c.peak_sample;
        ectopic_before_ = previous;
        return;
    }
    if (interval <= 0.0 || ref <= 0.0) return;
    const auto& m = last_match_;
    if (m.ectopic >= cfg_.template_learn_r && m.ectopic > m.usual && interval < kPrematureFraction * ref) {
        templates_.learn_ectopic();
        return;
    }
    if (interval < 0.9 * ref || interval > 1.2 * ref) return;  // only regular beats teach the usual shape
    if (!templates_.has_usual() || m.usual >= cfg_.template_learn_r) {
        unmatched_run_ = 0;
        templates_.learn_usual();
    } else if (m.usual < cfg_.template_match_r && m.ectopic < cfg_.template_match_r) {
        // Regular beats of another shape: if three in a row share it amid no odd shapes, the beat
        // itself changed (electrode moved, axis shift) and the usual template starts again from
        // them. Noise (odd shapes in bursts) leaves the template alone.
        const bool calm = n_ - last_odd_ > odd_memory_;  // no odd shapes lately: not noise
        if (calm && m.fresh >= cfg_.template_learn_r && ++unmatched_run_ >= 2) {
            unmatched_run_ = 0;
            templates_.adopt_fresh();
        } else if (m.fresh < cfg_.template_learn_r) {
            unmatched_run_ = 0;
            templates_.hold_fresh();
        }
    }
}

// A signal that suddenly grows (electrode re-seated, gain switched) has QRS slopes steeper than
// the jump limit learnt on the smaller beats; with every beat then an artifact, the typical height
// would never be learnt again. Beats flagged for steep steps alone that come on time and have the
// usual shape are that grown signal, not a wrap-around (which breaks the shape, and artifacts do
// not teach the templates): after three in a row, their median height becomes the typical height.
// The three stay artifacts.
void Pantompkins1985::note_growth(const Candidate& c, double interval) noexcept {
    const double ref = rhythm_reference();
    const auto peak = static_cast<std::int64_t>(c.peak_sample);
    const double pos = std::max(0.0f, c.pos_amp), neg = std::max(0.0f, -c.neg_amp);
    const double height = std::max(pos, neg);
    // Growth keeps the balance of the R and S extremes (up to sampling: +-0.3 at 130 Hz); a wrap
    // moves one extreme to the other side.
    const bool balanced = std::fabs((pos - neg) / (pos + neg + 1e-30) - polarity_score_) < 0.5;
    const bool grown = c.artifact && last_hard_artifact_ < peak - block_len_ && height > qrs_height_ && balanced &&
                       last_match_.known && last_match_.usual >= cfg_.template_learn_r && ref > 0.0 &&
                       interval > 0.8 * ref && interval < 1.25 * ref;
    if (!grown) {
        grown_count_ = 0;
        return;
    }
    grown_heights_[grown_count_++] = static_cast<float>(height);
    if (grown_count_ < grown_heights_.size()) return;
    grown_count_ = 0;
    std::sort(grown_heights_.begin(), grown_heights_.end());
    qrs_height_ = grown_heights_[grown_heights_.size() / 2];
    jump_limit_ = cfg_.jump_factor * qrs_height_;
}

void Pantompkins1985::update_watch() noexcept {
    if (!have_beat_) {
        watch_from_ = n_;
        return;
    }
    const double limit = cfg_.searchback_rr_factor * (rr_avg2_ > 0.0 ? rr_avg2_ : fs_);
    watch_from_ = last_beat_mwi_ + std::min(relearn_len_, static_cast<std::int64_t>(limit));
}

void Pantompkins1985::check_searchback() noexcept {
    const std::int64_t since = n_ - last_beat_mwi_;
    if (have_beat_ && since > relearn_len_) {
        relearn();
        return;
    }
    if (!have_beat_ || (pending_count_ == 0 && !have_quiet_)) return;
    const double limit = cfg_.searchback_rr_factor * (rr_avg2_ > 0.0 ? rr_avg2_ : fs_);
    if (static_cast<double>(since) <= limit) return;
    const double thr2 = 0.5 * threshold1();
    std::size_t best = kMaxPending;
    for (std::size_t i = 0; i < pending_count_; ++i) {
        const Candidate& c = pending_[i];
        if (c.mwi_index - last_beat_mwi_ < refractory_ || c.height <= thr2 || c.misshapen) continue;
        if (best == kMaxPending || c.height > pending_[best].height) best = i;
    }
    if (best == kMaxPending) {
        pending_count_ = 0;
        if (quiet_beat_due()) {
            Candidate c = quiet_best_;
            c.peak_sample = placed_sample(c);
            accept(c, true);
        }
        return;  // otherwise nothing worth a beat; wait for the next peaks
    }
    Candidate c = pending_[best];
    c.peak_sample = placed_sample(c);
    accept(c, true);
}

void Pantompkins1985::relearn() noexcept {
    // Lost the rhythm for several seconds (contact lost, electrode moved): learn the levels again.
    learning_ = true;
    learning_end_ = n_ + learning_len_;
    learn_max_ = learn_sum_ = 0.0;
    learn_count_ = 0;
    pending_count_ = 0;
    have_quiet_ = false;
    have_beat_ = false;
    rr_break_ = true;
    watch_from_ = 0;
    recent_count_ = 0;
    ectopic_candidate_ = -1.0;
}

void Pantompkins1985::accept(const Candidate& c, bool searchback) noexcept {
    // Limit how far one outlier (a motion spike) can raise the signal level.
    const double h = spki_ > 0.0 ? std::min(c.height, 4.0 * spki_) : c.height;
    if (!c.artifact) spki_ = searchback ? 0.25 * h + 0.75 * spki_ : 0.125 * h + 0.875 * spki_;
    const double sample = c.peak_sample;
    if (have_beat_) update_rr(sample - last_beat_sample_);
    if (!c.artifact) note_rhythm(sample);
    if (!c.artifact && !searchback) {
        const double pos = std::max(0.0f, c.pos_amp), neg = std::max(0.0f, -c.neg_amp);
        polarity_score_ = 0.9 * polarity_score_ + 0.1 * (pos - neg) / (pos + neg + 1e-30);
        const double height = std::max(pos, neg);
        qrs_height_ = qrs_height_ > 0.0 ? 0.875 * qrs_height_ + 0.125 * std::min(height, 3.0 * qrs_height_) : height;
        jump_limit_ = cfg_.jump_factor * qrs_height_;
    }
    if (!searchback) ++blk_beats_;
    have_beat_ = true;
    last_beat_mwi_ = c.mwi_index;
    update_watch();
    last_beat_sample_ = sample;
    if (!searchback || last_slope_ <= 0.0) last_slope_ = c.slope;

    // Drop search-back candidates at or before this beat; later ones stay in the pool.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < pending_count_; ++i)
        if (pending_[i].mwi_index > c.mwi_index) pending_[kept++] = pending_[i];
    pending_count_ = kept;
    have_quiet_ = false;

    BeatQuality q = BeatQuality::Good;
    const std::int64_t peak_index = static_cast<std::int64_t>(sample);
    if (c.artifact || last_artifact_ >= peak_index - block_len_ / 2)
        q = BeatQuality::Artifact;
    else if (searchback || c.odd || std::max(last_block_noise_, blk_noise_peak_) >= cfg_.noisy_fraction)
        q = BeatQuality::Doubtful;
    const float amp = polarity_score_ >= 0.0 ? c.pos_amp : c.neg_amp;
    emit(sample, amp, q);
}

void Pantompkins1985::update_rr(double rr) noexcept {
    if (rr < 0.2 * fs_ || rr > 3.0 * fs_) return;  // not a plausible single interval
    rr_recent_[rr_recent_i_] = rr;
    rr_recent_i_ = (rr_recent_i_ + 1) % rr_recent_.size();
    rr_recent_n_ = std::min(rr_recent_n_ + 1, rr_recent_.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < rr_recent_n_; ++i) sum += rr_recent_[i];
    rr_avg1_ = sum / static_cast<double>(rr_recent_n_);
    // The "regular" average only takes intervals within 92-116 % of itself (Pan-Tompkins);
    // after eight misses in a row the rhythm has changed and it restarts from the recent one.
    const bool regular = rr_avg2_ <= 0.0 || (rr > 0.92 * rr_avg2_ && rr < 1.16 * rr_avg2_);
    if (regular) {
        rr_irregular_run_ = 0;
        rr_regular_[rr_regular_i_] = rr;
        rr_regular_i_ = (rr_regular_i_ + 1) % rr_regular_.size();
        rr_regular_n_ = std::min(rr_regular_n_ + 1, rr_regular_.size());
        double s = 0.0;
        for (std::size_t i = 0; i < rr_regular_n_; ++i) s += rr_regular_[i];
        rr_avg2_ = s / static_cast<double>(rr_regular_n_);
    } else if (++rr_irregular_run_ >= 8) {
        rr_irregular_run_ = 0;
        rr_regular_ = rr_recent_;
        rr_regular_n_ = rr_recent_n_;
        rr_regular_i_ = rr_recent_i_;
        rr_avg2_ = rr_avg1_;
    }
}

void Pantompkins1985::emit(double sample, float amplitude, BeatQuality q) noexcept {
    if (out_count_ >= out_.size()) return;  // cannot happen: at most one learning batch + 1
    Beat b;
    b.time_s = sample / fs_;
    b.amplitude = amplitude;
    b.quality = q;
    b.rr_ms = (rr_break_ || q == BeatQuality::Artifact || last_emitted_time_ < 0.0)
                  ? 0.0
                  : (b.time_s - last_emitted_time_) * 1000.0;
    rr_break_ = q == BeatQuality::Artifact;
    last_emitted_time_ = b.time_s;
    out_[out_count_++] = b;
}

// [SECTION] Quality --------------------------------------------------------------------------

void Pantompkins1985::update_quality(double x, bool finite) noexcept {
    if (!finite) {
        blk_non_finite_ = true;
        last_artifact_ = last_hard_artifact_ = n_;
        return;
    }
    if (blk_finite_ == 0) {
        blk_min_ = blk_max_ = x;
        blk_mwi_min_ = last_mwi_;
    } else {
        blk_min_ = std::min(blk_min_, x);
        blk_max_ = std::max(blk_max_, x);
        blk_mwi_min_ = std::min(blk_mwi_min_, static_cast<double>(last_mwi_));
    }
    ++blk_finite_;
    if (x == run_value_) {
        // Held value: a dead channel after a long run; clipping when it sits at the extreme of
        // the block (an R peak is sharp and never holds its value this long).
        if (++run_len_ >= clip_run_len_) {
            if (run_len_ >= flat_run_len_) last_artifact_ = last_hard_artifact_ = n_;
            const bool wide = blk_max_ - blk_min_ > (qrs_height_ > 0.0 ? 0.5 * qrs_height_ : 0.0);
            if (wide && (x >= blk_max_ || x <= blk_min_)) {
                blk_clip_ = true;
                last_artifact_ = last_hard_artifact_ = n_;
            }
        }
    } else {
        run_value_ = x;
        run_len_ = 1;
    }
    // Wrap-around or rail jump: a step no heart produces in one sample (limit 0 = not learned).
    if (std::fabs(x - last_good_x_) > jump_limit_ && jump_limit_ > 0.0 && have_x_) {
        blk_jump_ = true;
        last_artifact_ = n_;
    }
}

double Pantompkins1985::current_block_noise() const noexcept {
    if (spki_ <= 0.0) return 0.0;
    return std::max(blk_noise_peak_, 2.0 * blk_mwi_min_ / spki_);
}

void Pantompkins1985::close_block() noexcept {
    QualitySecond q;
    q.second = block_index_;
    q.non_finite = blk_non_finite_;
    q.jumps = blk_jump_;
    q.clipped = blk_clip_;
    const double ptp = blk_max_ - blk_min_;
    q.flat = blk_finite_ > 0 && (ptp <= 1e-9 || (qrs_height_ > 0.0 && ptp < cfg_.flat_fraction * qrs_height_));
    if (blk_finite_ == 0) q.non_finite = true;
    const double noise = current_block_noise();
    q.noisy = noise >= cfg_.noisy_fraction;
    if (q.flat) last_artifact_ = last_hard_artifact_ = n_;

    if (q.flat || q.clipped || q.jumps || q.non_finite || noise >= 1.0) {
        q.sqi = 0.0f;
    } else {
        // Noise peaks up to a quarter of the QRS level are ordinary (P waves, small T waves).
        q.sqi = static_cast<float>(std::clamp(1.0 - (noise - 0.25) / 0.75, 0.0, 1.0));
    }
    q.extra_peaks = static_cast<std::uint16_t>(std::clamp<std::int64_t>(blk_big_peaks_ - blk_beats_, 0, 65535));
    q.noise = static_cast<float>(noise);
    q.floor = static_cast<float>(spki_ > 0.0 ? blk_mwi_min_ / spki_ : 0.0);
    hold_quality(q);
    last_block_noise_ = noise;

    ++block_index_;
    block_start_ = n_;
    block_end_ = static_cast<std::int64_t>(std::ceil(static_cast<double>(block_index_ + 1) * fs_));
    blk_finite_ = 0;
    blk_noise_peak_ = 0.0;
    blk_big_peaks_ = blk_beats_ = 0;
    blk_clip_ = blk_non_finite_ = blk_jump_ = false;
}

// Rhythm evidence for the quality index. Noise detections split a normal interval in two
// ("extra" beats: two intervals that together make about one), and noise hides beats (an
// interval far longer than the rhythm). Premature beats do neither: a PVC's short interval is
// followed by a compensatory pause (together about two intervals).
void Pantompkins1985::note_rhythm(double sample) noexcept {
    // The rhythm reference follows only intervals close to itself, and slowly (about 20 beats),
    // so a burst of noise detections does not drag it along.
    if (recent_count_ >= 1) {
        const double rr = sample - recent_[1];
        if (rhythm_rr_ <= 0.0) {
            if (rr_avg2_ > 0.0) rhythm_rr_ = rr_avg2_;
        } else if (rr > 0.75 * rhythm_rr_ && rr < 1.25 * rhythm_rr_) {
            rhythm_rr_ += 0.05 * (rr - rhythm_rr_);
        } else if (rr_irregular_run_ == 0 && rr_avg2_ > 0.0) {
            rhythm_rr_ += 0.05 * (rr_avg2_ - rhythm_rr_);  // the rhythm really changed
        }
    }
    const double ref = rhythm_rr_;
    if (recent_count_ >= 2 && ref > 0.0) {
        const double a = recent_[1] - recent_[0], b = sample - recent_[1];
        if (a + b < 1.3 * ref && std::min(a, b) < 0.65 * ref) mark_rhythm(recent_[1]);
        if (b > 1.8 * ref) {
            mark_rhythm(recent_[1]);
            mark_rhythm(sample);
        }
    }
    recent_[0] = recent_[1];
    recent_[1] = sample;
    recent_count_ = std::min<std::size_t>(recent_count_ + 1, 2);
}

void Pantompkins1985::mark_rhythm(double sample) noexcept {
    const auto block = static_cast<std::int64_t>(sample / fs_);
    const std::size_t slot = static_cast<std::size_t>(block) % rhythm_block_.size();
    if (rhythm_block_[slot] != block) {
        rhythm_block_[slot] = block;
        rhythm_marks_[slot] = 0;
    }
    if (rhythm_marks_[slot] < 255) ++rhythm_marks_[slot];
}

// Quality of a block is released kQualityDelayBlocks later, once the beats around it are known.
void Pantompkins1985::hold_quality(const QualitySecond& q) noexcept {
    held_[held_count_++] = q;
    if (held_count_ > kQualityDelayBlocks) release_quality();
}

void Pantompkins1985::release_quality() noexcept {
    QualitySecond q = held_[0];
    for (std::size_t i = 1; i < held_count_; ++i) held_[i - 1] = held_[i];
    --held_count_;
    const std::size_t slot = static_cast<std::size_t>(q.second) % rhythm_block_.size();
    if (rhythm_block_[slot] == q.second && rhythm_marks_[slot] > 0) {
        q.rhythm_marks = rhythm_marks_[slot];
        q.noisy = true;
        q.sqi = std::min(q.sqi, kRhythmSuspectSqi);
    }
    if (out_quality_count_ < out_quality_.size()) out_quality_[out_quality_count_++] = q;
    quality_ready_ = true;
}

// [SECTION] Batch form -----------------------------------------------------------------------

EcgPeaksResult ecg_peaks_pantompkins1985(std::span<const float> ecg, double fs_hz,
                                         const EcgPeaksConfig& config) {
    Pantompkins1985 detector(fs_hz, config);
    EcgPeaksResult result;
    auto collect = [&] {
        for (const Beat& b : detector.ready_beats()) result.beats.push_back(b);
        for (const QualitySecond& q : detector.ready_quality_all()) result.quality.push_back(q);
    };
    detector.push_block(ecg, [&](const Pantompkins1985&) { collect(); });
    if (detector.finish()) collect();
    return result;
}

}  // namespace attune::signal
