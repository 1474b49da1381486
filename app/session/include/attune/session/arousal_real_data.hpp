// The arousal detector over the real calm recordings in shared/data (used by `attune bench
// arousal` and tests/arousal): per-second features from each recording's beats (reference
// annotations or the strap's own RR intervals), its HR series, or its reference breaths.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "attune/signal/arousal.hpp"

namespace attune::session {

struct RealRecording {
    std::string name;
    // Fills one ArousalFeatures per second; returns an error message ("" = fine).
    std::function<std::string(std::vector<signal::ArousalFeatures>&)> load;
};

// The calm resting recordings: mitdb 100 (reference beats, the project's R-peak detector, and each
// with heart rate alone), polar_h10_a (the strap's RR, and its HR alone), neurokit resting 5 min
// (the project's R peaks + belt breaths, and its reference breaths alone).
std::vector<RealRecording> real_calm_recordings(const std::string& data_dir);

struct RealRun {
    std::string error;
    std::vector<signal::ArousalOutput> outputs;
    std::vector<signal::ArousalEpisodeSpan> episodes;
    signal::FeatureSet features_seen = 0;
    double seconds = 0.0;
    double max_index = 0.0;
};

RealRun run_real_recording(const RealRecording& recording, const signal::ArousalConfig& config);

// Per-second features from beat times (s) and their RR (ms; 0 for the first).
std::vector<signal::ArousalFeatures> features_from_beats(const std::vector<double>& times_s,
                                                         const std::vector<double>& rr_ms,
                                                         double duration_s);

}  // namespace attune::session
