// `attune bench arousal`: the arousal detector against the simulated couple's ground truth
// (many seeds, episodes of several sizes, with and without detector failures) and on the real
// calm recordings, printing the figures the README keeps.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "attune/session/arousal_evaluation.hpp"
#include "attune/session/arousal_real_data.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

using session::ArousalTally;
using session::EvaluationPlan;
using session::FeatureSource;

constexpr double kOnsetWindow = 20.0;
// The alarm threshold the real calm recordings must stay clearly below (x rising_on).
constexpr double kRealMargin = 0.9;

std::string percent(int n, int of) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%5.1f%% (%d)", of ? 100.0 * n / of : 0.0, of);
    return buf;
}

void print_row(const char* features, const char* source, bool artifacts, const ArousalTally& t) {
    std::printf("%-20s %-10s %-9s %14s %14s %8.1f s %14s %10.2f %8.0f\n", features, source,
                artifacts ? "yes" : "no", percent(t.big_in_time, t.big).c_str(),
                percent(t.big_readable_in_time, t.big_readable).c_str(), t.median_latency_s(),
                percent(t.small_in_time, t.small).c_str(), t.false_alarms_per_30min(), t.calm_s / 60.0);
}

// Required: >= 95 % of the >= +15 bpm onsets within 20 s (with failures: of the readable ones,
// since bad signal never raises an alarm) and <= 1 false alarm per 30 min.
bool meets_targets(const ArousalTally& t, bool artifacts) {
    const double share = artifacts ? t.big_readable_share() : t.big_share();
    return share >= 0.95 && t.false_alarms_per_30min() <= 1.0;
}

// The threshold that applies to a recording: heart rate alone needs the larger rise.
double rising_threshold(const signal::ArousalConfig& c, signal::FeatureSet seen) {
    return (seen & signal::kFeatureRmssd) == 0 && (seen & signal::kFeatureHeartRate) != 0 ? c.hr_only_rising_on
                                                                                          : c.rising_on;
}

int run_bench_arousal(const BenchOptions& o) {
    // 100 people with episodes (about 170 onsets of +15 bpm or more, one is 0.6 %) and 100 calm.
    const int seeds = o.quick ? 4 : 100;
    const signal::ArousalConfig config;
    std::printf("simulated partners: %d seeds x 30 min with 3 episodes each (+8..+30 bpm, rise 10-20 s),\n"
                "plus %d calm 30-min partners; calibration %.0f s; an alarm = rising or high;\n"
                "in time = within %.0f s of the episode start; every feature set scored on the same partners;\n"
                "readable = only episodes whose onset had a usable heart signal for 3/4 of that window\n\n",
                seeds, seeds, config.calibration.value, kOnsetWindow);
    std::printf("%-20s %-10s %-9s %14s %14s %10s %14s %10s %8s\n", "features", "beats from", "failures",
                ">=15 in 20 s", "readable", "latency", "<15 in 20 s", "FA/30min", "calm min");
    bool pass = true;
    std::array<std::array<ArousalTally, 3>, 2> by_failures;
    for (bool artifacts : {false, true})
        by_failures[artifacts] = session::evaluate_simulated({.seeds = seeds, .artifacts = artifacts}, config);
    for (std::size_t m = 0; m < 3; ++m) {
        for (bool artifacts : {false, true}) {
            const ArousalTally& t = by_failures[artifacts][m];
            print_row(std::string(session::to_string(session::kArousalModes[m])).c_str(), "truth", artifacts, t);
            pass = pass && meets_targets(t, artifacts);
        }
    }
    // The project's own detectors on the simulated ECG and belt signals.
    const int detector_seeds = std::max(2, seeds / 8);
    for (bool artifacts : {false, true}) {
        const EvaluationPlan plan{.seeds = detector_seeds, .artifacts = artifacts, .source = FeatureSource::Detectors};
        print_row("hr+rmssd+breathing", "detectors", artifacts, session::evaluate_simulated(plan, config)[2]);
    }
    std::printf("\nrequired (truth rows): >= 95%% of >= +15 bpm episodes within 20 s (with failures: of the "
                "readable onsets) and <= 1 false alarm per 30 min: %s\n\n", pass ? "met" : "NOT met");

    std::printf("onset within 20 s by how fast the episode rises (failures on; hr only / hr+rmssd+breathing):\n");
    std::printf("%-10s %24s %24s %24s\n", "rise", "+15 bpm", "+20 bpm", "+30 bpm");
    for (double rise : {5.0, 10.0, 20.0, 30.0, 60.0}) {
        std::printf("%6.0f s  ", rise);
        for (double size : {15.0, 20.0, 30.0}) {
            const EvaluationPlan plan{.seeds = std::max(3, seeds / 5), .calm_partners = false, .artifacts = true,
                                      .rise_lo_s = rise, .rise_hi_s = rise, .fixed_size_bpm = size};
            const auto t = session::evaluate_simulated(plan, config);
            char cell[64];
            std::snprintf(cell, sizeof cell, "%3.0f%% / %3.0f%% %4.0f s", 100.0 * t[0].big_share(),
                          100.0 * t[2].big_share(), t[2].median_latency_s());
            std::printf(" %24s", cell);
        }
        std::printf("\n");
    }

    std::printf("\nreal calm recordings (alarms must be 0; margin: max index below %.0f%% of the threshold,\n"
                "%.1f, or %.1f with heart rate alone):\n",
                100.0 * kRealMargin, config.rising_on, config.hr_only_rising_on);
    std::printf("%-48s %-48s %8s %8s %10s %10s\n", "recording", "features", "minutes", "alarms", "max index",
                "of thresh");
    const auto recordings = session::real_calm_recordings(o.data_dir);
    for (const auto& rec : recordings) {
        const auto r = session::run_real_recording(rec, config);
        if (!r.error.empty()) {
            std::printf("%-48s skipped: %s\n", rec.name.c_str(), r.error.c_str());
            continue;
        }
        const double threshold = rising_threshold(config, r.features_seen);
        std::printf("%-48s %-48s %8.1f %8zu %10.2f %9.0f%%%s\n", rec.name.c_str(),
                    signal::describe_features(r.features_seen).c_str(), r.seconds / 60.0, r.episodes.size(),
                    r.max_index, 100.0 * r.max_index / threshold,
                    r.max_index < kRealMargin * threshold ? "" : "  (no margin)");
    }
    return 0;
}

const BenchRegistration kArousal{"arousal",
                                 "Arousal onset detection and false alarms (simulated couple, real rest)",
                                 run_bench_arousal};

}  // namespace
}  // namespace attune::cli
