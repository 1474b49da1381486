// The belt processor on synthetic signals: properties that must hold for any person.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_scoring.hpp"

using namespace attune::signal;

namespace {
constexpr double kPi = std::numbers::pi;

// Breathing with inhalation over `insp` of the cycle (raised-cosine halves), like a belt.
double breath_shape(double cycle_pos, double insp) {
    return cycle_pos < insp ? 0.5 - 0.5 * std::cos(kPi * cycle_pos / insp)
                            : 0.5 + 0.5 * std::cos(kPi * (cycle_pos - insp) / (1.0 - insp));
}

struct Synth {
    std::vector<float> x;
    std::vector<TimedBreath> truth;
};

Synth synth(double fs, double seconds, double rate_bpm, double insp = 0.4, double depth = 1.0,
            double noise = 0.0, unsigned seed = 1) {
    Synth s;
    std::mt19937 rng(seed);
    std::normal_distribution<double> n(0.0, 1.0);
    const double period = 60.0 / rate_bpm;
    for (std::size_t i = 0; i < static_cast<std::size_t>(seconds * fs); ++i) {
        const double t = static_cast<double>(i) / fs;
        const double pos = std::fmod(t, period) / period;
        s.x.push_back(static_cast<float>(depth * breath_shape(pos, insp) + noise * n(rng)));
    }
    for (double t0 = 0.0; t0 < seconds; t0 += period) {
        s.truth.push_back({t0, RspEventKind::Inhale});
        if (t0 + insp * period < seconds) s.truth.push_back({t0 + insp * period, RspEventKind::Exhale});
    }
    return s;
}

BreathScore score(const Synth& s, const std::vector<RspEvent>& events, double tol = 0.3,
                  double skip_s = 4.5) {
    std::vector<TimedBreath> det;
    for (const auto& e : events) det.push_back({e.time_s, e.kind});
    const double end = s.truth.back().time_s;
    const std::vector<TimeSegment> edges{{-1.0, skip_s}, {end - 1.5, end + 100.0}};
    return score_breaths(s.truth, det, edges, tol);
}
}  // namespace

TEST_CASE("rates from 6 to 40 breaths per minute are counted exactly at 10 to 500 Hz", "[breathing]") {
    for (double fs : {10.0, 50.0, 100.0, 250.0, 500.0}) {
        for (double rate : {6.0, 12.0, 20.0, 30.0, 40.0}) {
            const auto s = synth(fs, 120.0, rate, 0.4, 1.0, 0.01);
            RspProcessor proc({}, Hz{fs});
            std::vector<RspEvent> events;
            for (std::size_t i = 0; i < s.x.size(); ++i)
                if (auto e = proc.push(static_cast<double>(i) / fs, s.x[i])) events.push_back(*e);
            INFO("fs " << fs << " rate " << rate);
            const auto sc = score(s, events, std::min(0.3, 15.0 / rate));
            CHECK(sc.f1 == Approx(1.0));
            // At 10 Hz an extremum time is quantised to 0.1 s.
            CHECK(proc.rate_bpm() == Approx(rate).margin(fs < 20.0 ? 0.05 * rate : 0.2));
            CHECK(proc.ie_ratio() == Approx(0.4 / 0.6).margin(0.1));
            CHECK(proc.quality().index > 0.9);
        }
    }
}

TEST_CASE("events carry the extremum time and arrive within about a second", "[breathing]") {
    const double fs = 100.0;
    const auto s = synth(fs, 90.0, 15.0, 0.4, 1.0, 0.005);
    const auto r = rsp_process(s.x, Hz{fs});
    REQUIRE(r.events.size() > 40);
    double worst_latency = 0.0;
    for (const auto& e : r.events) {
        if (e.time_s < 10.0) continue;
        worst_latency = std::max(worst_latency, e.detected_s - e.time_s);
    }
    CHECK(worst_latency < 1.5);
    CHECK(score(s, r.events, 0.15, 10.0).f1 == Approx(1.0));
}

TEST_CASE("streaming in random chunks gives exactly the batch result", "[breathing]") {
    const double fs = 50.0;
    const auto s = synth(fs, 200.0, 17.0, 0.45, 2.0, 0.05, 7);
    const auto batch = rsp_process(s.x, Hz{fs}, {}, 3.0);
    RspProcessor proc({}, Hz{fs});
    std::vector<RspEvent> events;
    std::mt19937 rng(3);
    std::uniform_int_distribution<std::size_t> chunk(1, 97);
    std::size_t i = 0;
    while (i < s.x.size()) {
        const std::size_t n = std::min(chunk(rng), s.x.size() - i);
        for (std::size_t k = 0; k < n; ++k, ++i)
            if (auto e = proc.push(3.0 + static_cast<double>(i) / fs, s.x[i])) events.push_back(*e);
        CHECK(proc.clean() == Approx(batch.clean[i - 1]).margin(1e-6));
    }
    REQUIRE(events.size() == batch.events.size());
    for (std::size_t k = 0; k < events.size(); ++k) {
        CHECK(events[k].time_s == batch.events[k].time_s);
        CHECK(events[k].kind == batch.events[k].kind);
        CHECK(events[k].depth == batch.events[k].depth);
    }
    // reset() gives a fresh processor: the same input gives the same events again.
    proc.reset();
    std::size_t again = 0;
    for (std::size_t k = 0; k < s.x.size(); ++k)
        if (proc.push(3.0 + static_cast<double>(k) / fs, s.x[k])) ++again;
    CHECK(again == batch.events.size());
}

TEST_CASE("small humps are not breaths, shallow breathing still is", "[breathing]") {
    const double fs = 50.0;
    auto s = synth(fs, 120.0, 12.0, 0.4, 1.0, 0.005);
    // A 15 % hump in the middle of every exhalation (talking, cardiac ripple).
    const double period = 5.0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
        const double t = static_cast<double>(i) / fs;
        const double pos = std::fmod(t, period) / period;
        if (pos > 0.6 && pos < 0.8) s.x[i] += static_cast<float>(0.15 * std::sin(kPi * (pos - 0.6) / 0.2));
    }
    const auto r = rsp_process(s.x, Hz{fs});
    CHECK(score(s, r.events, 0.5).f1 > 0.97);

    // Breathing drops to a third of its depth for a minute: counted again within a few breaths.
    auto deep = synth(fs, 60.0, 12.0, 0.4, 1.0, 0.003, 1);
    auto shallow = synth(fs, 60.0, 12.0, 0.4, 0.3, 0.003, 2);
    std::vector<float> x = deep.x;
    x.insert(x.end(), shallow.x.begin(), shallow.x.end());
    const auto r2 = rsp_process(x, Hz{fs});
    std::size_t late = 0;
    for (const auto& e : r2.events) late += e.time_s > 75.0 ? 1 : 0;
    CHECK(late >= 16);  // 45 s at 12/min: 18 events
}

TEST_CASE("damaged input is flagged and never crashes", "[breathing]") {
    const double fs = 100.0;
    SECTION("flat line: no breaths, quality zero") {
        std::vector<float> x(6000, 0.25f);
        const auto r = rsp_process(x, Hz{fs});
        CHECK(r.events.empty());
        RspProcessor p({}, Hz{fs});
        for (std::size_t i = 0; i < x.size(); ++i) p.push(static_cast<double>(i) / fs, x[i]);
        CHECK((p.quality().flags & kRspFlat) != 0);
        CHECK(p.quality().index == 0.0);
        CHECK_FALSE(p.phase().valid);
    }
    SECTION("NaN samples are held and flagged") {
        auto s = synth(fs, 60.0, 15.0);
        for (std::size_t i = 3000; i < 3050; ++i) s.x[i] = std::numeric_limits<float>::quiet_NaN();
        RspProcessor p({}, Hz{fs});
        std::uint32_t seen = 0;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            p.push(static_cast<double>(i) / fs, s.x[i]);
            seen |= p.quality().flags;
            CHECK(std::isfinite(p.clean()));
        }
        CHECK((seen & kRspMissing) != 0);
        CHECK(p.rate_bpm() == Approx(15.0).margin(0.5));
    }
    SECTION("12-bit wrap-around is repaired and flagged") {
        // Deep breaths that overflow a small range and wrap, as the CinC record does.
        auto s = synth(fs, 120.0, 12.0, 0.4, 1.0, 0.002);
        const double range = 0.8;
        std::size_t wraps = 0;
        for (auto& v : s.x) {
            const double shifted = v - 0.45;
            const double wrapped = shifted - range * std::floor((shifted + range / 2) / range);
            wraps += wrapped != shifted ? 1 : 0;
            v = static_cast<float>(wrapped);
        }
        REQUIRE(wraps > 100);
        RspProcessor p({}, Hz{fs});
        std::vector<RspEvent> events;
        std::uint32_t seen = 0;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if (auto e = p.push(static_cast<double>(i) / fs, s.x[i])) events.push_back(*e);
            seen |= p.quality().flags;
        }
        CHECK((seen & kRspJump) != 0);
        CHECK(score(s, events, 0.3).f1 > 0.95);
    }
    SECTION("clipping at a rail is flagged") {
        auto s = synth(fs, 60.0, 10.0, 0.4, 1.0, 0.0);
        for (auto& v : s.x) v = std::min(v, 0.7f);
        RspProcessor p({}, Hz{fs});
        std::uint32_t seen = 0;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            p.push(static_cast<double>(i) / fs, s.x[i]);
            seen |= p.quality().flags;
        }
        CHECK((seen & kRspClipped) != 0);
    }
    SECTION("white noise gives a low quality, never a steady rate") {
        std::mt19937 rng(5);
        std::normal_distribution<float> n(0.0f, 1.0f);
        std::vector<float> x(30000);
        for (auto& v : x) v = n(rng);
        const auto r = rsp_process(x, Hz{fs});
        double q = 0.0;
        for (std::size_t i = 10000; i < x.size(); ++i) q += r.quality[i];
        CHECK(q / 20000.0 < 0.7);
    }
    SECTION("bad configuration throws at construction") {
        CHECK_THROWS_AS(RspProcessor({}, Hz{2.0}), std::invalid_argument);
        RspConfig c;
        c.hysteresis_fraction = 1.5;
        CHECK_THROWS_AS(RspProcessor(c, Hz{50.0}), std::invalid_argument);
    }
}

TEST_CASE("phase runs 0..pi through inspiration and pi..2pi through expiration", "[breathing]") {
    const double fs = 50.0;
    const auto s = synth(fs, 90.0, 12.0, 0.4, 1.0, 0.003);
    RspProcessor p({}, Hz{fs});
    std::size_t checked = 0, agree = 0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
        const double t = static_cast<double>(i) / fs;
        p.push(t, s.x[i]);
        if (t < 30.0) continue;
        const auto ph = p.phase();
        REQUIRE(ph.valid);
        CHECK(ph.angle_rad >= 0.0);
        CHECK(ph.angle_rad < 2.0 * kPi);
        // True phase angle of the synthetic breath (0 at inhale onset, pi at exhale onset).
        const double pos = std::fmod(t, 5.0) / 5.0;
        const double truth = pos < 0.4 ? kPi * pos / 0.4 : kPi + kPi * (pos - 0.4) / 0.6;
        double d = std::abs(ph.angle_rad - truth);
        d = std::min(d, 2.0 * kPi - d);
        ++checked;
        agree += d < 0.6 ? 1 : 0;  // the live phase lags only while an extremum is unconfirmed
    }
    INFO("share of samples within 0.6 rad: " << static_cast<double>(agree) / static_cast<double>(checked));
    CHECK(static_cast<double>(agree) / static_cast<double>(checked) > 0.8);
}
