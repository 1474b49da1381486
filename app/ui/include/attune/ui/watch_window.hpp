// The therapist's window (`attune watch HOST:PORT`): the clinician panel drawn from the snapshots
// a served session sends, the connection's state above it, and the panel's markers, pause and
// step controls sent back. Asks for the access code when none was given.
#pragma once

#include <string>

#include "attune/session/remote_client.hpp"

namespace attune::ui {

struct WatchWindowOptions {
    session::WatchTarget target;  // an empty code: the window asks for it
    std::string screenshot_path;  // when set: save a PNG after screenshot_after_s of watching, exit
    double screenshot_after_s = 3.0;
    int width = 1280, height = 720;
};

int run_watch_window(const WatchWindowOptions& options);

}  // namespace attune::ui
