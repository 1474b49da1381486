#include "attune/session/recording_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "attune/signal/synchrony.hpp"

namespace attune::session {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kSyncRateHz = 4.0;  // as the live dyad metrics

// A number from a cell; false for empty or non-numeric cells (a torn line).
bool parse_number(const std::string& cell, double& out) {
    if (cell.empty()) return false;
    char* end = nullptr;
    out = std::strtod(cell.c_str(), &end);
    return end != cell.c_str() && std::isfinite(out);
}

// Reads the data lines of one CSV (after its header), handing the fields of each line to
// `row`, which returns false for a line it cannot use. Missing file or bad lines become problems.
void read_rows(const fs::path& path, std::vector<std::string>& problems,
               const std::function<bool(const std::vector<std::string>&)>& row) {
    std::ifstream in(path);
    if (!in) {
        problems.push_back(path.filename().string() + " is missing");
        return;
    }
    std::string line;
    std::getline(in, line);  // header
    std::size_t bad = 0;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (!row(split_csv_fields(line))) ++bad;
    }
    if (bad > 0)
        problems.push_back(path.filename().string() + ": " + std::to_string(bad) + " damaged line" +
                           (bad == 1 ? "" : "s") + " skipped");
}

std::vector<RecordedSecond> read_seconds(const fs::path& path, std::vector<std::string>& problems) {
    std::vector<RecordedSecond> out;
    read_rows(path, problems, [&out](const std::vector<std::string>& f) {
        if (f.size() < 9) return false;
        RecordedSecond s;
        double* const numbers[] = {&s.time_s, &s.hr_bpm, &s.rmssd_ms, &s.coherence, &s.resp_rate_bpm,
                                   &s.resp_amplitude, &s.quality, &s.arousal};
        for (std::size_t i = 0; i < std::size(numbers); ++i)
            if (!parse_number(f[i], *numbers[i])) return false;
        s.arousal_state = f[8];
        out.push_back(std::move(s));
        return true;
    });
    return out;
}

std::vector<RecordedBeat> read_beats(const fs::path& path, std::vector<std::string>& problems) {
    std::vector<RecordedBeat> out;
    read_rows(path, problems, [&out](const std::vector<std::string>& f) {
        RecordedBeat b;
        if (f.size() < 3 || !parse_number(f[0], b.time_s) || !parse_number(f[1], b.rr_ms)) return false;
        b.quality = f[2];
        out.push_back(std::move(b));
        return true;
    });
    return out;
}

std::vector<RecordedBreath> read_breaths(const fs::path& path, std::vector<std::string>& problems) {
    std::vector<RecordedBreath> out;
    read_rows(path, problems, [&out](const std::vector<std::string>& f) {
        RecordedBreath b;
        if (f.size() < 2 || !parse_number(f[0], b.time_s) || (f[1] != "inhale" && f[1] != "exhale")) return false;
        b.inhale = f[1] == "inhale";
        out.push_back(b);
        return true;
    });
    return out;
}

std::vector<RecordedEvent> read_events(const fs::path& path, std::vector<std::string>& problems) {
    std::vector<RecordedEvent> out;
    read_rows(path, problems, [&out](const std::vector<std::string>& f) {
        RecordedEvent e;
        if (f.size() < 4 || !parse_number(f[0], e.time_s) || f[1].empty()) return false;
        e.kind = f[1];
        e.partner = f[2];
        e.text = f[3];
        out.push_back(std::move(e));
        return true;
    });
    return out;
}

double number_or(const json& j, const char* key, double fallback) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

std::optional<double> optional_number(const json& j, const char* key) {
    if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
    return std::nullopt;
}

RecordingSummary read_summary(const fs::path& path, std::vector<std::string>& problems) {
    RecordingSummary s;
    std::ifstream in(path);
    if (!in) {
        problems.push_back("summary.json is missing: the session was not finished (try `attune recover`)");
        return s;
    }
    json j;
    try {
        j = json::parse(in);
    } catch (const std::exception&) {
        problems.push_back("summary.json is damaged: figures not shown");
        return s;
    }
    if (!j.is_object()) {
        problems.push_back("summary.json is damaged: figures not shown");
        return s;
    }
    s.present = true;
    s.duration_s = number_or(j, "duration_s", 0.0);
    s.pauses = static_cast<int>(number_or(j, "pauses", 0.0));
    s.markers = static_cast<int>(number_or(j, "markers", 0.0));
    s.breathing_together_mean = number_or(j, "breathing_together_mean", 0.0);
    s.recovered = j.contains("recovered") && j["recovered"].is_boolean() && j["recovered"].get<bool>();
    if (j.contains("recording_error") && j["recording_error"].is_string())
        s.recording_error = j["recording_error"].get<std::string>();
    if (!j.contains("partners") || !j["partners"].is_object()) return s;
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        const std::string letter(signal::partner_letter(static_cast<signal::Partner>(p)));
        if (!j["partners"].contains(letter)) continue;
        const json& pj = j["partners"][letter];
        auto& out = s.partners[p];
        if (pj.contains("device") && pj["device"].is_string()) out.device = pj["device"].get<std::string>();
        out.mean_hr_bpm = number_or(pj, "mean_hr_bpm", 0.0);
        out.mean_rmssd_ms = number_or(pj, "mean_rmssd_ms", 0.0);
        out.baseline_hr_bpm = optional_number(pj, "baseline_hr_bpm");
        out.baseline_rmssd_ms = optional_number(pj, "baseline_rmssd_ms");
        out.seconds_calm = number_or(pj, "seconds_calm", 0.0);
        out.seconds_rising = number_or(pj, "seconds_rising", 0.0);
        out.seconds_high = number_or(pj, "seconds_high", 0.0);
    }
    return s;
}

std::vector<double> inhale_onsets(const std::vector<RecordedBreath>& breaths) {
    std::vector<double> out;
    for (const auto& b : breaths)
        if (b.inhale && (out.empty() || b.time_s > out.back())) out.push_back(b.time_s);
    return out;
}

}  // namespace

std::vector<std::string> split_csv_fields(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
            out.back() += '"';  // "" inside quotes is one quote
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

std::vector<TimedValue> breathing_synchrony(const std::vector<RecordedBreath>& a, const std::vector<RecordedBreath>& b,
                                            double duration_s) {
    std::vector<TimedValue> out;
    if (!(duration_s > 0.0) || duration_s > 30.0 * 24 * 3600) return out;
    const auto onsets_a = inhale_onsets(a), onsets_b = inhale_onsets(b);
    const auto count = static_cast<std::size_t>(std::floor(duration_s * kSyncRateHz)) + 1;
    const auto phase_a = signal::breath_phase_from_onsets(onsets_a, 0.0, kSyncRateHz, count);
    const auto phase_b = signal::breath_phase_from_onsets(onsets_b, 0.0, kSyncRateHz, count);
    signal::PhaseLockingConfig config;
    config.sample_rate = signal::Hz{kSyncRateHz};
    signal::PhaseLocking locking(config);
    const auto per_second = static_cast<std::size_t>(kSyncRateHz);
    for (std::size_t k = 0; k < count; ++k) {
        const auto& lock = locking.push(phase_a[k], phase_b[k]);
        if (k % per_second == 0 && std::isfinite(lock.in_phase))
            out.push_back({static_cast<double>(k) / kSyncRateHz, lock.in_phase});
    }
    return out;
}

double Recording::duration_s() const {
    if (summary.present && summary.duration_s > 0.0) return summary.duration_s;
    double end = 0.0;
    for (const auto& p : partners)
        if (!p.seconds.empty()) end = std::max(end, p.seconds.back().time_s);
    if (!events.empty()) end = std::max(end, events.back().time_s);
    return end;
}

std::array<std::string, signal::kPartnerCount> recorded_partner_names(const std::string& dir) {
    std::array<std::string, signal::kPartnerCount> names{"Partner A", "Partner B"};
    std::ifstream in(fs::path(dir) / "session.json");
    const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("partner_names") || !j["partner_names"].is_array()) return names;
    const json& saved = j["partner_names"];
    // A name is shown in the review and the report: a hand-edited file gets a sane one.
    constexpr std::size_t kLongestName = 40;
    for (std::size_t p = 0; p < names.size() && p < saved.size(); ++p)
        if (saved[p].is_string() && !saved[p].get<std::string>().empty())
            names[p] = saved[p].get<std::string>().substr(0, kLongestName);
    return names;
}

Recording read_recording(const std::string& dir) {
    std::error_code ec;
    if (dir.empty() || !fs::exists(dir, ec)) throw RecordingError("no such folder: " + dir);
    if (!fs::is_directory(dir, ec)) throw RecordingError(dir + " is not a folder");
    const fs::path base(dir);
    const bool has_seconds = fs::exists(base / "a_seconds.csv", ec) || fs::exists(base / "b_seconds.csv", ec);
    if (!fs::exists(base / "events.csv", ec) && !has_seconds)
        throw RecordingError(dir + " holds no recorded session (no events.csv, no per-second series)");

    Recording r;
    r.dir = dir;
    r.names = recorded_partner_names(dir);
    r.summary = read_summary(base / "summary.json", r.problems);
    r.events = read_events(base / "events.csv", r.problems);
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        const std::string letter(signal::partner_letter(static_cast<signal::Partner>(p)));
        auto& partner = r.partners[p];
        partner.seconds = read_seconds(base / (letter + "_seconds.csv"), r.problems);
        partner.beats = read_beats(base / (letter + "_beats.csv"), r.problems);
        partner.breaths = read_breaths(base / (letter + "_breaths.csv"), r.problems);
    }
    r.synchrony = breathing_synchrony(r.partners[0].breaths, r.partners[1].breaths, r.duration_s());
    if (r.summary.recovered) r.problems.push_back("recovered after the session was interrupted: the last second may be missing");
    if (!r.summary.recording_error.empty()) r.problems.push_back("recording problem: " + r.summary.recording_error);
    return r;
}

}  // namespace attune::session
