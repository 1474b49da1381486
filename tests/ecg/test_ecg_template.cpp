// QRS shape check of the R-peak detector: the templates themselves (alignment, median, ectopic
// learning) and the detector with motion-like spikes between the beats and with isolated PVCs.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "attune/signal/beat_scoring.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/ecg_template.hpp"
#include "synthetic_ecg.hpp"

using namespace attune::signal;
using attune::test::make_synthetic_ecg;
using attune::test::SyntheticEcgConfig;

namespace {

constexpr double kFs = 360.0;

double gauss(double t, double at, double width, double mv) {
    const double d = (t - at) / width;
    return mv * std::exp(-0.5 * d * d);
}
// A narrow normal QRS (q, R, s) and a wide ventricular one (broad R, deep late S).
double normal_qrs(double t) { return gauss(t, -0.025, 0.008, -0.12) + gauss(t, 0, 0.010, 1.2) + gauss(t, 0.025, 0.008, -0.3); }
double wide_qrs(double t) { return gauss(t, 0, 0.030, 1.0) + gauss(t, 0.06, 0.025, -0.8); }
// A second ventricular focus: a wide complex of the opposite main direction.
double wide_qrs_other(double t) { return gauss(t, 0, 0.035, -0.9) + gauss(t, 0.055, 0.03, 0.5); }
// Electrode motion: a steep jump of the baseline that settles slowly, unlike either QRS.
double motion(double t) { return t < 0 ? 0.0 : 2.0 * (std::exp(-t / 0.08) - std::exp(-t / 0.004)); }

void put(ecg_detail::History& h, std::int64_t centre, double (*shape)(double)) {
    for (std::int64_t i = centre - 100; i <= centre + 100; ++i)
        h.put(i, static_cast<float>(shape(static_cast<double>(i - centre) / kFs)));
}

attune::test::SyntheticEcg steady_ecg(double seconds) {
    SyntheticEcgConfig cfg;
    cfg.fs_hz = kFs;
    cfg.duration_s = seconds;
    cfg.wander_mv = 0.0;
    return make_synthetic_ecg(cfg);
}

std::vector<double> usable(const std::vector<Beat>& beats) {
    std::vector<double> t;
    for (const Beat& b : beats)
        if (b.quality != BeatQuality::Artifact) t.push_back(b.time_s);
    return t;
}

// Replaces beat k with a premature complex of `shape` at 60 % of its interval; the next beat
// keeps its time (a compensatory pause, as after a ventricular beat).
void make_premature(attune::test::SyntheticEcg& ecg, std::size_t k, double (*shape)(double)) {
    const double t = ecg.r_times_s[k];
    const double at = ecg.r_times_s[k - 1] + 0.6 * (t - ecg.r_times_s[k - 1]);
    for (std::int64_t i = std::llround((t - 0.35) * kFs); i <= std::llround((t + 0.35) * kFs); ++i)
        ecg.samples[static_cast<std::size_t>(i)] -= static_cast<float>(normal_qrs(static_cast<double>(i) / kFs - t));
    for (std::int64_t i = std::llround((at - 0.3) * kFs); i <= std::llround((at + 0.3) * kFs); ++i)
        ecg.samples[static_cast<std::size_t>(i)] += static_cast<float>(shape(static_cast<double>(i) / kFs - at));
    ecg.r_times_s[k] = at;
}

}  // namespace

TEST_CASE("QRS templates: aligned match, other shapes apart, ectopic shape learned on proof", "[ecg][signal][template]") {
    ecg_detail::History h(1024);
    ecg_detail::QrsTemplates t(kFs);
    put(h, 500, normal_qrs);
    CHECK_FALSE(t.match(h, 500, 300, 700).known);  // no template yet
    for (int k = 0; k < 3; ++k) {
        t.match(h, 500, 300, 700);
        t.learn_usual();
    }
    REQUIRE(t.has_usual());
    // The R peak placed 20 ms off (a notched or wide QRS): alignment finds the shape.
    auto m = t.match(h, 500 + 7, 300, 700);
    CHECK(m.known);
    CHECK(m.usual > 0.99f);
    CHECK(m.ectopic == -1.0f);
    // Needs the whole window in history.
    CHECK_FALSE(t.match(h, 500, 480, 700).known);

    put(h, 500, motion);
    CHECK(t.match(h, 500, 300, 700).usual < 0.7f);

    put(h, 500, wide_qrs);
    m = t.match(h, 500, 300, 700);
    CHECK(m.usual < 0.7f);
    t.hold_ectopic_candidate();
    CHECK_FALSE(t.has_ectopic());  // held, not yet proven
    t.promote_ectopic_candidate();
    REQUIRE(t.has_ectopic());
    CHECK(t.match(h, 500, 300, 700).ectopic > 0.99f);
    put(h, 500, normal_qrs);  // the usual template did not learn the ectopic beat
    CHECK(t.match(h, 500, 300, 700).usual > 0.99f);
}

TEST_CASE("motion spikes between beats are not beats (with the shape check off they were)", "[ecg][signal][template]") {
    auto ecg = steady_ecg(90.0);
    // A burst of electrode motion from 40 to 60 s: one swing in the middle of each interval.
    std::size_t spikes = 0;
    for (std::size_t k = 0; k + 1 < ecg.r_times_s.size(); ++k) {
        const double at = 0.5 * (ecg.r_times_s[k] + ecg.r_times_s[k + 1]);
        if (at < 40.0 || at > 60.0) continue;
        ++spikes;
        for (std::int64_t i = -40; i <= 40; ++i) {
            const auto n = static_cast<std::size_t>(std::llround(at * kFs) + i);
            ecg.samples[n] += static_cast<float>(motion(static_cast<double>(i) / kFs));
        }
    }
    EcgPeaksConfig off;
    off.template_match_r = -2.0;  // every shape matches: the plain Pan-Tompkins decisions
    const auto plain = score_beats(ecg.r_times_s, usable(ecg_peaks_pantompkins1985(ecg.samples, kFs, off).beats));
    REQUIRE(plain.fp >= spikes / 2);  // the spikes do pass the thresholds

    const auto result = ecg_peaks_pantompkins1985(ecg.samples, kFs);
    const auto s = score_beats(ecg.r_times_s, usable(result.beats));
    INFO("TP " << s.tp << " FP " << s.fp << " FN " << s.fn << " (spikes " << spikes << ", plain FP " << plain.fp << ")");
    CHECK(s.fn == 0);
    CHECK(s.fp <= 1);  // the first odd shape in a clean stretch gets the benefit of the doubt
    std::size_t suspect = 0;
    for (const auto& q : result.quality)
        if (q.second >= 40 && q.second < 60 && q.sqi < 0.5f) ++suspect;
    CHECK(suspect >= 10);  // the rejected spikes lower the quality of their seconds
}

TEST_CASE("isolated PVCs of a new shape and PVCs of a proven shape are kept", "[ecg][signal][template]") {
    auto ecg = steady_ecg(120.0);
    // A wide PVC once at 30 s (new shape), then every 8th beat from 60 s on.
    for (std::size_t k = 1; k + 1 < ecg.r_times_s.size(); ++k) {
        const double t = ecg.r_times_s[k];
        if ((t > 30.0 && ecg.r_times_s[k - 1] <= 30.0) || (t > 60.0 && k % 8 == 0)) make_premature(ecg, k, wide_qrs);
    }
    const auto result = ecg_peaks_pantompkins1985(ecg.samples, kFs);
    const auto s = score_beats(ecg.r_times_s, usable(result.beats));
    INFO("TP " << s.tp << " FP " << s.fp << " FN " << s.fn);
    CHECK(s.fn == 0);
    CHECK(s.fp == 0);
}

TEST_CASE("the usual template is a median: odd beats among the last five do not move it", "[ecg][signal][template]") {
    ecg_detail::History h(1024);
    ecg_detail::QrsTemplates t(kFs);
    auto learn = [&](double (*shape)(double)) {
        put(h, 500, shape);
        t.match(h, 500, 300, 700);
        t.learn_usual();
    };
    auto usual_r = [&](double (*shape)(double)) {
        put(h, 500, shape);
        return t.match(h, 500, 300, 700).usual;
    };
    learn(normal_qrs);
    learn(wide_qrs);
    learn(normal_qrs);
    CHECK(usual_r(normal_qrs) > 0.99f);  // 3 beats, one odd: the median is the normal beat
    learn(normal_qrs);
    learn(wide_qrs);
    CHECK(usual_r(normal_qrs) > 0.99f);  // 5 beats, two odd (the sorting-free median path)
    CHECK(usual_r(wide_qrs) < 0.7f);
    learn(wide_qrs);
    learn(wide_qrs);  // now three of the last five are wide: the template follows them
    CHECK(usual_r(wide_qrs) > 0.99f);
    CHECK(usual_r(normal_qrs) < 0.7f);
}

TEST_CASE("multiform PVCs: two ventricular shapes taking turns are kept", "[ecg][signal][template]") {
    auto ecg = steady_ecg(180.0);
    // From 20 s on, every 5th beat is a PVC, alternating between two shapes: two foci firing
    // in turn, as in multiform ectopy.
    int pvcs = 0;
    for (std::size_t k = 1; k + 1 < ecg.r_times_s.size(); ++k) {
        if (ecg.r_times_s[k] < 20.0 || k % 5 != 0) continue;
        make_premature(ecg, k, (pvcs++ % 2 == 0) ? wide_qrs : wide_qrs_other);
    }
    const auto result = ecg_peaks_pantompkins1985(ecg.samples, kFs);
    const auto s = score_beats(ecg.r_times_s, usable(result.beats));
    INFO("TP " << s.tp << " FP " << s.fp << " FN " << s.fn << " of " << ecg.r_times_s.size() << " beats, " << pvcs << " PVCs");
    CHECK(s.fp == 0);
    CHECK(s.fn <= 2);  // at most the first of each shape, while its shape is unproven
}
