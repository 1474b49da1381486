// ArousalDetector on synthetic feature streams: calibration, states, hysteresis, gating.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "attune/signal/arousal.hpp"

using namespace attune::signal;

namespace {

// Resting heart rate with realistic second-to-second wobble (RSA and Mayer waves averaged by the
// feature window leave about +-1.5 bpm).
struct Person {
    std::mt19937_64 rng{7};
    double rest_hr = 70.0;
    double rest_rmssd = 40.0;
    double rest_rate = 13.0;
    double rest_depth = 1.0;

    ArousalFeatures at(double t, double hr_rise = 0.0) {
        std::normal_distribution<double> n(0.0, 1.0);
        ArousalFeatures f;
        f.hr_bpm = rest_hr + hr_rise + 1.5 * std::sin(0.1 * t) + 0.8 * n(rng);
        f.rmssd_ms = rest_rmssd * std::exp(0.08 * n(rng)) * (1.0 - std::min(0.5, hr_rise / 40.0));
        f.resp_rate_bpm = rest_rate + 0.6 * n(rng) + hr_rise / 5.0;
        f.resp_depth = rest_depth * std::exp(0.1 * n(rng)) * (1.0 - std::min(0.4, hr_rise / 50.0));
        f.resp_irregularity = 0.12 + 0.02 * n(rng);
        return f;
    }
};

ArousalFeatures hr_only(const ArousalFeatures& f) {
    ArousalFeatures g;
    g.hr_bpm = f.hr_bpm;
    return g;
}

// Runs `seconds` of calm, returns the detector ready (calibrated).
void calibrate(ArousalDetector& d, Person& p, int seconds = 180, bool only_hr = false) {
    for (int t = 0; t < seconds; ++t) d.update(only_hr ? hr_only(p.at(t)) : p.at(t));
}

int transitions(const std::vector<ArousalOutput>& out) {
    int n = 0;
    for (std::size_t i = 1; i < out.size(); ++i) n += out[i].state != out[i - 1].state;
    return n;
}

}  // namespace

TEST_CASE("calibrates for the configured period and then reports an index", "[arousal]") {
    ArousalDetector d;
    Person p;
    for (int t = 0; t < 100; ++t) {
        const auto& o = d.update(p.at(t));
        CHECK(o.calibrating);
        CHECK(std::isnan(o.index));
        CHECK(o.state == ArousalState::Calm);
    }
    calibrate(d, p, 100);
    const auto& o = d.update(p.at(200));
    CHECK_FALSE(o.calibrating);
    CHECK(std::isfinite(o.index));
    CHECK(d.baseline().hr_bpm.mean == Approx(70.0).margin(1.5));
    CHECK(d.baseline().hr_bpm.sd >= 3.0);  // the physiological floor
    CHECK(std::exp(d.baseline().ln_rmssd.mean) == Approx(40.0).margin(4.0));
}

TEST_CASE("stays calm through 30 minutes of rest", "[arousal]") {
    ArousalDetector d;
    Person p;
    int alarms = 0;
    for (int t = 0; t < 1800; ++t) alarms += d.update(p.at(t)).state != ArousalState::Calm;
    CHECK(alarms == 0);
}

TEST_CASE("a heart-rate rise goes calm -> rising -> high and back without flicker", "[arousal]") {
    ArousalDetector d;
    Person p;
    calibrate(d, p);
    std::vector<ArousalOutput> out;
    // +25 bpm reached in 10 s, held 90 s, then back to rest.
    for (int s = 0; s < 400; ++s) {
        const double rise = s < 10 ? 2.5 * s : (s < 100 ? 25.0 : 0.0);
        out.push_back(d.update(p.at(180 + s, rise)));
    }
    int first_rising = -1, first_high = -1, back_to_calm = -1;
    for (int s = 0; s < 400; ++s) {
        if (first_rising < 0 && out[s].state != ArousalState::Calm) first_rising = s;
        if (first_high < 0 && out[s].state == ArousalState::High) first_high = s;
        if (first_high >= 0 && back_to_calm < 0 && out[s].state == ArousalState::Calm) back_to_calm = s;
    }
    CHECK(first_rising >= 0);
    CHECK(first_rising <= 15);
    CHECK(first_high > first_rising);
    CHECK(first_high <= 25);
    CHECK(back_to_calm > 100);
    CHECK(back_to_calm < 200);
    CHECK(transitions(out) == 4);  // calm->rising->high->rising->calm
}

TEST_CASE("an index hovering at the threshold does not make the state flicker", "[arousal]") {
    ArousalDetector d;
    Person p;
    calibrate(d, p, 180, true);
    std::vector<ArousalOutput> out;
    // Heart rate jumping between +6 and +12 bpm every 4 s for 10 minutes.
    for (int s = 0; s < 600; ++s) out.push_back(d.update(hr_only(p.at(180 + s, (s / 4) % 2 ? 12.0 : 6.0))));
    // Whatever it decides, a state is held for its minimum dwell time.
    int changes = transitions(out);
    CHECK(changes <= 600 / 20);
    int run = 0;
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].state == out[i - 1].state) { ++run; continue; }
        if (out[i - 1].state != ArousalState::Calm) CHECK(run + 1 >= 20);
        run = 0;
    }
}

TEST_CASE("bad signal never raises an alarm", "[arousal]") {
    ArousalDetector d;
    Person p;
    calibrate(d, p);
    for (int s = 0; s < 300; ++s) {
        auto f = p.at(180 + s, 40.0);
        f.heart_quality = 0.2;  // the beat detector says: do not trust this
        f.resp_quality = 0.1;
        const auto& o = d.update(f);
        CHECK(o.state == ArousalState::Calm);
        CHECK(o.low_quality);
    }
    // NaN and absurd values are ignored too.
    for (int s = 0; s < 120; ++s) {
        ArousalFeatures f;
        f.hr_bpm = s % 2 ? std::nan("") : 400.0;
        f.rmssd_ms = -5.0;
        f.resp_rate_bpm = std::numeric_limits<double>::infinity();
        f.heart_quality = std::nan("");
        CHECK(d.update(f).state == ArousalState::Calm);
    }
}

TEST_CASE("movement suppresses the alarm while moving and while heart rate settles", "[arousal]") {
    ArousalDetector d;
    Person p;
    calibrate(d, p);
    // Standing up and walking: +25 bpm with the accelerometer busy for 60 s, HR back in 30 s.
    for (int s = 0; s < 120; ++s) {
        auto f = p.at(180 + s, s < 60 ? 25.0 : (s < 90 ? 25.0 * (90 - s) / 30.0 : 0.0));
        f.movement_mg = s < 60 ? 250.0 : 10.0;
        const auto& o = d.update(f);
        CHECK(o.state == ArousalState::Calm);
        CHECK((o.used & kFeatureMovement) != 0);
        if (s < 100) CHECK(o.moving);
    }
    // Sitting still but the heart rate climbs again: that is arousal.
    bool alarmed = false;
    for (int s = 0; s < 60; ++s) {
        auto f = p.at(300 + s, 20.0);
        f.movement_mg = 8.0;
        alarmed = alarmed || d.update(f).state != ArousalState::Calm;
    }
    CHECK(alarmed);
}

TEST_CASE("talking does not raise an alarm, a big rise while talking does", "[arousal]") {
    ArousalDetector d;
    Person p;
    calibrate(d, p);
    // Speech: irregular, fast, shallow breaths and a few bpm more.
    for (int s = 0; s < 120; ++s) {
        auto f = p.at(180 + s, 0.0);
        f.hr_bpm += 5.0;
        f.resp_rate_bpm = 22.0;
        f.resp_depth = 0.4;
        f.resp_irregularity = 0.7;
        const auto& o = d.update(f);
        CHECK(o.speech_like);
        CHECK(o.state == ArousalState::Calm);
    }
    bool alarmed = false;
    for (int s = 0; s < 60; ++s) {
        auto f = p.at(300 + s, 25.0);
        f.resp_irregularity = 0.7;
        alarmed = alarmed || d.update(f).state != ArousalState::Calm;
    }
    CHECK(alarmed);
}

TEST_CASE("breathing alone never raises an alarm", "[arousal]") {
    ArousalDetector d;
    Person p;
    double index_sum = 0.0;
    int n = 0;
    for (int s = 0; s < 600; ++s) {
        auto f = p.at(s, s > 200 ? 30.0 : 0.0);  // very fast, shallow breathing after 200 s
        f.hr_bpm = std::nan("");
        f.rmssd_ms = std::nan("");
        const auto& o = d.update(f);
        CHECK(o.state == ArousalState::Calm);
        if (s > 210 && s < 270) {  // (later the slowly adapting baseline absorbs it)
            index_sum += o.index;
            ++n;
            CHECK(o.used == (kFeatureBreathRate | kFeatureBreathDepth | kFeatureBreathPattern));
        }
    }
    CHECK(index_sum / n > 2.0);  // it is reported, just not alarmed on
}

TEST_CASE("a heart-rate rise with clearly higher RMSSD is vagal, not arousal", "[arousal]") {
    ArousalDetector d;
    Person p;
    calibrate(d, p);
    for (int s = 0; s < 60; ++s) {
        auto f = p.at(180 + s, 12.0);
        f.rmssd_ms = 90.0;  // e.g. deep breaths: big sinus arrhythmia (over twice the baseline)
        const auto& o = d.update(f);
        CHECK(o.vagal);
        CHECK(o.state == ArousalState::Calm);
    }
}

TEST_CASE("a sigh's brief heart-rate swing does not alarm, a sustained rise does", "[arousal]") {
    // A sigh: heart rate up by as much as 24 bpm during the deep inhalation, below the baseline
    // through the long exhalation (vagal: sinus arrhythmia), every 40 s.
    auto sighs = [](const ArousalConfig& config) {
        ArousalDetector d(config);
        Person p;
        calibrate(d, p, 180, true);
        int alarms = 0;
        for (int s = 0; s < 400; ++s) {
            const int phase = s % 40;
            const double swing = phase == 0 || phase == 2 ? 12.0 : phase == 1 ? 24.0 : phase < 10 ? -8.0 : 0.0;
            alarms += d.update(hr_only(p.at(180 + s, swing))).state != ArousalState::Calm;
        }
        return alarms;
    };
    ArousalConfig unlimited;
    unlimited.max_hr_rise_bpm_per_s = 0.0;
    CHECK(sighs(ArousalConfig{}) == 0);
    CHECK(sighs(unlimited) > 0);  // the same swings would alarm without the rise limit

    // A sympathetic rise of the same size building over 10 s and held: caught within 15 s.
    ArousalDetector d;
    Person p;
    calibrate(d, p, 180, true);
    int first_alarm = -1;
    for (int s = 0; s < 60 && first_alarm < 0; ++s) {
        const double rise = 18.0 * std::min(1.0, s / 10.0);
        if (d.update(hr_only(p.at(180 + s, rise))).state != ArousalState::Calm) first_alarm = s;
    }
    CHECK(first_alarm >= 0);
    CHECK(first_alarm <= 15);
}

TEST_CASE("reports which features it used", "[arousal]") {
    Person p;
    ArousalDetector hr;
    calibrate(hr, p, 180, true);
    CHECK(hr.update(hr_only(p.at(181))).used == kFeatureHeartRate);
    CHECK(describe_features(hr.features_seen()) == "hr");

    ArousalDetector all;
    calibrate(all, p);
    auto f = p.at(200);
    f.movement_mg = 5.0;
    CHECK(all.update(f).used == 0x3F);
    CHECK(describe_features(all.features_seen()) ==
          "hr+rmssd+resp_rate+resp_depth+movement+resp_pattern");
    CHECK(describe_features(0) == "none");
}

TEST_CASE("a saved profile needs no calibration and the baseline can be saved", "[arousal]") {
    Person p;
    ArousalDetector first;
    calibrate(first, p, 600);
    const ArousalBaseline saved = first.baseline();
    REQUIRE(saved.hr_bpm.valid());

    ArousalDetector next(ArousalConfig{}, saved);
    const auto& o = next.update(p.at(0));
    CHECK_FALSE(o.calibrating);
    CHECK(std::isfinite(o.index));
    bool alarmed = false;
    for (int s = 1; s < 30; ++s) alarmed = alarmed || next.update(p.at(s, 25.0)).state != ArousalState::Calm;
    CHECK(alarmed);
    next.reset();  // back to the saved profile, not to calibration
    CHECK_FALSE(next.update(p.at(0)).calibrating);
}

TEST_CASE("sensitivity changes the size of rise that counts", "[arousal]") {
    auto alarms_for = [](double sensitivity, double rise) {
        ArousalConfig c;
        c.sensitivity = sensitivity;
        ArousalDetector d(c);
        Person p;
        calibrate(d, p, 180, true);
        bool alarmed = false;
        for (int s = 0; s < 120; ++s)
            alarmed = alarmed || d.update(hr_only(p.at(180 + s, rise))).state != ArousalState::Calm;
        return alarmed;
    };
    CHECK_FALSE(alarms_for(1.0, 6.0));
    CHECK(alarms_for(2.0, 6.0));
    CHECK(alarms_for(1.0, 14.0));
    CHECK_FALSE(alarms_for(0.5, 14.0));
}

TEST_CASE("the baseline follows a slow drift without alarming", "[arousal]") {
    ArousalDetector d;
    Person p;
    int alarms = 0;
    // +8 bpm over 40 minutes (settling in, a warm room).
    for (int s = 0; s < 2400; ++s) alarms += d.update(hr_only(p.at(s, 8.0 * s / 2400.0))).state != ArousalState::Calm;
    CHECK(alarms == 0);
    CHECK(d.baseline().hr_bpm.mean > 74.0);
}

TEST_CASE("batch detection runs the same code as streaming", "[arousal]") {
    Person p;
    std::vector<ArousalFeatures> f;
    for (int s = 0; s < 600; ++s) f.push_back(p.at(s, s > 300 && s < 420 ? 20.0 : 0.0));
    const auto batch = detect_arousal(f);
    ArousalDetector d;
    for (std::size_t i = 0; i < f.size(); ++i) {
        const auto& o = d.update(f[i]);
        REQUIRE(o.state == batch[i].state);
        REQUIRE(((std::isnan(o.index) && std::isnan(batch[i].index)) || o.index == batch[i].index));
    }
    const auto episodes = arousal_episodes(batch);
    REQUIRE(episodes.size() == 1);
    CHECK(episodes[0].start_s > 300.0);
    CHECK(episodes[0].start_s < 320.0);
    CHECK(episodes[0].end_s > 420.0);
    CHECK(episodes[0].peak > 5.0);
}

TEST_CASE("an episode still open at the end is closed there", "[arousal]") {
    std::vector<ArousalOutput> out(10);
    for (std::size_t i = 5; i < 10; ++i) {
        out[i].state = ArousalState::Rising;
        out[i].index = static_cast<double>(i);
    }
    const auto e = arousal_episodes(out, 100.0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].start_s == 105.0);
    CHECK(e[0].end_s == 110.0);
    CHECK(e[0].peak == 9.0);
}

TEST_CASE("invalid configurations are refused with a reason", "[arousal]") {
    ArousalConfig c;
    c.rising_off = 4.0;  // above rising_on
    CHECK_THROWS_AS(ArousalDetector(c), std::invalid_argument);
    c = {};
    c.calibration = Seconds{1.0};
    CHECK_THROWS_AS(ArousalDetector(c), std::invalid_argument);
    c = {};
    c.sensitivity = 0.0;
    CHECK_THROWS_AS(ArousalDetector(c), std::invalid_argument);
    CHECK(to_string(ArousalState::High) == "high");
}
