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
hardware::PartnerProfile random_person(std::uint64_t seed, bool with_episodes) {
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
    // Three episodes, at least 7 minutes apart, after the 2-minute calibration.
    double t = u(240.0, 360.0);
    for (int i = 0; i < 3; ++i) {
        hardware::ArousalEpisode e;
        e.start_s = t;
        e.rise_s = u(10.0, 30.0);
        e.hold_s = u(30.0, 120.0);
        e.recover_s = u(60.0, 120.0);
        e.hr_increase_bpm = kSizes[std::uniform_int_distribution<int>(0, 4)(rng)];
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

int run_bench_arousal(const BenchOptions& o) {
    const int seeds = o.quick ? 6 : 40;
    const signal::ArousalConfig config;
    std::printf("simulated partners: %d seeds x 30 min with 3 episodes (+8..+30 bpm, rise 10-30 s)\n"
                "plus %d calm 30-min recordings; calibration %.0f s; onset window %.0f s\n\n",
                seeds, seeds, config.calibration.value, kOnsetWindow);
    std::printf("%-20s %-9s %12s %10s %10s %12s %10s\n", "features", "failures", ">=15 in 20s",
                "latency", "<15 in 20s", "false/30min", "FA count");
    bool pass = true;
    for (auto mode : {ArousalFeatureMode::HrOnly, ArousalFeatureMode::HrRmssd, ArousalFeatureMode::All}) {
        for (bool artifacts : {false, true}) {
            Tally t;
            for (int s = 1; s <= seeds; ++s) {
                const auto seed = static_cast<std::uint64_t>(s);
                auto ep = session::run_simulated_partner(random_person(seed, true), seed, kDuration,
                                                         config, mode, artifacts);
                add(t, session::score_run(ep, config.calibration.value, kOnsetWindow));
                auto calm = session::run_simulated_partner(random_person(seed + 1000, false),
                                                           seed + 1000, kDuration, config, mode,
                                                           artifacts);
                add(t, session::score_run(calm, config.calibration.value, kOnsetWindow));
            }
            const double rate = t.big ? 100.0 * t.big_in_time / t.big : 0.0;
            const double small_rate = t.small ? 100.0 * t.small_in_time / t.small : 0.0;
            const double fa = t.calm_s > 0 ? t.false_alarms * 1800.0 / t.calm_s : 0.0;
            char big[32], small[32];
            std::snprintf(big, sizeof big, "%5.1f%% (%d)", rate, t.big);
            std::snprintf(small, sizeof small, "%5.1f%%", small_rate);
            std::printf("%-20s %-9s %12s %8.1f s %10s %12.2f %10d\n",
                        std::string(session::to_string(mode)).c_str(), artifacts ? "yes" : "no", big,
                        median(t.latencies), small, fa, t.false_alarms);
            pass = pass && rate >= 95.0 && fa <= 1.0;
        }
    }
    std::printf("\nrequired: >= 95%% of >= +15 bpm episodes within 20 s, <= 1 false alarm / 30 min: %s\n\n",
                pass ? "met" : "NOT met");

    std::printf("real calm recordings (alarms must be 0):\n");
    std::printf("%-40s %-22s %8s %8s %10s\n", "recording", "features", "minutes", "alarms", "max index");
    for (const auto& rec : session::real_calm_recordings(o.data_dir)) {
        const auto r = session::run_real_recording(rec, config);
        if (!r.error.empty()) {
            std::printf("%-40s skipped: %s\n", rec.name.c_str(), r.error.c_str());
            continue;
        }
        std::printf("%-40s %-22s %8.1f %8zu %10.2f\n", rec.name.c_str(),
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
