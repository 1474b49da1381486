// Real calm recordings through the arousal detector: see arousal_real_data.hpp.
#include "attune/session/arousal_real_data.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "attune/session/arousal_evaluation.hpp"
#include "attune/signal/arousal_features.hpp"

namespace attune::session {
namespace {

// A small CSV table: named columns of cells (text kept, numbers parsed on demand).
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;

    int column(const std::string& name) const {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
        return -1;
    }
    double number(std::size_t row, int col) const {
        const auto& r = rows[row];
        if (col < 0 || static_cast<std::size_t>(col) >= r.size() || r[col].empty()) return std::nan("");
        char* end = nullptr;
        const double v = std::strtod(r[col].c_str(), &end);
        return end && *end == '\0' ? v : std::nan("");
    }
};

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
        if (!cell.empty() && cell.back() == '\r') cell.pop_back();
        cells.push_back(cell);
    }
    return cells;
}

std::string read_table(const std::string& path, Table& t) {
    std::ifstream in(path);
    if (!in) return "cannot open " + path;
    std::string line;
    if (!std::getline(in, line)) return "empty file " + path;
    t.header = split(line);
    while (std::getline(in, line))
        if (!line.empty()) t.rows.push_back(split(line));
    return "";
}

std::string load_beat_annotations(const std::string& path, double duration_s,
                                  std::vector<signal::ArousalFeatures>& out) {
    Table t;
    if (auto err = read_table(path, t); !err.empty()) return err;
    const int time_col = t.column("time_s"), beat_col = t.column("is_beat");
    if (time_col < 0) return "no time_s column in " + path;
    std::vector<double> times, rr;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        if (beat_col >= 0 && t.number(i, beat_col) != 1.0) continue;
        const double time = t.number(i, time_col);
        rr.push_back(times.empty() ? 0.0 : (time - times.back()) * 1000.0);
        times.push_back(time);
    }
    out = features_from_beats(times, rr, duration_s);
    return "";
}

std::string load_rr_series(const std::string& path, std::vector<signal::ArousalFeatures>& out) {
    Table t;
    if (auto err = read_table(path, t); !err.empty()) return err;
    const int rr_col = t.column("rr_ms");
    if (rr_col < 0) return "no rr_ms column in " + path;
    // The strap reports every interval; beat times are their cumulative sum.
    std::vector<double> times, rr;
    double time = 0.0;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const double v = t.number(i, rr_col);
        if (!(v > 0.0)) continue;
        time += v / 1000.0;
        times.push_back(time);
        rr.push_back(times.size() == 1 ? 0.0 : v);
    }
    out = features_from_beats(times, rr, time);
    return "";
}

std::string load_hr_series(const std::string& path, std::vector<signal::ArousalFeatures>& out) {
    Table t;
    if (auto err = read_table(path, t); !err.empty()) return err;
    const int time_col = t.column("report_t_s"), hr_col = t.column("hr_bpm");
    if (time_col < 0 || hr_col < 0) return "no report_t_s/hr_bpm columns in " + path;
    // One value a second: the second it falls in.
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const double time = t.number(i, time_col), hr = t.number(i, hr_col);
        if (!std::isfinite(time) || time < 0.0) continue;
        const auto k = static_cast<std::size_t>(time);
        if (out.size() <= k) out.resize(k + 1);
        out[k].hr_bpm = hr;
    }
    return "";
}

std::string load_reference_breaths(const std::string& signal_path, const std::string& breaths_path,
                                   std::vector<signal::ArousalFeatures>& out) {
    Table sig, br;
    if (auto err = read_table(signal_path, sig); !err.empty()) return err;
    if (auto err = read_table(breaths_path, br); !err.empty()) return err;
    const int rsp_col = sig.column("RSP"), t_col = br.column("time_s"), ev_col = br.column("event");
    if (rsp_col < 0 || t_col < 0 || ev_col < 0) return "unexpected columns in the breath files";
    constexpr double kFs = 100.0;
    const double duration = static_cast<double>(sig.rows.size()) / kFs;
    signal::BreathFeatureWindow window;
    std::size_t next = 0;
    double trough = std::nan("");
    for (std::size_t k = 0; k < static_cast<std::size_t>(duration); ++k) {
        const double t_end = static_cast<double>(k + 1);
        for (; next < br.rows.size() && br.number(next, t_col) < t_end; ++next) {
            const double time = br.number(next, t_col);
            const auto idx = std::min(sig.rows.size() - 1, static_cast<std::size_t>(time * kFs));
            const double v = sig.number(idx, rsp_col);
            if (br.rows[next][ev_col] == "inhale") {
                trough = v;
                window.push(time, true, 0.0);
            } else if (std::isfinite(trough)) {
                window.push(time, false, v - trough);
            }
        }
        const auto b = window.at(t_end);
        signal::ArousalFeatures f;
        f.resp_rate_bpm = b.rate_bpm;
        f.resp_depth = b.depth;
        f.resp_irregularity = b.irregularity;
        f.resp_quality = b.quality;
        out.push_back(f);
    }
    return "";
}

// One column of a signal file as samples.
std::string read_column(const std::string& path, const std::string& column, std::vector<float>& out) {
    Table t;
    if (auto err = read_table(path, t); !err.empty()) return err;
    const int col = t.column(column);
    if (col < 0) return "no " + column + " column in " + path;
    out.reserve(t.rows.size());
    for (std::size_t i = 0; i < t.rows.size(); ++i) out.push_back(static_cast<float>(t.number(i, col)));
    return "";
}

// The project's detectors over a recording: ECG -> Pan-Tompkins beats -> heart features;
// belt -> breathing events -> breath features (either may be absent).
std::string load_with_detectors(const std::string& path, const std::string& ecg_column,
                                const std::string& resp_column, double fs,
                                std::vector<signal::ArousalFeatures>& out) {
    std::vector<float> ecg, resp;
    if (!ecg_column.empty())
        if (auto err = read_column(path, ecg_column, ecg); !err.empty()) return err;
    if (!resp_column.empty())
        if (auto err = read_column(path, resp_column, resp); !err.empty()) return err;
    const std::size_t n = std::max(ecg.size(), resp.size());
    std::vector<signal::ArousalFeatures> features;
    session::DetectorFeatures detectors(ecg.empty() ? 0.0 : fs, resp.empty() ? 0.0 : fs);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / fs;
        if (i < ecg.size()) detectors.push_ecg(ecg[i]);
        if (i < resp.size()) detectors.push_resp(t, resp[i]);
        if ((i + 1) % static_cast<std::size_t>(fs) == 0)
            out.push_back(detectors.features_at(static_cast<double>(i + 1) / fs));
    }
    return "";
}

}  // namespace

std::vector<signal::ArousalFeatures> features_from_beats(const std::vector<double>& times_s,
                                                         const std::vector<double>& rr_ms,
                                                         double duration_s) {
    signal::HeartFeatureWindow window;
    std::vector<signal::ArousalFeatures> out;
    std::size_t next = 0;
    for (std::size_t k = 0; k < static_cast<std::size_t>(duration_s); ++k) {
        const double t_end = static_cast<double>(k + 1);
        for (; next < times_s.size() && times_s[next] < t_end; ++next)
            window.push({.time_s = times_s[next], .rr_ms = rr_ms[next]});
        const auto h = window.at(t_end);
        signal::ArousalFeatures f;
        f.hr_bpm = h.hr_bpm;
        f.rmssd_ms = h.rmssd_ms;
        f.heart_quality = h.quality;
        out.push_back(f);
    }
    return out;
}

namespace {

// The same recording with heart rate alone (what a wristband or a pulse oximeter gives).
RealRecording heart_rate_alone(const RealRecording& full) {
    return {full.name + ", HR alone", [load = full.load](std::vector<signal::ArousalFeatures>& out) {
                auto error = load(out);
                for (auto& f : out) f.rmssd_ms = signal::kNoValue;
                return error;
            }};
}

}  // namespace

std::vector<RealRecording> real_calm_recordings(const std::string& data_dir) {
    const std::string d = data_dir + "/";
    std::vector<RealRecording> recordings{
        {"mitdb_100 (reference beats)",
         [d](auto& out) { return load_beat_annotations(d + "mitdb_100_beats.csv", 600.0, out); }},
        {"polar_h10_a (strap RR)",
         [d](auto& out) { return load_rr_series(d + "polar_h10_a_rr.csv", out); }},
        {"polar_h10_a (strap HR only)",
         [d](auto& out) { return load_hr_series(d + "polar_h10_a_hr.csv", out); }},
        {"mitdb_100 (project R-peak detector)",
         [d](auto& out) { return load_with_detectors(d + "mitdb_100_ecg.csv", "mlii_mv", "", 360.0, out); }},
        {"neurokit_resting_5min (R-peaks + belt breaths)",
         [d](auto& out) {
             return load_with_detectors(d + "neurokit_bio_resting_5min_100hz.csv", "ECG", "RSP", 100.0, out);
         }},
        {"neurokit_resting_5min (reference breaths)",
         [d](auto& out) {
             return load_reference_breaths(d + "neurokit_bio_resting_5min_100hz.csv",
                                           d + "neurokit_bio_resting_5min_100hz_breaths.csv", out);
         }},
    };
    recordings.push_back(heart_rate_alone(recordings[0]));
    recordings.push_back(heart_rate_alone(recordings[3]));
    return recordings;
}

RealRun run_real_recording(const RealRecording& recording, const signal::ArousalConfig& config) {
    RealRun run;
    std::vector<signal::ArousalFeatures> features;
    run.error = recording.load(features);
    if (!run.error.empty()) return run;
    signal::ArousalDetector detector(config);
    for (const auto& f : features) {
        run.outputs.push_back(detector.update(f));
        if (std::isfinite(run.outputs.back().index))
            run.max_index = std::max(run.max_index, run.outputs.back().index);
    }
    run.episodes = signal::arousal_episodes(run.outputs, 1.0);
    run.features_seen = detector.features_seen();
    run.seconds = static_cast<double>(features.size());
    return run;
}

}  // namespace attune::session
