#include "attune/hardware/sim/heart.hpp"

#include <algorithm>
#include <numbers>

namespace attune::hardware::sim {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kResonanceHz = 0.1;
constexpr double kRsaDamping = 0.6;
constexpr double kLfBandwidthHz = 0.03;
constexpr double kVlfTau_s = 40.0;
constexpr double kVlfSd_ms = 18.0;
constexpr double kCalmTau_s = 30.0;
constexpr double kWanderTau_s = 3.0;

// One step of a unit-variance Ornstein-Uhlenbeck process.
double ou_step(double x, double tau_s, SimRng& rng) noexcept {
    const double a = std::exp(-ModulationGrid::kStep_s / tau_s);
    return a * x + std::sqrt(1.0 - a * a) * rng.normal();
}

}  // namespace

double rsa_gain(double breath_rate_hz) noexcept {
    const double r = breath_rate_hz / kResonanceHz;
    const double two_zeta = 2.0 * kRsaDamping;
    const double gain = two_zeta / std::sqrt((1.0 - r * r) * (1.0 - r * r) + (two_zeta * r) * (two_zeta * r));
    return std::min(1.0, gain);
}

ModulationGrid::ModulationGrid(SimRng rng, double start_s) noexcept : rng_(rng), first_time_(start_s) {
    // AR(2) resonator x[n] = a1 x[n-1] + a2 x[n-2] + e[n]; the pole radius sets the bandwidth.
    // Each person's Mayer rhythm sits a little differently between 0.09 and 0.11 Hz.
    const double centre_hz = rng_.uniform(0.09, 0.11);
    const double radius = std::exp(-std::numbers::pi * kLfBandwidthHz * kStep_s);
    lf_a1_ = 2.0 * radius * std::cos(kTwoPi * centre_hz * kStep_s);
    lf_a2_ = -radius * radius;
    // Stationary variance of AR(2) per unit noise variance; scale the noise for unit output.
    const double var = (1.0 - lf_a2_) / ((1.0 + lf_a2_) * ((1.0 - lf_a2_) * (1.0 - lf_a2_) - lf_a1_ * lf_a1_));
    lf_noise_sd_ = 1.0 / std::sqrt(var);
    // Start in the stationary state rather than at zero.
    lf_prev_ = rng_.normal();
    lf_prev2_ = lf_prev_ * lf_a1_ / (1.0 - lf_a2_);
    last_.vlf_ms = kVlfSd_ms * rng_.normal();
    for (double& w : last_.wander) w = rng_.normal();
}

void ModulationGrid::push(double calm_target) noexcept {
    Point p;
    p.lf = lf_a1_ * lf_prev_ + lf_a2_ * lf_prev2_ + lf_noise_sd_ * rng_.normal();
    lf_prev2_ = lf_prev_;
    lf_prev_ = p.lf;
    p.vlf_ms = kVlfSd_ms * ou_step(last_.vlf_ms / kVlfSd_ms, kVlfTau_s, rng_);
    p.calm = last_.calm + (std::clamp(calm_target, 0.0, 1.0) - last_.calm) *
                              (1.0 - std::exp(-kStep_s / kCalmTau_s));
    for (int i = 0; i < 3; ++i) p.wander[i] = ou_step(last_.wander[i], kWanderTau_s, rng_);
    points_.push_back(p);
    last_ = p;
}

ModulationGrid::Point ModulationGrid::at(double t) const noexcept {
    if (points_.empty()) return last_;
    const double pos = std::clamp((t - first_time_) / kStep_s, 0.0, static_cast<double>(points_.size() - 1));
    const auto i = static_cast<std::size_t>(pos);
    if (i + 1 >= points_.size()) return points_[points_.size() - 1];
    const double f = pos - static_cast<double>(i);
    const Point& a = points_[i];
    const Point& b = points_[i + 1];
    Point p;
    p.lf = a.lf + f * (b.lf - a.lf);
    p.vlf_ms = a.vlf_ms + f * (b.vlf_ms - a.vlf_ms);
    p.calm = a.calm + f * (b.calm - a.calm);
    for (int k = 0; k < 3; ++k) p.wander[k] = a.wander[k] + f * (b.wander[k] - a.wander[k]);
    return p;
}

void ModulationGrid::drop_before(double t) noexcept {
    while (points_.size() > 2 && first_time_ + kStep_s < t) {
        points_.pop_front();
        first_time_ += kStep_s;
    }
}

SinusNode::SinusNode(SimRng rng, double start_s, double initial_rr_ms, Ectopy ectopy) noexcept
    : rng_(rng), ectopy_(ectopy), t_(start_s) {
    // Start part-way through an interval: the previous (virtual) beat lies before the start.
    phase_ = rng_.uniform(0.0, 1.0);
    rate_ = 1000.0 / initial_rr_ms;
    last_beat_s_ = start_s - phase_ * initial_rr_ms / 1000.0;
    threshold_ = 1.0 + kJitter * rng_.normal();
}

BeatEvent SinusNode::emit(double time_s, BeatKind kind, double sinus_rr_ms) noexcept {
    BeatEvent beat;
    beat.time_s = time_s;
    beat.rr_ms = first_ ? 0.0 : (time_s - last_beat_s_) * 1000.0;
    beat.sinus_rr_ms = sinus_rr_ms;
    beat.kind = kind;
    first_ = false;
    last_beat_s_ = time_s;

    // Decide whether the next beat comes early. The draws happen whether or not ectopy is on,
    // so switching ectopic beats on or off leaves the rest of the rhythm unchanged.
    const double u_pvc = rng_.uniform();
    const double u_pac = rng_.uniform();
    const double coupling = rng_.uniform();
    if (kind != BeatKind::Sinus) return beat;  // no runs of ectopics
    const double rr_s = sinus_rr_ms / 1000.0;
    if (u_pvc < ectopy_.pvc_per_min * rr_s / 60.0) {
        pvc_pending_ = true;
        pvc_coupling_ = 0.55 + 0.17 * coupling;
    } else if (u_pac < ectopy_.pac_per_min * rr_s / 60.0) {
        pac_time_s_ = time_s + (0.6 + 0.2 * coupling) * rr_s;
    }
    return beat;
}

}  // namespace attune::hardware::sim
