// The simulated partner: a seeded, deterministic physiology model producing ECG, PPG and a
// chest-belt respiration signal, with scripted arousal episodes and a partner who follows a
// breathing pacer. It records its ground truth (beat times with flags, breath times,
// episodes, artifact intervals) so that detectors can be scored against it.
//
// Physiology in brief (details and references in docs/parts/sim.md):
//   breathing  - breath-by-breath cycles at a personal rate/depth with natural variability,
//                occasional sighs, faster and shallower when aroused, converging on a pacer
//                with a personal compliance and lag (and locking to its phase).
//   heart      - an integral pulse frequency modulation (IPFM) sinus node whose interval is
//                modulated by respiratory sinus arrhythmia (driven by lung volume, gain peaking
//                at ~6 breaths/min), ~0.1 Hz Mayer waves, slow drift and beat jitter; arousal
//                raises the rate and withdraws vagal modulation; slow paced breathing calms.
//   waveforms  - ECG from McSharry's ECGSYN attractor equation (P/Q/R/S/T Gaussians, z ODE
//                integrated per sample), PPG pulses after a pulse transit delay with a
//                dicrotic notch, a belt signal following lung volume.
//   trouble    - baseline wander, mains hum, motion bursts, PVC/PAC ectopics, electrode
//                dropouts, speech-like breathing: each switchable, with a rate.
//
// Thread rule: one PartnerModel is used from one thread at a time (the engine thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attune/signal/samples.hpp"

namespace attune::hardware {

struct ArousalEpisode {
    double start_s = 0.0;
    double rise_s = 30.0;      // time to reach the full increase (physiology: 10-60 s)
    double hold_s = 60.0;      // time held at the peak
    double recover_s = 60.0;   // time back to baseline
    double hr_increase_bpm = 20.0;  // scripted heart-rate increase at the peak (10-30 bpm)
};

struct PartnerProfile {
    std::string name = "A";
    double resting_hr_bpm = 68.0;
    double resp_rate_bpm = 13.0;
    double resp_depth = 1.0;          // belt amplitude of a normal breath, arbitrary units
    double rmssd_scale = 1.0;         // scales vagal HRV (RSA and LF)
    double pacer_compliance = 0.8;    // 0 = ignores the pacer, 1 = follows it fully
    double pacer_lag_s = 8.0;         // time constant of converging on the pacer
    std::vector<ArousalEpisode> episodes;

    // Finer physiology (defaults: a healthy adult at rest).
    double inhale_fraction = 0.42;    // share of a breath spent inhaling (I:E about 1:1.4)
    double sighs_per_min = 0.2;       // spontaneous sighs (about 12 per hour)
    double rsa_resonance_ms = 80.0;   // RR swing (amplitude, ms) when breathing at ~6/min
    double lf_ms = 22.0;              // RMS of the ~0.1 Hz Mayer-wave RR modulation
    double r_amplitude_mv = 1.2;      // R-wave height of a normal beat
    double pulse_transit_s = 0.25;    // R peak to PPG pulse foot at rest (finger)
};

// Each kind of trouble, switchable and with its rate. Used only when
// SimulationConfig::artifacts is true.
struct ArtifactRate {
    bool enabled = true;
    double per_min = 0.5;  // mean events per minute (Poisson)
};

struct ArtifactSettings {
    bool baseline_wander = true;   // ECG/PPG/belt baseline drift (respiratory + slow random)
    double baseline_wander_mv = 0.15;
    bool mains_hum = true;         // power-line interference on the ECG
    double mains_hz = 50.0;        // 50 (Europe) or 60 (Americas)
    double mains_hum_mv = 0.03;
    ArtifactRate motion{true, 0.3};       // motion bursts on every channel, 1-4 s
    ArtifactRate pvc{true, 0.5};          // premature ventricular beats (wide QRS, full pause)
    ArtifactRate pac{true, 0.3};          // premature atrial beats (normal QRS, resets sinus)
    ArtifactRate ecg_dropout{true, 0.1};  // electrode off: flat or railed ECG, 0.5-6 s
    ArtifactRate ppg_dropout{true, 0.05}; // finger off the PPG sensor: flat, 1-6 s
    ArtifactRate speech{true, 0.2};       // speech-like irregular breathing, 8-25 s

    // Everything off (the same as SimulationConfig::artifacts = false).
    static ArtifactSettings none();
};

struct SimulationConfig {
    std::uint64_t seed = 1;
    double ecg_rate_hz = 250.0;   // 100-2000 Hz accepted; ECGSYN morphology wants >= 250
    double ppg_rate_hz = 100.0;
    double resp_rate_hz = 50.0;
    bool artifacts = true;        // master switch for everything in `trouble`
    ArtifactSettings trouble;
};

// Channel indices of every simulated partner device.
enum SimChannel : std::size_t { kSimEcg = 0, kSimPpg = 1, kSimResp = 2, kSimChannelCount = 3 };

enum class BeatKind : std::uint8_t { Sinus = 0, Pvc = 1, Pac = 2 };
enum class BreathKind : std::uint8_t { Normal = 0, Sigh = 1, Speech = 2 };
enum class ArtifactKind : std::uint8_t { Motion = 0, EcgDropout = 1, PpgDropout = 2, Speech = 3 };

std::string_view to_string(BeatKind kind);
std::string_view to_string(BreathKind kind);
std::string_view to_string(ArtifactKind kind);

struct GroundTruthEpisode {
    double start_s = 0.0;
    double end_s = 0.0;
    double hr_increase_bpm = 0.0;
};

struct GroundTruthBreath {
    double time_s = 0.0;
    bool inhale = true;  // true: inhalation onset (trough); false: exhalation onset (peak)
    double depth = 0.0;  // tidal volume of this breath, belt units
    BreathKind kind = BreathKind::Normal;
};

struct GroundTruthBeat {
    double time_s = 0.0;        // R-peak time
    double rr_ms = 0.0;         // from the previous beat (0 for the first)
    BeatKind kind = BeatKind::Sinus;
    double pulse_peak_s = 0.0;  // time of this beat's PPG systolic peak
    bool ecg_readable = true;   // false: the R peak falls in an ECG dropout or motion burst
    bool ppg_readable = true;   // false: the pulse falls in a PPG dropout or motion burst
};

struct GroundTruthArtifact {
    double start_s = 0.0;
    double end_s = 0.0;
    ArtifactKind kind = ArtifactKind::Motion;
    std::uint8_t channels = 0;  // bit (1 << SimChannel) for each affected channel
};

// Everything that happened up to the end of the last advance_to().
struct GroundTruth {
    std::vector<double> beat_times_s;  // every R peak (all kinds), same order as `beats`
    std::vector<GroundTruthBeat> beats;
    std::vector<GroundTruthBreath> breaths;
    std::vector<GroundTruthEpisode> episodes;
    std::vector<GroundTruthArtifact> artifacts;  // unreadable / irregular stretches
};

struct PacerTarget {
    double breaths_per_min = 6.0;
    double inhale_fraction = 0.4;  // share of the cycle spent inhaling
    double cycle_origin_s = 0.0;   // a time at which a pacer inhalation starts (phase locking)
};

class PartnerModel {
public:
    // Throws std::invalid_argument for non-finite or out-of-range profile/config values.
    PartnerModel(PartnerProfile profile, SimulationConfig config);
    ~PartnerModel();
    PartnerModel(PartnerModel&&) noexcept;
    PartnerModel& operator=(PartnerModel&&) noexcept;

    const PartnerProfile& profile() const;
    const SimulationConfig& config() const;
    std::vector<signal::ChannelSpec> channels() const;

    // Generate every sample with time in [previous end, t_s): one chunk per channel, in
    // SimChannel order. The output does not depend on how a span is split into calls.
    // t_s at or before the previous end gives empty chunks; a non-finite t_s or a span of
    // more than 6 hours in one call throws std::invalid_argument.
    std::vector<signal::SampleChunk> advance_to(double t_s);

    // Show (or hide, with nullopt) a breathing pacer; the partner converges on it with their
    // compliance and lag, starting with the breaths not yet planned (a few seconds ahead).
    void set_pacer(std::optional<PacerTarget> target);

    // Add an arousal episode (e.g. from a test or the demo controls). Effective as long as
    // it starts a few seconds after the current time.
    void add_episode(ArousalEpisode episode);

    const GroundTruth& ground_truth() const;
    double time_s() const;                // end of what was generated so far
    double current_hr_bpm() const;        // true instantaneous sinus heart rate right now
    double current_resp_rate_bpm() const; // rate of the breath in progress right now

private:
    struct State;
    std::unique_ptr<State> state_;
};

// The default couple used by `attune` when no sensor is plugged in: two distinct people,
// one with a moderate arousal episode a few minutes in.
std::vector<PartnerProfile> default_couple();

// Write a partner's ground truth as CSV files next to a recording:
// DIR/truth_<letter>_beats.csv (time_s,rr_ms,kind,pulse_peak_s,ecg_readable,ppg_readable),
// _breaths.csv (time_s,event,depth,kind), _episodes.csv (start_s,end_s,hr_increase_bpm),
// _artifacts.csv (start_s,end_s,kind,channels). Returns false (and leaves what it could) on
// I/O errors.
bool write_ground_truth(const GroundTruth& truth, const std::string& dir, std::string_view letter);

}  // namespace attune::hardware
