// `attune bench breathing`: breath detection and breathing rate against the reference breaths
// made for the real recordings, the simulated partners' ground truth, the ECG/RR-derived rate
// against the belt, and the belt processor's speed. Prints the figures the README keeps.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "attune/session/csv_reader.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_derived.hpp"
#include "attune/signal/rsp_scoring.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

using namespace attune::signal;

// [SECTION] Reading the recordings and their reference files

std::vector<float> read_column(const std::string& path, const std::string& column) {
    session::CsvReader reader(path);
    reader.select({reader.require(column)});
    std::vector<float> out;
    double v = 0.0;
    while (reader.next(std::span<double>(&v, 1))) out.push_back(static_cast<float>(v));
    return out;
}

std::vector<std::vector<std::string>> read_rows(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        if (cells.size() >= 2) rows.push_back(std::move(cells));
    }
    return rows;
}

std::vector<TimedBreath> read_breaths(const std::string& path) {
    std::vector<TimedBreath> out;
    for (const auto& r : read_rows(path))
        out.push_back({std::stod(r[0]), r[1] == "inhale" ? RspEventKind::Inhale : RspEventKind::Exhale});
    return out;
}

std::vector<TimeSegment> read_segments(const std::string& path) {
    std::vector<TimeSegment> out;
    for (const auto& r : read_rows(path)) out.push_back({std::stod(r[0]), std::stod(r[1])});
    return out;
}

std::vector<TimedBreath> timed(const std::vector<RspEvent>& events) {
    std::vector<TimedBreath> out;
    for (const auto& e : events) out.push_back({e.time_s, e.kind});
    return out;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// [SECTION] Belt breaths against the reference breaths

void bench_real_belt(const std::string& dir) {
    struct Rec {
        const char* stem;
        const char* column;
        double fs;
    };
    std::printf("Belt / impedance breaths vs reference breaths (excluded segments not scored)\n");
    std::printf("  %-34s %6s %5s %4s %4s %7s %9s %12s %11s\n", "recording", "F1", "TP", "FP", "FN",
                "tol s", "|dt| s", "latency p50/p95", "rate MAE");
    for (const Rec& r : {Rec{"neurokit_bio_resting_5min_100hz", "RSP", 100.0},
                         Rec{"cinc2015_v102s", "resp_nu", 250.0}}) {
        const std::string base = dir + "/" + r.stem;
        const auto x = read_column(base + ".csv", r.column);
        const auto ref = read_breaths(base + "_breaths.csv");
        const auto excl = read_segments(base + "_excluded.csv");
        const auto result = rsp_process(x, Hz{r.fs});
        const auto det = timed(result.events);
        const auto s = score_breaths(ref, det, excl, breath_tolerance_s(ref));
        const auto rates = compare_rates(ref, det, excl, 0.0, static_cast<double>(x.size()) / r.fs);
        std::vector<double> latency;
        for (const auto& e : result.events) latency.push_back(e.detected_s - e.time_s);
        std::printf("  %-34s %6.3f %5zu %4zu %4zu %7.2f %9.3f %6.2f/%.2f s %6.2f/min (%zu windows of 60 s)\n", r.stem,
                    s.f1, s.true_positives, s.false_positives, s.false_negatives, s.tolerance_s,
                    s.mean_abs_error_s, percentile(latency, 0.5), percentile(latency, 0.95),
                    rates.mean_abs_error_bpm, rates.windows);
    }
}

// [SECTION] Simulated partners (ground truth), with belt noise and baseline wander added

void bench_simulated(bool quick) {
    std::printf("\nSimulated partners (10 min each, arousal episode, sighs, 6/min pacer from minute 5;\n"
                "'artifacts': the model's motion bursts, speech and drift, their stretches not scored)\n");
    std::printf("  %-10s %5s %-10s %7s %9s %11s %8s\n", "partner", "seed", "belt", "F1", "|dt| s",
                "rate MAE", "windows");
    const int seeds = quick ? 1 : 4;
    for (int seed = 1; seed <= seeds; ++seed) {
        for (bool artifacts : {false, true}) {
            for (const auto& profile : hardware::default_couple()) {
                hardware::SimulationConfig cfg;
                cfg.seed = static_cast<std::uint64_t>(seed);
                cfg.artifacts = artifacts;
                hardware::PartnerModel model(profile, cfg);
                RspProcessor proc({}, Hz{cfg.resp_rate_hz});
                std::vector<TimedBreath> det, truth;
                for (double t = 1.0; t <= 600.0; t += 1.0) {
                    if (t == 300.0) model.set_pacer(hardware::PacerTarget{6.0, 0.4});
                    for (const auto& chunk : model.advance_to(t)) {
                        if (chunk.channel != hardware::kSimResp) continue;
                        for (std::size_t i = 0; i < chunk.values.size(); ++i)
                            if (auto e = proc.push(chunk.time_of(i), chunk.values[i]))
                                det.push_back({e->time_s, e->kind});
                    }
                }
                const auto& gt = model.ground_truth();
                for (const auto& b : gt.breaths)
                    truth.push_back({b.time_s, b.inhale ? RspEventKind::Inhale : RspEventKind::Exhale});
                std::vector<TimeSegment> skip{{0.0, 5.0}, {598.0, 700.0}};
                for (const auto& a : gt.artifacts)
                    if (a.channels & (1u << hardware::kSimResp)) skip.push_back({a.start_s - 1.0, a.end_s + 1.0});
                const auto s = score_breaths(truth, det, skip, breath_tolerance_s(truth));
                const auto r = compare_rates(truth, det, skip, 0.0, 600.0);
                std::printf("  %-10s %5d %-10s %7.3f %9.3f %7.2f/min %8zu\n", profile.name.c_str(), seed,
                            artifacts ? "artifacts" : "clean", s.f1, s.mean_abs_error_s,
                            r.mean_abs_error_bpm, r.windows);
            }
        }
    }
}

// [SECTION] ECG/RR-derived rate against the belt

void bench_derived(const std::string& dir) {
    std::printf("\nECG/RR-derived breathing rate vs the belt (32 s windows, every second;\n"
                "beats from the Pan-Tompkins detector)\n");
    std::printf("  %-34s %-10s %9s %13s %9s %9s %12s\n", "recording", "input", "trusted", "within 2/min",
                "MAE", "max", "MAE (all)");
    for (const char* stem : {"neurokit_bio_resting_5min_100hz", "neurokit_bio_eventrelated_100hz"}) {
        const std::string base = dir + "/" + stem;
        const double fs = 100.0;
        const auto ecg = read_column(base + ".csv", "ECG");
        const auto rsp = read_column(base + ".csv", "RSP");
        std::vector<TimeSegment> excl;
        std::ifstream probe(base + "_excluded.csv");
        if (probe) excl = read_segments(base + "_excluded.csv");
        const auto belt = timed(rsp_process(rsp, Hz{fs}).events);
        Pantompkins1985 detector(fs);
        std::vector<Beat> beats;
        for (float v : ecg)
            if (detector.push(v))
                for (const auto& b : detector.ready_beats()) beats.push_back(b);
        if (detector.finish())
            for (const auto& b : detector.ready_beats()) beats.push_back(b);
        for (bool with_ecg : {true, false}) {
            const auto est = with_ecg ? derived_resp_process(ecg, Hz{fs}, beats)
                                      : derived_resp_process({}, Hz{0.0}, beats);
            const auto c = compare_derived(est, belt, excl);
            std::printf("  %-34s %-10s %4zu/%-4zu %13zu %6.2f/min %6.2f/min %8.2f/min\n", stem,
                        with_ecg ? "ECG+RR" : "beats only", c.trusted, c.compared, c.trusted_within,
                        c.trusted_mean_abs_error_bpm, c.trusted_max_abs_error_bpm, c.all_mean_abs_error_bpm);
        }
    }
}

// [SECTION] Speed

void bench_speed(bool quick) {
    const double fs = 500.0;
    const std::size_t n = quick ? 500000 : 5000000;
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(std::sin(2.0 * std::numbers::pi * 0.25 * static_cast<double>(i) / fs));
    RspProcessor proc({}, Hz{fs});
    std::size_t events = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n; ++i)
        if (proc.push(static_cast<double>(i) / fs, x[i])) ++events;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\nSpeed: %.1f M samples/s through RspProcessor at 500 Hz (%.0fx real time), %zu events\n",
                static_cast<double>(n) / s / 1e6, static_cast<double>(n) / fs / s, events);
}

const BenchRegistration kBreathing{
    "breathing", "Breath detection, breathing rate and ECG/RR-derived rate accuracy",
    [](const BenchOptions& o) {
        try {
            bench_real_belt(o.data_dir);
            bench_simulated(o.quick);
            bench_derived(o.data_dir);
            bench_speed(o.quick);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench breathing: %s\n", e.what());
            return 1;
        }
        return 0;
    }};

}  // namespace
}  // namespace attune::cli
