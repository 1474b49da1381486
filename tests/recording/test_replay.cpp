// attune replay: a recorded session with a scripted pause, fed back through the same pipelines and
// protocol, must produce the same events (times and texts). The replay device on its own: every
// recorded sample, in order, in chunks on the session clock; clear errors for a bad folder.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "attune/session/replay_device.hpp"
#include "recording_test_support.hpp"

namespace fs = std::filesystem;
using attune::test::fresh_dir;
using attune::test::read_channel_csv;
using attune::test::run_command;

namespace {

// events.csv without the device lines (they name the replay instead of the simulator).
std::vector<std::string> session_events_of(const fs::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (line.find(",device,") == std::string::npos) lines.push_back(line);
    return lines;
}

std::vector<std::string> lines_of(const fs::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

const fs::path& paused_session() {
    static const fs::path dir = [] {
        const auto d = fresh_dir("paused");
        const auto r = run_command(std::string(ATTUNE_EXE) +
                                   " session --headless --simulate --duration 150s --speed 0 --pause-at 40 --seed 7 --out " +
                                   d.string());
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        return d;
    }();
    return dir;
}

}  // namespace

TEST_CASE("a replayed session with a scripted pause has the original's events", "[recording][replay]") {
    const auto& original = paused_session();
    REQUIRE(fs::exists(original / "session.json"));
    const auto replay = fresh_dir("paused-replay");
    const auto r = run_command(std::string(ATTUNE_EXE) + " replay " + original.string() + " --speed 0 --out " +
                               replay.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);

    const auto expected = session_events_of(original / "events.csv");
    const auto got = session_events_of(replay / "events.csv");
    CHECK(lines_of(replay / "events.csv").size() == lines_of(original / "events.csv").size());
    bool has_pause = false;
    for (const auto& line : expected) has_pause = has_pause || line.find("pause") != std::string::npos;
    CHECK(has_pause);
    REQUIRE(expected.size() > 5);
    CHECK(got.size() == expected.size());
    for (std::size_t i = 0; i < std::min(expected.size(), got.size()); ++i) {
        INFO("events.csv line " << i + 1);
        CHECK(got[i] == expected[i]);
    }
    // The replayed raw samples are the recorded ones.
    CHECK(lines_of(replay / "a_ecg.csv") == lines_of(original / "a_ecg.csv"));
}

TEST_CASE("the replay device plays every recorded sample in order on the session clock", "[recording][replay]") {
    const auto& dir = paused_session();
    attune::session::ReplayDevice device(dir.string(), "b");
    const auto& info = device.info();
    CHECK(info.session_clock);
    REQUIRE(info.channels.size() >= 2);
    std::vector<std::vector<attune::test::TimedValue>> played(info.channels.size());
    bool late = false;
    double now = 0.0;
    device.start(
        [&](const attune::signal::SampleChunk& chunk) {
            for (std::size_t i = 0; i < chunk.values.size(); ++i) {
                played[chunk.channel].push_back({chunk.time_of(i), chunk.values[i]});
                late = late || chunk.time_of(i) >= now + 1e-9;
            }
        },
        {});
    for (int tick = 1; now < device.end_time_s() + 1.0; ++tick) {
        now = tick / 30.0;
        device.poll(now);
    }
    CHECK_FALSE(late);  // nothing handed out before its time
    std::ifstream meta(dir / "channels.json");
    const auto channels = nlohmann::json::parse(meta);
    std::size_t c = 0;
    for (const auto& ch : channels) {
        if (ch.value("partner", "") != "b") continue;
        const auto rows = read_channel_csv(dir / ch.value("file", ""));
        INFO(ch.value("file", ""));
        REQUIRE(played[c].size() == rows.size());
        for (std::size_t i = 0; i < rows.size(); i += 97) {
            CHECK(played[c][i].time_s == Approx(rows[i].time_s).margin(1e-5));
            CHECK(played[c][i].value == Approx(rows[i].value).margin(1e-6));
        }
        ++c;
    }
}

TEST_CASE("replay of a folder that is no recording fails with a clear message", "[recording][replay]") {
    const auto empty = fresh_dir("not-a-recording");
    fs::create_directories(empty);
    CHECK_THROWS_WITH(attune::session::ReplayDevice(empty.string(), "a"), Catch::Contains("no channels.json"));
    std::ofstream(empty / "channels.json") << "{ not json";
    CHECK_THROWS_WITH(attune::session::ReplayDevice(empty.string(), "a"), Catch::Contains("damaged"));
    const auto r = run_command(std::string(ATTUNE_EXE) + " replay " + empty.string() + " --speed 0");
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains("damaged"));
}
