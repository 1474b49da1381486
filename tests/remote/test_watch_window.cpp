// The therapist's window under Xvfb: a served session, `attune watch --screenshot`, and a look at
// the PNG (it must show the panel's traces, not an empty window).
#include <catch2/catch.hpp>

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
