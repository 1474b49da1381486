// The views, each a function drawing one snapshot (ImGui's immediate mode): no view keeps
// session state; what a view remembers between frames lives in its *State struct.
//
// [SECTION] Index
//   draw_shared_display  the couple's screen: pacer in the middle, both partners as equals
//   draw_cue             a full-screen invitation (ritual step, check-in, consent, words)
//   draw_clinician_panel traces, numbers, event log, markers, protocol controls
//   draw_setup           each partner's sources and their live signal quality before starting
//   draw_review          a recorded session on one timeline (review_view.cpp), or the list of sessions
//   draw_history         every recorded session and the trends across them (history_view.cpp)
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "attune/session/protocol_machine.hpp"
#include "attune/session/snapshot.hpp"
#include "attune/ui/review.hpp"
#include "attune/ui/theme.hpp"

namespace attune::ui {

// What the views may ask of the session (queued onto the engine thread by the window).
// Any of them may be empty (the headless smoke test and the benchmark pass none).
struct ViewActions {
    std::function<void(signal::Partner, session::Answer)> answer;
    std::function<void(signal::Partner, const std::string&)> pick_word;
    std::function<void(const std::string&)> add_word;
    std::function<void(const std::string&)> add_marker;
    std::function<void(session::Control)> control;
    std::function<void()> stop_sharing;  // the couple ends remote watching (closes every watcher)
    // Setup: restart the session with these device specs ("sim", "serial:/dev/ttyUSB0", ...).
    std::function<void(const std::array<std::string, signal::kPartnerCount>&)> apply_devices;
};

struct SharedDisplayState {};

struct ClinicianState {
    char marker_note[128] = "";
    char new_word[48] = "";
    bool follow_events = true;
};

// One source a partner can use, as shown in the setup view.
struct SourceChoice {
    std::string label;  // "Simulated partner", "Serial: /dev/ttyUSB0", "BLE strap (remembered)"
    std::string spec;   // what the device factory takes
};

struct SetupState {
    std::vector<SourceChoice> choices;  // filled by the window (discovery); empty = defaults
    std::array<int, signal::kPartnerCount> selected{0, 0};
    std::array<char[128], signal::kPartnerCount> custom{};  // a typed spec overrides the list
    bool initialised = false;
};

void draw_shared_display(const session::Snapshot& snap, SharedDisplayState& state, const Fonts& fonts,
                         const ViewActions& actions);
void draw_cue(const session::Snapshot& snap, const Fonts& fonts, const ViewActions& actions);
void draw_clinician_panel(const session::Snapshot& snap, ClinicianState& state, const Fonts& fonts,
                          const ViewActions& actions);
void draw_setup(const session::Snapshot& snap, SetupState& state, const Fonts& fonts, const ViewActions& actions);
void draw_review(ReviewState& state, const Fonts& fonts);
// Returns the folder of a session the user chose to review.
std::optional<std::string> draw_history(HistoryState& state, const Fonts& fonts);

// Drawing helpers shared by the views.
void draw_trace(const char* id, const session::Trace& trace, ImVec4 colour, ImVec2 size,
                float min_v, float max_v, bool autoscale);
// The breathing guide: a circle that grows on the in-breath, each partner's own breath as a thin
// ring, the stage word sized to fit the smallest circle.
void draw_pacer(const session::Snapshot& snap, const Fonts& fonts, ImVec2 centre, float radius);
void text_centered(ImFont* font, float size, ImVec2 centre, ImU32 colour, const char* text);
void text_wrapped_centered(ImFont* font, float size, ImVec2 top_centre, float width, ImU32 colour,
                           const std::string& text);
std::string phase_title(const std::string& phase);
std::string clock_text(double seconds);  // "1:05"

// Which keys do what (also printed on screen so nobody has to remember).
struct KeyMap {
    // Partner A (left hand side of the keyboard) and B (right hand side).
    static constexpr std::array<char, 2> kContinue{'D', 'J'};
    static constexpr std::array<char, 2> kSlowDown{'S', 'K'};
    static constexpr std::array<char, 2> kPause{'A', 'L'};
    static constexpr std::array<char, 2> kStop{'Q', 'P'};
};

}  // namespace attune::ui
