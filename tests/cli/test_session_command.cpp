#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "run_process.hpp"

namespace fs = std::filesystem;
using attune::test::run_attune;

namespace {
fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::path(ATTUNE_BINARY_DIR) / "test-output" / name;
    fs::remove_all(dir);
    return dir;
}
std::size_t line_count(const fs::path& p) {
    std::ifstream in(p);
    return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
}
}  // namespace

TEST_CASE("attune --help and session --help explain themselves", "[cli]") {
    const auto top = run_attune("--help");
    CHECK(top.exit_code == 0);
    CHECK_THAT(top.output, Catch::Contains("session") && Catch::Contains("--screenshot"));
    const auto sub = run_attune("session --help");
    CHECK(sub.exit_code == 0);
    CHECK_THAT(sub.output, Catch::Contains("--headless") && Catch::Contains("--duration"));
}

TEST_CASE("bad arguments give a clear message and a non-zero exit", "[cli]") {
    CHECK(run_attune("--no-such-flag").exit_code != 0);
    const auto d = run_attune("session --headless --duration soon --out /tmp/attune-never");
    CHECK(d.exit_code != 0);
    CHECK_THAT(d.output, Catch::Contains("--duration"));
    const auto dev = run_attune("session --headless --a pigeon:1 --duration 5s --out /tmp/attune-never");
    CHECK(dev.exit_code != 0);
    CHECK_THAT(dev.output, Catch::Contains("unknown device"));
}

TEST_CASE("a headless simulated session writes samples, events, truth and a summary", "[cli]") {
    const fs::path dir = fresh_dir("headless");
    const auto r = run_attune("session --headless --simulate --duration 2m --speed 0 --out " + dir.string());
    REQUIRE(r.exit_code == 0);
    for (const char* f : {"a_ecg.csv", "b_ecg.csv", "a_resp.csv", "b_resp.csv", "events.csv", "summary.json",
                          "truth_a_beats.csv", "truth_b_breaths.csv", "truth_a_episodes.csv"}) {
        INFO(f);
        CHECK(fs::exists(dir / f));
    }
    CHECK(line_count(dir / "a_ecg.csv") == Approx(120 * 250 + 1).margin(2));
    std::ifstream in(dir / "summary.json");
    const auto summary = nlohmann::json::parse(in);
    CHECK(summary["duration_s"].get<double>() == Approx(120.0).margin(0.1));
    CHECK(summary["partners"]["a"]["mean_hr_bpm"].get<double>() > 50.0);
    // Private: the folder is the owner's alone, and so is every file in it.
    CHECK((fs::status(dir).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    for (const auto& entry : fs::directory_iterator(dir))
        CHECK((entry.status().permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
}
