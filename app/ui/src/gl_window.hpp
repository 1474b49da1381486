// What the couple's window and the therapist's watch window share about their GLFW + OpenGL 3
// window: the screenshot of the back buffer and the tear-down.
#pragma once

#include <string>

struct GLFWwindow;

namespace attune::ui {

// Writes the back buffer as PNG (what the next swap shows). False when the file cannot be written.
bool save_screenshot(GLFWwindow* window, const std::string& path);
// Shuts ImGui's GLFW/OpenGL back ends and context down, destroys the window, ends GLFW.
void close_imgui_window(GLFWwindow* window);

}  // namespace attune::ui
