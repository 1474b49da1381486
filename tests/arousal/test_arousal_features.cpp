// Feature windows: heart rate / RMSSD from beats, breathing from breath events, movement.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <numbers>

#include "attune/signal/arousal_features.hpp"

using namespace attune::signal;

namespace {
// Sinus beats around rr_ms with random beat-to-beat variability (SD jitter_ms); returns the
// RMSSD of the intervals pushed (the reference for the window's estimate).
double push_sinus(HeartFeatureWindow& w, double& t, int n, double rr_ms, double jitter_ms,
                  std::uint64_t seed = 1) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> jitter(0.0, jitter_ms);
    double prev = 0.0, sum_sq = 0.0;
    int diffs = 0;
    for (int i = 0; i < n; ++i) {
        const double rr = rr_ms + jitter(rng);
        t += rr / 1000.0;
        w.push({.time_s = t, .rr_ms = rr});
        if (i > 0) {
            sum_sq += (rr - prev) * (rr - prev);
            ++diffs;
        }
        prev = rr;
    }
    return std::sqrt(sum_sq / diffs);
}
}  // namespace

TEST_CASE("heart features: rate and RMSSD of a sinus rhythm", "[arousal][features]") {
    HeartFeatureWindow w;
    double t = 0.0;
    const double rmssd = push_sinus(w, t, 80, 800.0, 15.0);
    const auto f = w.at(t);
    CHECK(f.hr_bpm == Approx(75.0).margin(2.0));
    CHECK(f.rmssd_ms == Approx(rmssd).epsilon(0.3));
    CHECK(f.quality > 0.5);
}

TEST_CASE("heart features: a missed and an extra beat leave rate and RMSSD alone", "[arousal][features]") {
    HeartFeatureWindow w, clean;
    double t = 0.0, tc = 0.0;
    push_sinus(w, t, 40, 800.0, 15.0, 2);
    push_sinus(clean, tc, 40, 800.0, 15.0, 2);
    t += 1.6;  // a missed beat: one 1600 ms interval
    w.push({.time_s = t, .rr_ms = 1600.0});
    w.push({.time_s = t + 0.4, .rr_ms = 400.0});  // an extra beat splits the next interval
    t += 0.8;
    w.push({.time_s = t, .rr_ms = 400.0});
    push_sinus(w, t, 8, 800.0, 15.0, 3);
    const auto f = w.at(t);
    CHECK(f.hr_bpm == Approx(75.0).margin(3.0));
    CHECK(f.rmssd_ms == Approx(clean.at(tc).rmssd_ms).epsilon(0.35));
}

TEST_CASE("heart features: artifact beats are skipped, no beats means no rate", "[arousal][features]") {
    HeartFeatureWindow w;
    double t = 0.0;
    push_sinus(w, t, 20, 1000.0, 10.0);
    w.push({.time_s = t + 0.2, .rr_ms = 200.0, .quality = BeatQuality::Artifact});
    CHECK(w.at(t + 0.3).hr_bpm == Approx(60.0).margin(2.0));
    const auto later = w.at(t + 30.0);
    CHECK(std::isnan(later.hr_bpm));
    CHECK(later.quality == 0.0);
    w.reset();
    CHECK(std::isnan(w.at(t).hr_bpm));
}

TEST_CASE("heart features: a steady fast rise is not read as variability", "[arousal][features]") {
    HeartFeatureWindow w;
    double t = 0.0, rr = 900.0;
    for (int i = 0; i < 40; ++i) {  // every interval 8 ms shorter: HR 67 -> ~100 bpm
        rr -= 8.0;
        t += rr / 1000.0;
        w.push({.time_s = t, .rr_ms = rr});
    }
    CHECK(w.at(t).rmssd_ms < 2.0);
}

TEST_CASE("breath features: rate, depth and regularity", "[arousal][features]") {
    BreathFeatureWindow w;
    for (int i = 0; i < 8; ++i) {
        w.push(5.0 * i, true, 0.0);
        w.push(5.0 * i + 2.0, false, 0.8);
    }
    auto f = w.at(36.0);
    CHECK(f.rate_bpm == Approx(12.0));
    CHECK(f.depth == Approx(0.8));
    CHECK(f.irregularity == Approx(0.0).margin(1e-9));
    CHECK(f.quality == 1.0);
    // Talking: breath intervals all over the place.
    const double talk[] = {1.5, 4.0, 2.0, 6.0, 1.8, 3.5};
    double t = 35.0;
    for (double iv : talk) w.push(t += iv, true, 0.0);
    CHECK(w.at(t).irregularity > 0.45);
    // No breath for a long time: unknown.
    CHECK(std::isnan(w.at(t + 60.0).rate_bpm));
    CHECK(w.at(t + 60.0).quality == 0.0);
}

TEST_CASE("movement meter: still is near zero, shaking is its RMS", "[arousal][features]") {
    MovementMeter m(50.0);
    CHECK(std::isnan(m.activity_mg()));
    for (int i = 0; i < 50; ++i) m.push(0.0, 0.0, 1000.0);
    CHECK(m.activity_mg() == Approx(0.0).margin(1e-6));
    for (int i = 0; i < 50; ++i) m.push_magnitude(1000.0 + 300.0 * std::sin(2 * std::numbers::pi * 2.0 * i / 50.0));
    CHECK(m.activity_mg() == Approx(300.0 / std::sqrt(2.0)).epsilon(0.02));
    CHECK_THROWS(MovementMeter(0.0));
}

TEST_CASE("heart rate follows a rise before the RR cleaner decides, ectopic beats wait for it",
          "[arousal][features]") {
    HeartFeatureWindow w;
    double t = 0.0;
    push_sinus(w, t, 60, 800.0, 15.0);  // 75 bpm
    // Six beats speeding up by 20 ms each (to 88 bpm): the cleaner has decided only three of
    // them (3 beats late), the heart rate already reads the faster ones (a window ending at the
    // decided beats would still say ~74 bpm).
    for (int i = 1; i <= 6; ++i) {
        const double rr = 800.0 - 20.0 * i;
        t += rr / 1000.0;
        w.push({.time_s = t, .rr_ms = rr});
    }
    CHECK(w.at(t).hr_bpm >= 80.0);

    // A premature beat and its compensatory pause at 75 bpm: the rate does not jump.
    HeartFeatureWindow e;
    double te = 0.0;
    push_sinus(e, te, 60, 800.0, 0.0);
    te += 0.48;
    e.push({.time_s = te, .rr_ms = 480.0});
    CHECK(e.at(te).hr_bpm == Approx(75.0).margin(1.0));
    te += 1.12;
    e.push({.time_s = te, .rr_ms = 1120.0});
    CHECK(e.at(te).hr_bpm == Approx(75.0).margin(1.0));
    for (int i = 0; i < 6; ++i) {
        push_sinus(e, te, 1, 800.0, 0.0);
        CHECK(e.at(te).hr_bpm == Approx(75.0).margin(1.0));
    }
    // Bigeminy (every other beat premature, as in the Polar H10 recording): still the mean rate
    // of the pairs, not the premature one.
    for (int i = 0; i < 20; ++i) {
        te += 0.5;
        e.push({.time_s = te, .rr_ms = 500.0});
        te += 1.1;
        e.push({.time_s = te, .rr_ms = 1100.0});
        CHECK(e.at(te).hr_bpm < 100.0);
        CHECK(e.at(te).hr_bpm > 50.0);
    }
}

