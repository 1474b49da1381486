// The shared display: the breathing pacer in the middle, the two partners as equals on either
// side, and a pause that either of them can ask for at any moment.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "attune/ui/views.hpp"

namespace attune::ui {
namespace {

const char* pacer_word(session::PacerStage stage) {
    switch (stage) {
        case session::PacerStage::Inhale: return "Breathe in";
        case session::PacerStage::Hold: return "Hold";
        case session::PacerStage::Exhale: return "Breathe out";
    }
    return "";
}

const char* arousal_word(const std::string& state) {
    if (state == "high") return "activated";
    if (state == "rising") return "stirring";
    return "settled";
}

void text_centered(ImDrawList* dl, ImFont* font, float size, ImVec2 centre, ImU32 colour, const char* text) {
    const ImVec2 extent = font->CalcTextSizeA(size, 10000.0f, 0.0f, text);
    dl->AddText(font, size, ImVec2(centre.x - extent.x * 0.5f, centre.y - extent.y * 0.5f), colour, text);
}

void draw_pacer(const session::Snapshot& snap, const Fonts& fonts, ImVec2 centre, float radius) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float inner = radius * 0.38f;
    const float r = inner + (radius - inner) * static_cast<float>(snap.pacer.size);
    dl->AddCircle(centre, radius, to_u32(palette::kMuted, 0.25f), 96, 2.0f);
    if (snap.pacer_visible) {
        dl->AddCircleFilled(centre, r, to_u32(palette::kPacer, 0.22f), 96);
        dl->AddCircle(centre, r, to_u32(palette::kPacer, 0.9f), 96, 4.0f);
    }
    // Each partner's own breath as a thin ring: when the rings move with the guide, they are
    // breathing with it (and so with each other).
    for (int i = 0; i < 2; ++i) {
        const auto& p = snap.partners[static_cast<std::size_t>(i)];
        if (p.resp.values.empty()) continue;
        const float pr = inner + (radius - inner) * static_cast<float>(p.resp_size);
        dl->AddCircle(centre, pr + (i == 0 ? -3.0f : 3.0f), to_u32(partner_colour(i), 0.85f), 96, 3.0f);
    }
    if (snap.pacer_visible)
        text_centered(dl, fonts.large, fonts.large->FontSize, centre, to_u32(palette::kText), pacer_word(snap.pacer.stage));
    char rate[48];
    std::snprintf(rate, sizeof rate, "%.1f breaths / min", snap.pacer_settings.breaths_per_min);
    text_centered(dl, fonts.small, fonts.small->FontSize, ImVec2(centre.x, centre.y + radius + 22.0f),
                  to_u32(palette::kMuted), rate);
    if (snap.breathing_together > 0.6) {
        text_centered(dl, fonts.body, fonts.body->FontSize, ImVec2(centre.x, centre.y - radius - 26.0f),
                      to_u32(palette::kPacer), "breathing together");
    }
}

void draw_partner(const session::PartnerView& p, int index, const Fonts& fonts, ImVec2 size) {
    const ImVec4 colour = partner_colour(index);
    ImGui::PushStyleColor(ImGuiCol_ChildBg, palette::kPanel);
    ImGui::BeginChild(index == 0 ? "partner_a" : "partner_b", size, false, ImGuiWindowFlags_NoScrollbar);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x - 36.0f, origin.y + 6.0f), to_u32(colour), 3.0f);
    ImGui::Dummy(ImVec2(0, 10));
    ImGui::PushFont(fonts.body);
    ImGui::TextColored(colour, "%s", p.name.c_str());
    ImGui::PopFont();

    ImGui::PushFont(fonts.large);
    if (p.has_signal) ImGui::Text("%.0f", p.hr_bpm);
    else ImGui::TextColored(palette::kMuted, "--");
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::PushFont(fonts.small);
    ImGui::TextColored(palette::kMuted, "\nbeats / min");
    ImGui::PopFont();

    // Arousal as a soft bar, no numbers, no alarm colours.
    const ImVec2 bar = ImGui::GetCursorScreenPos();
    const float w = size.x - 36.0f;
    dl->AddRectFilled(bar, ImVec2(bar.x + w, bar.y + 12.0f), to_u32(palette::kMuted, 0.18f), 6.0f);
    const float level = static_cast<float>(std::clamp(p.arousal, 0.05, 1.0));
    dl->AddRectFilled(bar, ImVec2(bar.x + w * level, bar.y + 12.0f), to_u32(arousal_colour(p.arousal), 0.85f), 6.0f);
    ImGui::Dummy(ImVec2(w, 16.0f));
    ImGui::PushFont(fonts.small);
    ImGui::TextColored(palette::kMuted, "%s", arousal_word(p.arousal_state));
    ImGui::PopFont();

    ImGui::Dummy(ImVec2(0, 6));
    draw_trace("##resp", p.resp, colour, ImVec2(w, size.y * 0.28f), 0.0f, 1.0f, true);
    ImGui::PushFont(fonts.small);
    if (p.resp_rate_bpm > 0.0) ImGui::TextColored(palette::kMuted, "breathing %.0f / min", p.resp_rate_bpm);
    if (!p.quality_hint.empty()) ImGui::TextColored(palette::kMuted, "%s", p.quality_hint.c_str());
    ImGui::PopFont();
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

}  // namespace

std::string phase_title(const std::string& phase) {
    if (phase == "baseline") return "Settling in";
    if (phase == "breathing") return "Breathing together";
    if (phase == "conversation") return "Talking";
    if (phase == "pause") return "Pause";
    if (phase.empty()) return "Starting";
    std::string t = phase;
    t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
    return t;
}

void draw_trace(const char* id, const session::Trace& trace, ImVec4 colour, ImVec2 size, float min_v,
                float max_v, bool autoscale) {
    if (trace.values.size() < 2) {
        ImGui::Dummy(size);
        return;
    }
    if (autoscale) {
        const auto [lo, hi] = std::minmax_element(trace.values.begin(), trace.values.end());
        const float pad = std::max(1e-3f, (*hi - *lo) * 0.1f);
        min_v = *lo - pad;
        max_v = *hi + pad;
    }
    ImGui::PushStyleColor(ImGuiCol_PlotLines, colour);
    ImGui::PushStyleColor(ImGuiCol_FrameBg, ImVec4(0, 0, 0, 0));
    ImGui::PlotLines(id, trace.values.data(), static_cast<int>(trace.values.size()), 0, nullptr, min_v,
                     max_v, size);
    ImGui::PopStyleColor(2);
}

void draw_shared_display(const session::Snapshot& snap, SharedDisplayState&, const Fonts& fonts,
                         const ViewActions& actions) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();

    const std::string title = phase_title(snap.phase);
    text_centered(dl, fonts.body, fonts.body->FontSize, ImVec2(origin.x + avail.x * 0.5f, origin.y + 16.0f),
                  to_u32(palette::kText), title.c_str());
    const int minutes = static_cast<int>(snap.session_time_s) / 60;
    const int seconds = static_cast<int>(snap.session_time_s) % 60;
    char clock[16];
    std::snprintf(clock, sizeof clock, "%d:%02d", minutes, seconds);
    dl->AddText(fonts.small, fonts.small->FontSize, ImVec2(origin.x + avail.x - 60.0f, origin.y + 8.0f),
                to_u32(palette::kMuted), clock);

    const float side = std::max(240.0f, avail.x * 0.24f);
    const float top = 44.0f;
    const float height = avail.y - top - 64.0f;
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + top));
    draw_partner(snap.partners[0], 0, fonts, ImVec2(side, height));
    ImGui::SetCursorScreenPos(ImVec2(origin.x + avail.x - side, origin.y + top));
    draw_partner(snap.partners[1], 1, fonts, ImVec2(side, height));

    const ImVec2 centre(origin.x + avail.x * 0.5f, origin.y + top + height * 0.5f);
    const float radius = std::min(avail.x - 2.0f * side - 80.0f, height - 90.0f) * 0.5f;
    draw_pacer(snap, fonts, centre, std::max(60.0f, radius));

    // Either partner can pause at any moment: one key each, or a click.
    ImGui::SetCursorScreenPos(ImVec2(origin.x + avail.x * 0.5f - 170.0f, origin.y + avail.y - 52.0f));
    ImGui::PushFont(fonts.body);
    if (ImGui::Button("Pause together", ImVec2(340.0f, 44.0f)) && actions.request_pause)
        actions.request_pause(signal::Partner::A);
    ImGui::PopFont();
    ImGui::SetCursorScreenPos(ImVec2(origin.x + 8.0f, origin.y + avail.y - 24.0f));
    ImGui::PushFont(fonts.small);
    ImGui::TextColored(palette::kMuted, "Either of you can pause at any time: key A or L");
    ImGui::PopFont();
}

void draw_cue(const session::Snapshot& snap, const Fonts& fonts) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 centre(origin.x + avail.x * 0.5f, origin.y + avail.y * 0.45f);
    dl->AddRectFilled(origin, ImVec2(origin.x + avail.x, origin.y + avail.y), to_u32(palette::kBackground, 0.96f));
    text_centered(dl, fonts.large, fonts.large->FontSize, ImVec2(centre.x, centre.y - 60.0f),
                  to_u32(palette::kText), snap.cue.title.c_str());
    text_centered(dl, fonts.body, fonts.body->FontSize, centre, to_u32(palette::kMuted), snap.cue.text.c_str());
    if (snap.cue.remaining_s > 0.0) {
        // Soft countdown: a thin arc that empties, no digits ticking.
        const float frac = static_cast<float>(std::clamp(snap.cue.remaining_s / 60.0, 0.0, 1.0));
        const float a0 = -static_cast<float>(std::numbers::pi) * 0.5f;
        dl->PathArcTo(ImVec2(centre.x, centre.y + 110.0f), 36.0f, a0, a0 + frac * 2.0f * static_cast<float>(std::numbers::pi), 64);
        dl->PathStroke(to_u32(palette::kPacer, 0.8f), 0, 4.0f);
    }
}

}  // namespace attune::ui
