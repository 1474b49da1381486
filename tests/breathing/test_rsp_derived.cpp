// Breathing rate from ECG shape and RR intervals: synthetic modulations, the simulated partner,
// and the real recordings that have ECG and a belt together.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_derived.hpp"
#include "attune/signal/rsp_scoring.hpp"
#include "breath_data.hpp"

using namespace attune::signal;

namespace {
constexpr double kPi = std::numbers::pi;

// Beats at a mean heart rate whose RR and amplitude follow a breathing rhythm (and noise).
std::vector<Beat> modulated_beats(double seconds, double hr_bpm, double resp_bpm, double rsa_ms,
                                  double amp_mod, double noise, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> n(0.0, 1.0);
    std::vector<Beat> beats;
    double t = 0.5;
    while (t < seconds) {
        const double resp = std::sin(2.0 * kPi * resp_bpm / 60.0 * t);
        const double rr_ms = 60000.0 / hr_bpm - rsa_ms * resp + noise * 20.0 * n(rng);
        Beat b;
        b.time_s = t;
        b.rr_ms = beats.empty() ? 0.0 : rr_ms;
        b.amplitude = static_cast<float>(1.0 + amp_mod * resp + noise * 0.05 * n(rng));
        beats.push_back(b);
        t += rr_ms / 1000.0;
    }
    return beats;
}

std::vector<Beat> detect_beats(const std::vector<float>& ecg, double fs) {
    Pantompkins1985 det(fs);
    std::vector<Beat> beats;
    for (float v : ecg)
        if (det.push(v))
            for (const auto& b : det.ready_beats()) beats.push_back(b);
    if (det.finish())
        for (const auto& b : det.ready_beats()) beats.push_back(b);
    return beats;
}
}  // namespace

TEST_CASE("a clean breathing modulation of RR and amplitude gives its rate, trusted", "[breathing][derived]") {
    for (double rate : {6.0, 10.0, 15.0, 22.0}) {
        const auto beats = modulated_beats(120.0, 70.0, rate, 60.0, 0.1, 0.2, 1);
        const auto est = derived_resp_process({}, Hz{0.0}, beats);
        REQUIRE(est.size() > 100);
        const auto& last = est.back();
        INFO("rate " << rate);
        CHECK(last.source(DerivedSource::Rsa).rate_bpm == Approx(rate).margin(0.5));
        CHECK(last.source(DerivedSource::RAmplitude).rate_bpm == Approx(rate).margin(0.5));
        CHECK_FALSE(last.source(DerivedSource::QrsArea).valid);  // no ECG samples: no QRS area
        CHECK(last.trustworthy);
        CHECK(last.fused.rate_bpm == Approx(rate).margin(0.5));
        // The first 32 s cannot be estimated.
        CHECK_FALSE(est[10].fused.valid);
    }
}

TEST_CASE("noise without a breathing rhythm is never trusted", "[breathing][derived]") {
    const auto beats = modulated_beats(300.0, 70.0, 15.0, 0.0, 0.0, 1.0, 2);
    const auto est = derived_resp_process({}, Hz{0.0}, beats);
    std::size_t trusted = 0;
    for (const auto& e : est) trusted += e.trustworthy ? 1 : 0;
    CHECK(trusted < est.size() / 20);
}

TEST_CASE("modalities that disagree are reported but not trusted", "[breathing][derived]") {
    // RR follows 15/min, amplitude follows 7/min (e.g. a Mayer wave in one, breathing in other).
    auto beats = modulated_beats(150.0, 70.0, 15.0, 60.0, 0.0, 0.1, 3);
    for (auto& b : beats) b.amplitude = static_cast<float>(1.0 + 0.1 * std::sin(2.0 * kPi * 7.0 / 60.0 * b.time_s));
    const auto est = derived_resp_process({}, Hz{0.0}, beats);
    const auto& last = est.back();
    CHECK(last.fused.valid);
    CHECK_FALSE(last.trustworthy);
}

TEST_CASE("ectopic, artifact and missing beats do not break the estimate", "[breathing][derived]") {
    auto beats = modulated_beats(180.0, 72.0, 12.0, 50.0, 0.1, 0.2, 4);
    for (std::size_t i = 40; i < beats.size(); i += 37) beats[i].quality = BeatQuality::Artifact;
    for (std::size_t i = 25; i + 1 < beats.size(); i += 29) beats[i].rr_ms *= 0.6;  // premature
    beats.erase(beats.begin() + 100, beats.begin() + 106);                          // dropout
    DerivedRespProcessor proc({}, Hz{0.0});
    std::size_t next = 0;
    for (double t = 1.0; t <= 180.0; t += 1.0) {
        while (next < beats.size() && beats[next].time_s <= t) proc.push_beat(beats[next++]);
        const auto& e = proc.update(t);
        if (e.trustworthy) CHECK(e.fused.rate_bpm == Approx(12.0).margin(1.0));
    }
    CHECK(proc.estimate().trustworthy);
    CHECK_THROWS_AS(DerivedRespProcessor(DerivedRespConfig{.resample = Hz{0.5}}, Hz{0.0}),
                    std::invalid_argument);
}

TEST_CASE("the simulated partners' ECG gives their breathing rate where trusted", "[breathing][derived][sim]") {
    // The model's heart has RSA and a Mayer wave, its ECG R waves move with breathing; sighs,
    // speech, motion, ectopic beats and electrode dropouts are on (the model's defaults).
    for (std::uint64_t seed : {1u, 2u}) {
        for (const auto& profile : attune::hardware::default_couple()) {
            attune::hardware::SimulationConfig cfg;
            cfg.seed = seed;
            attune::hardware::PartnerModel model(profile, cfg);
            std::vector<float> ecg;
            for (double t = 10.0; t <= 300.0; t += 10.0)
                for (const auto& chunk : model.advance_to(t))
                    if (chunk.channel == attune::hardware::kSimEcg)
                        ecg.insert(ecg.end(), chunk.values.begin(), chunk.values.end());
            const auto beats = detect_beats(ecg, cfg.ecg_rate_hz);
            REQUIRE(beats.size() > 250);
            const auto est = derived_resp_process(ecg, Hz{cfg.ecg_rate_hz}, beats);
            std::vector<TimedBreath> truth;
            for (const auto& b : model.ground_truth().breaths)
                truth.push_back({b.time_s, b.inhale ? RspEventKind::Inhale : RspEventKind::Exhale});
            const auto cmp = compare_derived(est, truth, {});
            INFO(profile.name << " seed " << seed << ": " << cmp.trusted << "/" << cmp.compared << " trusted, "
                              << cmp.trusted_within << " within 2/min, MAE " << cmp.trusted_mean_abs_error_bpm);
            CHECK(cmp.trusted >= cmp.compared / 20);  // coverage varies: 9-52 % here
            CHECK(cmp.trusted_within >= cmp.trusted * 9 / 10);
            CHECK(cmp.trusted_mean_abs_error_bpm <= 1.0);
        }
    }
}

namespace {
struct EdrCase {
    const char* stem;
    bool has_reference_exclusions;
};

DerivedComparison run_real(const EdrCase& c, bool with_ecg) {
    using namespace breathing_test;
    const double fs = 100.0;
    const auto ecg = read_column(std::string(c.stem) + ".csv", "ECG");
    const auto rsp = read_column(std::string(c.stem) + ".csv", "RSP");
    std::vector<TimeSegment> excluded;
    if (c.has_reference_exclusions) excluded = read_segments(std::string(c.stem) + "_excluded.csv");
    const auto belt = to_timed(rsp_process(rsp, Hz{fs}).events);
    const auto beats = detect_beats(ecg, fs);
    const auto est = with_ecg ? derived_resp_process(ecg, Hz{fs}, beats)
                              : derived_resp_process({}, Hz{0.0}, beats);
    const auto cmp = compare_derived(est, belt, excluded);
    std::printf("%s (%s): %zu/%zu estimates trusted, %zu within 2/min of the belt, MAE %.2f (max %.2f); all estimates MAE %.2f\n",
                c.stem, with_ecg ? "ECG + RR" : "beats only", cmp.trusted, cmp.compared,
                cmp.trusted_within, cmp.trusted_mean_abs_error_bpm, cmp.trusted_max_abs_error_bpm,
                cmp.all_mean_abs_error_bpm);
    return cmp;
}
}  // namespace

TEST_CASE("ECG/RR-derived rate is within 2/min of the belt wherever it is trusted", "[breathing][derived][real]") {
    const auto rest = run_real({"neurokit_bio_resting_5min_100hz", true}, true);
    CHECK(rest.trusted >= rest.compared / 3);  // trusted for a useful share of the time
    CHECK(rest.trusted_within == rest.trusted);
    // Beats only (a strap's RR and the beats' amplitudes, no ECG samples): the same promise.
    const auto rest_beats = run_real({"neurokit_bio_resting_5min_100hz", true}, false);
    CHECK(rest_beats.trusted >= rest_beats.compared / 4);
    CHECK(rest_beats.trusted_within == rest_beats.trusted);
    // Emotional pictures, HR ~60/min, alternating breath depth: the modulations follow the
    // depth's sub-harmonic; the estimate must say so rather than be trusted and wrong.
    for (bool with_ecg : {true, false}) {
        const auto events = run_real({"neurokit_bio_eventrelated_100hz", false}, with_ecg);
        CHECK(events.trusted_within == events.trusted);
    }
}
