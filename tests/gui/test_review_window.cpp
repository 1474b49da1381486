// The real window (under Xvfb when there is no display): a window session is recorded to a
// complete folder when the window closes, on --quit-after and on SIGTERM / SIGINT; the review
// and history views of a real recorded session are rendered, saved (screenshots/) and measured.
#include <catch2/catch.hpp>

#include <stb/stb_image.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "screenshot_check.hpp"

namespace fs = std::filesystem;
using namespace attune::test;

namespace {

// A folder below the build tree, one per test process; XDG_DATA_HOME points into it, so the
// sessions and history index the app sees are the test's own.
fs::path fresh_test_home(const std::string& name) {
    const auto dir = fs::path(ATTUNE_BINARY_DIR) / "test_gui_files" / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ::setenv("XDG_DATA_HOME", (dir / "xdg").c_str(), 1);
    return dir;
}

ProcessResult shell(const std::string& command) {
    ProcessResult r;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    char buf[512];
    while (pipe && std::fgets(buf, sizeof buf, pipe)) r.output += buf;
    const int status = pipe ? ::pclose(pipe) : -1;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// `script` run by sh inside an X server (xvfb-run when there is no display).
ProcessResult with_display(const std::string& script) {
    const char* display = std::getenv("DISPLAY");
    const bool have = display && *display;
    const std::string quoted = "'" + script + "'";
    return shell(have ? "sh -c " + quoted : "xvfb-run -a -s \"-screen 0 1280x720x24\" sh -c " + quoted);
}

std::string exe() { return ATTUNE_EXE; }

// A finished recording: everything the recorder writes at the end is there.
void check_complete(const fs::path& dir) {
    for (const char* file : {"channels.json", "events.csv", "a_seconds.csv", "b_seconds.csv", "session.edf",
                             "summary.json", "session.json"}) {
        INFO(file);
        CHECK(fs::exists(dir / file));
    }
    std::ifstream summary(dir / "summary.json");
    const std::string text((std::istreambuf_iterator<char>(summary)), std::istreambuf_iterator<char>());
    CHECK(text.find("\"duration_s\"") != std::string::npos);
    CHECK(text.find("\"recovered\"") == std::string::npos);  // finished by the app, not by `attune recover`
    CHECK(fs::file_size(dir / "session.edf") > 256);         // header plus data records
}

// The window session's process: started in the background, killed with `signal` once its
// recording has a few seconds in it, then waited for; prints "exit=N".
std::string signal_script(const fs::path& out, const char* signal) {
    const std::string dir = out.string();
    return exe() + " --out " + dir + " & pid=$!; i=0; "
           "while [ $i -lt 300 ] && [ $(wc -l < " + dir + "/a_seconds.csv 2>/dev/null || echo 0) -lt 4 ]; do sleep 0.2; i=$((i+1)); done; "
           "kill -" + signal + " $pid; wait $pid; echo exit=$?";
}

// Pixels within `tolerance` of a palette colour (0..1 components).
long count_colour(const std::string& png, float r, float g, float b, int tolerance = 10) {
    int w = 0, h = 0, channels = 0;
    unsigned char* px = stbi_load(png.c_str(), &w, &h, &channels, 3);
    if (!px) return -1;
    const int want[3] = {static_cast<int>(r * 255.0f + 0.5f), static_cast<int>(g * 255.0f + 0.5f),
                         static_cast<int>(b * 255.0f + 0.5f)};
    long n = 0;
    for (long i = 0; i < static_cast<long>(w) * h; ++i) {
        bool near = true;
        for (int c = 0; c < 3; ++c) near = near && std::abs(px[3 * i + c] - want[c]) <= tolerance;
        n += near;
    }
    stbi_image_free(px);
    return n;
}

long partner_a_pixels(const std::string& png) { return count_colour(png, 0.34f, 0.71f, 0.91f); }
long partner_b_pixels(const std::string& png) { return count_colour(png, 0.90f, 0.62f, 0.00f); }

}  // namespace

TEST_CASE("a window session is recorded to a complete folder when the window closes", "[gui][recording]") {
    const auto home = fresh_test_home("window_quit");
    const auto out = home / "session";
    const auto r = with_display(exe() + " --out " + out.string() + " --quit-after 6");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    check_complete(out);
    // About six seconds of session, one row per second per partner.
    std::ifstream seconds(out / "a_seconds.csv");
    int lines = 0;
    for (std::string line; std::getline(seconds, line);) ++lines;
    CHECK(lines >= 3);
    // The finished session is in the history index the history view reads.
    CHECK(fs::exists(home / "xdg" / "attune" / "sessions" / "history.sqlite"));
}

TEST_CASE("SIGTERM and SIGINT close the window and finish the recording", "[gui][recording]") {
    const auto home = fresh_test_home("window_signal");
    for (const char* sig : {"TERM", "INT"}) {
        INFO(sig);
        const auto out = home / (std::string("session-") + sig);
        const auto r = with_display(signal_script(out, sig));
        INFO(r.output);
        CHECK(r.output.find("exit=0") != std::string::npos);
        check_complete(out);
    }
}

TEST_CASE("the review and history views show a recorded session", "[gui][review]") {
    const auto home = fresh_test_home("review_window");
    const auto out = home / "xdg" / "attune" / "sessions" / "2026-12-04_101500";
    auto r = shell(exe() + " session --headless --simulate --duration 4m --speed 0 --pause-at 90 --out " + out.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);

    SECTION("attune review DIR") {
        const std::string png = screenshot_path("review_session");
        r = screenshot("review " + out.string(), png);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        const auto stats = measure_png(png);
        CHECK(stats.width >= 640);
        CHECK(stats.distinct_colours > 200);
        // Both partners' curves, as equals: each colour clearly on screen, neither dwarfing the other.
        const long a = partner_a_pixels(png), b = partner_b_pixels(png);
        CHECK(a > 1500);
        CHECK(b > 1500);
        CHECK(static_cast<double>(a) / static_cast<double>(b) > 0.33);
        CHECK(static_cast<double>(a) / static_cast<double>(b) < 3.0);
    }
    SECTION("attune --view review --open DIR, and a folder that is no recording") {
        const std::string png = screenshot_path("review_open");
        r = screenshot("--view review --after 0 --open " + out.string(), png);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(partner_a_pixels(png) > 1500);
        CHECK(partner_b_pixels(png) > 1500);

        r = run_attune("review " + (home / "nothing-here").string());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.output, Catch::Contains("no such folder"));
    }
    SECTION("the history view lists the session with its trends") {
        const std::string png = screenshot_path("history");
        r = screenshot("--view history --after 0", png);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        const auto stats = measure_png(png);
        CHECK(stats.distinct_colours > 100);
        CHECK(stats.luminance_stddev > 5.0);
        // The trend dots and lines are drawn in the pacer's teal.
        CHECK(count_colour(png, 0.55f, 0.80f, 0.72f) > 30);
    }
    SECTION("the review view lists the recorded sessions when none is open") {
        const std::string png = screenshot_path("review_list");
        r = screenshot("--view review --after 0", png);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(measure_png(png).distinct_colours > 50);
    }
}
