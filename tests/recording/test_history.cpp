// The session index: sessions recorded by the real `attune session` land in history.sqlite;
// `attune history` lists them with trends, `--delete ID` removes folder and row.
#include <catch2/catch.hpp>

#include "attune/session/history.hpp"
#include "recording_test_support.hpp"

namespace fs = std::filesystem;
using attune::test::fresh_dir;
using attune::test::run_command;

TEST_CASE("trend per session is the least-squares slope", "[recording][history]") {
    CHECK_FALSE(attune::session::trend_per_session({}).has_value());
    CHECK_FALSE(attune::session::trend_per_session({3.0}).has_value());
    CHECK(*attune::session::trend_per_session({10.0, 8.0, 6.0}) == Approx(-2.0));
    CHECK(*attune::session::trend_per_session({1.0, 3.0, 2.0, 4.0}) == Approx(0.8));
}

TEST_CASE("recorded sessions are listed by attune history and can be deleted", "[recording][history]") {
    const auto base = fresh_dir("history");
    const std::string env = "XDG_DATA_HOME=" + (base / "xdg").string() + " ";
    const std::string exe(ATTUNE_EXE);
    const auto one = base / "one", two = base / "two";
    auto r = run_command(env + exe + " session --headless --simulate --duration 100s --speed 0 --pause-at 40 --out " +
                         one.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    r = run_command(env + exe + " session --headless --simulate --duration 60s --speed 0 --seed 3 --out " + two.string());
    REQUIRE(r.exit_code == 0);

    const auto db = base / "xdg" / "attune" / "sessions" / "history.sqlite";
    REQUIRE(fs::exists(db));
    CHECK((fs::status(db).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    {
        attune::session::SessionHistory history(db.string());
        const auto rows = history.all();
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].dir == fs::absolute(one).lexically_normal().string());
        CHECK(rows[0].duration_s == Approx(100.0).margin(1.0));
        CHECK(rows[0].pauses == 1);
        CHECK(rows[1].pauses == 0);
        CHECK_FALSE(rows[1].recover_after_pause_s.has_value());
        CHECK(rows[1].calm_fraction >= 0.0);
        CHECK(rows[1].calm_fraction <= 1.0);
    }

    r = run_command(env + exe + " history");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains(one.string()));
    CHECK_THAT(r.output, Catch::Contains(two.string()));
    CHECK_THAT(r.output, Catch::Contains("time in calm"));
    CHECK_THAT(r.output, Catch::Contains("per session"));

    r = run_command(env + exe + " history --delete 1");
    CHECK(r.exit_code == 0);
    CHECK_FALSE(fs::exists(one));
    CHECK(fs::exists(two));
    CHECK(attune::session::SessionHistory(db.string()).all().size() == 1);

    r = run_command(env + exe + " history --delete 42");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("no session with id 42"));
}
