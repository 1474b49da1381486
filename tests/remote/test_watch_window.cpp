// The therapist's window under Xvfb: a served session, `attune watch --screenshot`, and a look at
// the PNG (it must show the panel's traces, not an empty window).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "remote_test_support.hpp"
#include "screenshot_check.hpp"

using namespace attune::test;

TEST_CASE("the watch window draws the remote clinician panel", "[remote][gui]") {
    const auto dir = remote_test_dir("window");
    Child session("session --headless --simulate --speed 2 --duration 40s --out " + (dir / "session").string() +
                  " --serve 127.0.0.1:0");
    const auto served = wait_served(session);
    REQUIRE(served);
    const auto png = screenshot_path("watch_window");
    const auto r = screenshot("watch 127.0.0.1:" + std::to_string(served->port) + " --code " + served->code + " --after 4", png);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto stats = measure_png(png);
    CHECK(stats.width >= 1000);
    CHECK(stats.distinct_colours > 200);
    CHECK(stats.luminance_stddev > 5.0);
    session.kill(SIGTERM);
}

namespace {

// Pixels of the soft sand "hint" colour (the banner's "Your therapist is watching") in the top strip.
int hint_pixels_on_top(const std::string& png) {
    int w = 0, h = 0, n = 0;
    unsigned char* px = stbi_load(png.c_str(), &w, &h, &n, 3);
    if (!px) return -1;
    int count = 0;
    for (int y = 0; y < std::min(h, 60); ++y)
        for (int x = 0; x < std::min(w, 640); ++x) {
            const unsigned char* p = px + 3 * (y * w + x);
            count += std::abs(p[0] - 219) < 25 && std::abs(p[1] - 204) < 25 && std::abs(p[2] - 148) < 25;
        }
    stbi_image_free(px);
    return count;
}

// Runs a shell script on one X server (Xvfb unless there is a display): a served session started
// with `session_args` (its log in DIR/session.log, $PORT and $CODE set, $S its pid), then `rest`.
bool run_served_script(const std::filesystem::path& dir, const std::string& session_args, const std::string& rest) {
    const std::string d = dir.string();
    std::ofstream(dir / "run.sh") << "export XDG_DATA_HOME=" << d << "/xdg\n"
        << ATTUNE_EXE << " session --simulate --speed 2 --out " << d << "/session --serve 127.0.0.1:0 " << session_args
        << " > " << d << "/session.log 2>&1 &\n"
        << "S=$!\n"
        << "for i in $(seq 100); do grep -q 'access code' " << d << "/session.log && break; sleep 0.1; done\n"
        << "PORT=$(grep -o '127.0.0.1:[0-9]*' " << d << "/session.log | head -1 | cut -d: -f2)\n"
        << "CODE=$(grep -o 'access code [0-9]*' " << d << "/session.log | awk '{print $3}')\n"
        << rest;
    const char* display = std::getenv("DISPLAY");
    const std::string wrap = display && *display ? "" : "xvfb-run -a -s \"-screen 0 1280x720x24\" ";
    return std::system((wrap + "bash " + d + "/run.sh >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE("the couple's window shows the watcher, and W stops sharing", "[remote][gui]") {
    if (std::system("command -v xdotool >/dev/null && command -v import >/dev/null") != 0) {
        WARN("xdotool or ImageMagick missing: skipped");
        return;
    }
    const auto dir = remote_test_dir("couple_window");
    const std::string exe = ATTUNE_EXE;
    const std::string d = dir.string();
    // One X server for the couple's window, the screenshots and the key press.
    // A loaded machine may take seconds to map the window, or miss a key sent while it is busy:
    // wait for the window, and press W again only while the watcher is still connected (W does
    // nothing once sharing has stopped).
    REQUIRE(run_served_script(dir, "", std::string("timeout 20 xdotool search --sync --name '^Attune$' >/dev/null; sleep 1\n") +
        "import -window root " + d + "/before.png\n" +
        exe + " watch --headless 127.0.0.1:$PORT --code $CODE --duration 30s > " + d + "/watch.log 2>&1 &\n" +
        "for i in $(seq 100); do grep -q 'state watching' " + d + "/watch.log && break; sleep 0.1; done\n" +
        "sleep 1.5; import -window root " + d + "/after.png\n" +
        "for i in $(seq 5); do\n"
        "  xdotool search --name '^Attune$' windowfocus --sync key w || xdotool key w\n"
        "  for j in $(seq 30); do grep -q 'state ended' " + d + "/watch.log && break 2; sleep 0.1; done\n"
        "done\n" +
        "kill $S; wait $S\n"));
    const auto watch_log = read_file(dir / "watch.log");
    const auto session_log = read_file(dir / "session.log");
    INFO(watch_log << session_log);
    CHECK(watch_log.find("state watching") != std::string::npos);
    CHECK(watch_log.find("state ended: the couple stopped sharing this session") != std::string::npos);
    CHECK(session_log.find("sharing stopped by the couple") != std::string::npos);
    CHECK(hint_pixels_on_top(d + "/before.png") == 0);
    CHECK(hint_pixels_on_top(d + "/after.png") > 50);
    CHECK(read_file(dir / "session" / "events.csv").find("sharing,,stopped by the couple") != std::string::npos);
}

TEST_CASE("the watch window's F2 sends a marker into the couple's session", "[remote][gui]") {
    if (std::system("command -v xdotool >/dev/null") != 0) {
        WARN("xdotool missing: skipped");
        return;
    }
    const auto dir = remote_test_dir("watch_keys");
    const std::string exe = ATTUNE_EXE;
    const std::string d = dir.string();
    REQUIRE(run_served_script(dir, "--headless --duration 40s",
        exe + " watch 127.0.0.1:$PORT --code $CODE > " + d + "/watch.log 2>&1 &\n" + "W=$!\n" +
        "for i in $(seq 100); do grep -q 'a watcher joined' " + d + "/session.log && break; sleep 0.1; done\n" +
        // Wait for the window itself (a loaded machine may take seconds to map it), then press F2
        // until the marker is in the couple's recording (once is enough on a quiet machine).
        "timeout 20 xdotool search --sync --name 'Attune: watching' >/dev/null; sleep 1\n" +
        "for i in $(seq 5); do\n"
        "  xdotool search --name 'Attune: watching' windowfocus --sync key F2 || xdotool key F2\n"
        "  for j in $(seq 30); do grep -q 'remote: marker' " + d + "/session/events.csv 2>/dev/null && break 2; sleep 0.1; done\n"
        "done\n"
        "kill $W; wait $S\n"));
    INFO(read_file(dir / "session.log") << read_file(dir / "watch.log"));
    CHECK(read_file(dir / "session" / "events.csv").find("marker,,remote: marker") != std::string::npos);
}
