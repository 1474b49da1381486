// Breathing from a chest belt or impedance signal (inspiration = up): cleaning, breath
// detection, rate, depth, inhale:exhale ratio, a continuous phase and a quality index.
// Names follow NeuroKit (rsp_clean, rsp_peaks, rsp_phase, rsp_rate, rsp_amplitude).
//
// [SECTION] Index
//   RspConfig      - settings in physical units (defaults are physiological, not file-tuned)
//   RspEvent       - one detected breath event (inhalation onset = trough, exhalation onset = peak)
//   RspPhase       - continuous phase: inspiration/expiration, 0..1 completion, angle
//   RspQuality     - 0..1 index plus flags (flat, clipped, jump/wrap-around, irregular, missing)
//   RspProcessor   - the streaming processor (per sample, constant memory, no allocation)
//   rsp_process()  - batch form: runs RspProcessor over a whole signal
//
// [SECTION] Stage order inside RspProcessor (each step is a small piece in rsp.cpp)
//   1. repair:  NaN samples hold the last value (flag `missing`); one-sample steps far larger
//               than the signal's recent slope and range (12-bit wrap-around, spikes, cable
//               knocks) are removed by carrying an offset (flag `jump`).
//   2. smooth:  two boxcar means of 0.4 s (low-pass: zeros at 2.5 Hz and multiples, -6 dB
//               near 1 Hz; linear phase, delay exactly (L-1)/fs = 0.39 s at 100 Hz). Breaths
//               are found on this signal, so extremum times carry no phase distortion.
//               clean() (for display and the phase tap) also removes a slow baseline with a
//               first-order high-pass at 0.05 Hz; detection does not need it (the hysteresis
//               works on differences) and a causal high-pass would move flat troughs.
//   3. detect:  extremum tracking with hysteresis: a peak (trough) is confirmed once the clean
//               signal has fallen (risen) by h from it, h = 0.3 x the recent breath depth, so
//               humps smaller than ~30 % of a breath (talking, cardiac ripple, shallow sighs on
//               the way down) never make an extra breath, in the manner of "Count-adv"
//               (Schaefer & Kratky 2008). The depth reference adapts to the person: the median
//               of the last breath depths, pulled down to the signal's range over the last
//               ~1.5 breaths when breathing becomes shallow.
//   4. measure: per-breath and smoothed rate, depth, Ti/Te, phase, quality.
// Latency: an event is reported when confirmed, typically 0.6-1.0 s after the extremum at
// rest (boxcar delay + the time to fall by h). RspEvent::time_s is the extremum's time.
// Cost: ~40 flops per sample; memory: two ring buffers of L samples + a few dozen numbers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attune/signal/units.hpp"

namespace attune::signal {

struct RspConfig {
    Hz highpass{0.05};                 // baseline removal of clean() (first order); 0: none
    Seconds smoothing{0.4};            // boxcar length, applied twice
    double hysteresis_fraction = 0.3;  // reversal that confirms an extremum, x recent depth
    Bpm min_rate{3.0};                 // breath intervals outside [min, max] do not give a rate
    Bpm max_rate{60.0};
    std::size_t rate_median_of = 4;    // smoothed rate: median of the last N breath intervals
    Seconds jump_hold{2.0};            // how long a repaired jump keeps the `jump` flag
    double irregular_cv = 0.45;        // coefficient of variation of breath intervals => irregular
};

enum class RspEventKind : std::uint8_t {
    Inhale,  // inhalation onset: end-expiratory trough
    Exhale,  // exhalation onset: end-inspiratory peak
};
constexpr std::string_view to_string(RspEventKind k) {
    return k == RspEventKind::Inhale ? "inhale" : "exhale";
}

struct RspEvent {
    double time_s = 0.0;      // time of the extremum (same clock as the samples)
    double detected_s = 0.0;  // time of the sample that confirmed it (time_s + latency)
    RspEventKind kind = RspEventKind::Inhale;
    double depth = 0.0;       // |extremum - previous opposite extremum|, input units
    double rate_bpm = 0.0;    // 60 / interval to the previous event of the same kind; 0 if none
    bool artifact = false;    // found while the quality flags said the signal was damaged
};

struct RspPhase {
    bool valid = false;        // false before the first breath or after a long silence
    bool inspiration = false;  // true between an inhale onset and the next exhale onset
    double completion = 0.0;   // 0..1 through the current half cycle (expected duration)
    double angle_rad = 0.0;    // 0..2 pi: 0 = inhalation onset, pi = exhalation onset
};

// Quality flags (bit mask).
enum RspFlag : std::uint32_t {
    kRspFlat = 1u << 0,       // no breathing movement (sensor off, breath hold, flat line)
    kRspClipped = 1u << 1,    // values stuck at the top or bottom of the range
    kRspJump = 1u << 2,       // a step / wrap-around / spike was repaired recently
    kRspIrregular = 1u << 3,  // breath intervals vary strongly (talking, movement, sighs)
    kRspMissing = 1u << 4,    // NaN input samples were held
    kRspNoBreaths = 1u << 5,  // no breath detected for a long time (or none yet)
};

struct RspQuality {
    double index = 0.0;      // 0 = do not use .. 1 = clean, regular breathing
    std::uint32_t flags = kRspNoBreaths;
};

class RspProcessor {
public:
    // Throws std::invalid_argument when the rate or the config is unusable
    // (sample rate must be >= 4 Hz; smoothing must span at least one sample).
    RspProcessor(const RspConfig& config, Hz sample_rate);

    // One sample at time t_s (seconds, increasing). Returns the event confirmed by this sample,
    // if any (at most one per sample). NaN samples are held and flagged.
    std::optional<RspEvent> push(double t_s, float x) noexcept;

    // Forget the signal (e.g. after a gap); keeps config and coefficients.
    void reset() noexcept;

    // [SECTION] Read-only taps (valid after the last push)
    double clean() const noexcept { return st_.clean_; }              // cleaned signal, delayed
    double clean_delay_s() const noexcept { return delay_s(); }   // current boxcar delay
    double rate_bpm() const noexcept { return st_.smoothed_rate_bpm_; }  // 0 while unknown
    double last_breath_rate_bpm() const noexcept { return st_.last_rate_bpm_; }
    double amplitude() const noexcept { return median_depth(); }  // typical breath depth
    double ie_ratio() const noexcept { return st_.ie_ratio_; }        // Ti / Te, 0 while unknown
    RspPhase phase() const noexcept;                              // at the last pushed time
    RspPhase phase_at(double t_s) const noexcept;                 // t_s >= last event time
    RspQuality quality() const noexcept;
    std::size_t breath_count() const noexcept { return st_.exhale_count_; }

private:
    static constexpr std::size_t kHistory = 8;  // breaths kept for medians
    static constexpr std::size_t kRangeBlocks = 48;

    // A fixed-size history of the last values (oldest overwritten).
    struct History {
        std::array<double, kHistory> v{};
        std::size_t n = 0, next = 0;
        void push(double x) noexcept;
        double median(std::size_t last_n) const noexcept;  // of the newest last_n; 0 if empty
        double newest() const noexcept;
        double cv(std::size_t last_n) const noexcept;      // std / mean of the newest last_n
    };

    double repair(double t_s, float x) noexcept;
    void track_envelope(double v) noexcept;
    double remove_baseline(double smooth) noexcept;
    void prime(double first) noexcept;
    double boxcar_twice(double x) noexcept;
    void resum() noexcept;
    void adapt_smoothing(double period_s) noexcept;
    double delay_s() const noexcept { return static_cast<double>(st_.box_len_ - 1) / fs_; }
    void track_range(double v) noexcept;
    double recent_range(double span_s) const noexcept;
    double depth_reference() const noexcept;
    std::optional<RspEvent> detect(double t_s, double v) noexcept;
    RspEvent make_event(RspEventKind kind, double t_extremum, double value, double now) noexcept;
    double median_depth() const noexcept { return st_.depths_.median(kHistory); }
    std::uint32_t quality_flags() const noexcept;
    void refresh_statistics() noexcept;

    // config + coefficients (kept by reset)
    RspConfig cfg_;
    double fs_ = 0.0;
    double hp_a_ = 1.0;
    std::size_t box_max_ = 1;      // ring size: the longest boxcar (cfg.smoothing)
    std::size_t min_box_len_ = 1;  // shortest boxcar (0.1 s)
    std::size_t block_len_ = 1;  // samples per range block (0.25 s)
    double raw_decay_ = 0.0;     // per-sample decay of the input envelope (10 s)
    std::vector<double> ring1_, ring2_;  // sized once in the constructor

    enum class Seek : std::uint8_t { Either, Peak, Trough };
    // Everything below is signal state: reset() value-initialises it (no allocation).
    struct State {
        // repair
        bool have_prev_ = false;
        double prev_raw_ = 0.0, offset_ = 0.0, mean_abs_step_ = 0.0, held_ = 0.0;
        double last_jump_s_ = -1e300, last_missing_s_ = -1e300;
        std::size_t stuck_run_ = 0;
        double stuck_value_ = 0.0;
        double clip_until_s_ = -1e300;
        // clean
        bool primed_ = false;
        double baseline_ = 0.0, smooth_ = 0.0;
        std::size_t ring_pos_ = 0, box_len_ = 1;  // effective boxcar length (adapts)
        double sum1_ = 0.0, sum2_ = 0.0;
        double clean_ = 0.0;
        // range blocks (min/max per 0.25 s of clean signal)
        std::array<double, kRangeBlocks> block_min_{}, block_max_{};
        std::size_t block_pos_ = 0, block_count_ = 0;
        double cur_min_ = 0.0, cur_max_ = 0.0;
        // detection
        Seek seek_ = Seek::Either;
        double cand_max_ = -1e300, cand_max_t_ = 0.0, cand_min_ = 1e300, cand_min_t_ = 0.0;
        bool have_last_ = false;
        RspEventKind last_kind_ = RspEventKind::Inhale;
        double last_value_ = 0.0, last_time_ = 0.0;
        double last_inhale_t_ = -1.0, last_exhale_t_ = -1.0;
        bool artifact_since_inhale_ = false, artifact_since_exhale_ = false;
        History depths_, intervals_, ti_, te_;
        History implausible_;  // 1 per same-kind interval outside [min_rate, max_rate]
        double smoothed_rate_bpm_ = 0.0, last_rate_bpm_ = 0.0, ie_ratio_ = 0.0;
        std::size_t exhale_count_ = 0;
        double now_s_ = 0.0;
        double h_ = 0.0;  // current hysteresis (input units)
        double raw_min_ = 0.0, raw_max_ = 0.0;  // slowly decaying envelope of the input
        std::uint32_t slow_flags_ = 0;           // flat / irregular, from refresh_statistics()
        double period_s_ = 4.0;                  // median breath interval (default 15/min)
        double regularity_ = 1.0;                // 0.3..1 from interval and depth CVs
    };
    State st_;
};

// Batch form: the same processor over a whole signal sampled at `sample_rate` from t0_s.
struct RspBatchResult {
    std::vector<RspEvent> events;
    std::vector<float> clean;       // per sample (delayed by clean_delay_s)
    std::vector<float> rate_bpm;    // per sample, smoothed rate (0 while unknown)
    std::vector<float> phase_rad;   // per sample, causal phase angle (NaN while invalid)
    std::vector<float> quality;     // per sample, quality index
    double clean_delay_s = 0.0;
};
RspBatchResult rsp_process(std::span<const float> signal, Hz sample_rate,
                           const RspConfig& config = {}, double t0_s = 0.0);

}  // namespace attune::signal
