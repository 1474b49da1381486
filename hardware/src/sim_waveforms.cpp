#include "attune/hardware/sim/waveforms.hpp"

#include <algorithm>
#include <numbers>
#include <stdexcept>

namespace attune::hardware::sim {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kWindowBefore_s = 0.6;  // P wave lies at most this far before its R peak
constexpr double kWindowAfter_s = 1.0;   // T wave ends within this after its R peak

double gaussian(double x, double sigma) noexcept { return std::exp(-0.5 * (x / sigma) * (x / sigma)); }

}  // namespace

const EcgMorphology& sinus_morphology() noexcept {
    // theta (rad), a, b (rad), HR exponent of theta: the values of ECGSYN's reference code.
    static const EcgMorphology m{{{-70.0 * kDeg, 1.2, 0.25, 0.25},
                                  {-15.0 * kDeg, -5.0, 0.1, 0.5},
                                  {0.0, 30.0, 0.1, 0.0},
                                  {15.0 * kDeg, -7.5, 0.1, 0.5},
                                  {100.0 * kDeg, 0.75, 0.4, 0.25}}};
    return m;
}

const EcgMorphology& pac_morphology() noexcept {
    // An ectopic atrial focus: a smaller, earlier-peaking P wave; ventricles conduct normally.
    static const EcgMorphology m{{{-55.0 * kDeg, 0.6, 0.2, 0.25},
                                  {-15.0 * kDeg, -5.0, 0.1, 0.5},
                                  {0.0, 30.0, 0.1, 0.0},
                                  {15.0 * kDeg, -7.5, 0.1, 0.5},
                                  {100.0 * kDeg, 0.75, 0.4, 0.25}}};
    return m;
}

const EcgMorphology& pvc_morphology() noexcept {
    // Ventricular origin: no P wave, slow cell-to-cell conduction gives a wide (> 120 ms),
    // tall QRS, and repolarisation runs the other way (T opposite to the QRS).
    static const EcgMorphology m{{{0.0, 0.0, 0.1, 0.0},
                                  {-20.0 * kDeg, -0.6, 0.2, 0.5},
                                  {5.0 * kDeg, 3.2, 0.4, 0.0},
                                  {48.0 * kDeg, -2.2, 0.3, 0.5},
                                  {125.0 * kDeg, -0.6, 0.5, 0.25}}};
    return m;
}

EcgSynth::EcgSynth(double rate_hz, double r_amplitude_mv) : h_(1.0 / rate_hz) {
    if (!(rate_hz > 0.0)) throw std::invalid_argument("EcgSynth: sample rate must be positive");
    // Calibrate: draw one isolated normal beat at 60 bpm and measure its R wave.
    BeatRing beats;
    BeatEvent b;
    b.sinus_rr_ms = 1000.0;
    b.time_s = 0.0;
    beats.push_back(b);
    b.time_s = 1.0;
    beats.push_back(b);
    b.time_s = 2.0;
    beats.push_back(b);
    double peak = 0.0;
    for (double t = 0.5; t < 1.5; t += h_) peak = std::max(peak, step(beats, t));
    scale_ = r_amplitude_mv / peak;
    reset();
}

double EcgSynth::attractor(const BeatRing& beats, double t) const noexcept {
    double sum = 0.0;
    for (std::size_t k = 0; k < beats.size(); ++k) {
        const BeatEvent& beat = beats[k];
        const double since = t - beat.time_s;
        if (since < -kWindowBefore_s) break;  // later beats are even further ahead
        if (since > kWindowAfter_s) continue;
        const EcgMorphology& morph = beat.kind == BeatKind::Pvc   ? pvc_morphology()
                                     : beat.kind == BeatKind::Pac ? pac_morphology()
                                                                  : sinus_morphology();
        const double hr_ratio = std::clamp(60000.0 / beat.sinus_rr_ms, 0.4, 3.5);  // HR / 60
        const double omega = kTwoPi * hr_ratio;  // rad/s of this beat's limit cycle
        const double width_factor = std::sqrt(hr_ratio);
        const double fourth_root = std::sqrt(width_factor);
        const double phase = omega * since;
        for (const EcgWave& w : morph) {
            if (w.a == 0.0) continue;
            const double b = w.b * width_factor;
            const double theta_factor = w.theta_hr_exponent == 0.5    ? width_factor
                                        : w.theta_hr_exponent == 0.25 ? fourth_root
                                                                      : 1.0;
            const double dtheta = phase - w.theta * theta_factor;
            if (std::abs(dtheta) > 5.0 * b) continue;
            sum -= beat.ecg_gain * w.a * dtheta * std::exp(-0.5 * dtheta * dtheta / (b * b));
        }
    }
    return sum;
}

double EcgSynth::step(const BeatRing& beats, double t) noexcept {
    // RK4 from t - h to t for z' = S(t) - z (S does not depend on z).
    const double s0 = attractor(beats, t - h_);
    const double s_mid = attractor(beats, t - 0.5 * h_);
    const double s1 = attractor(beats, t);
    const double k1 = s0 - z_;
    const double k2 = s_mid - (z_ + 0.5 * h_ * k1);
    const double k3 = s_mid - (z_ + 0.5 * h_ * k2);
    const double k4 = s1 - (z_ + h_ * k3);
    z_ += h_ / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    return scale_ * z_;
}

double ppg_pulse_shape(double tau) noexcept {
    if (tau <= -0.2 || tau >= kPulseLength_s) return 0.0;
    // Systolic wave: quick upstroke (sigma 50 ms), slower fall (75 ms).
    const double systolic = gaussian(tau - kSystolicPeak_s, tau < kSystolicPeak_s ? 0.05 : 0.075);
    // Reflected diastolic wave, separated from the systolic one by the dicrotic notch.
    const double diastolic = 0.42 * gaussian(tau - 0.36, 0.065);
    // Run-off: the arterial volume draining until the next beat.
    const double runoff = tau > 0.36 ? 0.18 * std::exp(-(tau - 0.36) / 0.22) * (1.0 - gaussian(tau - 0.36, 0.05))
                                     : 0.0;
    // Taper to exactly zero at the end of the window.
    const double taper = tau > 0.9 ? 0.5 * (1.0 + std::cos(std::numbers::pi * (tau - 0.9) / 0.2)) : 1.0;
    return (systolic + diastolic + runoff) * taper;
}

}  // namespace attune::hardware::sim
