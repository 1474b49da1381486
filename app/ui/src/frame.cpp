#include "attune/ui/frame.hpp"

namespace attune::ui {

View view_from_name(const std::string& name) {
    if (name == "cue") return View::Cue;
    if (name == "clinician") return View::Clinician;
    if (name == "setup") return View::Setup;
    if (name == "review") return View::Review;
    if (name == "history") return View::History;
    return View::Pacer;
}

const char* view_name(View view) {
    switch (view) {
        case View::Pacer: return "pacer";
        case View::Cue: return "cue";
        case View::Clinician: return "clinician";
        case View::Setup: return "setup";
        case View::Review: return "review";
        case View::History: return "history";
    }
    return "pacer";
}

View next_view(View view) {
    switch (view) {
        case View::Pacer:
        case View::Cue: return View::Clinician;
        case View::Clinician: return View::Setup;
        case View::Setup: return View::Review;
        case View::Review: return View::History;
        case View::History: return View::Pacer;
    }
    return View::Pacer;
}

void draw_frame(const session::Snapshot& snap, WindowState& state, const Fonts& fonts, const ViewActions& actions) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::Begin("Attune", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImGui::PushFont(fonts.body);
    // The couple's screen shows the protocol's cue whenever there is one.
    const bool show_cue = state.view == View::Cue || (state.view == View::Pacer && snap.cue.active);
    switch (show_cue ? View::Cue : state.view) {
        case View::Pacer: draw_shared_display(snap, state.shared, fonts, actions); break;
        case View::Cue: draw_cue(snap, fonts, actions); break;
        case View::Clinician: draw_clinician_panel(snap, state.clinician, fonts, actions); break;
        case View::Setup: draw_setup(snap, state.setup, fonts, actions); break;
        case View::Review: draw_review(state.review, fonts); break;
        case View::History:
            // A session chosen in the history opens in the review.
            if (const auto dir = draw_history(state.history, fonts)) {
                state.review.open(*dir);
                state.view = View::Review;
            }
            break;
    }
    ImGui::PopFont();
    ImGui::End();
}

}  // namespace attune::ui
