// `attune analyze INPUT.csv --fs HZ [--ecg COL] [--ppg COL] [--rr COL] [--time COL] --out DIR`:
// offline analysis of a recording (see attune/session/analyze.hpp). Every input of every
// registered analysis stage becomes an option (`--resp`, `--hr`, ...).
#include <iostream>
#include <map>
#include <memory>

#include "attune/session/analyze.hpp"
#include "attune/session/csv_reader.hpp"
#include "command_registry.hpp"

namespace attune::cli {
namespace {

struct AnalyzeArgs {
    std::string input, out, time;
    double fs = 0.0;
    std::map<std::string, std::string> columns;  // role -> column, filled by the options
};

int run_analyze(const AnalyzeArgs& args) {
    session::AnalyzeOptions o;
    o.input = args.input;
    o.out_dir = args.out;
    o.fs_hz = args.fs;
    o.time_column = args.time;
    for (const auto& [role, column] : args.columns)
        if (!column.empty()) o.columns[role] = column;
    try {
        const auto r = session::run_analysis(o);
        std::cout << "analysed " << r.rows << " rows, " << r.seconds << " s -> " << args.out << "\n";
        return 0;
    } catch (const std::exception& e) {  // AnalyzeError, CsvError, filesystem, bad_alloc
        std::cerr << "attune analyze: " << e.what() << "\n";
        return 1;
    }
}

const Registration kAnalyze{
    "analyze", "Analyse a recording offline: beats, HRV, per-second timeline",
    [](CLI::App& sub) -> Runner {
        auto args = std::make_shared<AnalyzeArgs>();
        sub.add_option("input", args->input, "CSV file with a header row")->required();
        sub.add_option("--fs", args->fs, "Sample rate in Hz (rows per second)")->required();
        sub.add_option("--time", args->time, "Column of sample times in seconds (drifting rates)");
        sub.add_option("--out", args->out, "Output directory")->required();
        for (const auto& stage : session::analysis_stages())
            for (const auto& in : stage.inputs)
                sub.add_option("--" + in.role, args->columns[in.role], in.help);
        return [args] { return run_analyze(*args); };
    }};

}  // namespace
}  // namespace attune::cli
