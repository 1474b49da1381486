// The simulated partner's signals: determinism and chunking invariance, sample timing,
// waveform morphology against the truth, each kind of trouble present when on and absent
// when off, ground-truth files, bad input, speed.
#include <catch2/catch.hpp>

#include <ctime>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "attune/hardware/sim/random.hpp"
#include "attune/hardware/sim/waveforms.hpp"
#include "sim_test_helpers.hpp"

using namespace sim_test;

namespace {

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

SimulationConfig busy_config(std::uint64_t seed) {
    // Every kind of trouble, often, so a short run exercises them all.
    SimulationConfig c;
    c.seed = seed;
    c.trouble.motion.per_min = 3.0;
    c.trouble.pvc.per_min = 6.0;
    c.trouble.pac.per_min = 4.0;
    c.trouble.ecg_dropout.per_min = 2.0;
    c.trouble.ppg_dropout.per_min = 2.0;
    c.trouble.speech.per_min = 1.0;
    return c;
}

std::size_t sample_index(double t, double rate) { return static_cast<std::size_t>(std::ceil(t * rate)); }

}  // namespace

TEST_CASE("same seed gives the same bytes however advance_to is chunked", "[hardware][sim]") {
    const auto profile = default_couple().at(0);
    auto drive = [&](const std::vector<double>& steps) {
        PartnerModel model(profile, busy_config(42));
        Recording r;
        for (double t : steps) {
            auto chunks = model.advance_to(t);
            if (t == 90.0) model.set_pacer(PacerTarget{6.0, 0.4, 0.0});
            for (std::size_t c = 0; c < kSimChannelCount; ++c) {
                // Chunks are contiguous: each starts where the previous ended.
                CHECK(chunks[c].t0_s == Approx(static_cast<double>(r.channel[c].size()) / chunks[c].rate_hz));
                r.channel[c].insert(r.channel[c].end(), chunks[c].values.begin(), chunks[c].values.end());
            }
        }
        return std::pair{r, model.ground_truth()};
    };
    std::vector<double> coarse{90.0, 200.0};
    std::vector<double> fine;
    attune::hardware::sim::SimRng rng(5, 0);
    for (double t = 0.0; t < 200.0;) {
        t = std::min(200.0, t + rng.uniform(0.001, 0.7));  // odd sizes, many mid-sample ends
        if (t > 90.0 && fine.back() < 90.0) fine.push_back(90.0);
        fine.push_back(t);
    }
    const auto [a, truth_a] = drive(coarse);
    const auto [b, truth_b] = drive(fine);
    for (std::size_t c = 0; c < kSimChannelCount; ++c) CHECK(same_bytes(a.channel[c], b.channel[c]));
    CHECK(truth_a.beat_times_s == truth_b.beat_times_s);
    REQUIRE(truth_a.breaths.size() == truth_b.breaths.size());
    REQUIRE(truth_a.artifacts.size() == truth_b.artifacts.size());
    for (std::size_t i = 0; i < truth_a.artifacts.size(); ++i)
        CHECK(truth_a.artifacts[i].start_s == truth_b.artifacts[i].start_s);

    PartnerModel other(profile, busy_config(43));
    const auto c = run(other, 200.0);
    CHECK_FALSE(same_bytes(a.channel[kSimEcg], c.channel[kSimEcg]));
}

TEST_CASE("advance_to yields every sample before t exactly once", "[hardware][sim]") {
    SimulationConfig config = clean_config();
    config.ecg_rate_hz = 500.0;
    config.ppg_rate_hz = 125.0;
    config.resp_rate_hz = 25.0;
    PartnerModel model(quiet_profile(), config);
    const auto specs = model.channels();
    REQUIRE(specs.size() == kSimChannelCount);
    CHECK(specs[kSimEcg].kind == attune::signal::ChannelKind::Ecg);
    CHECK(specs[kSimEcg].unit == "mV");
    CHECK(specs[kSimPpg].rate_hz == 125.0);
    auto chunks = model.advance_to(10.0);
    CHECK(chunks[kSimEcg].values.size() == 5000);
    CHECK(chunks[kSimPpg].values.size() == 1250);
    CHECK(chunks[kSimResp].values.size() == 250);
    chunks = model.advance_to(10.001);  // the samples at exactly 10 s come now
    for (const auto& c : chunks) {
        CHECK(c.values.size() == 1);
        CHECK(c.t0_s == Approx(10.0));
    }
    chunks = model.advance_to(10.002);  // less than one ECG sample period later
    for (const auto& c : chunks) CHECK(c.values.empty());
    CHECK(chunks[kSimEcg].t0_s == Approx(10.002));
    chunks = model.advance_to(5.0);  // backwards: nothing, no crash
    for (const auto& c : chunks) CHECK(c.values.empty());
    CHECK(model.time_s() == Approx(10.002));
}

TEST_CASE("ECG R waves and PPG pulses sit where the truth says", "[hardware][sim]") {
    auto profile = quiet_profile(72.0, 12.0);
    profile.r_amplitude_mv = 1.4;
    auto config = clean_config(17);
    config.ecg_rate_hz = GENERATE(250.0, 500.0, 1000.0);
    PartnerModel model(profile, config);
    const auto rec = run(model, 60.0);
    const auto& ecg = rec.channel[kSimEcg];
    const auto& ppg = rec.channel[kSimPpg];
    int checked = 0;
    for (const auto& beat : model.ground_truth().beats) {
        if (beat.time_s < 1.0 || beat.pulse_peak_s > 59.0) continue;
        // The ECG maximum within +-60 ms of the truth is the R peak: at the right time, the
        // configured height (within the RSA-driven amplitude modulation).
        const std::size_t i0 = sample_index(beat.time_s - 0.06, config.ecg_rate_hz);
        const std::size_t i1 = sample_index(beat.time_s + 0.06, config.ecg_rate_hz);
        const auto peak = std::max_element(ecg.begin() + i0, ecg.begin() + i1);
        const double peak_t = static_cast<double>(peak - ecg.begin()) / config.ecg_rate_hz;
        CHECK(peak_t == Approx(beat.time_s).margin(0.006));
        CHECK(*peak == Approx(1.4).epsilon(0.15));
        // The PPG systolic peak follows after the pulse transit time.
        const std::size_t j0 = sample_index(beat.pulse_peak_s - 0.1, config.ppg_rate_hz);
        const std::size_t j1 = sample_index(beat.pulse_peak_s + 0.1, config.ppg_rate_hz);
        const auto pulse = std::max_element(ppg.begin() + j0, ppg.begin() + j1);
        const double pulse_t = static_cast<double>(pulse - ppg.begin()) / config.ppg_rate_hz;
        CHECK(pulse_t == Approx(beat.pulse_peak_s).margin(0.03));
        CHECK(pulse_t - beat.time_s > 0.25);
        ++checked;
    }
    CHECK(checked > 60);
}

TEST_CASE("the PPG pulse has a dicrotic notch", "[hardware][sim]") {
    using attune::hardware::sim::ppg_pulse_shape;
    // Systolic peak, then a local minimum (notch), then the diastolic wave's local maximum.
    double notch_t = 0.0, notch = 1.0, dia_t = 0.0, dia = 0.0;
    for (double t = 0.15; t < 0.6; t += 0.002) {
        const double v = ppg_pulse_shape(t);
        if (t < 0.32 && v < notch) notch = v, notch_t = t;
        if (t > notch_t && v > dia) dia = v, dia_t = t;
    }
    CHECK(ppg_pulse_shape(0.12) == Approx(1.0).epsilon(0.02));
    CHECK(notch < dia - 0.05);
    CHECK(dia_t > notch_t);
    CHECK(ppg_pulse_shape(1.2) == 0.0);
}

TEST_CASE("with artifacts off there is no trouble at all", "[hardware][sim]") {
    SimulationConfig config = busy_config(31);
    config.artifacts = false;
    PartnerModel model(default_couple().at(0), config);
    const auto rec = run(model, 240.0);
    const auto& truth = model.ground_truth();
    CHECK(truth.artifacts.empty());
    for (const auto& b : truth.beats) {
        CHECK(b.kind == BeatKind::Sinus);
        CHECK(b.ecg_readable);
        CHECK(b.ppg_readable);
    }
    for (const auto& b : truth.breaths) CHECK(b.kind != BreathKind::Speech);
    // No hum, no rails.
    std::vector<double> ecg(rec.channel[kSimEcg].begin(), rec.channel[kSimEcg].begin() + 250 * 20);
    CHECK(power_at(ecg, 250.0, 50.0) < 1e-3);
    const auto [lo, hi] = std::minmax_element(rec.channel[kSimEcg].begin(), rec.channel[kSimEcg].end());
    CHECK(*hi < 2.5);
    CHECK(*lo > -1.5);
}

TEST_CASE("every kind of trouble shows up when on, as the truth records it", "[hardware][sim]") {
    const auto config = busy_config(77);
    PartnerModel model(default_couple().at(1), config);
    const auto rec = run(model, 300.0);
    const auto& truth = model.ground_truth();
    const auto& ecg = rec.channel[kSimEcg];
    const auto& ppg = rec.channel[kSimPpg];

    auto count = [&](ArtifactKind k) {
        return std::count_if(truth.artifacts.begin(), truth.artifacts.end(),
                             [&](const GroundTruthArtifact& a) { return a.kind == k; });
    };
    CHECK(count(ArtifactKind::Motion) >= 3);
    CHECK(count(ArtifactKind::EcgDropout) >= 3);
    CHECK(count(ArtifactKind::PpgDropout) >= 3);
    CHECK(count(ArtifactKind::Speech) >= 1);

    SECTION("electrode dropouts are flat or railed, and their beats unreadable") {
        for (const auto& a : truth.artifacts) {
            if (a.kind != ArtifactKind::EcgDropout || a.end_s > 299.0) continue;
            CHECK(a.channels == (1u << kSimEcg));
            const std::size_t i0 = sample_index(a.start_s, 250.0), i1 = sample_index(a.end_s, 250.0) - 1;
            const float level = ecg[i0];
            CHECK((level == 0.0f || std::abs(level) == 5.0f));
            CHECK(std::all_of(ecg.begin() + i0, ecg.begin() + i1, [&](float v) { return v == level; }));
            for (const auto& b : truth.beats)
                if (b.time_s >= a.start_s && b.time_s < a.end_s) CHECK_FALSE(b.ecg_readable);
        }
        for (const auto& a : truth.artifacts) {
            if (a.kind != ArtifactKind::PpgDropout || a.end_s > 299.0) continue;
            const std::size_t i0 = sample_index(a.start_s, 100.0), i1 = sample_index(a.end_s, 100.0) - 1;
            CHECK(std::all_of(ppg.begin() + i0, ppg.begin() + i1, [](float v) { return v == 0.0f; }));
        }
    }
    SECTION("PVCs come early with a full compensatory pause, PACs reset the rhythm") {
        // (coupling interval + following interval) / preceding sinus interval
        std::vector<double> pvc_ratio, pac_ratio;
        const auto& beats = truth.beats;
        for (std::size_t i = 2; i + 1 < beats.size(); ++i) {
            if (beats[i - 2].kind != BeatKind::Sinus) continue;  // prev.rr must be a sinus interval
            const auto& prev = beats[i - 1];
            const auto& b = beats[i];
            const auto& next = beats[i + 1];
            if (prev.kind != BeatKind::Sinus || next.kind != BeatKind::Sinus) continue;
            if (b.kind == BeatKind::Sinus) continue;
            CHECK(b.rr_ms < 0.85 * prev.rr_ms);  // premature
            (b.kind == BeatKind::Pvc ? pvc_ratio : pac_ratio).push_back((b.rr_ms + next.rr_ms) / prev.rr_ms);
        }
        REQUIRE(pvc_ratio.size() >= 10);
        REQUIRE(pac_ratio.size() >= 5);
        auto mean = [](const std::vector<double>& v) {
            return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
        };
        // PVC: the sinus node is not reset, the pause is fully compensatory (ratio ~2).
        CHECK(mean(pvc_ratio) == Approx(2.0).margin(0.08));
        for (double r : pvc_ratio) CHECK(r == Approx(2.0).margin(0.25));
        // PAC: the node is reset, the pause is not compensatory.
        CHECK(mean(pac_ratio) < 1.85);
    }
    SECTION("a PVC is wider than a sinus QRS") {
        auto width_above_half = [&](double t) {
            const std::size_t c = sample_index(t, 250.0);
            std::size_t peak = c;
            for (std::size_t i = c - 10; i < c + 10; ++i)
                if (std::abs(ecg[i]) > std::abs(ecg[peak])) peak = i;
            const float half = 0.5f * std::abs(ecg[peak]);
            std::size_t a = peak, b = peak;
            while (std::abs(ecg[a]) > half) --a;
            while (std::abs(ecg[b]) > half) ++b;
            return static_cast<double>(b - a) / 250.0;
        };
        double pvc_width = 0.0, sinus_width = 0.0;
        for (const auto& b : truth.beats) {
            if (!b.ecg_readable || b.time_s < 2.0 || b.time_s > 298.0) continue;
            if (b.kind == BeatKind::Pvc && pvc_width == 0.0) pvc_width = width_above_half(b.time_s);
            if (b.kind == BeatKind::Sinus && sinus_width == 0.0) sinus_width = width_above_half(b.time_s);
        }
        INFO("half-height width: PVC " << pvc_width << " s, sinus " << sinus_width << " s");
        CHECK(pvc_width > 2.0 * sinus_width);
    }
    SECTION("motion bursts disturb every channel") {
        for (const auto& a : truth.artifacts) {
            if (a.kind != ArtifactKind::Motion || a.end_s > 299.0 || a.start_s < 1.0) continue;
            CHECK(a.channels == ((1u << kSimEcg) | (1u << kSimPpg) | (1u << kSimResp)));
        }
    }
    SECTION("speech makes breaths irregular") {
        int speech_breaths = 0;
        for (const auto& b : truth.breaths) speech_breaths += b.kind == BreathKind::Speech;
        CHECK(speech_breaths >= 3);
    }
}

TEST_CASE("mains hum at 50 or 60 Hz, baseline wander when on", "[hardware][sim]") {
    const double mains = GENERATE(50.0, 60.0);
    SimulationConfig config = clean_config(4);
    config.artifacts = true;
    config.trouble = ArtifactSettings::none();
    config.trouble.mains_hum = true;
    config.trouble.mains_hz = mains;
    config.trouble.baseline_wander = true;
    PartnerModel model(quiet_profile(), config);
    const auto rec = run(model, 20.0);
    std::vector<double> ecg(rec.channel[kSimEcg].begin(), rec.channel[kSimEcg].end());
    const double at_mains = power_at(ecg, 250.0, mains);
    const double other = power_at(ecg, 250.0, mains == 50.0 ? 60.0 : 50.0);
    CHECK(at_mains > 100.0 * other);
    // Hum amplitude: power of a sine of amplitude A over N samples is A^2 N / 4.
    CHECK(std::sqrt(4.0 * at_mains / static_cast<double>(ecg.size())) == Approx(0.03).epsilon(0.2));
    CHECK(model.ground_truth().artifacts.empty());
}

TEST_CASE("ground truth files are written next to a recording", "[hardware][sim]") {
    PartnerModel model(default_couple().at(0), busy_config(3));
    run(model, 120.0);
    const auto dir = std::filesystem::path(ATTUNE_BINARY_DIR) / "tests" / "hardware" / "truth_out";
    std::filesystem::create_directories(dir);
    REQUIRE(write_ground_truth(model.ground_truth(), dir.string(), "a"));
    auto lines = [&](const char* name) {
        std::ifstream f(dir / name);
        std::vector<std::string> out;
        for (std::string line; std::getline(f, line);) out.push_back(line);
        return out;
    };
    const auto beats = lines("truth_a_beats.csv");
    REQUIRE(beats.size() == model.ground_truth().beats.size() + 1);
    CHECK(beats[0] == "time_s,rr_ms,kind,pulse_peak_s,ecg_readable,ppg_readable");
    CHECK(std::count_if(beats.begin(), beats.end(), [](const std::string& l) { return l.find(",pvc,") != std::string::npos; }) > 0);
    const auto breaths = lines("truth_a_breaths.csv");
    CHECK(breaths.size() == model.ground_truth().breaths.size() + 1);
    CHECK((breaths[1].find("inhale") != std::string::npos || breaths[1].find("exhale") != std::string::npos));
    const auto episodes = lines("truth_a_episodes.csv");
    REQUIRE(episodes.size() == 2);
    CHECK(episodes[1] == "180.0000,360.0000,20.0000");
    const auto artifacts = lines("truth_a_artifacts.csv");
    CHECK(artifacts.size() == model.ground_truth().artifacts.size() + 1);
    CHECK(artifacts[0] == "start_s,end_s,kind,channels");

    CHECK_FALSE(write_ground_truth(model.ground_truth(), (dir / "no" / "such" / "dir").string(), "a"));
}

TEST_CASE("bad profiles, configs and times are refused clearly", "[hardware][sim]") {
    auto bad_profile = quiet_profile();
    bad_profile.resting_hr_bpm = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(PartnerModel(bad_profile, clean_config()), std::invalid_argument);
    bad_profile = quiet_profile();
    bad_profile.resp_rate_bpm = 0.0;
    CHECK_THROWS_WITH(PartnerModel(bad_profile, clean_config()), Catch::Contains("resp_rate_bpm"));
    auto bad_config = clean_config();
    bad_config.ecg_rate_hz = 5.0;
    CHECK_THROWS_AS(PartnerModel(quiet_profile(), bad_config), std::invalid_argument);
    bad_config = clean_config();
    bad_config.trouble.motion.per_min = -1.0;
    CHECK_THROWS_AS(PartnerModel(quiet_profile(), bad_config), std::invalid_argument);

    PartnerModel model(quiet_profile(), clean_config());
    CHECK_THROWS_AS(model.advance_to(std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK_THROWS_AS(model.advance_to(std::nan("")), std::invalid_argument);
    CHECK_THROWS_AS(model.advance_to(1e9), std::invalid_argument);
    CHECK_THROWS_AS(model.set_pacer(PacerTarget{0.0, 0.4, 0.0}), std::invalid_argument);
    CHECK_THROWS_AS(model.add_episode({.start_s = 1.0, .rise_s = -5.0}), std::invalid_argument);
    // Still usable afterwards.
    CHECK(model.advance_to(1.0)[kSimEcg].values.size() == 250);
}

TEST_CASE("a 250 Hz partner runs at least 1000x real time", "[hardware][sim]") {
    PartnerModel model(default_couple().at(0), SimulationConfig{});
    const std::clock_t start = std::clock();  // CPU time: other jobs on the machine do not count
    std::size_t samples = 0;
    for (int i = 1; i <= 6000; ++i) samples += model.advance_to(0.1 * i)[kSimEcg].values.size();
    const double cpu_s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    CHECK(samples == 150000);
#if defined(__SANITIZE_ADDRESS__)
    const double required = 50.0;  // instrumented build: only guard against pathologies
#else
    const double required = 1000.0;
#endif
    INFO("600 s of signal in " << cpu_s << " s: " << 600.0 / cpu_s << "x real time");
    CHECK(600.0 / cpu_s > required);
}

TEST_CASE("a 10-minute couple session at 100x speed costs well under a second", "[hardware][sim]") {
    // The engine's pattern: both partners advanced together in 10 ms session ticks
    // (100x speed at a 100 Hz tick), full trouble on.
    const auto couple = default_couple();
    SimulationConfig config;
    std::vector<PartnerModel> partners;
    for (std::size_t p = 0; p < couple.size(); ++p) {
        config.seed = 100 + p;
        partners.emplace_back(couple[p], config);
    }
    const std::clock_t start = std::clock();  // CPU time: other jobs on the machine do not count
    for (int i = 1; i <= 60000; ++i)
        for (auto& partner : partners) partner.advance_to(0.01 * i);
    const double cpu_s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    INFO("10 min couple in " << cpu_s << " s");
#if defined(__SANITIZE_ADDRESS__)
    CHECK(cpu_s < 20.0);
#else
    CHECK(cpu_s < 1.0);
#endif
    for (const auto& partner : partners) CHECK(partner.ground_truth().beats.size() > 600);
}
