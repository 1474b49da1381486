// `attune recover [DIR...]`: makes a valid recording (session.edf, summary.json) from what a
// killed session left on disk; without DIR, every unfinished session in the data directory.
#include <iostream>
#include <memory>

#include "attune/session/recorder.hpp"
#include "command_registry.hpp"
#include "session_options.hpp"

namespace attune::cli {
namespace {

int run_recover(const std::vector<std::string>& dirs) {
    if (dirs.empty()) {
        const auto done = session::recover_unfinished(sessions_base_dir());
        for (const auto& d : done) std::cout << "recovered: " << d << "\n";
        if (done.empty()) std::cout << "nothing to recover in " << sessions_base_dir() << "\n";
        return 0;
    }
    int failures = 0;
    for (const auto& d : dirs) {
        std::string error;
        if (session::recover_recording(d, error)) std::cout << "recovered: " << d << "\n";
        else {
            std::cerr << "attune recover: " << error << "\n";
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}

const Registration kRecover{"recover", "Turn an interrupted session's files into a valid recording",
                            [](CLI::App& sub) -> Runner {
                                auto dirs = std::make_shared<std::vector<std::string>>();
                                sub.add_option("dirs", *dirs, "Session folders (default: all unfinished)");
                                return [dirs] { return run_recover(*dirs); };
                            }};

}  // namespace
}  // namespace attune::cli
