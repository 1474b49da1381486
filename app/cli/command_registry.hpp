// Subcommands of `attune` register themselves, one file each (analyze_command.cpp, ...), so a
// new command needs no edit elsewhere:
//
//   namespace {
//   const attune::cli::Registration kAnalyze{"analyze", "Analyse a recording offline",
//       [](CLI::App& sub) -> attune::cli::Runner {
//           auto opts = std::make_shared<Options>();
//           sub.add_option("input", opts->input, "...")->required();
//           return [opts] { return run_analyze(*opts); };   // exit code
//       }};
//   }
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace attune::cli {

using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App& subcommand)>;

struct Command {
    std::string name;
    std::string description;
    Setup setup;
};

std::vector<Command>& registered_commands();

struct Registration {
    Registration(std::string name, std::string description, Setup setup) {
        registered_commands().push_back({std::move(name), std::move(description), std::move(setup)});
    }
};

}  // namespace attune::cli
