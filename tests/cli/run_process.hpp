// Runs the real `attune` binary and captures its exit code and output, for end-to-end tests.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace attune::test {

struct ProcessResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

inline ProcessResult run_attune(const std::string& args) {
    ProcessResult r;
    const std::string cmd = std::string(ATTUNE_EXE) + " " + args + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) r.output += buf.data();
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace attune::test
