// Scoring the arousal detector against the simulated partner's ground truth (used by
// `attune bench arousal` and tests/arousal). A partner is simulated second by second; beats and
// breaths come from the simulator's ground truth, optionally corrupted the way real detectors
// fail (missed and extra beats, ectopic beats, noise bursts where the detector finds garbage
// and flags it, missed breaths and sighs); they go through the same feature windows and the
// same ArousalDetector the session uses.
#pragma once

#include <array>
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

// The same partner's features run through the detector again with another config or fewer
// features (what a person with fewer sensors would give): no second simulation. `all` must come
// from run_simulated_partner with ArousalFeatureMode::All.
SimulatedRun rerun_detector(const SimulatedRun& all, const signal::ArousalConfig& config,
                            ArousalFeatureMode mode);

struct EpisodeScore {
    double hr_increase_bpm = 0.0;
    bool detected_in_time = false;  // an alarm (rising or high) within [start, start + 20 s]
    bool detected_at_all = false;   // an alarm before the episode ended
    double latency_s = -1.0;        // from episode start to the alarm (when detected)
    // Heart rate unusable (bad signal) for at least a quarter of the onset window: no heart
    // evidence to alarm on, by design.
    bool onset_unreadable = false;
};

struct RunScore {
    std::vector<EpisodeScore> episodes;
    int false_alarms = 0;     // alarms starting outside every episode (start - 10 s .. end)
    double calm_s = 0.0;      // monitored time outside episodes (after calibration)
};

// onset_window_s: how soon after an episode's start the alarm must come.
RunScore score_run(const SimulatedRun& run, double calibration_s, double onset_window_s = 20.0);

// [SECTION] Many simulated people (`attune bench arousal` and the tests)

// A different person for every seed: resting values spread like healthy adults at rest
// (HR 55-85 bpm, breathing 9-18 /min, vagal tone x0.5-1.5). With episodes: three per 30
// minutes, 7-9 minutes apart, the first after 4-6 minutes, sizes +8, +10, +15, +20 or +30 bpm
// (or fixed_size_bpm), reaching their peak in rise_lo_s..rise_hi_s.
hardware::PartnerProfile random_partner(std::uint64_t seed, bool with_episodes, double rise_lo_s = 10.0,
                                        double rise_hi_s = 20.0, double fixed_size_bpm = 0.0);

// Scores summed over runs: episodes of +15 bpm and more ("big") and smaller ones, and false
// alarms per monitored calm time.
struct ArousalTally {
    int big = 0, big_in_time = 0, big_at_all = 0;
    int big_readable = 0, big_readable_in_time = 0;  // big ones whose onset had a heart signal
    int small = 0, small_in_time = 0;
    int false_alarms = 0;
    double calm_s = 0.0;
    std::vector<double> latencies_s;  // of the big episodes detected at all

    void add(const RunScore& score);
    double big_share() const { return big ? static_cast<double>(big_in_time) / big : 0.0; }
    double big_readable_share() const {
        return big_readable ? static_cast<double>(big_readable_in_time) / big_readable : 0.0;
    }
    double false_alarms_per_30min() const { return calm_s > 0.0 ? false_alarms * 1800.0 / calm_s : 0.0; }
    double median_latency_s() const;
};

struct EvaluationPlan {
    int seeds = 40;                 // partners with episodes (seeds 1..n)
    bool calm_partners = true;      // and as many without episodes (seeds 1001..)
    bool artifacts = false;
    FeatureSource source = FeatureSource::GroundTruth;
    double duration_s = 1800.0;
    double rise_lo_s = 10.0, rise_hi_s = 20.0, fixed_size_bpm = 0.0;
    double onset_window_s = 20.0;
};

// Every partner of the plan is simulated once with all features; each feature mode is then
// scored on the same partners. Result indexed like kArousalModes.
inline constexpr ArousalFeatureMode kArousalModes[] = {ArousalFeatureMode::HrOnly, ArousalFeatureMode::HrRmssd,
                                                       ArousalFeatureMode::All};
std::array<ArousalTally, 3> evaluate_simulated(const EvaluationPlan& plan,
                                               const signal::ArousalConfig& config = {});

}  // namespace attune::session
