// The history view: every recorded session from the session index (read only) and the couple's
// trends across weeks of practice as small plots: time back to calm after a pause, time calm,
// breathing together and resting HRV. A row opens that session's review.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "attune/ui/review.hpp"
#include "attune/ui/views.hpp"

namespace attune::ui {

void HistoryState::load() {
    loaded = true;
    rows.clear();
    error.clear();
    std::error_code ec;
    // Read only: a missing index file is "nothing recorded yet", never a new empty file.
    if (db_path.empty() || (!session::is_postgres_location(db_path) && !std::filesystem::exists(db_path, ec))) return;
    try {
        rows = session::SessionHistory(db_path).all();
    } catch (const std::exception& e) {
        error = e.what();
    }
}

namespace {

struct Trend {
    const char* title;
    const char* unit_format;  // printf format of one value
    bool higher_is_better;
    std::function<std::optional<double>(const session::SessionFigures&)> value;
};

const std::vector<Trend>& trends() {
    static const std::vector<Trend> all{
        {"Back to calm after a pause", "%.0f s", false, [](const auto& f) { return f.recover_after_pause_s; }},
        {"Time calm", "%.0f %%", true, [](const auto& f) { return std::optional<double>(100.0 * f.calm_fraction); }},
        {"Breathing together", "%.2f", true, [](const auto& f) { return std::optional<double>(f.synchrony); }},
        {"Resting HRV (RMSSD)", "%.0f ms", true, [](const auto& f) { return f.resting_hrv_ms; }},
    };
    return all;
}

std::string format_value(const char* format, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// One small plot: the figure per session (oldest left), its least-squares trend as a thin grey
// line, and the change per session in words.
void draw_trend(const Trend& trend, const std::vector<session::SessionFigures>& rows, const Fonts& fonts, ImVec2 size) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(size);
    dl->AddRectFilled(o, ImVec2(o.x + size.x, o.y + size.y), to_u32(palette::kPanel), 8.0f);
    const float fs = fonts.small->FontSize;
    dl->AddText(fonts.small, fs, ImVec2(o.x + 10.0f, o.y + 6.0f), to_u32(palette::kText), trend.title);

    std::vector<double> xs, ys;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (const auto v = trend.value(rows[i]); v && std::isfinite(*v)) {
            xs.push_back(static_cast<double>(i));
            ys.push_back(*v);
        }
    std::string words = "no sessions with this figure yet";
    if (!ys.empty()) {
        words = "latest " + format_value(trend.unit_format, ys.back());
        if (const auto slope = session::trend_per_session(ys)) {
            const bool better = trend.higher_is_better ? *slope > 0.0 : *slope < 0.0;
            words += ", " + format_value(trend.unit_format, *slope) + " per session" +
                     (*slope == 0.0 ? "" : better ? " (better)" : " (worse)");
        }
    }
    dl->AddText(fonts.small, fs, ImVec2(o.x + 10.0f, o.y + size.y - fs - 6.0f), to_u32(palette::kMuted), words.c_str());
    if (ys.empty()) return;

    const auto [lo_it, hi_it] = std::minmax_element(ys.begin(), ys.end());
    double lo = *lo_it, hi = *hi_it;
    if (hi - lo < 1e-9) lo -= 1.0, hi += 1.0;
    const double n = std::max(1.0, static_cast<double>(rows.size() - 1));
    const ImVec2 p0(o.x + 16.0f, o.y + fs + 14.0f), p1(o.x + size.x - 16.0f, o.y + size.y - fs - 14.0f);
    const auto at = [&](double x, double y) {
        const float u = rows.size() < 2 ? 0.5f : static_cast<float>(x / n);
        return ImVec2(p0.x + u * (p1.x - p0.x), p1.y - static_cast<float>((y - lo) / (hi - lo)) * (p1.y - p0.y));
    };
    std::vector<ImVec2> points;
    for (std::size_t i = 0; i < ys.size(); ++i) points.push_back(at(xs[i], ys[i]));
    if (points.size() >= 2) dl->AddPolyline(points.data(), static_cast<int>(points.size()), to_u32(palette::kPacer), 0, 2.5f);
    for (const auto& p : points) dl->AddCircleFilled(p, 4.0f, to_u32(palette::kPacer));
    if (const auto slope = session::trend_per_session(ys)) {
        // The fit is per session that has the figure: from the first of them to the last.
        double my = 0.0;
        for (double y : ys) my += y;
        my /= static_cast<double>(ys.size());
        const double half = 0.5 * *slope * static_cast<double>(ys.size() - 1);
        dl->AddLine(at(xs.front(), my - half), at(xs.back(), my + half), to_u32(palette::kMuted, 0.8f), 1.5f);
    }
}

std::string optional_text(const std::optional<double>& v, const char* format) {
    return v ? format_value(format, *v) : std::string("-");
}

// The sessions as a table, newest first; a click opens the review. Returns the chosen folder.
std::optional<std::string> draw_table(const std::vector<session::SessionFigures>& rows, ImVec2 size) {
    std::optional<std::string> chosen;
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerH;
    if (!ImGui::BeginTable("##history", 7, flags, size)) return chosen;
    for (const char* h : {"started", "minutes", "pauses", "back to calm", "calm", "together", "resting HRV"})
        ImGui::TableSetupColumn(h);
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableHeadersRow();
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        const auto& f = *it;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        const std::string label = (f.started.empty() ? std::filesystem::path(f.dir).filename().string() : f.started) +
                                  "##row" + std::to_string(f.id);
        if (ImGui::Selectable(label.c_str(), false, ImGuiSelectableFlags_SpanAllColumns)) chosen = f.dir;
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", f.duration_s / 60.0);
        ImGui::TableNextColumn();
        ImGui::Text("%d", f.pauses);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(optional_text(f.recover_after_pause_s, "%.0f s").c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.0f %%", 100.0 * f.calm_fraction);
        ImGui::TableNextColumn();
        ImGui::Text("%.2f", f.synchrony);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(optional_text(f.resting_hrv_ms, "%.0f ms").c_str());
    }
    ImGui::EndTable();
    return chosen;
}

}  // namespace

std::optional<std::string> draw_history(HistoryState& state, const Fonts& fonts) {
    if (!state.loaded) state.load();
    ImGui::PushFont(fonts.body);
    ImGui::Text("Progress across sessions");
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "  %zu session%s", state.rows.size(), state.rows.size() == 1 ? "" : "s");
    ImGui::SameLine();
    if (ImGui::Button("Refresh")) state.load();
    if (!state.error.empty()) ImGui::TextColored(palette::kHint, "The session index cannot be read: %s", state.error.c_str());
    if (state.rows.empty() && state.error.empty()) {
        ImGui::TextColored(palette::kMuted, "No sessions recorded yet: each finished session adds a row here.");
        return std::nullopt;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const ImVec2 plot((avail.x - 3.0f * spacing) / 4.0f, std::clamp(avail.y * 0.42f, 120.0f, 260.0f));
    ImGui::PushFont(fonts.small);
    for (std::size_t i = 0; i < trends().size(); ++i) {
        if (i > 0) ImGui::SameLine();
        draw_trend(trends()[i], state.rows, fonts, plot);
    }
    ImGui::TextColored(palette::kMuted, "Sessions (newest first): choose one to review it");
    const auto chosen = draw_table(state.rows, ImVec2(0, std::max(60.0f, ImGui::GetContentRegionAvail().y)));
    ImGui::PopFont();
    return chosen;
}

}  // namespace attune::ui
