// Benchmarks print figures (speed, memory, accuracy tables); each lives in its own file under
// app/cli/ and registers itself, and `attune bench [NAME...]` runs them:
//
//   namespace {
//   const attune::cli::BenchRegistration kEcgSpeed{"ecg-speed", "R-peak detector throughput",
//       [](const attune::cli::BenchOptions& o) { ...print...; return 0; }};
//   }
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace attune::cli {

struct BenchOptions {
    std::string data_dir;  // the real recordings (default: ../shared/data beside the source tree)
    bool quick = false;    // fewer repetitions / seeds (used by the test that runs every bench)
};

struct Benchmark {
    std::string name;
    std::string description;
    std::function<int(const BenchOptions&)> run;  // returns 0 when it could run
};

std::vector<Benchmark>& registered_benchmarks();

struct BenchRegistration {
    BenchRegistration(std::string name, std::string description,
                      std::function<int(const BenchOptions&)> run) {
        registered_benchmarks().push_back({std::move(name), std::move(description), std::move(run)});
    }
};

}  // namespace attune::cli
