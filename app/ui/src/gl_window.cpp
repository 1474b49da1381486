#include "gl_window.hpp"

#define GL_SILENCE_DEPRECATION
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <iostream>
#include <vector>

namespace attune::ui {

bool start_glfw(const char* no_display_message) {
    if (!glfwInit()) {
        std::cerr << no_display_message << "\n";
        return false;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    return true;
}

ImGuiWindow open_imgui_window(int width, int height, const char* title, GLFWmonitor* monitor, const char* program) {
    if (monitor) {
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        width = mode->width;
        height = mode->height;
    }
    ImGuiWindow out;
    out.window = glfwCreateWindow(width, height, title, monitor, nullptr);
    if (!out.window) {
        std::cerr << program << ": cannot create an OpenGL 3.3 window\n";
        glfwTerminate();
        return out;
    }
    glfwMakeContextCurrent(out.window);
    glfwSwapInterval(1);
    float xscale = 1.0f, yscale = 1.0f;
    glfwGetWindowContentScale(out.window, &xscale, &yscale);
    const float scale = std::max(1.0f, xscale);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // nothing about the couple is written behind their back
    apply_theme(scale);
    out.fonts = load_fonts(scale);
    ImGui_ImplGlfw_InitForOpenGL(out.window, true);
    ImGui_ImplOpenGL3_Init("#version 330");
    return out;
}

bool save_screenshot(GLFWwindow* window, const std::string& path) {
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    stbi_flip_vertically_on_write(1);  // OpenGL's rows start at the bottom
    return stbi_write_png(path.c_str(), w, h, 3, pixels.data(), w * 3) != 0;
}

void close_imgui_window(GLFWwindow* window) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
}

}  // namespace attune::ui
