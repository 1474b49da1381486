// What the couple's window and the therapist's watch window share about their GLFW + OpenGL 3
// window: starting GLFW, opening the window with ImGui on it, the screenshot of the back buffer
// and the tear-down.
#pragma once

#include <string>

#include "attune/ui/theme.hpp"

struct GLFWwindow;
struct GLFWmonitor;

namespace attune::ui {

// Starts GLFW for an OpenGL 3.3 core context; false (after printing `no_display_message`) when
// there is no display.
bool start_glfw(const char* no_display_message);

// An open window with ImGui set up on it: theme and fonts at the window's content scale.
struct ImGuiWindow {
    GLFWwindow* window = nullptr;  // nullptr: could not be created (message printed, GLFW ended)
    Fonts fonts;
};
// `monitor` non-null = full screen on it at its own resolution. `program` names the messages.
ImGuiWindow open_imgui_window(int width, int height, const char* title, GLFWmonitor* monitor, const char* program);

// Writes the back buffer as PNG (what the next swap shows). False when the file cannot be written.
bool save_screenshot(GLFWwindow* window, const std::string& path);
// Shuts ImGui's GLFW/OpenGL back ends and context down, destroys the window, ends GLFW.
void close_imgui_window(GLFWwindow* window);

}  // namespace attune::ui
