// What the UI draws: an immutable picture of the session at one moment, published by the engine
// thread and read by the UI thread (shared_ptr<const Snapshot> swapped under a small lock).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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
    Trace rmssd, arousal_trace;  // one value per second (clinician panel)
};

// A partner's answer to an open question or a consent check-in (one key each).
enum class Answer : std::uint8_t { None = 0, Continue, SlowDown, Pause, Stop };
std::string_view to_string(Answer answer);

// A full-screen invitation: the agreed wording, a soft countdown, who has answered.
struct CueView {
    bool active = false;
    std::string kind;         // the step's kind: "prompt", "checkin", "breathe", "recovery", ...
    std::string title;        // "Let's pause"
    std::string text;         // the agreed wording
    double remaining_s = 0.0; // soft countdown; 0 when untimed
    double total_s = 0.0;     // the step's planned length (0 when untimed)
    bool show_pacer = false;  // draw the breathing guide inside the cue
    bool awaiting_answers = false;  // both are asked to press their key
    std::array<Answer, signal::kPartnerCount> answers{};
    std::vector<std::string> words;  // the shared vocabulary (words steps)
    std::array<std::vector<std::string>, signal::kPartnerCount> picked;
};

// Where the protocol is (the clinician panel and the shared display's header).
struct ProtocolView {
    std::string name;
    std::string step_title;
    std::string step_kind;
    std::size_t step_index = 0, step_count = 0;
    bool in_ritual = false;
    std::size_t ritual_index = 0, ritual_count = 0;
    std::string next_title;
    double step_remaining_s = 0.0;  // 0 when open ended
    bool consent_checks = false;    // continue / slow down / pause steer this step
    bool slowed = false;            // someone asked to slow down: pace follows the slower answer
    bool halted = false;            // someone asked to pause the practice
    bool held = false;              // the clinician put the session on hold
    bool ended = false;
    std::array<bool, signal::kPartnerCount> aroused{};  // clinician only: who set off the ritual
};

// Remote watching (`attune session --serve`): the couple always sees it and can stop it.
struct WatchView {
    bool sharing = false;     // a server is admitting watchers
    int watchers = 0;         // watchers connected now
    std::string access_code;  // read out to the therapist
    std::string address;      // where it listens, e.g. "127.0.0.1:40123"
};

struct Snapshot {
    double session_time_s = 0.0;
    std::string phase = "starting";  // protocol phase name
    PacerSettings pacer_settings;
    PacerPhase pacer;
    bool pacer_visible = true;
    double breathing_together = 0.0;  // 0..1 in-phase locking of the two partners' breathing
    bool breathing_together_on = false;  // with hysteresis: show the gentle indication
    bool paused = false;              // the pause ritual is running
    CueView cue;
    ProtocolView protocol;
    std::array<PartnerView, signal::kPartnerCount> partners;
    std::vector<SessionEvent> recent_events;  // newest last, bounded
    WatchView watch;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace attune::session
