// ECG R-peak detection after Pan & Tompkins (1985), "A real-time QRS detection algorithm",
// IEEE Trans. Biomed. Eng. 32(3):230-236, with the usual modern refinements, plus a signal
// quality index that keeps flat lines, clipping, rail wrap-around and noise out of the beats.
//
// [SECTION] Pantompkins1985 - streaming R-peak detector
//   Signal path per sample:
//     x ─► band-pass 5–15 Hz (2nd-order Butterworth HP + LP, bilinear) ─► 5-point derivative
//       ─► square ─► moving-window integration (150 ms) ─► peak picking on the integral
//     x ─► DC blocker (0.5 Hz) ─► history used to place the R peak on the real waveform
//   Decisions (at each integral peak, once the integral has fallen below half of it):
//     - adaptive thresholds: SPKI/NPKI running peak levels, THR1 = NPKI + 0.25 (SPKI - NPKI),
//       THR2 = THR1 / 2;
//     - 200 ms refractory period; T-wave test inside 360 ms (slope < half the last QRS slope);
//     - search-back: no beat for 1.66 x the regular RR average -> take the largest peak above
//       THR2 since the last beat;
//     - learning: the first 2 s set the levels; the beats found in them are emitted at 2 s.
//     - QRS shape (ecg_template.hpp): a premature candidate whose waveform matches neither the
//       usual nor the (rhythm-proven) ectopic template is no beat: it goes out as Artifact and
//       marks its second (SQI <= 0.3); the first such shape after 30 s is kept as Doubtful.
//   Peak placement: the largest band-passed deflection locates the QRS; the R peak is the
//   extremum of the baseline-free signal with the lead's dominant polarity (learned over the
//   beats, so inverted leads work) within +-60 ms, refined to sub-sample time by a parabola.
//   Delay: a beat is emitted 150–300 ms after its R peak (search-back beats when the gap is
//   noticed, up to 1.66 RR; learning beats at 2 s). Cost: ~30 flops per sample, constant
//   memory (history rings of ~1 s + one chunk allocated at construction), nothing allocated
//   per sample. push_block() is the fast path (~160 instructions per sample against ~225 for
//   push(); same results): the filters run over a chunk with their state in registers, then
//   the ordinary samples (no decision, block end or artifact) are scanned in registers too.
//
// [SECTION] Signal quality (per second and per beat)
//   Every 1 s block of input gets an index in [0, 1]: 0 = unreadable (flat line, clipped at a
//   rail, wrap-around jumps, non-finite samples, or noise as large as the QRS complexes),
//   otherwise 1 - the noise level (integral peaks rejected as noise, relative to the QRS level),
//   capped at 0.3 when the beat rhythm found there betrays noise: an "extra" beat splitting one
//   interval in two, or an interval far longer than the rhythm (a hidden beat). Premature beats
//   (PVCs, APCs) are followed by a compensatory pause and are not penalised. The index of a
//   block is released 2 blocks after it ends, once the beats around it are known.
//   A beat whose surroundings (0.5 s before it up to its emission) hold a rail/flat/jump event
//   is an Artifact; a beat found by search-back or amid noise is Doubtful.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "attune/signal/beat.hpp"
#include "attune/signal/ecg_template.hpp"

namespace attune::signal {

struct EcgPeaksConfig {
    double band_low_hz = 5.0;        // Pan-Tompkins pass band (QRS energy sits at 5-15 Hz)
    double band_high_hz = 15.0;
    double integration_s = 0.150;    // moving-window integration, about a wide QRS
    double refractory_s = 0.200;     // no second depolarisation within 200 ms
    double t_wave_window_s = 0.360;  // candidates this close to a beat get the T-wave test
    double searchback_rr_factor = 1.66;
    double learning_s = 2.0;
    double relearn_after_s = 5.0;    // no beat this long (lost contact): learn levels again
    double refine_halfwidth_s = 0.060;
    double baseline_hz = 0.5;        // DC blocker for the R-peak placement signal
    // Quality: a flat line has a peak-to-peak below this fraction of the typical QRS height.
    double flat_fraction = 0.02;
    // Clipping: a run of identical samples at least this long at the block's extreme.
    double clip_run_s = 0.020;
    // Dead channel: identical samples for this long.
    double flat_run_s = 1.0;
    // Wrap-around / rail jump: one-sample step above this multiple of the typical QRS height.
    double jump_factor = 1.5;
    // Noise: a block whose largest noise peak reaches this fraction of the QRS level is noisy;
    // at 1.0 (noise as large as the beats) it is unreadable.
    double noisy_fraction = 0.5;
    // Shape: a candidate matches a QRS template when the best aligned Pearson r reaches this;
    // a premature candidate that matches neither template is not taken as a beat.
    double template_match_r = 0.7;
    // Beats at least this close to the usual template (with a regular interval) update it.
    double template_learn_r = 0.8;
    // A premature candidate of no known shape is kept as an ectopic beat when it is the first
    // for this long (isolated ectopic beats are rare, noise brings odd shapes in bursts).
    double odd_beat_memory_s = 30.0;
};

// Sample-rate range the detector is specified for (Hz).
constexpr double kEcgMinFsHz = 100.0;
constexpr double kEcgMaxFsHz = 4000.0;

// Per-second quality of the input.
struct QualitySecond {
    std::int64_t second = 0;  // block index: samples [second * fs, (second + 1) * fs)
    float sqi = 0.0f;         // 0 unreadable .. 1 clean
    bool flat = false;
    bool clipped = false;
    bool jumps = false;       // wrap-around / rail steps
    bool non_finite = false;
    bool noisy = false;
    float noise = 0.0f;               // noise measure (see banner); >= noisy_fraction = noisy
    float floor = 0.0f;               // lowest integral value / QRS level
    std::uint16_t extra_peaks = 0;    // large integral peaks beyond the beats accepted
    std::uint8_t rhythm_marks = 0;    // beats here that split an interval or end a far-too-long one
};

namespace ecg_detail {

// Second-order IIR section, transposed direct form II.
struct Biquad {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    double z1 = 0, z2 = 0;
    double operator()(double x) noexcept {
        const double y = b0 * x + z1;
        z1 = b1 * x - a1 * y + z2;
        z2 = b2 * x - a2 * y;
        return y;
    }
    void reset() noexcept { z1 = z2 = 0; }
    static Biquad butterworth_lowpass(double fc_hz, double fs_hz);
    static Biquad butterworth_highpass(double fc_hz, double fs_hz);
};

// The per-sample filter chain (DC blocker for placement; band-pass -> derivative -> square ->
// moving integral for detection). A plain struct so a block loop can keep a local copy in
// registers (no store/load through the detector object on every sample).
struct FilterChain {
    Biquad hp, lp;
    double dc_pole = 0.0, dc_prev_x = 0.0, dc_y = 0.0;
    std::array<double, 4> band_hist{};  // band[n-1..n-4] for the derivative
    double mwi_sum = 0.0, inv_mwi_len = 1.0;
    std::int64_t mwi_len = 1;
};

// Fixed power-of-two history of floats indexed by absolute sample number.
class History {
public:
    explicit History(std::size_t min_length);
    void put(std::int64_t n, float v) noexcept { data_[static_cast<std::size_t>(n) & mask_] = v; }
    float at(std::int64_t n) const noexcept { return data_[static_cast<std::size_t>(n) & mask_]; }
    std::size_t length() const noexcept { return data_.size(); }
    // Raw access for block loops: sample n lives at data()[n & mask()].
    float* data() noexcept { return data_.data(); }
    std::size_t mask() const noexcept { return mask_; }
    void clear() noexcept;

private:
    std::vector<float> data_;
    std::size_t mask_ = 0;
};

// The history rings as plain pointers for the filter loop (sample n at [n & mask]).
struct Rings {
    float *raw, *band, *slope, *squares;
    std::size_t mask, sq_mask;  // raw, band and slope share one length
};

}  // namespace ecg_detail

class Pantompkins1985 {
public:
    // Throws std::invalid_argument for a rate outside [kEcgMinFsHz, kEcgMaxFsHz] or a bad config.
    explicit Pantompkins1985(double fs_hz, EcgPeaksConfig config = {});

    // One sample (any unit; NaN/inf = a lost sample). Returns true when beats or a quality
    // second are ready; read them with ready_beats() / ready_quality() before the next push.
    bool push(float x) noexcept;
    // Many samples at once, the fast path (same results as push() sample by sample): the filter
    // chain runs over chunks of kChunk samples with its state in registers, then the decisions
    // run per sample. on_output(const Pantompkins1985&) is called after every sample that made
    // beats or a quality second ready; read them there (as after push() returned true).
    template <typename OnOutput>
    void push_block(std::span<const float> xs, OnOutput&& on_output);
    static constexpr std::size_t kChunk = 256;
    // Flush at the end of a recording: decides a pending candidate and closes the last block.
    bool finish() noexcept;

    std::span<const Beat> ready_beats() const noexcept { return {out_.data(), out_count_}; }
    // The quality of a finished 1 s block, released kQualityDelayBlocks blocks after it ends
    // (push() releases at most one; finish() may release several: use ready_quality_all()).
    const QualitySecond* ready_quality() const noexcept { return out_quality_count_ ? &out_quality_[0] : nullptr; }
    std::span<const QualitySecond> ready_quality_all() const noexcept { return {out_quality_.data(), out_quality_count_}; }
    static constexpr std::size_t kQualityDelayBlocks = 2;

    // Read-only taps.
    float clean() const noexcept { return last_band_; }   // band-passed sample
    float integrated() const noexcept { return last_mwi_; }
    double signal_level() const noexcept { return spki_; }
    double noise_level() const noexcept { return npki_; }
    int polarity() const noexcept { return polarity_score_ >= 0.0 ? 1 : -1; }
    std::int64_t samples_seen() const noexcept { return n_; }
    double fs_hz() const noexcept { return fs_; }

    void reset() noexcept;

private:
    struct Candidate {
        std::int64_t mwi_index = 0;  // sample of the integral peak
        double height = 0.0;         // integral value
        double slope = 0.0;          // largest |derivative| in the integration window
        double peak_sample = 0.0;    // R peak (fractional sample), placed with current polarity
        double pos_sample = 0.0, neg_sample = 0.0;  // both extremes, for a late polarity choice
        float pos_amp = 0.0f, neg_amp = 0.0f;
        bool artifact = false;  // a rail/flat/jump event lies in its window
        bool misshapen = false; // premature and matching neither QRS template: not a beat
        bool odd = false;       // would be misshapen, but kept as an isolated ectopic beat
    };
    static constexpr std::size_t kMaxPending = 32;
    static constexpr std::size_t kMaxOut = kMaxPending + 2;

    void prime_filters(double x0) noexcept;
    void filter_chunk(std::span<const float> xs) noexcept;
    void run_filters(const float* xs, std::size_t from, std::size_t to) noexcept;
    ecg_detail::Rings rings() noexcept;
    std::size_t scan_chunk(std::size_t from, std::size_t to) noexcept;
    std::size_t quiet_run(std::size_t from, std::size_t to) noexcept;
    void step(std::size_t i) noexcept;
    bool has_output() const noexcept { return out_count_ > 0 || quality_ready_; }
    void clear_output() noexcept;
    void track_integral_peaks() noexcept;
    Candidate locate(std::int64_t mwi_index, double height) const noexcept;
    double placed_sample(const Candidate& c) const noexcept;
    void decide(const Candidate& c) noexcept;
    void add_pending(const Candidate& c) noexcept;
    void end_learning() noexcept;
    void relearn() noexcept;
    void classify(const Candidate& c) noexcept;
    void accept(const Candidate& c, bool searchback) noexcept;
    void check_shape(Candidate& c) noexcept;
    void reject_misshapen(const Candidate& c) noexcept;
    void learn_shape(const Candidate& c, double interval) noexcept;
    void note_growth(const Candidate& c, double interval) noexcept;
    void note_quiet(const Candidate& c, float usual_r) noexcept;
    bool quiet_beat_due() const noexcept;
    double rhythm_reference() const noexcept { return rhythm_rr_ > 0.0 ? rhythm_rr_ : rr_avg2_; }
    // The last beat is a kept odd beat (not yet proven ectopic).
    bool after_odd_beat() const noexcept {
        return ectopic_candidate_ >= 0.0 && ectopic_candidate_ == last_beat_sample_ && ectopic_before_ >= 0.0;
    }
    void check_searchback() noexcept;
    void update_watch() noexcept;
    void update_rr(double rr_samples) noexcept;
    void emit(double sample, float amplitude, BeatQuality q) noexcept;
    void update_quality(double x, bool finite) noexcept;
    double current_block_noise() const noexcept;
    void close_block() noexcept;
    void note_rhythm(double sample) noexcept;
    void mark_rhythm(double sample) noexcept;
    void hold_quality(const QualitySecond& q) noexcept;
    void release_quality() noexcept;
    double threshold1() const noexcept { return npki_ + 0.25 * (spki_ - npki_); }

    // configuration (fixed after construction)
    double fs_;
    EcgPeaksConfig cfg_;
    std::int64_t mwi_len_, refractory_, t_wave_, learning_len_, relearn_len_, refine_half_;
    std::int64_t block_len_, clip_run_len_, flat_run_len_;
    ecg_detail::History raw_, band_, slope_, squares_;  // + kChunk samples filtered ahead

    // filter state
    ecg_detail::FilterChain chain_;
    std::int64_t n_ = 0;  // index of the sample being processed
    double last_good_x_ = 0.0;
    bool have_x_ = false;
    float last_band_ = 0.0f, last_mwi_ = 0.0f;
    // the current chunk, filtered ahead of the decisions: input (lost samples replaced by the
    // last good one), finiteness, band-passed value and integral per sample
    std::array<float, kChunk> chunk_x_{}, chunk_band_{}, chunk_mwi_{};
    std::array<bool, kChunk> chunk_finite_{};
    double mwi_prev_ = 0.0, mwi_prev2_ = 0.0;

    // integral peak picking
    bool have_candidate_ = false;
    std::int64_t cand_index_ = 0;
    double cand_height_ = 0.0;

    // detection state
    bool learning_ = true;
    std::int64_t learning_end_ = 0;
    double learn_max_ = 0.0, learn_sum_ = 0.0;
    std::int64_t learn_count_ = 0;
    std::array<Candidate, kMaxPending> pending_{};  // learning candidates, then search-back pool
    std::size_t pending_count_ = 0;
    double spki_ = 0.0, npki_ = 0.0;
    bool have_beat_ = false;
    std::int64_t watch_from_ = 0;  // first sample where a search-back / relearning may be due
    std::int64_t last_beat_mwi_ = 0;
    double last_beat_sample_ = 0.0, last_slope_ = 0.0;
    std::array<double, 8> rr_recent_{}, rr_regular_{};
    std::size_t rr_recent_n_ = 0, rr_regular_n_ = 0, rr_recent_i_ = 0, rr_regular_i_ = 0;
    int rr_irregular_run_ = 0;
    double rr_avg1_ = 0.0, rr_avg2_ = 0.0;
    double polarity_score_ = 0.0;
    double qrs_height_ = 0.0;  // typical |R| of the baseline-free signal, for quality
    // QRS shape (per candidate): templates, the last match, and a misshapen premature candidate
    // kept until the next beat shows whether it was an ectopic beat (compensatory pause).
    ecg_detail::QrsTemplates templates_;
    ecg_detail::QrsTemplates::Match last_match_{};
    double ectopic_candidate_ = -1.0;  // sample of the held candidate, -1 = none
    double ectopic_before_ = -1.0;     // the beat before it
    std::int64_t last_odd_ = 0;        // sample of the latest premature candidate of no known shape
    std::int64_t odd_memory_ = 0;      // odd shapes closer together than this are noise
    int unmatched_run_ = 0;            // regular beats in a row that match no template
    double jump_limit_ = 0.0;  // jump_factor * qrs_height_

    // output
    std::array<Beat, kMaxOut> out_{};
    std::size_t out_count_ = 0;
    double last_emitted_time_ = -1.0;
    bool rr_break_ = true;  // next beat gets rr_ms = 0 (start, or after an artifact)

    // quality of the current 1 s block
    bool quality_ready_ = false;
    std::int64_t block_index_ = 0, block_start_ = 0, block_end_ = 0;
    double blk_min_ = 0.0, blk_max_ = 0.0, blk_noise_peak_ = 0.0, blk_mwi_min_ = 0.0;
    double run_value_ = 0.0;
    std::int64_t run_len_ = 0;
    bool blk_clip_ = false, blk_non_finite_ = false, blk_jump_ = false;
    std::int64_t blk_finite_ = 0;
    std::int64_t last_artifact_ = INT64_MIN / 2;  // sample of the latest rail/flat/jump event
    std::int64_t last_hard_artifact_ = INT64_MIN / 2;  // the same without jumps
    // Beats in a row rejected for steep steps alone, yet regular and of the usual shape: the
    // signal grew (note_growth). Their heights, until there are enough to adopt.
    std::array<float, 3> grown_heights_{};
    std::size_t grown_count_ = 0;
    // The highest candidate below the search-back threshold since the last beat, and how well it
    // matched the usual QRS: a beat when the signal shrank (note_quiet).
    Candidate quiet_best_{};
    bool have_quiet_ = false;
    float quiet_r_ = 0.0f;
    double last_block_noise_ = 0.0;
    std::int64_t blk_big_peaks_ = 0, blk_beats_ = 0;
    // rhythm evidence (extra / missed beat patterns) per block, and the delayed quality output
    static constexpr float kRhythmSuspectSqi = 0.3f;
    std::array<double, 2> recent_{};  // the last two beats (samples)
    std::size_t recent_count_ = 0;
    double rhythm_rr_ = 0.0;  // slow, noise-resistant reference interval (samples)
    std::array<std::uint8_t, 8> rhythm_marks_{};
    std::array<std::int64_t, 8> rhythm_block_{};
    std::array<QualitySecond, kQualityDelayBlocks + 1> held_{};
    std::size_t held_count_ = 0;
    std::array<QualitySecond, kQualityDelayBlocks + 1> out_quality_{};
    std::size_t out_quality_count_ = 0;
    static constexpr double kBigPeakFraction = 0.3;
    // A sub-threshold candidate is a beat of a shrunken signal only with this close a QRS match.
    static constexpr float kQuietMatchR = 0.9f;
    // An interval below this fraction of the rhythm makes a beat premature.
    static constexpr double kPrematureFraction = 0.85;
};

template <typename OnOutput>
void Pantompkins1985::push_block(std::span<const float> xs, OnOutput&& on_output) {
    clear_output();
    while (!xs.empty()) {
        const std::size_t n = std::min(xs.size(), kChunk);
        filter_chunk(xs.first(n));
        for (std::size_t i = 0; i < n;) {
            i = scan_chunk(i, n);  // stops after a sample with output
            if (has_output()) {
                on_output(static_cast<const Pantompkins1985&>(*this));
                clear_output();
            }
        }
        xs = xs.subspan(n);
    }
}

// Batch form: the same detector over a whole recording (sample i at time i / fs).
struct EcgPeaksResult {
    std::vector<Beat> beats;
    std::vector<QualitySecond> quality;
};
EcgPeaksResult ecg_peaks_pantompkins1985(std::span<const float> ecg, double fs_hz,
                                         const EcgPeaksConfig& config = {});

}  // namespace attune::signal
