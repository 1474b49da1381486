// Device setup: each partner's source and its live signal quality before starting.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "attune/ui/views.hpp"

namespace attune::ui {
namespace {

std::vector<SourceChoice> default_choices() {
    return {{"Simulated partner", "sim"},
            {"Bluetooth heart-rate strap (remembered)", "ble"},
            {"Polar H10 (remembered)", "polar"}};
}

// Quality as words and a calm colour: the clinician decides, the screen only hints.
const char* quality_words(const session::PartnerView& p) {
    if (!p.has_signal) return "no usable signal yet";
    if (p.quality >= 0.8) return "good signal";
    if (p.quality >= 0.5) return "usable signal";
    return "weak signal";
}

void draw_partner_source(const session::Snapshot& snap, SetupState& state, int i, const Fonts& fonts, ImVec2 size) {
    const auto idx = static_cast<std::size_t>(i);
    const auto& p = snap.partners[idx];
    ImGui::BeginChild(i == 0 ? "setup_a" : "setup_b", size, true);
    ImGui::PushFont(fonts.body);
    ImGui::TextColored(partner_colour(i), "%s", p.name.c_str());
    ImGui::PopFont();
    ImGui::TextColored(palette::kMuted, "Sensor source");
    ImGui::PushID(i);
    for (std::size_t c = 0; c < state.choices.size(); ++c) {
        if (ImGui::RadioButton(state.choices[c].label.c_str(), state.selected[idx] == static_cast<int>(c)))
            state.selected[idx] = static_cast<int>(c);
    }
    ImGui::TextColored(palette::kMuted, "or type a source (serial:PORT, text:PORT, ble:ADDR, polar:ADDR)");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##custom", state.custom[idx], sizeof state.custom[idx]);
    ImGui::PopID();
    ImGui::Separator();
    ImGui::TextColored(palette::kMuted, "Now: %s  [%s]", p.device.c_str(), p.link.c_str());
    const ImVec4 q = p.has_signal && p.quality >= 0.5 ? palette::kCalm : palette::kHint;
    ImGui::PushFont(fonts.body);
    ImGui::TextColored(q, "%s", quality_words(p));
    ImGui::PopFont();
    if (!p.quality_hint.empty()) ImGui::TextColored(palette::kHint, "%s", p.quality_hint.c_str());
    if (p.has_signal) ImGui::Text("heart rate %.0f / min, breathing %.0f / min", p.hr_bpm, p.resp_rate_bpm);
    const float w = ImGui::GetContentRegionAvail().x;
    const float h = std::max(40.0f, (ImGui::GetContentRegionAvail().y - 2.0f * ImGui::GetTextLineHeightWithSpacing()) * 0.5f);
    ImGui::TextColored(palette::kMuted, "Heart signal");
    draw_trace("##ecg", p.ecg, partner_colour(i), ImVec2(w, h), 0, 0, true);
    ImGui::TextColored(palette::kMuted, "Breathing");
    draw_trace("##resp", p.resp, partner_colour(i), ImVec2(w, h), 0, 0, true);
    ImGui::EndChild();
}

std::string chosen_spec(const SetupState& state, std::size_t i) {
    if (state.custom[i][0] != '\0') return state.custom[i];
    const int sel = std::clamp(state.selected[i], 0, static_cast<int>(state.choices.size()) - 1);
    return state.choices[static_cast<std::size_t>(sel)].spec;
}

}  // namespace

void draw_setup(const session::Snapshot& snap, SetupState& state, const Fonts& fonts, const ViewActions& actions) {
    if (state.choices.empty()) state.choices = default_choices();
    if (!state.initialised) {
        // Start from what is running now.
        for (std::size_t i = 0; i < snap.partners.size(); ++i) {
            const std::string& now = snap.partners[i].device;
            for (std::size_t c = 0; c < state.choices.size(); ++c)
                if (now.rfind(state.choices[c].spec, 0) == 0) state.selected[i] = static_cast<int>(c);
        }
        state.initialised = true;
    }
    ImGui::PushFont(fonts.body);
    ImGui::Text("Sensors");
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "  choose each partner's source and check the signal before starting");
    ImGui::PushFont(fonts.small);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const ImVec2 col((avail.x - spacing) * 0.5f, avail.y - 64.0f);
    draw_partner_source(snap, state, 0, fonts, col);
    ImGui::SameLine();
    draw_partner_source(snap, state, 1, fonts, col);
    ImGui::PopFont();
    ImGui::PushFont(fonts.body);
    if (ImGui::Button("Use these sensors", ImVec2(320.0f, 46.0f)) && actions.apply_devices)
        actions.apply_devices({chosen_spec(state, 0), chosen_spec(state, 1)});
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "restarts the session with the chosen sources (Tab: next view)");
}

}  // namespace attune::ui
