// Heart rate variability: time domain, frequency domain and the HeartMath-style coherence score,
// over a whole recording (batch functions) and over rolling windows for live display
// (RollingHrv, CoherenceTracker; the batch series functions run these same trackers).
// All intervals are NN intervals in milliseconds (clean them first: rr_cleaning.hpp).
//
// Frequency domain method (documented choice): the NN series is interpolated onto a uniform
// 4 Hz grid with a natural cubic spline, the linear trend is removed, and the power spectral
// density is estimated by Welch's method (Hann window, 256 s segments, 50 % overlap; a record
// shorter than one segment is one zero-padded segment). Bands (Task Force 1996):
// VLF 0.0033-0.04 Hz, LF 0.04-0.15 Hz, HF 0.15-0.4 Hz; powers in ms^2 (integrated PSD).
//
// Coherence (McCraty et al., HeartMath): on the last 64 s of NN intervals, resampled at 2 Hz
// (128 points), detrended, Hann-windowed spectrum; find the highest peak in 0.04-0.26 Hz,
// integrate a 0.030 Hz window centred on it (peak power), and divide by the rest of the power
// in 0.0033-0.4 Hz: coherence = peak / (total - peak). Updated every 5 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "attune/signal/beat.hpp"

namespace attune::signal {

// [SECTION] Time domain

struct HrvTime {
    std::size_t count = 0;      // NN intervals used
    double mean_nn_ms = 0.0;    // MeanNN
    double sdnn_ms = 0.0;       // SDNN (sample standard deviation, n - 1)
    double rmssd_ms = 0.0;      // root mean square of successive differences
    double sdsd_ms = 0.0;       // standard deviation of successive differences (n - 1)
    double pnn50_pct = 0.0;     // % of successive differences > 50 ms
    double pnn20_pct = 0.0;     // % of successive differences > 20 ms
    double mean_hr_bpm = 0.0;   // mean of 60000 / NN
    bool valid = false;         // at least 3 intervals
};

// nn_ms: consecutive NN intervals. Successive differences are taken between neighbours only.
HrvTime hrv_time(std::span<const double> nn_ms);

// [SECTION] Frequency domain

struct HrvFrequencyConfig {
    double resample_hz = 4.0;
    double segment_s = 256.0;   // Welch segment length
    double overlap = 0.5;       // Welch overlap fraction
    double vlf_low_hz = 0.0033, vlf_high_hz = 0.04;
    double lf_low_hz = 0.04, lf_high_hz = 0.15;
    double hf_low_hz = 0.15, hf_high_hz = 0.4;
};

struct HrvFrequency {
    double vlf_ms2 = 0.0, lf_ms2 = 0.0, hf_ms2 = 0.0;
    double total_ms2 = 0.0;          // VLF + LF + HF
    double lf_hf = 0.0;              // LF / HF
    double lf_nu = 0.0, hf_nu = 0.0; // normalised units: 100 * LF / (LF + HF), same for HF
    double vlf_peak_hz = 0.0, lf_peak_hz = 0.0, hf_peak_hz = 0.0;
    double duration_s = 0.0;         // span of the analysed series
    bool valid = false;              // enough data (>= 2 beats per second of the longest HF
                                     // period and >= 30 s); VLF needs >= 300 s to mean much
};

// Power spectral density of the NN series (ms^2/Hz) on a uniform frequency grid.
struct Spectrum {
    double df_hz = 0.0;             // frequency of bin k is k * df_hz
    std::vector<double> psd;        // one-sided, ms^2 / Hz
};

// nn_times_s[i]: time of the beat that ends nn_ms[i] (as from lipponen2019).
Spectrum nn_spectrum_welch(std::span<const double> nn_times_s, std::span<const double> nn_ms,
                           const HrvFrequencyConfig& config = {});
HrvFrequency hrv_frequency(std::span<const double> nn_times_s, std::span<const double> nn_ms,
                           const HrvFrequencyConfig& config = {});

// [SECTION] Coherence

struct CoherenceConfig {
    double window_s = 64.0;
    double update_s = 5.0;
    double resample_hz = 2.0;
    double peak_low_hz = 0.04, peak_high_hz = 0.26;  // where the coherence peak is searched
    double peak_width_hz = 0.030;                    // integrated around the peak
    double total_low_hz = 0.0033, total_high_hz = 0.4;
};

struct Coherence {
    double time_s = 0.0;      // end of the window
    double ratio = 0.0;       // peak power / (total power - peak power)
    double peak_hz = 0.0;     // frequency of the dominant peak in 0.04-0.26 Hz
    bool valid = false;       // window covered by beats (>= 90 % of it)
};

// Coherence of the window [end_time_s - window_s, end_time_s] of an NN series.
Coherence coherence_score(std::span<const double> nn_times_s, std::span<const double> nn_ms,
                          double end_time_s, const CoherenceConfig& config = {});

// [SECTION] Streaming trackers (constant memory, no allocation after construction)

// RollingHrv: time-domain HRV over the NN intervals of the last window_s seconds.
// push() is O(1); metrics() is O(beats in window). Capacity: window_s * 5 beats (300 bpm).
struct RollingHrvConfig {
    double window_s = 60.0;
};

class RollingHrv {
public:
    explicit RollingHrv(const RollingHrvConfig& config = {});
    // One NN interval ending at time_s. continuous = false when the interval does not follow
    // the previous one (a gap or a removed artifact): no successive difference across it.
    void push(double time_s, double nn_ms, bool continuous = true) noexcept;
    HrvTime metrics() const noexcept;  // over intervals ending in (last_time - window_s, last]
    void reset() noexcept;

private:
    struct Entry {
        double time_s;
        double nn_ms;
        bool continuous;
    };
    RollingHrvConfig config_;
    std::vector<Entry> ring_;
    std::size_t head_ = 0, size_ = 0;
};

// CoherenceTracker: push NN intervals as they come; every update_s seconds of beat time a new
// coherence value is computed over the last window_s seconds.
class CoherenceTracker {
public:
    explicit CoherenceTracker(const CoherenceConfig& config = {});
    // Returns a new value when this beat crossed an update instant.
    std::optional<Coherence> push(double time_s, double nn_ms) noexcept;
    const Coherence& latest() const noexcept { return latest_; }
    void reset() noexcept;

private:
    CoherenceConfig config_;
    std::vector<double> times_, values_;  // ring of the window's beats
    std::size_t head_ = 0, size_ = 0;
    std::vector<double> grid_, re_, im_;  // work buffers, sized at construction
    double next_update_s_ = 0.0;
    bool started_ = false;
    Coherence latest_{};
};

// Whole-recording series from the trackers (same code as streaming).
std::vector<Coherence> coherence_series(std::span<const double> nn_times_s,
                                        std::span<const double> nn_ms,
                                        const CoherenceConfig& config = {});

// [SECTION] Whole recording, streaming (constant memory)

// WholeRecordHrv: hrv_time() and hrv_frequency() of a whole recording without keeping its
// intervals. Time domain by running sums (Welford for SDNN). Frequency domain by the same Welch
// average as nn_spectrum_welch() (4 Hz grid from the first interval, 256 s segments, 50 %
// overlap, each detrended and Hann-windowed), each segment computed once the series has run
// kMarginS past its end, from a spline through its intervals plus kMarginS on each side (the
// natural spline's end effects fade within a few beats: the values match the whole-series
// spline to far better than 0.1 %). Until the first interval is dropped from the ring (a record
// shorter than ~6 min) the result is exactly the batch one. Memory: a ring of ~7 min of
// intervals at up to 300 bpm, and one spectrum.
class WholeRecordHrv {
public:
    static constexpr double kMarginS = 30.0;
    explicit WholeRecordHrv(const HrvFrequencyConfig& config = {});
    // One NN interval ending at time_s. continuous = false when it does not follow the
    // previous one (a gap): no successive difference is taken across it.
    void push(double time_s, double nn_ms, bool continuous = true) noexcept;
    HrvTime time_domain() const noexcept;
    // Finishes the segments still open (call once the series has ended).
    HrvFrequency frequency();
    std::size_t count() const noexcept { return count_; }

private:
    struct Point {
        double t, y;
    };
    void close_ready_segments(bool at_end);
    void add_segment(std::size_t index);
    double segment_start_s(std::size_t index) const noexcept;

    HrvFrequencyConfig config_;
    // time domain
    std::size_t count_ = 0, diffs_ = 0, over50_ = 0, over20_ = 0;
    double mean_ = 0.0, m2_ = 0.0, sum_hr_ = 0.0, sum_d_ = 0.0, sum_d2_ = 0.0, prev_nn_ = 0.0;
    double first_time_ = 0.0, last_time_ = 0.0;
    // frequency domain: the increasing (t, y) points still needed, oldest first
    std::vector<Point> ring_;
    std::size_t head_ = 0, size_ = 0;
    std::uint64_t dropped_ = 0;  // points dropped from the ring (0: it holds the whole series)
    bool have_t0_ = false;
    double t0_ = 0.0;
    std::size_t seg_len_ = 0, step_ = 0, next_segment_ = 0, segments_ = 0;
    std::vector<double> psd_, grid_, re_, im_, m_, c_, t_, y_;
};

}  // namespace attune::signal
