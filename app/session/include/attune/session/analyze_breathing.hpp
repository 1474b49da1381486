// The breathing stage of `attune analyze` (order 200, after the heart stage).
//
//   --resp COLUMN (a belt / impedance column, inspiration = up):
//     DIR/breaths.csv        time_s,event        event = inhale | exhale (extremum times)
//     timeline.csv columns   resp_rate_bpm, resp_amplitude, resp_phase, resp_quality, resp_source
//   only --ecg (or --ppg / --rr beats): the ECG/RR-derived rate instead (no breaths file):
//     resp_rate_bpm = fused derived rate (empty while unknown), resp_quality = its quality when
//     trusted, 0 when not; resp_amplitude and resp_phase stay empty.
//   Belt resp_rate_bpm: breaths/min over the last 30 s of detected breaths (60 x intervals /
//   their total time; the median of the last 4 when fewer); resp_amplitude: median depth of the
//   last 5 breath events; resp_quality: the worst quality index within the second.
//   resp_source: 1 = belt, 2 = ECG/RR-derived. DIR/breathing.json says the same in words
//   ("resp_source": "belt" | "ecg_rr_derived") with whole-recording figures.
//
//   resp_phase is an angle in radians in [0, 2 pi): 0 = inhalation onset, pi = exhalation onset,
//   interpolated between the detected breaths at the row's time (the analysis is offline, so
//   both neighbouring events are known); empty when the row lies in a gap between breaths
//   longer than 2.5 typical breaths.
#pragma once

#include <memory>

#include "attune/session/analyze.hpp"

namespace attune::session {

// nullptr when the options ask for no breathing (neither --resp nor a beat source).
std::unique_ptr<AnalysisStage> make_breathing_stage(const AnalyzeOptions& options);

}  // namespace attune::session
