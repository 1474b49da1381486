// One frame of the window's contents, shared by the real window, the headless smoke test and
// the frame benchmark: which view is up, what the views remember, and the draw call.
#pragma once

#include <string>

#include "attune/ui/views.hpp"

namespace attune::ui {

enum class View { Pacer, Cue, Clinician, Setup, Review, History };

View view_from_name(const std::string& name);  // unknown names give Pacer
const char* view_name(View view);
View next_view(View view);  // Tab cycles the views a clinician uses

struct WindowState {
    View view = View::Pacer;
    SharedDisplayState shared;
    ClinicianState clinician;
    SetupState setup;
    ReviewState review;
    HistoryState history;
};

// Draws the whole window for one snapshot (between ImGui::NewFrame and ImGui::Render). The
// shared display turns into the cue when the protocol has one up; View::Cue forces the cue.
void draw_frame(const session::Snapshot& snap, WindowState& state, const Fonts& fonts, const ViewActions& actions);

}  // namespace attune::ui
