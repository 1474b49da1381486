// What the UI draws: an immutable picture of the session at one moment, published by the engine
// thread and read by the UI thread (shared_ptr<const Snapshot> swapped under a small lock).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "attune/session/event_log.hpp"
#include "attune/session/pacer.hpp"
#include "attune/signal/samples.hpp"

namespace attune::session {

struct Trace {
    std::vector<float> values;  // oldest first
    double rate_hz = 0.0;       // samples per second of `values`
};

struct PartnerView {
    std::string name;
    std::string device;      // "simulated", "serial:/dev/ttyUSB0", ...
    std::string link;        // "streaming", "stalled", ...
    bool has_signal = false; // enough good data for the numbers below
    double hr_bpm = 0.0;
    double rmssd_ms = 0.0;
    double resp_rate_bpm = 0.0;
    double resp_size = 0.0;  // 0..1 own breathing, drawn on the pacer
    bool inhaling = false;
    double arousal = 0.0;    // 0..1
    std::string arousal_state = "calm";  // calm | rising | high
    double quality = 0.0;    // 0..1 signal quality
    std::string quality_hint;            // e.g. "check the chest strap" (never a number)
    Trace ecg, resp, hr;
};

struct CueView {
    bool active = false;
    std::string title;        // "Would it help if we pause?"
    std::string text;         // the agreed wording
    double remaining_s = 0.0; // soft countdown; 0 when untimed
};

struct Snapshot {
    double session_time_s = 0.0;
    std::string phase = "starting";  // protocol phase name
    PacerSettings pacer_settings;
    PacerPhase pacer;
    bool pacer_visible = true;
    double breathing_together = 0.0;  // 0..1 phase locking of the two partners
    bool paused = false;
    CueView cue;
    std::array<PartnerView, signal::kPartnerCount> partners;
    std::vector<SessionEvent> recent_events;  // newest last, bounded
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace attune::session
