// The arousal detector against the simulated partner's ground truth and on the real calm
// recordings: the fast version of `attune bench arousal` (which runs more seeds).
#include <catch2/catch.hpp>

#include <array>
#include <random>

#include "attune/session/arousal_evaluation.hpp"
#include "attune/session/arousal_real_data.hpp"

using namespace attune;
using session::ArousalFeatureMode;

namespace {

hardware::PartnerProfile person(std::uint64_t seed, double rise_s, double size_bpm) {
    std::mt19937_64 rng(seed * 31 + 5);
    auto u = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    hardware::PartnerProfile p;
    p.resting_hr_bpm = u(55.0, 85.0);
    p.resp_rate_bpm = u(9.0, 18.0);
    p.rmssd_scale = u(0.5, 1.5);
    for (int i = 0; i < 3; ++i)
        p.episodes.push_back({.start_s = 300.0 + 420.0 * i, .rise_s = rise_s, .hold_s = 60.0,
                              .recover_s = 90.0, .hr_increase_bpm = size_bpm});
    return p;
}

}  // namespace

TEST_CASE("simulated episodes of +15 bpm and more are caught within 20 s", "[arousal][sim]") {
    const signal::ArousalConfig config;
    for (bool artifacts : {false, true}) {
        std::array<session::ArousalTally, 3> tally;
        for (std::uint64_t seed = 1; seed <= 4; ++seed) {
            for (double size : {15.0, 25.0}) {
                const auto all = session::run_simulated_partner(person(seed, 10.0, size), seed, 1300.0, config,
                                                                ArousalFeatureMode::All, artifacts);
                CHECK(all.features_seen == 0x2F);  // hr, rmssd, rate, depth, pattern; no accelerometer
                for (std::size_t m = 0; m < 3; ++m) {
                    const auto mode = session::kArousalModes[m];
                    const auto run = mode == ArousalFeatureMode::All ? all : session::rerun_detector(all, config, mode);
                    tally[m].add(session::score_run(run, config.calibration.value));
                }
            }
        }
        for (std::size_t m = 0; m < 3; ++m) {
            const auto& t = tally[m];
            INFO(session::to_string(session::kArousalModes[m]) << (artifacts ? " with" : " without")
                 << " detector failures: " << t.big_in_time << " of " << t.big << " in time; "
                 << t.false_alarms << " false alarms in " << t.calm_s / 60.0 << " min");
            // The simulated partners breathe, sigh and talk; with failures an onset can also fall
            // into a burst of unreadable signal, which must not alarm. The [slow] case and the
            // benchmark run many more seeds; here: nearly all of them, fast.
            CHECK(t.big == 24);
            CHECK(t.big_in_time >= 22);
            CHECK(t.false_alarms_per_30min() <= 1.0);
        }
    }
}

TEST_CASE("rerunning the detector on fewer features matches simulating with them", "[arousal][sim]") {
    const signal::ArousalConfig config;
    const auto p = person(3, 10.0, 20.0);
    const auto all = session::run_simulated_partner(p, 3, 900.0, config, ArousalFeatureMode::All, true);
    const auto direct = session::run_simulated_partner(p, 3, 900.0, config, ArousalFeatureMode::HrOnly, true);
    const auto rerun = session::rerun_detector(all, config, ArousalFeatureMode::HrOnly);
    REQUIRE(direct.outputs.size() == rerun.outputs.size());
    for (std::size_t k = 0; k < direct.outputs.size(); ++k) {
        REQUIRE(direct.outputs[k].state == rerun.outputs[k].state);
        REQUIRE(direct.outputs[k].used == rerun.outputs[k].used);
    }
    CHECK(rerun.features_seen == signal::kFeatureHeartRate);
    CHECK(rerun.detected.size() == direct.detected.size());
}

// The targets over 100 simulated people with episodes and 100 without (30 min each), for
// every feature set the software offers, with and without detector failures.
TEST_CASE("the onset and false-alarm targets hold over 100 simulated people", "[arousal][sim][slow]") {
    const signal::ArousalConfig config;
    for (bool artifacts : {false, true}) {
        const auto tally = session::evaluate_simulated({.seeds = 100, .artifacts = artifacts}, config);
        for (std::size_t m = 0; m < 3; ++m) {
            const auto& t = tally[m];
            INFO(session::to_string(session::kArousalModes[m]) << (artifacts ? " with" : " without")
                 << " failures: " << t.big_in_time << " of " << t.big << " in time, median latency "
                 << t.median_latency_s() << " s; " << t.false_alarms << " false alarms in "
                 << t.calm_s / 60.0 << " min");
            CHECK(t.big >= 150);
            // With failures, some onsets fall into noise bursts where no heart signal is left
            // (bad signal never raises an alarm): the target holds for the readable ones.
            CHECK(t.big_share() >= (artifacts ? 0.90 : 0.965));
            CHECK(t.big_readable_share() >= 0.95);
            CHECK(t.false_alarms_per_30min() <= 0.5);  // target 1: with margin
        }
    }
}

TEST_CASE("no false alarms over calm simulated hours, with detector failures", "[arousal][sim]") {
    const signal::ArousalConfig config;
    int false_alarms = 0;
    double calm_s = 0.0;
    for (std::uint64_t seed = 11; seed <= 13; ++seed) {
        auto p = person(seed, 10.0, 0.0);
        p.episodes.clear();
        for (auto mode : {ArousalFeatureMode::HrOnly, ArousalFeatureMode::All}) {
            const auto run = session::run_simulated_partner(p, seed, 1800.0, config, mode, true);
            const auto score = session::score_run(run, config.calibration.value);
            false_alarms += score.false_alarms;
            calm_s += score.calm_s;
        }
    }
    INFO(false_alarms << " false alarms in " << calm_s / 60.0 << " min");
    CHECK(false_alarms * 1800.0 / calm_s <= 1.0);
}

TEST_CASE("no alarm on the real calm resting recordings", "[arousal][real]") {
    const auto recordings = session::real_calm_recordings(ATTUNE_DATA_DIR);
    REQUIRE(recordings.size() == 8);
    const signal::ArousalConfig config;
    for (const auto& rec : recordings) {
        const auto run = session::run_real_recording(rec, config);
        INFO(rec.name << ": " << run.error << " max index " << run.max_index);
        REQUIRE(run.error.empty());
        CHECK(run.seconds >= 290.0);
        CHECK(run.episodes.empty());
        CHECK(run.features_seen != 0);
        // No alarm, but not always with margin: MIT-BIH 100 rises by +11 bpm for 10 s at rest
        // (index 3.44 against 3.5 with heart rate alone), see docs/parts/arousal.md.
        const bool hr_alone = (run.features_seen & signal::kFeatureHeartRate) != 0 &&
                              (run.features_seen & signal::kFeatureRmssd) == 0;
        if (hr_alone) CHECK(run.max_index < config.hr_only_rising_on);
    }
}

TEST_CASE("a missing recording is an error message, not a crash", "[arousal][real]") {
    const auto recordings = session::real_calm_recordings("/nonexistent");
    for (const auto& rec : recordings) CHECK_FALSE(session::run_real_recording(rec, {}).error.empty());
}
