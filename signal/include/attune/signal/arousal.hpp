// Per-partner arousal: a personal baseline, an arousal index and calm / rising / high states.
//
// [SECTION] Index
//   Fed once per second with whatever features the partner's sensors give (ArousalFeatures;
//   NaN = not available). Each feature is turned into a z-score against the person's own
//   baseline, signed so that "more aroused" is positive:
//     heart rate above baseline (smoothed over a few seconds), ln RMSSD below baseline,
//     breathing rate above baseline, ln breathing depth below baseline (shallower).
//   The index is their weighted Stouffer sum  sum(w_i z_i) / sqrt(sum(w_i^2))  over the features
//   present this second, so it keeps the scale of a z-score whatever subset is available and the
//   same thresholds work for "HR only" and for "HR + RMSSD + breathing". Heart rate may rise
//   only max_hr_rise_bpm_per_s for the index: a sigh or deep breath swings HR by 10-20 bpm
//   within one inhalation (vagal, gone with the exhalation), sympathetic arousal builds over
//   several seconds. The index is never below heart rate's own z (RMSSD and breathing lag)
//   unless RMSSD has not fallen (less than vagal_withdrawal_sd below its baseline: no vagal
//   withdrawal, so the combination counts). Calm evidence is capped
//   (z >= -1 per feature) so that slow paced breathing, which raises RMSSD and slows breathing,
//   cannot hide a real rise in heart rate.
//
// [SECTION] Baseline
//   Robust (median, 1.4826 x MAD) statistics over a calibration period at the start of the
//   session, or a saved ArousalBaseline from an earlier session (used at once). After that it
//   adapts slowly (exponential, time constant 5 min) only while the person is calm, still,
//   not talking and well measured, so an episode is never learned as "normal". Standard
//   deviations have physiological floors (e.g. 3 bpm) so a very steady calibration does not
//   make every small wobble look like arousal.
//
// [SECTION] States
//   calm -> rising when index >= rising_on for onset_persistence seconds; rising -> high when
//   index >= high_on for onset_persistence. Back down only after the index stayed below the
//   lower "off" threshold for release_persistence seconds AND the state was held for its minimum
//   dwell time: hysteresis plus dwell so cues never flicker. Thresholds are divided by
//   `sensitivity` (> 1: reacts to smaller changes).
//
// [SECTION] What never raises an alarm
//   - bad signal: features whose quality is below min_quality are dropped; with nothing left the
//     state cannot rise (an alarm already raised winds down as usual);
//   - movement: accelerometer activity above movement_threshold blocks escalation during the
//     movement and for movement_recovery after it (metabolic heart-rate rise, after Myrtek &
//     Bruegner's "additional heart rate": a rise without a rise in activity). Without an
//     accelerometer, a breathing belt whose quality suddenly collapses (a knock, a shift in the
//     chair) blocks escalation for belt_artifact_hold: the same movement garbles the ECG;
//   - vagal rises: heart rate up while RMSSD is vagal_veto_ratio above baseline (a deep breath,
//     a posture change: sinus arrhythmia, not sympathetic arousal) blocks escalation;
//   - speech-like breathing (irregular breath intervals): the breathing features are ignored
//     (talking makes breathing fast, shallow and irregular) and speech_hr_allowance is taken off
//     the heart-rate rise (talking itself raises HR by a few bpm). Escalation is not blocked:
//     couples argue while they talk, and a big rise still counts.
//
// Delay: the per-second heart rate (median of 5 s, see HeartFeatureWindow) is averaged
// over hr_smoothing (default 4 s: delay ~2 s) and a state needs
// onset_persistence (default 2 s) to rise. Cost: O(hr_smoothing) per second; memory fixed at
// construction (calibration buffers). update() is noexcept and allocation-free.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attune/signal/units.hpp"

namespace attune::signal {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

enum class ArousalState : std::uint8_t { Calm = 0, Rising = 1, High = 2 };
std::string_view to_string(ArousalState state);

// Which features an estimate used: a bit set of these.
enum ArousalFeature : std::uint8_t {
    kFeatureHeartRate = 1u << 0,
    kFeatureRmssd = 1u << 1,
    kFeatureBreathRate = 1u << 2,
    kFeatureBreathDepth = 1u << 3,
    kFeatureMovement = 1u << 4,       // accelerometer available
    kFeatureBreathPattern = 1u << 5,  // breath-interval irregularity available (speech check)
};
using FeatureSet = std::uint8_t;
// "hr+rmssd+resp_rate+resp_depth+movement+resp_pattern" (only the bits set; "none" if empty).
std::string describe_features(FeatureSet features);

// One second of a partner's features. NaN (kNoValue) = not available.
struct ArousalFeatures {
    double hr_bpm = kNoValue;
    double rmssd_ms = kNoValue;          // over the last ~30 s of beats
    double heart_quality = 1.0;          // 0..1 for hr_bpm and rmssd_ms
    double resp_rate_bpm = kNoValue;     // breaths per minute
    double resp_depth = kNoValue;        // breath amplitude, any positive unit (same sensor)
    double resp_irregularity = kNoValue; // coefficient of variation of recent breath intervals
    double resp_quality = 1.0;           // 0..1 for the three breathing features
    double movement_mg = kNoValue;       // dynamic acceleration (SD of |a| over 1 s), mG
};

// Robust mean and spread of one feature in the person's calm state.
struct FeatureBaseline {
    double mean = kNoValue;
    double sd = kNoValue;
    bool valid() const { return mean == mean && sd == sd && sd > 0.0; }
};

// The personal baseline: what the session layer saves after a session and hands back next time.
// Depth is in the breathing sensor's own units: drop it (leave it invalid) if the sensor changed.
struct ArousalBaseline {
    FeatureBaseline hr_bpm;
    FeatureBaseline ln_rmssd;       // ln(ms)
    FeatureBaseline resp_rate_bpm;
    FeatureBaseline ln_resp_depth;  // ln(sensor units)
};

struct ArousalConfig {
    Seconds calibration{120.0};         // per feature: seconds of good data to learn from
    Seconds adaptation_tau{300.0};      // baseline time constant while calm
    Seconds hr_smoothing{4.0};          // moving average of the per-second heart rate
    // Heart rate may rise at most this fast for the index (0 = no limit): sympathetic speeding
    // builds over several seconds, while a deep breath or sigh swings HR by 10-20 bpm within
    // one inhalation (vagal, and back down with the exhalation).
    double max_hr_rise_bpm_per_s = 2.0;
    double sensitivity = 1.0;           // thresholds are divided by this
    double rising_on = 3.0;             // index (z units) to enter "rising" (~ +9 bpm)
    // With heart rate alone (no RMSSD: a wristband, a pulse oximeter, `--hr`) nothing tells a
    // sympathetic rise from another one (posture, a brief vagal dip), so it must be larger: on
    // MIT-BIH 100 at rest heart rate rises by +11 bpm for 10 s (index 3.44).
    double hr_only_rising_on = 3.5;
    double rising_off = 1.5;            // index to leave "rising" towards calm
    double high_on = 5.0;               // index to enter "high" (~ +15 bpm)
    double high_off = 3.5;              // index to leave "high" towards rising
    Seconds onset_persistence{2.0};     // above a threshold this long before rising
    Seconds release_persistence{15.0};  // below an off threshold this long before easing
    Seconds min_rising_dwell{20.0};
    Seconds min_high_dwell{30.0};
    double min_quality = 0.5;           // features of worse quality are ignored
    // Physiological floors of the baseline spread.
    Bpm min_hr_sd{3.0};
    // Ceiling of the heart-rate spread used for z: a person whose resting rate wanders a lot
    // (slow drifts, strong sinus arrhythmia) still alarms on a rise of a given size in bpm.
    Bpm max_hr_sd{1e9};
    double min_ln_rmssd_sd = 0.15;
    Bpm min_resp_rate_sd{2.5};
    double min_ln_depth_sd = 0.3;
    // Weights of the index (heart rate leads; the others support it).
    double weight_hr = 1.0;
    double weight_rmssd = 0.5;
    double weight_resp_rate = 0.4;
    double weight_resp_depth = 0.3;
    double movement_threshold_mg = 80.0;  // SD of |acceleration| above this = moving
    Seconds movement_recovery{45.0};      // HR takes this long to settle after moving
    Seconds belt_artifact_hold{20.0};     // the belt turning unreadable counts as movement
    double speech_irregularity = 0.45;    // breath-interval CV above this = speech-like
    Bpm speech_hr_allowance{5.0};
    double vagal_veto_ratio = 2.0;  // RMSSD this much above baseline blocks escalation
    // Heart rate counts in full (index >= its own z) only while RMSSD is at least this many SDs
    // below its baseline or absent: a rise without vagal withdrawal is weighed with RMSSD.
    double vagal_withdrawal_sd = 0.5;
    // RMSSD and breathing z-scores are capped here: without a heart-rate rise their combination
    // stays below rising_on, so none of them alone (a drop of RMSSD at rest, a spell of fast
    // shallow breathing) can raise an alarm.
    double max_support_z = 3.0;
    // Trend: heart rate against its own recent level (the median over trend_reference_from ..
    // trend_reference_to seconds ago). An episode that starts while the rate sits below the
    // long baseline (after a quiet spell) is a rise all the same; the trend may add at most
    // max_trend_bonus_z to heart rate's z (0 = off), so a return from a dip to the baseline
    // is no alarm and a level the baseline calls normal never becomes one by itself.
    Seconds trend_reference_from{60.0};
    Seconds trend_reference_to{15.0};
    double max_trend_bonus_z = 1.0;
};

struct ArousalOutput {
    double index = kNoValue;  // z units, NaN while calibrating or with no usable feature
    double level = 0.0;       // 0..1 for display (index relative to the "high" threshold)
    ArousalState state = ArousalState::Calm;
    bool calibrating = true;
    bool low_quality = false;   // a feature was present but dropped for its quality
    bool moving = false;        // escalation blocked by movement (incl. recovery)
    bool speech_like = false;   // breathing looks like talking
    bool vagal = false;         // RMSSD clearly above baseline: escalation blocked
    FeatureSet used = 0;        // features in this second's index (+ movement/pattern checks)
};

// Validates a config: throws std::invalid_argument with a one-line reason.
void validate(const ArousalConfig& config);

class ArousalDetector {
public:
    explicit ArousalDetector(ArousalConfig config = {});
    // Start from a saved profile: its valid features need no calibration.
    ArousalDetector(ArousalConfig config, const ArousalBaseline& saved);

    // One second of features. noexcept, allocation-free.
    const ArousalOutput& update(const ArousalFeatures& features) noexcept;

    const ArousalOutput& output() const { return out_; }
    // Current baseline (what to save at the end of a session).
    const ArousalBaseline& baseline() const { return baseline_; }
    // Features that contributed at least once since the start (for summaries).
    FeatureSet features_seen() const { return seen_; }
    const ArousalConfig& config() const { return config_; }
    // Back to the start: saved profile (if any) or a fresh calibration.
    void reset() noexcept;

private:
    // Robust calibration of one feature: fixed-capacity buffer, median and MAD when full.
    struct Calibrator {
        std::vector<double> values;
        std::vector<double> scratch;
        std::size_t count = 0;
        void push(double v) noexcept;
        bool full() const noexcept { return count == values.size(); }
        FeatureBaseline result(double min_sd) noexcept;
    };
    enum Slot : std::size_t { kHr = 0, kRmssd = 1, kRate = 2, kDepth = 3, kSlots = 4 };

    double smoothed_hr(double hr) noexcept;
    // Median heart rate of the trend reference window (NaN when under half of it is known).
    double trend_reference() noexcept;
    void learn(Slot slot, double value, double min_sd, bool calm_now) noexcept;
    FeatureBaseline& slot_baseline(Slot slot) noexcept;
    void step_state(double index, bool can_escalate, bool hr_only) noexcept;

    ArousalConfig config_;
    ArousalBaseline saved_;
    bool has_saved_ = false;
    ArousalBaseline baseline_;
    std::array<Calibrator, kSlots> calibrators_;
    std::vector<double> hr_ring_;
    std::size_t hr_pos_ = 0;
    // Rate-limited heart rate of the last trend_reference_from seconds (newest at trend_pos_ - 1).
    std::vector<double> trend_ring_;
    std::size_t trend_pos_ = 0;
    std::vector<double> trend_scratch_;
    double hr_limited_ = kNoValue;  // smoothed heart rate, rise rate-limited
    ArousalOutput out_;
    FeatureSet seen_ = 0;
    double now_s_ = 0.0;
    double suppressed_until_s_ = -1.0;
    bool resp_was_ok_ = false;  // breathing quality was good at the last measured second
    double above_s_ = 0.0;     // time the index has been above the next "on" threshold
    double below_s_ = 0.0;     // time below the current "off" threshold
    double in_state_s_ = 0.0;  // time in the current state
};

// [SECTION] Episodes: maximal runs of non-calm seconds.
struct ArousalEpisodeSpan {
    double start_s = 0.0;
    double end_s = 0.0;
    double peak = 0.0;  // largest index during the episode
};

// Streaming: feed every output with its time; closed episodes are returned from update().
class ArousalEpisodeTracker {
public:
    // Returns true when an episode just closed (read it with last()).
    bool update(double time_s, const ArousalOutput& out) noexcept;
    // Closes an open episode at end_s (end of recording). Returns true if one was open.
    bool finish(double end_s) noexcept;
    const ArousalEpisodeSpan& last() const { return last_; }
    bool open() const { return open_; }

private:
    bool open_ = false;
    ArousalEpisodeSpan current_, last_;
};

// Batch form: the same detector over a whole recording (one features entry per second).
std::vector<ArousalOutput> detect_arousal(std::span<const ArousalFeatures> seconds,
                                          const ArousalConfig& config = {},
                                          const ArousalBaseline* saved = nullptr);
// Episodes of a batch result; second k is at time t0_s + k.
std::vector<ArousalEpisodeSpan> arousal_episodes(std::span<const ArousalOutput> outputs,
                                                 double t0_s = 0.0);

}  // namespace attune::signal
