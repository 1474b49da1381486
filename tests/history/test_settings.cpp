// settings.toml: the [history] database setting, defaults and line-numbered refusals; which
// locations name a PostgreSQL server; the SQLite index still opens files from before rows named
// their machine.
#include <catch2/catch.hpp>

#include <fstream>

#include "../recording/recording_test_support.hpp"
#include "attune/session/history.hpp"
#include "attune/session/settings.hpp"

namespace fs = std::filesystem;
using attune::session::parse_settings;
using attune::session::SettingsError;

namespace {

std::string refusal_of(const std::string& text) {
    try {
        parse_settings(text, "settings.toml");
    } catch (const SettingsError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("settings name the history database", "[history][settings]") {
    CHECK(parse_settings("", "s").history_database.empty());
    CHECK(parse_settings("[display]\ntheme = 'dark'\n", "s").history_database.empty());
    CHECK(parse_settings("# clinic\n[history]\ndatabase = \"postgresql://db.clinic/attune\"\n", "s").history_database ==
          "postgresql://db.clinic/attune");
    CHECK(parse_settings("[history]\ndatabase = 'host=db dbname=attune'\n", "s").history_database ==
          "host=db dbname=attune");
}

TEST_CASE("malformed settings are refused with their line", "[history][settings]") {
    CHECK_THAT(refusal_of("[history]\ndatabase = \"postgresql://x\n"), Catch::StartsWith("settings.toml:2:"));
    CHECK_THAT(refusal_of("\n\n[history\n"), Catch::StartsWith("settings.toml:3:"));
    const auto wrong_type = refusal_of("[history]\n\ndatabase = 5432\n");
    CHECK_THAT(wrong_type, Catch::StartsWith("settings.toml:3:"));
    CHECK_THAT(wrong_type, Catch::Contains("text in quotes"));
    const auto typo = refusal_of("[history]\ndatabse = 'x'\n");
    CHECK_THAT(typo, Catch::StartsWith("settings.toml:2:"));
    CHECK_THAT(typo, Catch::Contains("unknown key 'databse'"));
    CHECK_THAT(refusal_of("history = 'x'\n"), Catch::Contains("[history] table"));
    CHECK_THAT(refusal_of("[history]\ndatabase = ''\n"), Catch::Contains("empty"));
}

TEST_CASE("a missing settings file means the defaults, an unreadable one is refused", "[history][settings]") {
    const auto dir = attune::test::fresh_dir("settings");
    fs::create_directories(dir);
    CHECK(attune::session::read_settings((dir / "none.toml").string()).history_database.empty());
    CHECK_THROWS_AS(attune::session::read_settings(dir.string()), SettingsError);  // a folder
    std::ofstream(dir / "s.toml") << "[history]\ndatabase = \"" << (dir / "h.sqlite").string() << "\"\n";
    CHECK(attune::session::read_settings((dir / "s.toml").string()).history_database == (dir / "h.sqlite").string());
    fs::remove_all(dir);
}

TEST_CASE("PostgreSQL locations are told from SQLite files", "[history]") {
    using attune::session::is_postgres_location;
    CHECK(is_postgres_location("postgresql://therapist@db.clinic:5433/attune"));
    CHECK(is_postgres_location("postgres://db/attune"));
    CHECK(is_postgres_location("host=db.clinic dbname=attune"));
    CHECK(is_postgres_location("  dbname = attune"));
    CHECK_FALSE(is_postgres_location("/home/x/.local/share/attune/sessions/history.sqlite"));
    CHECK_FALSE(is_postgres_location("history.sqlite"));
    CHECK_FALSE(is_postgres_location("./a=b.sqlite"));
    CHECK_FALSE(is_postgres_location(""));
}

TEST_CASE("an SQLite index from before rows named their machine is upgraded in place", "[history]") {
    const auto dir = attune::test::fresh_dir("sqlite-upgrade");
    fs::create_directories(dir);
    const auto db = dir / "history.sqlite";
    const auto r = attune::test::run_command(
        "sqlite3 " + db.string() +
        " \"CREATE TABLE sessions (id INTEGER PRIMARY KEY, dir TEXT UNIQUE NOT NULL, started TEXT,"
        " duration_s REAL, pauses INTEGER, recover_after_pause_s REAL, calm_fraction REAL, synchrony REAL,"
        " resting_hrv_ms REAL); INSERT INTO sessions (dir, started, duration_s, pauses, calm_fraction, synchrony)"
        " VALUES ('/old/session', '2026-11-01 10:00', 600, 0, 0.5, 0.25);\"");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    attune::session::SessionHistory history(db.string());
    auto rows = history.all();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].dir == "/old/session");
    CHECK(rows[0].machine.empty());
    CHECK(rows[0].duration_s == 600.0);
    attune::session::SessionFigures f;
    f.dir = "/new/session";
    f.duration_s = 60.0;
    CHECK(history.add(f) == 2);
    rows = history.all();
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].machine == attune::session::this_machine());
    CHECK(history.where() == db.string());
    fs::remove_all(dir);
}
