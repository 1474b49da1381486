#include <catch2/catch.hpp>

#include "screenshot_check.hpp"

using namespace attune::test;

TEST_CASE("the shared display renders the simulated couple", "[gui]") {
    const std::string path = screenshot_path("pacer");
    const auto r = screenshot("--after 90 --view pacer", path);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto stats = measure_png(path);
    CHECK(stats.width >= 640);
    CHECK(stats.height >= 360);
    // Not blank: text, two partner colours, traces and the pacer give many colours and contrast.
    CHECK(stats.distinct_colours > 200);
    CHECK(stats.luminance_stddev > 10.0);
}

TEST_CASE("the clinician panel renders traces for both partners", "[gui]") {
    const std::string path = screenshot_path("clinician");
    const auto r = screenshot("--after 30 --view clinician", path);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto stats = measure_png(path);
    CHECK(stats.distinct_colours > 200);
    CHECK(stats.luminance_stddev > 10.0);
}
