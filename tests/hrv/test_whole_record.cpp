// Whole-record HRV in constant memory (hrv.json of `attune analyze`): WholeRecordHrv and
// ChunkedLipponen2019 against the batch functions they replace on long recordings.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "attune/signal/hrv.hpp"
#include "attune/signal/rr_cleaning.hpp"

using namespace attune::signal;

namespace {

// Hours of sinus rhythm: slow drift, Mayer waves (0.1 Hz), breathing (0.25 Hz), noise.
std::vector<Beat> sinus_beats(double hours, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 10.0);
    std::vector<Beat> beats{Beat{1.0, 0.0, 1.0f, BeatQuality::Good}};
    double t = 1.0;
    while (t < hours * 3600.0) {
        const double rr = 850.0 + 60.0 * std::sin(2 * std::numbers::pi * t / 1800.0) +
                          35.0 * std::sin(2 * std::numbers::pi * 0.1 * t) +
                          25.0 * std::sin(2 * std::numbers::pi * 0.25 * t) + noise(rng);
        t += rr / 1000.0;
        beats.push_back(Beat{t, rr, 1.0f, BeatQuality::Good});
    }
    return beats;
}

// Artifacts every few dozen beats: premature beats with a compensatory pause, missed and
// extra detections, and one gap.
std::vector<Beat> with_artifacts(std::vector<Beat> beats) {
    std::vector<Beat> out;
    for (std::size_t i = 0; i < beats.size(); ++i) {
        Beat b = beats[i];
        if (i % 97 == 50 && i + 1 < beats.size()) b.time_s -= 0.25;  // premature
        if (i % 211 == 100) continue;                                 // missed
        out.push_back(b);
        if (i % 307 == 200 && i + 1 < beats.size())                   // extra
            out.push_back(Beat{0.5 * (b.time_s + beats[i + 1].time_s), 1.0, 1.0f, BeatQuality::Good});
    }
    for (std::size_t i = 1; i < out.size(); ++i) out[i].rr_ms = (out[i].time_s - out[i - 1].time_s) * 1000.0;
    out[out.size() / 2].rr_ms = 0.0;  // a gap: a new segment
    return out;
}

double rel(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-12); }

WholeRecordHrv whole_of(const RrCleaningResult& r) {
    WholeRecordHrv w;
    for (std::size_t i = 0; i < r.nn_ms.size(); ++i) w.push(r.nn_times_s[i], r.nn_ms[i]);
    return w;
}

void check_frequency_close(const HrvFrequency& f, const HrvFrequency& ref, double tol) {
    REQUIRE(f.valid == ref.valid);
    CHECK(rel(f.vlf_ms2, ref.vlf_ms2) < tol);
    CHECK(rel(f.lf_ms2, ref.lf_ms2) < tol);
    CHECK(rel(f.hf_ms2, ref.hf_ms2) < tol);
    CHECK(rel(f.lf_hf, ref.lf_hf) < tol);
    CHECK(f.lf_peak_hz == Approx(ref.lf_peak_hz));
    CHECK(f.hf_peak_hz == Approx(ref.hf_peak_hz));
}

}  // namespace

TEST_CASE("WholeRecordHrv == batch hrv_time / hrv_frequency over hours", "[hrv][whole]") {
    const auto beats = sinus_beats(3.0, 1);
    const auto batch = lipponen2019(std::span<const Beat>(beats));
    REQUIRE(batch.nn_ms.size() > 12000);
    auto w = whole_of(batch);
    const auto t = w.time_domain(), tref = hrv_time(batch.nn_ms);
    CHECK(w.count() == batch.nn_ms.size());
    CHECK(rel(t.mean_nn_ms, tref.mean_nn_ms) < 1e-9);
    CHECK(rel(t.sdnn_ms, tref.sdnn_ms) < 1e-9);
    CHECK(rel(t.rmssd_ms, tref.rmssd_ms) < 1e-9);
    CHECK(rel(t.sdsd_ms, tref.sdsd_ms) < 1e-9);
    CHECK(t.pnn50_pct == tref.pnn50_pct);
    CHECK(t.pnn20_pct == tref.pnn20_pct);
    CHECK(rel(t.mean_hr_bpm, tref.mean_hr_bpm) < 1e-9);
    // Segment by segment, each spline over its own stretch: the same Welch average.
    check_frequency_close(w.frequency(), hrv_frequency(batch.nn_times_s, batch.nn_ms), 1e-4);
}

TEST_CASE("WholeRecordHrv on a short record is exactly the batch computation", "[hrv][whole]") {
    const auto beats = sinus_beats(0.1, 2);  // 6 min: the ring keeps every interval
    const auto batch = lipponen2019(std::span<const Beat>(beats));
    auto w = whole_of(batch);
    const auto f = w.frequency(), ref = hrv_frequency(batch.nn_times_s, batch.nn_ms);
    REQUIRE(ref.valid);
    CHECK(f.lf_ms2 == ref.lf_ms2);
    CHECK(f.hf_ms2 == ref.hf_ms2);
    CHECK(f.vlf_ms2 == ref.vlf_ms2);
}

TEST_CASE("WholeRecordHrv: no successive difference across a gap, and degenerate input", "[hrv][whole]") {
    WholeRecordHrv w;
    w.push(1.0, 800.0);
    w.push(1.8, 800.0);
    w.push(100.0, 900.0, false);  // after a gap: its 100 ms step is not a successive difference
    w.push(100.9, 900.0);
    const auto t = w.time_domain();
    CHECK(t.rmssd_ms == 0.0);
    CHECK(t.pnn50_pct == 0.0);
    CHECK_FALSE(w.frequency().valid);
    WholeRecordHrv empty;
    CHECK_FALSE(empty.time_domain().valid);
    CHECK_FALSE(empty.frequency().valid);
    WholeRecordHrv hostile;  // backwards and non-finite times, a burst of 50 beats per second
    for (int i = 0; i < 20000; ++i)
        hostile.push(i % 7 == 0 ? NAN : 0.02 * i - (i % 13 == 0 ? 5.0 : 0.0), 800.0 + i % 50);
    CHECK(std::isfinite(hostile.time_domain().mean_nn_ms));
    (void)hostile.frequency();
}

TEST_CASE("ChunkedLipponen2019 == lipponen2019 over hours with artifacts", "[hrv][whole]") {
    const auto beats = with_artifacts(sinus_beats(3.0, 3));
    const auto batch = lipponen2019(std::span<const Beat>(beats));
    ChunkedLipponen2019 chunked;
    std::vector<NnInterval> nn;
    for (const Beat& b : beats)
        for (const auto& x : chunked.push(b)) nn.push_back(x);
    for (const auto& x : chunked.finish()) nn.push_back(x);
    // Same intervals, far from and across the window edges.
    REQUIRE(nn.size() == batch.nn_ms.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < nn.size(); ++i)
        if (nn[i].time_s != batch.nn_times_s[i] || nn[i].nn_ms != batch.nn_ms[i]) ++differ;
    CHECK(differ == 0);
    const auto& c = chunked.counts();
    const auto& cref = batch.counts;
    INFO("chunked " << c.total() << " batch " << cref.total());
    CHECK(c.implausible == cref.implausible);
    // Counted from the corrections kept, the batch form counts every interval each pass
    // flags (a merged extra beat and its neighbour are two): somewhat fewer (377 vs 416 here).
    CHECK(c.total() <= cref.total());
    CHECK(static_cast<double>(c.total()) >= 0.85 * static_cast<double>(cref.total()));
    CHECK(c.ectopic > 50);
    // A recording shorter than one window is exactly the batch form, counts included.
    const std::vector<Beat> part(beats.begin(), beats.begin() + 3000);
    ChunkedLipponen2019 one;
    for (const Beat& b : part) (void)one.push(b);
    const auto last = one.finish();
    const auto ref = lipponen2019(std::span<const Beat>(part));
    CHECK(last.size() == ref.nn_ms.size());
    CHECK(one.counts().total() == ref.counts.total());
}
