// HRV accuracy end to end: beats detected in the MIT-BIH ECG -> Lipponen cleaning -> HRV, against
// the same chain run on the cardiologists' annotated beats. Issue 4 asks for 2 % (time domain)
// and 5 % (LF/HF).
#include <catch2/catch.hpp>

#include <cmath>

#include "attune/signal/hrv.hpp"
#include "attune/signal/rr_cleaning.hpp"
#include "data_files.hpp"
#include "attune/signal/ecg_peaks.hpp"

using namespace attune::signal;

namespace {

constexpr double kFs = 360.0;

// The project's R-peak detector (Pan-Tompkins 1985); beats it rates Artifact are left out.
std::vector<double> detected_beats(const std::string& record) {
    const auto ecg = hrv_test::read_float_column("mitdb_" + record + "_ecg.csv", "mlii_mv");
    std::vector<double> times;
    for (const Beat& b : ecg_peaks_pantompkins1985(ecg, kFs).beats)
        if (b.quality != BeatQuality::Artifact) times.push_back(b.time_s);
    return times;
}

std::vector<double> between(const std::vector<double>& t, double a, double b) {
    std::vector<double> out;
    for (double v : t)
        if (v >= a && v <= b) out.push_back(v);
    return out;
}

struct Metrics {
    HrvTime time;
    HrvFrequency freq;
};

Metrics metrics(const std::vector<double>& beat_times) {
    const auto clean = lipponen2019(beat_times);
    return {hrv_time(clean.nn_ms), hrv_frequency(clean.nn_times_s, clean.nn_ms)};
}

}  // namespace

TEST_CASE("HRV from detected beats matches HRV from annotated beats", "[hrv][accuracy][data]") {
    // 100: clean sinus; 116: PVCs, low HRV (the hardest case for timing jitter: RMSSD 15 ms);
    // 119: ventricular bigeminy/trigeminy (the cleaning must agree on both beat series).
    // 106: frequent PVCs and ventricular runs.
    for (const char* record : {"100", "106", "116", "119"}) {
        const auto annotated =
            between(hrv_test::read_column(std::string("mitdb_") + record + "_beats.csv", "time_s"),
                    10.0, 590.0);
        const auto detected = between(detected_beats(record), 10.0, 590.0);
        const Metrics ref = metrics(annotated);
        const Metrics got = metrics(detected);
        auto rel = [](double a, double b) { return std::abs(a - b) / std::abs(b); };
        INFO("mitdb " << record << ": beats " << detected.size() << "/" << annotated.size()
                      << " MeanNN " << got.time.mean_nn_ms << "/" << ref.time.mean_nn_ms
                      << " SDNN " << got.time.sdnn_ms << "/" << ref.time.sdnn_ms << " RMSSD "
                      << got.time.rmssd_ms << "/" << ref.time.rmssd_ms << " pNN50 "
                      << got.time.pnn50_pct << "/" << ref.time.pnn50_pct << " LF/HF "
                      << got.freq.lf_hf << "/" << ref.freq.lf_hf);
        CHECK(rel(got.time.mean_nn_ms, ref.time.mean_nn_ms) <= 0.02);
        CHECK(rel(got.time.sdnn_ms, ref.time.sdnn_ms) <= 0.02);
        CHECK(rel(got.time.rmssd_ms, ref.time.rmssd_ms) <= 0.02);
        CHECK(rel(got.freq.lf_hf, ref.freq.lf_hf) <= 0.05);
    }
}
