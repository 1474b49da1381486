// Real-window screenshots of every view the protocol adds (cue, setup, review), from the
// simulated couple, saved into the build tree (screenshots/) for people to look at.
#include <catch2/catch.hpp>

#include "screenshot_check.hpp"

using namespace attune::test;

namespace {
void check_view(const std::string& name, const std::string& args) {
    const std::string path = screenshot_path(name);
    const auto r = screenshot(args, path);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto stats = measure_png(path);
    CHECK(stats.width >= 640);
    CHECK(stats.distinct_colours > 50);
    CHECK(stats.luminance_stddev > 5.0);
}
}  // namespace

TEST_CASE("the cue view shows the pause ritual's invitation", "[gui]") {
    // A scripted pause at 95 s: at 100 s the ritual's first step is up.
    check_view("cue", "--after 100 --pause-at 95 --view cue");
}

TEST_CASE("the shared display turns into the cue when the ritual breathes together", "[gui]") {
    // 10 s into the ritual: "Breathe together" with the pacer inside the cue.
    check_view("cue_breathe", "--after 120 --pause-at 105 --view pacer");
}

TEST_CASE("the device setup view shows both partners' sources and signal", "[gui]") {
    check_view("setup", "--after 30 --view setup");
}

TEST_CASE("the review view renders the session so far", "[gui]") {
    check_view("review", "--after 120 --view review");
}

TEST_CASE("a closeness practice renders with its consent keys", "[gui]") {
    check_view("practice", "--protocol closeness --after 100 --view pacer");
}

TEST_CASE("a feelings check-in renders the shared vocabulary", "[gui]") {
    check_view("words", "--protocol feelings_checkin --after 50 --view pacer");
}
