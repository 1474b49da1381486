// Physiology of the simulated partner, checked from its ground truth: rates match the
// profile, RSA has the right sign and resonance, the RR series has LF and HF power, arousal
// episodes and the breathing pacer do what physiology says.
#include <catch2/catch.hpp>

#include "sim_test_helpers.hpp"

using namespace sim_test;

TEST_CASE("heart and breathing rates match the profile", "[hardware][sim]") {
    const auto [hr, resp] = GENERATE(std::pair{66.0, 12.0}, std::pair{55.0, 8.0}, std::pair{92.0, 18.0});
    PartnerModel model(quiet_profile(hr, resp), clean_config());
    run(model, 300.0);
    const auto& truth = model.ground_truth();
    CHECK(mean_hr_bpm(truth, 0.0, 300.0) == Approx(hr).epsilon(0.04));
    CHECK(breath_rate_bpm(truth, 0.0, 300.0) == Approx(resp).epsilon(0.10));
    CHECK(model.current_hr_bpm() == Approx(hr).epsilon(0.15));
    CHECK(model.current_resp_rate_bpm() == Approx(resp).epsilon(0.4));
}

TEST_CASE("resting HRV is in the healthy adult range", "[hardware][sim]") {
    PartnerModel model(quiet_profile(66.0, 12.0), clean_config());
    run(model, 300.0);
    const double rmssd = rmssd_ms(model.ground_truth(), 0.0, 300.0);
    CHECK(rmssd > 15.0);
    CHECK(rmssd < 80.0);
}

TEST_CASE("heart rate is higher during inhalation than during exhalation", "[hardware][sim]") {
    PartnerModel model(quiet_profile(66.0, 12.0), clean_config(3));
    run(model, 300.0);
    const auto& truth = model.ground_truth();
    double sum_in = 0.0, sum_out = 0.0;
    int n_in = 0, n_out = 0;
    for (const auto& beat : sinus_beats_in(truth, 10.0, 300.0)) {
        // Phase of breathing at the beat: the last breath event before it.
        auto next = std::lower_bound(truth.breaths.begin(), truth.breaths.end(), beat.time_s,
                                     [](const GroundTruthBreath& b, double t) { return b.time_s < t; });
        REQUIRE(next != truth.breaths.begin());
        const bool inhaling = std::prev(next)->inhale;
        (inhaling ? sum_in : sum_out) += 60000.0 / beat.rr_ms;
        (inhaling ? n_in : n_out) += 1;
    }
    REQUIRE(n_in > 50);
    REQUIRE(n_out > 50);
    INFO("HR inhaling " << sum_in / n_in << " exhaling " << sum_out / n_out);
    CHECK(sum_in / n_in > sum_out / n_out + 1.0);
}

TEST_CASE("RSA is largest when breathing near 6 per minute (resonance)", "[hardware][sim]") {
    auto rr_sd = [](double resp_rate) {
        auto p = quiet_profile(66.0, resp_rate);
        p.lf_ms = 0.0;  // isolate RSA
        PartnerModel model(p, clean_config(5));
        run(model, 240.0);
        std::vector<double> rr;
        for (const auto& b : sinus_beats_in(model.ground_truth(), 20.0, 240.0)) rr.push_back(b.rr_ms);
        const double mean = std::accumulate(rr.begin(), rr.end(), 0.0) / static_cast<double>(rr.size());
        double ss = 0.0;
        for (double v : rr) ss += (v - mean) * (v - mean);
        return std::sqrt(ss / static_cast<double>(rr.size()));
    };
    const double at6 = rr_sd(6.0), at15 = rr_sd(15.0);
    INFO("RR SD at 6/min " << at6 << " ms, at 15/min " << at15 << " ms");
    CHECK(at6 > 2.0 * at15);
}

TEST_CASE("RR series has LF (Mayer) and HF (respiratory) power", "[hardware][sim]") {
    PartnerModel model(quiet_profile(66.0, 13.5), clean_config(21));
    run(model, 600.0, 5.0);
    const auto beats = sinus_beats_in(model.ground_truth(), 0.0, 600.0);
    // Tachogram resampled at 4 Hz (linear), detrended, Hann-windowed.
    const double fs = 4.0;
    std::vector<double> x;
    std::size_t j = 1;
    for (double t = beats.front().time_s; t < beats.back().time_s; t += 1.0 / fs) {
        while (j + 1 < beats.size() && beats[j].time_s < t) ++j;
        const auto& a = beats[j - 1];
        const auto& b = beats[j];
        const double f = std::clamp((t - a.time_s) / (b.time_s - a.time_s), 0.0, 1.0);
        x.push_back(a.rr_ms + f * (b.rr_ms - a.rr_ms));
    }
    const double n = static_cast<double>(x.size());
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = (x[i] - mean) * 0.5 * (1.0 - std::cos(2.0 * M_PI * static_cast<double>(i) / (n - 1.0)));
    double lf = 0.0, hf = 0.0, vlf = 0.0, lf_peak_f = 0.0, lf_peak = 0.0, hf_peak_f = 0.0, hf_peak = 0.0;
    for (double f = 0.01; f < 0.4; f += 0.0025) {
        const double p = power_at(x, fs, f);
        if (f < 0.04) vlf += p;
        else if (f < 0.15) {
            lf += p;
            if (p > lf_peak) lf_peak = p, lf_peak_f = f;
        } else {
            hf += p;
            if (p > hf_peak) hf_peak = p, hf_peak_f = f;
        }
    }
    const double total = vlf + lf + hf;
    INFO("LF " << lf / total << " (peak " << lf_peak_f << " Hz), HF " << hf / total << " (peak " << hf_peak_f
               << " Hz), VLF " << vlf / total);
    CHECK(lf / total > 0.15);
    CHECK(hf / total > 0.15);
    CHECK(lf_peak_f == Approx(0.1).margin(0.03));
    CHECK(hf_peak_f == Approx(13.5 / 60.0).margin(0.04));
}

TEST_CASE("an arousal episode raises HR by the scripted amount and lowers RMSSD", "[hardware][sim]") {
    const double increase = GENERATE(12.0, 20.0, 30.0);
    auto p = quiet_profile(66.0, 12.0);
    p.episodes.push_back({.start_s = 100.0, .rise_s = 20.0, .hold_s = 90.0, .recover_s = 40.0,
                          .hr_increase_bpm = increase});
    PartnerModel model(p, clean_config(8));
    run(model, 350.0);
    const auto& truth = model.ground_truth();
    const double base_hr = mean_hr_bpm(truth, 10.0, 100.0);
    const double hold_hr = mean_hr_bpm(truth, 125.0, 210.0);
    const double after_hr = mean_hr_bpm(truth, 270.0, 350.0);
    INFO("HR base " << base_hr << " hold " << hold_hr << " after " << after_hr);
    CHECK(hold_hr - base_hr == Approx(increase).margin(0.15 * increase + 1.5));
    CHECK(std::abs(after_hr - base_hr) < 4.0);
    const double base_rmssd = rmssd_ms(truth, 10.0, 100.0), hold_rmssd = rmssd_ms(truth, 125.0, 210.0);
    INFO("RMSSD base " << base_rmssd << " hold " << hold_rmssd);
    CHECK(hold_rmssd < 0.7 * base_rmssd);
    // Faster and shallower breathing.
    CHECK(breath_rate_bpm(truth, 125.0, 210.0) > breath_rate_bpm(truth, 10.0, 100.0) + 1.5);
    CHECK(mean_depth(truth, 125.0, 210.0) < 0.9 * mean_depth(truth, 10.0, 100.0));
    // Higher blood pressure: the pulse reaches the finger sooner.
    auto mean_transit = [&](double from, double to) {
        double sum = 0.0;
        int n = 0;
        for (const auto& b : sinus_beats_in(truth, from, to)) sum += b.pulse_peak_s - b.time_s, ++n;
        return sum / n;
    };
    CHECK(mean_transit(125.0, 210.0) < mean_transit(10.0, 100.0) - 0.02);
    REQUIRE(truth.episodes.size() == 1);
    CHECK(truth.episodes[0].start_s == 100.0);
    CHECK(truth.episodes[0].end_s == 250.0);
}

TEST_CASE("episodes added while running take effect", "[hardware][sim]") {
    PartnerModel model(quiet_profile(70.0, 12.0), clean_config(9));
    run(model, 60.0);
    model.add_episode({.start_s = 70.0, .rise_s = 10.0, .hold_s = 60.0, .recover_s = 10.0, .hr_increase_bpm = 25.0});
    run(model, 150.0);
    const auto& truth = model.ground_truth();
    CHECK(mean_hr_bpm(truth, 85.0, 140.0) - mean_hr_bpm(truth, 0.0, 60.0) > 18.0);
    CHECK(truth.episodes.size() == 1);
}

namespace {
struct PacedRun {
    GroundTruth truth;
};
PacedRun paced(double compliance, double lag_s, std::uint64_t seed = 4) {
    auto p = quiet_profile(70.0, 15.0);
    p.pacer_compliance = compliance;
    p.pacer_lag_s = lag_s;
    PartnerModel model(p, clean_config(seed));
    run(model, 120.0);
    model.set_pacer(PacerTarget{6.0, 0.4, 0.0});
    run(model, 330.0);
    return {model.ground_truth()};
}
}  // namespace

TEST_CASE("a compliant partner converges on the pacer with their lag", "[hardware][sim]") {
    const auto fast = paced(1.0, 5.0);
    const auto slow = paced(1.0, 30.0);
    // Before: own rate. Long after: the pacer's rate.
    CHECK(breath_rate_bpm(fast.truth, 20.0, 120.0) == Approx(15.0).epsilon(0.12));
    CHECK(breath_rate_bpm(fast.truth, 240.0, 330.0) == Approx(6.0).margin(0.4));
    CHECK(breath_rate_bpm(slow.truth, 240.0, 330.0) == Approx(6.0).margin(0.6));
    // Shortly after the pacer appears the slow follower is still well above it.
    const double fast_early = breath_rate_bpm(fast.truth, 130.0, 160.0);
    const double slow_early = breath_rate_bpm(slow.truth, 130.0, 160.0);
    INFO("30 s after the pacer: lag 5 s -> " << fast_early << "/min, lag 30 s -> " << slow_early << "/min");
    CHECK(fast_early < slow_early - 1.5);
    CHECK(slow_early > 8.0);
    // Locked in phase: inhalations start close to the pacer's (origin 0, every 10 s).
    std::vector<double> offsets;
    for (const auto& b : fast.truth.breaths)
        if (b.inhale && b.time_s > 240.0) offsets.push_back(std::abs(std::remainder(b.time_s, 10.0)));
    std::sort(offsets.begin(), offsets.end());
    REQUIRE(!offsets.empty());
    CHECK(offsets[offsets.size() / 2] < 1.0);
}

TEST_CASE("partial compliance settles between own rate and the pacer", "[hardware][sim]") {
    const auto half = paced(0.5, 8.0);
    CHECK(breath_rate_bpm(half.truth, 240.0, 330.0) == Approx(10.5).margin(1.2));
    const auto none = paced(0.0, 8.0);
    CHECK(breath_rate_bpm(none.truth, 240.0, 330.0) == Approx(15.0).epsilon(0.12));
}

TEST_CASE("paced slow breathing calms: lower HR, higher RMSSD", "[hardware][sim]") {
    // Averaged over three people-seeds: slow drift (VLF) moves a single 100 s mean by ~1 bpm.
    double hr_before = 0.0, hr_paced = 0.0, rmssd_before = 0.0, rmssd_paced = 0.0;
    for (std::uint64_t seed : {12, 13, 14}) {
        const auto truth = paced(1.0, 8.0, seed).truth;
        hr_before += mean_hr_bpm(truth, 20.0, 120.0) / 3.0;
        hr_paced += mean_hr_bpm(truth, 230.0, 330.0) / 3.0;
        rmssd_before += rmssd_ms(truth, 20.0, 120.0) / 3.0;
        rmssd_paced += rmssd_ms(truth, 230.0, 330.0) / 3.0;
    }
    INFO("HR " << hr_before << " -> " << hr_paced << ", RMSSD " << rmssd_before << " -> " << rmssd_paced);
    CHECK(hr_paced < hr_before - 2.5);
    CHECK(rmssd_paced > 1.3 * rmssd_before);
}

TEST_CASE("pacing during an episode speeds recovery", "[hardware][sim]") {
    auto p = quiet_profile(66.0, 14.0);
    p.episodes.push_back({.start_s = 60.0, .rise_s = 20.0, .hold_s = 200.0, .recover_s = 30.0, .hr_increase_bpm = 20.0});
    PartnerModel unpaced(p, clean_config(2)), guided(p, clean_config(2));
    run(unpaced, 100.0);
    run(guided, 100.0);
    guided.set_pacer(PacerTarget{6.0, 0.4, 0.0});
    run(unpaced, 250.0);
    run(guided, 250.0);
    const double hr_unpaced = mean_hr_bpm(unpaced.ground_truth(), 180.0, 250.0);
    const double hr_guided = mean_hr_bpm(guided.ground_truth(), 180.0, 250.0);
    INFO("HR late in the episode: unpaced " << hr_unpaced << ", guided " << hr_guided);
    CHECK(hr_guided < hr_unpaced - 5.0);
}

TEST_CASE("sighs come at the profile's rate and are two to three times deeper", "[hardware][sim]") {
    auto p = quiet_profile(66.0, 12.0);
    p.sighs_per_min = 1.0;
    PartnerModel model(p, clean_config(6));
    run(model, 600.0, 5.0);
    int sighs = 0;
    for (const auto& b : model.ground_truth().breaths) {
        if (!b.inhale || b.kind != BreathKind::Sigh) continue;
        ++sighs;
        CHECK(b.depth > 1.5 * p.resp_depth);
    }
    CHECK(sighs >= 4);   // Poisson, mean ~10 in 10 minutes
    CHECK(sighs <= 18);
}
