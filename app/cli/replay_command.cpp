// `attune replay DIR [--speed X] [--out DIR2]`: feeds a recording back through the same
// pipelines and protocol (replay devices on the session clock, the recording's own settings from
// session.json), recording the replay into DIR2 so it can be compared with the original.
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "attune/session/engine.hpp"
#include "attune/session/recorder.hpp"
#include "attune/session/replay_device.hpp"
#include "command_registry.hpp"

namespace attune::cli {
namespace {

struct ReplayArgs {
    std::string dir;
    double speed = 1.0;
    std::string out;
};

// How long the original ran: summary.json's duration, else the last recorded sample.
double recording_length_s(const std::string& dir) {
    std::ifstream in(dir + "/summary.json");
    if (in) {
        try {
            const double d = nlohmann::json::parse(in).value("duration_s", 0.0);
            if (d > 0.0) return std::ceil(d - 1e-6);
        } catch (const std::exception&) {
        }
    }
    return std::max(session::ReplayDevice(dir, "a").end_time_s(), session::ReplayDevice(dir, "b").end_time_s());
}

int run_replay(const ReplayArgs& args) {
    if (args.speed < 0.0) {
        std::cerr << "attune replay: --speed must be positive (0 = as fast as possible)\n";
        return 2;
    }
    std::string dir = args.dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    try {
        session::EngineConfig config;
        std::string warning;
        if (!session::read_session_config(dir, config, warning)) std::cerr << "attune replay: " << warning << "\n";
        config.device_specs = {"replay:" + dir + "/a", "replay:" + dir + "/b"};
        config.speed = args.speed;
        const double length = recording_length_s(dir);
        const std::string out = args.out.empty() ? dir + "-replay" : args.out;

        session::Engine engine(config);
        session::Recorder recorder(out);
        engine.add_observer(&recorder);
        session::write_session_config(out, config);
        engine.run_for(length);
        const bool recorded = recorder.finish(engine);
        std::cout << "replayed " << dir << " (" << length << " s, " << engine.log().size() << " events) into " << out
                  << "\n";
        return recorded ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "attune replay: " << e.what() << "\n";
        return 1;
    }
}

const Registration kReplay{"replay", "Play a recorded session back through the same pipelines and protocol",
                           [](CLI::App& sub) -> Runner {
                               auto args = std::make_shared<ReplayArgs>();
                               sub.add_option("dir", args->dir, "Recording folder")->required();
                               sub.add_option("--speed", args->speed,
                                              "Session seconds per real second (0 = as fast as possible)")
                                   ->capture_default_str();
                               sub.add_option("--out", args->out, "Where the replay is recorded (default: DIR-replay)");
                               return [args] { return run_replay(*args); };
                           }};

}  // namespace
}  // namespace attune::cli
