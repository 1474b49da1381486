// EDF+ round trip: a short simulated session recorded by the real `attune session`, then
// session.edf read back with EDFlib must hold the same samples (within the EDF's digital
// resolution) as the channel CSVs, and the same annotations as events.csv. Also: privacy.
#include <edflib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "recording_test_support.hpp"

namespace fs = std::filesystem;
using attune::test::fresh_dir;
using attune::test::read_channel_csv;
using attune::test::run_command;

namespace {

// One session recorded once for every test in this file (40 s of session, as fast as possible).
const fs::path& recorded_session() {
    static const fs::path dir = [] {
        const auto d = fresh_dir("roundtrip");
        const auto r = run_command(std::string(ATTUNE_EXE) + " session --headless --simulate --duration 40s --speed 0 --out " +
                                   d.string());
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        return d;
    }();
    return dir;
}

std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            if (quoted && i + 1 < line.size() && line[i + 1] == '"') { out.back() += '"'; ++i; }
            else quoted = !quoted;
        } else if (c == ',' && !quoted) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

struct Event {
    double time_s = 0.0;
    std::string text;  // as the EDF annotation spells it: "kind: text [partner]"
};

std::vector<Event> read_events(const fs::path& path) {
    std::vector<Event> events;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        const auto f = split_csv(line);
        if (f.size() < 4) continue;
        events.push_back({std::stod(f[0]), f[1] + ": " + f[3] + (f[2].empty() ? "" : " [" + f[2] + "]")});
    }
    return events;
}

struct EdfFile {
    edf_hdr_struct hdr{};
    int handle = -1;
    explicit EdfFile(const fs::path& path) {
        if (edfopen_file_readonly(path.c_str(), &hdr, EDFLIB_READ_ALL_ANNOTATIONS) == 0) handle = hdr.handle;
    }
    ~EdfFile() {
        if (handle >= 0) edfclose_file(handle);
    }
};

}  // namespace

TEST_CASE("session.edf holds the channel CSVs' samples within the EDF resolution", "[recording][edf]") {
    const auto& dir = recorded_session();
    EdfFile edf(dir / "session.edf");
    INFO("EDFlib open error " << edf.hdr.filetype);
    REQUIRE(edf.handle >= 0);
    CHECK(edf.hdr.filetype == EDFLIB_FILETYPE_EDFPLUS);
    CHECK(edf.hdr.file_duration / EDFLIB_TIME_DIMENSION >= 39);

    std::ifstream meta(dir / "channels.json");
    const auto channels = nlohmann::json::parse(meta);
    std::map<std::string, nlohmann::json> by_label;
    for (const auto& c : channels)
        by_label[c.value("partner", "") + " " + c.value("label", "")] = c;

    int compared_signals = 0;
    for (int s = 0; s < edf.hdr.edfsignals; ++s) {
        const auto& p = edf.hdr.signalparam[s];
        std::string label(p.label);
        label.erase(label.find_last_not_of(' ') + 1);
        INFO("EDF signal '" << label << "'");
        const auto it = by_label.find(label.substr(0, 16));
        REQUIRE(it != by_label.end());
        const double rate = it->second.value("rate_hz", 0.0);
        REQUIRE(p.smp_in_datarecord == std::lround(rate));

        const auto rows = read_channel_csv(dir / it->second.value("file", ""));
        REQUIRE(rows.size() > static_cast<std::size_t>(30 * rate));
        std::vector<double> samples(static_cast<std::size_t>(p.smp_in_file));
        REQUIRE(edfread_physical_samples(edf.handle, s, static_cast<int>(samples.size()), samples.data()) ==
                static_cast<int>(samples.size()));

        // One digital step (EDFlib truncates physical -> digital rather than rounding) plus the
        // header's 8-character physical range, which rescales the read-back a little.
        const double step = (p.phys_max - p.phys_min) / double(p.dig_max - p.dig_min);
        double worst = 0.0;
        for (const auto& row : rows) {
            const auto idx = static_cast<std::size_t>(std::llround(row.time_s * rate));
            REQUIRE(idx < samples.size());
            worst = std::max(worst, std::abs(samples[idx] - row.value));
        }
        INFO("worst difference " << worst << ", digital step " << step);
        CHECK(worst <= 1.5 * step);
        ++compared_signals;
    }
    std::size_t regular = 0;
    for (const auto& c : channels)
        if (c.value("rate_hz", 0.0) >= 1.0) ++regular;
    CHECK(compared_signals == static_cast<int>(regular));
    CHECK(compared_signals >= 4);  // both partners' ECG and breathing at least
}

TEST_CASE("session.edf annotations are events.csv, same times and texts", "[recording][edf]") {
    const auto& dir = recorded_session();
    const auto events = read_events(dir / "events.csv");
    REQUIRE(events.size() >= 3);
    EdfFile edf(dir / "session.edf");
    REQUIRE(edf.handle >= 0);
    const double duration_s = double(edf.hdr.file_duration) / EDFLIB_TIME_DIMENSION;
    std::vector<Event> expected;
    for (const auto& e : events)
        if (e.time_s >= 0.0 && e.time_s <= duration_s) expected.push_back(e);
    REQUIRE(edf.hdr.annotations_in_file == static_cast<long long>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        edf_annotation_struct a{};
        REQUIRE(edf_get_annotation(edf.handle, static_cast<int>(i), &a) == 0);
        INFO("event " << i << ": " << expected[i].text);
        CHECK(double(a.onset) / EDFLIB_TIME_DIMENSION == Approx(expected[i].time_s).margin(1e-4));
        // EDFlib stores at most 40 characters of an annotation's text when writing.
        const std::string stored(a.annotation);
        CHECK(stored.size() >= std::min<std::size_t>(expected[i].text.size(), 36));
        CHECK(expected[i].text.rfind(stored, 0) == 0);
    }
}

TEST_CASE("a recording is private: folder 0700, every file 0600", "[recording][privacy]") {
    const auto& dir = recorded_session();
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        REQUIRE(::stat(entry.path().c_str(), &st) == 0);
        INFO(entry.path().filename().string());
        CHECK((st.st_mode & 0777) == 0600);
        ++files;
    }
    CHECK(files >= 10);
}
