// `attune analyze ... --resp COLUMN` and `--ecg` alone, end to end: the real executable on the
// real recordings; files, columns, values, and bad input.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "attune/session/csv_reader.hpp"
#include "attune/signal/rsp_scoring.hpp"
#include "breath_data.hpp"

namespace fs = std::filesystem;
using namespace attune::signal;

namespace {

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() /
                         ("attune_test_breathing_" + std::to_string(::getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

int run_analyze(const std::string& args, const fs::path& dir, std::string* err_text = nullptr) {
    const fs::path err = dir / "stderr.txt";
    const std::string cmd = std::string(ATTUNE_EXE) + " analyze " + args + " >/dev/null 2>" + err.string();
    const int status = std::system(cmd.c_str());
    if (err_text) {
        std::ifstream in(err);
        std::stringstream ss;
        ss << in.rdbuf();
        *err_text = ss.str();
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<double> column(const fs::path& p, const std::string& name) {
    attune::session::CsvReader r(p);
    r.select({r.require(name)});
    std::vector<double> v;
    double x = 0.0;
    while (r.next(std::span<double>(&x, 1))) v.push_back(x);
    return v;
}

std::vector<TimedBreath> breaths_file(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    REQUIRE(line == "time_s,event");
    std::vector<TimedBreath> v;
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        REQUIRE(comma != std::string::npos);
        const std::string event = line.substr(comma + 1);
        REQUIRE((event == "inhale" || event == "exhale"));
        v.push_back({std::stod(line.substr(0, comma)),
                     event == "inhale" ? RspEventKind::Inhale : RspEventKind::Exhale});
    }
    return v;
}

nlohmann::json json_file(const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("analyze --resp writes breaths.csv and the breathing timeline columns", "[breathing][analyze]") {
    const auto dir = scratch("belt");
    const std::string stem = "neurokit_bio_resting_5min_100hz";
    REQUIRE(run_analyze(breathing_test::data_path(stem + ".csv") + " --fs 100 --ecg ECG --resp RSP --out " +
                            dir.string(), dir) == 0);
    const auto detected = breaths_file(dir / "breaths.csv");
    for (std::size_t i = 1; i < detected.size(); ++i) {
        CHECK(detected[i].time_s > detected[i - 1].time_s);
        CHECK(detected[i].kind != detected[i - 1].kind);  // events alternate
    }
    const auto ref = breathing_test::read_breaths(stem + "_breaths.csv");
    const auto excl = breathing_test::read_segments(stem + "_excluded.csv");
    CHECK(score_breaths(ref, detected, excl, breath_tolerance_s(ref)).f1 >= 0.95);

    const fs::path timeline = dir / "timeline.csv";
    const auto rate = column(timeline, "resp_rate_bpm");
    const auto amplitude = column(timeline, "resp_amplitude");
    const auto phase = column(timeline, "resp_phase");
    const auto quality = column(timeline, "resp_quality");
    const auto source = column(timeline, "resp_source");
    REQUIRE(rate.size() >= 290);
    for (std::size_t k = 30; k < 220; ++k) {
        INFO("second " << k);
        REQUIRE(std::isfinite(rate[k]));
        CHECK(amplitude[k] > 0.0);
        CHECK(quality[k] >= 0.0);
        CHECK(quality[k] <= 1.0);
        CHECK(source[k] == 1.0);
    }
    // The per-second rate (median of the last 4 breaths), averaged over 60 s windows, against
    // the reference breaths' rate in the same windows.
    double worst = 0.0;
    for (std::size_t a = 30; a + 60 <= 220; a += 10) {
        double sum = 0.0;
        for (std::size_t k = a; k < a + 60; ++k) sum += rate[k];
        const double ref_rate = window_rate_bpm(ref, excl, static_cast<double>(a), static_cast<double>(a + 60));
        REQUIRE(ref_rate > 0.0);
        worst = std::max(worst, std::abs(sum / 60.0 - ref_rate));
    }
    INFO("worst 60 s window error of the timeline rate: " << worst);
    CHECK(worst < 1.5);
    std::size_t phases = 0;
    for (double p : phase) {
        if (std::isnan(p)) continue;
        ++phases;
        CHECK(p >= 0.0);
        CHECK(p < 2.0 * std::numbers::pi);
    }
    CHECK(phases > 250);
    CHECK(json_file(dir / "breathing.json")["resp_source"] == "belt");
}

TEST_CASE("analyze with only --ecg writes the ECG/RR-derived rate, marked as such", "[breathing][analyze]") {
    const auto dir = scratch("ecg_only");
    REQUIRE(run_analyze(breathing_test::data_path("neurokit_bio_resting_5min_100hz.csv") +
                            " --fs 100 --ecg ECG --out " + dir.string(), dir) == 0);
    CHECK_FALSE(fs::exists(dir / "breaths.csv"));
    const fs::path timeline = dir / "timeline.csv";
    const auto rate = column(timeline, "resp_rate_bpm");
    const auto amplitude = column(timeline, "resp_amplitude");
    const auto source = column(timeline, "resp_source");
    std::size_t rates = 0;
    for (std::size_t k = 0; k < rate.size(); ++k) {
        CHECK(source[k] == 2.0);
        CHECK(std::isnan(amplitude[k]));
        if (std::isfinite(rate[k])) {
            ++rates;
            CHECK(rate[k] > 4.0);
            CHECK(rate[k] < 41.0);
        }
    }
    CHECK(rates > 200);
    const auto j = json_file(dir / "breathing.json");
    CHECK(j["resp_source"] == "ecg_rr_derived");
    CHECK(j["seconds_trusted"].get<int>() > 0);
}

TEST_CASE("analyze --resp survives a damaged impedance signal and rejects a missing column", "[breathing][analyze]") {
    const auto dir = scratch("damaged");
    REQUIRE(run_analyze(breathing_test::data_path("cinc2015_v102s.csv") + " --fs 250 --resp resp_nu --out " +
                            dir.string(), dir) == 0);
    const auto detected = breaths_file(dir / "breaths.csv");
    const auto ref = breathing_test::read_breaths("cinc2015_v102s_breaths.csv");
    const auto excl = breathing_test::read_segments("cinc2015_v102s_excluded.csv");
    CHECK(score_breaths(ref, detected, excl, breath_tolerance_s(ref)).f1 >= 0.95);
    // The wrap-around stretches lower the quality column.
    const auto quality = column(dir / "timeline.csv", "resp_quality");
    double lowest = 1.0;
    for (double q : quality)
        if (std::isfinite(q)) lowest = std::min(lowest, q);
    CHECK(lowest <= 0.3);

    const auto bad = scratch("missing_column");
    std::string err;
    CHECK(run_analyze(breathing_test::data_path("cinc2015_v102s.csv") + " --fs 250 --resp nope --out " +
                          bad.string(), bad, &err) != 0);
    CHECK(err.find("nope") != std::string::npos);
}
