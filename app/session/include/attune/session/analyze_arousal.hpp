// The arousal stage of `attune analyze` (order 300, after heart and breathing).
//
//   Reads, per timeline second, what the earlier stages wrote (hr_bpm, rmssd_ms, quality,
//   resp_rate_bpm, resp_amplitude, resp_quality) and optionally two inputs of its own:
//     --hr COLUMN    heart rate in bpm at the file's rate (pulse oximeters, wristbands, straps
//                    without RR): used when no beat source is given; it also fills hr_bpm and
//                    quality (share of plausible samples in the second) of the timeline.
//     --acc COLUMN   accelerometer magnitude (or one axis) in mG at the file's rate: movement.
//   Runs signal::ArousalDetector (calibration on the first 120 s of the recording) and writes
//     timeline.csv columns  arousal        index in z units (empty while calibrating)
//                           arousal_state  0 = calm, 1 = rising, 2 = high
//     DIR/arousal_episodes.csv   start_s,end_s,peak   (one row per non-calm run; peak = index)
//     DIR/hrv.json           an "arousal" object: features used, episodes, baseline (added to
//                            the heart stage's file, or written alone with --hr only)
//   Speech-like breathing is judged from the spread (coefficient of variation) of the
//   per-second breathing rate over the last 30 s, a stand-in for breath-interval variability.
#pragma once

#include <memory>

#include "attune/session/analyze.hpp"

namespace attune::session {

// nullptr when the options give nothing to estimate arousal from.
std::unique_ptr<AnalysisStage> make_arousal_stage(const AnalyzeOptions& options);

}  // namespace attune::session
