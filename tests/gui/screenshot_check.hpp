// Takes a screenshot of the real app (under Xvfb when there is no display) and measures it.
#pragma once

#include <stb/stb_image.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "run_process.hpp"

namespace attune::test {

struct ImageStats {
    int width = 0, height = 0;
    std::size_t distinct_colours = 0;
    double luminance_stddev = 0.0;
};

inline ImageStats measure_png(const std::string& path) {
    ImageStats s;
    int channels = 0;
    unsigned char* px = stbi_load(path.c_str(), &s.width, &s.height, &channels, 3);
    if (!px) return s;
    std::set<unsigned> colours;
    double sum = 0.0, sum_sq = 0.0;
    const std::size_t n = static_cast<std::size_t>(s.width) * s.height;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char* p = px + 3 * i;
        colours.insert((p[0] << 16) | (p[1] << 8) | p[2]);
        const double y = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
        sum += y;
        sum_sq += y * y;
    }
    stbi_image_free(px);
    s.distinct_colours = colours.size();
    const double mean = sum / static_cast<double>(n);
    s.luminance_stddev = std::sqrt(std::max(0.0, sum_sq / static_cast<double>(n) - mean * mean));
    return s;
}

// Runs `attune ARGS --screenshot PATH`, inside xvfb-run when no DISPLAY is set.
inline ProcessResult screenshot(const std::string& args, const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::filesystem::remove(path);
    const char* display = std::getenv("DISPLAY");
    const bool have_display = display && *display;
    const std::string wrapped = have_display ? "" : "xvfb-run -a -s \"-screen 0 1280x720x24\" ";
    ProcessResult r;
    const std::string cmd = wrapped + ATTUNE_EXE + " " + args + " --screenshot " + path + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    char buf[512];
    while (pipe && std::fgets(buf, sizeof buf, pipe)) r.output += buf;
    const int status = pipe ? ::pclose(pipe) : -1;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

inline std::string screenshot_path(const std::string& name) {
    return std::string(ATTUNE_BINARY_DIR) + "/screenshots/" + name + ".png";
}

}  // namespace attune::test
