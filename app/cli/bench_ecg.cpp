// ECG benchmarks:
//   `attune bench accuracy`  - Se / +P of the R-peak detector per annotated record, and RR
//                              against the Polar H10 strap's own RR intervals;
//   `attune bench ecg-speed` - detector throughput at 250/500/1000 Hz, and the whole-process
//                              time and peak memory of `attune analyze` on a one-hour 1000 Hz CSV
//                              (generated in the temp directory, removed afterwards).
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
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

extern char** environ;

namespace attune::cli {
namespace {

// [SECTION] accuracy -------------------------------------------------------------------------

int run_accuracy(const BenchOptions& o) {
    const std::filesystem::path data = o.data_dir;
    std::printf("%-14s %5s %5s %4s %4s %8s %8s   %8s %8s %7s  %s\n", "record", "ref", "TP", "FP", "FN",
                "Se%", "+P%", "Se%rd", "+P%rd", "unrd_s", "need");
    signal::BeatScore clean_total;
    int failures = 0;
    try {
        for (const auto& r : session::standard_ecg_records()) {
            const auto s = session::score_ecg_record(data, r);
            const auto& a = s.all;
            std::printf("%-14s %5zu %5zu %4zu %4zu %8.2f %8.2f   %8.2f %8.2f %7.0f  %.1f%%\n", r.name.c_str(),
                        a.tp + a.fn, a.tp, a.fp, a.fn, 100 * a.sensitivity(), 100 * a.positive_predictivity(),
                        100 * s.readable.sensitivity(), 100 * s.readable.positive_predictivity(),
                        s.unreadable_s, 100 * r.required);
            if (r.required >= 0.995) clean_total += a;
        }
        std::printf("%-14s %5zu %5zu %4zu %4zu %8.2f %8.2f   (clean + arrhythmic records, need 99.7%%)\n",
                    "sum", clean_total.tp + clean_total.fn, clean_total.tp, clean_total.fp,
                    clean_total.fn, 100 * clean_total.sensitivity(),
                    100 * clean_total.positive_predictivity());
        std::printf("(rd = only seconds the quality index calls readable, SQI >= %.1f; tolerance 150 ms)\n",
                    static_cast<double>(session::kReadableSqi));
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

double detector_samples_per_s(double fs, std::size_t total_samples) {
    const auto x = synthetic_ecg(fs, 120.0);
    signal::Pantompkins1985 detector(fs);
    std::size_t beats = 0, done = 0;
    // CPU time of this thread: the machine may be shared, and waiting for a core is not work.
    const double t0 = thread_cpu_s();
    while (done < total_samples) {
        for (float v : x)
            if (detector.push(v)) beats += detector.ready_beats().size();
        done += x.size();
    }
    const double s = thread_cpu_s() - t0;
    if (beats == 0) std::fprintf(stderr, "ecg-speed: no beats detected?\n");
    return static_cast<double>(done) / s;
}

bool write_hour_csv(const std::filesystem::path& p) {
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f) return false;
    std::fputs("sample,ecg_mv\n", f);
    const auto minute = synthetic_ecg(1000.0, 60.0);
    char buf[64];
    std::size_t n = 0;
    for (int m = 0; m < 60; ++m)
        for (float v : minute) {
            char* e = std::to_chars(buf, buf + 32, n++).ptr;
            *e++ = ',';
            e = std::to_chars(e, buf + 64, v, std::chars_format::fixed, 4).ptr;
            *e++ = '\n';
            std::fwrite(buf, 1, static_cast<std::size_t>(e - buf), f);
        }
    return std::fclose(f) == 0;
}

int run_speed(const BenchOptions& o) {
    const std::size_t total = o.quick ? 2'000'000 : 50'000'000;
    std::printf("%-10s %16s %18s   (one core, thread CPU time)\n", "rate", "samples/s", "x real time");
    for (double fs : {250.0, 500.0, 1000.0}) {
        const double sps = detector_samples_per_s(fs, total);
        std::printf("%7.0f Hz %16.3g %18.0f\n", fs, sps, sps / fs);
    }
    if (o.quick) return 0;

    const auto dir = std::filesystem::temp_directory_path() / ("attune_bench_ecg_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto csv = dir / "hour_1000hz.csv";
    if (!write_hour_csv(csv)) {
        std::fprintf(stderr, "ecg-speed: cannot write %s\n", csv.c_str());
        return 1;
    }
    const auto size_mb = static_cast<double>(std::filesystem::file_size(csv)) / 1e6;
    const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string out = (dir / "out").string();
    std::vector<std::string> args{exe, "analyze", csv.string(), "--fs", "1000", "--ecg", "ecg_mv", "--out", out};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    double best = 1e9, best_cpu = 1e9;
    long rss_kb = 0;
    for (int rep = 0; rep < 3; ++rep) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        pid_t pid = 0;
        const auto t0 = std::chrono::steady_clock::now();
        if (posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
            std::fprintf(stderr, "ecg-speed: cannot start %s\n", exe.c_str());
            return 1;
        }
        int status = 0;
        rusage usage{};
        wait4(pid, &status, 0, &usage);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        posix_spawn_file_actions_destroy(&actions);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "ecg-speed: attune analyze failed\n");
            return 1;
        }
        best = std::min(best, s);
        const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                           1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
        best_cpu = std::min(best_cpu, cpu);
        rss_kb = std::max(rss_kb, usage.ru_maxrss);
    }
    std::printf("attune analyze, 1 h at 1000 Hz (3.6 M rows, %.0f MB CSV): whole process %.3f s wall, "
                "%.3f s CPU (best of 3), peak RSS %.1f MB\n",
                size_mb, best, best_cpu, static_cast<double>(rss_kb) / 1024.0);
    std::filesystem::remove_all(dir);
    return 0;
}

const BenchRegistration kAccuracy{"accuracy", "ECG R-peak detector Se / +P per annotated record, H10 RR",
                                  run_accuracy};
const BenchRegistration kEcgSpeed{"ecg-speed", "ECG detector throughput and `attune analyze` time / memory",
                                  run_speed};

}  // namespace
}  // namespace attune::cli
