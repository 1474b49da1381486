// The session index on a real PostgreSQL server of the test's own (see postgres_server.hpp):
// schema created on first use, rows round-trip, two processes add to one history at once,
// `attune history --db` and `attune session --headless` (settings.toml) use it, and a server
// that is down or silent gives a clear error within seconds.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "attune/session/history.hpp"
#include "postgres_server.hpp"

namespace fs = std::filesystem;
using attune::session::SessionFigures;
using attune::session::SessionHistory;
using attune::test::run_command;

namespace {

// A minimal finished recording: what figures_of_recording reads, and channels.json (the mark
// that lets `remove` delete the folder).
void make_recording(const fs::path& dir, double duration_s, double calm_s, double hrv_ms) {
    fs::create_directories(dir);
    std::ofstream(dir / "channels.json") << "[]\n";
    std::ofstream(dir / "events.csv") << "time_s,kind,partner,text\n";
    std::ofstream(dir / "summary.json") << "{\"duration_s\": " << duration_s
                                        << ", \"breathing_together_mean\": 0.5, \"partners\": {\"a\": {\"seconds_calm\": "
                                        << calm_s << ", \"seconds_rising\": " << duration_s - calm_s
                                        << ", \"baseline_rmssd_ms\": " << hrv_ms << "}}}\n";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string error_of_opening(const std::string& location) {
    try {
        SessionHistory history(location);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(opened)";
}

}  // namespace

TEST_CASE("PostgreSQL index: schema created, rows round-trip, delete only here", "[history][postgres]") {
    ATTUNE_START_POSTGRES_OR_SKIP(server);
    const auto base = attune::test::fresh_dir("pg-roundtrip");
    CHECK(server.psql("SELECT to_regclass('attune_sessions') IS NULL") == "t\n");

    SessionHistory history(server.keywords());
    CHECK(server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'attune_sessions'"
                      " AND column_name IN ('machine', 'dir', 'recover_after_pause_s', 'resting_hrv_ms')") == "4\n");
    CHECK(history.all().empty());
    CHECK_THAT(history.where(), Catch::Contains("127.0.0.1:" + std::to_string(server.port())));

    make_recording(base / "one", 600.0, 300.0, 41.5);
    make_recording(base / "two's; DROP TABLE attune_sessions; --", 900.0, 810.0, 47.25);  // quoting
    auto first = attune::session::figures_of_recording((base / "one").string());
    first.recover_after_pause_s = 12.5;
    const long long id1 = history.add(first);
    const long long id2 = history.add(attune::session::figures_of_recording((base / "two's; DROP TABLE attune_sessions; --").string()));
    CHECK(id2 > id1);

    const auto rows = history.all();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == id1);
    CHECK(rows[0].dir == fs::absolute(base / "one").lexically_normal().string());
    CHECK(rows[0].machine == attune::session::this_machine());
    CHECK(rows[0].started == first.started);
    CHECK(rows[0].duration_s == 600.0);
    CHECK(rows[0].calm_fraction == 0.5);
    CHECK(rows[0].synchrony == 0.5);
    CHECK(rows[0].recover_after_pause_s == std::optional<double>(12.5));
    CHECK(rows[0].resting_hrv_ms == std::optional<double>(41.5));
    CHECK(rows[1].dir == fs::absolute(base / "two's; DROP TABLE attune_sessions; --").lexically_normal().string());
    CHECK(rows[1].calm_fraction == 0.9);  // a double survives the text protocol exactly
    CHECK_FALSE(rows[1].recover_after_pause_s.has_value());

    // The same folder again refreshes its row.
    first.duration_s = 610.0;
    CHECK(history.add(first) == id1);
    REQUIRE(history.find(id1).has_value());
    CHECK(history.find(id1)->duration_s == 610.0);
    CHECK_FALSE(history.find(id2 + 100).has_value());

    // A row of another room: listed, but its files can only be deleted where they are.
    SessionFigures elsewhere = first;
    elsewhere.machine = "room-2-laptop";
    const long long id3 = history.add(elsewhere);
    CHECK(id3 != id1);
    std::string error;
    CHECK_FALSE(history.remove(id3, error));
    CHECK_THAT(error, Catch::Contains("room-2-laptop"));
    CHECK(history.find(id3).has_value());
    CHECK(fs::exists(base / "one"));

    // `attune history --db` on the server: the table with machines and the trends; no password shown.
    const std::string url_with_password = "postgresql://attune:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/postgres";
    auto r = run_command("XDG_DATA_HOME=" + (base / "xdg").string() + " " ATTUNE_EXE " history --db '" + url_with_password + "'");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("room-2-laptop:" + first.dir));
    CHECK_THAT(r.output, Catch::Contains(attune::session::this_machine() + ":" + first.dir));
    CHECK_THAT(r.output, Catch::Contains("time in calm:                  +"));
    CHECK_THAT(r.output, Catch::Contains("per session"));
    CHECK_THAT(r.output, !Catch::Contains("s3cret"));
    CHECK_FALSE(fs::exists(base / "xdg" / "attune" / "sessions" / "history.sqlite"));

    // Deleting here removes folder and row.
    r = run_command(ATTUNE_EXE " history --db '" + server.url() + "' --delete " + std::to_string(id1));
    CHECK(r.exit_code == 0);
    CHECK_FALSE(fs::exists(base / "one"));
    CHECK_FALSE(history.find(id1).has_value());
    CHECK_FALSE(history.remove(id1, error));
    CHECK_THAT(error, Catch::Contains("no session with id"));
    r = run_command(ATTUNE_EXE " history --db '" + server.url() + "' --delete " + std::to_string(id3));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("delete it on that machine"));
    fs::remove_all(base);
}

TEST_CASE("PostgreSQL index: two processes add to one history at once", "[history][postgres]") {
    ATTUNE_START_POSTGRES_OR_SKIP(server);
    constexpr int kRowsEach = 25;
    int go[2];
    REQUIRE(::pipe(go) == 0);
    std::vector<pid_t> children;
    for (int k = 0; k < 2; ++k) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {  // a second machine: its own process and connection, table not there yet
            ::close(go[1]);
            char c;
            (void)!::read(go[0], &c, 1);  // released together by the parent
            int status = 0;
            try {
                SessionHistory history(server.url());
                for (int i = 0; i < kRowsEach; ++i) {
                    SessionFigures f;
                    f.machine = "room-" + std::to_string(k);
                    f.dir = "/sessions/" + std::to_string(i);
                    f.duration_s = 60.0 * i;
                    history.add(f);
                    SessionFigures shared;  // both rooms refresh one row
                    shared.machine = "reception";
                    shared.dir = "/sessions/shared";
                    shared.duration_s = i;
                    history.add(shared);
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "child %d: %s\n", k, e.what());
                status = 1;
            }
            ::_exit(status);
        }
        children.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    const auto rows = SessionHistory(server.url()).all();
    CHECK(rows.size() == 2 * kRowsEach + 1);
    std::set<long long> ids;
    std::map<std::string, int> per_machine;
    for (const auto& r : rows) {
        ids.insert(r.id);
        ++per_machine[r.machine];
    }
    CHECK(ids.size() == rows.size());
    CHECK(per_machine["room-0"] == kRowsEach);
    CHECK(per_machine["room-1"] == kRowsEach);
    CHECK(per_machine["reception"] == 1);
}

TEST_CASE("attune session --headless adds its row to the server named in settings.toml", "[history][postgres]") {
    ATTUNE_START_POSTGRES_OR_SKIP(server);
    const auto base = attune::test::fresh_dir("pg-session");
    fs::create_directories(base / "config" / "attune");
    std::ofstream(base / "config" / "attune" / "settings.toml")
        << "# the clinic's shared index\n[history]\ndatabase = \"" << server.url() << "\"\n";
    const std::string env =
        "XDG_DATA_HOME=" + (base / "data").string() + " XDG_CONFIG_HOME=" + (base / "config").string() + " ";
    auto r = run_command(env + ATTUNE_EXE " session --headless --simulate --duration 60s --speed 0 --out " +
                         (base / "rec").string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, !Catch::Contains("not added to the history"));
    const auto rows = SessionHistory(server.url()).all();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].dir == fs::absolute(base / "rec").lexically_normal().string());
    CHECK(rows[0].machine == attune::session::this_machine());
    CHECK(rows[0].duration_s == Approx(60.0).margin(1.0));
    CHECK_FALSE(fs::exists(base / "data" / "attune" / "sessions" / "history.sqlite"));

    r = run_command(env + ATTUNE_EXE " history");  // the settings' server, no --db
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains((base / "rec").string()));
    CHECK_THAT(r.output, Catch::Contains("session index: PostgreSQL 127.0.0.1:" + std::to_string(server.port())));

    // A malformed settings file: a clear line-numbered refusal, and the session still records.
    std::ofstream(base / "config" / "attune" / "settings.toml") << "[history]\ndatabase = postgresql://x\n";
    r = run_command(env + ATTUNE_EXE " history");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("settings.toml:2:"));
    r = run_command(env + ATTUNE_EXE " session --headless --simulate --duration 20s --speed 0 --out " +
                    (base / "rec2").string());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("not added to the history"));
    CHECK_THAT(r.output, Catch::Contains("settings.toml:2:"));
    CHECK(fs::exists(base / "rec2" / "summary.json"));
    fs::remove_all(base);
}

TEST_CASE("PostgreSQL index: a stopped or silent server is a clear error within seconds", "[history][postgres]") {
    ATTUNE_START_POSTGRES_OR_SKIP(server);
    SessionHistory open_before(server.url());
    server.stop();

    auto t0 = std::chrono::steady_clock::now();
    const auto message = error_of_opening(server.url());
    CHECK(seconds_since(t0) < 10.0);
    CHECK_THAT(message, Catch::Contains("cannot reach the PostgreSQL 127.0.0.1:" + std::to_string(server.port())));
    CHECK_THAT(message, Catch::Contains("refused"));

    t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(open_before.all(), Catch::Contains("lost the PostgreSQL"));
    CHECK(seconds_since(t0) < 10.0);

    const auto r = run_command(ATTUNE_EXE " history --db '" + server.keywords() + "'");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("attune history: session history: cannot reach"));

    // A port that accepts connections but never answers: connect_timeout (5 s) ends the wait.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    t0 = std::chrono::steady_clock::now();
    const auto silent = error_of_opening("host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) + " user=attune");
    const double waited = seconds_since(t0);
    ::close(fd);
    CHECK(waited < 9.0);
    CHECK(waited > 1.5);
    CHECK_THAT(silent, Catch::Contains("cannot reach"));
    CHECK_THAT(silent, Catch::Contains("timeout"));

    CHECK_THAT(error_of_opening("postgresql://[broken"), Catch::Contains("not a usable PostgreSQL connection string"));
}
