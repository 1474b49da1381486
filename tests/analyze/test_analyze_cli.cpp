// End-to-end tests of `attune analyze`: the real executable on small CSVs made here (and on the
// Polar H10 / NeuroKit recordings), checking files, columns, values and error handling.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "attune/session/beat_accuracy.hpp"
#include "attune/session/csv_reader.hpp"
#include "attune/signal/beat_scoring.hpp"
#include "synthetic_ecg.hpp"

namespace fs = std::filesystem;

namespace {

struct Run {
    int exit_code = -1;
    std::string err;
};

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("attune_test_analyze_" + std::to_string(::getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string text_of(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Run run_attune(const std::string& args, const fs::path& dir) {
    const fs::path err = dir / "stderr.txt";
    const std::string cmd = std::string(ATTUNE_EXE) + " analyze " + args + " >/dev/null 2>" + err.string();
    const int status = std::system(cmd.c_str());
    Run r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = text_of(err);
    return r;
}

// Standard output of `attune ARGS` (any command), empty when it fails.
std::string attune_stdout(const std::string& args, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt";
    const std::string cmd = std::string(ATTUNE_EXE) + " " + args + " >" + out.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0) return {};
    return text_of(out);
}

// A percentage printed as "LABEL 99.06%" in `attune score-beats` output; -1 when absent.
double printed_percent(const std::string& text, const std::string& label) {
    const auto at = text.find(label + " ");
    return at == std::string::npos ? -1.0 : std::atof(text.c_str() + at + label.size() + 1);
}

std::vector<std::string> lines_of(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

// Column `name` of a CSV written by attune (empty cells -> NaN).
std::vector<double> column(const fs::path& p, const std::string& name) {
    attune::session::CsvReader r(p);
    r.select({r.require(name)});
    std::vector<double> out;
    double v[1];
    while (r.next(v)) out.push_back(v[0]);
    return out;
}

fs::path write_ecg_csv(const fs::path& dir, const attune::test::SyntheticEcg& ecg, double fs_hz) {
    const fs::path p = dir / "in.csv";
    std::ofstream out(p);
    out << "sample,ecg_mv,other\n";
    for (std::size_t i = 0; i < ecg.samples.size(); ++i)
        out << i << "," << ecg.samples[i] << "," << (i % 7) << "\n";
    (void)fs_hz;
    return p;
}

}  // namespace

TEST_CASE("analyze writes beats, timeline and hrv.json for an ECG column", "[analyze]") {
    const auto dir = scratch("ecg");
    attune::test::SyntheticEcgConfig c;
    c.fs_hz = 250.0;
    c.duration_s = 90.0;
    const auto ecg = attune::test::make_synthetic_ecg(c);
    const auto in = write_ecg_csv(dir, ecg, c.fs_hz);
    const auto out = dir / "out";
    const Run r = run_attune(in.string() + " --fs 250 --ecg ecg_mv --out " + out.string(), dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    const auto beats = lines_of(out / "ecg_beats.csv");
    REQUIRE(!beats.empty());
    CHECK(beats[0] == "time_s,rr_ms,quality");
    CHECK(beats.size() - 1 == ecg.r_times_s.size());
    const auto times = column(out / "ecg_beats.csv", "time_s");
    for (std::size_t i = 0; i < std::min(times.size(), ecg.r_times_s.size()); ++i)
        CHECK(std::fabs(times[i] - ecg.r_times_s[i]) < 0.010);

    const auto timeline = lines_of(out / "timeline.csv");
    REQUIRE(!timeline.empty());
    // The base columns come first, in this order; stages derived from the heart signal (breathing,
    // arousal) may append theirs.
    CHECK(timeline[0].rfind("time_s,hr_bpm,rmssd_ms,coherence,quality", 0) == 0);
    CHECK(timeline.size() - 1 == 90);
    const auto hr = column(out / "timeline.csv", "hr_bpm");
    const auto quality = column(out / "timeline.csv", "quality");
    const auto t = column(out / "timeline.csv", "time_s");
    CHECK(t[0] == 0.0);
    CHECK(t[89] == 89.0);
    const double expected_bpm = 60.0 / c.mean_rr_s;
    for (std::size_t k = 20; k < hr.size(); ++k) {
        CHECK(std::fabs(hr[k] - expected_bpm) < 0.08 * expected_bpm);
        CHECK(quality[k] > 0.7);
    }
    const auto rmssd = column(out / "timeline.csv", "rmssd_ms");
    CHECK(std::isfinite(rmssd[80]));

    std::ifstream js(out / "hrv.json");
    const auto j = nlohmann::json::parse(js);
    CHECK(j["source"] == "ecg");
    CHECK(j["ecg"]["beats"].get<std::size_t>() == ecg.r_times_s.size());
    CHECK(j["ecg"].contains("corrected_artifacts"));
    CHECK(j["ecg"]["time_domain"]["rmssd"]["unit"] == "ms");
    CHECK(j["ecg"]["time_domain"]["mean_nn"]["value"].get<double>() == Approx(c.mean_rr_s * 1000).epsilon(0.03));
    CHECK(j["ecg"]["frequency_domain"]["lf_hf"].contains("value"));
    CHECK(!fs::exists(out / "ppg_beats.csv"));
}

TEST_CASE("analyze follows a --time column for drifting sample rates", "[analyze]") {
    const auto dir = scratch("time");
    attune::test::SyntheticEcgConfig c;
    c.fs_hz = 130.0;
    c.duration_s = 40.0;
    const auto ecg = attune::test::make_synthetic_ecg(c);
    // The device says 130 Hz but its samples are really 0.5 % longer apart.
    const fs::path in = dir / "in.csv";
    {
        std::ofstream out(in);
        out << "t_s,ecg\n";
        for (std::size_t i = 0; i < ecg.samples.size(); ++i)
            out << (1000.0 + static_cast<double>(i) / 130.0 * 1.005) << "," << ecg.samples[i] << "\n";
    }
    const auto out = dir / "out";
    const Run r = run_attune(in.string() + " --fs 130 --time t_s --ecg ecg --out " + out.string(), dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto times = column(out / "ecg_beats.csv", "time_s");
    REQUIRE(times.size() == ecg.r_times_s.size());
    for (std::size_t i = 0; i < times.size(); ++i) CHECK(std::fabs(times[i] - ecg.r_times_s[i] * 1.005) < 0.010);
    const auto rr = column(out / "ecg_beats.csv", "rr_ms");
    for (std::size_t i = 1; i < rr.size(); ++i) CHECK(rr[i] == Approx((times[i] - times[i - 1]) * 1000).margin(0.2));
}

TEST_CASE("analyze reads RR intervals, one per row", "[analyze]") {
    const auto dir = scratch("rr");
    const fs::path in = dir / "rr.csv";
    {
        std::ofstream out(in);
        out << "rr_ms\n";
        for (int i = 0; i < 200; ++i) {
            out << (800 + 40 * std::sin(i * 0.6)) << "\n";
            if (i == 50) out << "220\n";   // a 273-bpm reading: a strap's error
            if (i == 120) out << "2800\n";  // 21 bpm: no sinus rhythm is that slow
        }
    }
    const auto out = dir / "out";
    const Run r = run_attune(in.string() + " --fs 1 --rr rr_ms --out " + out.string(), dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Every device interval keeps its row; the two impossible ones are flagged, not beats.
    const auto rows = lines_of(out / "rr_beats.csv");
    REQUIRE(rows.size() == 203);
    CHECK(rows[52].substr(rows[52].rfind(',') + 1) == "artifact");
    CHECK(rows[123].substr(rows[123].rfind(',') + 1) == "artifact");
    CHECK(std::count_if(rows.begin(), rows.end(), [](const std::string& l) {
              return l.ends_with(",artifact");
          }) == 2);
    const auto hr = column(out / "timeline.csv", "hr_bpm");
    REQUIRE(hr.size() >= 155);  // 200 x 0.8 s + 3 s of impossible readings = 163 s
    CHECK(hr.size() <= 164);
    CHECK(hr[100] == Approx(75.0).epsilon(0.05));
    std::ifstream js(out / "hrv.json");
    const auto j = nlohmann::json::parse(js);
    CHECK(j["source"] == "rr");
    CHECK(j["rr"]["beats"].get<int>() == 200);
    CHECK(j["rr"]["beats_artifact"].get<int>() == 2);
}

TEST_CASE("analyze ECG and PPG of a real recording agree", "[analyze][data]") {
    const fs::path data = fs::path(ATTUNE_DATA_DIR) / "neurokit_bio_resting_5min_100hz.csv";
    REQUIRE(fs::exists(data));
    const auto dir = scratch("nk");
    const auto out = dir / "out";
    const Run r = run_attune(data.string() + " --fs 100 --ecg ECG --ppg PPG --out " + out.string(), dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto ecg = column(out / "ecg_beats.csv", "time_s");
    const auto ppg = column(out / "ppg_beats.csv", "time_s");
    CHECK(ecg.size() > 250);
    CHECK(std::fabs(static_cast<double>(ppg.size()) - static_cast<double>(ecg.size())) < 0.05 * static_cast<double>(ecg.size()));
    CHECK(lines_of(out / "timeline.csv").size() == 301);

    // `attune score-beats --delay` compares the two files: each pulse 100-600 ms after its beat.
    const std::string files = "score-beats --ref " + (out / "ecg_beats.csv").string() + " --det " + (out / "ppg_beats.csv").string();
    const std::string delayed = attune_stdout(files + " --delay 0.35 --tolerance 0.25", dir);
    INFO(delayed);
    CHECK(printed_percent(delayed, "Se") >= 97.0);  // the whole recording, motion at the end included
    CHECK(printed_percent(delayed, "+P") >= 95.0);
    const std::string same_time = attune_stdout(files, dir);
    INFO(same_time);
    CHECK(printed_percent(same_time, "Se") >= 0.0);
    CHECK(printed_percent(same_time, "Se") < 20.0);  // pulses are not at the R peaks
    CHECK(attune_stdout(files + " --tolerance 0", dir).empty());  // out of range: refused
}

TEST_CASE("analyze's ecg_beats.csv scores as it is on the noisy annotated records", "[analyze][data]") {
    // A reader counting every row of ecg_beats.csv as a beat gets the detector's accuracy: the
    // candidates rejected as noise are in ecg_rejected.csv, not among the beats.
    struct Record {
        const char* name;
        double need;
    };
    for (const Record rec : {Record{"mitdb_105", 0.97}, Record{"nstdb_118e12", 0.97}, Record{"nstdb_118e06", 0.90}}) {
        const fs::path data = fs::path(ATTUNE_DATA_DIR) / (std::string(rec.name) + "_ecg.csv");
        REQUIRE(fs::exists(data));
        const auto dir = scratch(rec.name);
        const auto out = dir / "out";
        const Run r = run_attune(data.string() + " --fs 360 --ecg mlii_mv --out " + out.string(), dir);
        INFO(rec.name << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        const auto beats = column(out / "ecg_beats.csv", "time_s");
        const auto rejected = column(out / "ecg_rejected.csv", "time_s");
        const auto reference = attune::session::load_reference_beats(
            fs::path(ATTUNE_DATA_DIR) / (std::string(rec.name) + "_beats.csv"));
        const auto s = attune::signal::score_beats(reference, beats);
        INFO("TP " << s.tp << " FP " << s.fp << " FN " << s.fn << ", rejected " << rejected.size());
        CHECK(s.sensitivity() >= rec.need);
        CHECK(s.positive_predictivity() >= rec.need);
        for (const auto& q : lines_of(out / "ecg_beats.csv")) CHECK(!q.ends_with(",artifact"));
        std::ifstream js(out / "hrv.json");
        const auto j = nlohmann::json::parse(js);
        CHECK(j["ecg"]["beats"].get<std::size_t>() == beats.size());
        CHECK(j["ecg"]["beats_artifact"].get<std::size_t>() == rejected.size());
        if (std::string(rec.name) == "nstdb_118e06") CHECK(rejected.size() >= 10);  // 6 dB: noise found
    }
}

TEST_CASE("analyze rejects bad input with one clear line and a non-zero exit", "[analyze][errors]") {
    const auto dir = scratch("errors");
    const auto out = (dir / "out").string();
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    };
    const auto good = write("good.csv", "ecg,x\n0.1,1\n0.2,2\n");
    struct Case {
        std::string args, expect;
    };
    const std::vector<Case> cases{
        {good + " --fs 250 --ecg nope --out " + out, "no column 'nope'"},
        {write("text.csv", "ecg\n0.1\n0.2\nabc\n") + " --fs 250 --ecg ecg --out " + out, "line 4"},
        {write("empty.csv", "") + " --fs 250 --ecg ecg --out " + out, "empty"},
        {write("header.csv", "ecg\n") + " --fs 250 --ecg ecg --out " + out, "no data rows"},
        {good + " --fs 0 --ecg ecg --out " + out, "out of range"},
        {good + " --fs 1e9 --ecg ecg --out " + out, "out of range"},
        {good + " --fs 20 --ecg ecg --out " + out, "100..4000"},
        {(dir / "missing.csv").string() + " --fs 250 --ecg ecg --out " + out, "no such file"},
        {good + " --fs 250 --out " + out, "nothing to analyse"},
        {write("short.csv", "a,ecg\n1,2\n3\n") + " --fs 250 --ecg ecg --out " + out, "line 3"},
        {write("back.csv", "t,ecg\n1,0\n0.5,0\n") + " --fs 250 --time t --ecg ecg --out " + out, "backwards"},
    };
    for (const auto& c : cases) {
        const Run r = run_attune(c.args, dir);
        INFO(c.args << " -> " << r.err);
        CHECK(r.exit_code != 0);
        CHECK(r.err.find(c.expect) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}
