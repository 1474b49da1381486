// `attune bench ui-frame`: CPU time of one UI frame with two partners (ImGui frame building and
// draw lists, headless like ImGui's example_null, no GPU), for each view, from snapshots of a
// simulated session. Target: well under 2 ms per frame so 60 fps leaves the CPU idle.
#ifdef ATTUNE_HAVE_GUI
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "attune/session/engine.hpp"
#include "attune/ui/headless.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

double thread_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Snapshots one engine tick apart, so every frame draws fresh traces and a moving pacer.
std::vector<session::SnapshotPtr> session_snapshots(double warmup_s, std::size_t count, double pause_at_s) {
    session::EngineConfig config;
    config.speed = 0.0;
    if (pause_at_s >= 0.0) config.pause_at_s = pause_at_s;
    session::Engine engine(config);
    engine.run_for(warmup_s);
    std::vector<session::SnapshotPtr> snaps;
    for (std::size_t i = 0; i < count; ++i) {
        engine.run_for(config.tick_s);
        snaps.push_back(engine.snapshot());
    }
    return snaps;
}

int run(const BenchOptions& options) {
    const std::size_t frames = options.quick ? 120 : 600;  // 2 s / 10 s at 60 fps
    const auto talking = session_snapshots(300.0, 60, -1.0);
    const auto pausing = session_snapshots(130.0, 60, 125.0);
    ui::HeadlessUi ui(1920, 1080, 1.0f);
    std::printf("%-10s %10s %10s %10s %12s  (%zu frames, 1920x1080, two partners)\n", "view", "mean ms", "p99 ms",
                "max ms", "vertices", frames);
    bool within = true;
    for (const char* view : {"pacer", "cue", "clinician", "setup", "review"}) {
        const auto& snaps = std::string(view) == "cue" ? pausing : talking;
        std::vector<double> ms;
        std::size_t vertices = 0;
        for (std::size_t f = 0; f < 10; ++f) ui.frame(*snaps[f % snaps.size()], view);  // warm the caches
        for (std::size_t f = 0; f < frames; ++f) {
            const double t0 = thread_cpu_s();
            vertices = ui.frame(*snaps[f % snaps.size()], view);
            ms.push_back((thread_cpu_s() - t0) * 1e3);
        }
        std::sort(ms.begin(), ms.end());
        double mean = 0.0;
        for (double v : ms) mean += v;
        mean /= static_cast<double>(ms.size());
        const double p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
        std::printf("%-10s %10.3f %10.3f %10.3f %12zu\n", view, mean, p99, ms.back(), vertices);
        within = within && mean < 2.0;
    }
    std::printf("target: mean < 2 ms per frame at 60 fps: %s\n", within ? "met" : "NOT met");
    return 0;
}

const BenchRegistration kUiFrame{"ui-frame", "CPU time of one UI frame per view (headless ImGui, two partners)", run};

}  // namespace
}  // namespace attune::cli
#endif
