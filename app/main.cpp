// attune: the shared display by default; subcommands (session, analyze, devices, bench, ...)
// register themselves from app/cli/.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "attune/session/settings.hpp"
#include "command_registry.hpp"
#include "session_options.hpp"
#include "session_services.hpp"
#ifdef ATTUNE_HAVE_GUI
#include "attune/ui/app_window.hpp"
#endif

int main(int argc, char** argv) {
    CLI::App app{"Attune: biofeedback co-regulation for two partners.\n"
                 "Without a subcommand, opens the shared display (two simulated partners when no\n"
                 "sensor is given)."};
    app.require_subcommand(0, 1);

    attune::cli::EngineArgs engine_args;
    std::string screenshot, view = "pacer", open_dir;
    double after_s = 20.0, quit_after_s = 0.0;
    bool fullscreen = false;
    int monitor = 0;
    app.add_option("--screenshot", screenshot, "Render, save a PNG of the window to FILE and exit");
    app.add_option("--after", after_s, "Seconds of session before the screenshot")->capture_default_str();
    app.add_option("--view", view, "View shown first (and for the screenshot)")
        ->check(CLI::IsMember({"pacer", "cue", "clinician", "setup", "review", "history"}))
        ->capture_default_str();
    app.add_option("--open", open_dir, "A recorded session folder to show in the review view (not recorded again)");
    app.add_option("--quit-after", quit_after_s, "Close the window after this many seconds (the recording is finished)");
    app.add_flag("--fullscreen", fullscreen, "Full screen on the chosen monitor");
    app.add_option("--monitor", monitor, "Monitor index for --fullscreen")->capture_default_str();
    attune::cli::add_engine_options(app, engine_args);
    attune::cli::ServiceArgs service_args;
    app.add_option("--out", service_args.out, "Recording folder (default: $XDG_DATA_HOME/attune/sessions/<time>)");
    attune::cli::add_service_options(app, service_args);

    std::map<CLI::App*, attune::cli::Runner> runners;
    for (const auto& command : attune::cli::registered_commands()) {
        CLI::App* sub = app.add_subcommand(command.name, command.description);
        runners[sub] = command.setup(*sub);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    for (auto& [sub, run] : runners)
        if (sub->parsed()) return run();

#ifdef ATTUNE_HAVE_GUI
    attune::ui::WindowOptions options;
    if (!attune::cli::build_engine_config(engine_args, options.engine)) return 2;
    if (after_s < 0.0) {
        std::cerr << "attune: --after must not be negative\n";
        return 2;
    }
    options.screenshot_path = screenshot;
    options.screenshot_after_s = after_s;
    options.view = view;
    options.fullscreen = fullscreen;
    options.monitor = monitor;
    if (quit_after_s < 0.0) {
        std::cerr << "attune: --quit-after must not be negative\n";
        return 2;
    }
    options.open_dir = open_dir;
    if (!open_dir.empty() && view == "pacer") options.view = "review";
    options.quit_after_s = quit_after_s;
    options.sessions_dir = attune::cli::sessions_base_dir();
    options.history_db = attune::session::configured_history_location(options.sessions_dir + "/history.sqlite");
    attune::cli::SessionServices services(service_args);
    // Reviewing a recording does not record the window's own session.
    if (screenshot.empty() && open_dir.empty()) options.attach = services.attach_fn();
    return attune::ui::run_window(options);
#else
    std::cerr << "attune: this build has no window (ATTUNE_BUILD_GUI=OFF); see `attune --help`\n";
    return 2;
#endif
}
