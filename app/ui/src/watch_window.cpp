// The therapist's window: GLFW + ImGui like the couple's window, but drawing the remote snapshot.
#include "attune/ui/watch_window.hpp"

#define GL_SILENCE_DEPRECATION
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <cfloat>
#include <chrono>
#include <iostream>
#include <memory>
#include <vector>

#include "attune/ui/theme.hpp"
#include "gl_window.hpp"
#include "attune/ui/views.hpp"

namespace attune::ui {
namespace {

using WallClock = std::chrono::steady_clock;

ImVec4 state_colour(session::WatchState s) {
    switch (s) {
    case session::WatchState::Watching: return palette::kCalm;
    case session::WatchState::Connecting:
    case session::WatchState::Retrying: return palette::kHint;
    default: return palette::kHigh;
    }
}

// The line above the panel: where we are connected and how it is going, in words.
void draw_status(const session::RemoteWatcher& watcher, const session::Snapshot* snap) {
    const auto state = watcher.state();
    ImGui::TextColored(state_colour(state), "%s", std::string(session::to_string(state)).c_str());
    ImGui::SameLine();
    ImGui::TextColored(palette::kMuted, "%s", watcher.detail().c_str());
    if (snap) {
        ImGui::SameLine();
        ImGui::TextColored(palette::kMuted, "   session %s", clock_text(snap->session_time_s).c_str());
    }
}

// The clinician's function keys, the same as in the couple's window.
void handle_keys(const ViewActions& actions) {
    if (ImGui::GetIO().WantTextInput) return;
    constexpr std::pair<int, session::Control> kControlKeys[] = {{GLFW_KEY_F5, session::Control::Hold},
                                                                 {GLFW_KEY_F6, session::Control::Skip},
                                                                 {GLFW_KEY_F7, session::Control::StartPause},
                                                                 {GLFW_KEY_F8, session::Control::Resume}};
    for (const auto& [key, control] : kControlKeys)
        if (ImGui::IsKeyPressed(key, false)) actions.control(control);
    if (ImGui::IsKeyPressed(GLFW_KEY_F2, false)) actions.add_marker("marker");
}

// Asks for the access code; returns true once one is entered.
bool draw_code_prompt(char (&code)[16], const Fonts& fonts) {
    ImGui::PushFont(fonts.large);
    ImGui::TextUnformatted("Access code");
    ImGui::PopFont();
    ImGui::TextColored(palette::kMuted, "The couple's screen shows it; ask them to read it out.");
    ImGui::SetNextItemWidth(240.0f);
    const bool entered = ImGui::InputText("##code", code, sizeof code, ImGuiInputTextFlags_EnterReturnsTrue |
                                                                             ImGuiInputTextFlags_CharsDecimal);
    ImGui::SameLine();
    return (ImGui::Button("Watch") || entered) && code[0] != '\0';
}

}  // namespace

int run_watch_window(const WatchWindowOptions& options) {
    if (!start_glfw("attune watch: cannot open a window (no display?). Use --headless, or run under xvfb-run."))
        return 3;
    const ImGuiWindow imgui_window = open_imgui_window(options.width, options.height, "Attune: watching", nullptr, "attune watch");
    GLFWwindow* window = imgui_window.window;
    if (!window) return 3;
    const Fonts& fonts = imgui_window.fonts;

    const bool screenshot = !options.screenshot_path.empty();
    session::WatchTarget target = options.target;
    std::unique_ptr<session::RemoteWatcher> watcher;
    if (!target.code.empty()) watcher = std::make_unique<session::RemoteWatcher>(target);
    char code[16] = "";
    ClinicianState clinician;
    ViewActions actions;
    actions.add_marker = [&watcher](const std::string& text) { watcher->send_marker(text); };
    actions.control = [&watcher](session::Control c) { watcher->send_control(c); };
    const auto opened = WallClock::now();
    std::optional<WallClock::time_point> watching_since;
    int exit_code = 0;
    while (!glfwWindowShouldClose(window)) {
        glfwWaitEventsTimeout(1.0 / 15.0);
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        if (screenshot) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        ImGui::NewFrame();
        const ImGuiViewport* vp = ImGui::GetMainViewport();
        ImGui::SetNextWindowPos(vp->WorkPos);
        ImGui::SetNextWindowSize(vp->WorkSize);
        ImGui::Begin("Watching", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                              ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
        ImGui::PushFont(fonts.body);
        if (!watcher) {
            if (draw_code_prompt(code, fonts)) {
                target.code = code;
                watcher = std::make_unique<session::RemoteWatcher>(target);
            }
        } else {
            handle_keys(actions);
            const auto snap = watcher->snapshot();
            draw_status(*watcher, snap.get());
            if (snap) draw_clinician_panel(*snap, clinician, fonts, actions);
            if (watcher->state() == session::WatchState::Watching && snap && !watching_since)
                watching_since = WallClock::now();
        }
        ImGui::PopFont();
        ImGui::End();
        ImGui::Render();
        int fb_w = 0, fb_h = 0;
        glfwGetFramebufferSize(window, &fb_w, &fb_h);
        glViewport(0, 0, fb_w, fb_h);
        glClearColor(palette::kBackground.x, palette::kBackground.y, palette::kBackground.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        if (screenshot) {
            const auto since = watching_since.value_or(opened);
            const double waited = std::chrono::duration<double>(WallClock::now() - since).count();
            // After the wait once watching; a window that never connects is shot too (after 20 s
            // more), showing why.
            if ((watching_since && waited >= options.screenshot_after_s) || waited >= options.screenshot_after_s + 20.0) {
                if (save_screenshot(window, options.screenshot_path)) {
                    std::cout << "screenshot saved: " << options.screenshot_path << std::endl;
                } else {
                    std::cerr << "attune watch: cannot write " << options.screenshot_path << "\n";
                    exit_code = 1;
                }
                glfwSetWindowShouldClose(window, GLFW_TRUE);
            }
        }
        glfwSwapBuffers(window);
    }
    watcher.reset();
    close_imgui_window(window);
    return exit_code;
}

}  // namespace attune::ui
