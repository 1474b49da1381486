// The session report: a software-drawn page (RGB canvas, lines, filled rectangles and the
// stb_easy_font bitmap font scaled up), written as PNG with stb_image_write.
#include "attune/session/report.hpp"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "attune/session/history.hpp"
#include "attune/session/recording_reader.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

namespace attune::session {
namespace {

using Color = std::array<std::uint8_t, 3>;
constexpr Color kWhite{255, 255, 255}, kInk{30, 30, 40}, kGrid{225, 225, 232}, kPause{215, 50, 50},
    kEvent{150, 150, 165}, kPartnerA{40, 100, 200}, kPartnerB{230, 120, 30}, kCalmBand{232, 246, 234};

// An RGB image with the few drawing primitives a report needs.
class Canvas {
public:
    Canvas(int w, int h) : w_(w), h_(h), pixels_(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 255) {}

    void fill(int x0, int y0, int x1, int y1, Color c) {
        for (int y = std::max(0, y0); y < std::min(h_, y1); ++y)
            for (int x = std::max(0, x0); x < std::min(w_, x1); ++x) put(x, y, c);
    }
    // A line `thick` pixels wide (a square brush along Bresenham's path).
    void line(double x0, double y0, double x1, double y1, Color c, int thick = 1) {
        const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
        for (int i = 0; i <= steps; ++i) {
            const double t = static_cast<double>(i) / steps;
            const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
            const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
            fill(x - thick / 2, y - thick / 2, x - thick / 2 + thick, y - thick / 2 + thick, c);
        }
    }
    // The bitmap font has printable ASCII only (it indexes its table by byte - 32): accented
    // Latin letters (U+00C0..U+00FF, UTF-8 C3 xx) lose their accent, any other character shows
    // as one "?".
    static std::string font_safe(const std::string& s) {
        static constexpr char kLatin1Base[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
        std::string out;
        out.reserve(s.size());
        for (std::size_t i = 0; i < s.size(); ++i) {
            const auto b = static_cast<unsigned char>(s[i]);
            const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
            if (b >= 32 && b < 127) out += s[i];
            else if (b == 0xC3 && next >= 0x80 && next < 0xC0) {
                out += kLatin1Base[next - 0x80];
                ++i;
            } else if (b < 0x80 || b >= 0xC0) out += '?';  // not a UTF-8 continuation byte
        }
        return out;
    }
    // Text with its top-left corner at (x, y); `scale` pixels per font unit (the font is ~7 units tall).
    void text(double x, double y, const std::string& s, Color c, double scale = 2.0) {
        std::vector<char> buffer(s.size() * 300 + 64);
        std::string copy = font_safe(s);
        const int quads = stb_easy_font_print(0.0f, 0.0f, copy.data(), nullptr, buffer.data(), static_cast<int>(buffer.size()));
        struct Vertex { float x, y, z; std::uint8_t rgba[4]; };
        const auto* v = reinterpret_cast<const Vertex*>(buffer.data());
        for (int q = 0; q < quads; ++q) {
            const Vertex& a = v[q * 4];
            const Vertex& b = v[q * 4 + 2];
            fill(static_cast<int>(std::lround(x + a.x * scale)), static_cast<int>(std::lround(y + a.y * scale)),
                 static_cast<int>(std::lround(x + b.x * scale)), static_cast<int>(std::lround(y + b.y * scale)), c);
        }
    }
    static double text_width(const std::string& s, double scale = 2.0) {
        std::string copy = font_safe(s);
        return stb_easy_font_width(copy.data()) * scale;
    }
    bool save_png(const std::string& path) const {
        return stbi_write_png(path.c_str(), w_, h_, 3, pixels_.data(), w_ * 3) != 0;
    }
    int width() const { return w_; }

private:
    void put(int x, int y, Color c) {
        auto* p = &pixels_[(static_cast<std::size_t>(y) * static_cast<std::size_t>(w_) + static_cast<std::size_t>(x)) * 3];
        p[0] = c[0], p[1] = c[1], p[2] = c[2];
    }
    int w_, h_;
    std::vector<std::uint8_t> pixels_;
};

struct Series {
    std::vector<double> t, v;
};

struct PartnerSeconds {
    Series hr, resp, arousal;
};

// Heart rate, breathing rate and arousal index of one partner; zero rates = no value yet.
PartnerSeconds series_of(const RecordedPartner& partner) {
    PartnerSeconds s;
    auto add = [](Series& series, double t, double v, bool zero_is_missing) {
        if (!std::isfinite(v) || (zero_is_missing && v <= 0.0)) return;
        series.t.push_back(t);
        series.v.push_back(v);
    };
    for (const auto& second : partner.seconds) {
        add(s.hr, second.time_s, second.hr_bpm, true);
        add(s.resp, second.time_s, second.resp_rate_bpm, true);
        add(s.arousal, second.time_s, second.arousal, false);
    }
    return s;
}

struct Panel {
    int x0, y0, x1, y1;  // plot area in pixels
    double t_end;        // seconds at the right edge
    double lo, hi;       // value range
    double px(double t) const { return x0 + (x1 - x0) * std::clamp(t / t_end, 0.0, 1.0); }
    double py(double v) const { return y1 - (y1 - y0) * std::clamp((v - lo) / (hi - lo), 0.0, 1.0); }
};

// A rounded range around both partners' values with a little headroom.
std::pair<double, double> value_range(const Series& a, const Series& b, double min_span) {
    double lo = 1e300, hi = -1e300;
    for (const auto* s : {&a, &b})
        for (double v : s->v) { lo = std::min(lo, v); hi = std::max(hi, v); }
    if (lo > hi) return {0.0, min_span};
    if (hi - lo < min_span) { const double mid = 0.5 * (lo + hi); lo = mid - min_span / 2; hi = mid + min_span / 2; }
    const double pad = 0.08 * (hi - lo);
    return {std::floor(lo - pad), std::ceil(hi + pad)};
}

void draw_series(Canvas& c, const Panel& p, const Series& s, Color color) {
    for (std::size_t i = 1; i < s.t.size(); ++i) {
        if (s.t[i] - s.t[i - 1] > 5.0) continue;  // a gap in the data stays a gap
        c.line(p.px(s.t[i - 1]), p.py(s.v[i - 1]), p.px(s.t[i]), p.py(s.v[i]), color, 2);
    }
}

void draw_frame(Canvas& c, const Panel& p, const std::string& title, const std::vector<RecordedEvent>& events) {
    c.text(p.x0, p.y0 - 26, title, kInk, 2.0);
    for (double t = 0.0; t <= p.t_end + 1e-9; t += p.t_end > 1200 ? 300.0 : 60.0) {
        c.line(p.px(t), p.y0, p.px(t), p.y1, kGrid);
        char label[16];
        std::snprintf(label, sizeof label, "%d min", static_cast<int>(std::lround(t / 60.0)));
        c.text(p.px(t) - 14, p.y1 + 6, label, kInk, 1.5);
    }
    for (const auto& e : events)
        if (e.kind == "pause") c.line(p.px(e.time_s), p.y0, p.px(e.time_s), p.y1, kPause, e.text.find("start") != std::string::npos ? 2 : 1);
        else if (e.kind == "step" || e.kind == "marker") c.line(p.px(e.time_s), p.y0, p.px(e.time_s), p.y1, kEvent);
    char lo[16], hi[16];
    std::snprintf(lo, sizeof lo, "%.0f", p.lo);
    std::snprintf(hi, sizeof hi, "%.0f", p.hi);
    c.text(p.x0 - 8 - Canvas::text_width(hi, 1.5), p.y0, hi, kInk, 1.5);
    c.text(p.x0 - 8 - Canvas::text_width(lo, 1.5), p.y1 - 12, lo, kInk, 1.5);
    c.line(p.x0, p.y0, p.x0, p.y1, kInk);
    c.line(p.x0, p.y1, p.x1, p.y1, kInk);
}

std::string figure(double v, const char* format) {
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

bool write_session_report(const std::string& dir, const std::string& png_path, std::string& error, ReportImage size) {
    SessionFigures figures;
    Recording recording;
    try {
        figures = figures_of_recording(dir);
        recording = read_recording(dir);
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
    const auto a = series_of(recording.partners[0]);
    const auto b = series_of(recording.partners[1]);
    const auto& events = recording.events;
    const double t_end = std::max(60.0, std::ceil(figures.duration_s / 60.0) * 60.0);

    Canvas c(size.width, size.height);
    const int left = 90, right = size.width - 40;
    c.text(left, 30, "Attune session report", kInk, 4.0);
    c.text(left, 70, figures.started + "   " + dir, kInk, 1.5);

    // Key figures, two columns.
    const auto& sa = recording.summary.partners[0];
    const auto& sb = recording.summary.partners[1];
    const std::vector<std::string> left_column = {
        "Length: " + figure(figures.duration_s / 60.0, "%.1f min") + "   pauses: " + std::to_string(figures.pauses),
        "Back to calm after a pause: " +
            (figures.recover_after_pause_s ? figure(*figures.recover_after_pause_s, "%.0f s") : std::string("-")),
        "Time in calm: " + figure(100.0 * figures.calm_fraction, "%.0f %%") +
            "   breathing together: " + figure(figures.synchrony, "%.2f"),
    };
    const std::vector<std::string> right_column = {
        recording.names[0] + ": HR " + figure(sa.mean_hr_bpm, "%.0f bpm") + ", resting RMSSD " +
            figure(sa.baseline_rmssd_ms.value_or(0.0), "%.0f ms"),
        recording.names[1] + ": HR " + figure(sb.mean_hr_bpm, "%.0f bpm") + ", resting RMSSD " +
            figure(sb.baseline_rmssd_ms.value_or(0.0), "%.0f ms"),
        "Resting HRV (both): " + (figures.resting_hrv_ms ? figure(*figures.resting_hrv_ms, "%.0f ms") : std::string("-")),
    };
    for (std::size_t i = 0; i < left_column.size(); ++i) c.text(left, 110 + 30.0 * i, left_column[i], kInk, 2.0);
    for (std::size_t i = 0; i < right_column.size(); ++i)
        c.text(size.width / 2 + 20, 110 + 30.0 * i, right_column[i], kInk, 2.0);
    // Legend.
    // Legend, flowing left to right (names have any length).
    int x = left;
    for (std::size_t p = 0; p < recording.names.size(); ++p) {
        c.fill(x, 215, x + 30, 221, p == 0 ? kPartnerA : kPartnerB);
        c.text(x + 40, 210, recording.names[p], kInk, 2.0);
        x += 80 + static_cast<int>(Canvas::text_width(recording.names[p]));
    }
    c.fill(x, 208, x + 3, 228, kPause);
    c.text(x + 13, 210, "pause", kInk, 2.0);
    x += 120;
    c.fill(x, 208, x + 2, 228, kEvent);
    c.text(x + 12, 210, "step / marker", kInk, 2.0);

    const int top = 290, panel_h = 250, gap = 80;
    auto panel_at = [&](int i, std::pair<double, double> range) {
        const int y0 = top + i * (panel_h + gap);
        return Panel{left, y0, right, y0 + panel_h, t_end, range.first, range.second};
    };
    const Panel hr = panel_at(0, value_range(a.hr, b.hr, 20.0));
    draw_frame(c, hr, "Heart rate (bpm)", events);
    draw_series(c, hr, a.hr, kPartnerA);
    draw_series(c, hr, b.hr, kPartnerB);

    const Panel resp = panel_at(1, value_range(a.resp, b.resp, 6.0));
    draw_frame(c, resp, "Breathing rate (breaths/min)", events);
    draw_series(c, resp, a.resp, kPartnerA);
    draw_series(c, resp, b.resp, kPartnerB);

    const Panel arousal = panel_at(2, value_range(a.arousal, b.arousal, 2.0));
    c.fill(arousal.x0 + 1, static_cast<int>(arousal.py(std::min(arousal.hi, 1.0))), arousal.x1,
           static_cast<int>(arousal.py(arousal.lo)), kCalmBand);
    draw_frame(c, arousal, "Arousal index (z vs own baseline; green band = below +1)", events);
    draw_series(c, arousal, a.arousal, kPartnerA);
    draw_series(c, arousal, b.arousal, kPartnerB);

    // Pause requests named along the bottom.
    int label_row = 0;
    for (const auto& e : events)
        if (e.kind == "pause" && e.text.find("start") != std::string::npos) {
            c.text(arousal.px(e.time_s) + 4, arousal.y1 + 28 + 16 * (label_row++ % 2), e.text.substr(0, 40), kPause, 1.5);
        }
    if (!c.save_png(png_path)) {
        error = "cannot write " + png_path;
        return false;
    }
    return true;
}

}  // namespace attune::session
