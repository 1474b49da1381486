// Small helpers for the recorder tests: run the real `attune` binary, read our CSVs.
#pragma once

#include <unistd.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace attune::test {

struct RunResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Where the tests' `attune` keeps its history index (never the user's own data folder).
inline std::string test_data_home() { return std::string(ATTUNE_BINARY_DIR) + "/test_recording_files/xdg"; }

// Runs a shell command line, capturing everything it prints. XDG_DATA_HOME points below the
// build tree unless the command sets its own.
inline RunResult run_command(const std::string& command) {
    RunResult result;
    const std::string line = command.rfind("XDG_DATA_HOME=", 0) == 0 ? command
                                                                       : "XDG_DATA_HOME=" + test_data_home() + " " + command;
    FILE* pipe = ::popen((line + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// A fresh, empty folder below the build tree.
inline std::filesystem::path fresh_dir(const std::string& name) {
    // ctest runs each test case in its own process, in parallel: one folder per process, so a
    // session recorded "once for the file" is never removed under another case's feet.
    const auto dir = std::filesystem::path(ATTUNE_BINARY_DIR) / "test_recording_files" /
                     (name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir.parent_path());
    return dir;
}

// (time, value) rows of a `time_s,value` channel CSV; torn lines are skipped.
struct TimedValue {
    double time_s = 0.0;
    double value = 0.0;
};
inline std::vector<TimedValue> read_channel_csv(const std::filesystem::path& path) {
    std::vector<TimedValue> rows;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        TimedValue row;
        if (std::sscanf(line.c_str(), "%lf,%lf", &row.time_s, &row.value) == 2) rows.push_back(row);
    }
    return rows;
}

}  // namespace attune::test
