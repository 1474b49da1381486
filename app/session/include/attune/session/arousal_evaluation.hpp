// Scoring the arousal detector against the simulated partner's ground truth (used by
// `attune bench arousal` and tests/arousal). A partner is simulated second by second; beats and
// breaths come from the simulator's ground truth, optionally corrupted the way real detectors
// fail (missed and extra beats, ectopic beats, noise bursts where the detector finds garbage
// and flags it, missed breaths and sighs); they go through the same feature windows and the
// same ArousalDetector the session uses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "attune/signal/arousal.hpp"

namespace attune::session {

// Which features the detector is given (what a person's sensors allow).
enum class ArousalFeatureMode : std::uint8_t { HrOnly, HrRmssd, All };
std::string_view to_string(ArousalFeatureMode mode);

// The project's detectors feeding the arousal features: ECG -> Pan-Tompkins R peaks ->
// HeartFeatureWindow (beat quality flags and the detector's per-second quality), belt ->
// RspProcessor breaths -> BreathFeatureWindow. A rate of 0 leaves that input out.
class DetectorFeatures {
public:
    DetectorFeatures(double ecg_fs_hz, double resp_fs_hz);
    ~DetectorFeatures();
    DetectorFeatures(DetectorFeatures&&) noexcept;
    void push_ecg(float x);                 // sample i at time i / ecg_fs
    void push_resp(double t_s, float x);
    // Features of the second ending at now_s.
    signal::ArousalFeatures features_at(double now_s);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct DetectorFailureModel {
    double missed_beat_rate = 0.02;   // share of beats not detected
    double extra_beat_rate = 0.01;    // spurious beats per real beat
    double ectopic_rate = 0.01;       // premature beats (short, then compensatory long RR)
    double burst_per_min = 0.3;       // noise bursts (movement, loose electrode)
    double burst_min_s = 3.0, burst_max_s = 15.0;
    double missed_breath_rate = 0.03;
    double sigh_rate = 0.02;          // a breath 2.5x deeper
};

struct SimulatedRun {
    std::vector<signal::ArousalOutput> outputs;  // one per second, second k at time k
    std::vector<signal::ArousalEpisodeSpan> detected;
    std::vector<hardware::GroundTruthEpisode> truth;
    std::vector<double> true_hr_bpm;  // per second (for plots and checks)
    std::vector<signal::ArousalFeatures> features;  // what the detector was given
    signal::FeatureSet features_seen = 0;
};

// Simulates one partner for duration_s and runs the detector on it.
// Where the features come from: the simulator's true beats and breaths (corrupted by
// DetectorFailureModel when `artifacts`), or the project's detectors run on the simulated ECG
// and belt signals (then `artifacts` switches the simulator's own signal artifacts).
enum class FeatureSource : std::uint8_t { GroundTruth, Detectors };

SimulatedRun run_simulated_partner(const hardware::PartnerProfile& profile, std::uint64_t seed,
                                   double duration_s, const signal::ArousalConfig& config,
                                   ArousalFeatureMode mode, bool artifacts,
                                   const DetectorFailureModel& failures = {},
                                   FeatureSource source = FeatureSource::GroundTruth);

struct EpisodeScore {
    double hr_increase_bpm = 0.0;
    bool detected_in_time = false;  // an alarm (rising or high) within [start, start + 20 s]
    bool detected_at_all = false;   // an alarm before the episode ended
    double latency_s = -1.0;        // from episode start to the alarm (when detected)
};

struct RunScore {
    std::vector<EpisodeScore> episodes;
    int false_alarms = 0;     // alarms starting outside every episode (start - 10 s .. end)
    double calm_s = 0.0;      // monitored time outside episodes (after calibration)
};

// onset_window_s: how soon after an episode's start the alarm must come.
RunScore score_run(const SimulatedRun& run, double calibration_s, double onset_window_s = 20.0);

}  // namespace attune::session
