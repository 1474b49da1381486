// [SECTION] index: validation - the partner's state - physiology (arousal, RR) - planning
// ahead - rendering the three channels - ground truth - public API - default couple - files.
//
// How one advance_to() works: the span is processed in blocks of at most 2 s. Before each
// block every schedule is extended a fixed distance beyond the block's end, in dependency
// order (artifact intervals -> breath cycles -> modulation grid -> beats), then each channel
// is rendered sample by sample, then everything that happened is copied into the ground
// truth. Schedules grow "until they cover X", one unit at a time with their own random
// stream, so the bytes do not depend on how a span is split into calls.
#include "attune/hardware/partner_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <stdexcept>

#include "attune/hardware/sim/artifacts.hpp"
#include "attune/hardware/sim/breathing.hpp"
#include "attune/hardware/sim/heart.hpp"
#include "attune/hardware/sim/random.hpp"
#include "attune/hardware/sim/waveforms.hpp"

namespace attune::hardware {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kBlock_s = 2.0;            // rendering block
constexpr double kBeatsAhead_s = 1.5;       // P waves and the IPFM need beats this far ahead
constexpr double kGridAhead_s = 4.0;        // > beats ahead + the longest RR (2 s)
constexpr double kBreathsAhead_s = 5.0;     // > grid ahead
constexpr double kArtifactsAhead_s = 7.0;   // > breaths ahead (speech shapes breaths)
constexpr double kKeepBehind_s = 2.5;       // PPG pulses reach back this far
constexpr double kMaxSpan_s = 6.0 * 3600.0;

// Physiology constants (see docs/parts/sim.md for the sources).
constexpr double kCalmHrDrop_bpm = 5.0;        // slow paced breathing lowers HR by up to this
constexpr double kCalmVagalGain = 0.3;         // ... and raises vagal modulation by 30 %
constexpr double kCalmArousalRelief = 0.4;     // ... and damps an arousal episode by 40 %
constexpr double kVagalHalfArousal_bpm = 18.0; // vagal modulation halves at +18 bpm arousal
constexpr double kRsaLeadFraction = 0.2;      // inspiratory drive leads volume by 1/5 breath
constexpr double kRsaLeadMax_s = 1.0;
constexpr double kEdrGain = 0.1;               // QRS amplitude change per unit lung volume
constexpr double kRailMv = 5.0;                // where a lead-off ECG front end saturates
constexpr double kEcgNoiseMv = 0.008;
constexpr double kPpgNoise = 0.004;
constexpr double kRespNoise = 0.004;

enum Stream : std::uint64_t {
    kBreathStream = 1, kGridStream, kSinusStream, kEcgNoiseStream, kPpgNoiseStream,
    kRespNoiseStream, kEcgMotionStream, kPpgMotionStream, kRespMotionStream,
};

// ---- [SECTION] validation -------------------------------------------------------------

void require(bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("PartnerModel: ") + what);
}

bool in_range(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

void validate(const ArousalEpisode& e) {
    require(std::isfinite(e.start_s), "episode start must be finite");
    require(in_range(e.rise_s, 0.0, 3600.0) && in_range(e.hold_s, 0.0, 86400.0) &&
                in_range(e.recover_s, 0.0, 3600.0),
            "episode rise/hold/recover must be 0..3600 s (hold up to a day)");
    require(in_range(e.hr_increase_bpm, -20.0, 60.0), "episode hr_increase_bpm must be -20..60");
}

void validate(const PartnerProfile& p) {
    require(in_range(p.resting_hr_bpm, 30.0, 150.0), "resting_hr_bpm must be 30..150");
    require(in_range(p.resp_rate_bpm, 3.0, 40.0), "resp_rate_bpm must be 3..40");
    require(in_range(p.resp_depth, 1e-3, 100.0), "resp_depth must be > 0");
    require(in_range(p.rmssd_scale, 0.0, 5.0), "rmssd_scale must be 0..5");
    require(in_range(p.pacer_compliance, 0.0, 1.0), "pacer_compliance must be 0..1");
    require(in_range(p.pacer_lag_s, 0.0, 600.0), "pacer_lag_s must be 0..600");
    require(in_range(p.inhale_fraction, 0.2, 0.7), "inhale_fraction must be 0.2..0.7");
    require(in_range(p.sighs_per_min, 0.0, 5.0), "sighs_per_min must be 0..5");
    require(in_range(p.rsa_resonance_ms, 0.0, 400.0), "rsa_resonance_ms must be 0..400");
    require(in_range(p.lf_ms, 0.0, 200.0), "lf_ms must be 0..200");
    require(in_range(p.r_amplitude_mv, 0.05, 10.0), "r_amplitude_mv must be 0.05..10");
    require(in_range(p.pulse_transit_s, 0.05, 0.6), "pulse_transit_s must be 0.05..0.6");
    for (const auto& e : p.episodes) validate(e);
}

void validate(const SimulationConfig& c) {
    require(in_range(c.ecg_rate_hz, 100.0, 2000.0), "ecg_rate_hz must be 100..2000");
    require(in_range(c.ppg_rate_hz, 10.0, 2000.0), "ppg_rate_hz must be 10..2000");
    require(in_range(c.resp_rate_hz, 5.0, 2000.0), "resp_rate_hz must be 5..2000");
    const auto& t = c.trouble;
    require(in_range(t.baseline_wander_mv, 0.0, 10.0), "baseline_wander_mv must be 0..10");
    require(in_range(t.mains_hz, 1.0, 1000.0), "mains_hz must be 1..1000");
    require(in_range(t.mains_hum_mv, 0.0, 10.0), "mains_hum_mv must be 0..10");
    for (const ArtifactRate* r : {&t.motion, &t.pvc, &t.pac, &t.ecg_dropout, &t.ppg_dropout, &t.speech})
        require(in_range(r->per_min, 0.0, 60.0), "artifact rates must be 0..60 per minute");
}

// Fraction (0..1) of an episode's full effect at time t: raised-cosine rise and recovery.
double episode_level(const ArousalEpisode& e, double t) noexcept {
    const double rel = t - e.start_s;
    if (rel < 0.0) return 0.0;
    if (rel < e.rise_s) return 0.5 - 0.5 * std::cos(std::numbers::pi * rel / e.rise_s);
    if (rel < e.rise_s + e.hold_s) return 1.0;
    const double down = rel - e.rise_s - e.hold_s;
    if (down < e.recover_s) return 0.5 + 0.5 * std::cos(std::numbers::pi * down / e.recover_s);
    return 0.0;
}

std::int64_t samples_before(double t, double rate_hz) noexcept {
    return static_cast<std::int64_t>(std::ceil(t * rate_hz));
}

}  // namespace

ArtifactSettings ArtifactSettings::none() {
    ArtifactSettings s;
    s.baseline_wander = false;
    s.mains_hum = false;
    for (ArtifactRate* r : {&s.motion, &s.pvc, &s.pac, &s.ecg_dropout, &s.ppg_dropout, &s.speech})
        r->enabled = false;
    return s;
}

std::string_view to_string(BeatKind kind) {
    switch (kind) {
        case BeatKind::Sinus: return "sinus";
        case BeatKind::Pvc: return "pvc";
        case BeatKind::Pac: return "pac";
    }
    return "unknown";
}

std::string_view to_string(BreathKind kind) {
    switch (kind) {
        case BreathKind::Normal: return "normal";
        case BreathKind::Sigh: return "sigh";
        case BreathKind::Speech: return "speech";
    }
    return "unknown";
}

std::string_view to_string(ArtifactKind kind) {
    switch (kind) {
        case ArtifactKind::Motion: return "motion";
        case ArtifactKind::EcgDropout: return "ecg_dropout";
        case ArtifactKind::PpgDropout: return "ppg_dropout";
        case ArtifactKind::Speech: return "speech";
    }
    return "unknown";
}

// ---- [SECTION] the partner's state ----------------------------------------------------

struct PartnerModel::State {
    State(PartnerProfile p, SimulationConfig c)
        : profile(std::move(p)),
          config(c),
          trouble(c.artifacts ? c.trouble : ArtifactSettings::none()),
          shape_mean(sim::breath_shape_mean(profile.inhale_fraction)),
          artifacts(trouble, c.artifacts, c.seed, 0.0),
          breathing(profile, sim::SimRng(c.seed, kBreathStream), 0.0),
          grid(sim::SimRng(c.seed, kGridStream), 0.0),
          sinus(sim::SimRng(c.seed, kSinusStream), 0.0, 60000.0 / profile.resting_hr_bpm,
                {trouble.pvc.enabled ? trouble.pvc.per_min : 0.0,
                 trouble.pac.enabled ? trouble.pac.per_min : 0.0}),
          ecg(c.ecg_rate_hz, profile.r_amplitude_mv),
          ecg_noise(c.seed, kEcgNoiseStream),
          ppg_noise(c.seed, kPpgNoiseStream),
          resp_noise(c.seed, kRespNoiseStream),
          motion{sim::MotionNoise(sim::SimRng(c.seed, kEcgMotionStream), c.ecg_rate_hz, 3.0),
                 sim::MotionNoise(sim::SimRng(c.seed, kPpgMotionStream), c.ppg_rate_hz, 1.5),
                 sim::MotionNoise(sim::SimRng(c.seed, kRespMotionStream), c.resp_rate_hz, 1.0)},
          rates{c.ecg_rate_hz, c.ppg_rate_hz, c.resp_rate_hz} {
        // The beat just before the start, so the first ECG complex and pulse are whole.
        sim::BeatEvent virtual_beat;
        virtual_beat.time_s = sinus.previous_beat_s();
        virtual_beat.sinus_rr_ms = 60000.0 / profile.resting_hr_bpm;
        virtual_beat.pulse_transit_s = profile.pulse_transit_s;
        beats.push_back(virtual_beat);
        refresh_episode_truth();
        plan_ahead(0.0);
    }

    PartnerProfile profile;
    SimulationConfig config;
    ArtifactSettings trouble;  // what is actually on (all off when config.artifacts is false)
    double shape_mean;         // mean normalised lung volume of a breath (RSA is zero-mean)

    sim::ArtifactSchedule artifacts;
    sim::BreathingModel breathing;
    sim::Ring<sim::BreathCycle, 64> breaths;
    sim::ModulationGrid grid;
    double calm_target = 0.0;
    sim::SinusNode sinus;
    sim::BeatRing beats;
    sim::EcgSynth ecg;
    sim::SimRng ecg_noise, ppg_noise, resp_noise;
    std::array<sim::MotionNoise, kSimChannelCount> motion;
    std::array<double, kSimChannelCount> rates;
    std::array<std::int64_t, kSimChannelCount> next_sample{};

    double end_s = 0.0;  // everything before this has been generated
    GroundTruth truth;

    // ---- [SECTION] physiology: arousal, breathing, instantaneous RR -------------------

    double scripted_arousal_bpm(double t) const noexcept {
        double level = 0.0;
        for (const auto& e : profile.episodes) {
            const double v = episode_level(e, t) * e.hr_increase_bpm;
            if (std::abs(v) > std::abs(level)) level = v;
        }
        return level;
    }

    const sim::BreathCycle& breath_at(double t) const noexcept {
        for (std::size_t i = 0; i < breaths.size(); ++i)
            if (t < breaths[i].end_s()) return breaths[i];
        return breaths.back();
    }

    // Lung volume relative to its own breath's mean, in units of a normal breath: zero-mean
    // whatever the depth, so deep paced breaths or sighs do not shift the mean heart rate.
    double centred_volume(const sim::BreathCycle& cycle, double t) const noexcept {
        return (sim::breath_volume(cycle, t) - shape_mean * cycle.depth) / profile.resp_depth;
    }

    // What the EDR (QRS amplitude) and RIIV (PPG baseline) follow: lung volume now.
    double breathing_drive(double t) const noexcept { return centred_volume(breath_at(t), t); }

    // The sinus node's instantaneous interval (ms): mean rate from rest, arousal and calm,
    // minus vagal RSA (HR up while lungs fill) and Mayer waves, plus slow drift.
    double rr_ms_at(double t) const noexcept {
        const auto g = grid.at(t);
        const double arousal = scripted_arousal_bpm(t) * (1.0 - kCalmArousalRelief * g.calm);
        const double hr = std::max(30.0, profile.resting_hr_bpm + arousal - kCalmHrDrop_bpm * g.calm);
        const double vagal = profile.rmssd_scale * (1.0 + kCalmVagalGain * g.calm) /
                             (1.0 + std::max(0.0, arousal) / kVagalHalfArousal_bpm);
        // RSA follows the central inspiratory drive (vagal gating), which leads lung volume:
        // read the volume a fifth of a breath (at most 1 s) ahead, so HR rises while
        // inhaling and the RR interval ending at a beat is already short during inhalation.
        const double t_drive = t + std::min(kRsaLeadMax_s, kRsaLeadFraction * breath_at(t).period_s());
        const sim::BreathCycle& cycle = breath_at(t_drive);
        const double drive = centred_volume(cycle, t_drive);
        const double rsa_ms = 2.0 * profile.rsa_resonance_ms * sim::rsa_gain(cycle.rate_bpm() / 60.0) * drive;
        // Modulations are RR changes (ms) but are applied to the rate, so that large swings
        // at resonant breathing do not raise the mean heart rate (1/RR is convex).
        const double rr_mean = 60000.0 / hr;
        const double shortening_ms = vagal * (rsa_ms + profile.lf_ms * g.lf) - g.vlf_ms;
        const double rate_factor = std::clamp(1.0 + shortening_ms / rr_mean, 0.4, 2.5);
        return std::clamp(rr_mean / rate_factor, 300.0, 2000.0);
    }

    // ---- [SECTION] planning ahead -----------------------------------------------------

    void plan_ahead(double t) noexcept {
        artifacts.extend_to(t + kArtifactsAhead_s);
        while (breaths.empty() || breaths.back().end_s() < t + kBreathsAhead_s) {
            const double onset = breathing.next_onset_s();
            breaths.push_back(breathing.plan_next(scripted_arousal_bpm(onset),
                                                  artifacts.covers(ArtifactKind::Speech, onset)));
        }
        while (grid.next_time() <= t + kGridAhead_s) {
            // Slow, regular breathing well below one's own rate builds calm (full calm at
            // 40 % below; natural breath-to-breath variability stays in the dead band);
            // sighs and speech say nothing about it.
            const sim::BreathCycle& cycle = breath_at(grid.next_time());
            if (cycle.kind == BreathKind::Normal)
                calm_target = (0.9 * profile.resp_rate_bpm - cycle.rate_bpm()) / (0.3 * profile.resp_rate_bpm);
            grid.push(calm_target);
        }
        while (beats.back().time_s < t + kBeatsAhead_s) {
            sim::BeatEvent beat = sinus.next([this](double at) { return rr_ms_at(at); });
            dress_beat(beat);
            beats.push_back(beat);
        }
    }

    // What the waveforms need beyond the beat's time: EDR gain, pulse timing and strength.
    void dress_beat(sim::BeatEvent& beat) const noexcept {
        const double t = beat.time_s;
        const double arousal = std::max(0.0, scripted_arousal_bpm(t) * (1.0 - kCalmArousalRelief * grid.at(t).calm));
        beat.ecg_gain = 1.0 + kEdrGain * breathing_drive(t);
        // Higher blood pressure under arousal: the pulse wave travels faster.
        beat.pulse_transit_s = std::max(0.12, profile.pulse_transit_s - 0.003 * arousal);
        // Frank-Starling: a short filling time gives a weak pulse, a long pause a strong one;
        // a PVC's uncoordinated contraction ejects less. Stress constricts finger vessels.
        const double filling = beat.rr_ms > 0.0 ? std::clamp(beat.rr_ms / beat.sinus_rr_ms, 0.3, 1.6) : 1.0;
        beat.pulse_amplitude = std::pow(filling, 0.8) * (beat.kind == BeatKind::Pvc ? 0.6 : 1.0) *
                               std::max(0.5, 1.0 - 0.015 * arousal);
        beat.pulse_scale = std::clamp(std::sqrt(beat.sinus_rr_ms / 850.0), 0.75, 1.2);
    }

    void forget_before(double t) noexcept {
        while (beats.size() > 2 && beats[1].time_s < t - kKeepBehind_s) beats.pop_front();
        while (breaths.size() > 1 && breaths.front().end_s() < t - kKeepBehind_s) breaths.pop_front();
        grid.drop_before(t - kKeepBehind_s);
        artifacts.drop_ended_before(t - kKeepBehind_s);
    }

    // ---- [SECTION] rendering the three channels ---------------------------------------

    float ecg_sample(std::int64_t n, double t) noexcept {
        double v = ecg.step(beats, t);
        if (trouble.baseline_wander)
            v += trouble.baseline_wander_mv * (0.4 * breathing_drive(t) + grid.at(t).wander[0]);
        if (trouble.mains_hum) {
            // Phase from the sample index keeps the hum exact over hours.
            const double cycles = std::fmod(trouble.mains_hz * static_cast<double>(n) / rates[kSimEcg], 1.0);
            v += trouble.mains_hum_mv * (std::cos(kTwoPi * cycles) + 0.2 * std::cos(3.0 * kTwoPi * cycles + 0.5));
        }
        v += kEcgNoiseMv * ecg_noise.normal();
        if (const auto* burst = artifacts.find(ArtifactKind::Motion, t))
            v += (0.4 + 1.6 * burst->strength) * motion[kSimEcg].sample(*burst, t);
        if (const auto* off = artifacts.find(ArtifactKind::EcgDropout, t))
            v = off->variant * kRailMv;  // electrode off: flat at 0 or railed
        return static_cast<float>(v);
    }

    float ppg_sample(double t) noexcept {
        double v = 0.0;
        for (std::size_t k = 0; k < beats.size(); ++k) {
            const sim::BeatEvent& b = beats[k];
            const double tau = (t - b.time_s - b.pulse_transit_s) / b.pulse_scale;
            if (tau < -0.2) break;
            v += b.pulse_amplitude * sim::ppg_pulse_shape(tau);
        }
        v -= 0.06 * breathing_drive(t);  // respiratory-induced intensity variation
        if (trouble.baseline_wander) v += 0.1 * grid.at(t).wander[1];
        v += kPpgNoise * ppg_noise.normal();
        if (const auto* burst = artifacts.find(ArtifactKind::Motion, t))
            v += (0.5 + 1.5 * burst->strength) * motion[kSimPpg].sample(*burst, t);
        if (artifacts.covers(ArtifactKind::PpgDropout, t)) v = 0.0;  // finger off: flat
        return static_cast<float>(v);
    }

    float resp_sample(double t) noexcept {
        const double depth = profile.resp_depth;
        double v = sim::breath_volume(breath_at(t), t);
        if (trouble.baseline_wander) v += 0.08 * depth * grid.at(t).wander[2];
        v += kRespNoise * depth * resp_noise.normal();
        if (const auto* burst = artifacts.find(ArtifactKind::Motion, t))
            v += (0.2 + 0.6 * burst->strength) * depth * motion[kSimResp].sample(*burst, t);
        return static_cast<float>(v);
    }

    void render_until(double t, std::vector<signal::SampleChunk>& out) noexcept {
        for (std::size_t c = 0; c < kSimChannelCount; ++c) {
            const std::int64_t stop = samples_before(t, rates[c]);
            auto& values = out[c].values;
            for (std::int64_t& n = next_sample[c]; n < stop; ++n) {
                const double tn = static_cast<double>(n) / rates[c];
                values.push_back(c == kSimEcg ? ecg_sample(n, tn) : c == kSimPpg ? ppg_sample(tn) : resp_sample(tn));
            }
        }
    }

    // ---- [SECTION] ground truth -------------------------------------------------------

    bool unreadable(ArtifactKind dropout, double t) const noexcept {
        return artifacts.covers(dropout, t) || artifacts.covers(ArtifactKind::Motion, t);
    }

    void commit_truth(double from, double to) {
        for (std::size_t k = 0; k < beats.size(); ++k) {
            const sim::BeatEvent& b = beats[k];
            if (b.time_s < from || b.time_s < 0.0) continue;
            if (b.time_s >= to) break;
            GroundTruthBeat beat;
            beat.time_s = b.time_s;
            beat.rr_ms = b.rr_ms;
            beat.kind = b.kind;
            beat.pulse_peak_s = b.time_s + b.pulse_transit_s + sim::kSystolicPeak_s * b.pulse_scale;
            beat.ecg_readable = !unreadable(ArtifactKind::EcgDropout, beat.time_s);
            beat.ppg_readable = !unreadable(ArtifactKind::PpgDropout, beat.pulse_peak_s);
            truth.beats.push_back(beat);
            truth.beat_times_s.push_back(beat.time_s);
        }
        for (std::size_t i = 0; i < breaths.size(); ++i) {
            const sim::BreathCycle& c = breaths[i];
            for (const auto& [time, inhale] : {std::pair{c.onset_s, true}, std::pair{c.peak_s(), false}})
                if (time >= from && time < to && time >= 0.0)
                    truth.breaths.push_back({time, inhale, c.depth, c.kind});
        }
        artifacts.for_each_starting(from, to, [&](const sim::ArtifactInterval& a) {
            truth.artifacts.push_back({a.start_s, a.end_s, a.kind, sim::artifact_channels(a.kind)});
        });
    }

    void refresh_episode_truth() {
        truth.episodes.clear();
        for (const auto& e : profile.episodes)
            truth.episodes.push_back({e.start_s, e.start_s + e.rise_s + e.hold_s + e.recover_s, e.hr_increase_bpm});
    }
};

// ---- [SECTION] public API ---------------------------------------------------------------

namespace {
PartnerProfile validated(PartnerProfile p) {
    validate(p);
    return p;
}
SimulationConfig validated(SimulationConfig c) {
    validate(c);
    return c;
}
}  // namespace

PartnerModel::PartnerModel(PartnerProfile profile, SimulationConfig config)
    : state_(std::make_unique<State>(validated(std::move(profile)), validated(config))) {}

PartnerModel::~PartnerModel() = default;
PartnerModel::PartnerModel(PartnerModel&&) noexcept = default;
PartnerModel& PartnerModel::operator=(PartnerModel&&) noexcept = default;

const PartnerProfile& PartnerModel::profile() const { return state_->profile; }
const SimulationConfig& PartnerModel::config() const { return state_->config; }

std::vector<signal::ChannelSpec> PartnerModel::channels() const {
    const auto& c = state_->config;
    return {{"ECG", signal::ChannelKind::Ecg, c.ecg_rate_hz, "mV"},
            {"PPG", signal::ChannelKind::Ppg, c.ppg_rate_hz, "au"},
            {"Resp", signal::ChannelKind::Respiration, c.resp_rate_hz, "au"}};
}

std::vector<signal::SampleChunk> PartnerModel::advance_to(double t_s) {
    auto& s = *state_;
    if (!std::isfinite(t_s)) throw std::invalid_argument("PartnerModel::advance_to: time must be finite");
    if (t_s - s.end_s > kMaxSpan_s)
        throw std::invalid_argument("PartnerModel::advance_to: more than 6 hours in one call");

    std::vector<signal::SampleChunk> out(kSimChannelCount);
    for (std::size_t c = 0; c < kSimChannelCount; ++c) {
        out[c].channel = c;
        out[c].rate_hz = s.rates[c];
        out[c].t0_s = static_cast<double>(s.next_sample[c]) / s.rates[c];
        if (t_s > s.end_s)
            out[c].values.reserve(static_cast<std::size_t>(samples_before(t_s, s.rates[c]) - s.next_sample[c]));
    }
    while (s.end_s < t_s) {
        const double block_end = std::min(t_s, s.end_s + kBlock_s);
        s.forget_before(s.end_s);
        s.plan_ahead(block_end);
        s.render_until(block_end, out);
        s.commit_truth(s.end_s, block_end);
        s.end_s = block_end;
    }
    return out;
}

void PartnerModel::set_pacer(std::optional<PacerTarget> target) {
    if (target) {
        require(in_range(target->breaths_per_min, 2.0, 40.0), "pacer breaths_per_min must be 2..40");
        require(in_range(target->inhale_fraction, 0.1, 0.9), "pacer inhale_fraction must be 0.1..0.9");
        require(std::isfinite(target->cycle_origin_s), "pacer cycle_origin_s must be finite");
    }
    state_->breathing.set_pacer(target);
}

void PartnerModel::add_episode(ArousalEpisode episode) {
    validate(episode);
    state_->profile.episodes.push_back(episode);
    state_->refresh_episode_truth();
}

const GroundTruth& PartnerModel::ground_truth() const { return state_->truth; }
double PartnerModel::time_s() const { return state_->end_s; }

double PartnerModel::current_hr_bpm() const { return 60000.0 / state_->rr_ms_at(state_->end_s); }

double PartnerModel::current_resp_rate_bpm() const { return state_->breath_at(state_->end_s).rate_bpm(); }

// ---- [SECTION] default couple -----------------------------------------------------------

std::vector<PartnerProfile> default_couple() {
    PartnerProfile a;
    a.name = "Partner A";
    a.resting_hr_bpm = 66.0;
    a.resp_rate_bpm = 12.0;
    a.pacer_compliance = 0.85;
    a.pacer_lag_s = 8.0;
    a.episodes.push_back({.start_s = 180.0, .rise_s = 30.0, .hold_s = 60.0, .recover_s = 90.0,
                          .hr_increase_bpm = 20.0});
    PartnerProfile b;
    b.name = "Partner B";
    b.resting_hr_bpm = 74.0;
    b.resp_rate_bpm = 15.0;
    b.resp_depth = 0.8;
    b.rmssd_scale = 0.7;
    b.pacer_compliance = 0.6;
    b.pacer_lag_s = 15.0;
    b.inhale_fraction = 0.38;
    b.r_amplitude_mv = 0.9;
    b.pulse_transit_s = 0.23;
    return {a, b};
}

// ---- [SECTION] ground-truth files -------------------------------------------------------

bool write_ground_truth(const GroundTruth& truth, const std::string& dir, std::string_view letter) {
    const std::string base = dir + "/truth_" + std::string(letter);
    auto open = [](const std::string& path, const char* header) {
        std::ofstream f(path);
        f.setf(std::ios::fixed);
        f.precision(4);
        f << header << '\n';
        return f;
    };
    auto beats = open(base + "_beats.csv", "time_s,rr_ms,kind,pulse_peak_s,ecg_readable,ppg_readable");
    for (const auto& b : truth.beats)
        beats << b.time_s << ',' << b.rr_ms << ',' << to_string(b.kind) << ',' << b.pulse_peak_s << ','
              << int(b.ecg_readable) << ',' << int(b.ppg_readable) << '\n';
    auto breaths = open(base + "_breaths.csv", "time_s,event,depth,kind");
    for (const auto& b : truth.breaths)
        breaths << b.time_s << ',' << (b.inhale ? "inhale" : "exhale") << ',' << b.depth << ','
                << to_string(b.kind) << '\n';
    auto episodes = open(base + "_episodes.csv", "start_s,end_s,hr_increase_bpm");
    for (const auto& e : truth.episodes) episodes << e.start_s << ',' << e.end_s << ',' << e.hr_increase_bpm << '\n';
    auto artifacts = open(base + "_artifacts.csv", "start_s,end_s,kind,channels");
    for (const auto& a : truth.artifacts) {
        artifacts << a.start_s << ',' << a.end_s << ',' << to_string(a.kind) << ',';
        const char* sep = "";
        for (const auto& [bit, name] : {std::pair{kSimEcg, "ECG"}, std::pair{kSimPpg, "PPG"}, std::pair{kSimResp, "Resp"}})
            if (a.channels & (1u << bit)) {
                artifacts << sep << name;
                sep = "+";
            }
        artifacts << '\n';
    }
    for (auto* f : {&beats, &breaths, &episodes, &artifacts}) f->flush();
    return beats.good() && breaths.good() && episodes.good() && artifacts.good();
}

}  // namespace attune::hardware
