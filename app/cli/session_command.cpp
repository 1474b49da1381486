// `attune session`: run a session, in the window or headless (faster than real time with
// simulated partners), and record it.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "attune/session/history.hpp"
#include "attune/session/recorder.hpp"
#include "attune/session/engine.hpp"
#include "command_registry.hpp"
#include "duration.hpp"
#include "session_options.hpp"
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
    std::string out;
    EngineArgs engine;
};

// The finished session's row in the history index (`attune history`); a failure is only reported.
void add_to_history(const std::string& dir) {
    try {
        session::SessionHistory(sessions_base_dir() + "/history.sqlite").add(session::figures_of_recording(dir));
    } catch (const std::exception& e) {
        std::cerr << "attune session: not added to the history: " << e.what() << "\n";
    }
}

int run_headless(const SessionArgs& args, session::EngineConfig config) {
    const auto duration = parse_duration_s(args.duration);
    if (!duration || *duration <= 0.0) {
        std::cerr << "attune session: --duration '" << args.duration << "' is not a duration (e.g. 90s, 10m, 1h)\n";
        return 2;
    }
    config.speed = args.speed;
    const std::string dir = args.out.empty() ? default_recording_dir() : args.out;
    if (args.out.empty())  // a session killed last time is made whole before a new one starts
        for (const auto& d : session::recover_unfinished(sessions_base_dir()))
            std::cout << "recovered an unfinished recording: " << d << "\n";
    try {
        session::Engine engine(config);
        std::unique_ptr<session::Recorder> recorder;
        try {
            recorder = std::make_unique<session::Recorder>(dir);
            engine.add_observer(recorder.get());
            if (!session::write_session_config(dir, config))
                std::cerr << "attune session: could not save session.json (a replay may differ)\n";
        } catch (const std::exception& e) {
            // Reported at once; the couple's session itself carries on unrecorded.
            std::cerr << "attune session: NOT RECORDING: " << e.what() << "\n";
        }
        const auto wall0 = std::chrono::steady_clock::now();
        engine.run_for(*duration);
        const bool recorded = recorder && recorder->finish(engine);
        if (recorded) add_to_history(dir);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
        std::cout << "session " << (recorded ? "recorded: " + dir : std::string("finished, recording incomplete"))
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
        sub.add_option("--out", args->out, "Recording folder (default: $XDG_DATA_HOME/attune/sessions/<time>)");
        add_engine_options(sub, args->engine);
        return [args] { return run_session(*args); };
    }};

}  // namespace
}  // namespace attune::cli
