// The live engine's per-partner pipelines against the simulated couple's ground truth.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>

#include "attune/session/engine.hpp"
#include "attune/session/simulated_device.hpp"

using namespace attune::session;
using attune::signal::Partner;

namespace {
struct Collector : SessionObserver {
    std::array<std::vector<double>, 2> beats;
    std::array<std::vector<PartnerSecond>, 2> seconds;
    void on_beats(Partner p, const std::vector<attune::signal::Beat>& b) override {
        for (const auto& beat : b) beats[index_of(p)].push_back(beat.time_s);
    }
    void on_second(Partner p, const PartnerSecond& s) override { seconds[index_of(p)].push_back(s); }
};

// Beats matched one-to-one within 150 ms (both lists sorted).
std::size_t matched(const std::vector<double>& truth, const std::vector<double>& found) {
    std::size_t i = 0, j = 0, hits = 0;
    while (i < truth.size() && j < found.size()) {
        const double d = found[j] - truth[i];
        if (std::abs(d) <= 0.15) { ++hits; ++i; ++j; }
        else if (d < 0) ++j;
        else ++i;
    }
    return hits;
}
}  // namespace

TEST_CASE("live beats match the simulator's true beats", "[session]") {
    EngineConfig config;
    config.speed = 0.0;
    config.sim.seed = 11;
    Engine engine(config);
    Collector c;
    engine.add_observer(&c);
    engine.run_for(300.0);
    for (Partner p : {Partner::A, Partner::B}) {
        const auto* sim = dynamic_cast<const SimulatedDevice*>(engine.device(p));
        REQUIRE(sim);
        std::vector<double> truth;
        for (double t : sim->model().ground_truth().beat_times_s)
            if (t > 3.0 && t < 299.0) truth.push_back(t);  // learning period and the last beat
        std::vector<double> found;
        for (double t : c.beats[index_of(p)])
            if (t > 3.0 && t < 299.0) found.push_back(t);
        std::sort(found.begin(), found.end());
        const auto hits = matched(truth, found);
        INFO("partner " << index_of(p) << ": truth " << truth.size() << ", found " << found.size());
        CHECK(double(hits) / double(truth.size()) > 0.97);   // sensitivity
        CHECK(double(hits) / double(found.size()) > 0.97);   // positive predictivity
    }
}

TEST_CASE("a scripted arousal episode is seen by the live pipeline, and calm is not", "[session][slow]") {
    EngineConfig config;
    config.speed = 0.0;
    config.sim.seed = 5;
    config.profiles[0].episodes = {{.start_s = 300.0, .rise_s = 30.0, .hold_s = 90.0, .recover_s = 60.0,
                                    .hr_increase_bpm = 25.0}};
    config.profiles[1].episodes.clear();
    Engine engine(config);
    Collector c;
    engine.add_observer(&c);
    engine.run_for(540.0);
    auto first_aroused = [&](Partner p) {
        for (const auto& s : c.seconds[index_of(p)])
            if (s.arousal_state != attune::signal::ArousalState::Calm) return s.time_s;
        return -1.0;
    };
    const double onset = first_aroused(Partner::A);
    CHECK(onset > 300.0);
    CHECK(onset < 330.0);
    CHECK(first_aroused(Partner::B) < 0.0);  // B stayed calm: no alarm
    bool logged = false;
    for (const auto& e : engine.log().events())
        logged = logged || (e.kind == "arousal" && e.partner == Partner::A);
    CHECK(logged);
}
