// The clinician panel: both partners' live traces and numbers, the event log, markers.
#include <cstdio>

#include "attune/ui/views.hpp"

namespace attune::ui {

void draw_clinician_panel(const session::Snapshot& snap, ClinicianState& state, const Fonts& fonts,
                          const ViewActions& actions) {
    ImGui::PushFont(fonts.small);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float col = (avail.x - 24.0f) * 0.5f;
    const float trace_h = 70.0f;
    for (int i = 0; i < 2; ++i) {
        const auto& p = snap.partners[static_cast<std::size_t>(i)];
        if (i == 1) ImGui::SameLine();
        ImGui::BeginChild(i == 0 ? "clin_a" : "clin_b", ImVec2(col, avail.y * 0.62f), true);
        ImGui::TextColored(partner_colour(i), "%s", p.name.c_str());
        ImGui::SameLine();
        ImGui::TextColored(palette::kMuted, "  %s  [%s]", p.device.c_str(), p.link.c_str());
        ImGui::Text("HR %.0f bpm   RMSSD %.0f ms   breathing %.1f /min   arousal %.2f (%s)", p.hr_bpm,
                    p.rmssd_ms, p.resp_rate_bpm, p.arousal, p.arousal_state.c_str());
        ImGui::TextColored(palette::kMuted, "ECG");
        draw_trace("##ecg", p.ecg, partner_colour(i), ImVec2(col - 30.0f, trace_h), 0, 0, true);
        ImGui::TextColored(palette::kMuted, "Respiration");
        draw_trace("##resp", p.resp, partner_colour(i), ImVec2(col - 30.0f, trace_h), 0, 0, true);
        ImGui::TextColored(palette::kMuted, "Heart rate (5 min)");
        draw_trace("##hr", p.hr, partner_colour(i), ImVec2(col - 30.0f, trace_h), 40.0f, 140.0f, false);
        ImGui::EndChild();
    }
    ImGui::BeginChild("events", ImVec2(avail.x * 0.62f, 0), true);
    ImGui::TextColored(palette::kMuted, "Event log");
    for (const auto& e : snap.recent_events) {
        ImGui::Text("%7.1f s  %-9s %-2s %s", e.time_s, e.kind.c_str(), session::partner_label(e.partner).c_str(),
                    e.text.c_str());
    }
    if (state.follow_events) ImGui::SetScrollHereY(1.0f);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("controls", ImVec2(0, 0), true);
    ImGui::TextColored(palette::kMuted, "Marker");
    ImGui::InputText("##note", state.marker_note, sizeof state.marker_note);
    if (ImGui::Button("Add marker (M)") && actions.add_marker) {
        actions.add_marker(state.marker_note[0] ? state.marker_note : "marker");
        state.marker_note[0] = '\0';
    }
    if (ImGui::Button("Start a pause") && actions.request_pause) actions.request_pause(signal::Partner::A);
    ImGui::Checkbox("Follow the log", &state.follow_events);
    ImGui::EndChild();
    ImGui::PopFont();
}

}  // namespace attune::ui
