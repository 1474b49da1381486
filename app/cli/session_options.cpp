#include "session_options.hpp"

#include <cstdlib>
#include <ctime>
#include <iostream>

namespace attune::cli {

void add_engine_options(CLI::App& app, EngineArgs& args) {
    app.add_option("--a", args.device_a, "Partner A's sensor: sim, serial:PORT, text:PORT, ble:ADDR, polar:ADDR")
        ->capture_default_str();
    app.add_option("--b", args.device_b, "Partner B's sensor (as --a)")->capture_default_str();
    app.add_option("--seed", args.seed, "Seed of the simulated couple")->capture_default_str();
    app.add_option("--pacer-rate", args.pacer_bpm, "Breathing pacer, breaths per minute (default: the protocol's)");
    app.add_option("--protocol", args.protocol,
                   "Session protocol: a TOML file or a shipped name (`attune protocols` lists them)");
    app.add_option("--pause-at", args.pause_at_s, "Scripted pause request by partner A at this session second");
    app.add_option("--name-a", args.name_a, "Partner A's name");
    app.add_option("--name-b", args.name_b, "Partner B's name");
}

bool build_engine_config(const EngineArgs& args, session::EngineConfig& config) {
    if (args.pacer_bpm != 0.0 && (args.pacer_bpm < 3.0 || args.pacer_bpm > 20.0)) {
        std::cerr << "attune: --pacer-rate must be between 3 and 20 breaths per minute\n";
        return false;
    }
    if (!args.protocol.empty()) {
        try {
            config.protocol = session::load_protocol(session::find_protocol(args.protocol));
        } catch (const session::ProtocolError& e) {
            std::cerr << "attune: protocol not usable: " << e.what() << "\n";
            return false;
        }
    }
    if (args.pause_at_s >= 0.0) config.pause_at_s = args.pause_at_s;
    config.device_specs = {args.device_a, args.device_b};
    config.sim.seed = args.seed;
    if (args.pacer_bpm != 0.0) {
        config.pacer = config.protocol.pacer;
        config.pacer.breaths_per_min = args.pacer_bpm;
        config.pacer_from_protocol = false;
    }
    if (!args.name_a.empty()) config.profiles[0].name = args.name_a;
    if (!args.name_b.empty()) config.profiles[1].name = args.name_b;
    return true;
}

std::string sessions_base_dir() {
    std::string base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.local/share";
    else base = ".";
    return base + "/attune/sessions";
}

std::string default_recording_dir() {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d_%H%M%S", std::localtime(&now));
    return sessions_base_dir() + "/" + stamp;
}

}  // namespace attune::cli
