// The simulated partner: a seeded, deterministic physiology model producing ECG, PPG and a
// chest-belt respiration signal, with scripted arousal episodes and a partner who follows a
// breathing pacer. It records its ground truth (beat times, breath times, episodes) so that
// detectors can be scored against it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include "attune/signal/samples.hpp"

namespace attune::hardware {

struct ArousalEpisode {
    double start_s = 0.0;
    double rise_s = 30.0;      // time to reach the full increase
    double hold_s = 60.0;      // time held at the peak
    double recover_s = 60.0;   // time back to baseline
    double hr_increase_bpm = 20.0;
};

struct PartnerProfile {
    std::string name = "A";
    double resting_hr_bpm = 68.0;
    double resp_rate_bpm = 13.0;
    double resp_depth = 1.0;          // belt amplitude, arbitrary units
    double rmssd_scale = 1.0;         // scales HRV (RSA and LF)
    double pacer_compliance = 0.8;    // 0 = ignores the pacer, 1 = follows it fully
    double pacer_lag_s = 8.0;         // time constant of converging on the pacer
    std::vector<ArousalEpisode> episodes;
};

struct SimulationConfig {
    std::uint64_t seed = 1;
    double ecg_rate_hz = 250.0;
    double ppg_rate_hz = 100.0;
    double resp_rate_hz = 50.0;
    bool artifacts = true;  // baseline wander, mains hum, motion, ectopics, dropouts
};

// Channel indices of every simulated partner device.
enum SimChannel : std::size_t { kSimEcg = 0, kSimPpg = 1, kSimResp = 2, kSimChannelCount = 3 };

struct GroundTruthEpisode {
    double start_s = 0.0;
    double end_s = 0.0;
    double hr_increase_bpm = 0.0;
};

struct GroundTruthBreath {
    double time_s = 0.0;
    bool inhale = true;  // true: inhalation onset (trough); false: exhalation onset (peak)
};

struct GroundTruth {
    std::vector<double> beat_times_s;   // R-peak times
    std::vector<GroundTruthBreath> breaths;
    std::vector<GroundTruthEpisode> episodes;
};

struct PacerTarget {
    double breaths_per_min = 6.0;
    double inhale_fraction = 0.4;  // share of the cycle spent inhaling
};

class PartnerModel {
public:
    PartnerModel(PartnerProfile profile, SimulationConfig config);
    ~PartnerModel();
    PartnerModel(PartnerModel&&) noexcept;
    PartnerModel& operator=(PartnerModel&&) noexcept;

    const PartnerProfile& profile() const;
    std::vector<signal::ChannelSpec> channels() const;

    // Generate every sample with time in [previous end, t_s): one chunk per channel.
    std::vector<signal::SampleChunk> advance_to(double t_s);

    // Show (or hide, with nullopt) a breathing pacer; the partner converges on it with their
    // compliance and lag.
    void set_pacer(std::optional<PacerTarget> target);

    // Start an unscripted arousal episode now (e.g. from a test or the demo controls).
    void add_episode(ArousalEpisode episode);

    const GroundTruth& ground_truth() const;
    double current_hr_bpm() const;        // true heart rate right now
    double current_resp_rate_bpm() const; // true breathing rate right now

private:
    struct State;
    std::unique_ptr<State> state_;
};

// The default couple used by `attune` when no sensor is plugged in: two distinct people,
// one with a moderate arousal episode a few minutes in.
std::vector<PartnerProfile> default_couple();

// Write a partner's ground truth as CSV files next to a recording:
// DIR/truth_<letter>_beats.csv (time_s), _breaths.csv (time_s,event), _episodes.csv
// (start_s,end_s,hr_increase_bpm). Returns false (and leaves what it could) on I/O errors.
bool write_ground_truth(const GroundTruth& truth, const std::string& dir, std::string_view letter);

}  // namespace attune::hardware
