// Breath detection against the reference breaths made for two real recordings.
#include <catch2/catch.hpp>

#include <cstdio>

#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_scoring.hpp"
#include "breath_data.hpp"

using namespace attune::signal;
using namespace breathing_test;

namespace {
struct RealCase {
    const char* stem;
    const char* column;
    double fs;
};

void report(const RealCase& rc, const BreathScore& s, const RateComparison& r) {
    std::printf("%s: F1 %.3f (TP %zu FP %zu FN %zu, tol %.2f s, |dt| %.3f s); rate MAE %.2f bpm over %zu windows (max %.2f)\n",
                rc.stem, s.f1, s.true_positives, s.false_positives, s.false_negatives, s.tolerance_s,
                s.mean_abs_error_s, r.mean_abs_error_bpm, r.windows, r.max_abs_error_bpm);
}
}  // namespace

TEST_CASE("belt breaths match the NeuroKit resting reference", "[breathing][real]") {
    const RealCase rc{"neurokit_bio_resting_5min_100hz", "RSP", 100.0};
    const auto x = read_column(std::string(rc.stem) + ".csv", rc.column);
    const auto ref = read_breaths(std::string(rc.stem) + "_breaths.csv");
    const auto excl = read_segments(std::string(rc.stem) + "_excluded.csv");
    const auto result = rsp_process(x, Hz{rc.fs});
    const auto det = to_timed(result.events);
    const auto score = score_breaths(ref, det, excl, breath_tolerance_s(ref));
    const auto rates = compare_rates(ref, det, excl, 0.0, static_cast<double>(x.size()) / rc.fs);
    report(rc, score, rates);
    CHECK(score.f1 >= 0.95);
    CHECK(rates.windows >= 10);
    CHECK(rates.mean_abs_error_bpm <= 1.0);
}

TEST_CASE("impedance breaths match the CinC v102s reference where it is usable", "[breathing][real]") {
    const RealCase rc{"cinc2015_v102s", "resp_nu", 250.0};
    const auto x = read_column(std::string(rc.stem) + ".csv", rc.column);
    const auto ref = read_breaths(std::string(rc.stem) + "_breaths.csv");
    const auto excl = read_segments(std::string(rc.stem) + "_excluded.csv");
    const auto result = rsp_process(x, Hz{rc.fs});
    const auto det = to_timed(result.events);
    const auto score = score_breaths(ref, det, excl, breath_tolerance_s(ref));
    const auto rates = compare_rates(ref, det, excl, 0.0, static_cast<double>(x.size()) / rc.fs);
    report(rc, score, rates);
    CHECK(score.f1 >= 0.95);
}
