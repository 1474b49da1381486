// `attune session`: run a session, in the window or headless (faster than real time with
// simulated partners), and record it.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "attune/session/engine.hpp"
#include "command_registry.hpp"
#include "duration.hpp"
#include "session_options.hpp"
#include "session_services.hpp"
#ifdef ATTUNE_HAVE_GUI
#include "attune/ui/app_window.hpp"
#endif

namespace attune::cli {
namespace {

struct SessionArgs {
    bool headless = false;
    bool simulate = false;
    std::string duration = "10m";
    double speed = 1.0;
    ServiceArgs services;
    EngineArgs engine;
};

int run_headless(const SessionArgs& args, session::EngineConfig config) {
    const auto duration = parse_duration_s(args.duration);
    if (!duration || *duration <= 0.0) {
        std::cerr << "attune session: --duration '" << args.duration << "' is not a duration (e.g. 90s, 10m, 1h)\n";
        return 2;
    }
    config.speed = args.speed;
    SessionServices services(args.services);
    try {
        session::Engine engine(config);
        auto attachments = services.attach_fn()(engine);
        const auto wall0 = std::chrono::steady_clock::now();
        engine.run_for(*duration);
        session::finish_attachments(attachments, engine);
        const bool recorded = services.last_recorded();
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
        std::cout << "session " << (recorded ? "recorded: " + services.last_dir() : std::string("finished, recording incomplete"))
                  << " (" << *duration << " s of session in " << wall << " s, " << engine.log().size()
                  << " events)\n";
        return recorded ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "attune session: " << e.what() << "\n";
        return 1;
    }
}

int run_session(const SessionArgs& args) {
    session::EngineConfig config;
    if (!build_engine_config(args.engine, config)) return 2;
    if (args.simulate) config.device_specs = {"sim", "sim"};
    if (args.speed < 0.0) {
        std::cerr << "attune session: --speed must be positive (0 = as fast as possible)\n";
        return 2;
    }
    if (args.headless) return run_headless(args, config);
#ifdef ATTUNE_HAVE_GUI
    ui::WindowOptions window;
    window.engine = config;
    window.engine.speed = args.speed == 0.0 ? 1.0 : args.speed;
    SessionServices services(args.services);
    window.attach = services.attach_fn();
    return ui::run_window(window);
#else
    std::cerr << "attune session: this build has no window; use --headless\n";
    return 2;
#endif
}

const Registration kSession{
    "session", "Run a session (window, or --headless) and record it",
    [](CLI::App& sub) -> Runner {
        auto args = std::make_shared<SessionArgs>();
        sub.add_flag("--headless", args->headless, "Run without a window");
        sub.add_flag("--simulate", args->simulate, "Use the simulated couple for both partners");
        sub.add_option("--duration", args->duration, "Session length, e.g. 90s, 10m, 1h (headless)")
            ->capture_default_str();
        sub.add_option("--speed", args->speed,
                       "Session seconds per real second with simulated partners (0 = as fast as possible)")
            ->capture_default_str();
        sub.add_option("--out", args->services.out, "Recording folder (default: $XDG_DATA_HOME/attune/sessions/<time>)");
        add_engine_options(sub, args->engine);
        add_service_options(sub, args->services);
        return [args] { return run_session(*args); };
    }};

}  // namespace
}  // namespace attune::cli
