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
    std::string view = "pacer";   // pacer | cue | clinician | setup | review
    bool fullscreen = false;
    int monitor = 0;
    int width = 1280, height = 720;
};

// Runs until the window is closed (or the screenshot is saved). Returns a process exit code;
// prints a clear message and returns non-zero when there is no display.
int run_window(const WindowOptions& options);

}  // namespace attune::ui
