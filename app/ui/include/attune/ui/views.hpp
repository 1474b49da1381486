// The views, each a function drawing one snapshot (ImGui's immediate mode): no view keeps
// session state; what a view remembers between frames lives in its *State struct.
#pragma once

#include <functional>
#include <string>

#include "attune/session/snapshot.hpp"
#include "attune/ui/theme.hpp"

namespace attune::ui {

// What the views may ask of the session (queued onto the engine thread by the window).
struct ViewActions {
    std::function<void(signal::Partner)> request_pause;
    std::function<void(const std::string&)> add_marker;
};

struct SharedDisplayState {};
struct ClinicianState {
    char marker_note[128] = "";
    bool follow_events = true;
};

void draw_shared_display(const session::Snapshot& snap, SharedDisplayState& state, const Fonts& fonts,
                         const ViewActions& actions);
void draw_cue(const session::Snapshot& snap, const Fonts& fonts);
void draw_clinician_panel(const session::Snapshot& snap, ClinicianState& state, const Fonts& fonts,
                          const ViewActions& actions);

// Drawing helpers shared by the views.
void draw_trace(const char* id, const session::Trace& trace, ImVec4 colour, ImVec2 size,
                float min_v, float max_v, bool autoscale);
std::string phase_title(const std::string& phase);

}  // namespace attune::ui
