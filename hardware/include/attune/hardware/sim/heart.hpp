// The heart's rhythm: slow autonomic modulators on a 4 Hz grid, an integral pulse frequency
// modulation (IPFM) sinus node that turns an instantaneous RR interval into beat times, and
// the ectopic beats that interrupt it.
#pragma once

#include <cmath>
#include <limits>

#include "attune/hardware/partner_model.hpp"
#include "attune/hardware/sim/random.hpp"

namespace attune::hardware::sim {

// RSA gain relative to breathing at the baroreflex resonance (~0.1 Hz, 6 breaths/min):
// a second-order low-pass with resonance at 0.1 Hz and damping 0.6, capped at 1 (Hirsch &
// Bishop 1981; Vaschillo et al. 2002). 12/min gives ~0.31, 15/min ~0.2.
double rsa_gain(double breath_rate_hz) noexcept;

// Slow modulators, one point every 0.25 s, linearly interpolated in between:
//   lf     - Mayer waves: AR(2) resonator at ~0.1 Hz (bandwidth 0.03 Hz), unit variance
//   vlf_ms - slow drift of the mean RR (Ornstein-Uhlenbeck, tau 40 s, sd 18 ms)
//   calm   - 0..1, parasympathetic state built up by slow breathing (tau 30 s)
//   wander - three unit-variance OU processes (tau 3 s) for ECG/PPG/belt baseline wander
// Cost: a few multiply-adds and four normal draws per grid point.
class ModulationGrid {
public:
    static constexpr double kStep_s = 0.25;
    struct Point {
        double lf = 0.0;
        double vlf_ms = 0.0;
        double calm = 0.0;
        double wander[3] = {0.0, 0.0, 0.0};
    };

    ModulationGrid(SimRng rng, double start_s) noexcept;

    double next_time() const noexcept { return first_time_ + kStep_s * static_cast<double>(points_.size()); }
    // Appends the next point, given where calm is heading (from the current breathing rate).
    void push(double calm_target) noexcept;
    // Interpolated value; t is clamped into the grid.
    Point at(double t) const noexcept;
    // Forget points more than one step before t.
    void drop_before(double t) noexcept;

private:
    SimRng rng_;
    Ring<Point, 512> points_;
    double first_time_;
    double lf_prev_ = 0.0, lf_prev2_ = 0.0;
    double lf_a1_ = 0.0, lf_a2_ = 0.0, lf_noise_sd_ = 0.0;
    Point last_;
};

// A beat as scheduled: its time, what kind, and what the waveforms need to draw it.
struct BeatEvent {
    double time_s = 0.0;
    double rr_ms = 0.0;          // from the previous beat (0 for the first)
    double sinus_rr_ms = 1000.0; // underlying sinus interval at the beat (sets wave timing)
    BeatKind kind = BeatKind::Sinus;
    double ecg_gain = 1.0;       // respiratory modulation of QRS amplitude (EDR)
    double pulse_amplitude = 1.0;
    double pulse_transit_s = 0.25;
    double pulse_scale = 1.0;    // time scaling of the pulse shape (shorter at high rates)
};

// IPFM sinus node: the phase integrates 1000 / RR(t) (RR in ms) and fires at a threshold
// with a small per-beat jitter (non-respiratory HF noise, ~0.6 % of RR). Premature
// ventricular beats fire at 55-72 % of the interval and conceal the next sinus beat (full
// compensatory pause); premature atrial beats fire at 60-80 % and reset the node.
// Cost: one RR(t) evaluation per 4 ms step.
class SinusNode {
public:
    struct Ectopy {
        double pvc_per_min = 0.0;
        double pac_per_min = 0.0;
    };

    SinusNode(SimRng rng, double start_s, double initial_rr_ms, Ectopy ectopy) noexcept;

    // Time of the (virtual) beat just before the start, so the first interval is whole.
    double previous_beat_s() const noexcept { return last_beat_s_; }

    // Integrates forward and returns the next beat (rr_ms_at: the instantaneous sinus RR in
    // ms at a time). Only the time, rr_ms, sinus_rr_ms and kind fields are filled in.
    template <typename RrAt>
    BeatEvent next(RrAt&& rr_ms_at) noexcept {
        constexpr double h = 0.004;
        for (;;) {
            const double t1 = t_ + h;
            if (pac_time_s_ < t1) {
                phase_ = 0.0;
                t_ = pac_time_s_;
                pac_time_s_ = kNever;
                rate_ = 1000.0 / rr_ms_at(t_);
                return emit(t_, BeatKind::Pac, 1000.0 / rate_);
            }
            const double rate1 = 1000.0 / rr_ms_at(t1);
            const double increment = 0.5 * (rate_ + rate1) * h;
            if (phase_ + increment >= threshold_) {
                const double fire = t_ + h * (threshold_ - phase_) / increment;
                phase_ = phase_ + increment - threshold_;
                threshold_ = 1.0 + kJitter * rng_.normal();
                t_ = t1;
                rate_ = rate1;
                if (pvc_pending_) {
                    // The sinus beat at `fire` is concealed by the PVC's refractory period.
                    pvc_pending_ = false;
                    const double pvc = last_beat_s_ + pvc_coupling_ * (fire - last_beat_s_);
                    return emit(pvc, BeatKind::Pvc, 1000.0 / rate_);
                }
                return emit(fire, BeatKind::Sinus, 1000.0 / rate_);
            }
            phase_ += increment;
            t_ = t1;
            rate_ = rate1;
        }
    }

private:
    static constexpr double kNever = std::numeric_limits<double>::infinity();
    static constexpr double kJitter = 0.006;

    BeatEvent emit(double time_s, BeatKind kind, double sinus_rr_ms) noexcept;

    SimRng rng_;
    Ectopy ectopy_;
    double t_;
    double phase_;
    double rate_ = 1.0;  // beats per second at t_
    double threshold_ = 1.0;
    double last_beat_s_;
    bool first_ = true;
    bool pvc_pending_ = false;
    double pvc_coupling_ = 0.6;
    double pac_time_s_ = kNever;
};

}  // namespace attune::hardware::sim
