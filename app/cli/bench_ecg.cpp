// ECG benchmarks:
//   `attune bench accuracy`  - Se / +P of the R-peak detector per annotated record, and RR
//                              against the Polar H10 strap's own RR intervals;
//   `attune bench ecg-speed` - detector throughput at 250/500/1000 Hz (the whole-process time
//                              and memory of `attune analyze` is `attune bench analyze-speed`,
//                              bench_analyze.cpp).
#include <ctime>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <vector>

#include "attune/session/beat_accuracy.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

// [SECTION] accuracy -------------------------------------------------------------------------

void print_row(const session::RecordScore& s, const char* need) {
    const auto& a = s.all;
    std::printf("%-17s %5zu %5zu %4zu %4zu %8.2f %8.2f   %8.2f %8.2f %7.0f  %s\n", s.name.c_str(), a.tp + a.fn,
                a.tp, a.fp, a.fn, 100 * a.sensitivity(), 100 * a.positive_predictivity(),
                100 * s.readable.sensitivity(), 100 * s.readable.positive_predictivity(), s.unreadable_s, need);
}

// The records without noise, with the electrode-motion noise of nstdb 118 added from second 60
// on at NSTDB's SNRs: a check on records the detector was not developed on.
void print_noise_stress(const std::filesystem::path& data) {
    std::printf("noise stress (nstdb 118 electrode-motion noise added from 60 s, no target):\n");
    for (const auto& r : session::standard_ecg_records()) {
        if (r.name.rfind("mitdb_", 0) != 0 || r.required < 0.995) continue;
        for (double snr : {24.0, 12.0, 6.0}) print_row(session::score_noise_stress(data, r, snr), "-");
    }
}

int run_accuracy(const BenchOptions& o) {
    const std::filesystem::path data = o.data_dir;
    std::printf("%-17s %5s %5s %4s %4s %8s %8s   %8s %8s %7s  %s\n", "record", "ref", "TP", "FP", "FN",
                "Se%", "+P%", "Se%rd", "+P%rd", "unrd_s", "need");
    signal::BeatScore clean_total;
    int failures = 0;
    try {
        for (const auto& r : session::standard_ecg_records()) {
            const auto s = session::score_ecg_record(data, r);
            char need[16];
            std::snprintf(need, sizeof need, "%.1f%%", 100 * r.required);
            print_row(s, need);
            if (r.required >= 0.995) clean_total += s.all;
        }
        std::printf("%-17s %5zu %5zu %4zu %4zu %8.2f %8.2f   (clean + arrhythmic records, need 99.7%%)\n",
                    "sum", clean_total.tp + clean_total.fn, clean_total.tp, clean_total.fp,
                    clean_total.fn, 100 * clean_total.sensitivity(),
                    100 * clean_total.positive_predictivity());
        std::printf("(rd = only seconds the quality index calls readable, SQI >= %.1f; tolerance 150 ms)\n",
                    static_cast<double>(session::kReadableSqi));
        print_noise_stress(data);
        const auto h10 = session::compare_polar_h10_rr(data);
        std::printf("polar_h10_a: beats TP %zu FP %zu FN %zu; RR within 10 ms of the strap: %zu / %zu = %.1f%% (need 95%%)\n",
                    h10.beats.tp, h10.beats.fp, h10.beats.fn, h10.within_10ms, h10.intervals,
                    100 * h10.fraction_within());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "accuracy: %s\n", e.what());
        ++failures;
    }
    return failures == 0 ? 0 : 1;
}

// [SECTION] ecg-speed ------------------------------------------------------------------------

// A plain synthetic ECG (Gaussian P-QRS-T at 72 bpm, small noise) for timing.
std::vector<float> synthetic_ecg(double fs, double seconds) {
    std::vector<float> x(static_cast<std::size_t>(fs * seconds));
    std::uint32_t seed = 12345;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / fs;
        const double phase = std::fmod(t, 0.833) - 0.4;
        auto g = [&](double at, double w, double a) { return a * std::exp(-0.5 * std::pow((phase - at) / w, 2)); };
        seed = seed * 1664525u + 1013904223u;
        const double noise = (static_cast<double>(seed >> 8) / 16777216.0 - 0.5) * 0.02;
        x[i] = static_cast<float>(g(-0.16, 0.025, 0.15) + g(0, 0.01, 1.2) + g(0.025, 0.008, -0.3) +
                                  g(0.25, 0.05, 0.3) + 0.1 * std::sin(2 * std::numbers::pi * 0.25 * t) + noise);
    }
    return x;
}

double thread_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Samples per CPU second of the detector over total_samples of synthetic ECG, through
// push_block() (the fast path the batch form uses) or push() sample by sample.
double detector_samples_per_s(double fs, std::size_t total_samples, bool blocks) {
    const auto x = synthetic_ecg(fs, 120.0);
    signal::Pantompkins1985 detector(fs);
    std::size_t beats = 0, done = 0;
    auto count = [&](const signal::Pantompkins1985& d) { beats += d.ready_beats().size(); };
    // CPU time of this thread: the machine may be shared, and waiting for a core is not work.
    const double t0 = thread_cpu_s();
    while (done < total_samples) {
        if (blocks) {
            detector.push_block(x, count);
        } else {
            for (float v : x)
                if (detector.push(v)) count(detector);
        }
        done += x.size();
    }
    const double s = thread_cpu_s() - t0;
    if (beats == 0) std::fprintf(stderr, "ecg-speed: no beats detected?\n");
    return static_cast<double>(done) / s;
}

int run_speed(const BenchOptions& o) {
    const std::size_t total = o.quick ? 2'000'000 : 50'000'000;
    std::printf("%-10s %16s %18s %16s   (one core, thread CPU time)\n", "rate", "samples/s", "x real time",
                "push() samples/s");
    for (double fs : {250.0, 500.0, 1000.0}) {
        const double sps = detector_samples_per_s(fs, total, true);
        const double single = detector_samples_per_s(fs, total / 5, false);
        std::printf("%7.0f Hz %16.3g %18.0f %16.3g\n", fs, sps, sps / fs, single);
    }
    std::printf("(samples/s: push_block(), as the batch form and `attune analyze` use; push(): one sample per call)\n");
    return 0;
}

const BenchRegistration kAccuracy{"accuracy", "ECG R-peak detector Se / +P per annotated record, H10 RR",
                                  run_accuracy};
const BenchRegistration kEcgSpeed{"ecg-speed", "ECG R-peak detector throughput at 250/500/1000 Hz",
                                  run_speed};

}  // namespace
}  // namespace attune::cli
