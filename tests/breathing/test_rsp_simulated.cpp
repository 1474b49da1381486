// The belt processor against the simulated partner's ground-truth breaths.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_scoring.hpp"

using namespace attune::signal;
using attune::hardware::PartnerModel;

namespace {
struct SimRun {
    std::vector<TimedBreath> truth, detected;
    std::vector<TimeSegment> unreadable;  // belt motion and speech: not scored
    double end_s = 0.0;
};

SimRun simulate(const attune::hardware::PartnerProfile& profile, std::uint64_t seed, double seconds,
                bool artifacts) {
    attune::hardware::SimulationConfig cfg;
    cfg.seed = seed;
    cfg.artifacts = artifacts;
    PartnerModel model(profile, cfg);
    RspProcessor proc({}, Hz{cfg.resp_rate_hz});
    SimRun run;
    for (double t = 1.0; t <= seconds; t += 1.0) {
        if (t == seconds / 2) model.set_pacer(attune::hardware::PacerTarget{6.0, 0.4});
        for (const auto& chunk : model.advance_to(t)) {
            if (chunk.channel != attune::hardware::kSimResp) continue;
            for (std::size_t i = 0; i < chunk.values.size(); ++i)
                if (auto e = proc.push(chunk.time_of(i), chunk.values[i]))
                    run.detected.push_back({e->time_s, e->kind});
        }
    }
    const auto& truth = model.ground_truth();
    for (const auto& b : truth.breaths)
        run.truth.push_back({b.time_s, b.inhale ? RspEventKind::Inhale : RspEventKind::Exhale});
    for (const auto& a : truth.artifacts)
        if (a.channels & (1u << attune::hardware::kSimResp))
            run.unreadable.push_back({a.start_s - 1.0, a.end_s + 1.0});
    run.unreadable.push_back({0.0, 5.0});
    run.unreadable.push_back({seconds - 2.0, seconds + 10.0});
    run.end_s = seconds;
    return run;
}

void check_run(const SimRun& run, const std::string& what) {
    const auto s = score_breaths(run.truth, run.detected, run.unreadable, breath_tolerance_s(run.truth));
    const auto r = compare_rates(run.truth, run.detected, run.unreadable, 0.0, run.end_s);
    INFO(what << ": F1 " << s.f1 << " |dt| " << s.mean_abs_error_s << " s, rate MAE "
              << r.mean_abs_error_bpm << " bpm over " << r.windows << " windows");
    CHECK(s.f1 >= 0.95);
    CHECK(s.mean_abs_error_s < 0.3);
    CHECK(r.windows >= 10);
    CHECK(r.mean_abs_error_bpm <= 1.0);
}
}  // namespace

TEST_CASE("simulated partners' breaths are found through arousal, sighs and a 6/min pacer", "[breathing][sim]") {
    for (std::uint64_t seed : {1u, 2u, 3u})
        for (const auto& profile : attune::hardware::default_couple())
            check_run(simulate(profile, seed, 600.0, false),
                      profile.name + " seed " + std::to_string(seed) + " clean belt");
}

TEST_CASE("simulated partners' breaths are found with motion, speech and drift outside the artifacts", "[breathing][sim]") {
    for (std::uint64_t seed : {1u, 2u, 3u})
        for (const auto& profile : attune::hardware::default_couple())
            check_run(simulate(profile, seed, 600.0, true),
                      profile.name + " seed " + std::to_string(seed) + " with artifacts");
}
