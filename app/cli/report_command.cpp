// `attune report DIR [--out FILE.png]`: a one-page PNG of a recorded session (key figures and the
// timeline of both partners' heart rate, breathing rate, arousal and the events).
#include <iostream>
#include <memory>

#include "attune/session/report.hpp"
#include "command_registry.hpp"

namespace attune::cli {
namespace {

struct ReportArgs {
    std::string dir;
    std::string out;
};

int run_report(const ReportArgs& args) {
    const std::string out = args.out.empty() ? args.dir + "/report.png" : args.out;
    std::string error;
    if (!session::write_session_report(args.dir, out, error)) {
        std::cerr << "attune report: " << error << "\n";
        return 1;
    }
    std::cout << "report: " << out << "\n";
    return 0;
}

const Registration kReport{"report", "Draw a one-page PNG report of a recorded session",
                           [](CLI::App& sub) -> Runner {
                               auto args = std::make_shared<ReportArgs>();
                               sub.add_option("dir", args->dir, "Recording folder")->required();
                               sub.add_option("--out", args->out, "PNG file (default: DIR/report.png)");
                               return [args] { return run_report(*args); };
                           }};

}  // namespace
}  // namespace attune::cli
