// What the review and history views remember between frames, and the timeline's maths (zoom,
// pan, scrub), kept free of drawing so tests can check it without a window.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "attune/session/history.hpp"
#include "attune/session/recording_reader.hpp"

namespace attune::ui {

// The visible stretch [view_start_s, view_end_s] of a session [start_s, end_s] and the cursor.
struct Timeline {
    static constexpr double kMinSpanS = 10.0;  // the deepest zoom: ten seconds across the plots

    double start_s = 0.0, end_s = 1.0;
    double view_start_s = 0.0, view_end_s = 1.0;
    double cursor_s = 0.0;

    void reset(double start, double end);  // whole session visible, cursor at its start
    double span() const { return view_end_s - view_start_s; }
    // factor > 1 zooms in; the time `about_s` stays where it is on screen.
    void zoom(double factor, double about_s);
    void pan(double seconds);                // keeps the span, stops at the session's ends
    void jump_to(double t);                  // cursor to t, the view centred on it when it was off screen
    void set_cursor(double t);               // clamped to the session
    double time_at(double x, double x0, double width) const;  // screen x -> session time
    double x_of(double t, double x0, double width) const;     // session time -> screen x

private:
    void clamp_view();
};

// The per-second row of one partner nearest to t (within 1.5 s), if any.
const session::RecordedSecond* second_at(const session::RecordedPartner& partner, double t);
// Breathing together at t (nearest value within 1.5 s), if known.
std::optional<double> synchrony_at(const session::Recording& recording, double t);
// The events worth listing in the review (phases, pauses, cues, markers, arousal, sensors...):
// indices into recording.events, key presses and word picks left out.
std::vector<std::size_t> listed_events(const session::Recording& recording);

// Recording folders (those with channels.json) directly below base, newest first.
std::vector<std::string> recent_recordings(const std::string& base, std::size_t max_count = 40);

struct ReviewState {
    std::string sessions_dir;  // recent sessions are listed from here (set by the window)
    std::optional<session::Recording> recording;
    std::string open_dir;  // what was last opened (also when it failed)
    std::string error;     // why it could not be opened; shown in the view
    Timeline timeline;
    std::vector<std::string> recent;
    bool listed = false;   // `recent` is filled once, on first showing
    int selected_event = -1;
    bool scroll_list_to_selected = false;

    // Reads DIR; on failure keeps no recording and sets `error` (never throws).
    bool open(const std::string& dir);
    void close();  // back to the list of sessions
};

struct HistoryState {
    std::string db_path;  // the session index (set by the window)
    std::vector<session::SessionFigures> rows;
    std::string error;
    bool loaded = false;
    void load();  // reads every row (read only); sets `error` when the index cannot be read
};

}  // namespace attune::ui
