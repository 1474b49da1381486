// The window's frame loop (the shape of Dear ImGui's example_glfw_opengl3): poll events, build
// the frame from the latest engine snapshot, render, swap. It waits for events with a timeout
// instead of spinning, so an idle display costs little CPU.
#include "attune/ui/app_window.hpp"

#define GL_SILENCE_DEPRECATION
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb/stb_image_write.h>

#include <cstdio>
#include <iostream>
#include <vector>

#include "attune/ui/theme.hpp"
#include "attune/ui/views.hpp"

namespace attune::ui {
namespace {

void glfw_error(int code, const char* description) {
    std::fprintf(stderr, "attune: GLFW error %d: %s\n", code, description);
}

bool save_screenshot(GLFWwindow* window, const std::string& path) {
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    stbi_flip_vertically_on_write(1);  // OpenGL's rows start at the bottom
    return stbi_write_png(path.c_str(), w, h, 3, pixels.data(), w * 3) != 0;
}

enum class View { Pacer, Cue, Clinician, Setup, Review };

View view_from_name(const std::string& name) {
    if (name == "cue") return View::Cue;
    if (name == "clinician") return View::Clinician;
    if (name == "setup") return View::Setup;
    if (name == "review") return View::Review;
    return View::Pacer;
}

struct WindowState {
    View view = View::Pacer;
    SharedDisplayState shared;
    ClinicianState clinician;
};

void handle_keys(session::Engine& engine, WindowState& state) {
    if (ImGui::GetIO().WantTextInput) return;
    if (ImGui::IsKeyPressed(GLFW_KEY_A, false)) engine.post_pause_request(signal::Partner::A);
    if (ImGui::IsKeyPressed(GLFW_KEY_L, false)) engine.post_pause_request(signal::Partner::B);
    if (ImGui::IsKeyPressed(GLFW_KEY_M, false)) engine.post_marker("marker");
    if (ImGui::IsKeyPressed(GLFW_KEY_C, false))
        state.view = state.view == View::Clinician ? View::Pacer : View::Clinician;
}

void draw_frame(const session::Snapshot& snap, WindowState& state, const Fonts& fonts,
                const ViewActions& actions) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::Begin("Attune", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImGui::PushFont(fonts.body);
    const bool show_cue = snap.cue.active && state.view == View::Pacer;
    switch (show_cue ? View::Cue : state.view) {
        case View::Pacer: draw_shared_display(snap, state.shared, fonts, actions); break;
        case View::Cue: draw_cue(snap, fonts); break;
        case View::Clinician: draw_clinician_panel(snap, state.clinician, fonts, actions); break;
        case View::Setup:
        case View::Review: draw_shared_display(snap, state.shared, fonts, actions); break;
    }
    ImGui::PopFont();
    ImGui::End();
}

}  // namespace

int run_window(const WindowOptions& options) {
    glfwSetErrorCallback(glfw_error);
    if (!glfwInit()) {
        std::cerr << "attune: cannot open a window (no display?). Set DISPLAY, run under xvfb-run, "
                     "or use `attune session --headless`.\n";
        return 3;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    const bool screenshot = !options.screenshot_path.empty();
    if (screenshot) glfwWindowHint(GLFW_VISIBLE, GLFW_TRUE);

    GLFWmonitor* monitor = nullptr;
    if (options.fullscreen) {
        int count = 0;
        GLFWmonitor** monitors = glfwGetMonitors(&count);
        if (count > 0) monitor = monitors[std::clamp(options.monitor, 0, count - 1)];
    }
    int width = options.width, height = options.height;
    if (monitor) {
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        width = mode->width;
        height = mode->height;
    }
    GLFWwindow* window = glfwCreateWindow(width, height, "Attune", monitor, nullptr);
    if (!window) {
        std::cerr << "attune: cannot create an OpenGL 3.3 window\n";
        glfwTerminate();
        return 3;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    float xscale = 1.0f, yscale = 1.0f;
    glfwGetWindowContentScale(window, &xscale, &yscale);
    const float scale = std::max(1.0f, xscale);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // nothing about the couple is written behind their back
    apply_theme(scale);
    const Fonts fonts = load_fonts(scale);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330");

    int exit_code = 0;
    {
        session::Engine engine(options.engine);
        if (screenshot) {  // fast-forward headless, then show the session live
            const double speed = options.engine.speed;
            engine.set_speed(0.0);
            engine.run_for(options.screenshot_after_s);
            engine.set_speed(speed);
        }
        engine.start();
        ViewActions actions{[&engine](signal::Partner p) { engine.post_pause_request(p); },
                            [&engine](const std::string& text) { engine.post_marker(text); }};
        WindowState state;
        state.view = view_from_name(options.view);
        int frames = 0;
        while (!glfwWindowShouldClose(window)) {
            if (screenshot) glfwPollEvents();
            else glfwWaitEventsTimeout(1.0 / 30.0);
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            handle_keys(engine, state);
            const auto snap = engine.snapshot();
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
        }
        engine.stop();
    }
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}

}  // namespace attune::ui
