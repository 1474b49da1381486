// Dear ImGui without a window (ImGui's example_null): a context, a built font atlas, frames
// drawn from snapshots and rendered to draw lists that nobody rasterises. For the smoke test of
// every view and the frame-time benchmark.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "attune/session/snapshot.hpp"

namespace attune::ui {

class HeadlessUi {
public:
    explicit HeadlessUi(int width = 1280, int height = 720, float scale = 1.0f);
    ~HeadlessUi();
    HeadlessUi(const HeadlessUi&) = delete;
    HeadlessUi& operator=(const HeadlessUi&) = delete;

    // One full frame (NewFrame, the view, Render) of `view` ("pacer", "cue", "clinician",
    // "setup", "review"); returns the number of vertices drawn (0 = nothing was drawn).
    std::size_t frame(const session::Snapshot& snap, const std::string& view, double dt_s = 1.0 / 60.0);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace attune::ui
