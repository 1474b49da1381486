// The couple's synchrony (dyad metrics), live and over a whole session.
//
//   PhaseLocking          two phase angles sampled at a fixed rate -> over a sliding window:
//                         phase-locking value PLV = |mean(exp(i (a - b)))| (0 = unrelated,
//                         1 = a fixed phase lag), the mean phase difference arg(mean(...)) and
//                         "in phase" = max(0, Re(mean(...))) (locked AND inhaling together).
//                         Delay: half the window. Cost O(1) per sample (running sums of a ring).
//   kuramoto_order()      order parameter R = |mean_k exp(i theta_k)| of N phases at one instant.
//   HeartRateSync         two heart-rate series at 1 Hz -> windowed Pearson cross-correlation
//                         for lags -max_lag..+max_lag s; the largest correlation and its lag
//                         (positive lag: B follows A; of peaks within 0.05 of the largest, the
//                         one nearest zero, since paced breathing makes HR periodic).
//                         Cost O(window x lags) per second.
//   joint_coherence()     both partners coherent at once: geometric mean of their coherence
//                         ratios (0 when either is 0), scaled down when their peak frequencies
//                         differ (a shared rhythm, not just two private ones).
//   DyadSynchrony         the composite the session runs: breathing to each other and to the
//                         pacer, "breathing together" with hysteresis, HR synchrony, coherence;
//                         plus whole-session means (DyadSummary).
//   breath_phase_from_onsets()  batch: phase angle at regular times from inhalation-onset times
//                         (linear in time between onsets; Rosenblum et al.'s marker-event phase).
//
// Phases are radians with 0 = inhalation onset (as RspPhase::angle_rad and the pacer). NaN = no
// phase this sample: it is skipped and the window counts only valid samples.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "attune/signal/arousal.hpp"

namespace attune::signal {

struct PhaseLockingConfig {
    Seconds window{30.0};     // ~3 breaths at the 6/min pacer
    Hz sample_rate{4.0};      // rate of push()
    double min_valid = 0.6;   // share of the window that must hold valid samples
};

struct PhaseLock {
    double plv = kNoValue;              // 0..1
    double mean_difference_rad = kNoValue;  // -pi..pi: positive when the first leads
    double in_phase = kNoValue;         // 0..1
};

class PhaseLocking {
public:
    explicit PhaseLocking(const PhaseLockingConfig& config = {});
    // One sample of both phases (radians). Non-finite = missing. noexcept, no allocation.
    const PhaseLock& push(double phase_a, double phase_b) noexcept;
    const PhaseLock& latest() const noexcept { return latest_; }
    void reset() noexcept;

private:
    void recompute_sums() noexcept;
    PhaseLockingConfig config_;
    std::vector<double> re_, im_;  // unit phasors of the differences (NaN = missing)
    std::size_t pos_ = 0, filled_ = 0, since_recompute_ = 0;
    double sum_re_ = 0.0, sum_im_ = 0.0;
    std::size_t valid_ = 0;
    PhaseLock latest_;
};

double kuramoto_order(std::span<const double> phases);

struct HeartRateSyncConfig {
    Seconds window{60.0};
    Seconds max_lag{10.0};
    double min_valid = 0.8;  // share of the window with both heart rates
};

struct HeartRateSyncResult {
    double max_r = kNoValue;   // largest Pearson r over the lags (-1..1)
    double lag_s = kNoValue;   // lag of max_r: positive = B follows A
    double r_at_zero = kNoValue;
};

class HeartRateSync {
public:
    explicit HeartRateSync(const HeartRateSyncConfig& config = {});
    // One second of both heart rates (bpm; NaN = missing). noexcept, no allocation.
    const HeartRateSyncResult& push(double hr_a, double hr_b) noexcept;
    const HeartRateSyncResult& latest() const noexcept { return latest_; }
    void reset() noexcept;

private:
    HeartRateSyncConfig config_;
    std::size_t window_, max_lag_;
    std::vector<double> a_, b_;  // rings of window + 2 max_lag seconds
    std::vector<double> r_by_lag_;  // work buffer: r at each lag
    std::size_t pos_ = 0, filled_ = 0;
    HeartRateSyncResult latest_;
};

// ratio_*: coherence ratios (CoherenceTracker); peak_hz_*: their peak frequencies (NaN: unknown).
double joint_coherence(double ratio_a, double ratio_b, double peak_hz_a = kNoValue,
                       double peak_hz_b = kNoValue);

struct DyadConfig {
    PhaseLockingConfig breathing;
    HeartRateSyncConfig heart;
    double together_on = 0.7;   // in-phase locking to call it "breathing together"
    double together_off = 0.5;
    double hr_sync_r = 0.5;     // HR cross-correlation above this = "hearts in sync"
};

// What the session pushes at the breathing rate (DyadConfig::breathing.sample_rate).
struct DyadBreathSample {
    double phase_a = kNoValue;
    double phase_b = kNoValue;
    double pacer_phase = kNoValue;  // NaN when no pacer is shown
};

struct DyadMetrics {
    PhaseLock partners;     // A with B
    PhaseLock a_to_pacer;
    PhaseLock b_to_pacer;
    double kuramoto = kNoValue;  // order parameter of A, B (and the pacer when shown), windowed
    bool breathing_together = false;
    HeartRateSyncResult heart;
    double coherence_a = kNoValue, coherence_b = kNoValue, joint_coherence = kNoValue;
};

struct DyadSummary {
    double seconds = 0.0;
    double mean_plv = kNoValue;            // partners, over samples where it was defined
    double mean_in_phase = kNoValue;
    double together_share = 0.0;           // share of time "breathing together"
    double mean_plv_a_pacer = kNoValue, mean_plv_b_pacer = kNoValue;
    double mean_hr_max_r = kNoValue;
    double median_hr_lag_s = kNoValue;
    double hr_sync_share = 0.0;            // share of seconds with max_r >= hr_sync_r
    double mean_joint_coherence = kNoValue;
};

class DyadSynchrony {
public:
    explicit DyadSynchrony(const DyadConfig& config = {});
    void push_breathing(const DyadBreathSample& sample) noexcept;
    void push_heart_second(double hr_a, double hr_b) noexcept;
    // Latest coherence ratios (and peak frequencies) of each partner, whenever they update.
    void set_coherence(double ratio_a, double ratio_b, double peak_hz_a = kNoValue,
                       double peak_hz_b = kNoValue) noexcept;
    const DyadMetrics& metrics() const noexcept { return metrics_; }
    // Whole session so far. (Lags are summarised from a bounded histogram.)
    DyadSummary summary() const noexcept;
    void reset() noexcept;

private:
    DyadConfig config_;
    PhaseLocking partners_, a_pacer_, b_pacer_;
    HeartRateSync heart_;
    std::vector<double> kuramoto_ring_;
    std::size_t kuramoto_pos_ = 0, kuramoto_n_ = 0;
    DyadMetrics metrics_;
    // Session sums.
    double breath_samples_ = 0.0, plv_n_ = 0.0, plv_sum_ = 0.0, in_phase_sum_ = 0.0, together_n_ = 0.0;
    double a_pacer_n_ = 0.0, a_pacer_sum_ = 0.0, b_pacer_n_ = 0.0, b_pacer_sum_ = 0.0;
    double heart_seconds_ = 0.0, hr_n_ = 0.0, hr_sum_ = 0.0, hr_sync_n_ = 0.0;
    double coh_n_ = 0.0, coh_sum_ = 0.0;
    std::vector<double> lag_histogram_;  // one bin per second of lag
};

// Batch: phase angle at times t0_s + k / rate_hz (count samples) from inhalation onsets.
// NaN before the first onset, after the last one, and across gaps longer than max_breath_s.
std::vector<double> breath_phase_from_onsets(std::span<const double> onsets_s, double t0_s,
                                             double rate_hz, std::size_t count,
                                             double max_breath_s = 20.0);

}  // namespace attune::signal
