// The clinician panel: both partners' live traces and numbers, the event log, markers with
// notes, and the protocol's controls (hold / resume / skip step / start a pause).
#include <algorithm>
#include <cstdio>

#include "attune/ui/views.hpp"

namespace attune::ui {
namespace {

void draw_partner_column(const session::Snapshot& snap, int i, const Fonts& fonts,
                         ImVec2 size) {
    const auto idx = static_cast<std::size_t>(i);
    const auto& p = snap.partners[idx];
    ImGui::BeginChild(i == 0 ? "clin_a" : "clin_b", size, true, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushFont(fonts.body);
    ImGui::TextColored(partner_colour(i), "%s", p.name.c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "  %s  [%s]", p.device.c_str(), p.link.c_str());
    ImGui::Text("HR %.0f bpm   RMSSD %.0f ms   breathing %.1f /min   quality %.2f", p.hr_bpm, p.rmssd_ms,
                p.resp_rate_bpm, p.quality);
    ImGui::Text("arousal %.2f (%s)%s", p.arousal, p.arousal_state.c_str(),
                snap.protocol.aroused[idx] ? "   - set off the current pause" : "");
    if (!p.quality_hint.empty()) ImGui::TextColored(palette::kHint, "%s", p.quality_hint.c_str());
    const float w = ImGui::GetContentRegionAvail().x;
    // Five traces share what is left: each a label line plus the plot, with item spacing.
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    const float h = std::max(24.0f, (ImGui::GetContentRegionAvail().y - 5.0f * (ImGui::GetTextLineHeightWithSpacing() + spacing)) / 5.0f);
    const ImVec4 c = partner_colour(i);
    ImGui::TextColored(palette::kMuted, "ECG / pulse");
    draw_trace("##ecg", p.ecg, c, ImVec2(w, h), 0, 0, true);
    ImGui::TextColored(palette::kMuted, "Respiration");
    draw_trace("##resp", p.resp, c, ImVec2(w, h), 0, 0, true);
    ImGui::TextColored(palette::kMuted, "Heart rate (40-140 bpm)");
    draw_trace("##hr", p.hr, c, ImVec2(w, h), 40.0f, 140.0f, false);
    ImGui::TextColored(palette::kMuted, "RMSSD (0-150 ms)");
    draw_trace("##rmssd", p.rmssd, c, ImVec2(w, h), 0.0f, 150.0f, false);
    ImGui::TextColored(palette::kMuted, "Arousal (0-1)");
    draw_trace("##arousal", p.arousal_trace, c, ImVec2(w, h), 0.0f, 1.0f, false);
    ImGui::EndChild();
}

void draw_protocol_controls(const session::Snapshot& snap, ClinicianState& state, const ViewActions& actions) {
    const auto& pv = snap.protocol;
    ImGui::TextColored(palette::kMuted, "Protocol");
    ImGui::TextWrapped("%s", pv.name.c_str());
    if (pv.ended) {
        ImGui::Text("ended");
    } else if (pv.in_ritual) {
        ImGui::Text("pause ritual %zu/%zu: %s", pv.ritual_index + 1, pv.ritual_count, pv.step_title.c_str());
    } else {
        ImGui::Text("step %zu/%zu: %s", pv.step_index + 1, pv.step_count, pv.step_title.c_str());
    }
    if (pv.step_remaining_s > 0.0) ImGui::TextColored(palette::kMuted, "%s left", clock_text(pv.step_remaining_s).c_str());
    if (!pv.next_title.empty()) ImGui::TextColored(palette::kMuted, "next: %s", pv.next_title.c_str());
    if (pv.slowed) ImGui::TextColored(palette::kHint, "slowed (a partner asked)");
    if (pv.halted) ImGui::TextColored(palette::kHint, "practice paused (a partner asked)");
    const auto send = [&](session::Control c) {
        if (actions.control) actions.control(c);
    };
    if (pv.held) {
        if (ImGui::Button("Resume (F5)")) send(session::Control::Resume);
    } else if (ImGui::Button("Hold (F5)")) {
        send(session::Control::Hold);
    }
    ImGui::SameLine();
    if (ImGui::Button("Skip step (F6)")) send(session::Control::Skip);
    if (ImGui::Button("Start the pause ritual (F7)")) send(session::Control::StartPause);

    ImGui::Separator();
    ImGui::TextColored(palette::kMuted, "Marker note");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##note", state.marker_note, sizeof state.marker_note);
    if (ImGui::Button("Add marker (F2)") && actions.add_marker) {
        actions.add_marker(state.marker_note[0] ? state.marker_note : "marker");
        state.marker_note[0] = '\0';
    }
    ImGui::TextColored(palette::kMuted, "Add a feelings word");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##word", state.new_word, sizeof state.new_word);
    if (ImGui::Button("Add word") && actions.add_word && state.new_word[0]) {
        actions.add_word(state.new_word);
        state.new_word[0] = '\0';
    }
    ImGui::Checkbox("Follow the log", &state.follow_events);
}

}  // namespace

void draw_clinician_panel(const session::Snapshot& snap, ClinicianState& state, const Fonts& fonts,
                          const ViewActions& actions) {
    ImGui::PushFont(fonts.small);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const float col = (avail.x - spacing) * 0.5f;
    const float top_h = avail.y * 0.66f;
    draw_partner_column(snap, 0, fonts, ImVec2(col, top_h));
    ImGui::SameLine();
    draw_partner_column(snap, 1, fonts, ImVec2(col, top_h));

    ImGui::BeginChild("events", ImVec2(avail.x * 0.64f, 0), true);
    ImGui::TextColored(palette::kMuted, "Event log  (%s)", clock_text(snap.session_time_s).c_str());
    for (const auto& e : snap.recent_events) {
        const ImVec4 colour = e.partner ? partner_colour(*e.partner == signal::Partner::A ? 0 : 1) : palette::kText;
        ImGui::TextColored(palette::kMuted, "%7.1f s", e.time_s);
        ImGui::SameLine();
        ImGui::TextColored(colour, "%-9s %-2s", e.kind.c_str(), session::partner_label(e.partner).c_str());
        ImGui::SameLine();
        ImGui::TextUnformatted(e.text.c_str());
    }
    if (state.follow_events) ImGui::SetScrollHereY(1.0f);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("controls", ImVec2(0, 0), true);
    draw_protocol_controls(snap, state, actions);
    ImGui::EndChild();
    ImGui::PopFont();
}

}  // namespace attune::ui
