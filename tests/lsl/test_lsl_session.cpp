#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "../cli/run_process.hpp"
#include "attune/bridge/lsl/inlet.hpp"
#include "attune/bridge/lsl/outlet.hpp"
#include "attune/session/lsl_marker_inlet.hpp"
#include "lsl_test_ports.hpp"

using namespace attune::bridge::lsl;
namespace fs = std::filesystem;

namespace {

StreamInfo find(const std::string& query, double timeout_s) {
    ResolveOptions o;
    o.timeout_s = timeout_s;
    o.enough = 1;
    const auto found = resolve(query, o);
    REQUIRE(found.size() == 1);
    return found.front();
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("marker text from outside is made safe for the session log", "[lsl]") {
    CHECK(attune::session::clean_marker_text("go\nnow\t!") == "go now !");
    CHECK(attune::session::clean_marker_text(std::string(500, 'x')).size() == 200);
}

TEST_CASE("a headless session publishes its streams and takes markers from an external LSL stream", "[lsl]") {
    attune::test::use_private_lsl_ports();
    const fs::path dir = fs::path(ATTUNE_BINARY_DIR) / "test-output" / ("lsl-session-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    StreamInfo runner_info;
    runner_info.name = "Runner Markers";
    runner_info.type = "Markers";
    runner_info.channel_format = ChannelFormat::String;
    Outlet runner(runner_info);

    auto session = std::async(std::launch::async, [&] {
        return attune::test::run_attune("session --headless --simulate --lsl --lsl-markers 'Runner Markers' "
                                        "--duration 60s --speed 4 --out " + dir.string());
    });
    const auto markers_info = find("name='Attune Markers'", 10.0);
    CHECK(markers_info.type == "Markers");
    CHECK(markers_info.channel_format == ChannelFormat::String);
    const auto metrics_short = find("name='Attune A Metrics'", 2.0);
    const auto metrics_info = fetch_fullinfo(metrics_short);
    REQUIRE(metrics_info);
    CHECK(metrics_info->nominal_srate == 1.0);
    REQUIRE(metrics_info->channels.size() == 5);
    CHECK(metrics_info->channels[0].label == "HR");
    CHECK(metrics_info->channels[0].unit == "bpm");
    CHECK(find("name='Attune B ECG'", 2.0).type == "ECG");
    CHECK(find("name='Attune Dyad'", 2.0).channel_count == 5);

    Inlet markers(markers_info);
    Inlet metrics(metrics_short);
    REQUIRE(runner.wait_for_consumers(10.0));
    runner.push_text("stimulus-7", local_clock());

    bool marker_seen = false;
    for (int i = 0; i < 200 && !marker_seen; ++i)
        if (const auto s = markers.pull(0.1)) marker_seen = s->strings.at(0) == "marker: stimulus-7";
    CHECK(marker_seen);

    std::vector<Sample> seconds;
    while (seconds.size() < 6)
        if (auto s = metrics.pull(3.0)) seconds.push_back(*s);
        else break;
    REQUIRE(seconds.size() == 6);
    for (std::size_t i = 1; i < seconds.size(); ++i) {
        CHECK(seconds[i].values.size() == 5);
        CHECK(*seconds[i].timestamp - *seconds[i - 1].timestamp == Approx(1.0).margin(1e-6));  // session seconds
    }
    const double hr = seconds.back().values[0];
    CHECK((std::isnan(hr) || (hr > 35.0 && hr < 180.0)));
    // LSL clock: the session's start is a moment ago on this host's steady clock.
    CHECK(*seconds.front().timestamp > markers_info.created_at - 1.0);

    const auto result = session.get();
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    const std::string events = read_file(dir / "events.csv");
    CHECK(events.find("marker,,stimulus-7") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("attune lsl list finds streams and attune lsl record prints their samples", "[lsl]") {
    attune::test::use_private_lsl_ports();
    StreamInfo info;
    info.name = "Bench Resp";
    info.type = "Resp";
    info.nominal_srate = 50.0;
    info.channels = {{"Belt", "au", "Resp"}};
    Outlet outlet(info);
    const auto list = attune::test::run_attune("lsl list --timeout 1s");
    CHECK(list.exit_code == 0);
    CHECK_THAT(list.output, Catch::Contains("Bench Resp") && Catch::Contains("1 stream(s)"));

    std::atomic<bool> done{false};
    std::thread pusher([&] {
        if (!outlet.wait_for_consumers(10.0)) return;
        for (int i = 0; i < 20; ++i) outlet.push_values({0.5 * i}, 100.0 + i * 0.02);
        done = true;
    });
    const auto rec = attune::test::run_attune("lsl record 'Bench Resp' --duration 2s");
    pusher.join();
    CHECK(done);
    CHECK(rec.exit_code == 0);
    CHECK_THAT(rec.output, Catch::Contains("lsl_time_s,Belt_au") && Catch::Contains(",9.5\n") &&
                               Catch::Contains("20 sample(s)"));
    const auto missing = attune::test::run_attune("lsl record 'No Such Stream' --timeout 0.3s --duration 1s");
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.output, Catch::Contains("no stream named"));
}
