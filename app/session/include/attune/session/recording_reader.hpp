// Reads a recorded session folder back (what Recorder wrote): both partners' per-second series,
// beats and breaths, the events with the clinician's markers, and summary.json. For the review
// view and `attune report`.
//
// A partial or damaged folder (killed session, a file missing, torn or garbled lines) still
// reads: what could not be used is listed in `problems` as plain sentences for the reader, and
// only a folder that holds no recording at all is refused (RecordingError).
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "attune/signal/samples.hpp"

namespace attune::session {

class RecordingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One row of <p>_seconds.csv. Zero heart or breathing rate = no value yet.
struct RecordedSecond {
    double time_s = 0.0;
    double hr_bpm = 0.0, rmssd_ms = 0.0, coherence = 0.0, resp_rate_bpm = 0.0, resp_amplitude = 0.0;
    double quality = 0.0, arousal = 0.0;
    std::string arousal_state;  // calm | rising | high
};

struct RecordedBeat {
    double time_s = 0.0, rr_ms = 0.0;
    std::string quality;
};

struct RecordedBreath {
    double time_s = 0.0;
    bool inhale = false;
};

struct RecordedEvent {
    double time_s = 0.0;
    std::string kind;     // phase, cue, pause, marker, step, arousal, device, ...
    std::string partner;  // "a", "b" or empty
    std::string text;     // for a marker: the clinician's note
};

struct TimedValue {
    double time_s = 0.0, value = 0.0;
};

struct RecordedPartner {
    std::vector<RecordedSecond> seconds;
    std::vector<RecordedBeat> beats;
    std::vector<RecordedBreath> breaths;
};

struct RecordedPartnerSummary {
    std::string device;
    double mean_hr_bpm = 0.0, mean_rmssd_ms = 0.0;
    std::optional<double> baseline_hr_bpm, baseline_rmssd_ms;
    double seconds_calm = 0.0, seconds_rising = 0.0, seconds_high = 0.0;
};

struct RecordingSummary {
    bool present = false;  // summary.json was there and parsed
    double duration_s = 0.0;
    int pauses = 0, markers = 0;
    double breathing_together_mean = 0.0;
    bool recovered = false;  // made by `attune recover` after a killed session
    std::string recording_error;
    std::array<RecordedPartnerSummary, signal::kPartnerCount> partners;
};

struct Recording {
    std::string dir;
    std::array<std::string, signal::kPartnerCount> names;  // see recorded_partner_names
    std::array<RecordedPartner, signal::kPartnerCount> partners;
    std::vector<RecordedEvent> events;  // in file order (time order)
    // Breathing together (0..1, in-phase locking) per second, from both partners' breaths.
    std::vector<TimedValue> synchrony;
    RecordingSummary summary;
    std::vector<std::string> problems;  // empty when every file was there and whole

    // The summary's duration, or the last time anything was recorded when there is no summary.
    double duration_s() const;
};

// Throws RecordingError when `dir` is missing, not a folder, or holds neither events.csv nor any
// per-second series (so nothing to show).
Recording read_recording(const std::string& dir);

// The partners' names as the session showed them (DIR/session.json); "Partner A" / "Partner B"
// for a recording made before names were saved, or a damaged file. Never throws.
std::array<std::string, signal::kPartnerCount> recorded_partner_names(const std::string& dir);

// The fields of one CSV line as Recorder writes them (quoted fields, "" inside quotes).
std::vector<std::string> split_csv_fields(const std::string& line);

// Per-second in-phase breathing locking of the two partners (the live display's "breathing
// together", signal::PhaseLocking over phases from inhalation onsets), from 0 to duration_s.
// Seconds without enough breaths on both sides are left out.
std::vector<TimedValue> breathing_synchrony(const std::vector<RecordedBreath>& a, const std::vector<RecordedBreath>& b,
                                            double duration_s);

}  // namespace attune::session
