// The recording reader: a real recorded session reads back whole (both partners' seconds, beats,
// breaths, events with the clinician's notes, summary, breathing together); partial, damaged and
// empty folders read with their problems listed or are refused with a clear message, never a crash.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "attune/session/recording_reader.hpp"
#include "recorded_session.hpp"
#include "recording_test_support.hpp"

namespace fs = std::filesystem;
using attune::session::read_recording;
using attune::session::Recording;
using attune::session::RecordingError;
using attune::test::fresh_dir;

namespace {

// One recording per test process (the in-process session takes a few seconds).
const fs::path& recorded_folder() {
    static const fs::path dir = [] {
        const auto d = fresh_dir("reader");
        REQUIRE(attune::test::record_simulated_session(d, 150.0, 60.0,
                                                       {{30.0, "first note, with a comma"},
                                                        {100.0, "she said \"enough\" and smiled"}}));
        return d;
    }();
    return dir;
}

fs::path copy_of_recording(const std::string& name) {
    const auto dir = fresh_dir(name);
    fs::copy(recorded_folder(), dir, fs::copy_options::recursive);
    return dir;
}

bool has_problem(const Recording& r, const std::string& words) {
    return std::any_of(r.problems.begin(), r.problems.end(),
                       [&](const std::string& p) { return p.find(words) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("a recorded session reads back whole", "[recording][reader]") {
    const Recording r = read_recording(recorded_folder().string());
    INFO(joined(r.problems));
    CHECK(r.problems.empty());
    REQUIRE(r.summary.present);
    CHECK(r.summary.duration_s == Approx(150.0).margin(1.0));
    CHECK(r.duration_s() == Approx(150.0).margin(1.0));
    CHECK(r.summary.pauses >= 1);
    CHECK(r.summary.markers == 2);
    for (const auto& p : r.partners) {
        // One row per second, in time order, heart rates in a human range once the pipeline has them.
        CHECK(p.seconds.size() >= 145);
        CHECK(p.seconds.size() <= 151);
        CHECK(std::is_sorted(p.seconds.begin(), p.seconds.end(),
                             [](const auto& x, const auto& y) { return x.time_s < y.time_s; }));
        const auto with_hr = std::count_if(p.seconds.begin(), p.seconds.end(),
                                           [](const auto& s) { return s.hr_bpm > 40.0 && s.hr_bpm < 140.0; });
        CHECK(with_hr > 120);
        CHECK(p.beats.size() > 100);
        CHECK(p.breaths.size() > 20);
        CHECK(p.seconds.back().arousal_state.size() >= 4);  // calm / rising / high
    }
    // The clinician's notes, with their commas and quotes, at the seconds they were made.
    std::vector<attune::session::RecordedEvent> markers;
    for (const auto& e : r.events)
        if (e.kind == "marker") markers.push_back(e);
    REQUIRE(markers.size() == 2);
    CHECK(markers[0].text == "first note, with a comma");
    CHECK(markers[0].time_s == Approx(30.0).margin(0.5));
    CHECK(markers[1].text == "she said \"enough\" and smiled");
    CHECK(markers[1].time_s == Approx(100.0).margin(0.5));
    CHECK(std::any_of(r.events.begin(), r.events.end(),
                      [](const auto& e) { return e.kind == "pause" && e.text.rfind("pause started", 0) == 0; }));
    CHECK(std::any_of(r.events.begin(), r.events.end(), [](const auto& e) { return e.kind == "phase"; }));
    // Breathing together from both partners' breaths: a value for most seconds, within 0..1.
    CHECK(r.synchrony.size() > 80);
    for (const auto& v : r.synchrony) {
        CHECK(v.value >= 0.0);
        CHECK(v.value <= 1.0);
    }
}

TEST_CASE("a partial or damaged recording reads with its problems listed", "[recording][reader]") {
    SECTION("killed before the end: no summary, one partner's series missing, torn lines") {
        const auto dir = copy_of_recording("reader_partial");
        fs::remove(dir / "summary.json");
        fs::remove(dir / "b_seconds.csv");
        {
            std::ofstream a(dir / "a_seconds.csv", std::ios::app);
            a << "151.0,7";                // torn: the process died mid-line
            a << "\nnot,a,number,at,all,x,y,z,calm\n";
        }
        const Recording r = read_recording(dir.string());
        INFO(joined(r.problems));
        CHECK_FALSE(r.summary.present);
        CHECK(has_problem(r, "summary.json is missing"));
        CHECK(has_problem(r, "b_seconds.csv is missing"));
        CHECK(has_problem(r, "a_seconds.csv: 2 damaged lines skipped"));
        CHECK(r.partners[0].seconds.size() >= 145);  // what is there is still shown
        CHECK(r.partners[1].seconds.empty());
        CHECK(r.duration_s() == Approx(150.0).margin(2.0));  // from the data without a summary
    }
    SECTION("a damaged summary and garbage in the events") {
        const auto dir = copy_of_recording("reader_damaged");
        std::ofstream(dir / "summary.json") << "{\"duration_s\": 15";
        {
            std::ofstream e(dir / "events.csv", std::ios::app | std::ios::binary);
            e << "\x01\x02\xff\xfe,,,\n\"unterminated,quote\n,,,,\n";
        }
        const Recording r = read_recording(dir.string());
        INFO(joined(r.problems));
        CHECK(has_problem(r, "summary.json is damaged"));
        CHECK(has_problem(r, "events.csv:"));
        CHECK(r.events.size() > 5);
    }
    SECTION("an interrupted session that `attune recover` made whole says so") {
        const auto dir = copy_of_recording("reader_recovered");
        std::ofstream(dir / "summary.json") << R"({"duration_s": 150, "recovered": true, "partners": {}})";
        const Recording r = read_recording(dir.string());
        CHECK(r.summary.recovered);
        CHECK(has_problem(r, "recovered"));
    }
}

TEST_CASE("a folder without a recording is refused with a clear message", "[recording][reader]") {
    const auto dir = fresh_dir("reader_empty");
    CHECK_THROWS_WITH(read_recording((dir / "nowhere").string()), Catch::Contains("no such folder"));
    fs::create_directories(dir);
    CHECK_THROWS_AS(read_recording(dir.string()), RecordingError);
    CHECK_THROWS_WITH(read_recording(dir.string()), Catch::Contains("holds no recorded session"));
    std::ofstream(dir / "file.txt") << "x";
    CHECK_THROWS_WITH(read_recording((dir / "file.txt").string()), Catch::Contains("is not a folder"));
    CHECK_THROWS_WITH(read_recording(""), Catch::Contains("no such folder"));
}

TEST_CASE("CSV fields as the recorder writes them", "[recording][reader]") {
    using attune::session::split_csv_fields;
    CHECK(split_csv_fields("1.5,marker,,plain") == std::vector<std::string>{"1.5", "marker", "", "plain"});
    CHECK(split_csv_fields("2,marker,,\"a, b\"") == std::vector<std::string>{"2", "marker", "", "a, b"});
    CHECK(split_csv_fields("3,marker,a,\"say \"\"hi\"\"\"") == std::vector<std::string>{"3", "marker", "a", "say \"hi\""});
    CHECK(split_csv_fields("") == std::vector<std::string>{""});
}

TEST_CASE("breathing together from breaths: in step is 1, half a breath apart is 0", "[recording][reader]") {
    using attune::session::RecordedBreath;
    std::vector<RecordedBreath> a, b, half;
    for (double t = 0.0; t < 300.0; t += 10.0) {
        a.push_back({t, true});
        a.push_back({t + 4.0, false});
        b.push_back({t + 0.2, true});
        half.push_back({t + 5.0, true});
    }
    const auto together = attune::session::breathing_synchrony(a, b, 300.0);
    const auto apart = attune::session::breathing_synchrony(a, half, 300.0);
    REQUIRE(together.size() > 200);
    REQUIRE(apart.size() > 200);
    CHECK(together[200].value > 0.95);
    CHECK(apart[200].value < 0.05);
    CHECK(attune::session::breathing_synchrony(a, {}, 300.0).empty());  // one partner without breaths
    CHECK(attune::session::breathing_synchrony(a, b, -1.0).empty());
}
