// Device RR input: BLE Heart Rate Service RR values (1/1024 s) to beats with host-anchored
// times, gap detection, clock drift; the Polar H10's own RR reports.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "attune/signal/rr_input.hpp"
#include "data_files.hpp"

using namespace attune::signal;

namespace {

// A strap: true beats, a notification about once a second carrying the RR of every beat since
// the previous one (in device ticks of 1/1024 s, device clock rate `clock_scale`), delivered to
// the host with 20-300 ms latency.
struct Strap {
    std::vector<double> beat_s;                      // true beat times (host clock)
    std::vector<double> notify_s;                    // host arrival times
    std::vector<std::vector<std::uint16_t>> values;  // RR per notification
};

Strap simulate_strap(double seconds, double clock_scale = 1.0, unsigned seed = 1) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> latency(0.02, 0.3);
    Strap s;
    double t = 0.3;
    while (t < seconds) {
        s.beat_s.push_back(t);
        t += 0.8 + 0.1 * std::sin(2 * std::numbers::pi * 0.25 * t);
    }
    std::size_t next = 1;  // beat 0 only anchors (its RR is unknown)
    for (double send = 1.0; send < seconds; send += 1.0) {
        std::vector<std::uint16_t> v;
        while (next < s.beat_s.size() && s.beat_s[next] <= send) {
            const double rr_s = (s.beat_s[next] - s.beat_s[next - 1]) * clock_scale;
            v.push_back(static_cast<std::uint16_t>(std::lround(rr_s * 1024.0)));
            ++next;
        }
        s.notify_s.push_back(send + latency(rng));
        s.values.push_back(v);
    }
    return s;
}

struct Rebuilt {
    std::vector<Beat> beats;
    std::size_t gaps = 0;
};

// Notifications through the timeline, each beat as the pipeline sees it (rr_ms = 0 after a gap).
Rebuilt rebuild(const Strap& s, const std::vector<bool>& lost = {}) {
    RrBeatTimeline timeline;
    Rebuilt r;
    std::array<TimedBeat, 16> out{};
    for (std::size_t i = 0; i < s.values.size(); ++i) {
        if (i < lost.size() && lost[i]) continue;
        const std::size_t n = timeline.push(s.notify_s[i], s.values[i], out);
        for (std::size_t k = 0; k < n; ++k)
            r.beats.push_back(beat_from_rr(out[k].time_s, rr_1024_to_ms(out[k].rr_1024),
                                           !r.beats.empty() && !out[k].after_gap));
    }
    r.gaps = static_cast<std::size_t>(timeline.gaps_detected());
    return r;
}

}  // namespace

TEST_CASE("RR units: 1/1024 s, BLE.md test vectors", "[hrv][rr_input]") {
    CHECK(rr_1024_to_ms(0x03B1) == Approx(922.8515625));
    CHECK(rr_1024_to_ms(1059) == Approx(1034.1796875));
    CHECK(rr_1024_to_ms(975) == Approx(952.1484375));
    CHECK(rr_1024_to_ms(65535) == Approx(63999.0234375));
}

TEST_CASE("beats rebuilt from notifications follow the true beats", "[hrv][rr_input]") {
    const auto strap = simulate_strap(600.0);
    const auto r = rebuild(strap);
    CHECK(r.gaps == 0);
    std::size_t reported = 0;
    for (const auto& v : strap.values) reported += v.size();
    REQUIRE(r.beats.size() == reported);
    // Intervals keep their 1/1024 s precision; times follow the truth up to the link latency.
    double worst = 0.0;
    for (std::size_t i = 0; i < r.beats.size(); ++i) {
        const double truth = strap.beat_s[i + 1];
        worst = std::max(worst, std::abs(r.beats[i].time_s - truth));
        if (i > 0) {
            CHECK(r.beats[i].rr_ms > 0.0);
            CHECK(r.beats[i].rr_ms == Approx((strap.beat_s[i + 1] - strap.beat_s[i]) * 1000).margin(0.5));
        }
    }
    // The first notification's last beat is put at its arrival (too late by the link latency
    // plus up to one notification period, corrected at once by any earlier-arriving report).
    CHECK(worst < 0.3 + 1.0);
    double late = 0.0;  // after the first minute the timeline has settled on the latency
    for (std::size_t i = 0; i < r.beats.size(); ++i)
        if (r.beats[i].time_s > 60.0) late = std::max(late, std::abs(r.beats[i].time_s - strap.beat_s[i + 1]));
    CHECK(late < 0.35);  // bounded by the smallest beat-to-report delay seen
    // Never after the notification that reported it.
    CHECK(r.beats.back().time_s <= strap.notify_s.back());
}

TEST_CASE("lost notifications are a gap: no interval spans it", "[hrv][rr_input]") {
    const auto strap = simulate_strap(120.0);
    std::vector<bool> lost(strap.values.size(), false);
    lost[50] = lost[51] = lost[52] = lost[53] = true;  // 4 s of notifications lost
    const auto r = rebuild(strap, lost);
    CHECK(r.gaps == 1);
    std::size_t zero_rr = 0;
    for (std::size_t i = 1; i < r.beats.size(); ++i) zero_rr += r.beats[i].rr_ms == 0.0;
    CHECK(zero_rr == 1);
    // After the gap, beats are re-anchored near the truth (beats are matched by their RR values).
    std::size_t truth_index = strap.beat_s.size() - 1;
    while (strap.beat_s[truth_index] > strap.notify_s.back()) --truth_index;
    CHECK(std::abs(r.beats.back().time_s - strap.beat_s[truth_index]) < 0.35);
}

TEST_CASE("device clock drift: no false gaps, times stay anchored", "[hrv][rr_input]") {
    for (double scale : {0.99975, 1.00025}) {  // +-250 ppm, five times a real crystal's error
        const auto strap = simulate_strap(7200.0, scale, 3);
        const auto r = rebuild(strap);
        INFO("clock scale " << scale);
        CHECK(r.gaps == 0);
        double worst = 0.0;
        for (std::size_t i = 0; i < r.beats.size(); ++i)
            if (r.beats[i].time_s > 60.0)
                worst = std::max(worst, std::abs(r.beats[i].time_s - strap.beat_s[i + 1]));
        CHECK(worst < 0.4);
    }
}

TEST_CASE("bad RR values: implausible flagged, zero starts a segment", "[hrv][rr_input]") {
    CHECK(beat_from_rr(10.0, 98.0, true).quality == BeatQuality::Artifact);  // 100/1024 s
    CHECK(beat_from_rr(10.0, 3500.0, true).quality == BeatQuality::Artifact);
    CHECK(beat_from_rr(10.0, 820.0, true).quality == BeatQuality::Good);
    CHECK(beat_from_rr(10.0, 820.0, false).rr_ms == 0.0);  // no interval before it
    const std::vector<double> times{10.0, 10.01, 11.0, 11.01, 11.02, 12.0};
    const std::vector<double> values{800, 820, 0, 100, 820, NAN};  // 0 and NaN unusable
    const auto from_reports = beats_from_rr_reports(times, values);
    REQUIRE(from_reports.size() == 4);
    CHECK(from_reports[2].quality == BeatQuality::Artifact);
    CHECK(from_reports[2].rr_ms == 0.0);  // follows an unusable value
    CHECK(from_reports[3].quality == BeatQuality::Good);

    const auto beats = beats_from_rr_ms(std::vector<double>{800, 810, NAN, 790, -5, 5000, 800});
    REQUIRE(beats.size() == 5);
    CHECK(beats[0].time_s == Approx(0.8));
    CHECK(beats[2].rr_ms == 0.0);  // after NaN
    CHECK(beats[3].rr_ms == 0.0);  // after a negative value
    CHECK(beats[3].quality == BeatQuality::Artifact);  // 5000 ms
    CHECK(beats[4].time_s == Approx((800 + 810 + 790 + 5000 + 800) / 1000.0));
}

TEST_CASE("Polar H10 RR reports rebuild a complete beat series", "[hrv][rr_input][data]") {
    const auto report_s = hrv_test::read_column("polar_h10_a_rr.csv", "report_t_s");
    const auto rr = hrv_test::read_column("polar_h10_a_rr.csv", "rr_ms");
    RrInputConfig config;
    const auto beats = beats_from_rr_reports(report_s, rr, config);
    REQUIRE(beats.size() == rr.size());
    std::size_t zero = 0;
    for (std::size_t i = 1; i < beats.size(); ++i) {
        zero += beats[i].rr_ms == 0.0;
        CHECK(beats[i].time_s > beats[i - 1].time_s);
    }
    CHECK(zero == 0);  // the series is complete (599.4 s of RR in 600 s): no gap
    // Each beat lies before the report that carried it, by at most ~2 s.
    for (std::size_t i = 0; i < beats.size(); ++i) {
        CHECK(beats[i].time_s <= report_s[i] + 1e-9);
        CHECK(report_s[i] - beats[i].time_s < 2.5);
    }
}
