// Registers the arousal stage with `attune analyze` (adds `--hr COLUMN` and `--acc COLUMN`); the
// stage itself lives in app/session/src/analyze_arousal.cpp.
#include "attune/session/analyze_arousal.hpp"

namespace {
const attune::session::StageRegistration kArousalStage{{
    .name = "arousal",
    .order = 300,  // after heart (100) and breathing (200): reads their timeline cells
    .inputs = {{"hr", "Heart-rate column in bpm at the file's rate (when there are no beats)"},
               {"acc", "Accelerometer magnitude (or one axis) column in mG: movement"}},
    .make = [](const attune::session::AnalyzeOptions& o) { return attune::session::make_arousal_stage(o); }}};
}  // namespace
