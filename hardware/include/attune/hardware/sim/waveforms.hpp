// Waveform renderers driven by the beat schedule.
#pragma once

#include <array>
#include <cmath>

#include "attune/hardware/sim/heart.hpp"
#include "attune/hardware/sim/random.hpp"

namespace attune::hardware::sim {

using BeatRing = Ring<BeatEvent, 128>;

// One Gaussian event of McSharry's ECGSYN attractor: its angle on the limit cycle (rad,
// R peak = 0), amplitude a and width b (rad).
struct EcgWave {
    double theta = 0.0;
    double a = 0.0;
    double b = 0.1;
    double theta_hr_exponent = 0.0;  // theta scales with (HR/60)^exponent (ECGSYN: 1/4 P,T; 1/2 Q,S)
};
using EcgMorphology = std::array<EcgWave, 5>;

// ECGSYN's normal sinus beat (McSharry et al. 2003, Table 1), and the wide, P-less,
// discordant-T complex of a premature ventricular beat.
const EcgMorphology& sinus_morphology() noexcept;
const EcgMorphology& pac_morphology() noexcept;
const EcgMorphology& pvc_morphology() noexcept;

// ECG by ECGSYN's z equation, dz/dt = -sum_i a_i dtheta_i exp(-dtheta_i^2 / 2 b_i^2) - z,
// integrated per sample with RK4. Each beat carries its own limit-cycle phase
// theta = omega_k (t - t_k) with omega_k = 2 pi / RR (the underlying sinus interval), and
// ECGSYN's rate scaling (b_i and the Q/S, P/T angles grow with sqrt(HR/60) and (HR/60)^1/4,
// which keeps amplitudes rate-independent and shortens QT like Bazett). The z output is
// scaled so a normal R wave has the configured height in mV.
// Delay: none (the P wave of a beat is drawn before it from the look-ahead schedule).
// Cost: 3 evaluations of the attractor term per sample, each a handful of exps for the
// waves within 5 widths.
class EcgSynth {
public:
    EcgSynth(double rate_hz, double r_amplitude_mv);

    // Advances one sample to time t and returns the clean ECG in mV.
    double step(const BeatRing& beats, double t) noexcept;
    void reset() noexcept { z_ = 0.0; }

private:
    double attractor(const BeatRing& beats, double t) const noexcept;

    double h_;
    double scale_ = 1.0;  // z units -> mV
    double z_ = 0.0;
};

// PPG pulse at a fingertip, tau seconds after the pulse's foot, for a rest-rate beat: a
// steep systolic upstroke and peak, the dicrotic notch, the diastolic (reflected) wave and
// a slow run-off. Peak 1 at kSystolicPeak_s.
double ppg_pulse_shape(double tau_s) noexcept;
inline constexpr double kSystolicPeak_s = 0.12;
inline constexpr double kPulseLength_s = 1.1;

}  // namespace attune::hardware::sim
