// Device setup (each partner's source and its live signal quality before starting) and the
// review view (a placeholder overview until the recording review lands).
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

void draw_review(const session::Snapshot& snap, const Fonts& fonts) {
    ImGui::PushFont(fonts.body);
    ImGui::Text("Session review");
    ImGui::PopFont();
    ImGui::TextColored(palette::kMuted,
                       "Recorded sessions open here once the recorder's review lands. Until then: this session so far.");
    ImGui::Separator();
    ImGui::Text("Protocol: %s", snap.protocol.name.c_str());
    ImGui::Text("Session time: %s", clock_text(snap.session_time_s).c_str());
    // A timeline of the phases seen in the recent events, both partners' heart rate below it.
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const double t_end = std::max(1.0, snap.session_time_s);
    double t0 = 0.0;
    std::string phase;
    std::size_t pauses = 0;
    const auto phase_colour = [](const std::string& ph) {
        if (ph == "pause" || ph == "recovery" || ph == "checkin") return to_u32(palette::kHigh, 0.55f);
        if (ph == "breathing") return to_u32(palette::kPacer, 0.7f);
        if (ph == "conversation") return to_u32(palette::kPartnerA, 0.45f);
        return to_u32(palette::kMuted, 0.35f);
    };
    const auto span = [&](double a, double b, const std::string& ph) {
        const float x0 = origin.x + static_cast<float>(a / t_end) * w;
        const float x1 = origin.x + static_cast<float>(b / t_end) * w;
        dl->AddRectFilled(ImVec2(x0, origin.y), ImVec2(std::max(x0 + 1.0f, x1), origin.y + 28.0f), phase_colour(ph));
    };
    for (const auto& e : snap.recent_events) {
        if (e.kind == "pause" && e.text.rfind("pause started", 0) == 0) ++pauses;
        if (e.kind != "phase") continue;
        if (!phase.empty()) span(t0, e.time_s, phase);
        t0 = e.time_s;
        phase = e.text;
    }
    if (!phase.empty()) span(t0, t_end, phase);
    ImGui::Dummy(ImVec2(w, 34.0f));
    ImGui::TextColored(palette::kMuted, "grey: consent / baseline   teal: breathing   blue: talking   purple: pause ritual");
    ImGui::Text("Pauses taken (recent): %zu", pauses);
    for (int i = 0; i < 2; ++i) {
        const auto& p = snap.partners[static_cast<std::size_t>(i)];
        ImGui::TextColored(partner_colour(i), "%s: heart rate (last minutes)", p.name.c_str());
        draw_trace(i == 0 ? "##hr_a" : "##hr_b", p.hr, partner_colour(i), ImVec2(w, 90.0f), 40.0f, 140.0f, false);
    }
}

}  // namespace attune::ui
