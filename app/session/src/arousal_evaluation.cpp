// Arousal detector against the simulated partner's ground truth: see arousal_evaluation.hpp.
#include "attune/session/arousal_evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "attune/signal/arousal_features.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/rsp.hpp"

namespace attune::session {

std::string_view to_string(ArousalFeatureMode mode) {
    switch (mode) {
        case ArousalFeatureMode::HrOnly: return "hr";
        case ArousalFeatureMode::HrRmssd: return "hr+rmssd";
        case ArousalFeatureMode::All: return "hr+rmssd+breathing";
    }
    return "unknown";
}

// [SECTION] Features from the project's detectors

struct DetectorFeatures::Impl {
    std::unique_ptr<signal::Pantompkins1985> ecg;
    std::unique_ptr<signal::RspProcessor> resp;
    signal::HeartFeatureWindow heart;
    signal::BreathFeatureWindow breath;
    double ecg_sqi = 1.0;  // the R-peak detector's latest per-second quality
};

DetectorFeatures::DetectorFeatures(double ecg_fs_hz, double resp_fs_hz) : impl_(std::make_unique<Impl>()) {
    if (ecg_fs_hz > 0.0) impl_->ecg = std::make_unique<signal::Pantompkins1985>(ecg_fs_hz);
    if (resp_fs_hz > 0.0)
        impl_->resp = std::make_unique<signal::RspProcessor>(signal::RspConfig{}, signal::Hz{resp_fs_hz});
}
DetectorFeatures::~DetectorFeatures() = default;
DetectorFeatures::DetectorFeatures(DetectorFeatures&&) noexcept = default;

void DetectorFeatures::push_ecg(float x) {
    if (!impl_->ecg || !impl_->ecg->push(x)) return;
    for (const auto& beat : impl_->ecg->ready_beats()) impl_->heart.push(beat);
    if (const auto* q = impl_->ecg->ready_quality()) impl_->ecg_sqi = q->sqi;
}

void DetectorFeatures::push_resp(double t_s, float x) {
    if (!impl_->resp) return;
    const auto ev = impl_->resp->push(t_s, x);
    if (!ev || ev->artifact) return;
    impl_->breath.push(ev->time_s, ev->kind == signal::RspEventKind::Inhale, ev->depth);
}

signal::ArousalFeatures DetectorFeatures::features_at(double now_s) {
    signal::ArousalFeatures f;
    if (impl_->ecg) {
        const auto h = impl_->heart.at(now_s);
        f.hr_bpm = h.hr_bpm;
        f.rmssd_ms = h.rmssd_ms;
        f.heart_quality = std::min(h.quality, impl_->ecg_sqi);
    }
    if (impl_->resp) {
        const auto b = impl_->breath.at(now_s);
        f.resp_rate_bpm = b.rate_bpm;
        f.resp_depth = b.depth;
        f.resp_irregularity = b.irregularity;
        f.resp_quality = std::min(b.quality, impl_->resp->quality().index);
    }
    return f;
}

namespace {

// Turns the simulator's true beats into what a real detector would report.
class BeatCorrupter {
public:
    BeatCorrupter(const DetectorFailureModel& m, std::uint64_t seed, bool enabled)
        : m_(m), rng_(seed ^ 0x9E3779B97F4A7C15ull), enabled_(enabled) {}

    // Called once per simulated second before its beats: maybe start a noise burst.
    void begin_second(double t) {
        if (!enabled_ || t < burst_end_) return;
        if (uniform() < m_.burst_per_min / 60.0)
            burst_end_ = t + m_.burst_min_s + uniform() * (m_.burst_max_s - m_.burst_min_s);
    }

    void beat(double t, double true_rr_s, signal::HeartFeatureWindow& out) {
        if (!enabled_) return emit(t, signal::BeatQuality::Good, out);
        if (t < burst_end_) {
            // The detector sees noise: the real beat is lost and garbage beats appear, most of
            // them flagged by its quality index, some not.
            last_ = -1.0;
            const int garbage = static_cast<int>(uniform() * 3.0);
            for (int i = 0; i < garbage; ++i) {
                const double gt = t - uniform() * true_rr_s;
                emit(gt, uniform() < 0.8 ? signal::BeatQuality::Artifact : signal::BeatQuality::Doubtful,
                     out);
            }
            return;
        }
        if (uniform() < m_.missed_beat_rate) return;  // the next RR spans two beats
        if (uniform() < m_.extra_beat_rate && true_rr_s > 0.0)
            emit(t - (0.3 + 0.4 * uniform()) * true_rr_s, signal::BeatQuality::Good, out);
        if (uniform() < m_.ectopic_rate && true_rr_s > 0.0) t -= 0.3 * true_rr_s;
        emit(t, signal::BeatQuality::Good, out);
    }

    bool breath_missed() { return enabled_ && uniform() < m_.missed_breath_rate; }
    double breath_depth_factor() { return enabled_ && uniform() < m_.sigh_rate ? 2.5 : 1.0; }

private:
    double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
    void emit(double t, signal::BeatQuality q, signal::HeartFeatureWindow& out) {
        if (t <= last_) return;
        const double rr_ms = last_ > 0.0 ? (t - last_) * 1000.0 : 0.0;
        out.push({.time_s = t, .rr_ms = rr_ms, .amplitude = 1.0f, .quality = q});
        if (q != signal::BeatQuality::Artifact) last_ = t;
    }

    DetectorFailureModel m_;
    std::mt19937_64 rng_;
    bool enabled_;
    double burst_end_ = -1.0;
    double last_ = -1.0;
};

// Keeps only the features a person's sensors in `mode` would give.
signal::ArousalFeatures select_features(signal::ArousalFeatures f, ArousalFeatureMode mode) {
    if (mode == ArousalFeatureMode::HrOnly) f.rmssd_ms = signal::kNoValue;
    if (mode != ArousalFeatureMode::All) {
        f.resp_rate_bpm = f.resp_depth = f.resp_irregularity = signal::kNoValue;
        f.resp_quality = 1.0;
    }
    return f;
}

}  // namespace

SimulatedRun run_simulated_partner(const hardware::PartnerProfile& profile, std::uint64_t seed,
                                   double duration_s, const signal::ArousalConfig& config,
                                   ArousalFeatureMode mode, bool artifacts,
                                   const DetectorFailureModel& failures, FeatureSource source) {
    const bool detectors = source == FeatureSource::Detectors;
    hardware::SimulationConfig sim;
    sim.seed = seed;
    // From true beats a timing resolution of 5 ms is plenty for heart rate and keeps many seeds
    // fast; the R-peak detector gets the usual 250 Hz.
    sim.ecg_rate_hz = detectors ? 250.0 : 200.0;
    sim.ppg_rate_hz = 25.0;
    sim.resp_rate_hz = 25.0;
    sim.artifacts = artifacts;
    hardware::PartnerModel model(profile, sim);

    signal::HeartFeatureWindow heart;
    signal::BreathFeatureWindow breath;
    signal::ArousalDetector detector(config);
    BeatCorrupter corrupt(failures, seed, artifacts && !detectors);
    DetectorFeatures detected(sim.ecg_rate_hz, sim.resp_rate_hz);

    SimulatedRun run;
    std::vector<float> resp;  // the belt signal, to measure each breath's depth
    std::size_t beats_seen = 0, breaths_seen = 0;
    double last_trough = std::nan("");
    const auto seconds = static_cast<std::size_t>(duration_s);
    run.outputs.reserve(seconds);
    for (std::size_t k = 0; k < seconds; ++k) {
        const double t_end = static_cast<double>(k + 1);
        const auto chunks = model.advance_to(t_end);
        const auto& r = chunks[hardware::kSimResp].values;
        resp.insert(resp.end(), r.begin(), r.end());
        corrupt.begin_second(static_cast<double>(k));
        if (detectors) {
            for (float x : chunks[hardware::kSimEcg].values) detected.push_ecg(x);
            const auto& rc = chunks[hardware::kSimResp];
            for (std::size_t i = 0; i < rc.values.size(); ++i) detected.push_resp(rc.time_of(i), rc.values[i]);
            const auto f = select_features(detected.features_at(t_end), mode);
            run.outputs.push_back(detector.update(f));
            run.features.push_back(f);
            run.true_hr_bpm.push_back(model.current_hr_bpm());
            continue;
        }

        const auto& truth = model.ground_truth();
        for (; beats_seen < truth.beat_times_s.size(); ++beats_seen) {
            const double t = truth.beat_times_s[beats_seen];
            const double rr = beats_seen > 0 ? t - truth.beat_times_s[beats_seen - 1] : 0.0;
            corrupt.beat(t, rr, heart);
        }
        for (; breaths_seen < truth.breaths.size(); ++breaths_seen) {
            const auto& ev = truth.breaths[breaths_seen];
            const auto idx = std::min(resp.size() - 1,
                                      static_cast<std::size_t>(std::lround(ev.time_s * sim.resp_rate_hz)));
            const double v = resp.empty() ? 0.0 : resp[idx];
            if (ev.inhale) {
                last_trough = v;
                if (!corrupt.breath_missed()) breath.push(ev.time_s, true, 0.0);
            } else if (std::isfinite(last_trough)) {
                breath.push(ev.time_s, false, (v - last_trough) * corrupt.breath_depth_factor());
            }
        }
        signal::ArousalFeatures all;
        const auto h = heart.at(t_end);
        const auto b = breath.at(t_end);
        all.hr_bpm = h.hr_bpm;
        all.rmssd_ms = h.rmssd_ms;
        all.heart_quality = h.quality;
        all.resp_rate_bpm = b.rate_bpm;
        all.resp_depth = b.depth;
        all.resp_irregularity = b.irregularity;
        all.resp_quality = b.quality;
        const auto f = select_features(all, mode);
        run.outputs.push_back(detector.update(f));
        run.features.push_back(f);
        run.true_hr_bpm.push_back(model.current_hr_bpm());
    }
    run.detected = signal::arousal_episodes(run.outputs, 1.0);
    run.truth = model.ground_truth().episodes;
    run.features_seen = detector.features_seen();
    return run;
}

SimulatedRun rerun_detector(const SimulatedRun& all, const signal::ArousalConfig& config,
                            ArousalFeatureMode mode) {
    SimulatedRun run;
    signal::ArousalDetector detector(config);
    run.outputs.reserve(all.features.size());
    run.features.reserve(all.features.size());
    for (const auto& f : all.features) {
        run.features.push_back(select_features(f, mode));
        run.outputs.push_back(detector.update(run.features.back()));
    }
    run.detected = signal::arousal_episodes(run.outputs, 1.0);
    run.truth = all.truth;
    run.true_hr_bpm = all.true_hr_bpm;
    run.features_seen = detector.features_seen();
    return run;
}

RunScore score_run(const SimulatedRun& run, double calibration_s, double onset_window_s) {
    // An alarm that starts shortly before an episode (the rise already under way within the
    // smoothing window) belongs to it, not a false alarm.
    constexpr double kEarly = 10.0;
    RunScore score;
    const double end_s = static_cast<double>(run.outputs.size());
    double episode_s = 0.0;
    for (const auto& e : run.truth) {
        EpisodeScore es;
        es.hr_increase_bpm = e.hr_increase_bpm;
        for (const auto& d : run.detected) {
            const bool already_on = d.start_s <= e.start_s && d.end_s > e.start_s;
            const bool starts_in = d.start_s >= e.start_s - kEarly && d.start_s <= e.end_s;
            if (!already_on && !starts_in) continue;
            const double latency = std::max(0.0, d.start_s - e.start_s);
            if (!es.detected_at_all || latency < es.latency_s) es.latency_s = latency;
            es.detected_at_all = true;
        }
        es.detected_in_time = es.detected_at_all && es.latency_s <= onset_window_s;
        int no_heart_s = 0, onset_s = 0;
        for (double t = std::max(0.0, e.start_s); t < e.start_s + onset_window_s && t < end_s; t += 1.0, ++onset_s)
            no_heart_s += (run.outputs[static_cast<std::size_t>(t)].used & signal::kFeatureHeartRate) == 0;
        es.onset_unreadable = onset_s > 0 && 4 * no_heart_s >= onset_s;
        score.episodes.push_back(es);
        episode_s += std::max(0.0, std::min(e.end_s, end_s) - std::max(e.start_s - kEarly, calibration_s));
    }
    for (const auto& d : run.detected) {
        bool inside = false;
        for (const auto& e : run.truth)
            inside = inside || (d.start_s >= e.start_s - kEarly && d.start_s <= e.end_s) ||
                     (d.start_s <= e.start_s && d.end_s > e.start_s);
        if (!inside) ++score.false_alarms;
    }
    score.calm_s = std::max(0.0, end_s - calibration_s - episode_s);
    return score;
}

// [SECTION] Many simulated people

hardware::PartnerProfile random_partner(std::uint64_t seed, bool with_episodes, double rise_lo_s,
                                        double rise_hi_s, double fixed_size_bpm) {
    std::mt19937_64 rng(seed * 7919 + 17);
    auto u = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    hardware::PartnerProfile p;
    p.name = "sim" + std::to_string(seed);
    p.resting_hr_bpm = u(55.0, 85.0);
    p.resp_rate_bpm = u(9.0, 18.0);
    p.resp_depth = u(0.5, 1.5);
    p.rmssd_scale = u(0.5, 1.5);
    if (!with_episodes) return p;
    static constexpr double kSizes[] = {8.0, 10.0, 15.0, 20.0, 30.0};
    double t = u(240.0, 360.0);
    for (int i = 0; i < 3; ++i) {
        hardware::ArousalEpisode e;
        e.start_s = t;
        e.rise_s = u(rise_lo_s, rise_hi_s);
        e.hold_s = u(30.0, 120.0);
        e.recover_s = u(60.0, 120.0);
        const double size = kSizes[std::uniform_int_distribution<int>(0, 4)(rng)];
        e.hr_increase_bpm = fixed_size_bpm > 0.0 ? fixed_size_bpm : size;
        p.episodes.push_back(e);
        t += u(420.0, 540.0);
    }
    return p;
}

void ArousalTally::add(const RunScore& score) {
    for (const auto& e : score.episodes) {
        if (e.hr_increase_bpm >= 15.0) {
            ++big;
            big_in_time += e.detected_in_time;
            big_at_all += e.detected_at_all;
            if (!e.onset_unreadable) {
                ++big_readable;
                big_readable_in_time += e.detected_in_time;
            }
            if (e.detected_at_all) latencies_s.push_back(e.latency_s);
        } else {
            ++small;
            small_in_time += e.detected_in_time;
        }
    }
    false_alarms += score.false_alarms;
    calm_s += score.calm_s;
}

double ArousalTally::median_latency_s() const {
    if (latencies_s.empty()) return 0.0;
    std::vector<double> v = latencies_s;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

std::array<ArousalTally, 3> evaluate_simulated(const EvaluationPlan& plan, const signal::ArousalConfig& config) {
    std::array<ArousalTally, 3> tallies;
    auto score_all_modes = [&](const SimulatedRun& all) {
        for (std::size_t m = 0; m < tallies.size(); ++m) {
            const auto& mode = kArousalModes[m];
            const SimulatedRun run = mode == ArousalFeatureMode::All ? all : rerun_detector(all, config, mode);
            tallies[m].add(score_run(run, config.calibration.value, plan.onset_window_s));
        }
    };
    for (int s = 1; s <= plan.seeds; ++s) {
        const auto seed = static_cast<std::uint64_t>(s);
        score_all_modes(run_simulated_partner(
            random_partner(seed, true, plan.rise_lo_s, plan.rise_hi_s, plan.fixed_size_bpm), seed,
            plan.duration_s, config, ArousalFeatureMode::All, plan.artifacts, {}, plan.source));
        if (plan.calm_partners)
            score_all_modes(run_simulated_partner(random_partner(seed + 1000, false), seed + 1000, plan.duration_s,
                                                  config, ArousalFeatureMode::All, plan.artifacts, {},
                                                  plan.source));
    }
    return tallies;
}

}  // namespace attune::session
