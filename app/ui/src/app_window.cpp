// The window's frame loop (the shape of Dear ImGui's example_glfw_opengl3): poll events, build
// the frame from the latest engine snapshot, render, swap. It waits for events with a timeout
// instead of spinning, so an idle display costs little CPU.
#include "attune/ui/app_window.hpp"

#define GL_SILENCE_DEPRECATION
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <iostream>
#include <vector>

#include "attune/bridge/serial_ports.hpp"
#include "attune/ui/frame.hpp"
#include "attune/ui/theme.hpp"
#include "gl_window.hpp"

namespace attune::ui {
namespace {

// SIGINT / SIGTERM ask the window to close, so the session ends as if the window were closed
// (the recording is finished) instead of the process dying mid-write.
volatile std::sig_atomic_t g_close_requested = 0;
extern "C" void request_close(int) { g_close_requested = 1; }

// Installs the handlers for the window's lifetime and restores the previous ones after.
class CloseOnSignal {
public:
    CloseOnSignal() {
        g_close_requested = 0;
        struct sigaction sa{};
        sa.sa_handler = request_close;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &old_int_);
        ::sigaction(SIGTERM, &sa, &old_term_);
    }
    ~CloseOnSignal() {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGTERM, &old_term_, nullptr);
    }
    CloseOnSignal(const CloseOnSignal&) = delete;
    CloseOnSignal& operator=(const CloseOnSignal&) = delete;
    static bool requested() { return g_close_requested != 0; }

private:
    struct sigaction old_int_{}, old_term_{};
};

void glfw_error(int code, const char* description) {
    std::fprintf(stderr, "attune: GLFW error %d: %s\n", code, description);
}

// Keys: each partner has their own (A's on the left of the keyboard, B's on the right), the
// clinician has the function keys. Printed on screen, so nobody needs to remember them.
void handle_keys(const ViewActions& actions, WindowState& state, GLFWwindow* window) {
    if (ImGui::GetIO().WantTextInput) return;
    const auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
    for (std::size_t i = 0; i < 2; ++i) {
        const auto partner = i == 0 ? signal::Partner::A : signal::Partner::B;
        if (pressed(KeyMap::kContinue[i])) actions.answer(partner, session::Answer::Continue);
        if (pressed(KeyMap::kSlowDown[i])) actions.answer(partner, session::Answer::SlowDown);
        if (pressed(KeyMap::kPause[i])) actions.answer(partner, session::Answer::Pause);
        if (pressed(KeyMap::kStop[i])) actions.answer(partner, session::Answer::Stop);
    }
    if (pressed(GLFW_KEY_F2)) actions.add_marker("marker");
    if (pressed(GLFW_KEY_F5)) actions.control(session::Control::Hold);
    if (pressed(GLFW_KEY_F8)) actions.control(session::Control::Resume);
    if (pressed(GLFW_KEY_F6)) actions.control(session::Control::Skip);
    if (pressed(GLFW_KEY_F7)) actions.control(session::Control::StartPause);
    if (pressed(GLFW_KEY_TAB)) state.view = next_view(state.view);
    if (pressed(GLFW_KEY_C)) state.view = state.view == View::Clinician ? View::Pacer : View::Clinician;
    if (pressed(GLFW_KEY_ESCAPE) && state.view != View::Pacer) state.view = View::Pacer;
    if (state.view == View::Review && state.review.recording) {  // arrows pan, +/- zoom
        Timeline& tl = state.review.timeline;
        if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) tl.pan(-0.1 * tl.span());
        if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) tl.pan(0.1 * tl.span());
        if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD)) tl.zoom(1.5, tl.cursor_s);
        if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT)) tl.zoom(1.0 / 1.5, tl.cursor_s);
    }
    (void)window;
}

// The setup view's choices: the simulated partner, BLE straps and the serial ports found now.
std::vector<SourceChoice> discover_sources() {
    std::vector<SourceChoice> out{{"Simulated partner", "sim"},
                                  {"Bluetooth heart-rate strap (remembered)", "ble"},
                                  {"Polar H10 (remembered)", "polar"}};
    try {
        for (const auto& port : bridge::list_serial_ports())
            out.push_back({"Attune board on " + port.name + (port.likely.empty() ? "" : " (" + port.likely + ")"),
                           "serial:" + port.name});
    } catch (const std::exception&) {
        // No serial enumeration on this machine: the typed spec still works.
    }
    return out;
}

}  // namespace

int run_window(const WindowOptions& options) {
    const CloseOnSignal close_on_signal;
    glfwSetErrorCallback(glfw_error);
    if (!start_glfw("attune: cannot open a window (no display?). Set DISPLAY, run under xvfb-run, "
                    "or use `attune session --headless`."))
        return 3;
    const bool screenshot = !options.screenshot_path.empty();
    if (screenshot) glfwWindowHint(GLFW_VISIBLE, GLFW_TRUE);

    GLFWmonitor* monitor = nullptr;
    if (options.fullscreen) {
        int count = 0;
        GLFWmonitor** monitors = glfwGetMonitors(&count);
        if (count > 0) monitor = monitors[std::clamp(options.monitor, 0, count - 1)];
    }
    const ImGuiWindow imgui_window = open_imgui_window(options.width, options.height, "Attune", monitor, "attune");
    GLFWwindow* window = imgui_window.window;
    if (!window) return 3;
    const Fonts& fonts = imgui_window.fonts;

    int exit_code = 0;
    {
        session::EngineConfig config = options.engine;
        auto engine = std::make_unique<session::Engine>(config);
        session::Attachments attachments;
        const auto attach = [&](session::Engine& e) {
            if (options.attach && !screenshot) attachments = options.attach(e);
        };
        const auto finish = [&](session::Engine& e) {
            e.stop();
            session::finish_attachments(attachments, e);
            attachments.clear();
        };
        attach(*engine);
        if (screenshot) {  // fast-forward headless, then show the session live
            const double speed = config.speed;
            engine->set_speed(0.0);
            engine->run_for(options.screenshot_after_s);
            engine->set_speed(speed);
        }
        engine->start();
        std::optional<std::array<std::string, signal::kPartnerCount>> restart_with;
        ViewActions actions;
        actions.answer = [&engine](signal::Partner p, session::Answer a) { engine->post_answer(p, a); };
        actions.pick_word = [&engine](signal::Partner p, const std::string& w) { engine->post_pick_word(p, w); };
        actions.add_word = [&engine](const std::string& w) { engine->post_add_word(w); };
        actions.add_marker = [&engine](const std::string& text) { engine->post_marker(text); };
        actions.control = [&engine](session::Control c) { engine->post_control(c); };
        actions.stop_sharing = [&engine] { engine->post_stop_sharing(); };
        actions.apply_devices = [&restart_with](const std::array<std::string, signal::kPartnerCount>& specs) {
            restart_with = specs;
        };
        WindowState state;
        state.view = view_from_name(options.view);
        if (state.view == View::Setup) state.setup.choices = discover_sources();
        state.review.sessions_dir = options.sessions_dir;
        state.history.db_path = options.history_db;
        if (!options.open_dir.empty()) state.review.open(options.open_dir);  // a failure shows in the view
        const auto opened = std::chrono::steady_clock::now();
        int frames = 0;
        while (!glfwWindowShouldClose(window)) {
            const double open_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count();
            if (CloseOnSignal::requested() || (options.quit_after_s > 0.0 && open_s >= options.quit_after_s)) {
                glfwSetWindowShouldClose(window, GLFW_TRUE);
                break;
            }
            // Idle cheaply: sleep until input or the next animation step (the pacer moves
            // smoothly at 30 fps; a minimised window wakes only for events).
            if (screenshot) glfwPollEvents();
            else if (glfwGetWindowAttrib(window, GLFW_ICONIFIED)) glfwWaitEventsTimeout(0.5);
            else glfwWaitEventsTimeout(1.0 / 30.0);
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            // A screenshot shows the session, not wherever the X server left the pointer.
            if (screenshot) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
            ImGui::NewFrame();
            const View before = state.view;
            handle_keys(actions, state, window);
            if (state.view == View::Setup && before != View::Setup) state.setup.choices = discover_sources();
            const auto snap = engine->snapshot();
            draw_frame(*snap, state, fonts, actions);
            ImGui::Render();
            int fb_w = 0, fb_h = 0;
            glfwGetFramebufferSize(window, &fb_w, &fb_h);
            glViewport(0, 0, fb_w, fb_h);
            glClearColor(palette::kBackground.x, palette::kBackground.y, palette::kBackground.z, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
            // A few frames first so ImGui's layout has settled.
            if (screenshot && ++frames == 4) {
                if (!save_screenshot(window, options.screenshot_path)) {
                    std::cerr << "attune: cannot write " << options.screenshot_path << "\n";
                    exit_code = 1;
                } else {
                    std::cout << "screenshot saved: " << options.screenshot_path << "\n";
                }
                glfwSetWindowShouldClose(window, GLFW_TRUE);
            }
            glfwSwapBuffers(window);
            if (restart_with) {  // the setup view chose other sensors: a fresh session with them
                finish(*engine);
                config.device_specs = *restart_with;
                restart_with.reset();
                try {
                    auto fresh = std::make_unique<session::Engine>(config);
                    engine = std::move(fresh);
                } catch (const std::exception& e) {
                    std::cerr << "attune: cannot use those sensors: " << e.what() << "\n";
                    engine = std::make_unique<session::Engine>(options.engine);
                }
                attach(*engine);
                engine->start();
                state.setup.initialised = false;
            }
        }
        finish(*engine);
    }
    close_imgui_window(window);
    return exit_code;
}

}  // namespace attune::ui
