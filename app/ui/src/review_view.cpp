// The review view: a recorded session on one timeline (both partners' heart rate, breathing rate,
// arousal with its bands, breathing together, the phases, pauses and the clinician's markers),
// with a cursor that reads the values out, zoom and pan, and a list of events that jumps to them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "attune/signal/arousal.hpp"
#include "attune/ui/review.hpp"
#include "attune/ui/views.hpp"

namespace attune::ui {
namespace fs = std::filesystem;

// [SECTION] Timeline maths

void Timeline::reset(double start, double end) {
    if (!std::isfinite(start)) start = 0.0;
    if (!std::isfinite(end) || !(end > start)) end = start + 1.0;
    start_s = view_start_s = cursor_s = start;
    end_s = view_end_s = end;
}

void Timeline::clamp_view() {
    const double whole = end_s - start_s;
    double s = std::clamp(span(), std::min(kMinSpanS, whole), whole);
    if (!std::isfinite(view_start_s)) view_start_s = start_s;
    view_start_s = std::clamp(view_start_s, start_s, end_s - s);
    view_end_s = view_start_s + s;
}

void Timeline::zoom(double factor, double about_s) {
    if (!(factor > 0.0) || !std::isfinite(factor)) return;
    if (!std::isfinite(about_s)) about_s = 0.5 * (view_start_s + view_end_s);
    about_s = std::clamp(about_s, view_start_s, view_end_s);
    const double whole = end_s - start_s;
    const double old_span = span();
    const double new_span = std::clamp(old_span / factor, std::min(kMinSpanS, whole), whole);
    const double frac = (about_s - view_start_s) / old_span;
    view_start_s = about_s - frac * new_span;
    view_end_s = view_start_s + new_span;
    clamp_view();
}

void Timeline::pan(double seconds) {
    if (!std::isfinite(seconds)) return;
    view_start_s += seconds;
    view_end_s += seconds;
    clamp_view();
}

void Timeline::set_cursor(double t) {
    if (std::isfinite(t)) cursor_s = std::clamp(t, start_s, end_s);
}

void Timeline::jump_to(double t) {
    set_cursor(t);
    if (cursor_s >= view_start_s && cursor_s <= view_end_s) return;
    const double s = span();
    view_start_s = cursor_s - 0.5 * s;
    view_end_s = view_start_s + s;
    clamp_view();
}

double Timeline::time_at(double x, double x0, double width) const {
    if (!(width > 0.0)) return view_start_s;
    return view_start_s + (x - x0) / width * span();
}

double Timeline::x_of(double t, double x0, double width) const { return x0 + (t - view_start_s) / span() * width; }

// [SECTION] Reading the recording at a time

namespace {

constexpr double kNearestS = 1.5;

template <class Row>
const Row* nearest(const std::vector<Row>& rows, double t) {
    const auto it = std::lower_bound(rows.begin(), rows.end(), t, [](const Row& r, double v) { return r.time_s < v; });
    const Row* best = nullptr;
    if (it != rows.end()) best = &*it;
    if (it != rows.begin() && (!best || t - std::prev(it)->time_s < best->time_s - t)) best = &*std::prev(it);
    return best && std::abs(best->time_s - t) <= kNearestS ? best : nullptr;
}

}  // namespace

const session::RecordedSecond* second_at(const session::RecordedPartner& partner, double t) {
    return nearest(partner.seconds, t);
}

std::optional<double> synchrony_at(const session::Recording& recording, double t) {
    if (const auto* v = nearest(recording.synchrony, t)) return v->value;
    return std::nullopt;
}

std::vector<std::size_t> listed_events(const session::Recording& recording) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < recording.events.size(); ++i) {
        const std::string& k = recording.events[i].kind;
        if (k == "keypress" || k == "word" || k == "vocabulary" || k == "cue") continue;  // cue repeats its step
        out.push_back(i);
    }
    return out;
}

std::vector<std::string> recent_recordings(const std::string& base, std::size_t max_count) {
    std::vector<std::string> out;
    std::error_code ec;
    if (base.empty() || !fs::is_directory(base, ec)) return out;
    for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec) && fs::exists(it->path() / "channels.json", ec)) out.push_back(it->path().string());
    // Folder names are the start times (YYYY-MM-DD_HHMMSS), so newest first is by name.
    std::sort(out.rbegin(), out.rend());
    if (out.size() > max_count) out.resize(max_count);
    return out;
}

bool ReviewState::open(const std::string& dir) {
    open_dir = dir;
    error.clear();
    recording.reset();
    selected_event = -1;
    try {
        recording = session::read_recording(dir);
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
    timeline.reset(0.0, std::max(1.0, recording->duration_s()));
    // Start where something happened: the first pause, else the middle.
    timeline.set_cursor(0.5 * timeline.end_s);
    for (const auto& e : recording->events)
        if (e.kind == "pause") {
            timeline.set_cursor(e.time_s);
            break;
        }
    return true;
}

void ReviewState::close() {
    recording.reset();
    error.clear();
    listed = false;
}

// [SECTION] Drawing

namespace {

struct Lane {
    const char* title;
    double lo, hi;  // value range
    ImVec2 p0, p1;  // screen rectangle
    float y_of(double v) const {
        const double u = std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
        return p1.y - static_cast<float>(u) * (p1.y - p0.y);
    }
};

ImU32 phase_colour(const std::string& ph) {
    if (ph == "pause" || ph == "recovery" || ph == "checkin") return to_u32(palette::kHigh, 0.55f);
    if (ph == "breathing") return to_u32(palette::kPacer, 0.7f);
    if (ph == "conversation") return to_u32(palette::kMuted, 0.55f);
    return to_u32(palette::kMuted, 0.3f);
}

// A rounded range of a value over both partners' seconds, at least min_span wide.
template <class Get>
std::pair<double, double> value_range(const session::Recording& r, Get get, double min_span) {
    double lo = 1e300, hi = -1e300;
    for (const auto& p : r.partners)
        for (const auto& s : p.seconds) {
            const double v = get(s);
            if (!std::isfinite(v) || v <= 0.0) continue;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (lo > hi) return {0.0, min_span};
    if (hi - lo < min_span) {
        const double mid = 0.5 * (lo + hi);
        lo = mid - 0.5 * min_span;
        hi = mid + 0.5 * min_span;
    }
    const double pad = 0.08 * (hi - lo);
    return {std::floor(lo - pad), std::ceil(hi + pad)};
}

// One partner's series in a lane: a polyline per stretch without gaps, only what is in view.
template <class Get>
void draw_series(ImDrawList* dl, const Lane& lane, const Timeline& tl, const std::vector<session::RecordedSecond>& rows,
                 Get get, bool zero_is_missing, ImU32 colour) {
    std::vector<ImVec2> points;
    const auto flush = [&] {
        if (points.size() >= 2) dl->AddPolyline(points.data(), static_cast<int>(points.size()), colour, 0, 2.5f);
        points.clear();
    };
    const double w = lane.p1.x - lane.p0.x;
    double last_t = -1e300;
    for (const auto& s : rows) {
        if (s.time_s < tl.view_start_s - 2.0 || s.time_s > tl.view_end_s + 2.0) continue;
        const double v = get(s);
        if (!std::isfinite(v) || (zero_is_missing && v <= 0.0) || s.time_s - last_t > 5.0) flush();
        if (!std::isfinite(v) || (zero_is_missing && v <= 0.0)) continue;
        points.emplace_back(static_cast<float>(tl.x_of(s.time_s, lane.p0.x, w)), lane.y_of(v));
        last_t = s.time_s;
    }
    flush();
}

void draw_lane_frame(ImDrawList* dl, const Lane& lane, const Fonts& fonts) {
    dl->AddRectFilled(lane.p0, lane.p1, to_u32(palette::kPanel), 6.0f);
    const float fs = fonts.small->FontSize;
    dl->AddText(fonts.small, fs, ImVec2(lane.p0.x + 8.0f, lane.p0.y + 2.0f), to_u32(palette::kMuted), lane.title);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f", lane.hi);
    dl->AddText(fonts.small, fs * 0.85f, ImVec2(lane.p1.x - 34.0f, lane.p0.y + 2.0f), to_u32(palette::kMuted), buf);
    std::snprintf(buf, sizeof buf, "%.0f", lane.lo);
    dl->AddText(fonts.small, fs * 0.85f, ImVec2(lane.p1.x - 34.0f, lane.p1.y - fs), to_u32(palette::kMuted), buf);
}

// Phases as coloured spans, pauses shaded across every lane, markers as sand-coloured lines.
void draw_events(ImDrawList* dl, const session::Recording& r, const Timeline& tl, ImVec2 band0, ImVec2 band1,
                 float lanes_bottom) {
    const double w = band1.x - band0.x;
    const auto x = [&](double t) { return static_cast<float>(std::clamp(tl.x_of(t, band0.x, w), double(band0.x), double(band1.x))); };
    std::string phase;
    double phase_t0 = 0.0, pause_t0 = -1.0;
    const auto phase_span = [&](double t1) {
        if (!phase.empty()) dl->AddRectFilled(ImVec2(x(phase_t0), band0.y), ImVec2(std::max(x(phase_t0) + 1.0f, x(t1)), band1.y), phase_colour(phase));
    };
    const auto pause_span = [&](double t1) {
        dl->AddRectFilled(ImVec2(x(pause_t0), band1.y), ImVec2(std::max(x(pause_t0) + 2.0f, x(t1)), lanes_bottom),
                          to_u32(palette::kHigh, 0.14f));
    };
    for (const auto& e : r.events) {
        if (e.kind == "phase") {
            phase_span(e.time_s);
            phase = e.text;
            phase_t0 = e.time_s;
        } else if (e.kind == "pause" && e.text.rfind("pause started", 0) == 0) {
            pause_t0 = e.time_s;
        } else if (e.kind == "pause" && e.text.rfind("pause ended", 0) == 0 && pause_t0 >= 0.0) {
            pause_span(e.time_s);
            pause_t0 = -1.0;
        }
    }
    phase_span(tl.end_s);
    if (pause_t0 >= 0.0) pause_span(tl.end_s);
    for (const auto& e : r.events) {
        if (e.kind != "marker" || e.time_s < tl.view_start_s || e.time_s > tl.view_end_s) continue;
        const float mx = x(e.time_s);
        dl->AddLine(ImVec2(mx, band0.y), ImVec2(mx, lanes_bottom), to_u32(palette::kHint, 0.9f), 2.0f);
        dl->AddTriangleFilled(ImVec2(mx, band0.y), ImVec2(mx + 10.0f, band0.y + 6.0f), ImVec2(mx, band0.y + 12.0f),
                              to_u32(palette::kHint));
    }
}

// The plots and their mouse handling: wheel zooms about the pointer, left button scrubs,
// right or middle button drags the view.
void draw_plots(const session::Recording& r, Timeline& tl, const Fonts& fonts, ImVec2 size) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##timeline", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight |
                                                   ImGuiButtonFlags_MouseButtonMiddle);
    const ImGuiIO& io = ImGui::GetIO();
    if (ImGui::IsItemHovered() && io.MouseWheel != 0.0f)
        tl.zoom(std::pow(1.25, io.MouseWheel), tl.time_at(io.MousePos.x, o.x, size.x));
    if (ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left))
        tl.set_cursor(tl.time_at(io.MousePos.x, o.x, size.x));
    if (ImGui::IsItemActive() && (ImGui::IsMouseDown(ImGuiMouseButton_Right) || ImGui::IsMouseDown(ImGuiMouseButton_Middle)))
        tl.pan(-io.MouseDelta.x / size.x * tl.span());

    const float band_h = 30.0f, gap = 6.0f;
    const float lanes_h = size.y - band_h - gap;
    const float unit = (lanes_h - 3.0f * gap) / 3.6f;  // HR, breathing, arousal: 1 each; together: 0.6
    const ImVec2 band0 = o, band1(o.x + size.x, o.y + band_h);
    dl->AddRectFilled(band0, band1, to_u32(palette::kPanel), 6.0f);

    const signal::ArousalConfig arousal_config;
    const auto hr_range = value_range(r, [](const auto& s) { return s.hr_bpm; }, 20.0);
    const auto resp_range = value_range(r, [](const auto& s) { return s.resp_rate_bpm; }, 6.0);
    double a_hi = arousal_config.high_on + 2.0, a_lo = -2.0;
    for (const auto& p : r.partners)
        for (const auto& s : p.seconds)
            if (std::isfinite(s.arousal)) a_hi = std::max(a_hi, std::min(s.arousal + 0.5, 30.0)), a_lo = std::min(a_lo, std::max(s.arousal - 0.5, -30.0));
    float y = band1.y + gap;
    const auto lane_at = [&](const char* title, double lo, double hi, float h) {
        Lane lane{title, lo, hi, ImVec2(o.x, y), ImVec2(o.x + size.x, y + h)};
        y += h + gap;
        return lane;
    };
    const Lane hr = lane_at("heart rate (bpm)", hr_range.first, hr_range.second, unit);
    const Lane resp = lane_at("breathing rate (breaths/min)", resp_range.first, resp_range.second, unit);
    const Lane arousal = lane_at("arousal index (own baseline): calm / rising / high", a_lo, a_hi, unit);
    const Lane together = lane_at("breathing together (0..1)", 0.0, 1.0, unit * 0.6f);

    for (const Lane* lane : {&hr, &resp, &arousal, &together}) draw_lane_frame(dl, *lane, fonts);
    // Arousal bands: the detector's own thresholds.
    const auto band = [&](double lo, double hi, const ImVec4& c) {
        dl->AddRectFilled(ImVec2(arousal.p0.x, arousal.y_of(hi)), ImVec2(arousal.p1.x, arousal.y_of(lo)), to_u32(c, 0.16f));
    };
    band(a_lo, arousal_config.rising_on, palette::kCalm);
    band(arousal_config.rising_on, arousal_config.high_on, palette::kRising);
    band(arousal_config.high_on, a_hi, palette::kHigh);
    draw_events(dl, r, tl, band0, band1, together.p1.y);

    dl->PushClipRect(o, ImVec2(o.x + size.x, o.y + size.y), true);
    for (int i = 0; i < 2; ++i) {
        const auto& rows = r.partners[static_cast<std::size_t>(i)].seconds;
        const ImU32 c = to_u32(partner_colour(i));
        draw_series(dl, hr, tl, rows, [](const auto& s) { return s.hr_bpm; }, true, c);
        draw_series(dl, resp, tl, rows, [](const auto& s) { return s.resp_rate_bpm; }, true, c);
        draw_series(dl, arousal, tl, rows, [](const auto& s) { return s.arousal; }, false, c);
    }
    std::vector<ImVec2> sync;
    for (const auto& v : r.synchrony)
        if (v.time_s >= tl.view_start_s - 2.0 && v.time_s <= tl.view_end_s + 2.0)
            sync.emplace_back(static_cast<float>(tl.x_of(v.time_s, o.x, size.x)), together.y_of(v.value));
    if (sync.size() >= 2) dl->AddPolyline(sync.data(), static_cast<int>(sync.size()), to_u32(palette::kPacer), 0, 2.5f);
    // Time ticks along the bottom of the band.
    const double step = tl.span() > 1800 ? 300.0 : tl.span() > 600 ? 120.0 : tl.span() > 120 ? 30.0 : tl.span() > 40 ? 10.0 : 2.0;
    for (double t = std::ceil(tl.view_start_s / step) * step; t <= tl.view_end_s; t += step) {
        const float tx = static_cast<float>(tl.x_of(t, o.x, size.x));
        dl->AddLine(ImVec2(tx, band1.y - 6.0f), ImVec2(tx, band1.y), to_u32(palette::kText, 0.6f));
        dl->AddText(fonts.small, fonts.small->FontSize * 0.85f, ImVec2(tx + 2.0f, band0.y + 2.0f), to_u32(palette::kText, 0.8f),
                    clock_text(t).c_str());
    }
    const float cx = static_cast<float>(tl.x_of(tl.cursor_s, o.x, size.x));
    if (tl.cursor_s >= tl.view_start_s && tl.cursor_s <= tl.view_end_s)
        dl->AddLine(ImVec2(cx, o.y), ImVec2(cx, o.y + size.y), to_u32(palette::kText, 0.85f), 1.5f);
    dl->PopClipRect();
}

std::string phase_at(const session::Recording& r, double t) {
    std::string phase = "starting";
    for (const auto& e : r.events) {
        if (e.time_s > t) break;
        if (e.kind == "phase") phase = e.text;
    }
    return phase;
}

// The values under the cursor, and the clinician's notes close to it.
void draw_readout(const session::Recording& r, const Timeline& tl) {
    const double t = tl.cursor_s;
    ImGui::Text("at %s   phase: %s", clock_text(t).c_str(), phase_title(phase_at(r, t)).c_str());
    for (int i = 0; i < 2; ++i) {
        ImGui::SameLine();
        const auto* s = second_at(r.partners[static_cast<std::size_t>(i)], t);
        const char* who = r.names[static_cast<std::size_t>(i)].c_str();
        if (!s) ImGui::TextColored(partner_colour(i), "   %s: no data", who);
        else
            ImGui::TextColored(partner_colour(i), "   %s: %.0f bpm, %.1f breaths/min, arousal %.1f (%s)", who, s->hr_bpm,
                               s->resp_rate_bpm, s->arousal, s->arousal_state.c_str());
    }
    ImGui::SameLine();
    if (const auto sync = synchrony_at(r, t)) ImGui::TextColored(palette::kPacer, "   together %.2f", *sync);
    for (const auto& e : r.events)
        if (e.kind == "marker" && std::abs(e.time_s - t) <= std::max(5.0, 0.02 * tl.span()))
            ImGui::TextColored(palette::kHint, "note at %s: %s", clock_text(e.time_s).c_str(), e.text.c_str());
}

void draw_event_list(ReviewState& state, const Fonts& fonts, ImVec2 size) {
    const auto& r = *state.recording;
    ImGui::BeginChild("##review_events", size, true);
    ImGui::PushFont(fonts.small);
    ImGui::TextColored(palette::kMuted, "Events and notes (click to jump)");
    for (const std::size_t i : listed_events(r)) {
        const auto& e = r.events[i];
        const bool marker = e.kind == "marker";
        const std::string label = clock_text(e.time_s) + "  " + (marker ? "NOTE" : e.kind) + (e.partner.empty() ? "" : " " + e.partner) +
                                  ": " + e.text + "##ev" + std::to_string(i);
        if (marker) ImGui::PushStyleColor(ImGuiCol_Text, palette::kHint);
        const bool selected = state.selected_event == static_cast<int>(i);
        if (ImGui::Selectable(label.c_str(), selected)) {
            state.selected_event = static_cast<int>(i);
            state.timeline.jump_to(e.time_s);
        }
        if (selected && state.scroll_list_to_selected) ImGui::SetScrollHereY(0.3f);
        if (marker) ImGui::PopStyleColor();
    }
    state.scroll_list_to_selected = false;
    ImGui::PopFont();
    ImGui::EndChild();
}

void draw_summary_line(const session::Recording& r) {
    const auto& s = r.summary;
    if (!s.present) return;
    double calm = 0.0, all = 0.0;
    for (const auto& p : s.partners) {
        calm += p.seconds_calm;
        all += p.seconds_calm + p.seconds_rising + p.seconds_high;
    }
    ImGui::TextColored(palette::kMuted, "%s long   pauses: %d   notes: %d   calm %.0f %% of the time   breathing together %.2f",
                       clock_text(s.duration_s).c_str(), s.pauses, s.markers, all > 0.0 ? 100.0 * calm / all : 0.0,
                       s.breathing_together_mean);
}

void draw_controls(Timeline& tl) {
    const double mid = 0.5 * (tl.view_start_s + tl.view_end_s);
    if (ImGui::Button("Zoom in")) tl.zoom(2.0, tl.cursor_s >= tl.view_start_s && tl.cursor_s <= tl.view_end_s ? tl.cursor_s : mid);
    ImGui::SameLine();
    if (ImGui::Button("Zoom out")) tl.zoom(0.5, mid);
    ImGui::SameLine();
    if (ImGui::Button("Whole session")) tl.zoom(1e-9, mid);
    ImGui::SameLine();
    if (ImGui::Button("<")) tl.pan(-0.25 * tl.span());
    ImGui::SameLine();
    if (ImGui::Button(">")) tl.pan(0.25 * tl.span());
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "showing %s - %s   (wheel: zoom, drag: cursor, right-drag: pan)",
                       clock_text(tl.view_start_s).c_str(), clock_text(tl.view_end_s).c_str());
}

void draw_session_list(ReviewState& state, const Fonts& fonts) {
    if (!state.listed) {
        state.recent = recent_recordings(state.sessions_dir);
        state.listed = true;
    }
    ImGui::PushFont(fonts.body);
    ImGui::Text("Session review");
    ImGui::PopFont();
    if (!state.error.empty()) {
        ImGui::TextColored(palette::kHint, "Cannot show %s:", state.open_dir.c_str());
        ImGui::TextWrapped("%s", state.error.c_str());
        ImGui::Separator();
    }
    if (state.recent.empty()) {
        ImGui::TextColored(palette::kMuted, "No recorded sessions in %s yet.",
                           state.sessions_dir.empty() ? "the sessions folder" : state.sessions_dir.c_str());
        ImGui::TextColored(palette::kMuted, "Sessions are recorded as they run; open one with `attune review DIR`.");
    } else {
        ImGui::TextColored(palette::kMuted, "Recent sessions (newest first): choose one to review");
    }
    if (ImGui::Button("Refresh")) state.listed = false;
    ImGui::BeginChild("##recent", ImVec2(0, 0), true);
    for (const auto& dir : state.recent)
        if (ImGui::Selectable(fs::path(dir).filename().string().c_str())) state.open(dir);
    ImGui::EndChild();
}

}  // namespace

void draw_review(ReviewState& state, const Fonts& fonts) {
    if (!state.recording) {
        draw_session_list(state, fonts);
        return;
    }
    const auto& r = *state.recording;
    ImGui::PushFont(fonts.body);
    ImGui::Text("Session review");
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "  %s", fs::path(r.dir).filename().string().c_str());
    ImGui::SameLine(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX() - 130.0f);
    if (ImGui::Button("Sessions")) {
        state.close();
        return;
    }
    ImGui::PushFont(fonts.small);
    draw_summary_line(r);
    for (const auto& p : r.problems) ImGui::TextColored(palette::kHint, "%s", p.c_str());
    draw_controls(state.timeline);
    ImGui::PopFont();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float list_w = std::clamp(avail.x * 0.26f, 220.0f, 420.0f);
    const float readout_h = 3.0f * ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 plots(std::max(50.0f, avail.x - list_w - ImGui::GetStyle().ItemSpacing.x), std::max(120.0f, avail.y - readout_h - ImGui::GetStyle().ItemSpacing.y));
    ImGui::BeginGroup();
    draw_plots(r, state.timeline, fonts, plots);
    // A child of the plots' width, so a long readout never pushes the event list off screen.
    ImGui::BeginChild("##readout", ImVec2(plots.x, readout_h), false, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushFont(fonts.small);
    draw_readout(r, state.timeline);
    ImGui::PopFont();
    ImGui::EndChild();
    ImGui::EndGroup();
    ImGui::SameLine();
    draw_event_list(state, fonts, ImVec2(list_w, avail.y));
}

}  // namespace attune::ui
