// `attune bench arousal`: the arousal detector against the simulated couple's ground truth
// (many seeds, episodes of several sizes, with and without detector failures) and on the real
// calm recordings, printing the figures the README keeps.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "attune/session/arousal_evaluation.hpp"
#include "attune/session/arousal_real_data.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

using session::ArousalFeatureMode;

constexpr double kDuration = 1800.0;
constexpr double kOnsetWindow = 20.0;

// A different person for every seed: resting values spread like healthy adults at rest.
// Episodes: three per 30 minutes, at least 7 minutes apart, after the 2-minute calibration,
// sizes from +8 to +30 bpm, reaching their peak in rise_lo..rise_hi seconds.
hardware::PartnerProfile random_person(std::uint64_t seed, bool with_episodes, double rise_lo = 10.0,
                                       double rise_hi = 20.0, double fixed_size = 0.0) {
    std::mt19937_64 rng(seed * 7919 + 17);
    auto u = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    hardware::PartnerProfile p;
    p.name = "sim" + std::to_string(seed);
    p.resting_hr_bpm = u(55.0, 85.0);
    p.resp_rate_bpm = u(9.0, 18.0);
    p.resp_depth = u(0.5, 1.5);
    p.rmssd_scale = u(0.5, 1.5);
    if (!with_episodes) return p;
    static constexpr double kSizes[] = {8.0, 10.0, 15.0, 20.0, 30.0};
    double t = u(240.0, 360.0);
    for (int i = 0; i < 3; ++i) {
        hardware::ArousalEpisode e;
        e.start_s = t;
        e.rise_s = u(rise_lo, rise_hi);
        e.hold_s = u(30.0, 120.0);
        e.recover_s = u(60.0, 120.0);
        e.hr_increase_bpm = fixed_size > 0.0 ? fixed_size : kSizes[std::uniform_int_distribution<int>(0, 4)(rng)];
        p.episodes.push_back(e);
        t += u(420.0, 540.0);
    }
    return p;
}

struct Tally {
    int big = 0, big_in_time = 0, big_at_all = 0;
    int small = 0, small_in_time = 0;
    int false_alarms = 0;
    double calm_s = 0.0;
    std::vector<double> latencies;
};

void add(Tally& t, const session::RunScore& s) {
    for (const auto& e : s.episodes) {
        if (e.hr_increase_bpm >= 15.0) {
            ++t.big;
            t.big_in_time += e.detected_in_time;
            t.big_at_all += e.detected_at_all;
            if (e.detected_at_all) t.latencies.push_back(e.latency_s);
        } else {
            ++t.small;
            t.small_in_time += e.detected_in_time;
        }
    }
    t.false_alarms += s.false_alarms;
    t.calm_s += s.calm_s;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

std::string percent(int n, int of) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%5.1f%% (%d)", of ? 100.0 * n / of : 0.0, of);
    return buf;
}

// Runs `seeds` partners with episodes and as many calm ones; returns the tally.
Tally run_seeds(int seeds, ArousalFeatureMode mode, bool artifacts, session::FeatureSource source,
                double rise_lo, double rise_hi, double fixed_size, bool calm_runs) {
    const signal::ArousalConfig config;
    Tally t;
    for (int s = 1; s <= seeds; ++s) {
        const auto seed = static_cast<std::uint64_t>(s);
        const auto ep = session::run_simulated_partner(
            random_person(seed, true, rise_lo, rise_hi, fixed_size), seed, kDuration, config, mode,
            artifacts, {}, source);
        add(t, session::score_run(ep, config.calibration.value, kOnsetWindow));
        if (!calm_runs) continue;
        const auto calm = session::run_simulated_partner(random_person(seed + 1000, false), seed + 1000,
                                                         kDuration, config, mode, artifacts, {}, source);
        add(t, session::score_run(calm, config.calibration.value, kOnsetWindow));
    }
    return t;
}

void print_row(const char* features, const char* source, bool artifacts, const Tally& t) {
    const double fa = t.calm_s > 0 ? t.false_alarms * 1800.0 / t.calm_s : 0.0;
    std::printf("%-20s %-10s %-9s %14s %8.1f s %14s %10.2f %8.0f\n", features, source,
                artifacts ? "yes" : "no", percent(t.big_in_time, t.big).c_str(), median(t.latencies),
                percent(t.small_in_time, t.small).c_str(), fa, t.calm_s / 60.0);
}

int run_bench_arousal(const BenchOptions& o) {
    const int seeds = o.quick ? 4 : 30;
    const signal::ArousalConfig config;
    std::printf("simulated partners: %d seeds x 30 min with 3 episodes each (+8..+30 bpm, rise 10-20 s),\n"
                "plus %d calm 30-min partners; calibration %.0f s; an alarm = rising or high;\n"
                "in time = within %.0f s of the episode start\n\n",
                seeds, seeds, config.calibration.value, kOnsetWindow);
    std::printf("%-20s %-10s %-9s %14s %10s %14s %10s %8s\n", "features", "beats from", "failures",
                ">=15 in 20 s", "latency", "<15 in 20 s", "FA/30min", "calm min");
    bool pass = true;
    using session::FeatureSource;
    for (auto mode : {ArousalFeatureMode::HrOnly, ArousalFeatureMode::HrRmssd, ArousalFeatureMode::All}) {
        for (bool artifacts : {false, true}) {
            const auto t = run_seeds(seeds, mode, artifacts, FeatureSource::GroundTruth, 10.0, 20.0, 0.0, true);
            print_row(std::string(session::to_string(mode)).c_str(), "truth", artifacts, t);
            pass = pass && t.big_in_time >= 0.95 * t.big && t.false_alarms * 1800.0 <= t.calm_s;
        }
    }
    // The project's own detectors on the simulated ECG and belt signals.
    const int detector_seeds = std::max(2, seeds / 3);
    for (bool artifacts : {false, true}) {
        const auto t = run_seeds(detector_seeds, ArousalFeatureMode::All, artifacts,
                                 FeatureSource::Detectors, 10.0, 20.0, 0.0, true);
        print_row("hr+rmssd+breathing", "detectors", artifacts, t);
    }
    std::printf("\nrequired (truth rows): >= 95%% of >= +15 bpm episodes within 20 s and <= 1 false "
                "alarm per 30 min: %s\n\n", pass ? "met" : "NOT met");

    std::printf("onset within 20 s by how fast the episode rises (hr+rmssd+breathing, failures on):\n");
    std::printf("%-10s %16s %16s %16s\n", "rise", "+15 bpm", "+20 bpm", "+30 bpm");
    for (double rise : {5.0, 10.0, 20.0, 30.0, 60.0}) {
        std::printf("%6.0f s  ", rise);
        for (double size : {15.0, 20.0, 30.0}) {
            const auto t = run_seeds(std::max(3, seeds / 3), ArousalFeatureMode::All, true,
                                     FeatureSource::GroundTruth, rise, rise, size, false);
            char cell[48];
            std::snprintf(cell, sizeof cell, "%s %4.0fs", percent(t.big_in_time, t.big).c_str(),
                          median(t.latencies));
            std::printf(" %16s", cell);
        }
        std::printf("\n");
    }

    std::printf("\nreal calm recordings (alarms must be 0):\n");
    std::printf("%-48s %-36s %8s %8s %10s\n", "recording", "features", "minutes", "alarms", "max index");
    for (const auto& rec : session::real_calm_recordings(o.data_dir)) {
        const auto r = session::run_real_recording(rec, config);
        if (!r.error.empty()) {
            std::printf("%-48s skipped: %s\n", rec.name.c_str(), r.error.c_str());
            continue;
        }
        std::printf("%-48s %-36s %8.1f %8zu %10.2f\n", rec.name.c_str(),
                    signal::describe_features(r.features_seen).c_str(), r.seconds / 60.0,
                    r.episodes.size(), r.max_index);
    }
    return 0;
}

const BenchRegistration kArousal{"arousal",
                                 "Arousal onset detection and false alarms (simulated couple, real rest)",
                                 run_bench_arousal};

}  // namespace
}  // namespace attune::cli
