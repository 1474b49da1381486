// RrCleaner, the causal one-pass Lipponen 2019 for live display: same code as its batch form,
// finds the injected artifacts, agrees with the batch (centred) form on real PVCs.
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

std::vector<double> physiological_rr(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 12.0);
    std::vector<double> rr;
    double t = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        rr.push_back(800.0 + 40.0 * std::sin(2 * std::numbers::pi * 0.1 * t) +
                     25.0 * std::sin(2 * std::numbers::pi * 0.25 * t) + noise(rng));
        t += rr.back() / 1000.0;
    }
    return rr;
}

std::vector<Beat> beats_from(const std::vector<double>& rr) {
    std::vector<Beat> beats{Beat{0.0, 0.0, 1.0f, BeatQuality::Good}};
    double t = 0.0;
    for (double v : rr) {
        t += v / 1000.0;
        beats.push_back(Beat{t, v, 1.0f, BeatQuality::Good});
    }
    return beats;
}

std::vector<double> values(const std::vector<NnInterval>& nn) {
    std::vector<double> v;
    for (const auto& x : nn) v.push_back(x.nn_ms);
    return v;
}

}  // namespace

TEST_CASE("streaming RR cleaner: pushing beats one by one == its batch form",
          "[hrv][rr_cleaning][streaming]") {
    auto rr = physiological_rr(500, 21);
    rr[100] *= 0.6;
    rr[101] += 0.4 * rr[100] / 0.6;
    rr[300] += rr[301];
    rr.erase(rr.begin() + 301);
    const auto beats = beats_from(rr);
    const auto batch = clean_rr_streaming(beats);
    RrCleaner cleaner;
    std::vector<NnInterval> live;
    for (const Beat& b : beats)
        for (const auto& nn : cleaner.push(b)) live.push_back(nn);
    for (const auto& nn : cleaner.finish()) live.push_back(nn);
    REQUIRE(live.size() == batch.size());
    for (std::size_t i = 0; i < live.size(); ++i) {
        CHECK(live[i].time_s == batch[i].time_s);
        CHECK(live[i].nn_ms == batch[i].nn_ms);
        CHECK(live[i].corrected_as == batch[i].corrected_as);
    }
    cleaner.reset();
    CHECK(cleaner.counts().total() == 0);
}

TEST_CASE("streaming RR cleaner finds and corrects injected artifacts",
          "[hrv][rr_cleaning][streaming]") {
    const auto truth = physiological_rr(1000, 22);
    auto rr = truth;
    std::size_t ectopic = 0;
    for (std::size_t i = 30; i + 30 < rr.size(); i += 41) {
        const double premature = 0.35 * rr[i];
        rr[i] -= premature;
        rr[i + 1] += premature;
        ++ectopic;
    }
    rr[500] += rr[501];  // one missed beat
    rr.erase(rr.begin() + 501);
    const double part = 0.3 * rr[700];  // one extra beat
    rr.insert(rr.begin() + 701, rr[700] - part);
    rr[700] = part;

    RrCleaner cleaner;
    std::vector<NnInterval> out;
    for (const Beat& b : beats_from(rr))
        for (const auto& nn : cleaner.push(b)) out.push_back(nn);
    for (const auto& nn : cleaner.finish()) out.push_back(nn);
    const auto& counts = cleaner.counts();
    INFO("ectopic " << counts.ectopic << " short " << counts.short_ << " long " << counts.long_
                    << " missed " << counts.missed << " extra " << counts.extra);
    CHECK(counts.ectopic >= ectopic * 9 / 10);
    CHECK(counts.missed == 1);
    CHECK(counts.extra == 1);
    CHECK(out.size() == truth.size());
    const auto got = hrv_time(values(out));
    const auto want = hrv_time(truth);
    CHECK(got.rmssd_ms == Approx(want.rmssd_ms).epsilon(0.08));
    CHECK(got.sdnn_ms == Approx(want.sdnn_ms).epsilon(0.05));
}

TEST_CASE("streaming RR cleaner on real PVCs and the Polar H10 trigeminy",
          "[hrv][rr_cleaning][streaming][data]") {
    for (const char* record : {"106", "116", "119"}) {
        const std::string file = std::string("mitdb_") + record + "_beats.csv";
        const auto times = hrv_test::read_column(file, "time_s");
        const auto labels = hrv_test::read_text_column(file, "label");
        std::vector<Beat> beats;
        for (double t : times) beats.push_back(Beat{t, beats.empty() ? 0.0 : 1.0, 1.0f, BeatQuality::Good});
        const auto out = clean_rr_streaming(beats);
        // A PVC counts as found when an interval ending at it or at the next beat was corrected.
        std::size_t pvc = 0, found = 0;
        std::size_t j = 0;
        for (std::size_t b = 1; b + 1 < times.size(); ++b) {
            if (labels[b] != "V") continue;
            ++pvc;
            while (j < out.size() && out[j].time_s < times[b] - 1e-9) ++j;
            bool hit = false;
            for (std::size_t k = j; k < out.size() && out[k].time_s <= times[b + 1] + 1e-9; ++k)
                hit = hit || out[k].corrected_as != RrArtifact::None;
            found += hit;
        }
        std::size_t corrected = 0;
        for (const auto& nn : out) corrected += nn.corrected_as != RrArtifact::None;
        INFO("mitdb " << record << ": PVC " << found << "/" << pvc << ", corrected " << corrected
                      << " of " << out.size());
        CHECK(double(found) / double(pvc) >= 0.95);
        CHECK(corrected <= 3 * pvc + 10);  // normal beats are mostly left alone
    }
    const auto rr = hrv_test::read_column("polar_h10_a_rr.csv", "rr_ms");
    const auto out = clean_rr_streaming(beats_from(rr));
    const auto v = values(out);
    std::size_t irregular = 0;
    for (std::size_t i = 5; i + 5 < v.size(); ++i) {
        std::vector<double> w(v.begin() + static_cast<std::ptrdiff_t>(i) - 5,
                              v.begin() + static_cast<std::ptrdiff_t>(i) + 6);
        std::nth_element(w.begin(), w.begin() + 5, w.end());
        irregular += std::abs(v[i] / w[5] - 1.0) > 0.2;
    }
    double sum_in = 0.0, sum_out = 0.0;
    for (double x : rr) sum_in += x;
    for (double x : v) sum_out += x;
    INFO("Polar: irregular after " << irregular << " of " << v.size());
    CHECK(irregular < v.size() / 50);
    CHECK(sum_out / double(v.size()) == Approx(sum_in / double(rr.size())).epsilon(0.02));
}
