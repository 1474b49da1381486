#include "attune/session/pacer.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attune::session {

PacerPhase pacer_phase(const PacerSettings& settings, double t_s) {
    const double period = 60.0 / std::clamp(settings.breaths_per_min, 1.0, 30.0);
    return pacer_shape(settings, std::max(0.0, t_s) / period);
}

PacerPhase pacer_shape(const PacerSettings& settings, double cycles) {
    const double inhale = std::clamp(settings.inhale_fraction, 0.1, 0.8);
    const double hold = std::clamp(settings.hold_fraction, 0.0, 0.5);
    const double exhale = std::max(0.1, 1.0 - inhale - hold);
    const double cycle = cycles - std::floor(cycles);
    const auto ease = [](double x) { return 0.5 - 0.5 * std::cos(std::numbers::pi * x); };

    PacerPhase p;
    p.cycle = cycle;
    if (cycle < inhale) {
        p.stage = PacerStage::Inhale;
        p.completion = cycle / inhale;
        p.size = ease(p.completion);
    } else if (cycle < inhale + hold) {
        p.stage = PacerStage::Hold;
        p.completion = (cycle - inhale) / hold;
        p.size = 1.0;
    } else {
        p.stage = PacerStage::Exhale;
        p.completion = std::min(1.0, (cycle - inhale - hold) / exhale);
        p.size = 1.0 - ease(p.completion);
    }
    return p;
}

}  // namespace attune::session
