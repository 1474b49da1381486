// `attune bench [NAME...]`: runs the registered benchmarks and prints their figures.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "bench_registry.hpp"
#include "command_registry.hpp"

namespace attune::cli {

std::vector<Benchmark>& registered_benchmarks() {
    static std::vector<Benchmark> benchmarks;
    return benchmarks;
}

namespace {

struct BenchArgs {
    std::vector<std::string> names;
    BenchOptions options;
    bool list = false;
};

std::string default_data_dir() {
    if (const char* env = std::getenv("ATTUNE_DATA")) return env;
#ifdef ATTUNE_DEFAULT_DATA_DIR
    return ATTUNE_DEFAULT_DATA_DIR;
#else
    return "../shared/data";
#endif
}

int run_bench(const BenchArgs& args) {
    const auto& all = registered_benchmarks();
    if (args.list) {
        for (const auto& b : all) std::cout << b.name << "\t" << b.description << "\n";
        return 0;
    }
    int failures = 0;
    bool any = false;
    for (const auto& b : all) {
        bool wanted = args.names.empty();
        for (const auto& n : args.names) wanted = wanted || n == b.name;
        if (!wanted) continue;
        any = true;
        std::cout << "== " << b.name << ": " << b.description << "\n" << std::flush;
        if (b.run(args.options) != 0) ++failures;
    }
    if (!any) {
        std::cerr << "attune bench: no benchmark matches; `attune bench --list` shows them\n";
        return 2;
    }
    return failures == 0 ? 0 : 1;
}

const Registration kBench{
    "bench", "Run benchmarks and print their figures (speed, memory, accuracy)",
    [](CLI::App& sub) -> Runner {
        auto args = std::make_shared<BenchArgs>();
        args->options.data_dir = default_data_dir();
        sub.add_option("names", args->names, "Benchmarks to run (default: all)");
        sub.add_flag("--list", args->list, "List the benchmarks");
        sub.add_flag("--quick", args->options.quick, "Fewer repetitions");
        sub.add_option("--data", args->options.data_dir, "Folder of the real recordings");
        return [args] { return run_bench(*args); };
    }};

}  // namespace
}  // namespace attune::cli
