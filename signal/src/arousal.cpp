// Per-partner arousal detector: see arousal.hpp for the method and its parameters.
#include "attune/signal/arousal.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace attune::signal {
namespace {

// Robust spread of a normal distribution from its median absolute deviation.
constexpr double kMadToSd = 1.4826;
// Per-feature z-scores are limited to this range: calm evidence cannot cancel a clear rise,
// and one wild value cannot dominate.
constexpr double kMinZ = -1.0;
constexpr double kMaxZ = 8.0;
// Baseline adaptation ignores values further than this many SDs from the baseline.
constexpr double kAdaptOutlierZ = 3.0;

bool finite(double v) { return std::isfinite(v); }
bool in_range(double v, double lo, double hi) { return finite(v) && v >= lo && v <= hi; }
bool good_quality(double q, double min_q) { return finite(q) && q >= min_q; }

}  // namespace

std::string_view to_string(ArousalState state) {
    switch (state) {
        case ArousalState::Calm: return "calm";
        case ArousalState::Rising: return "rising";
        case ArousalState::High: return "high";
    }
    return "unknown";
}

std::string describe_features(FeatureSet features) {
    static constexpr std::pair<ArousalFeature, const char*> kNames[] = {
        {kFeatureHeartRate, "hr"},           {kFeatureRmssd, "rmssd"},
        {kFeatureBreathRate, "resp_rate"},   {kFeatureBreathDepth, "resp_depth"},
        {kFeatureMovement, "movement"},      {kFeatureBreathPattern, "resp_pattern"}};
    std::string out;
    for (const auto& [bit, name] : kNames) {
        if ((features & bit) == 0) continue;
        if (!out.empty()) out += '+';
        out += name;
    }
    return out.empty() ? "none" : out;
}

void validate(const ArousalConfig& c) {
    auto require = [](bool ok, const char* what) {
        if (!ok) throw std::invalid_argument(std::string("arousal config: ") + what);
    };
    require(c.calibration.value >= 10.0 && c.calibration.value <= 3600.0,
            "calibration must be 10..3600 s");
    require(c.adaptation_tau.value >= 60.0, "adaptation_tau must be at least 60 s");
    require(c.hr_smoothing.value >= 1.0 && c.hr_smoothing.value <= 60.0,
            "hr_smoothing must be 1..60 s");
    require(c.max_hr_rise_bpm_per_s >= 0.0, "max_hr_rise_bpm_per_s must not be negative");
    require(c.sensitivity > 0.1 && c.sensitivity < 10.0, "sensitivity must be 0.1..10");
    require(c.rising_off < c.rising_on && c.rising_on < c.high_on && c.high_off < c.high_on &&
                c.hr_only_rising_on >= c.rising_on && c.hr_only_rising_on < c.high_on &&
                c.rising_off > 0.0,
            "thresholds must satisfy 0 < rising_off < rising_on <= hr_only_rising_on < high_on and "
            "high_off < high_on");
    require(c.onset_persistence.value >= 0.0 && c.release_persistence.value >= 0.0 &&
                c.min_rising_dwell.value >= 0.0 && c.min_high_dwell.value >= 0.0,
            "persistence and dwell times must not be negative");
    require(c.max_hr_sd.value >= c.min_hr_sd.value, "max_hr_sd must not be below min_hr_sd");
    require(c.min_hr_sd.value > 0.0 && c.min_ln_rmssd_sd > 0.0 && c.min_resp_rate_sd.value > 0.0 &&
                c.min_ln_depth_sd > 0.0,
            "minimum spreads must be positive");
    require(c.vagal_veto_ratio > 1.0, "vagal_veto_ratio must be above 1");
    require(c.vagal_withdrawal_sd >= 0.0, "vagal_withdrawal_sd must not be negative");
    require(c.max_support_z > 0.0, "max_support_z must be positive");
    require(c.trend_reference_from.value <= 600.0 &&
                c.trend_reference_from.value >= c.trend_reference_to.value + 1.0 &&
                c.trend_reference_to.value >= 0.0 && c.max_trend_bonus_z >= 0.0,
            "trend reference must satisfy 0 <= to < from <= 600 s, bonus not negative");
    require(c.movement_threshold_mg > 0.0 && c.movement_recovery.value >= 0.0,
            "movement threshold must be positive, recovery not negative");
    require(c.belt_artifact_hold.value >= 0.0, "belt_artifact_hold must not be negative");
    require(c.speech_irregularity > 0.0 && c.speech_hr_allowance.value >= 0.0,
            "speech settings must be positive");
    require(c.min_quality >= 0.0 && c.min_quality <= 1.0, "min_quality must be 0..1");
    require(c.weight_hr >= 0.0 && c.weight_rmssd >= 0.0 && c.weight_resp_rate >= 0.0 &&
                c.weight_resp_depth >= 0.0,
            "weights must not be negative");
}

// [SECTION] Calibrator

void ArousalDetector::Calibrator::push(double v) noexcept {
    if (count < values.size()) values[count++] = v;
}

FeatureBaseline ArousalDetector::Calibrator::result(double min_sd) noexcept {
    std::copy(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count), scratch.begin());
    const auto end = scratch.begin() + static_cast<std::ptrdiff_t>(count);
    const auto mid = scratch.begin() + static_cast<std::ptrdiff_t>(count / 2);
    std::nth_element(scratch.begin(), mid, end);
    const double median = *mid;
    for (auto it = scratch.begin(); it != end; ++it) *it = std::abs(*it - median);
    std::nth_element(scratch.begin(), mid, end);
    return {median, std::max(kMadToSd * *mid, min_sd)};
}

// [SECTION] Detector

ArousalDetector::ArousalDetector(ArousalConfig config) : config_(config) {
    validate(config_);
    const auto n = static_cast<std::size_t>(std::lround(config_.calibration.value));
    for (auto& c : calibrators_) {
        c.values.assign(n, 0.0);
        c.scratch.assign(n, 0.0);
    }
    hr_ring_.assign(static_cast<std::size_t>(std::lround(config_.hr_smoothing.value)), kNoValue);
    trend_ring_.assign(static_cast<std::size_t>(std::lround(config_.trend_reference_from.value)), kNoValue);
    trend_scratch_.assign(trend_ring_.size(), 0.0);
    reset();
}

ArousalDetector::ArousalDetector(ArousalConfig config, const ArousalBaseline& saved)
    : ArousalDetector(config) {
    saved_ = saved;
    has_saved_ = true;
    reset();
}

void ArousalDetector::reset() noexcept {
    baseline_ = has_saved_ ? saved_ : ArousalBaseline{};
    for (auto& c : calibrators_) c.count = 0;
    std::fill(hr_ring_.begin(), hr_ring_.end(), kNoValue);
    hr_pos_ = 0;
    std::fill(trend_ring_.begin(), trend_ring_.end(), kNoValue);
    trend_pos_ = 0;
    hr_limited_ = kNoValue;
    out_ = ArousalOutput{};
    seen_ = 0;
    now_s_ = 0.0;
    suppressed_until_s_ = -1.0;
    resp_was_ok_ = false;
    above_s_ = below_s_ = in_state_s_ = 0.0;
}

FeatureBaseline& ArousalDetector::slot_baseline(Slot slot) noexcept {
    switch (slot) {
        case kHr: return baseline_.hr_bpm;
        case kRmssd: return baseline_.ln_rmssd;
        case kRate: return baseline_.resp_rate_bpm;
        case kDepth: break;
        case kSlots: break;
    }
    return baseline_.ln_resp_depth;
}

double ArousalDetector::smoothed_hr(double hr) noexcept {
    hr_ring_[hr_pos_] = hr;
    hr_pos_ = (hr_pos_ + 1) % hr_ring_.size();
    double sum = 0.0;
    std::size_t n = 0;
    for (double v : hr_ring_) {
        if (finite(v)) {
            sum += v;
            ++n;
        }
    }
    // At least half the window must be good, or the average is not representative.
    return 2 * n >= hr_ring_.size() && n > 0 ? sum / static_cast<double>(n) : kNoValue;
}

double ArousalDetector::trend_reference() noexcept {
    // Slots are one second each; slot trend_pos_ is the oldest (trend_reference_from ago).
    // The median: a sigh's dip or a premature beat's spike in the window does not move it.
    const std::size_t n = trend_ring_.size();
    const auto skip_newest = static_cast<std::size_t>(std::lround(config_.trend_reference_to.value));
    std::size_t count = 0, span = 0;
    for (std::size_t age = skip_newest + 1; age <= n; ++age, ++span) {
        const double v = trend_ring_[(trend_pos_ + n - age) % n];
        if (finite(v)) trend_scratch_[count++] = v;
    }
    if (count == 0 || 2 * count < span) return kNoValue;
    const auto mid = trend_scratch_.begin() + static_cast<std::ptrdiff_t>(count / 2);
    std::nth_element(trend_scratch_.begin(), mid, trend_scratch_.begin() + static_cast<std::ptrdiff_t>(count));
    return *mid;
}

void ArousalDetector::learn(Slot slot, double value, double min_sd, bool calm_now) noexcept {
    FeatureBaseline& b = slot_baseline(slot);
    if (!b.valid()) {
        if (!calm_now) return;  // only resting data makes a baseline
        Calibrator& c = calibrators_[slot];
        c.push(value);
        if (c.full()) b = c.result(min_sd);
        return;
    }
    if (!calm_now) return;
    const double dev = value - b.mean;
    if (std::abs(dev) > kAdaptOutlierZ * b.sd) return;
    // Exponential update, one step per second: mean and spread follow slow drifts.
    const double alpha = 1.0 / config_.adaptation_tau.value;
    b.mean += alpha * dev;
    const double var = b.sd * b.sd + alpha * (dev * dev - b.sd * b.sd);
    b.sd = std::max(std::sqrt(std::max(var, 0.0)), min_sd);
}

void ArousalDetector::step_state(double index, bool can_escalate, bool hr_only) noexcept {
    const double s = config_.sensitivity;
    in_state_s_ += 1.0;
    if (out_.state != ArousalState::High) {
        const double rising_on = hr_only ? config_.hr_only_rising_on : config_.rising_on;
        const double on = (out_.state == ArousalState::Calm ? rising_on : config_.high_on) / s;
        above_s_ = (can_escalate && index >= on) ? above_s_ + 1.0 : 0.0;
        if (above_s_ >= std::max(1.0, config_.onset_persistence.value)) {
            out_.state = out_.state == ArousalState::Calm ? ArousalState::Rising : ArousalState::High;
            above_s_ = below_s_ = in_state_s_ = 0.0;
            return;
        }
    }
    if (out_.state == ArousalState::Calm) return;
    const bool high = out_.state == ArousalState::High;
    const double off = (high ? config_.high_off : config_.rising_off) / s;
    below_s_ = index >= off ? 0.0 : below_s_ + 1.0;  // no index (NaN) counts as below
    const double dwell = high ? config_.min_high_dwell.value : config_.min_rising_dwell.value;
    if (below_s_ >= config_.release_persistence.value && in_state_s_ >= dwell) {
        out_.state = high ? ArousalState::Rising : ArousalState::Calm;
        above_s_ = below_s_ = in_state_s_ = 0.0;
    }
}

const ArousalOutput& ArousalDetector::update(const ArousalFeatures& f) noexcept {
    const ArousalConfig& c = config_;
    out_.low_quality = false;
    out_.used = 0;

    // 1. Which features are usable this second.
    const bool heart_ok = good_quality(f.heart_quality, c.min_quality);
    const bool resp_ok = good_quality(f.resp_quality, c.min_quality);
    const bool hr_present = in_range(f.hr_bpm, 25.0, 240.0);
    const bool rmssd_present = in_range(f.rmssd_ms, 1.0, 1000.0);
    const bool rate_present = in_range(f.resp_rate_bpm, 2.0, 70.0);
    const bool depth_present = finite(f.resp_depth) && f.resp_depth > 0.0;
    const bool pattern_present = finite(f.resp_irregularity) && f.resp_irregularity >= 0.0;
    out_.low_quality = ((hr_present || rmssd_present) && !heart_ok) ||
                       ((rate_present || depth_present) && !resp_ok);

    const double hr = smoothed_hr(hr_present && heart_ok ? f.hr_bpm : kNoValue);
    const bool use_hr = finite(hr);
    // Falls pass at once, rises at most max_hr_rise per second (a gap restarts the limiter).
    const double max_rise = c.max_hr_rise_bpm_per_s > 0.0 ? c.max_hr_rise_bpm_per_s : 1e9;
    hr_limited_ = !use_hr ? kNoValue : finite(hr_limited_) ? std::min(hr, hr_limited_ + max_rise) : hr;
    const bool use_rmssd = rmssd_present && heart_ok;
    const bool use_pattern = pattern_present && resp_ok;
    const bool use_rate = rate_present && resp_ok;
    const bool use_depth = depth_present && resp_ok;

    // 2. Context: movement and talking.
    if (finite(f.movement_mg) && f.movement_mg >= 0.0) {
        out_.used |= kFeatureMovement;
        if (f.movement_mg > c.movement_threshold_mg)
            suppressed_until_s_ = now_s_ + c.movement_recovery.value;
    }
    // A belt that suddenly turns unreadable was most likely moved or knocked: body movement
    // disturbs every sensor on the torso at once (ECG included), so heart evidence of the same
    // moments is not trusted to raise an alarm either.
    const bool resp_measured = finite(f.resp_quality) && (rate_present || depth_present || pattern_present ||
                                                          f.resp_quality < c.min_quality);
    if (resp_measured && !resp_ok && resp_was_ok_)
        suppressed_until_s_ = std::max(suppressed_until_s_, now_s_ + c.belt_artifact_hold.value);
    if (resp_measured) resp_was_ok_ = resp_ok;
    out_.moving = now_s_ <= suppressed_until_s_;
    out_.speech_like = use_pattern && f.resp_irregularity > c.speech_irregularity;
    if (use_pattern) out_.used |= kFeatureBreathPattern;

    // 3. z-scores against the baseline learned so far (this second is not in it yet).
    double num = 0.0, den = 0.0;
    bool waiting_for_baseline = false;
    double hr_z = kNoValue;
    auto add = [&](const FeatureBaseline& b, double deviation, double weight, ArousalFeature bit) {
        if (!b.valid()) {
            waiting_for_baseline = true;
            return;
        }
        if (weight <= 0.0) return;
        const double max_z = bit == kFeatureHeartRate ? kMaxZ : c.max_support_z;
        const double z = std::clamp(deviation / b.sd, kMinZ, max_z);
        num += weight * z;
        den += weight * weight;
        out_.used |= bit;
    };
    const double ln_rmssd = use_rmssd ? std::log(f.rmssd_ms) : kNoValue;
    const double ln_depth = use_depth ? std::log(f.resp_depth) : kNoValue;
    if (use_hr) {
        // Talking raises heart rate by a few bpm by itself: that much of a rise does not count.
        auto minus_speech = [&](double d) {
            const double allowance = out_.speech_like ? c.speech_hr_allowance.value : 0.0;
            return d > allowance ? d - allowance : std::min(d, 0.0);
        };
        FeatureBaseline hr_base = baseline_.hr_bpm;
        if (hr_base.valid()) hr_base.sd = std::min(hr_base.sd, c.max_hr_sd.value);
        double dev = minus_speech(hr_limited_ - hr_base.mean);
        const double reference = trend_reference();
        if (hr_base.valid() && finite(reference)) {
            const double trend = minus_speech(hr_limited_ - reference);
            dev = std::max(dev, std::min(trend, dev + c.max_trend_bonus_z * hr_base.sd));
        }
        add(hr_base, dev, c.weight_hr, kFeatureHeartRate);
        if (hr_base.valid() && c.weight_hr > 0.0) hr_z = std::clamp(dev / hr_base.sd, kMinZ, kMaxZ);
    }
    // Arousal withdraws vagal tone: RMSSD that has not fallen while heart rate rises says the
    // rise is not (yet) sympathetic, so heart rate does not count in full.
    const bool rmssd_not_down = use_rmssd && baseline_.ln_rmssd.valid() &&
                                ln_rmssd > baseline_.ln_rmssd.mean - c.vagal_withdrawal_sd * baseline_.ln_rmssd.sd;
    if (use_rmssd) add(baseline_.ln_rmssd, baseline_.ln_rmssd.mean - ln_rmssd, c.weight_rmssd, kFeatureRmssd);
    // Talking makes breathing fast, shallow and irregular: it says nothing about arousal then.
    if (!out_.speech_like) {
        if (use_rate)
            add(baseline_.resp_rate_bpm, f.resp_rate_bpm - baseline_.resp_rate_bpm.mean,
                c.weight_resp_rate, kFeatureBreathRate);
        if (use_depth)
            add(baseline_.ln_resp_depth, baseline_.ln_resp_depth.mean - ln_depth,
                c.weight_resp_depth, kFeatureBreathDepth);
    }
    // Heart rate is the fast signal; RMSSD (a 30 s window) and breathing follow later. Their
    // agreement can make the index larger; while they lag it is not smaller than heart rate's
    // own evidence, unless RMSSD has not fallen (then the combination counts).
    double index = den > 0.0 ? num / std::sqrt(den) : kNoValue;
    if (std::isfinite(hr_z) && !rmssd_not_down) index = std::max(index, hr_z);
    out_.index = index;
    out_.calibrating = !finite(index) && waiting_for_baseline;

    // 4. State: never escalated by a second without evidence or while moving. Breathing alone
    // (talking, sighs, posture) only supports a heart signal. A heart-rate rise together with
    // clearly higher RMSSD is vagal (a deep breath, a posture change), not sympathetic arousal.
    const bool heart_evidence = (out_.used & (kFeatureHeartRate | kFeatureRmssd)) != 0;
    const bool vagal = (out_.used & kFeatureRmssd) != 0 &&
                       ln_rmssd - baseline_.ln_rmssd.mean > std::log(c.vagal_veto_ratio);
    out_.vagal = vagal;
    const bool hr_only = (out_.used & (kFeatureHeartRate | kFeatureRmssd)) == kFeatureHeartRate;
    step_state(index, finite(index) && !out_.moving && heart_evidence && !vagal, hr_only);
    const double high_threshold = c.high_on / c.sensitivity;
    out_.level = finite(index) ? std::clamp(index / high_threshold, 0.0, 1.0) : 0.0;
    seen_ |= out_.used;

    // 5. Learn: calibration, then slow adaptation, only from calm, still, quiet seconds.
    const bool resting = out_.state == ArousalState::Calm && !out_.moving && !out_.speech_like &&
                         !(index >= c.rising_on / c.sensitivity);
    if (use_hr) learn(kHr, hr, c.min_hr_sd.value, resting);
    if (use_rmssd) learn(kRmssd, ln_rmssd, c.min_ln_rmssd_sd, resting);
    if (use_rate) learn(kRate, f.resp_rate_bpm, c.min_resp_rate_sd.value, resting);
    if (use_depth) learn(kDepth, ln_depth, c.min_ln_depth_sd, resting);

    trend_ring_[trend_pos_] = use_hr ? hr_limited_ : kNoValue;
    trend_pos_ = (trend_pos_ + 1) % trend_ring_.size();
    now_s_ += 1.0;
    return out_;
}

// [SECTION] Episodes

bool ArousalEpisodeTracker::update(double time_s, const ArousalOutput& out) noexcept {
    const double index = std::isfinite(out.index) ? out.index : 0.0;
    if (!open_) {
        if (out.state == ArousalState::Calm) return false;
        open_ = true;
        current_ = {time_s, time_s, index};
        return false;
    }
    if (out.state == ArousalState::Calm) {
        current_.end_s = time_s;
        last_ = current_;
        open_ = false;
        return true;
    }
    current_.end_s = time_s;
    current_.peak = std::max(current_.peak, index);
    return false;
}

bool ArousalEpisodeTracker::finish(double end_s) noexcept {
    if (!open_) return false;
    current_.end_s = end_s;
    last_ = current_;
    open_ = false;
    return true;
}

std::vector<ArousalOutput> detect_arousal(std::span<const ArousalFeatures> seconds,
                                          const ArousalConfig& config,
                                          const ArousalBaseline* saved) {
    ArousalDetector detector = saved ? ArousalDetector(config, *saved) : ArousalDetector(config);
    std::vector<ArousalOutput> out;
    out.reserve(seconds.size());
    for (const auto& f : seconds) out.push_back(detector.update(f));
    return out;
}

std::vector<ArousalEpisodeSpan> arousal_episodes(std::span<const ArousalOutput> outputs,
                                                 double t0_s) {
    std::vector<ArousalEpisodeSpan> episodes;
    ArousalEpisodeTracker tracker;
    for (std::size_t k = 0; k < outputs.size(); ++k)
        if (tracker.update(t0_s + static_cast<double>(k), outputs[k])) episodes.push_back(tracker.last());
    if (tracker.finish(t0_s + static_cast<double>(outputs.size()))) episodes.push_back(tracker.last());
    return episodes;
}

}  // namespace attune::signal
