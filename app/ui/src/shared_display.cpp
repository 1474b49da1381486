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

// Words, not numbers, and never alarming: the physiology is shown alongside, never as a verdict.
const char* arousal_word(const std::string& state) {
    if (state == "high") return "stirred up";
    if (state == "rising") return "a little stirred";
    return "settled";
}

// The longest pacer word, so all three stage words share one size and the text never jumps.
constexpr const char* kWidestPacerWord = "Breathe out";

}  // namespace

std::string clock_text(double seconds) {
    const int s = std::max(0, static_cast<int>(std::lround(seconds)));
    char buf[24];
    std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
    return buf;
}

void text_centered(ImFont* font, float size, ImVec2 centre, ImU32 colour, const char* text) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 extent = font->CalcTextSizeA(size, 10000.0f, 0.0f, text);
    dl->AddText(font, size, ImVec2(std::floor(centre.x - extent.x * 0.5f), std::floor(centre.y - extent.y * 0.5f)),
                colour, text);
}

// Greedy word wrap, each line centred (ImGui's own wrapping is left aligned).
void text_wrapped_centered(ImFont* font, float size, ImVec2 top_centre, float width, ImU32 colour,
                           const std::string& text) {
    float y = top_centre.y;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = start, last_fit = start;
        while (end <= text.size()) {
            const std::size_t next = text.find(' ', end);
            const std::size_t stop = next == std::string::npos ? text.size() : next;
            const float w = font->CalcTextSizeA(size, 1e5f, 0.0f, text.data() + start, text.data() + stop).x;
            if (w > width && last_fit > start) break;
            last_fit = stop;
            if (stop == text.size()) break;
            end = stop + 1;
        }
        const std::string line = text.substr(start, last_fit - start);
        text_centered(font, size, ImVec2(top_centre.x, y + size * 0.6f), colour, line.c_str());
        y += size * 1.35f;
        start = last_fit + 1;
    }
}

void draw_pacer(const session::Snapshot& snap, const Fonts& fonts, ImVec2 centre, float radius) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float inner = radius * 0.42f;
    const auto ring_radius = [&](double size01) {
        return inner + (radius - inner) * static_cast<float>(std::clamp(size01, 0.0, 1.0));
    };
    // Guide rings: where the breath starts and where it ends.
    dl->AddCircle(centre, radius, to_u32(palette::kMuted, 0.22f), 128, 2.0f);
    dl->AddCircle(centre, inner, to_u32(palette::kMuted, 0.16f), 96, 1.5f);
    if (snap.pacer_visible) {
        const float r = ring_radius(snap.pacer.size);
        // A soft halo, then the body: calm, no hard edges.
        dl->AddCircleFilled(centre, r + 10.0f, to_u32(palette::kPacer, 0.06f), 128);
        dl->AddCircleFilled(centre, r, to_u32(palette::kPacer, 0.20f), 128);
        dl->AddCircle(centre, r, to_u32(palette::kPacer, 0.95f), 128, 4.0f);
    }
    // Each partner's own breath as a thin ring: when the rings move with the guide, they are
    // breathing with it (and so with each other).
    for (int i = 0; i < 2; ++i) {
        const auto& p = snap.partners[static_cast<std::size_t>(i)];
        if (p.resp.values.size() < 2 || !p.has_signal) continue;
        const float pr = ring_radius(p.resp_size) + (i == 0 ? -4.0f : 4.0f);
        dl->AddCircle(centre, pr, to_u32(partner_colour(i), 0.9f), 128, 3.0f);
    }
    if (snap.pacer_visible) {
        // Fit the word inside the smallest circle so it never spills out.
        const float wide = fonts.large->CalcTextSizeA(fonts.large->FontSize, 1e5f, 0.0f, kWidestPacerWord).x;
        const float size = std::min(fonts.large->FontSize, fonts.large->FontSize * (inner * 1.7f) / wide);
        text_centered(fonts.large, size, centre, to_u32(palette::kText), pacer_word(snap.pacer.stage));
        char rate[48];
        std::snprintf(rate, sizeof rate, "%.1f breaths / min", snap.pacer_settings.breaths_per_min);
        text_centered(fonts.small, fonts.small->FontSize, ImVec2(centre.x, centre.y + radius + 24.0f),
                      to_u32(palette::kMuted), rate);
    }
    if (snap.breathing_together_on) {
        // Gentle: fades in with the synchrony, never a score.
        const float a = static_cast<float>(std::clamp((snap.breathing_together - 0.5) / 0.4, 0.0, 1.0));
        text_centered(fonts.body, fonts.body->FontSize, ImVec2(centre.x, centre.y - radius - 28.0f),
                      to_u32(palette::kPacer, 0.4f + 0.6f * a), "breathing together");
    }
}

namespace {

void draw_answer_dots(const session::Snapshot& snap, int index, ImVec2 at) {
    const auto a = snap.cue.answers[static_cast<std::size_t>(index)];
    if (a == session::Answer::None) return;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const char* word = a == session::Answer::Continue ? "ready"
                       : a == session::Answer::SlowDown ? "slower, please"
                       : a == session::Answer::Pause   ? "pause, please"
                                                       : "";
    dl->AddCircleFilled(ImVec2(at.x + 8.0f, at.y + 10.0f), 7.0f, to_u32(partner_colour(index)), 24);
    dl->AddText(ImVec2(at.x + 22.0f, at.y), to_u32(palette::kText), word);
}

void draw_partner(const session::Snapshot& snap, int index, const Fonts& fonts, ImVec2 size) {
    const auto& p = snap.partners[static_cast<std::size_t>(index)];
    const ImVec4 colour = partner_colour(index);
    ImGui::PushStyleColor(ImGuiCol_ChildBg, palette::kPanel);
    ImGui::BeginChild(index == 0 ? "partner_a" : "partner_b", size, false,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x;
    dl->AddRectFilled(origin, ImVec2(origin.x + w, origin.y + 6.0f), to_u32(colour), 3.0f);
    ImGui::Dummy(ImVec2(0, 8));
    ImGui::PushFont(fonts.body);
    ImGui::TextColored(colour, "%s", p.name.c_str());
    ImGui::PopFont();

    // Heart rate, big; "--" while there is nothing trustworthy to show.
    ImGui::PushFont(fonts.large);
    if (p.has_signal) ImGui::Text("%.0f", p.hr_bpm);
    else ImGui::TextColored(palette::kMuted, "--");
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::PushFont(fonts.small);
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + fonts.large->FontSize - fonts.small->FontSize - 4.0f);
    ImGui::TextColored(palette::kMuted, "beats / min");
    ImGui::PopFont();

    // Arousal as a soft bar, no numbers, no alarm colours.
    ImGui::Dummy(ImVec2(0, 4));
    const ImVec2 bar = ImGui::GetCursorScreenPos();
    dl->AddRectFilled(bar, ImVec2(bar.x + w, bar.y + 12.0f), to_u32(palette::kMuted, 0.18f), 6.0f);
    if (p.has_signal) {
        const float level = static_cast<float>(std::clamp(p.arousal, 0.06, 1.0));
        dl->AddRectFilled(bar, ImVec2(bar.x + w * level, bar.y + 12.0f), to_u32(arousal_colour(p.arousal), 0.85f), 6.0f);
    }
    ImGui::Dummy(ImVec2(w, 16.0f));
    ImGui::PushFont(fonts.small);
    ImGui::TextColored(palette::kMuted, "%s", p.has_signal ? arousal_word(p.arousal_state) : " ");
    ImGui::PopFont();

    // Own breathing, scrolling.
    ImGui::Dummy(ImVec2(0, 4));
    const float trace_h = std::clamp(size.y * 0.26f, 50.0f, 200.0f);
    draw_trace("##resp", p.resp, colour, ImVec2(w, trace_h), 0.0f, 1.0f, true);
    ImGui::PushFont(fonts.small);
    if (p.resp_rate_bpm > 0.0) ImGui::TextColored(palette::kMuted, "breathing %.0f / min", p.resp_rate_bpm);
    // A loose strap is a hint in words, never a number jumping about.
    if (!p.quality_hint.empty()) {
        ImGui::Dummy(ImVec2(0, 2));
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
        ImGui::TextColored(palette::kHint, "%s", p.quality_hint.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::PopFont();
    // During consent check-ins: this partner's answer.
    if (snap.protocol.consent_checks) {
        ImGui::PushFont(fonts.small);
        draw_answer_dots(snap, index, ImVec2(origin.x, origin.y + size.y - 40.0f));
        ImGui::PopFont();
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

std::string key_hint(int i) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%c ready   %c slower   %c pause", KeyMap::kContinue[static_cast<std::size_t>(i)],
                  KeyMap::kSlowDown[static_cast<std::size_t>(i)], KeyMap::kPause[static_cast<std::size_t>(i)]);
    return buf;
}

}  // namespace

std::string phase_title(const std::string& phase) {
    if (phase == "baseline") return "Settling in";
    if (phase == "breathing") return "Breathing together";
    if (phase == "conversation") return "Talking";
    if (phase == "pause") return "Pause";
    if (phase.empty() || phase == "starting") return "Starting";
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

// Remote watching is never hidden from the couple: who is watching, the code to read out, and
// how to stop it (a click or W), which closes every watcher at once.
void draw_watch_banner(const session::WatchView& watch, const Fonts& fonts, const ViewActions& actions, ImVec2 at) {
    if (!watch.sharing) return;
    const bool stop_key = ImGui::IsKeyPressed('W', false) && !ImGui::GetIO().WantTextInput;
    ImGui::SetCursorScreenPos(at);
    ImGui::PushFont(fonts.small);
    if (watch.watchers > 0)
        ImGui::TextColored(palette::kHint, "Your therapist is watching%s", watch.watchers > 1 ? " (more than one screen)" : "");
    else
        ImGui::TextColored(palette::kMuted, "Sharing: code %s", watch.access_code.c_str());
    ImGui::SameLine();
    if ((ImGui::SmallButton("Stop sharing (W)") || stop_key) && actions.stop_sharing) actions.stop_sharing();
    ImGui::PopFont();
}

void draw_shared_display(const session::Snapshot& snap, SharedDisplayState&, const Fonts& fonts,
                         const ViewActions& actions) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 origin = ImGui::GetCursorScreenPos();

    // Header: the step's own title (the protocol's words), the time, what the step is for.
    const std::string title = snap.protocol.step_title.empty() ? phase_title(snap.phase) : snap.protocol.step_title;
    text_centered(fonts.body, fonts.body->FontSize * 1.2f, ImVec2(origin.x + avail.x * 0.5f, origin.y + 14.0f),
                  to_u32(palette::kText), title.c_str());
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const std::string clock = clock_text(snap.session_time_s);
    dl->AddText(fonts.small, fonts.small->FontSize, ImVec2(origin.x + avail.x - 70.0f, origin.y + 4.0f),
                to_u32(palette::kMuted), clock.c_str());
    if (snap.protocol.step_remaining_s > 0.0) {
        const std::string left = clock_text(snap.protocol.step_remaining_s) + " left";
        dl->AddText(fonts.small, fonts.small->FontSize, ImVec2(origin.x + 4.0f, origin.y + 4.0f),
                    to_u32(palette::kMuted), left.c_str());
    }

    draw_watch_banner(snap.watch, fonts, actions, ImVec2(origin.x + 4.0f, origin.y + 24.0f));

    const float side = std::clamp(avail.x * 0.23f, 220.0f, 420.0f);
    const float top = 84.0f;
    const float bottom = 70.0f;
    const float height = avail.y - top - bottom;
    // The step's wording under the title, within the middle column.
    if (!snap.cue.text.empty())
        text_wrapped_centered(fonts.small, fonts.small->FontSize * 1.15f,
                              ImVec2(origin.x + avail.x * 0.5f, origin.y + 38.0f), avail.x - 2.0f * side - 40.0f,
                              to_u32(palette::kMuted), snap.cue.text);

    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + top));
    draw_partner(snap, 0, fonts, ImVec2(side, height));
    ImGui::SetCursorScreenPos(ImVec2(origin.x + avail.x - side, origin.y + top));
    draw_partner(snap, 1, fonts, ImVec2(side, height));

    const ImVec2 centre(origin.x + avail.x * 0.5f, origin.y + top + height * 0.5f);
    const float radius = std::min(avail.x - 2.0f * side - 60.0f, height - 80.0f) * 0.5f;
    draw_pacer(snap, fonts, centre, std::max(60.0f, radius));
    if (snap.protocol.halted || snap.protocol.slowed) {
        const char* note = snap.protocol.halted ? "Paused. Take your time; both press ready to go on."
                                                : "Slower now: the pace follows whoever wants it slower.";
        text_centered(fonts.body, fonts.body->FontSize, ImVec2(centre.x, centre.y + radius + 56.0f),
                      to_u32(palette::kPacer), note);
    }

    // Either partner can pause at any moment: one key each, or a click.
    const float button_w = 300.0f;
    ImGui::SetCursorScreenPos(ImVec2(origin.x + avail.x * 0.5f - button_w * 0.5f, origin.y + avail.y - 54.0f));
    ImGui::PushFont(fonts.body);
    if (ImGui::Button("Pause together", ImVec2(button_w, 46.0f)) && actions.answer)
        actions.answer(signal::Partner::A, session::Answer::Pause);
    ImGui::PopFont();
    ImGui::PushFont(fonts.small);
    for (int i = 0; i < 2; ++i) {
        const std::string hint = key_hint(i);
        const float w = ImGui::CalcTextSize(hint.c_str()).x;
        const float x = i == 0 ? origin.x + 4.0f : origin.x + avail.x - w - 4.0f;
        dl->AddText(ImVec2(x, origin.y + avail.y - 32.0f), to_u32(partner_colour(i), 0.8f), hint.c_str());
    }
    ImGui::PopFont();
}

// [SECTION] Cues: a full-screen invitation with the agreed wording and a soft countdown.
void draw_cue(const session::Snapshot& snap, const Fonts& fonts, const ViewActions& actions) {
    const auto& cue = snap.cue;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(origin, ImVec2(origin.x + avail.x, origin.y + avail.y), to_u32(palette::kBackground));
    // Both partners' colours framing the screen equally: this is for both of them.
    dl->AddRectFilled(origin, ImVec2(origin.x + 8.0f, origin.y + avail.y), to_u32(palette::kPartnerA, 0.7f));
    dl->AddRectFilled(ImVec2(origin.x + avail.x - 8.0f, origin.y), ImVec2(origin.x + avail.x, origin.y + avail.y),
                      to_u32(palette::kPartnerB, 0.7f));
    draw_watch_banner(snap.watch, fonts, actions, ImVec2(origin.x + 16.0f, origin.y + 6.0f));

    const float cx = origin.x + avail.x * 0.5f;
    const bool with_pacer = cue.show_pacer && snap.pacer_visible;
    const bool with_words = !cue.words.empty();
    float y = origin.y + avail.y * (with_pacer || with_words ? 0.08f : 0.26f);
    const float title_size = fonts.large->FontSize * 1.15f;
    text_centered(fonts.large, title_size, ImVec2(cx, y + title_size * 0.5f), to_u32(palette::kText), cue.title.c_str());
    y += title_size * 1.6f;
    text_wrapped_centered(fonts.body, fonts.body->FontSize * 1.15f, ImVec2(cx, y), std::min(avail.x * 0.7f, 900.0f),
                          to_u32(palette::kMuted), cue.text);
    y += fonts.body->FontSize * 3.4f;

    if (with_pacer) {
        // Leave room below for the rate label and the countdown ring.
        const float radius = std::min(avail.x * 0.2f, (origin.y + avail.y - y - 170.0f) * 0.5f);
        draw_pacer(snap, fonts, ImVec2(cx, y + radius + 10.0f), std::max(50.0f, radius));
        y += 2.0f * radius + 60.0f;
    }

    if (with_words) {
        // The shared vocabulary, one column of buttons per partner, each in their colour.
        ImGui::PushFont(fonts.body);
        const float col_w = std::min(avail.x * 0.38f, 520.0f);
        for (int i = 0; i < 2; ++i) {
            const float x0 = i == 0 ? cx - col_w - 20.0f : cx + 20.0f;
            // Each column under its owner's name, in their colour: both equal, side by side.
            dl->AddText(fonts.body, fonts.body->FontSize, ImVec2(x0, y), to_u32(partner_colour(i)),
                        snap.partners[static_cast<std::size_t>(i)].name.c_str());
            ImGui::SetCursorScreenPos(ImVec2(x0, y + fonts.body->FontSize * 1.6f));
            ImGui::BeginGroup();
            float line_w = 0.0f;
            for (std::size_t w = 0; w < cue.words.size(); ++w) {
                const std::string& word = cue.words[w];
                const auto& mine = cue.picked[static_cast<std::size_t>(i)];
                const bool picked = std::find(mine.begin(), mine.end(), word) != mine.end();
                const float bw = ImGui::CalcTextSize(word.c_str()).x + 2.0f * ImGui::GetStyle().FramePadding.x;
                if (line_w > 0.0f && line_w + bw < col_w) ImGui::SameLine();
                else line_w = 0.0f;
                line_w += bw + ImGui::GetStyle().ItemSpacing.x;
                ImGui::PushID(i * 1000 + static_cast<int>(w));
                ImGui::PushStyleColor(ImGuiCol_Button, picked ? partner_colour(i) : palette::kPanel);
                ImGui::PushStyleColor(ImGuiCol_Text, picked ? palette::kBackground : palette::kText);
                if (ImGui::Button(word.c_str()) && actions.pick_word)
                    actions.pick_word(i == 0 ? signal::Partner::A : signal::Partner::B, word);
                ImGui::PopStyleColor(2);
                ImGui::PopID();
            }
            ImGui::EndGroup();
        }
        ImGui::PopFont();
    }

    // Soft countdown: a thin arc that empties, no digits ticking.
    const ImVec2 arc_c(cx, origin.y + avail.y - 70.0f);
    if (cue.remaining_s > 0.0 && cue.total_s > 0.0) {
        const float frac = static_cast<float>(std::clamp(cue.remaining_s / cue.total_s, 0.0, 1.0));
        const float a0 = -static_cast<float>(std::numbers::pi) * 0.5f;
        dl->AddCircle(arc_c, 30.0f, to_u32(palette::kMuted, 0.2f), 64, 3.0f);
        dl->PathArcTo(arc_c, 30.0f, a0, a0 + frac * 2.0f * static_cast<float>(std::numbers::pi), 64);
        dl->PathStroke(to_u32(palette::kPacer, 0.85f), 0, 4.0f);
    }
    // Open questions: each partner's key and whether they have answered, side by side, equal.
    if (cue.awaiting_answers) {
        ImGui::PushFont(fonts.body);
        for (int i = 0; i < 2; ++i) {
            const auto idx = static_cast<std::size_t>(i);
            const bool done = cue.answers[idx] == session::Answer::Continue;
            char label[64];
            std::snprintf(label, sizeof label, "%s  (key %c)", done ? "ready" : "press when ready", KeyMap::kContinue[idx]);
            const float w = ImGui::CalcTextSize(label).x;
            const ImVec2 c(i == 0 ? cx - avail.x * 0.22f : cx + avail.x * 0.22f, arc_c.y);
            dl->AddCircleFilled(ImVec2(c.x - w * 0.5f - 20.0f, c.y), 10.0f,
                                to_u32(partner_colour(i), done ? 1.0f : 0.25f), 32);
            text_centered(fonts.body, fonts.body->FontSize, c, to_u32(done ? palette::kText : palette::kMuted), label);
        }
        ImGui::PopFont();
    }
}

}  // namespace attune::ui
