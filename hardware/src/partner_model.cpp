// A first physiology model: beats from an integrate-and-fire heart with respiratory sinus
// arrhythmia and a 0.1 Hz LF rhythm, an ECG made of Gaussian P-Q-R-S-T waves per beat,
// a PPG pulse following each beat, and a smooth belt signal at the partner's breathing rate.
#include "attune/hardware/partner_model.hpp"

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>

namespace attune::hardware {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

// Fraction (0..1) of an episode's full effect at time t.
double episode_level(const ArousalEpisode& e, double t) {
    const double rel = t - e.start_s;
    if (rel < 0.0) return 0.0;
    if (rel < e.rise_s) return rel / e.rise_s;
    if (rel < e.rise_s + e.hold_s) return 1.0;
    const double down = rel - e.rise_s - e.hold_s;
    if (down < e.recover_s) return 1.0 - down / e.recover_s;
    return 0.0;
}

}  // namespace

struct PartnerModel::State {
    PartnerProfile profile;
    SimulationConfig config;
    std::mt19937_64 rng;
    std::normal_distribution<double> normal{0.0, 1.0};
    GroundTruth truth;

    double resp_rate_bpm = 0.0;     // current (drifts toward the pacer)
    double resp_phase = 0.0;        // radians, 0 = inhalation onset
    double heart_phase = 0.0;       // beats, fires at 1
    double sim_time = 0.0;          // end of what was generated
    double step_s = 0.0;            // internal step (1 / ecg rate)
    double next_ppg_t = 0.0, next_resp_t = 0.0;
    std::optional<PacerTarget> pacer;
    std::vector<double> recent_beats;  // beats whose waves still contribute

    double arousal_level(double t) const {
        double level = 0.0;
        for (const auto& e : profile.episodes) level = std::max(level, episode_level(e, t) * e.hr_increase_bpm);
        return level;
    }

    double resp_value(double phase) const {
        // Inhalation over the first 40 % of the cycle, exhalation over the rest.
        const double cyc = std::fmod(phase, kTwoPi) / kTwoPi;
        const double shaped = cyc < 0.4 ? 0.5 - 0.5 * std::cos(std::numbers::pi * cyc / 0.4)
                                        : 0.5 + 0.5 * std::cos(std::numbers::pi * (cyc - 0.4) / 0.6);
        return shaped;
    }

    double ecg_at(double t) const {
        // Gaussian waves relative to each R peak: (offset s, width s, amplitude mV)
        static constexpr double kWaves[5][3] = {{-0.20, 0.025, 0.12}, {-0.03, 0.010, -0.10},
                                                {0.0, 0.011, 1.10},   {0.03, 0.010, -0.22},
                                                {0.28, 0.045, 0.28}};
        double v = 0.0;
        for (double b : recent_beats) {
            for (const auto& w : kWaves) {
                const double d = (t - b - w[0]) / w[1];
                if (std::abs(d) < 6.0) v += w[2] * std::exp(-0.5 * d * d);
            }
        }
        return v;
    }

    double ppg_at(double t) const {
        double v = 0.0;
        for (double b : recent_beats) {
            const double d = t - b - 0.22;  // pulse transit time
            if (d > -0.1 && d < 0.9) v += std::exp(-0.5 * std::pow(d / 0.09, 2)) +
                                          0.35 * std::exp(-0.5 * std::pow((d - 0.3) / 0.1, 2));
        }
        return v;
    }
};

PartnerModel::PartnerModel(PartnerProfile profile, SimulationConfig config)
    : state_(std::make_unique<State>()) {
    state_->profile = std::move(profile);
    state_->config = config;
    state_->rng.seed(config.seed);
    state_->resp_rate_bpm = state_->profile.resp_rate_bpm;
    state_->step_s = 1.0 / config.ecg_rate_hz;
}

PartnerModel::~PartnerModel() = default;
PartnerModel::PartnerModel(PartnerModel&&) noexcept = default;
PartnerModel& PartnerModel::operator=(PartnerModel&&) noexcept = default;

const PartnerProfile& PartnerModel::profile() const { return state_->profile; }

std::vector<signal::ChannelSpec> PartnerModel::channels() const {
    const auto& c = state_->config;
    return {{"ECG", signal::ChannelKind::Ecg, c.ecg_rate_hz, "mV"},
            {"PPG", signal::ChannelKind::Ppg, c.ppg_rate_hz, "au"},
            {"Resp", signal::ChannelKind::Respiration, c.resp_rate_hz, "au"}};
}

std::vector<signal::SampleChunk> PartnerModel::advance_to(double t_s) {
    auto& s = *state_;
    std::vector<signal::SampleChunk> out(kSimChannelCount);
    const double rates[3] = {s.config.ecg_rate_hz, s.config.ppg_rate_hz, s.config.resp_rate_hz};
    for (std::size_t c = 0; c < kSimChannelCount; ++c) {
        out[c].channel = c;
        out[c].rate_hz = rates[c];
    }
    out[kSimEcg].t0_s = s.sim_time;
    out[kSimPpg].t0_s = s.next_ppg_t;
    out[kSimResp].t0_s = s.next_resp_t;

    while (s.sim_time < t_s) {
        const double t = s.sim_time;
        // Breathing: converge on the pacer with the partner's lag; arousal speeds it up.
        const double arousal = s.arousal_level(t);
        double target = s.profile.resp_rate_bpm + 0.25 * arousal;
        if (s.pacer) {
            const double c = s.profile.pacer_compliance;
            target = (1.0 - c) * target + c * s.pacer->breaths_per_min;
        }
        s.resp_rate_bpm += (target - s.resp_rate_bpm) * s.step_s / std::max(0.5, s.profile.pacer_lag_s);
        const double prev_phase = s.resp_phase;
        s.resp_phase += kTwoPi * s.resp_rate_bpm / 60.0 * s.step_s;
        const double prev_cyc = std::fmod(prev_phase, kTwoPi) / kTwoPi;
        const double cyc = std::fmod(s.resp_phase, kTwoPi) / kTwoPi;
        if (cyc < prev_cyc) s.truth.breaths.push_back({t, true});
        else if (prev_cyc < 0.4 && cyc >= 0.4) s.truth.breaths.push_back({t, false});

        // Heart: integrate-and-fire with RSA (faster on inhalation) and a 0.1 Hz LF rhythm.
        const double hrv = s.profile.rmssd_scale * std::max(0.2, 1.0 - arousal / 40.0);
        const double insp = s.resp_value(s.resp_phase) - 0.5;
        const double hr = s.profile.resting_hr_bpm + arousal + hrv * (8.0 * insp +
                          3.0 * std::sin(kTwoPi * 0.1 * t));
        s.heart_phase += hr / 60.0 * s.step_s;
        if (s.heart_phase >= 1.0) {
            s.heart_phase -= 1.0 + 0.02 * s.normal(s.rng) * hrv;
            s.truth.beat_times_s.push_back(t);
            s.recent_beats.push_back(t);
        }
        while (!s.recent_beats.empty() && s.recent_beats.front() < t - 1.5) s.recent_beats.erase(s.recent_beats.begin());

        out[kSimEcg].values.push_back(static_cast<float>(s.ecg_at(t) + 0.01 * s.normal(s.rng)));
        if (t >= s.next_ppg_t) {
            out[kSimPpg].values.push_back(static_cast<float>(s.ppg_at(t)));
            s.next_ppg_t += 1.0 / s.config.ppg_rate_hz;
        }
        if (t >= s.next_resp_t) {
            const double depth = s.profile.resp_depth * std::max(0.4, 1.0 - arousal / 50.0);
            out[kSimResp].values.push_back(static_cast<float>(depth * s.resp_value(s.resp_phase)));
            s.next_resp_t += 1.0 / s.config.resp_rate_hz;
        }
        s.sim_time += s.step_s;
    }
    return out;
}

void PartnerModel::set_pacer(std::optional<PacerTarget> target) { state_->pacer = target; }

void PartnerModel::add_episode(ArousalEpisode episode) {
    state_->profile.episodes.push_back(episode);
}

const GroundTruth& PartnerModel::ground_truth() const {
    auto& s = *state_;
    s.truth.episodes.clear();
    for (const auto& e : s.profile.episodes)
        s.truth.episodes.push_back({e.start_s, e.start_s + e.rise_s + e.hold_s + e.recover_s, e.hr_increase_bpm});
    return s.truth;
}

double PartnerModel::current_hr_bpm() const {
    return state_->profile.resting_hr_bpm + state_->arousal_level(state_->sim_time);
}

double PartnerModel::current_resp_rate_bpm() const { return state_->resp_rate_bpm; }

std::vector<PartnerProfile> default_couple() {
    PartnerProfile a;
    a.name = "Partner A";
    a.resting_hr_bpm = 66.0;
    a.resp_rate_bpm = 12.0;
    a.episodes.push_back({.start_s = 180.0, .rise_s = 30.0, .hold_s = 60.0, .recover_s = 90.0,
                          .hr_increase_bpm = 20.0});
    PartnerProfile b;
    b.name = "Partner B";
    b.resting_hr_bpm = 74.0;
    b.resp_rate_bpm = 15.0;
    b.resp_depth = 0.8;
    b.rmssd_scale = 0.7;
    return {a, b};
}

bool write_ground_truth(const GroundTruth& truth, const std::string& dir, std::string_view letter) {
    const std::string base = dir + "/truth_" + std::string(letter);
    std::ofstream beats(base + "_beats.csv");
    beats << "time_s\n";
    for (double t : truth.beat_times_s) beats << t << '\n';
    std::ofstream breaths(base + "_breaths.csv");
    breaths << "time_s,event\n";
    for (const auto& b : truth.breaths) breaths << b.time_s << ',' << (b.inhale ? "inhale" : "exhale") << '\n';
    std::ofstream episodes(base + "_episodes.csv");
    episodes << "start_s,end_s,hr_increase_bpm\n";
    for (const auto& e : truth.episodes) episodes << e.start_s << ',' << e.end_s << ',' << e.hr_increase_bpm << '\n';
    return beats.good() && breaths.good() && episodes.good();
}

}  // namespace attune::hardware
