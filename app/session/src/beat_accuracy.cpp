// Detector accuracy on the annotated recordings; see beat_accuracy.hpp.
#include "attune/session/beat_accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

RecordScore score_ecg_signal(const std::string& name, std::span<const float> ecg, double fs_hz,
                             std::span<const double> reference, const signal::EcgPeaksConfig& config) {
    const auto result = signal::ecg_peaks_pantompkins1985(ecg, fs_hz, config);
    RecordScore s;
    s.name = name;
    s.duration_s = static_cast<double>(ecg.size()) / fs_hz;
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

RecordScore score_ecg_record(const std::filesystem::path& data_dir, const AnnotatedRecord& record,
                             const signal::EcgPeaksConfig& config) {
    const auto values = load_column(data_dir / (record.name + "_ecg.csv"), record.column);
    const auto reference = load_reference_beats(data_dir / (record.name + "_beats.csv"));
    const std::vector<float> ecg(values.begin(), values.end());
    return score_ecg_signal(record.name, ecg, record.fs_hz, reference, config);
}

// [SECTION] Noise stress on other records ----------------------------------------------------

std::vector<float> nstdb_em_noise(const std::filesystem::path& data_dir) {
    // 118e12 and 118e06 hold the same ECG and the same noise waveform at 12 and 6 dB from
    // second 40 on: their difference is half the 6 dB noise.
    const auto e12 = load_column(data_dir / "nstdb_118e12_ecg.csv", "mlii_mv");
    const auto e06 = load_column(data_dir / "nstdb_118e06_ecg.csv", "mlii_mv");
    const std::size_t from = 41 * 360, n = std::min(e12.size(), e06.size());
    if (n <= from + 360) throw std::runtime_error("nstdb 118e06/e12: too short for the noise");
    std::vector<float> noise;
    double mean = 0.0;
    for (std::size_t i = from; i < n; ++i) mean += 2.0 * (e06[i] - e12[i]);
    mean /= static_cast<double>(n - from);
    for (std::size_t i = from; i < n; ++i) noise.push_back(static_cast<float>(2.0 * (e06[i] - e12[i]) - mean));
    return noise;
}

double median_qrs_amplitude(std::span<const float> ecg, double fs_hz, std::span<const double> reference) {
    std::vector<double> ptp;
    const auto half = static_cast<std::ptrdiff_t>(0.05 * fs_hz);
    for (double t : reference) {
        const auto c = static_cast<std::ptrdiff_t>(t * fs_hz);
        if (c - half < 0 || c + half >= static_cast<std::ptrdiff_t>(ecg.size())) continue;
        const auto [lo, hi] = std::minmax_element(ecg.begin() + (c - half), ecg.begin() + (c + half + 1));
        ptp.push_back(static_cast<double>(*hi - *lo));
    }
    if (ptp.empty()) return 0.0;
    std::nth_element(ptp.begin(), ptp.begin() + static_cast<std::ptrdiff_t>(ptp.size() / 2), ptp.end());
    return ptp[ptp.size() / 2];
}

RecordScore score_noise_stress(const std::filesystem::path& data_dir, const AnnotatedRecord& record,
                               double snr_db, const signal::EcgPeaksConfig& config) {
    const auto values = load_column(data_dir / (record.name + "_ecg.csv"), record.column);
    const auto reference = load_reference_beats(data_dir / (record.name + "_beats.csv"));
    std::vector<float> ecg(values.begin(), values.end());
    const auto noise = nstdb_em_noise(data_dir);
    // NSTDB's SNR: signal power = (peak-to-peak QRS amplitude)^2 / 8, noise power = mean square.
    const double qrs = median_qrs_amplitude(ecg, record.fs_hz, reference);
    double noise_power = 0.0;
    for (float v : noise) noise_power += static_cast<double>(v) * v;
    noise_power /= static_cast<double>(noise.size());
    const double gain = std::sqrt(qrs * qrs / 8.0 / std::pow(10.0, snr_db / 10.0) / noise_power);
    // Clean for the first minute (the detector learns), then the noise played forwards and
    // backwards in turn, so that no step appears where it repeats.
    const std::size_t clean = static_cast<std::size_t>(60.0 * record.fs_hz), period = noise.size();
    for (std::size_t i = clean; i < ecg.size(); ++i) {
        const std::size_t k = (i - clean) % (2 * period);
        const float v = k < period ? noise[k] : noise[2 * period - 1 - k];
        ecg[i] += static_cast<float>(gain) * v;
    }
    char label[64];
    std::snprintf(label, sizeof label, "%s+em%.0fdB", record.name.c_str(), snr_db);
    return score_ecg_signal(label, ecg, record.fs_hz, reference, config);
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

// [SECTION] PPG against the simultaneous ECG ------------------------------------------------

PpgScore score_ppg_against_ecg(std::span<const float> ppg, double ppg_fs_hz, std::span<const float> ecg,
                               double ecg_fs_hz, signal::TimeSpan window) {
    PpgScore s;
    std::vector<double> r_peaks, pulse_peaks;
    const auto beats = signal::ecg_peaks_pantompkins1985(ecg, ecg_fs_hz).beats;
    s.ecg_beats = beats.size();
    for (const auto& b : beats)
        if (b.quality != signal::BeatQuality::Artifact) r_peaks.push_back(b.time_s);
    const auto pulses = signal::ppg_peaks(ppg, signal::Hz{ppg_fs_hz});
    s.pulses = pulses.size();
    for (const auto& p : pulses) {
        const bool in_window = p.peak_time_s >= window.start_s + kPulseArrivalMinS && p.peak_time_s < window.end_s + kPulseArrivalMaxS;
        if (p.quality == signal::BeatQuality::Artifact) s.artifact_pulses += in_window;
        else pulse_peaks.push_back(p.peak_time_s);
    }
    auto excluded = signal::irregular_reference_spans(r_peaks);
    s.scored_s = window.end_s - window.start_s;
    for (const auto& span : excluded)
        s.excluded_s += std::max(0.0, std::min(span.end_s, window.end_s) - std::max(span.start_s, window.start_s));
    constexpr double kForever = 1e12;
    excluded.push_back({-kForever, window.start_s});
    excluded.push_back({window.end_s, kForever});
    const double half_width = (kPulseArrivalMaxS - kPulseArrivalMinS) / 2;
    s.beats = signal::score_beats(r_peaks, pulse_peaks, {half_width, excluded, kPulseArrivalMinS + half_width});
    return s;
}

PpgScore score_neurokit_resting_ppg(const std::filesystem::path& data_dir) {
    const auto file = data_dir / "neurokit_bio_resting_5min_100hz.csv";
    const auto ppg = load_column(file, "PPG"), ecg = load_column(file, "ECG");
    const std::vector<float> ppg_f(ppg.begin(), ppg.end()), ecg_f(ecg.begin(), ecg.end());
    return score_ppg_against_ecg(ppg_f, 100.0, ecg_f, 100.0, {5.0, 220.0});
}

}  // namespace attune::session
