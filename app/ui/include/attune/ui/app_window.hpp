// The window: the shared display (pacer + both partners) and its companion views, drawn from
// engine snapshots with Dear ImGui + GLFW + OpenGL 3.
#pragma once

#include <string>

#include "attune/session/attachment.hpp"
#include "attune/session/engine.hpp"

namespace attune::ui {

struct WindowOptions {
    session::EngineConfig engine;
    // Attached to every engine the window runs (a restart with other sensors makes a new one):
    // the recording and other services. Not used for screenshots.
    session::AttachFn attach;
    std::string screenshot_path;  // when set: render, save a PNG and exit
    double screenshot_after_s = 20.0;
    std::string view = "pacer";   // pacer | cue | clinician | setup | review | history
    std::string open_dir;         // a recording to show in the review view at start
    std::string sessions_dir;     // where the review view lists recent sessions
    std::string history_db;       // the session index the history view reads
    double quit_after_s = 0.0;    // > 0: close the window (finishing the recording) after this long
    bool fullscreen = false;
    int monitor = 0;
    int width = 1280, height = 720;
};

// Runs until the window is closed (or the screenshot is saved, or SIGINT / SIGTERM arrives, or
// quit_after_s passed): the session's attachments are finished either way, so a window session
// ends with a complete recording. Returns a process exit code; prints a clear message and
// returns non-zero when there is no display.
int run_window(const WindowOptions& options);

}  // namespace attune::ui
