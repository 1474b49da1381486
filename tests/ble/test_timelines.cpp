// Beat times rebuilt from RR sums, and PMD sample times mapped from the strap's clock: checked
// against simulated straps whose true beat / sample times are known, with link latency jitter,
// clock drift both ways, lost notifications and a delayed first packet.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attune/bridge/ble/pmd_stream_clock.hpp"
#include "attune/signal/rr_beat_timeline.hpp"

using namespace attune::bridge::ble;
using attune::signal::RrBeatTimeline;
using attune::signal::RrBeatTimelineConfig;
using attune::signal::TimedBeat;

namespace {

struct SimBeat {
    double strap_s;
    std::uint16_t rr;
};

// A heart whose RR wanders 650..1100 ms (respiratory sinus arrhythmia + slow drift),
// quantised to the strap's 1/1024 s, as the strap measures it.
std::vector<SimBeat> simulate_beats(double duration_s, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 15.0);
    std::vector<SimBeat> beats;
    double t = 0.0;
    for (int k = 0; t < duration_s; ++k) {
        const double rr_ms = 850.0 + 120.0 * std::sin(k * 0.7) + 80.0 * std::sin(k * 0.013) + noise(rng);
        const auto rr = static_cast<std::uint16_t>(std::lround(rr_ms * 1.024));
        t += rr / 1024.0;
        beats.push_back({t, rr});
    }
    return beats;
}

struct Packet {
    double arrival_host_s;
    std::vector<std::uint16_t> rr;
    std::vector<double> true_host_s;
};

// The strap notifies every second with the RRs of the beats since the last notification
// (at most 9, oldest dropped first). Host clock = (1 + drift) * strap + 1000 s.
std::vector<Packet> notify(const std::vector<SimBeat>& beats, double drift, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> latency(0.010, 0.060);
    std::vector<Packet> packets;
    std::size_t next = 0;
    for (double tn = 1.0; tn < beats.back().strap_s; tn += 1.0) {
        Packet p;
        std::vector<std::size_t> idx;
        while (next < beats.size() && beats[next].strap_s <= tn) idx.push_back(next++);
        if (idx.size() > 9) idx.erase(idx.begin(), idx.end() - 9);
        for (std::size_t i : idx) {
            p.rr.push_back(beats[i].rr);
            p.true_host_s.push_back(1000.0 + beats[i].strap_s * (1.0 + drift));
        }
        p.arrival_host_s = 1000.0 + tn * (1.0 + drift) + latency(rng);
        packets.push_back(std::move(p));
    }
    return packets;
}

struct Errors {
    double max_abs = 0.0;
    std::vector<double> all;
    int beats = 0;
    int gaps = 0;
    bool monotonic = true;
};

Errors run(RrBeatTimeline& tl, const std::vector<Packet>& packets, double settle_host_s) {
    Errors e;
    std::vector<TimedBeat> out(16);
    double last = -1.0;
    for (const Packet& p : packets) {
        const std::size_t n = tl.push(p.arrival_host_s, p.rr, out);
        REQUIRE(n == p.rr.size());
        for (std::size_t i = 0; i < n; ++i) {
            CHECK(out[i].rr_1024 == p.rr[i]);
            if (out[i].time_s <= last) e.monotonic = false;
            last = out[i].time_s;
            if (out[i].after_gap) ++e.gaps;
            ++e.beats;
            if (p.true_host_s[i] < settle_host_s) continue;
            const double err = out[i].time_s - p.true_host_s[i];
            e.max_abs = std::max(e.max_abs, std::abs(err));
            e.all.push_back(err);
        }
    }
    return e;
}

double median_abs(std::vector<double> v) {
    for (double& x : v) x = std::abs(x);
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

}  // namespace

TEST_CASE("rr_timeline_tracks_true_beat_times_over_30_minutes_with_drift", "[ble][timeline]") {
    const auto beats = simulate_beats(1800.0, 1);
    for (double drift : {0.0, 100e-6, -100e-6}) {
        CAPTURE(drift);
        RrBeatTimeline tl;
        const Errors e = run(tl, notify(beats, drift, 2), 1060.0);  // first minute: converging
        CHECK(e.monotonic);
        CHECK(e.gaps == 0);
        CHECK(tl.gaps_detected() == 0);
        CHECK(e.max_abs < 0.070);        // within the latency jitter, never drifting away
        CHECK(median_abs(e.all) < 0.045);
    }
}

TEST_CASE("rr_timeline_uses_rr_sums_not_arrival_times", "[ble][timeline]") {
    // Two beats in one packet must be exactly one RR apart, whatever the arrival jitter.
    RrBeatTimeline tl;
    std::vector<TimedBeat> out(4);
    const std::uint16_t first[] = {1000};
    tl.push(10.0, first, out);
    const std::uint16_t two[] = {1024, 512};
    REQUIRE(tl.push(11.3, two, out) == 2);
    CHECK(out[1].time_s - out[0].time_s == Approx(0.5).margin(1e-12));
    CHECK(out[0].rr_1024 == 1024);
}

TEST_CASE("rr_timeline_detects_lost_notifications_as_a_gap", "[ble][timeline]") {
    const auto beats = simulate_beats(600.0, 3);
    auto packets = notify(beats, 50e-6, 4);
    // 20 s of notifications never arrive (link dropped without the device noticing).
    std::vector<Packet> kept;
    for (auto& p : packets)
        if (p.arrival_host_s < 1300.0 || p.arrival_host_s > 1320.0) kept.push_back(p);
    RrBeatTimeline tl;
    const Errors e = run(tl, kept, 1060.0);
    CHECK(e.gaps == 1);
    CHECK(tl.gaps_detected() == 1);
    CHECK(e.monotonic);
    // After the gap the anchor restarts from arrival: errors stay within a notification period,
    // and converge back to the latency jitter.
    CHECK(e.max_abs < 1.1);
    CHECK(median_abs(e.all) < 0.045);
}

TEST_CASE("rr_timeline_detects_sensor_buffer_overflow", "[ble][timeline]") {
    // The strap could not send for 15 s and kept only the last 9 RRs.
    const auto beats = simulate_beats(120.0, 5);
    auto packets = notify(beats, 0.0, 6);
    std::vector<Packet> merged;
    Packet held;
    for (auto& p : packets) {
        const bool blocked = p.arrival_host_s > 1050.0 && p.arrival_host_s < 1065.0;
        if (blocked) {
            held.rr.insert(held.rr.end(), p.rr.begin(), p.rr.end());
            held.true_host_s.insert(held.true_host_s.end(), p.true_host_s.begin(), p.true_host_s.end());
            continue;
        }
        if (!held.rr.empty()) {
            p.rr.insert(p.rr.begin(), held.rr.begin(), held.rr.end());
            p.true_host_s.insert(p.true_host_s.begin(), held.true_host_s.begin(), held.true_host_s.end());
            const std::size_t drop = p.rr.size() > 9 ? p.rr.size() - 9 : 0;
            p.rr.erase(p.rr.begin(), p.rr.begin() + static_cast<long>(drop));
            p.true_host_s.erase(p.true_host_s.begin(), p.true_host_s.begin() + static_cast<long>(drop));
            held = {};
        }
        merged.push_back(p);
    }
    RrBeatTimeline tl;
    const Errors e = run(tl, merged, 1060.0);
    CHECK(e.gaps == 1);
    CHECK(e.monotonic);
    CHECK(e.max_abs < 1.1);
}

TEST_CASE("rr_timeline_recovers_from_a_late_first_packet", "[ble][timeline]") {
    const auto beats = simulate_beats(300.0, 7);
    auto packets = notify(beats, 0.0, 8);
    packets.front().arrival_host_s += 0.9;  // first notification queued in the stack
    RrBeatTimeline tl;
    const Errors e = run(tl, packets, 1060.0);
    CHECK(e.max_abs < 0.070);
    CHECK(e.gaps == 0);
}

TEST_CASE("rr_timeline_mark_gap_restarts_the_anchor", "[ble][timeline]") {
    RrBeatTimeline tl;
    std::vector<TimedBeat> out(4);
    const std::uint16_t rr[] = {1024};
    tl.push(5.0, rr, out);
    tl.mark_gap();
    CHECK_FALSE(tl.anchored());
    REQUIRE(tl.push(7.0, rr, out) == 1);
    CHECK(out[0].after_gap);
    CHECK(out[0].time_s == Approx(7.0));
    REQUIRE(tl.push(8.0, rr, out) == 1);
    CHECK_FALSE(out[0].after_gap);
}

TEST_CASE("rr_timeline_ignores_empty_and_zero_intervals", "[ble][timeline]") {
    RrBeatTimeline tl;
    std::vector<TimedBeat> out(4);
    CHECK(tl.push(1.0, {}, out) == 0);
    const std::uint16_t zeros[] = {0, 1024};
    CHECK(tl.push(2.0, zeros, out) == 1);
    const std::uint16_t big[] = {65535};  // 64 s, absurd but representable: no crash, no NaN
    CHECK(tl.push(3.0, big, out) == 1);
    CHECK(std::isfinite(out[0].time_s));
}

namespace {

struct PmdSim {
    double true_rate;
    std::size_t frame_samples;
    double drift;
    std::uint64_t first_ns = 599616028236586218ull;
};

struct PmdFrameSim {
    std::uint64_t last_ns;
    double arrival;
    double true_first_host;
};

std::vector<PmdFrameSim> simulate_frames(const PmdSim& s, int frames, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> latency(0.005, 0.040);
    std::vector<PmdFrameSim> out;
    for (int f = 0; f < frames; ++f) {
        const double first_dev = static_cast<double>(f * s.frame_samples) / s.true_rate;
        const double last_dev = static_cast<double>((f + 1) * s.frame_samples - 1) / s.true_rate;
        const auto ns = s.first_ns + static_cast<std::uint64_t>(std::llround(last_dev * 1e9));
        const double host = [&](double d) { return 500.0 + d * (1.0 + s.drift); }(last_dev);
        out.push_back({ns, host + latency(rng), 500.0 + first_dev * (1.0 + s.drift)});
    }
    return out;
}

}  // namespace

TEST_CASE("pmd_clock_estimates_the_true_ecg_rate", "[ble][timeline][pmd]") {
    for (double rate : {128.0, 129.3, 130.0, 131.0}) {
        CAPTURE(rate);
        PmdStreamClock clock(130.0);
        const auto frames = simulate_frames({rate, 73, 0.0}, 200, 11);
        double max_err = 0.0;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const auto t = clock.push(frames[i].last_ns, 73, frames[i].arrival);
            CHECK_FALSE(t.gap_before);
            if (i > 20) max_err = std::max(max_err, std::abs(t.t0_s - frames[i].true_first_host));
            if (i > 0) CHECK(t.rate_hz == Approx(rate).epsilon(1e-4));
        }
        CHECK(clock.estimated_rate_hz() == Approx(rate).margin(0.01));
        CHECK(max_err < 0.045);
    }
}

TEST_CASE("pmd_clock_follows_drift_both_ways", "[ble][timeline][pmd]") {
    for (double drift : {150e-6, -150e-6}) {
        CAPTURE(drift);
        PmdStreamClock clock(130.0);
        const auto frames = simulate_frames({130.0, 73, drift}, 6000, 12);  // ~56 min
        double max_err = 0.0;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const auto t = clock.push(frames[i].last_ns, 73, frames[i].arrival);
            if (i > 20) max_err = std::max(max_err, std::abs(t.t0_s - frames[i].true_first_host));
        }
        CHECK(max_err < 0.045);
    }
}

TEST_CASE("pmd_clock_consecutive_frames_are_contiguous", "[ble][timeline][pmd]") {
    PmdStreamClock clock(200.0);
    const auto frames = simulate_frames({200.0, 36, 0.0}, 200, 13);
    PmdFrameTiming prev = clock.push(frames[0].last_ns, 36, frames[0].arrival);
    CHECK_FALSE(prev.gap_before);
    int steps = 0;
    for (std::size_t i = 1; i < frames.size(); ++i) {
        const auto t = clock.push(frames[i].last_ns, 36, frames[i].arrival);
        CHECK(t.rate_hz == Approx(200.0).epsilon(1e-6));
        // The next frame's first sample is one sample period after the previous frame's last,
        // except when the offset steps down because a frame with less link delay arrived:
        // those steps are rare once it has settled, and never larger than the delay jitter.
        const double jump = t.t0_s - (prev.t0_s + 35.0 / prev.rate_hz) - 1.0 / 200.0;
        CHECK(std::abs(jump) < 0.035);
        if (i > 60 && std::abs(jump) > 0.001) ++steps;
        prev = t;
    }
    CHECK(steps <= 3);
}

TEST_CASE("pmd_clock_marks_lost_frames_and_restarted_clocks_as_gaps", "[ble][timeline][pmd]") {
    PmdStreamClock clock(130.0);
    const auto frames = simulate_frames({129.5, 73, 0.0}, 60, 14);
    for (int i = 0; i < 30; ++i) clock.push(frames[i].last_ns, 73, frames[i].arrival);
    const auto after_loss = clock.push(frames[35].last_ns, 73, frames[35].arrival);
    CHECK(after_loss.gap_before);
    CHECK(after_loss.t0_s == Approx(frames[35].true_first_host).margin(0.05));
    const auto next = clock.push(frames[36].last_ns, 73, frames[36].arrival);
    CHECK_FALSE(next.gap_before);

    // Strap rebooted: its clock starts over.
    const auto restarted = clock.push(frames[2].last_ns, 73, frames[40].arrival);
    CHECK(restarted.gap_before);
    CHECK(restarted.t0_s < frames[40].arrival);
    CHECK(restarted.t0_s > frames[40].arrival - 1.0);

    // Explicit gap (link dropped) on the same strap clock.
    clock.mark_gap();
    const auto resumed = clock.push(frames[10].last_ns + 20'000'000'000ull, 73, frames[40].arrival + 20.0);
    CHECK(resumed.gap_before);
}
