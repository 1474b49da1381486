// `attune report`: a one-page PNG of a recorded session for the couple or their therapist —
// key figures on top, then the timeline of both partners' heart rate, breathing rate and arousal
// with the session's events (pauses, steps, markers) drawn across it.
#pragma once

#include <string>

namespace attune::session {

struct ReportImage {
    int width = 1240;
    int height = 1600;
};

// Reads DIR (summary.json, events.csv, <p>_seconds.csv) and writes the PNG to png_path.
// Returns false with a message in `error` when DIR holds no finished recording or the PNG
// cannot be written.
bool write_session_report(const std::string& dir, const std::string& png_path, std::string& error,
                          ReportImage size = {});

}  // namespace attune::session
