// HRV benchmarks:
//   `attune bench hrv-accuracy` - HRV from the project's detected ECG beats against the same
//                                 chain on the annotated beats (MIT-BIH), PVCs flagged by the RR
//                                 cleaning, PPG pulses against the simultaneous ECG;
//   `attune bench hrv-speed`    - throughput of the PPG detector, RR cleaning (batch and live),
//                                 HRV spectrum and coherence on generated data.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "attune/session/beat_accuracy.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/hrv.hpp"
#include "attune/signal/ppg_peaks.hpp"
#include "attune/signal/rr_cleaning.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

// [SECTION] small CSV column reader (benchmark input only; the analyzer has the fast one)

std::vector<std::string> text_column(const std::filesystem::path& file, const std::string& name) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot open " + file.string());
    std::string line, cell;
    std::getline(in, line);
    std::stringstream header(line);
    int index = -1;
    for (int i = 0; std::getline(header, cell, ','); ++i)
        if (cell == name) index = i;
    if (index < 0) throw std::runtime_error("no column " + name + " in " + file.string());
    std::vector<std::string> out;
    while (std::getline(in, line)) {
        std::stringstream row(line);
        for (int i = 0; std::getline(row, cell, ','); ++i)
            if (i == index) out.push_back(cell);
    }
    return out;
}

std::vector<float> float_column(const std::filesystem::path& file, const std::string& name) {
    std::vector<float> v;
    for (const auto& s : text_column(file, name)) v.push_back(std::strtof(s.c_str(), nullptr));
    return v;
}

std::vector<double> double_column(const std::filesystem::path& file, const std::string& name) {
    std::vector<double> v;
    for (const auto& s : text_column(file, name)) v.push_back(std::strtod(s.c_str(), nullptr));
    return v;
}

std::vector<double> good_beat_times(std::span<const float> ecg, double fs) {
    std::vector<double> t;
    for (const signal::Beat& b : signal::ecg_peaks_pantompkins1985(ecg, fs).beats)
        if (b.quality != signal::BeatQuality::Artifact) t.push_back(b.time_s);
    return t;
}

std::vector<double> between(const std::vector<double>& t, double a, double b) {
    std::vector<double> out;
    for (double v : t)
        if (v >= a && v <= b) out.push_back(v);
    return out;
}

double percent_off(double got, double want) { return 100.0 * std::abs(got - want) / std::abs(want); }

// [SECTION] hrv-accuracy

int run_accuracy(const BenchOptions& o) {
    const std::filesystem::path data = o.data_dir;
    try {
        std::printf("HRV from detected vs annotated beats (MIT-BIH 10-590 s; need <= 2 %% time "
                    "domain, <= 5 %% LF/HF)\n");
        std::printf("%-6s %9s %17s %17s %17s %15s %5s\n", "record", "beats", "MeanNN ms (off%)",
                    "SDNN ms (off%)", "RMSSD ms (off%)", "LF/HF (off%)", "pass");
        for (const char* record : {"100", "106", "116", "119"}) {
            const std::string stem = std::string("mitdb_") + record;
            const auto annotated = between(double_column(data / (stem + "_beats.csv"), "time_s"), 10, 590);
            const auto ecg = float_column(data / (stem + "_ecg.csv"), "mlii_mv");
            const auto detected = between(good_beat_times(ecg, 360.0), 10, 590);
            const auto ca = signal::lipponen2019(annotated), cd = signal::lipponen2019(detected);
            const auto ta = signal::hrv_time(ca.nn_ms), td = signal::hrv_time(cd.nn_ms);
            const auto fa = signal::hrv_frequency(ca.nn_times_s, ca.nn_ms);
            const auto fd = signal::hrv_frequency(cd.nn_times_s, cd.nn_ms);
            const double e1 = percent_off(td.mean_nn_ms, ta.mean_nn_ms);
            const double e2 = percent_off(td.sdnn_ms, ta.sdnn_ms);
            const double e3 = percent_off(td.rmssd_ms, ta.rmssd_ms);
            const double e4 = percent_off(fd.lf_hf, fa.lf_hf);
            const bool pass = e1 <= 2 && e2 <= 2 && e3 <= 2 && e4 <= 5;
            std::printf("%-6s %4zu/%-4zu %9.1f (%4.2f) %9.2f (%4.2f) %9.2f (%4.2f) %7.3f (%4.2f) %5s\n",
                        record, detected.size(), annotated.size(), td.mean_nn_ms, e1, td.sdnn_ms, e2,
                        td.rmssd_ms, e3, fd.lf_hf, e4, pass ? "yes" : "NO");
        }

        std::printf("\nPVCs flagged by Lipponen 2019 RR cleaning (annotated beats)\n");
        std::printf("%-6s %12s %16s\n", "record", "PVC flagged", "normal flagged");
        for (const char* record : {"106", "116", "119"}) {
            const auto file = data / (std::string("mitdb_") + record + "_beats.csv");
            const auto times = double_column(file, "time_s");
            const auto labels = text_column(file, "label");
            std::vector<double> rr;
            for (std::size_t i = 1; i < times.size(); ++i) rr.push_back((times[i] - times[i - 1]) * 1000.0);
            const auto cls = signal::classify_lipponen2019(rr);
            std::size_t pvc = 0, found = 0, normal = 0, false_flags = 0;
            for (std::size_t b = 1; b + 1 < times.size(); ++b) {
                const bool flagged = cls[b - 1] != signal::RrArtifact::None || cls[b] != signal::RrArtifact::None;
                if (labels[b] == "V") {
                    ++pvc;
                    found += flagged;
                } else if (labels[b - 1] != "V" && labels[b + 1] != "V") {
                    ++normal;
                    false_flags += cls[b - 1] != signal::RrArtifact::None;
                }
            }
            std::printf("%-6s %6zu/%-5zu %8zu/%-7zu\n", record, found, pvc, false_flags, normal);
        }

        const auto ppg = session::score_neurokit_resting_ppg(data);
        std::printf("\nPPG pulses (Elgendi 2013) against the simultaneous ECG's beats, NeuroKit resting "
                    "5-220 s, pulse 100-600 ms after its beat, %.0f of %.0f s left out where the ECG "
                    "reference is irregular:\n  TP %zu  FP %zu  FN %zu  Se %.2f%%  +P %.2f%%  (%zu pulses "
                    "flagged as artifacts)\n",
                    ppg.excluded_s, ppg.scored_s, ppg.beats.tp, ppg.beats.fp, ppg.beats.fn,
                    100 * ppg.beats.sensitivity(), 100 * ppg.beats.positive_predictivity(), ppg.artifact_pulses);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hrv-accuracy: %s\n", e.what());
        return 1;
    }
    return 0;
}

// [SECTION] hrv-speed

template <typename Fn>
double seconds_of(Fn&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_speed(const BenchOptions& o) {
    const int reps = o.quick ? 1 : 3;
    std::printf("%-44s %14s %14s\n", "processor", "items/s", "x real time");
    for (double fs : {25.0, 100.0, 500.0}) {
        const double seconds = o.quick ? 60.0 : 600.0;
        std::vector<float> ppg(static_cast<std::size_t>(seconds * fs));
        for (std::size_t i = 0; i < ppg.size(); ++i) {
            const double t = static_cast<double>(i) / fs;
            const double phase = std::fmod(t * 1.2, 1.0);
            ppg[i] = static_cast<float>(std::exp(-0.5 * std::pow((phase - 0.3) / 0.08, 2)));
        }
        std::size_t found = 0;
        double best = 1e9;
        for (int r = 0; r < reps; ++r)
            best = std::min(best, seconds_of([&] { found = signal::ppg_peaks(ppg, signal::Hz{fs}).size(); }));
        char label[64];
        std::snprintf(label, sizeof label, "PPG pulses, %g Hz (%zu pulses)", fs, found);
        std::printf("%-44s %14.3g %14.3g\n", label, static_cast<double>(ppg.size()) / best, seconds / best);
    }
    // A day of beats with RSA and 2 % ectopic beats.
    const std::size_t beats_n = o.quick ? 10000 : 100000;
    std::vector<signal::Beat> beats;
    double t = 0.0;
    for (std::size_t i = 0; i < beats_n; ++i) {
        double rr = 850.0 + 50.0 * std::sin(2 * std::numbers::pi * 0.25 * t) +
                    40.0 * std::sin(2 * std::numbers::pi * 0.1 * t);
        if (i % 50 == 25) rr *= 0.65;
        t += rr / 1000.0;
        beats.push_back({t, rr, 1.0f, signal::BeatQuality::Good});
    }
    const double span_s = t;
    signal::RrCleaningResult cleaned;
    double s = seconds_of([&] { cleaned = signal::lipponen2019(beats); });
    std::printf("%-44s %14.3g %14.3g\n", "RR cleaning, batch (beats)", beats_n / s, span_s / s);
    std::size_t live = 0;
    s = seconds_of([&] { live = signal::clean_rr_streaming(beats).size(); });
    std::printf("%-44s %14.3g %14.3g\n", "RR cleaning, live RrCleaner (beats)", beats_n / s, span_s / s);
    signal::HrvFrequency f;
    s = seconds_of([&] { f = signal::hrv_frequency(cleaned.nn_times_s, cleaned.nn_ms); });
    std::printf("%-44s %14.3g %14.3g\n", "HRV spectrum, whole record (beats)", beats_n / s, span_s / s);
    std::size_t updates = 0;
    s = seconds_of([&] { updates = signal::coherence_series(cleaned.nn_times_s, cleaned.nn_ms).size(); });
    std::printf("%-44s %14.3g %14.3g\n", "coherence, 64 s window every 5 s (updates)", updates / s, span_s / s);
    std::printf("(%zu beats over %.1f h; LF/HF %.2f; %zu live NN intervals)\n", beats_n, span_s / 3600.0,
                f.lf_hf, live);
    return 0;
}

const BenchRegistration kHrvAccuracy{"hrv-accuracy",
                                     "HRV from detected vs annotated beats, PVC flags, PPG vs ECG",
                                     run_accuracy};
const BenchRegistration kHrvSpeed{"hrv-speed", "PPG detector, RR cleaning, HRV spectrum, coherence throughput",
                                  run_speed};

}  // namespace
}  // namespace attune::cli
