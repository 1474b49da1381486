// Breathing rate without a belt: from the ECG (ECG-derived respiration, EDR) and from the RR
// series (respiratory sinus arrhythmia, RSA), each with its own quality, fused when more than
// one is present, with a flag saying when the result should not be trusted.
//
// [SECTION] Index
//   DerivedRespConfig     - settings (defaults from the respiratory-rate literature)
//   DerivedRate           - one rate estimate and its quality
//   DerivedRespEstimate   - the three modulations, the fused rate, `trustworthy`
//   DerivedRespProcessor  - streaming: ECG samples + beats in, an estimate every second out
//   derived_resp_process  - batch form, same code
//
// [SECTION] What it does to the signal
//   1. At every beat (from any R-peak detector), three respiratory modulations are measured
//      (Charlton et al. 2016, "An assessment of algorithms to estimate respiratory rate from
//      the ECG and PPG", Physiol. Meas. 37:610): R amplitude above the isoelectric level
//      (mean of 110..60 ms before the R peak), QRS area (signed area of +-50 ms around the
//      R peak above that level), and the RR interval (RSA). Without ECG samples the beat's own
//      amplitude stands in for the R amplitude and there is no QRS area.
//      Beats flagged Artifact, RR outside 0.3-2 s and RR changing by > 30 % from the previous
//      one (ectopic or missed beats) are left out: they carry no respiratory information.
//   2. Each series is linearly resampled to 4 Hz (beats are irregular samples).
//   3. Every second, each series' last 32 s are detrended, Hann-windowed and their power
//      spectrum is scanned from min_rate to max_rate in 0.25 breaths/min steps: the rate is the
//      spectral peak (parabolic interpolation); the quality is the share of the band's power
//      within the peak's main lobe (+-1/16 Hz): ~1 for a clean sinusoidal modulation, ~0.2
//      for noise.
//   4. Fusion in the manner of Karlen et al. 2013 ("Multiparameter respiratory rate
//      estimation from the photoplethysmogram", IEEE TBME 60:1946): estimates of quality >=
//      min_quality that agree within agreement_bpm are averaged (quality-weighted). R amplitude
//      and QRS area both come from the beats' shape (one modality, errors shared), RR is the
//      other: the result is trustworthy when the two modalities agree, or when only one is
//      usable, it is very clean (quality >= solo_quality), at >= 9/min (slower, one modality
//      cannot tell breathing from a Mayer wave) and nothing usable contradicts it;
//      otherwise the best estimate is reported, marked untrusted. Agreement must also hold
//      for persist_updates updates in a row (10 s): chance agreement is brief.
//      A spectral peak on the band's edge gives no estimate (a slower/faster rhythm's flank).
//   Delay: a 32 s window centred 16 s back; the estimate follows a change of rate in ~15 s.
//   Cost: per beat a few dozen flops; per second 3 spectra of 128 points x ~150 frequencies.
//   Memory: fixed rings (ECG 3 s, each series 32 s at 4 Hz), allocated at construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "attune/signal/beat.hpp"
#include "attune/signal/units.hpp"

namespace attune::signal {

struct DerivedRespConfig {
    Hz resample{4.0};
    Seconds window{32.0};
    Bpm min_rate{5.0};
    Bpm max_rate{40.0};
    double min_quality = 0.35;    // an estimate below this is not used
    double solo_quality = 0.9;    // a single modality this clean (>= 9/min) is trusted alone
    double agreement_bpm = 2.0;   // estimates this close agree (Karlen used 4 as an SD limit)
    // Agreement must hold this many updates (s) in a row: two or three breaths. Shorter runs
    // were seen when RR and R amplitude both follow a Mayer wave or a breath-depth alternation.
    std::size_t persist_updates = 10;
    Seconds max_beat_gap{3.0};  // a longer gap between usable beats restarts a series
};

struct DerivedRate {
    bool valid = false;     // enough data (a full window) to estimate
    double rate_bpm = 0.0;
    double quality = 0.0;   // 0..1, see [SECTION] What it does, step 3
};

enum class DerivedSource : std::uint8_t { RAmplitude = 0, QrsArea = 1, Rsa = 2 };
constexpr std::size_t kDerivedSourceCount = 3;

struct DerivedRespEstimate {
    double time_s = 0.0;  // end of the analysed window
    DerivedRate sources[kDerivedSourceCount];
    DerivedRate fused;
    bool trustworthy = false;
    std::uint8_t agreeing = 0;  // how many sources the fused rate averages
    const DerivedRate& source(DerivedSource s) const { return sources[static_cast<std::size_t>(s)]; }
};

class DerivedRespProcessor {
public:
    // ecg_rate: the ECG's sample rate, or Hz{0} when there are only beats (RR / HR straps).
    // Throws std::invalid_argument on an unusable config.
    DerivedRespProcessor(const DerivedRespConfig& config, Hz ecg_rate);
    ~DerivedRespProcessor();
    DerivedRespProcessor(DerivedRespProcessor&&) noexcept;
    DerivedRespProcessor& operator=(DerivedRespProcessor&&) noexcept;

    // One ECG sample (increasing times). Keeps the last 3 s for the beats' features.
    void push_ecg(double t_s, float x) noexcept;
    // One beat, in time order, no later than ~2.5 s after its ECG samples were pushed.
    void push_beat(const Beat& beat) noexcept;
    // Recompute the estimate for the window ending at now_s (call about once a second).
    const DerivedRespEstimate& update(double now_s) noexcept;
    const DerivedRespEstimate& estimate() const noexcept;
    void reset() noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Batch: every beat and sample of a recording, an estimate every `step_s`.
std::vector<DerivedRespEstimate> derived_resp_process(std::span<const float> ecg, Hz ecg_rate,
                                                      std::span<const Beat> beats,
                                                      const DerivedRespConfig& config = {},
                                                      double step_s = 1.0);

}  // namespace attune::signal
