#include "attune/ui/theme.hpp"

#include <algorithm>
#include <filesystem>

namespace attune::ui {

ImVec4 partner_colour(int index) { return index == 0 ? palette::kPartnerA : palette::kPartnerB; }

ImVec4 arousal_colour(double a) {
    const float t = static_cast<float>(std::clamp(a, 0.0, 1.0));
    const auto mix = [](const ImVec4& x, const ImVec4& y, float u) {
        return ImVec4(x.x + (y.x - x.x) * u, x.y + (y.y - x.y) * u, x.z + (y.z - x.z) * u, 1.0f);
    };
    return t < 0.5f ? mix(palette::kCalm, palette::kRising, t * 2.0f)
                    : mix(palette::kRising, palette::kHigh, (t - 0.5f) * 2.0f);
}

ImU32 to_u32(const ImVec4& c, float alpha) { return ImGui::ColorConvertFloat4ToU32(ImVec4(c.x, c.y, c.z, c.w * alpha)); }

void apply_theme(float scale) {
    ImGuiStyle& style = ImGui::GetStyle();
    ImGui::StyleColorsDark(&style);
    style.WindowRounding = 12.0f;
    style.FrameRounding = 8.0f;
    style.WindowPadding = ImVec2(18, 16);
    style.FramePadding = ImVec2(12, 8);
    style.ItemSpacing = ImVec2(12, 10);
    style.Colors[ImGuiCol_WindowBg] = palette::kBackground;
    style.Colors[ImGuiCol_ChildBg] = palette::kPanel;
    style.Colors[ImGuiCol_Text] = palette::kText;
    style.Colors[ImGuiCol_Button] = ImVec4(0.20f, 0.27f, 0.33f, 1.0f);
    style.Colors[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.35f, 0.42f, 1.0f);
    style.Colors[ImGuiCol_ButtonActive] = ImVec4(0.30f, 0.42f, 0.50f, 1.0f);
    style.ScaleAllSizes(scale);
}

Fonts load_fonts(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    Fonts fonts;
    const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"};
    for (const char* path : candidates) {
        if (!std::filesystem::exists(path)) continue;
        fonts.body = io.Fonts->AddFontFromFileTTF(path, 22.0f * scale);
        fonts.large = io.Fonts->AddFontFromFileTTF(path, 44.0f * scale);
        fonts.small = io.Fonts->AddFontFromFileTTF(path, 16.0f * scale);
        break;
    }
    if (!fonts.body) {  // no TTF installed: ImGui's own font, scaled
        ImFontConfig cfg;
        cfg.SizePixels = 13.0f * scale * 1.6f;
        fonts.body = io.Fonts->AddFontDefault(&cfg);
        fonts.small = fonts.body;
        cfg.SizePixels = 13.0f * scale * 3.0f;
        fonts.large = io.Fonts->AddFontDefault(&cfg);
    }
    return fonts;
}

}  // namespace attune::ui
