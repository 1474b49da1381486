#include "attune/ui/headless.hpp"

#include <imgui.h>

#include "attune/ui/frame.hpp"

namespace attune::ui {

struct HeadlessUi::Impl {
    ImGuiContext* context = nullptr;
    Fonts fonts;
    WindowState state;
    ImVec2 size;
};

HeadlessUi::HeadlessUi(int width, int height, float scale) : impl_(std::make_unique<Impl>()) {
    impl_->context = ImGui::CreateContext();
    ImGui::SetCurrentContext(impl_->context);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    impl_->size = io.DisplaySize;
    apply_theme(scale);
    impl_->fonts = load_fonts(scale);
    // Build the atlas as a renderer backend would; the pixels go nowhere.
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
}

HeadlessUi::~HeadlessUi() { ImGui::DestroyContext(impl_->context); }

std::size_t HeadlessUi::frame(const session::Snapshot& snap, const std::string& view, double dt_s) {
    ImGui::SetCurrentContext(impl_->context);
    ImGuiIO& io = ImGui::GetIO();
    io.DeltaTime = static_cast<float>(dt_s > 0.0 ? dt_s : 1.0 / 60.0);
    io.DisplaySize = impl_->size;
    impl_->state.view = view_from_name(view);
    ImGui::NewFrame();
    draw_frame(snap, impl_->state, impl_->fonts, ViewActions{});
    ImGui::Render();
    const ImDrawData* data = ImGui::GetDrawData();
    return data ? static_cast<std::size_t>(data->TotalVtxCount) : 0;
}

}  // namespace attune::ui
