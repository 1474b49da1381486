#include "attune/hardware/sim/breathing.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attune::hardware::sim {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kPassiveK = 5.0;          // steepness of passive exhalation
constexpr double kBreathRateCv = 0.12;     // breath-to-breath period variability at rest
constexpr double kDepthCv = 0.10;          // breath-to-breath tidal volume variability
constexpr double kArousalRatePerBpm = 0.25;  // breaths/min faster per bpm of arousal
constexpr double kArousalDepthPerBpm = 0.015;  // relative depth lost per bpm of arousal
constexpr double kFreeDriftTau_s = 10.0;   // how fast the own rate follows arousal

// (1 + kx) e^{-kx}: starts with zero slope (no kink at the end of inhalation).
double passive_decay(double x) noexcept { return (1.0 + kPassiveK * x) * std::exp(-kPassiveK * x); }

double passive_exhale_shape(double x) noexcept {
    static const double tail = passive_decay(1.0);
    return (passive_decay(x) - tail) / (1.0 - tail);
}

double clamp01(double x) noexcept { return std::clamp(x, 0.0, 1.0); }

}  // namespace

double breath_volume(const BreathCycle& c, double t) noexcept {
    const double x = t - c.onset_s;
    if (x <= 0.0) return 0.0;
    if (x < c.inhale_s) return c.depth * 0.5 * (1.0 - std::cos(kPi * x / c.inhale_s));
    const double into_exhale = x - c.inhale_s;
    const double y = clamp01(into_exhale / c.exhale_s);
    if (c.kind == BreathKind::Speech) {
        // Talking: air let out steadily, with a ripple from phrasing (vanishes at both ends).
        const double ripple = 0.12 * y * (1.0 - y) * std::sin(2.0 * kPi * 1.7 * into_exhale);
        return c.depth * std::max(0.0, (1.0 - y) + ripple);
    }
    return c.depth * passive_exhale_shape(y);
}

double breath_shape_mean(double inhale_fraction) noexcept {
    const double k = kPassiveK;
    const double tail = passive_decay(1.0);
    const double integral = 2.0 / k - (2.0 + k) / k * std::exp(-k);
    const double exhale_mean = (integral - tail) / (1.0 - tail);
    return inhale_fraction * 0.5 + (1.0 - inhale_fraction) * exhale_mean;
}

BreathingModel::BreathingModel(const PartnerProfile& profile, SimRng rng, double start_s)
    : profile_(profile), rng_(rng), rate_bpm_(profile.resp_rate_bpm) {
    // Start somewhere inside a breath so two partners never begin in lockstep.
    last_period_s_ = 60.0 / rate_bpm_;
    next_onset_s_ = start_s - rng_.uniform(0.0, last_period_s_);
}

double BreathingModel::own_rate_bpm(double arousal_bpm) const noexcept {
    return std::clamp(profile_.resp_rate_bpm + kArousalRatePerBpm * arousal_bpm, 3.0, 40.0);
}

double BreathingModel::pull_onto_pacer(double onset, double period, double closeness) const noexcept {
    if (!pacer_ || closeness <= 0.0) return period;
    const double pacer_period = 60.0 / pacer_->breaths_per_min;
    const double end = onset + period;
    const double cycles = std::round((end - pacer_->cycle_origin_s) / pacer_period);
    const double pacer_onset = pacer_->cycle_origin_s + cycles * pacer_period;
    const double pulled = period + 0.5 * closeness * (pacer_onset - end);
    return std::max(0.5 * period, pulled);
}

BreathCycle BreathingModel::plan_next(double arousal_bpm, bool speech) noexcept {
    const double own = own_rate_bpm(arousal_bpm);
    double target = own;
    double inhale_fraction = profile_.inhale_fraction;
    double tau = kFreeDriftTau_s;
    double compliance = 0.0;
    if (pacer_) {
        compliance = std::clamp(profile_.pacer_compliance, 0.0, 1.0);
        target = (1.0 - compliance) * own + compliance * pacer_->breaths_per_min;
        inhale_fraction = (1.0 - compliance) * inhale_fraction + compliance * pacer_->inhale_fraction;
        tau = std::max(0.5, profile_.pacer_lag_s);
    }
    // First-order convergence with time constant tau, stepped one breath at a time.
    rate_bpm_ += (target - rate_bpm_) * (1.0 - std::exp(-last_period_s_ / tau));

    // How closely the partner is following the pacer: paced breathing is regular and in phase.
    const double closeness =
        pacer_ ? compliance * std::exp(-std::abs(rate_bpm_ - pacer_->breaths_per_min) / 1.0) : 0.0;
    const double cv = kBreathRateCv * (1.0 - 0.75 * closeness);
    double period = 60.0 / rate_bpm_ * std::clamp(1.0 + cv * rng_.normal(), 0.6, 1.5);
    period = pull_onto_pacer(next_onset_s_, period, closeness);

    const double arousal_depth = std::max(0.5, 1.0 - kArousalDepthPerBpm * arousal_bpm);
    const double slow_depth = std::clamp(std::sqrt(profile_.resp_rate_bpm / rate_bpm_), 0.7, 1.5);
    double depth = profile_.resp_depth * arousal_depth * slow_depth *
                   std::clamp(1.0 + kDepthCv * rng_.normal(), 0.6, 1.5);

    BreathCycle c;
    c.onset_s = next_onset_s_;
    if (speech) {
        c.kind = BreathKind::Speech;
        c.inhale_s = rng_.uniform(0.4, 0.8);
        c.exhale_s = rng_.uniform(2.0, 5.5);
        c.depth = depth * rng_.uniform(0.6, 1.3);
    } else if (rng_.chance(profile_.sighs_per_min * period / 60.0 * (1.0 - 0.7 * closeness))) {
        // A sigh: a breath two to three times deeper, drawn in and let out more slowly.
        c.kind = BreathKind::Sigh;
        c.inhale_s = inhale_fraction * period * 1.8;
        c.exhale_s = (1.0 - inhale_fraction) * period * 1.8;
        c.depth = depth * rng_.uniform(2.0, 3.0);
    } else {
        const double fraction = std::clamp(inhale_fraction * (1.0 + 0.05 * rng_.normal()), 0.2, 0.7);
        c.inhale_s = fraction * period;
        c.exhale_s = period - c.inhale_s;
        c.depth = depth;
    }
    next_onset_s_ = c.end_s();
    last_period_s_ = c.period_s();
    return c;
}

}  // namespace attune::hardware::sim
