// Calm, colour-blind-safe look: Okabe–Ito blue and orange for the two partners (equal weight,
// never red), a soft dark background, large type readable from a sofa two metres away.
#pragma once

#include <imgui.h>

namespace attune::ui {

struct Fonts {
    ImFont* body = nullptr;   // ~22 px at scale 1
    ImFont* large = nullptr;  // ~40 px, numbers and cue titles
    ImFont* small = nullptr;  // ~16 px, clinician details
};

namespace palette {
inline const ImVec4 kBackground{0.08f, 0.10f, 0.13f, 1.0f};
inline const ImVec4 kPanel{0.12f, 0.15f, 0.19f, 1.0f};
inline const ImVec4 kText{0.90f, 0.92f, 0.94f, 1.0f};
inline const ImVec4 kMuted{0.60f, 0.65f, 0.70f, 1.0f};
inline const ImVec4 kPartnerA{0.34f, 0.71f, 0.91f, 1.0f};  // Okabe–Ito sky blue
inline const ImVec4 kPartnerB{0.90f, 0.62f, 0.00f, 1.0f};  // Okabe–Ito orange
inline const ImVec4 kPacer{0.55f, 0.80f, 0.72f, 1.0f};     // soft teal
inline const ImVec4 kCalm{0.00f, 0.62f, 0.45f, 1.0f};      // bluish green
inline const ImVec4 kRising{0.94f, 0.89f, 0.26f, 1.0f};    // yellow
inline const ImVec4 kHigh{0.80f, 0.47f, 0.65f, 1.0f};      // reddish purple, not alarm red
inline const ImVec4 kHint{0.86f, 0.80f, 0.58f, 1.0f};      // soft sand: "check the strap"
}  // namespace palette

ImVec4 partner_colour(int index);
ImVec4 arousal_colour(double arousal01);
ImU32 to_u32(const ImVec4& colour, float alpha = 1.0f);
void apply_theme(float scale);
Fonts load_fonts(float scale);

}  // namespace attune::ui
