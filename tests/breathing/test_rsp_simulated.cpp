// The belt processor against the simulated partner's ground-truth breaths.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_scoring.hpp"

using namespace attune::signal;
using attune::hardware::PartnerModel;

namespace {
struct SimRun {
    std::vector<TimedBreath> truth, detected;
    double end_s = 0.0;
    std::vector<double> rate_error_bpm;  // |smoothed rate - true rate| once a second
};

SimRun simulate(attune::hardware::PartnerProfile profile, std::uint64_t seed, double seconds,
                bool pacer_at_half) {
    attune::hardware::SimulationConfig cfg;
    cfg.seed = seed;
    PartnerModel model(profile, cfg);
    RspProcessor proc({}, Hz{cfg.resp_rate_hz});
    SimRun run;
    // The model's belt is clean; add what a real belt adds: sensor noise (5 % of the depth)
    // and a slow baseline wander (posture, belt slip) of 70 % of a breath.
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 0.05 * profile.resp_depth);
    const double wander_hz = std::uniform_real_distribution<double>(0.005, 0.02)(rng);
    for (double t = 1.0; t <= seconds; t += 1.0) {
        if (pacer_at_half && t == seconds / 2) model.set_pacer(attune::hardware::PacerTarget{6.0, 0.4});
        for (const auto& chunk : model.advance_to(t)) {
            if (chunk.channel != attune::hardware::kSimResp) continue;
            for (std::size_t i = 0; i < chunk.values.size(); ++i) {
                const double ti = chunk.time_of(i);
                const double wander = 0.7 * profile.resp_depth * std::sin(2.0 * std::numbers::pi * wander_hz * ti);
                const auto x = static_cast<float>(chunk.values[i] + wander + noise(rng));
                if (auto e = proc.push(ti, x))
                    run.detected.push_back({e->time_s, e->kind});
            }
        }
        if (t > 30.0 && proc.rate_bpm() > 0.0)
            run.rate_error_bpm.push_back(std::abs(proc.rate_bpm() - model.current_resp_rate_bpm()));
    }
    for (const auto& b : model.ground_truth().breaths)
        run.truth.push_back({b.time_s, b.inhale ? RspEventKind::Inhale : RspEventKind::Exhale});
    run.end_s = seconds;
    return run;
}
}  // namespace

TEST_CASE("simulated partners' breaths are found, also through arousal and a 6/min pacer", "[breathing][sim]") {
    auto couple = attune::hardware::default_couple();
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        for (auto& profile : couple) {
            const auto run = simulate(profile, seed, 600.0, true);
            const std::vector<TimeSegment> edges{{0.0, 5.0}, {run.end_s - 2.0, run.end_s + 10.0}};
            const auto s = score_breaths(run.truth, run.detected, edges, breath_tolerance_s(run.truth));
            double mean_err = 0.0;
            for (double e : run.rate_error_bpm) mean_err += e;
            mean_err /= static_cast<double>(run.rate_error_bpm.size());
            INFO(profile.name << " seed " << seed << ": F1 " << s.f1 << " |dt| " << s.mean_abs_error_s
                               << " s, live rate error " << mean_err << " bpm");
            CHECK(s.f1 >= 0.98);
            CHECK(s.mean_abs_error_s < 0.25);
            CHECK(mean_err < 1.0);
        }
    }
}
