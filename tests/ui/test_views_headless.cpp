// Every view drawn headless (an ImGui context and font atlas, no window) from real and odd
// snapshots: nothing crashes, every view draws, and the couple's screen shows the cue when the
// protocol has one up.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "attune/session/engine.hpp"
#include "attune/ui/headless.hpp"

using namespace attune;
using session::Snapshot;

namespace {

const char* const kViews[] = {"pacer", "cue", "clinician", "setup", "review"};

Snapshot simulated_snapshot(double seconds, double pause_at_s = -1.0) {
    session::EngineConfig config;
    config.speed = 0.0;
    if (pause_at_s >= 0.0) config.pause_at_s = pause_at_s;
    session::Engine engine(config);
    engine.run_for(seconds);
    return *engine.snapshot();
}

}  // namespace

TEST_CASE("every view draws an empty snapshot without crashing", "[ui]") {
    ui::HeadlessUi ui;
    const Snapshot empty;
    for (const char* view : kViews) {
        INFO(view);
        CHECK(ui.frame(empty, view) > 0);
    }
}

TEST_CASE("every view draws a simulated session, the clinician panel the most", "[ui]") {
    ui::HeadlessUi ui(1920, 1080);
    const Snapshot snap = simulated_snapshot(120.0);
    REQUIRE(snap.partners[0].has_signal);
    std::size_t clinician = 0, pacer = 0;
    for (int frame = 0; frame < 3; ++frame) {  // a few frames: layouts settle after the first
        for (const char* view : kViews) {
            INFO(view);
            const std::size_t v = ui.frame(snap, view);
            CHECK(v > 200);
            if (std::string(view) == "clinician") clinician = v;
            if (std::string(view) == "pacer") pacer = v;
        }
    }
    CHECK(clinician > pacer);  // five traces per partner and the log
}

TEST_CASE("the couple's screen shows the protocol's cue when one is up", "[ui]") {
    ui::HeadlessUi ui;
    const Snapshot snap = simulated_snapshot(70.0, 65.0);  // a scripted pause at 65 s
    REQUIRE(snap.cue.active);
    REQUIRE(snap.paused);
    ui.frame(snap, "cue");
    const std::size_t as_cue = ui.frame(snap, "cue");
    ui.frame(snap, "pacer");
    CHECK(ui.frame(snap, "pacer") == as_cue);
    Snapshot no_cue = snap;
    no_cue.cue.active = false;
    ui.frame(no_cue, "pacer");
    CHECK(ui.frame(no_cue, "pacer") != as_cue);
}

TEST_CASE("odd snapshots draw: NaN numbers, long words, a words step, a tiny window", "[ui]") {
    Snapshot odd = simulated_snapshot(30.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    odd.partners[0].hr_bpm = nan;
    odd.partners[0].arousal = nan;
    odd.partners[1].resp_size = 7.0;
    odd.partners[1].name = std::string(300, 'W');
    odd.partners[0].resp.values.assign(5, std::numeric_limits<float>::infinity());
    odd.cue.active = true;
    odd.cue.title = std::string(200, 'x');
    odd.cue.text = std::string(2000, 'y') + " and some words to wrap";
    odd.cue.words = {"calm", "tired", "hopeful", "tense", "sad", "close", "distant", "grateful"};
    odd.cue.picked[0] = {"calm"};
    odd.cue.awaiting_answers = true;
    odd.cue.answers[1] = session::Answer::Continue;
    odd.cue.remaining_s = 5.0;
    odd.cue.total_s = 0.0;  // a countdown without a total must not divide by zero
    odd.protocol.consent_checks = true;
    odd.protocol.halted = true;
    for (auto [w, h] : {std::pair{1920, 1080}, std::pair{320, 240}}) {
        ui::HeadlessUi ui(w, h);
        for (const char* view : kViews) {
            INFO(view << " at " << w << "x" << h);
            CHECK(ui.frame(odd, view) > 0);
        }
    }
}
