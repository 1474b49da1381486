// Breath-by-breath respiration: each cycle is planned when the previous one ends (rate,
// inhale/exhale split, depth, kind), and lung volume inside a cycle is a closed-form shape:
//   inhalation - active, raised-cosine rise from end-expiratory level to the tidal depth;
//   exhalation - passive, (1 + kx) e^{-kx} decay (starts flat, ends near the rest level);
//   speech     - quick inhalation, long near-linear exhalation with phonation ripple.
// Cost: one exp or cos per volume evaluation; planning a cycle draws a few random numbers.
#pragma once

#include <optional>

#include "attune/hardware/partner_model.hpp"
#include "attune/hardware/sim/random.hpp"

namespace attune::hardware::sim {

struct BreathCycle {
    double onset_s = 0.0;    // inhalation onset (end-expiratory level)
    double inhale_s = 2.0;
    double exhale_s = 3.0;   // including the end-expiratory pause
    double depth = 1.0;      // tidal volume, belt units
    BreathKind kind = BreathKind::Normal;

    double period_s() const noexcept { return inhale_s + exhale_s; }
    double end_s() const noexcept { return onset_s + inhale_s + exhale_s; }
    double peak_s() const noexcept { return onset_s + inhale_s; }
    double rate_bpm() const noexcept { return 60.0 / period_s(); }
};

// Volume above the end-expiratory level at t (clamped into the cycle), 0 .. depth.
double breath_volume(const BreathCycle& cycle, double t) noexcept;

// Mean of breath_volume / depth over a normal cycle with this inhale fraction (what RSA is
// measured against, so that modulation has zero mean).
double breath_shape_mean(double inhale_fraction) noexcept;

class BreathingModel {
public:
    BreathingModel(const PartnerProfile& profile, SimRng rng, double start_s);

    void set_pacer(std::optional<PacerTarget> pacer) noexcept { pacer_ = pacer; }

    // Plans the cycle that follows the last one. arousal_bpm: the scripted heart-rate
    // increase at its onset (arousal speeds and shallows breathing); speech: the cycle falls
    // in a speech stretch.
    BreathCycle plan_next(double arousal_bpm, bool speech) noexcept;

    double next_onset_s() const noexcept { return next_onset_s_; }
    double followed_rate_bpm() const noexcept { return rate_bpm_; }

private:
    double own_rate_bpm(double arousal_bpm) const noexcept;
    double pull_onto_pacer(double onset, double period, double closeness) const noexcept;

    PartnerProfile profile_;
    SimRng rng_;
    std::optional<PacerTarget> pacer_;
    double rate_bpm_;        // slowly converging rate the partner is breathing at
    double next_onset_s_;
    double last_period_s_;
};

}  // namespace attune::hardware::sim
