// `attune review DIR`: opens the window on the review of a recorded session (the same as
// `attune --view review --open DIR`). A folder that holds no recording is refused here, before
// any window opens; a partial one opens with its problems listed in the view.
#include <iostream>
#include <memory>

#include "attune/session/recording_reader.hpp"
#include "attune/session/settings.hpp"
#include "command_registry.hpp"
#include "session_options.hpp"
#ifdef ATTUNE_HAVE_GUI
#include "attune/ui/app_window.hpp"
#endif

namespace attune::cli {
namespace {

struct ReviewArgs {
    std::string dir;
    std::string screenshot;
    double quit_after_s = 0.0;
};

int run_review(const ReviewArgs& args) {
    try {
        (void)session::read_recording(args.dir);
    } catch (const session::RecordingError& e) {
        std::cerr << "attune review: " << e.what() << "\n";
        return 1;
    }
#ifdef ATTUNE_HAVE_GUI
    ui::WindowOptions window;
    window.view = "review";
    window.open_dir = args.dir;
    window.sessions_dir = sessions_base_dir();
    window.history_db = session::configured_history_location(window.sessions_dir + "/history.sqlite");
    window.screenshot_path = args.screenshot;
    window.screenshot_after_s = 0.0;  // the review does not need the live session
    window.quit_after_s = args.quit_after_s;
    return ui::run_window(window);
#else
    std::cerr << "attune review: this build has no window (ATTUNE_BUILD_GUI=OFF); try `attune report "
              << args.dir << "`\n";
    return 2;
#endif
}

const Registration kReview{"review", "Review a recorded session in the window (timeline, events, notes)",
                           [](CLI::App& sub) -> Runner {
                               auto args = std::make_shared<ReviewArgs>();
                               sub.add_option("dir", args->dir, "Recording folder")->required();
                               sub.add_option("--screenshot", args->screenshot, "Save a PNG of the review and exit");
                               sub.add_option("--quit-after", args->quit_after_s, "Close the window after this many seconds");
                               return [args] { return run_review(*args); };
                           }};

}  // namespace
}  // namespace attune::cli
