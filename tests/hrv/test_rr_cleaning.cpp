// Lipponen & Tarvainen 2019 RR cleaning: synthetic series with injected artifacts, the Polar H10
// strap's own RR intervals (many PVCs) and MIT-BIH annotated beats (PVCs labelled V).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "attune/signal/hrv.hpp"
#include "attune/signal/rr_cleaning.hpp"
#include "data_files.hpp"

using namespace attune::signal;

namespace {

// Physiological RR series: 800 ms mean, LF (0.1 Hz) and respiratory HF (0.25 Hz) modulation
// plus noise, deterministic.
std::vector<double> clean_rr(std::size_t n, unsigned seed = 7) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 12.0);
    std::vector<double> rr;
    double t = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = 800.0 + 40.0 * std::sin(2 * std::numbers::pi * 0.1 * t) +
                         25.0 * std::sin(2 * std::numbers::pi * 0.25 * t) + noise(rng);
        rr.push_back(v);
        t += v / 1000.0;
    }
    return rr;
}

std::vector<double> times_from_rr(const std::vector<double>& rr) {
    std::vector<double> t{0.0};
    for (double v : rr) t.push_back(t.back() + v / 1000.0);
    return t;
}

std::size_t flagged(const std::vector<RrArtifact>& cls) {
    return static_cast<std::size_t>(
        std::count_if(cls.begin(), cls.end(), [](RrArtifact a) { return a != RrArtifact::None; }));
}

}  // namespace

TEST_CASE("clean physiological series has no artifacts", "[hrv][rr_cleaning]") {
    const auto rr = clean_rr(600);
    const auto cls = classify_lipponen2019(rr);
    CHECK(flagged(cls) <= 1);  // at most one false alarm in 600 beats
    const auto r = lipponen2019(times_from_rr(rr));
    CHECK(r.nn_ms.size() == rr.size());
}

TEST_CASE("slow deep breathing (resonance, 6/min, +-20 % RSA) is not an artifact",
          "[hrv][rr_cleaning]") {
    // Paced breathing at 0.1 Hz is what this app trains; its large, smooth RR swings are the
    // signal, not artifacts.
    std::mt19937 rng(5);
    std::normal_distribution<double> noise(0.0, 10.0);
    std::vector<double> rr;
    double t = 0.0;
    for (int i = 0; i < 500; ++i) {
        rr.push_back(900.0 + 180.0 * std::sin(2 * std::numbers::pi * 0.1 * t) + noise(rng));
        t += rr.back() / 1000.0;
    }
    const auto cls = classify_lipponen2019(rr);
    CHECK(flagged(cls) <= 2);
}

TEST_CASE("each injected artifact is classified and corrected", "[hrv][rr_cleaning]") {
    auto rr = clean_rr(400);
    const auto truth = hrv_time(rr);

    SECTION("ectopic beat (premature + compensatory pause)") {
        const double premature = 0.35 * rr[100];
        rr[100] -= premature;
        rr[101] += premature;
        const auto cls = classify_lipponen2019(rr);
        CHECK((cls[100] != RrArtifact::None));
        CHECK((cls[101] == RrArtifact::Ectopic));
        CHECK(flagged(cls) <= 3);
        const auto r = lipponen2019(times_from_rr(rr));
        CHECK(r.nn_ms.size() == rr.size());
        CHECK(r.corrected() >= 2);
        CHECK(hrv_time(r.nn_ms).rmssd_ms == Approx(truth.rmssd_ms).epsilon(0.05));
    }
    SECTION("missed beat (two intervals merged)") {
        rr[200] += rr[201];
        rr.erase(rr.begin() + 201);
        const auto cls = classify_lipponen2019(rr);
        CHECK((cls[200] == RrArtifact::Missed));
        const auto r = lipponen2019(times_from_rr(rr));
        CHECK(r.counts.missed == 1);
        CHECK(r.nn_ms.size() == rr.size() + 1);  // the beat is put back
        CHECK(hrv_time(r.nn_ms).rmssd_ms == Approx(truth.rmssd_ms).epsilon(0.05));
    }
    SECTION("extra beat (one interval split)") {
        const double part = 0.3 * rr[150];
        rr.insert(rr.begin() + 151, rr[150] - part);
        rr[150] = part;
        const auto cls = classify_lipponen2019(rr);
        CHECK((cls[150] == RrArtifact::Extra));
        const auto r = lipponen2019(times_from_rr(rr));
        CHECK(r.counts.extra == 1);
        CHECK(r.nn_ms.size() == rr.size() - 1);  // the spurious beat is removed
        CHECK(hrv_time(r.nn_ms).rmssd_ms == Approx(truth.rmssd_ms).epsilon(0.05));
    }
    SECTION("long and short intervals (beat misplaced, timing error)") {
        rr[300] *= 1.45;
        rr[50] *= 0.6;
        const auto cls = classify_lipponen2019(rr);
        CHECK(cls[300] != RrArtifact::None);
        CHECK(cls[50] != RrArtifact::None);
        const auto r = lipponen2019(times_from_rr(rr));
        CHECK(r.corrected() >= 2);
        CHECK(hrv_time(r.nn_ms).rmssd_ms == Approx(truth.rmssd_ms).epsilon(0.05));
    }
}

TEST_CASE("sustained trigeminy: sinus intervals kept, premature + pause interpolated",
          "[hrv][rr_cleaning]") {
    const auto sinus = clean_rr(600, 13);
    std::vector<double> rr = sinus;
    for (std::size_t i = 1; i + 1 < rr.size(); i += 3) {  // every third beat premature
        const double premature = 0.35 * sinus[i];
        rr[i] = sinus[i] - premature;
        rr[i + 1] = sinus[i + 1] + premature;
    }
    const auto r = lipponen2019(times_from_rr(rr));
    REQUIRE(r.nn_ms.size() == sinus.size());
    std::size_t close = 0;
    for (std::size_t i = 0; i < sinus.size(); ++i)
        close += std::abs(r.nn_ms[i] - sinus[i]) < 0.10 * sinus[i];
    INFO("within 10 % of the sinus interval: " << close << "/" << sinus.size() << ", corrected " << r.corrected());
    CHECK(close >= sinus.size() * 95 / 100);
    CHECK(r.corrected() >= 350);
}

TEST_CASE("many random artifacts: HRV after correction stays close to the truth",
          "[hrv][rr_cleaning]") {
    const auto truth_rr = clean_rr(1000, 11);
    auto rr = truth_rr;
    std::mt19937 rng(3);
    std::size_t injected = 0;
    for (std::size_t i = 20; i + 20 < rr.size(); i += 37) {  // 2.7 % ectopic beats
        const double premature = std::uniform_real_distribution<double>(0.25, 0.4)(rng) * rr[i];
        rr[i] -= premature;
        rr[i + 1] += premature;
        ++injected;
    }
    const auto r = lipponen2019(times_from_rr(rr));
    const auto truth = hrv_time(truth_rr);
    const auto before = hrv_time(rr);
    const auto after = hrv_time(r.nn_ms);
    INFO("injected " << injected << " corrected " << r.corrected() << " rmssd truth "
                     << truth.rmssd_ms << " before " << before.rmssd_ms << " after "
                     << after.rmssd_ms);
    CHECK(r.counts.ectopic >= injected * 9 / 10);
    CHECK(before.rmssd_ms > 2.0 * truth.rmssd_ms);  // the artifacts matter...
    CHECK(after.rmssd_ms == Approx(truth.rmssd_ms).epsilon(0.05));  // ...and are gone
    CHECK(after.sdnn_ms == Approx(truth.sdnn_ms).epsilon(0.03));
}

TEST_CASE("degenerate input does not crash", "[hrv][rr_cleaning]") {
    CHECK(lipponen2019(std::vector<double>{}).nn_ms.empty());
    CHECK(lipponen2019(std::vector<double>{1.0}).nn_ms.empty());
    CHECK(lipponen2019(std::vector<double>{1.0, 1.8}).nn_ms.size() == 1);
    // Metronomic (no variability at all) with one jitter: no division by zero.
    std::vector<double> t;
    for (int i = 0; i < 200; ++i) t.push_back(i * 0.8 + (i == 100 ? 0.002 : 0.0));
    const auto r = lipponen2019(t);
    CHECK(r.nn_ms.size() == 199);
    for (double v : r.nn_ms) CHECK(std::isfinite(v));
    // Non-finite and out-of-order times, implausible intervals.
    std::vector<double> bad{0.0, 0.8, NAN, 1.6, 1.65, 2.4, 9.0, 9.8, 10.6, INFINITY};
    const auto rb = lipponen2019(bad);
    for (double v : rb.nn_ms) CHECK((v >= 200.0 && v <= 2400.0));
    CHECK(rb.counts.implausible >= 2);
}

TEST_CASE("beats with gaps are cleaned per segment", "[hrv][rr_cleaning]") {
    std::vector<Beat> beats;
    const auto rr = clean_rr(200);
    double t = 0.0;
    for (std::size_t i = 0; i < rr.size(); ++i) {
        t += rr[i] / 1000.0;
        Beat b{t, i == 0 ? 0.0 : rr[i], 1.0f, BeatQuality::Good};
        if (i == 100) {
            t += 30.0;  // 30 s without signal
            b.time_s = t;
            b.rr_ms = 0.0;
        }
        if (i == 150) b.quality = BeatQuality::Artifact;  // never counted
        beats.push_back(b);
    }
    const auto r = lipponen2019(beats);
    REQUIRE(r.segment_starts.size() == 2);
    CHECK(r.segment_starts[1] > 90);
    for (double v : r.nn_ms) CHECK(v < 1200.0);  // no interval spans the gap
}

TEST_CASE("Polar H10 strap RR with frequent PVCs is cleaned", "[hrv][rr_cleaning][data]") {
    const auto rr = hrv_test::read_column("polar_h10_a_rr.csv", "rr_ms");
    REQUIRE(rr.size() == 798);
    const auto t = times_from_rr(rr);
    const auto r = lipponen2019(t);
    // Irregular intervals (> 20 % from the local median) before and after.
    auto irregular = [](const std::vector<double>& x) {
        std::size_t count = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const std::size_t lo = i >= 5 ? i - 5 : 0, hi = std::min(x.size(), i + 6);
            std::vector<double> w(x.begin() + static_cast<std::ptrdiff_t>(lo),
                                  x.begin() + static_cast<std::ptrdiff_t>(hi));
            std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2), w.end());
            if (std::abs(x[i] / w[w.size() / 2] - 1.0) > 0.2) ++count;
        }
        return count;
    };
    const std::size_t before = irregular(rr), after = irregular(r.nn_ms);
    INFO("irregular before " << before << " after " << after << " corrected " << r.corrected()
                             << " ectopic " << r.counts.ectopic << " long " << r.counts.long_
                             << " short " << r.counts.short_ << " missed " << r.counts.missed
                             << " extra " << r.counts.extra);
    CHECK(before > 300);
    CHECK(after < rr.size() / 50);
    // Mostly a ventricular trigeminy: about 2 of every 3 intervals are premature or pauses; the
    // correction keeps every beat and the mean interval (premature + pause = 2 sinus cycles).
    CHECK(r.corrected() > 450);
    CHECK(r.corrected() < 600);
    double sum_before = 0.0, sum_after = 0.0;
    for (double v : rr) sum_before += v;
    for (double v : r.nn_ms) sum_after += v;
    CHECK(sum_after / double(r.nn_ms.size()) ==
          Approx(sum_before / double(rr.size())).epsilon(0.01));
    // The cleaned series spans the same time.
    CHECK(r.nn_times_s.back() == Approx(t.back()).margin(1e-9));
}

TEST_CASE("MIT-BIH PVC beats are found as artifacts", "[hrv][rr_cleaning][data]") {
    for (const char* record : {"106", "116", "119"}) {
        const std::string file = std::string("mitdb_") + record + "_beats.csv";
        const auto times = hrv_test::read_column(file, "time_s");
        const auto labels = hrv_test::read_text_column(file, "label");
        std::vector<double> rr;
        for (std::size_t i = 1; i < times.size(); ++i) rr.push_back((times[i] - times[i - 1]) * 1000.0);
        const auto cls = classify_lipponen2019(rr);
        // Interval i ends at beat i + 1. A PVC shows on the interval ending at it or the next.
        std::size_t pvc = 0, pvc_found = 0, normal = 0, normal_flagged = 0;
        for (std::size_t b = 1; b + 1 < times.size(); ++b) {
            const bool flagged_here = cls[b - 1] != RrArtifact::None || cls[b] != RrArtifact::None;
            if (labels[b] == "V") {
                ++pvc;
                if (flagged_here) ++pvc_found;
            } else if (labels[b - 1] != "V" && labels[b + 1] != "V") {
                ++normal;
                if (cls[b - 1] != RrArtifact::None) ++normal_flagged;
            }
        }
        const double se = double(pvc_found) / double(pvc);
        const double fp = double(normal_flagged) / double(normal);
        INFO("mitdb " << record << ": PVC " << pvc_found << "/" << pvc << " flagged, normal "
                      << normal_flagged << "/" << normal << " flagged");
        CHECK(se >= 0.95);
        CHECK(fp <= 0.01);
    }
}
