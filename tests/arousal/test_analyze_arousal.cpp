// The arousal stage of `attune analyze`, through run_analysis() (the executable registers the
// stage from app/cli; here the test registers it the same way).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "attune/session/analyze.hpp"
#include "attune/session/analyze_arousal.hpp"

using namespace attune::session;
namespace fs = std::filesystem;

namespace {

const StageRegistration kArousal{{.name = "arousal",
                                  .order = 300,
                                  .inputs = {{"hr", "heart rate"}, {"acc", "accelerometer"}},
                                  .make = [](const AnalyzeOptions& o) { return make_arousal_stage(o); }}};

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::path(ATTUNE_BINARY_DIR) / "test_arousal_out" / name;
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

struct Timeline {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    int column(const std::string& name) const {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
        return -1;
    }
};

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

Timeline read_csv(const fs::path& path) {
    Timeline t;
    std::ifstream in(path);
    std::string line;
    REQUIRE(std::getline(in, line));
    t.header = split(line);
    while (std::getline(in, line)) t.rows.push_back(split(line));
    return t;
}

nlohmann::json read_json(const fs::path& path) {
    std::ifstream in(path);
    nlohmann::json j;
    in >> j;
    return j;
}

// A pulse-oximeter-like file: HR at 4 Hz, 70 bpm at rest, +25 bpm from 300 s to 420 s (reached
// in 10 s), a few dropped readings (0) and empty cells.
fs::path write_hr_file(const fs::path& dir) {
    const fs::path p = dir / "hr.csv";
    std::ofstream out(p);
    out << "t,hr\n";
    std::mt19937_64 rng(5);
    std::normal_distribution<double> n(0.0, 1.0);
    for (int i = 0; i < 4 * 600; ++i) {
        const double t = i / 4.0;
        double rise = 0.0;
        if (t >= 300.0 && t < 420.0) rise = 25.0 * std::min(1.0, (t - 300.0) / 10.0);
        out << t << ',';
        if (i % 97 == 0) out << "0";
        else if (i % 131 != 0) out << 70.0 + rise + 1.5 * std::sin(0.1 * t) + 0.7 * n(rng);
        out << '\n';
    }
    return p;
}

}  // namespace

TEST_CASE("analyze --hr alone finds the episode and says it used heart rate only", "[arousal][analyze]") {
    const auto dir = fresh_dir("hr_only");
    AnalyzeOptions o;
    o.input = write_hr_file(dir);
    o.out_dir = dir / "out";
    o.fs_hz = 4.0;
    o.columns["hr"] = "hr";
    run_analysis(o);

    const auto tl = read_csv(o.out_dir / "timeline.csv");
    const int hr = tl.column("hr_bpm"), arousal = tl.column("arousal"), state = tl.column("arousal_state");
    REQUIRE(hr >= 0);
    REQUIRE(arousal >= 0);
    REQUIRE(state >= 0);
    REQUIRE(tl.rows.size() >= 599);
    CHECK(std::stod(tl.rows[50][hr]) == Approx(70.0).margin(3.0));  // HR filled from --hr
    CHECK(tl.rows[50][arousal].empty());                              // still calibrating
    CHECK_FALSE(tl.rows[200][arousal].empty());
    CHECK(tl.rows[250][state] == "0.0000");

    const auto ep = read_csv(o.out_dir / "arousal_episodes.csv");
    REQUIRE(ep.header == std::vector<std::string>{"start_s", "end_s", "peak"});
    REQUIRE(ep.rows.size() == 1);
    CHECK(std::stod(ep.rows[0][0]) >= 300.0);
    CHECK(std::stod(ep.rows[0][0]) <= 320.0);
    CHECK(std::stod(ep.rows[0][1]) > 420.0);
    CHECK(std::stod(ep.rows[0][2]) > 5.0);

    const auto j = read_json(o.out_dir / "hrv.json");
    CHECK(j["arousal"]["features_used"] == "hr");
    CHECK(j["arousal"]["episodes"] == 1);
    CHECK(j["arousal"]["baseline"]["hr_bpm"]["mean"].get<double>() == Approx(70.0).margin(2.0));
}

TEST_CASE("analyze --ecg on a calm real recording: columns, no episode, features in hrv.json",
          "[arousal][analyze][real]") {
    AnalyzeOptions o;
    o.input = fs::path(ATTUNE_DATA_DIR) / "mitdb_100_ecg.csv";
    o.out_dir = fresh_dir("mitdb_100");
    o.fs_hz = 360.0;
    o.columns["ecg"] = "mlii_mv";
    run_analysis(o);
    const auto tl = read_csv(o.out_dir / "timeline.csv");
    CHECK(tl.column("arousal") >= 0);
    CHECK(tl.column("arousal_state") >= 0);
    CHECK(read_csv(o.out_dir / "arousal_episodes.csv").rows.empty());
    const auto j = read_json(o.out_dir / "hrv.json");
    CHECK(j.contains("ecg"));  // the heart stage's report is kept
    const std::string used = j["arousal"]["features_used"];
    CHECK(used.rfind("hr+rmssd", 0) == 0);
}

TEST_CASE("analyze --hr with no usable readings gives empty arousal, no episode", "[arousal][analyze]") {
    const auto dir = fresh_dir("hr_empty");
    const fs::path p = dir / "zeros.csv";
    {
        std::ofstream out(p);
        out << "hr,other\n";
        for (int i = 0; i < 400; ++i) out << (i % 2 ? "0" : "") << ",1\n";
    }
    AnalyzeOptions o;
    o.input = p;
    o.out_dir = dir / "out";
    o.fs_hz = 2.0;
    o.columns["hr"] = "hr";
    run_analysis(o);
    const auto tl = read_csv(o.out_dir / "timeline.csv");
    const int arousal = tl.column("arousal");
    for (const auto& r : tl.rows) CHECK((static_cast<int>(r.size()) <= arousal || r[arousal].empty()));
    CHECK(read_csv(o.out_dir / "arousal_episodes.csv").rows.empty());
    CHECK(read_json(o.out_dir / "hrv.json")["arousal"]["features_used"] == "none");
}
