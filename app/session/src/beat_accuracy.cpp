// Detector accuracy on the annotated recordings; see beat_accuracy.hpp.
#include "attune/session/beat_accuracy.hpp"

#include <cmath>
#include <stdexcept>

#include "attune/session/csv_reader.hpp"

namespace attune::session {

std::vector<AnnotatedRecord> standard_ecg_records() {
    return {{"mitdb_100", "mlii_mv", 360.0, 0.995},    {"mitdb_106", "mlii_mv", 360.0, 0.995},
            {"mitdb_116", "mlii_mv", 360.0, 0.995},    {"mitdb_119", "mlii_mv", 360.0, 0.995},
            {"nstdb_118e24", "mlii_mv", 360.0, 0.995}, {"mitdb_105", "mlii_mv", 360.0, 0.97},
            {"nstdb_118e12", "mlii_mv", 360.0, 0.97},  {"nstdb_118e06", "mlii_mv", 360.0, 0.90}};
}

std::vector<double> load_column(const std::filesystem::path& csv, const std::string& column) {
    CsvReader reader(csv);
    reader.select({reader.require(column)});
    std::vector<double> out;
    double v[1];
    while (reader.next(v)) out.push_back(v[0]);
    return out;
}

std::vector<double> load_reference_beats(const std::filesystem::path& beats_csv) {
    CsvReader reader(beats_csv);
    const auto is_beat = reader.find("is_beat");
    std::vector<std::size_t> cols{reader.require("time_s")};
    if (is_beat) cols.push_back(*is_beat);
    reader.select(cols);
    std::vector<double> out;
    double v[2];
    while (reader.next(v))
        if (!is_beat || v[1] == 1.0) out.push_back(v[0]);
    return out;
}

RecordScore score_ecg_record(const std::filesystem::path& data_dir, const AnnotatedRecord& record,
                             const signal::EcgPeaksConfig& config) {
    const auto values = load_column(data_dir / (record.name + "_ecg.csv"), record.column);
    const auto reference = load_reference_beats(data_dir / (record.name + "_beats.csv"));
    std::vector<float> ecg(values.begin(), values.end());
    const auto result = signal::ecg_peaks_pantompkins1985(ecg, record.fs_hz, config);

    RecordScore s;
    s.name = record.name;
    s.duration_s = static_cast<double>(ecg.size()) / record.fs_hz;
    std::vector<double> detected;
    for (const auto& b : result.beats) {
        if (b.quality == signal::BeatQuality::Artifact) ++s.artifact_beats;
        else detected.push_back(b.time_s);
    }
    std::vector<signal::TimeSpan> unreadable;
    for (const auto& q : result.quality) {
        if (q.sqi >= kReadableSqi) continue;
        const double start = static_cast<double>(q.second), end = start + 1.0;
        if (!unreadable.empty() && unreadable.back().end_s >= start) unreadable.back().end_s = end;
        else unreadable.push_back({start, end});
        s.unreadable_s += 1.0;
    }
    s.all = signal::score_beats(reference, detected);
    s.readable = signal::score_beats(reference, detected, {0.150, unreadable});
    return s;
}

StrapRrComparison compare_polar_h10_rr(const std::filesystem::path& data_dir,
                                       const signal::EcgPeaksConfig& config) {
    const auto ecg_file = data_dir / "polar_h10_a_ecg.csv";
    const auto t = load_column(ecg_file, "t_s");
    const auto mv = load_column(ecg_file, "ecg_mv");
    const auto strap_rr = load_column(data_dir / "polar_h10_a_rr.csv", "rr_ms");
    if (t.size() < 2) throw std::runtime_error(ecg_file.string() + ": too short");
    const double fs = static_cast<double>(t.size() - 1) / (t.back() - t.front());
    std::vector<float> ecg(mv.begin(), mv.end());
    const auto result = signal::ecg_peaks_pantompkins1985(ecg, fs, config);

    // Beat times on the strap's own sample clock (t_s), interpolated at the sub-sample peak.
    std::vector<double> detected;
    for (const auto& b : result.beats) {
        if (b.quality == signal::BeatQuality::Artifact) continue;
        const double s = b.time_s * fs;
        const auto i = static_cast<std::size_t>(s);
        const double frac = s - static_cast<double>(i);
        detected.push_back(i + 1 < t.size() ? t[i] + (t[i + 1] - t[i]) * frac : t.back());
    }
    // The strap's beat times are only known up to a constant (cumulative RR): find the offset
    // that lines up most beats (50 ms tolerance, 2 ms steps over +-2 s).
    auto strap_times = [&](double offset) {
        std::vector<double> times;
        double acc = offset;
        for (double rr : strap_rr) times.push_back(acc += rr / 1000.0);
        return times;
    };
    StrapRrComparison c;
    std::size_t best = 0;
    for (double off = -2.0; off <= 2.0; off += 0.002) {
        const auto n = signal::match_beats(strap_times(off), detected, 0.05).size();
        if (n > best) {
            best = n;
            c.offset_s = off;
        }
    }
    const auto ref = strap_times(c.offset_s);
    c.beats = signal::score_beats(ref, detected);
    const auto pairs = signal::match_beats(ref, detected, 0.150);
    for (std::size_t k = 1; k < pairs.size(); ++k) {
        if (pairs[k].reference != pairs[k - 1].reference + 1 || pairs[k].detected != pairs[k - 1].detected + 1) continue;
        const double ours = (detected[pairs[k].detected] - detected[pairs[k - 1].detected]) * 1000.0;
        ++c.intervals;
        if (std::fabs(ours - strap_rr[pairs[k].reference]) <= 10.0) ++c.within_10ms;
    }
    return c;
}

}  // namespace attune::session
