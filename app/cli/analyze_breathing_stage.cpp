// Registers the breathing stage with `attune analyze` (adds `--resp COLUMN`); the stage itself
// lives in app/session/src/analyze_breathing.cpp.
#include "attune/session/analyze_breathing.hpp"

namespace {
const attune::session::StageRegistration kBreathingStage{{
    .name = "breathing",
    .order = 200,  // after the heart stage (its beats feed the ECG/RR-derived estimate)
    .inputs = {{"resp", "Respiration column, belt or impedance (inspiration = up)"}},
    .make = [](const attune::session::AnalyzeOptions& o) { return attune::session::make_breathing_stage(o); }}};
}  // namespace
