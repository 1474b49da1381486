// HRV time and frequency domain against hand-derived values and an independent numpy/scipy
// reference (tests/hrv/reference/hrv_reference.py printed the constants); coherence; the
// rolling trackers give exactly the batch results.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "attune/signal/heart_rate.hpp"
#include "attune/signal/hrv.hpp"

using namespace attune::signal;

namespace {

// Same closed-form series as hrv_reference.py.
void reference_series(std::size_t n, std::vector<double>& t, std::vector<double>& nn) {
    double sum = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const double i = static_cast<double>(k);
        const double v = 800 + 50 * std::sin(0.7 * i) + 30 * std::sin(2.3 * i + 1) +
                         10 * std::sin(5.1 * i) + 40 * std::sin(2 * std::numbers::pi * i / 60.0);
        sum += v;
        nn.push_back(v);
        t.push_back(sum / 1000.0);
    }
}

// NN series modulated by a sine of the given frequency (Hz) and amplitude (ms), with noise.
void modulated_series(double seconds, double freq_hz, double amp_ms, double noise_ms,
                      std::vector<double>& t, std::vector<double>& nn, unsigned seed = 1) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, noise_ms);
    double now = 0.0;
    while (now < seconds) {
        const double v = 850.0 + amp_ms * std::sin(2 * std::numbers::pi * freq_hz * now) +
                         (noise_ms > 0 ? noise(rng) : 0.0);
        now += v / 1000.0;
        t.push_back(now);
        nn.push_back(v);
    }
}

}  // namespace

TEST_CASE("time domain on a hand-derivable series", "[hrv][metrics]") {
    // Differences: +100, -40, +60, -120 -> RMSSD sqrt((10000+1600+3600+14400)/4) = sqrt(7400).
    const std::vector<double> nn{800, 900, 860, 920, 800};
    const auto h = hrv_time(nn);
    CHECK(h.valid);
    CHECK(h.count == 5);
    CHECK(h.mean_nn_ms == Approx(856.0));
    CHECK(h.sdnn_ms == Approx(std::sqrt((56 * 56 + 44 * 44 + 4 * 4 + 64 * 64 + 56 * 56) / 4.0)));
    CHECK(h.rmssd_ms == Approx(std::sqrt(7400.0)));
    CHECK(h.pnn50_pct == Approx(75.0));
    CHECK(h.pnn20_pct == Approx(100.0));
    // SDSD: mean difference 0 -> sqrt(29600 / 3).
    CHECK(h.sdsd_ms == Approx(std::sqrt(29600.0 / 3.0)));
    CHECK(h.mean_hr_bpm == Approx((60000.0 / 800 * 2 + 60000.0 / 900 + 60000.0 / 860 +
                                   60000.0 / 920) / 5.0));
    CHECK_FALSE(hrv_time(std::vector<double>{800, 810}).valid);
    CHECK(hrv_time(std::vector<double>{}).count == 0);
}

TEST_CASE("time and frequency domain match the scipy reference", "[hrv][metrics]") {
    struct Ref {
        std::size_t n;
        double mean_nn, sdnn, rmssd, sdsd, pnn50, pnn20, mean_hr, vlf, lf, hf, lf_hf, vlf_peak,
            lf_peak, hf_peak;
    };
    const Ref refs[] = {
        {400, 801.8855596, 50.2605924, 46.34998353, 46.40814579, 35.0877193, 70.67669173,
         75.1201936, 796.6123802, 1211.052523, 90.05747639, 13.44755118, 0.01953125, 0.140625,
         0.234375},
        {150, 805.8278129, 50.35332663, 46.58232119, 46.73611818, 36.24161074, 73.82550336,
         74.75078286, 779.0334667, 1210.701341, 89.23743456, 13.56719125, 0.0234375, 0.140625,
         0.234375},
    };
    for (const Ref& r : refs) {
        std::vector<double> t, nn;
        reference_series(r.n, t, nn);
        const auto h = hrv_time(nn);
        CHECK(h.mean_nn_ms == Approx(r.mean_nn).epsilon(1e-8));
        CHECK(h.sdnn_ms == Approx(r.sdnn).epsilon(1e-8));
        CHECK(h.rmssd_ms == Approx(r.rmssd).epsilon(1e-8));
        CHECK(h.sdsd_ms == Approx(r.sdsd).epsilon(1e-8));
        CHECK(h.pnn50_pct == Approx(r.pnn50).epsilon(1e-8));
        CHECK(h.pnn20_pct == Approx(r.pnn20).epsilon(1e-8));
        CHECK(h.mean_hr_bpm == Approx(r.mean_hr).epsilon(1e-8));
        const auto f = hrv_frequency(t, nn);
        CHECK(f.vlf_ms2 == Approx(r.vlf).epsilon(1e-6));
        CHECK(f.lf_ms2 == Approx(r.lf).epsilon(1e-6));
        CHECK(f.hf_ms2 == Approx(r.hf).epsilon(1e-6));
        CHECK(f.lf_hf == Approx(r.lf_hf).epsilon(1e-6));
        CHECK(f.vlf_peak_hz == Approx(r.vlf_peak));
        CHECK(f.lf_peak_hz == Approx(r.lf_peak));
        CHECK(f.hf_peak_hz == Approx(r.hf_peak));
    }
}

TEST_CASE("a breathing-rate modulation lands in HF, a 0.1 Hz one in LF", "[hrv][metrics]") {
    std::vector<double> t, nn;
    modulated_series(300, 0.25, 40, 2, t, nn);
    const auto hf = hrv_frequency(t, nn);
    CHECK(hf.valid);
    CHECK(hf.hf_peak_hz == Approx(0.25).margin(0.01));
    CHECK(hf.hf_ms2 > 10 * hf.lf_ms2);
    // A sine of amplitude A has variance A^2/2: the band holds (nearly) all of it.
    CHECK(hf.hf_ms2 == Approx(40.0 * 40.0 / 2.0).epsilon(0.1));
    t.clear();
    nn.clear();
    modulated_series(300, 0.1, 40, 2, t, nn);
    const auto lf = hrv_frequency(t, nn);
    CHECK(lf.lf_peak_hz == Approx(0.1).margin(0.01));
    CHECK(lf.lf_hf > 10.0);
    CHECK_FALSE(hrv_frequency(std::vector<double>{1, 2}, std::vector<double>{800, 800}).valid);
}

TEST_CASE("coherence: paced breathing is coherent, irregular rhythm is not", "[hrv][coherence]") {
    std::vector<double> t, nn;
    modulated_series(120, 0.1, 80, 5, t, nn);
    const auto high = coherence_score(t, nn, 110.0);
    CHECK(high.valid);
    CHECK(high.peak_hz == Approx(0.1).margin(0.01));
    CHECK(high.ratio > 3.0);

    std::vector<double> tn, nnn;
    modulated_series(120, 0.1, 0, 40, tn, nnn);  // white-ish variability, no rhythm
    const auto low = coherence_score(tn, nnn, 110.0);
    CHECK(low.valid);
    CHECK(low.ratio < 0.5);
    CHECK(high.ratio > 10 * low.ratio);

    // A window not covered by beats is not valid.
    CHECK_FALSE(coherence_score(t, nn, 30.0).valid);
}

TEST_CASE("CoherenceTracker gives exactly coherence_score at every update", "[hrv][coherence]") {
    std::vector<double> t, nn;
    modulated_series(300, 0.12, 50, 15, t, nn, 9);
    const auto series = coherence_series(t, nn);
    REQUIRE(series.size() >= 55);
    std::size_t valid = 0;
    for (const Coherence& c : series) {
        const auto batch = coherence_score(t, nn, c.time_s);
        CHECK(c.valid == batch.valid);
        CHECK(c.ratio == batch.ratio);
        CHECK(c.peak_hz == batch.peak_hz);
        valid += c.valid;
    }
    CHECK(valid >= series.size() - 13);  // the first 64 s are not covered yet
    CHECK(series[1].time_s - series[0].time_s == Approx(5.0));
}

TEST_CASE("RollingHrv gives exactly hrv_time over its window", "[hrv][rolling]") {
    std::vector<double> t, nn;
    modulated_series(400, 0.25, 40, 10, t, nn, 4);
    RollingHrv rolling(RollingHrvConfig{60.0});
    for (std::size_t i = 0; i < t.size(); ++i) {
        rolling.push(t[i], nn[i]);
        if (i % 37 != 0) continue;
        std::size_t first = i;
        while (first > 0 && t[first - 1] > t[i] - 60.0) --first;
        const auto batch =
            hrv_time(std::span<const double>(nn).subspan(first, i - first + 1));
        const auto live = rolling.metrics();
        CHECK(live.count == batch.count);
        CHECK(live.rmssd_ms == batch.rmssd_ms);
        CHECK(live.sdnn_ms == batch.sdnn_ms);
        CHECK(live.pnn50_pct == batch.pnn50_pct);
    }
    rolling.reset();
    CHECK(rolling.metrics().count == 0);
    // A discontinuity removes exactly one successive difference.
    rolling.push(1.0, 800);
    rolling.push(1.8, 800);
    rolling.push(2.6, 900, false);
    rolling.push(3.5, 900);
    CHECK(rolling.metrics().rmssd_ms == 0.0);
}

TEST_CASE("heart rate: instantaneous, smoothed, one-beat outliers ignored", "[hrv][heart_rate]") {
    HeartRateTracker hr;
    double t = 0.0;
    for (int i = 0; i < 20; ++i) {
        t += 1.0;
        hr.push(Beat{t, 1000.0, 1.0f, BeatQuality::Good});
    }
    CHECK(hr.latest().smoothed_bpm == Approx(60.0));
    // A missed beat (2000 ms) shows instantaneously but does not move the smoothed rate.
    t += 2.0;
    hr.push(Beat{t, 2000.0, 1.0f, BeatQuality::Good});
    CHECK(hr.latest().instantaneous_bpm == Approx(30.0));
    CHECK(hr.latest().smoothed_bpm == Approx(60.0));
    // A real step to 90 bpm is followed within ~3 tau.
    for (int i = 0; i < 30; ++i) {
        t += 60.0 / 90.0;
        hr.push(Beat{t, 60000.0 / 90.0, 1.0f, BeatQuality::Good});
    }
    CHECK(hr.latest().smoothed_bpm == Approx(90.0).margin(2.0));
    // Artifacts and implausible intervals are ignored; no beat for long = unknown.
    hr.push(Beat{t + 0.1, 100.0, 1.0f, BeatQuality::Good});
    hr.push(Beat{t + 0.5, 500.0, 1.0f, BeatQuality::Artifact});
    CHECK(hr.latest().instantaneous_bpm == Approx(90.0));
    CHECK(hr.at(t + 1.0).smoothed_bpm > 0.0);
    CHECK(hr.at(t + 10.0).smoothed_bpm == 0.0);
    // Batch runs the same tracker.
    std::vector<Beat> beats;
    for (int i = 1; i <= 10; ++i) beats.push_back(Beat{i * 0.8, 800.0, 1.0f, BeatQuality::Good});
    const auto series = heart_rate_series(beats);
    REQUIRE(series.size() == 10);
    CHECK(series.back().smoothed_bpm == Approx(75.0));
}
