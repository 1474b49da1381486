// The R-peak detector on real recordings: MIT-BIH Arrhythmia and Noise Stress Test records
// scored against the cardiologists' annotations (150 ms, one-to-one), the Polar H10 strap's own
// RR intervals, and a damaged ICU record whose values wrap around the ADC range.
#include <catch2/catch.hpp>

#include <filesystem>

#include "attune/session/beat_accuracy.hpp"
#include "attune/signal/ecg_peaks.hpp"

using namespace attune;

namespace {
const std::filesystem::path kData = ATTUNE_DATA_DIR;

session::AnnotatedRecord record(const std::string& name) {
    for (const auto& r : session::standard_ecg_records())
        if (r.name == name) return r;
    FAIL("unknown record " << name);
    return {};
}
}  // namespace

TEST_CASE("clean and arrhythmic records: Se and +P at least 99.5 % each, 99.7 % summed", "[ecg][data]") {
    signal::BeatScore sum;
    for (const char* name : {"mitdb_100", "mitdb_106", "mitdb_116", "mitdb_119", "nstdb_118e24"}) {
        const auto s = session::score_ecg_record(kData, record(name));
        INFO(name << ": TP " << s.all.tp << " FP " << s.all.fp << " FN " << s.all.fn);
        CHECK(s.all.sensitivity() >= 0.995);
        CHECK(s.all.positive_predictivity() >= 0.995);
        sum += s.all;
    }
    CHECK(sum.sensitivity() >= 0.997);
    CHECK(sum.positive_predictivity() >= 0.997);
}

TEST_CASE("noisy record mitdb 105: Se and +P at least 97 %", "[ecg][data]") {
    const auto s = session::score_ecg_record(kData, record("mitdb_105"));
    INFO("TP " << s.all.tp << " FP " << s.all.fp << " FN " << s.all.fn);
    CHECK(s.all.sensitivity() >= 0.97);
    CHECK(s.all.positive_predictivity() >= 0.97);
}

TEST_CASE("nstdb 118e12: Se and +P at least 97 %, the noisy seconds flagged", "[ecg][data][quality]") {
    const auto s = session::score_ecg_record(kData, record("nstdb_118e12"));
    INFO("all: TP " << s.all.tp << " FP " << s.all.fp << " FN " << s.all.fn << "; readable: TP "
                    << s.readable.tp << " FP " << s.readable.fp << " FN " << s.readable.fn
                    << "; unreadable " << s.unreadable_s << " s");
    CHECK(s.all.sensitivity() >= 0.97);
    CHECK(s.all.positive_predictivity() >= 0.97);
    CHECK(s.readable.sensitivity() >= 0.97);
    CHECK(s.readable.positive_predictivity() >= 0.97);
    CHECK(s.unreadable_s <= 30.0);  // noise is in 40-120 s; most of it stays readable
}

TEST_CASE("nstdb 118e06 (6 dB): Se and +P at least 90 %, noise flagged only in the noisy part", "[ecg][data][quality]") {
    const auto values = session::load_column(kData / "nstdb_118e06_ecg.csv", "mlii_mv");
    const std::vector<float> ecg(values.begin(), values.end());
    const auto result = signal::ecg_peaks_pantompkins1985(ecg, 360.0);
    std::size_t flagged_clean = 0, flagged_noisy = 0;
    for (const auto& q : result.quality)
        if (q.sqi < session::kReadableSqi) (q.second < 40 ? flagged_clean : flagged_noisy)++;
    CHECK(flagged_clean == 0);   // seconds 0-40 are clean in this excerpt
    CHECK(flagged_noisy >= 15);
    const auto s = session::score_ecg_record(kData, record("nstdb_118e06"));
    INFO("all: TP " << s.all.tp << " FP " << s.all.fp << " FN " << s.all.fn << "; readable: TP "
                    << s.readable.tp << " FP " << s.readable.fp << " FN " << s.readable.fn);
    CHECK(s.all.sensitivity() >= 0.90);
    CHECK(s.all.positive_predictivity() >= 0.90);
    CHECK(s.readable.sensitivity() >= 0.95);
    CHECK(s.readable.positive_predictivity() >= 0.95);
}

// Records the detector was not developed on, with the same electrode-motion noise added (see
// score_noise_stress): clean and PVC records stay at their targets at 24 and 12 dB and keep
// 97 % at 6 dB, where the QRS and the noise are of about the same size.
TEST_CASE("noise stress: mitdb records with nstdb electrode-motion noise added", "[ecg][data][quality]") {
    for (const char* name : {"mitdb_100", "mitdb_106", "mitdb_116", "mitdb_119"}) {
        for (double snr : {24.0, 12.0, 6.0}) {
            const auto s = session::score_noise_stress(kData, record(name), snr);
            INFO(s.name << ": TP " << s.all.tp << " FP " << s.all.fp << " FN " << s.all.fn);
            const double need = snr >= 12.0 ? 0.995 : 0.92;
            CHECK(s.all.sensitivity() >= need);
            CHECK(s.all.positive_predictivity() >= need);
        }
    }
}

TEST_CASE("real records that suddenly shrink or grow halfway keep their beats", "[ecg][data][quality]") {
    // The annotated beats at another size from 300 s on (an electrode half off, a strap pressed
    // on). Before the detector adopted grown beats, x8 left every later beat an artifact (mitdb
    // 100: 389 of 760 lost); before it took shrunken beats by their shape, x0.25 lost ~6 beats.
    for (const char* name : {"mitdb_100", "mitdb_106", "mitdb_116", "mitdb_119"}) {
        const auto values = session::load_column(kData / (std::string(name) + "_ecg.csv"), "mlii_mv");
        const auto reference = session::load_reference_beats(kData / (std::string(name) + "_beats.csv"));
        for (float gain : {0.25f, 8.0f}) {
            std::vector<float> ecg(values.begin(), values.end());
            for (std::size_t i = 300 * 360; i < ecg.size(); ++i) ecg[i] *= gain;
            const auto s = session::score_ecg_signal(name, ecg, 360.0, reference);
            INFO(name << " x" << gain << ": TP " << s.all.tp << " FP " << s.all.fp << " FN " << s.all.fn
                      << ", " << s.artifact_beats << " artifacts");
            CHECK(s.all.sensitivity() >= 0.99);
            CHECK(s.all.positive_predictivity() >= 0.99);
            CHECK(s.artifact_beats <= 8);
        }
    }
}

TEST_CASE("Polar H10 raw ECG: RR within 10 ms of the strap's own for at least 95 % of beats", "[ecg][data]") {
    const auto c = session::compare_polar_h10_rr(kData);
    INFO("TP " << c.beats.tp << " FP " << c.beats.fp << " FN " << c.beats.fn << "; within 10 ms "
               << c.within_10ms << " / " << c.intervals);
    CHECK(c.fraction_within() >= 0.95);
    CHECK(c.intervals >= 750);
    CHECK(c.beats.sensitivity() >= 0.99);
}

TEST_CASE("a record wrapping around its ADC range is flagged, not turned into beats", "[ecg][data][quality]") {
    const auto values = session::load_column(kData / "cinc2015_v102s.csv", "ecg_ii_mv");
    const std::vector<float> ecg(values.begin(), values.end());
    const auto result = signal::ecg_peaks_pantompkins1985(ecg, 250.0);
    std::size_t unreadable = 0, jumps = 0, good = 0;
    for (const auto& q : result.quality) {
        if (q.sqi < session::kReadableSqi) ++unreadable;
        if (q.jumps) ++jumps;
    }
    for (const auto& b : result.beats)
        if (b.quality == signal::BeatQuality::Good) ++good;
    CHECK(result.quality.size() == 300);
    CHECK(unreadable >= 280);
    CHECK(jumps >= 250);
    CHECK(good <= 15);
}
