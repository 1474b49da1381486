// Dyad synchrony: phase locking, Kuramoto order, HR cross-correlation, joint coherence, and the
// composite on the simulated couple (known coupling in, measured coupling out) and on pairs of
// real recordings (unrelated people: low synchrony).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "attune/signal/rsp.hpp"
#include "attune/signal/synchrony.hpp"

using namespace attune;
using namespace attune::signal;

namespace {
constexpr double kPi = std::numbers::pi;

PhaseLock lock_of(double f_a, double f_b, double offset, double seconds = 60.0, double noise = 0.0) {
    PhaseLocking pl;  // 30 s window at 4 Hz
    std::mt19937_64 rng(3);
    std::normal_distribution<double> n(0.0, noise > 0 ? noise : 1e-12);
    PhaseLock out;
    for (int k = 0; k < static_cast<int>(seconds * 4); ++k) {
        const double t = k / 4.0;
        out = pl.push(2 * kPi * f_a * t + n(rng), 2 * kPi * f_b * t - offset + n(rng));
    }
    return out;
}

std::vector<double> inhale_onsets(const hardware::GroundTruth& truth) {
    std::vector<double> on;
    for (const auto& b : truth.breaths)
        if (b.inhale) on.push_back(b.time_s);
    return on;
}

// Heart rate per second from beat times (mean of the instantaneous rates in that second).
std::vector<double> hr_per_second(const std::vector<double>& beats, std::size_t seconds) {
    std::vector<double> hr(seconds, std::nan(""));
    for (std::size_t i = 1; i < beats.size(); ++i) {
        const auto k = static_cast<std::size_t>(beats[i]);
        if (k < seconds) hr[k] = 60.0 / (beats[i] - beats[i - 1]);
    }
    for (std::size_t k = 1; k < seconds; ++k)
        if (std::isnan(hr[k])) hr[k] = hr[k - 1];
    return hr;
}

struct CoupleRun {
    DyadSummary summary;
};

// Two simulated partners for `seconds`, optionally both following one 6/min pacer from t = 60 s.
CoupleRun simulate_couple(bool pacer, std::uint64_t seed, double seconds = 600.0) {
    auto couple = hardware::default_couple();
    for (auto& p : couple) {
        p.episodes.clear();
        p.pacer_compliance = 1.0;
    }
    hardware::SimulationConfig ca, cb;
    ca.seed = seed;
    cb.seed = seed + 100;
    ca.ecg_rate_hz = cb.ecg_rate_hz = 200.0;
    hardware::PartnerModel a(couple[0], ca), b(couple[1], cb);
    const hardware::PacerTarget target{6.0, 0.4};
    a.advance_to(60.0);
    b.advance_to(60.0);
    if (pacer) {
        a.set_pacer(target);
        b.set_pacer(target);
    }
    a.advance_to(seconds);
    b.advance_to(seconds);

    // Score from 120 s on (after the partners converged on the pacer).
    constexpr double kRate = 4.0, kStart = 120.0;
    const auto n = static_cast<std::size_t>((seconds - kStart - 10.0) * kRate);
    const auto pa = breath_phase_from_onsets(inhale_onsets(a.ground_truth()), kStart, kRate, n);
    const auto pb = breath_phase_from_onsets(inhale_onsets(b.ground_truth()), kStart, kRate, n);
    DyadSynchrony dyad;
    for (std::size_t k = 0; k < n; ++k) {
        const double t = kStart + static_cast<double>(k) / kRate;
        // The pacer's phase: 0 at each inhalation start (cycle origin 0), one cycle every 10 s.
        const double pacer_phase = pacer ? 2 * kPi * std::fmod(t / 10.0, 1.0) : kNoValue;
        dyad.push_breathing({pa[k], pb[k], pacer_phase});
    }
    const auto secs = static_cast<std::size_t>(seconds) - 5;
    const auto hr_a = hr_per_second(a.ground_truth().beat_times_s, secs);
    const auto hr_b = hr_per_second(b.ground_truth().beat_times_s, secs);
    for (std::size_t k = static_cast<std::size_t>(kStart); k < secs; ++k) dyad.push_heart_second(hr_a[k], hr_b[k]);
    return {dyad.summary()};
}

}  // namespace

TEST_CASE("phase locking: same rhythm, fixed lag, antiphase, different rates", "[synchrony]") {
    const auto same = lock_of(0.2, 0.2, 0.0);
    CHECK(same.plv == Approx(1.0).margin(1e-6));
    CHECK(same.mean_difference_rad == Approx(0.0).margin(1e-6));
    CHECK(same.in_phase == Approx(1.0).margin(1e-6));

    const auto quarter = lock_of(0.2, 0.2, kPi / 2);  // A leads B by a quarter breath
    CHECK(quarter.plv == Approx(1.0).margin(1e-6));
    CHECK(quarter.mean_difference_rad == Approx(kPi / 2).margin(1e-6));
    CHECK(quarter.in_phase == Approx(0.0).margin(1e-6));

    const auto anti = lock_of(0.2, 0.2, kPi);
    CHECK(anti.plv == Approx(1.0).margin(1e-6));
    CHECK(anti.in_phase == 0.0);  // locked, but not breathing together

    CHECK(lock_of(0.2, 0.25, 0.0).plv < 0.25);  // 12 vs 15 breaths/min
    CHECK(lock_of(0.1, 0.1, 0.3, 60.0, 0.4).plv > 0.8);  // noisy but locked
}

TEST_CASE("phase locking needs a filled window and skips missing samples", "[synchrony]") {
    PhaseLocking pl;
    for (int k = 0; k < 60; ++k) CHECK(std::isnan(pl.push(0.1 * k, 0.1 * k).plv));
    for (int k = 60; k < 120; ++k) pl.push(0.1 * k, 0.1 * k);
    CHECK(pl.latest().plv == Approx(1.0));
    for (int k = 0; k < 120; ++k) pl.push(std::nan(""), 1.0);  // partner A's belt slipped
    CHECK(std::isnan(pl.latest().plv));
    pl.reset();
    CHECK(std::isnan(pl.latest().plv));
    CHECK_THROWS(PhaseLocking(PhaseLockingConfig{Seconds{0.5}, Hz{4.0}}));
}

TEST_CASE("Kuramoto order parameter", "[synchrony]") {
    const double together[] = {1.0, 1.0, 1.0};
    const double spread[] = {0.0, 2 * kPi / 3, 4 * kPi / 3};
    CHECK(kuramoto_order(together) == Approx(1.0));
    CHECK(kuramoto_order(spread) == Approx(0.0).margin(1e-9));
    const double one[] = {1.0, std::nan("")};
    CHECK(std::isnan(kuramoto_order(one)));
}

TEST_CASE("HR cross-correlation finds a known lag, and nothing in independent series", "[synchrony]") {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> n(0.0, 1.0);
    // A: slow random wandering heart rate; B follows A 3 s later, with its own noise.
    std::vector<double> a(400), b(400), c(400);
    double x = 70.0, y = 65.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        x += 0.8 * n(rng) - 0.05 * (x - 70.0);
        y += 0.8 * n(rng) - 0.05 * (y - 65.0);
        a[i] = x;
        c[i] = y;
    }
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = (i >= 3 ? a[i - 3] : 70.0) - 5.0 + 0.3 * n(rng);

    HeartRateSync coupled, independent;
    double lag_sum = 0, r_sum = 0, r_ind = 0;
    int count = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto& r1 = coupled.push(a[i], b[i]);
        const auto& r2 = independent.push(a[i], c[i]);
        if (std::isfinite(r1.max_r)) {
            lag_sum += r1.lag_s;
            r_sum += r1.max_r;
            r_ind += r2.max_r;
            ++count;
        }
    }
    REQUIRE(count > 300);
    CHECK(lag_sum / count == Approx(3.0).margin(0.2));  // positive: B follows A
    CHECK(r_sum / count > 0.9);
    CHECK(r_ind / count < 0.5);
}

TEST_CASE("HR cross-correlation: flat or missing heart rate gives no value", "[synchrony]") {
    HeartRateSync s;
    for (int i = 0; i < 200; ++i) s.push(70.0, 60.0 + (i % 7));
    CHECK(std::isnan(s.latest().max_r));  // A's HR never moves: correlation undefined
    for (int i = 0; i < 200; ++i) s.push(std::nan(""), 65.0);
    CHECK(std::isnan(s.latest().max_r));
}

TEST_CASE("joint coherence needs both partners coherent, at one rhythm", "[synchrony]") {
    CHECK(joint_coherence(4.0, 1.0) == Approx(2.0));
    CHECK(joint_coherence(4.0, 0.0) == 0.0);
    CHECK(joint_coherence(4.0, 1.0, 0.10, 0.11) == Approx(2.0));
    CHECK(joint_coherence(4.0, 1.0, 0.10, 0.20) == Approx(1.0));
    CHECK(std::isnan(joint_coherence(std::nan(""), 1.0)));
    DyadSynchrony d;
    d.set_coherence(9.0, 1.0);
    CHECK(d.metrics().joint_coherence == Approx(3.0));
    CHECK(d.summary().mean_joint_coherence == Approx(3.0));
}

TEST_CASE("simulated couple: a shared pacer locks their breathing, no pacer does not",
          "[synchrony][sim]") {
    for (std::uint64_t seed : {1u, 2u}) {
        const auto paced = simulate_couple(true, seed).summary;
        INFO("paced: plv " << paced.mean_plv << " in phase " << paced.mean_in_phase << " together "
             << paced.together_share << " hr r " << paced.mean_hr_max_r << " lag " << paced.median_hr_lag_s);
        CHECK(paced.mean_plv > 0.85);
        CHECK(paced.mean_in_phase > 0.7);  // the partners follow the pacer's phase: inhaling together
        CHECK(paced.together_share > 0.7);
        CHECK(paced.mean_hr_max_r > 0.6);  // both hearts swing with the same slow breathing
        CHECK(std::abs(paced.median_hr_lag_s) <= 3.0);
        CHECK(paced.mean_plv_a_pacer > 0.85);
        CHECK(paced.mean_plv_b_pacer > 0.85);

        const auto alone = simulate_couple(false, seed).summary;  // 12 vs 15 breaths/min
        INFO("alone: plv " << alone.mean_plv << " together " << alone.together_share << " hr r "
             << alone.mean_hr_max_r << " in sync " << alone.hr_sync_share);
        CHECK(alone.mean_hr_max_r < paced.mean_hr_max_r - 0.2);
        CHECK(alone.mean_plv < 0.35);
        CHECK(alone.together_share < 0.1);
        CHECK(std::isnan(alone.mean_plv_a_pacer));  // no pacer shown: nothing to lock to
    }
}

namespace {

// Known coupling in, measured coupling out, through the real pipeline: the simulated belt goes
// through the breath detector, and its phase is locked against the pacer's.
double measured_pacer_locking(double compliance, std::uint64_t seed) {
    auto profile = hardware::default_couple()[0];
    profile.episodes.clear();
    profile.pacer_compliance = compliance;
    hardware::SimulationConfig cfg;
    cfg.seed = seed;
    hardware::PartnerModel model(profile, cfg);
    model.set_pacer(hardware::PacerTarget{6.0, 0.4});
    std::vector<float> belt;
    for (const auto& chunk : model.advance_to(600.0))
        if (chunk.channel == hardware::kSimResp) belt.insert(belt.end(), chunk.values.begin(), chunk.values.end());
    const auto detected = rsp_process(belt, Hz{cfg.resp_rate_hz});
    PhaseLocking locking;
    double sum = 0.0;
    int windows = 0;
    const auto step = static_cast<std::size_t>(cfg.resp_rate_hz / 4.0);  // 4 Hz, as the engine
    for (std::size_t i = static_cast<std::size_t>(120.0 * cfg.resp_rate_hz); i < detected.phase_rad.size(); i += step) {
        const double t = static_cast<double>(i) / cfg.resp_rate_hz;
        const auto& lock = locking.push(detected.phase_rad[i], 2 * kPi * std::fmod(t / 10.0, 1.0));
        if (std::isfinite(lock.plv)) {
            sum += lock.plv;
            ++windows;
        }
    }
    return windows > 0 ? sum / windows : kNoValue;
}

}  // namespace

TEST_CASE("graded pacer compliance: the measured locking follows the coupling put in",
          "[synchrony][sim]") {
    for (std::uint64_t seed : {4u, 5u}) {
        double previous = 0.0;
        std::vector<double> plv;
        for (double compliance : {0.0, 0.5, 0.8, 1.0}) {
            plv.push_back(measured_pacer_locking(compliance, seed));
            INFO("seed " << seed << " compliance " << compliance << " plv " << plv.back());
            REQUIRE(std::isfinite(plv.back()));
            CHECK(plv.back() >= previous - 0.05);  // more coupling never measures as less
            previous = plv.back();
        }
        CHECK(plv.front() < 0.35);  // ignores the pacer: its own 12-15/min against 6/min
        CHECK(plv.back() > 0.8);    // follows it: locked (detected phase, not the truth)
        CHECK(plv.back() - plv.front() > 0.5);
    }
}

TEST_CASE("real recordings of unrelated people show low synchrony", "[synchrony][real]") {
    const std::string d = std::string(ATTUNE_DATA_DIR) + "/";
    // Breathing: the reference breaths of the NeuroKit resting recording, first half against
    // second half (the same person at different times is as unrelated as two people).
    std::ifstream in(d + "neurokit_bio_resting_5min_100hz_breaths.csv");
    REQUIRE(in.good());
    std::string line;
    std::getline(in, line);
    std::vector<double> onsets;
    while (std::getline(in, line))
        if (line.find("inhale") != std::string::npos) onsets.push_back(std::stod(line));
    REQUIRE(onsets.size() > 60);
    const auto first = breath_phase_from_onsets(onsets, 5.0, 4.0, 140 * 4);
    const auto second = breath_phase_from_onsets(onsets, 155.0, 4.0, 140 * 4);
    DyadSynchrony breathing;
    for (std::size_t k = 0; k < first.size(); ++k) breathing.push_breathing({first[k], second[k]});
    const auto bs = breathing.summary();
    CHECK(bs.mean_plv < 0.5);
    CHECK(bs.together_share < 0.2);

    // Heart rate: MIT-BIH 100's reference beats against the Polar H10 strap's RR intervals.
    std::vector<double> mit, polar;
    {
        std::ifstream f(d + "mitdb_100_beats.csv");
        REQUIRE(f.good());
        std::getline(f, line);
        while (std::getline(f, line)) {
            std::stringstream ss(line);
            std::string sample, time, label, is_beat;
            std::getline(ss, sample, ',');
            std::getline(ss, time, ',');
            std::getline(ss, label, ',');
            std::getline(ss, is_beat, ',');
            if (is_beat == "1") mit.push_back(std::stod(time));
        }
    }
    {
        std::ifstream f(d + "polar_h10_a_rr.csv");
        REQUIRE(f.good());
        std::getline(f, line);
        double t = 0.0;
        while (std::getline(f, line)) {
            t += std::stod(line.substr(line.rfind(',') + 1)) / 1000.0;
            polar.push_back(t);
        }
    }
    const auto hr_a = hr_per_second(mit, 590), hr_b = hr_per_second(polar, 590);
    DyadSynchrony hearts;
    for (std::size_t k = 0; k < hr_a.size(); ++k) hearts.push_heart_second(hr_a[k], hr_b[k]);
    const auto hs = hearts.summary();
    INFO("mean max r " << hs.mean_hr_max_r << ", share in sync " << hs.hr_sync_share);
    CHECK(std::isfinite(hs.mean_hr_max_r));
    CHECK(hs.mean_hr_max_r < 0.5);
    CHECK(hs.hr_sync_share < 0.35);
}
