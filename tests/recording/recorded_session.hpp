// Records a simulated session in-process (the real Engine and Recorder, as fast as possible),
// with clinician's markers posted at chosen session seconds: a real recording folder for the
// reader and review tests.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "attune/session/engine.hpp"
#include "attune/session/recorder.hpp"

namespace attune::test {

struct TimedNote {
    double time_s = 0.0;
    std::string text;
};

// Returns true when the recording was finished without error.
inline bool record_simulated_session(const std::filesystem::path& dir, double seconds, double pause_at_s,
                                     const std::vector<TimedNote>& markers = {}) {
    session::Recorder recorder(dir.string());  // outlives the engine that calls it
    session::EngineConfig config;
    config.speed = 0.0;
    config.device_specs = {"sim", "sim"};
    if (pause_at_s >= 0.0) config.pause_at_s = pause_at_s;
    session::Engine engine(config);
    engine.add_observer(&recorder);
    double t = 0.0;
    for (const auto& m : markers) {
        if (m.time_s > t) engine.run_for(m.time_s - t);
        t = std::max(t, m.time_s);
        engine.post_marker(m.text);
    }
    engine.run_for(seconds - t);
    engine.stop();
    return recorder.finish(engine);
}

}  // namespace attune::test
