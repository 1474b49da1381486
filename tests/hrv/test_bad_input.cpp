// Bad input never crashes, hangs or yields NaN: random, non-finite, repeated and backwards
// times through every HRV processor.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "attune/signal/heart_rate.hpp"
#include "attune/signal/hrv.hpp"
#include "attune/signal/ppg_peaks.hpp"
#include "attune/signal/rr_cleaning.hpp"
#include "attune/signal/rr_input.hpp"

using namespace attune::signal;

namespace {

std::vector<Beat> hostile_beats(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity(), -1.0, 0.0, 1e12};
    std::vector<Beat> beats;
    double t = 0.0;
    for (int i = 0; i < 3000; ++i) {
        const double r = u(rng);
        if (r < 0.6) t += 0.3 + u(rng);            // plausible
        else if (r < 0.7) t += 0.0;                // duplicate time
        else if (r < 0.8) t -= u(rng) * 5.0;       // backwards
        else if (r < 0.85) t += 100.0 * u(rng);    // long gap
        else if (r < 0.9) t += 0.01;               // far too close
        Beat b{t, (t > 0 ? 1.0 : 0.0) * 800.0 * u(rng), 1.0f, BeatQuality::Good};
        if (r >= 0.9) b.time_s = specials[i % 5];
        if (r > 0.97) b.rr_ms = specials[(i + 1) % 5];
        if (r > 0.5 && r < 0.52) b.quality = BeatQuality::Artifact;
        beats.push_back(b);
    }
    return beats;
}

bool finite_time(const HrvTime& h) {
    return std::isfinite(h.mean_nn_ms) && std::isfinite(h.sdnn_ms) && std::isfinite(h.rmssd_ms) &&
           std::isfinite(h.sdsd_ms) && std::isfinite(h.pnn50_pct) && std::isfinite(h.mean_hr_bpm);
}

}  // namespace

TEST_CASE("hostile beat streams through every tracker", "[hrv][bad_input]") {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        const auto beats = hostile_beats(seed);
        const auto cleaned = lipponen2019(beats);
        for (double v : cleaned.nn_ms) REQUIRE(std::isfinite(v));
        CHECK(finite_time(hrv_time(cleaned.nn_ms)));
        const auto f = hrv_frequency(cleaned.nn_times_s, cleaned.nn_ms);
        CHECK(std::isfinite(f.lf_ms2));
        CHECK(std::isfinite(f.hf_ms2));

        RrCleaner cleaner;
        RollingHrv rolling;
        CoherenceTracker coherence;
        HeartRateTracker hr;
        for (const Beat& b : beats) {
            hr.push(b);
            REQUIRE(std::isfinite(hr.latest().smoothed_bpm));
            for (const NnInterval& nn : cleaner.push(b)) {
                REQUIRE(std::isfinite(nn.nn_ms));
                rolling.push(nn.time_s, nn.nn_ms, nn.continuous);
                if (auto c = coherence.push(nn.time_s, nn.nn_ms)) REQUIRE(std::isfinite(c->ratio));
            }
            REQUIRE(finite_time(rolling.metrics()));
        }
        cleaner.finish();
    }
}

TEST_CASE("one absurd timestamp does not stall the trackers", "[hrv][bad_input]") {
    CoherenceTracker coherence;
    RrCleaner cleaner;
    std::vector<Beat> beats;
    for (int i = 1; i <= 200; ++i) beats.push_back(Beat{i * 0.8, 800.0, 1.0f, BeatQuality::Good});
    beats.insert(beats.begin() + 100, Beat{1e12, 800.0, 1.0f, BeatQuality::Good});
    std::size_t after = 0;
    for (const Beat& b : beats) {
        for (const NnInterval& nn : cleaner.push(b)) {
            coherence.push(nn.time_s, nn.nn_ms);
            after += nn.time_s > 81.0;
        }
    }
    CHECK(after > 90);  // the cleaner recovered after the bogus beat
    CHECK(coherence.push(1e15, 800.0) == std::nullopt);  // returns at once
    const auto batch = lipponen2019(beats);
    CHECK(batch.nn_ms.size() > 190);
}

TEST_CASE("raw NN series with repeated or backwards times", "[hrv][bad_input]") {
    const std::vector<double> t{1.0, 2.0, 2.0, 1.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0};
    const std::vector<double> nn{800, 810, 820, 790, 800, 805, 815, 800, 795, 810};
    const auto f = hrv_frequency(t, nn);
    CHECK(std::isfinite(f.lf_ms2));
    CHECK_FALSE(f.valid);
    const auto c = coherence_score(t, nn, 8.0);
    CHECK(std::isfinite(c.ratio));
    // Mismatched lengths use the shorter.
    CHECK(hrv_frequency(t, std::vector<double>{800, 810}).lf_ms2 == 0.0);
}

TEST_CASE("device RR timeline with a clock going backwards", "[hrv][bad_input]") {
    RrBeatTimeline timeline;
    std::array<TimedBeat, 16> out{};
    std::mt19937 rng(4);
    std::uniform_int_distribution<int> rr(0, 65535);
    double host = 100.0;
    for (int i = 0; i < 2000; ++i) {
        host += (i % 7 == 0) ? -3.0 : 1.0;
        std::vector<std::uint16_t> values(static_cast<std::size_t>(i % 12), 0);
        for (auto& v : values) v = static_cast<std::uint16_t>(rr(rng));
        const std::size_t n = timeline.push(host, values, out);
        REQUIRE(n <= values.size());
        for (std::size_t k = 0; k < n; ++k) REQUIRE(std::isfinite(out[k].time_s));
        // Beat times never go backwards, whatever the host clock does.
        for (std::size_t k = 1; k < n; ++k) REQUIRE(out[k].time_s > out[k - 1].time_s);
    }
}
