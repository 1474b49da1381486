// The shared breathing pacer: where in its inhale/hold/exhale cycle the guide is at a time.
#pragma once

namespace attune::session {

struct PacerSettings {
    double breaths_per_min = 6.0;
    double inhale_fraction = 0.4;  // share of the cycle spent inhaling
    double hold_fraction = 0.0;    // share spent holding after the inhale
};

enum class PacerStage { Inhale, Hold, Exhale };

struct PacerPhase {
    PacerStage stage = PacerStage::Inhale;
    double completion = 0.0;  // 0..1 within the stage
    double cycle = 0.0;       // 0..1 within the whole breath
    double size = 0.0;        // 0 (empty lungs) .. 1 (full): what the guide's shape shows
};

// Smooth (cosine-eased) guide so the shape never jerks.
PacerPhase pacer_phase(const PacerSettings& settings, double t_s);
// The same shape at a position in the breath (cycle: breaths counted, only the fraction matters),
// so a pace that changes mid-session keeps the guide continuous.
PacerPhase pacer_shape(const PacerSettings& settings, double cycle);

}  // namespace attune::session
