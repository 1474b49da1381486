// PPG systolic peak and pulse onset detection: Elgendi et al. 2013.
//
//   Elgendi M, Norton I, Brearley M, Abbott D, Schuurmans D. Systolic peak detection in
//   acceleration photoplethysmograms measured from emergency responders in tropical conditions.
//   PLoS ONE 8(10):e76585, 2013.
//
// What it does to the signal: band-pass 0.5-8 Hz (causal; 1st-order high-pass instead of the
// paper's 2nd-order, whose swing back after each pulse made false pulses at long intervals,
// 2nd-order Butterworth low-pass), clip at zero
// and square; two moving averages, 111 ms (systolic peak) and 667 ms (one beat), aligned to
// the same centre; blocks of interest where MA_peak > MA_beat + beta * mean(y) (beta 0.02; the
// mean is a slow exponential average so the detector follows amplitude changes); a block at
// least 111 ms wide holds one pulse. The systolic peak is the maximum of the (lightly smoothed)
// input inside the block, delay-compensated; the onset (foot) is where the tangent at the
// steepest upstroke meets the horizontal through the minimum of the input in the 40 % of the
// previous pulse interval (0.15-0.6 s) before the peak (intersecting tangents).
// Quality: a discontinuity (one sample-to-sample step > 8x both neighbouring steps and > 20x
// the running mean step: ADC wrap-around, a spike, a probe knock) within a pulse makes it
// Artifact (and the next interval is not measured across it); a pulse 3x off the running
// amplitude is Doubtful.
// Delay: a pulse is reported ~0.35 s + block width after its peak. Cost O(1) per sample.
// Valid rates 25-500 Hz. Flat or clipped input gives no pulses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "attune/signal/beat.hpp"
#include "attune/signal/units.hpp"

namespace attune::signal {

struct PpgPeaksConfig {
    double band_low_hz = 0.5;
    double band_high_hz = 8.0;
    double peak_window_s = 0.111;   // W1, systolic peak width
    double beat_window_s = 0.667;   // W2, one beat
    double beta = 0.02;             // threshold offset
    double mean_tau_s = 10.0;       // time constant of the running mean(y)
    double refractory_s = 0.25;     // two pulses closer than this: keep the larger (240 bpm)
    double max_rr_s = 2.4;          // longer interval: rr_ms = 0 (gap)
};

struct PpgPulse {
    double peak_time_s = 0.0;   // systolic peak
    double onset_time_s = 0.0;  // pulse foot (intersecting tangents), sub-sample
    double rr_ms = 0.0;         // peak-to-peak interval, 0 for the first / after a gap
    float amplitude = 0.0f;     // peak minus onset, input units
    BeatQuality quality = BeatQuality::Good;

    Beat beat() const { return Beat{peak_time_s, rr_ms, amplitude, quality}; }
};

class Elgendi2013PpgDetector {
public:
    // Throws std::invalid_argument for a rate outside 25-500 Hz or an invalid config.
    Elgendi2013PpgDetector(Hz sample_rate, const PpgPeaksConfig& config = {});
    // One sample at time t0 + index / fs (t0 = 0 unless set_start_time was called).
    std::optional<PpgPulse> push(float sample) noexcept;
    // Flush the last pending pulse at the end of a recording.
    std::optional<PpgPulse> finish() noexcept;
    void set_start_time(double t0_s) noexcept { t0_s_ = t0_s; }
    void reset() noexcept;
    double latency_s() const noexcept;

private:
    struct Biquad {
        double b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0;
        double z1 = 0.0, z2 = 0.0;
        double operator()(double x) noexcept;
        double group_delay_samples(double f_norm) const noexcept;  // f / fs
    };
    std::optional<PpgPulse> close_block() noexcept;
    void track_discontinuities(std::size_t n, double x) noexcept;

    PpgPeaksConfig config_;
    double fs_;
    double t0_s_ = 0.0;
    Biquad hp_{}, lp_{};
    double filter_delay_samples_ = 0.0;  // band-pass group delay around 1.5 Hz
    std::size_t w1_, w2_, align_delay_, history_len_;
    std::vector<double> y_ring_;      // squared signal, last w2 samples (both moving averages)
    std::vector<double> s_ring_;      // filtered signal, aligned with the block decision
    std::vector<double> ma1_ring_;    // MA_peak, delayed to line up with MA_beat
    std::vector<float> raw_ring_;     // input history for peak refinement and onset search
    double sum1_ = 0.0, sum2_ = 0.0, mean_y_ = 0.0;
    std::size_t n_ = 0;               // samples seen
    bool in_block_ = false;
    std::size_t block_start_ = 0;     // in decision (aligned) sample indices
    std::size_t block_best_ = 0;      // argmax of the filtered signal in the block
    double block_best_value_ = 0.0;
    double last_peak_s_ = -1.0;
    double mean_amplitude_ = 0.0;
    double mean_step_ = 0.0;             // running mean |x[n] - x[n-1]|
    double prev_step_ = 0.0, prev_prev_step_ = 0.0;
    std::size_t last_discontinuity_ = 0; // sample index + 1 (0 = none yet)
    bool after_artifact_ = false;        // the next pulse interval is not measured
};

// Batch: the streaming detector over a whole signal (same code), then finish().
std::vector<PpgPulse> ppg_peaks(std::span<const float> ppg, Hz sample_rate,
                                const PpgPeaksConfig& config = {});

}  // namespace attune::signal
