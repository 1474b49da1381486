#include <catch2/catch.hpp>
#include <cmath>

#include "attune/session/engine.hpp"
#include "attune/session/pacer.hpp"
#include "attune/session/trace_buffer.hpp"

using namespace attune::session;
using attune::signal::Partner;

namespace {
EngineConfig fast_config(std::uint64_t seed = 7) {
    EngineConfig c;
    c.speed = 0.0;
    c.sim.seed = seed;
    return c;
}

struct BeatCollector : SessionObserver {
    std::vector<double> a_beat_times;
    void on_beats(Partner p, const std::vector<attune::signal::Beat>& beats) override {
        if (p == Partner::A)
            for (const auto& b : beats) a_beat_times.push_back(b.time_s);
    }
};

struct CountingObserver : SessionObserver {
    std::size_t chunks = 0, samples = 0, ticks = 0;
    std::vector<SessionEvent> events;
    void on_chunk(Partner, const attune::signal::SampleChunk& c) override {
        ++chunks;
        samples += c.values.size();
    }
    void on_event(const SessionEvent& e) override { events.push_back(e); }
    void on_tick(const Snapshot&) override { ++ticks; }
};
}  // namespace

TEST_CASE("a simulated session flows from devices to the snapshot", "[session]") {
    Engine engine(fast_config());
    CountingObserver observer;
    engine.add_observer(&observer);
    engine.run_for(120.0);
    const auto snap = engine.snapshot();
    CHECK(snap->session_time_s == Approx(120.0).margin(0.05));
    for (int i = 0; i < 2; ++i) {
        const auto& p = snap->partners[static_cast<std::size_t>(i)];
        CHECK(p.has_signal);
        CHECK(p.hr_bpm > 50.0);
        CHECK(p.hr_bpm < 110.0);
        CHECK(p.resp_rate_bpm > 3.0);
        CHECK_FALSE(p.ecg.values.empty());
    }
    // The two simulated people differ (B's resting heart rate is higher in the default couple).
    CHECK(snap->partners[1].hr_bpm > snap->partners[0].hr_bpm);
    // ~120 s x (250 + 100 + 50) samples per partner
    CHECK(observer.samples == Approx(2 * 120 * 400).epsilon(0.01));
    CHECK(observer.ticks == Approx(120 * 30).margin(2));
}

TEST_CASE("the same seed gives the same session, another seed another", "[session]") {
    auto run = [](std::uint64_t seed) {
        Engine engine(fast_config(seed));
        BeatCollector collector;
        engine.add_observer(&collector);
        engine.run_for(60.0);
        return collector.a_beat_times;
    };
    const auto a = run(3), b = run(3), c = run(4);
    REQUIRE(a.size() > 50);
    CHECK(a == b);
    bool differs = a.size() != c.size();
    for (std::size_t i = 0; !differs && i < a.size(); ++i) differs = a[i] != c[i];
    CHECK(differs);
}

TEST_CASE("a pause request is logged with its time and who asked", "[session]") {
    Engine engine(fast_config());
    CountingObserver observer;
    engine.add_observer(&observer);
    engine.run_for(10.0);
    engine.post_pause_request(Partner::B);
    engine.post_marker("therapist note");
    engine.run_for(5.0);
    bool keypress = false, pause = false, marker = false;
    for (const auto& e : engine.log().events()) {
        keypress = keypress || (e.kind == "keypress" && e.partner == Partner::B);
        pause = pause || (e.kind == "pause" && e.time_s >= 10.0);
        marker = marker || (e.kind == "marker" && e.text == "therapist note");
    }
    CHECK(keypress);
    CHECK(pause);
    CHECK(marker);
    CHECK(engine.snapshot()->paused);
    CHECK(engine.snapshot()->cue.active);
    CHECK(observer.events.size() == engine.log().size());
}

TEST_CASE("an unknown device spec is refused with a clear message", "[session]") {
    EngineConfig c = fast_config();
    c.device_specs[0] = "carrier-pigeon:1";
    CHECK_THROWS_WITH(Engine(c), Catch::Contains("unknown device"));
}

TEST_CASE("the pacer eases through inhale and exhale once per breath", "[session]") {
    PacerSettings s{.breaths_per_min = 6.0, .inhale_fraction = 0.4};
    CHECK(pacer_phase(s, 0.0).stage == PacerStage::Inhale);
    CHECK(pacer_phase(s, 0.0).size == Approx(0.0).margin(1e-9));
    CHECK(pacer_phase(s, 4.0 - 1e-6).size == Approx(1.0).margin(1e-6));
    CHECK(pacer_phase(s, 5.0).stage == PacerStage::Exhale);
    CHECK(pacer_phase(s, 10.0).cycle == Approx(0.0).margin(1e-9));
    double prev = pacer_phase(s, 0.0).size, max_step = 0.0;
    for (double t = 0.01; t < 20.0; t += 0.01) {
        const double v = pacer_phase(s, t).size;
        max_step = std::max(max_step, std::abs(v - prev));
        prev = v;
    }
    CHECK(max_step < 0.01);  // smooth: never jumps
}

TEST_CASE("trace buffer keeps the newest samples, oldest first", "[session]") {
    TraceBuffer b(3);
    for (float v : {1.f, 2.f, 3.f, 4.f, 5.f}) b.push(v);
    CHECK(b.linear() == std::vector<float>{3.f, 4.f, 5.f});
    b.clear();
    CHECK(b.linear().empty());
}
