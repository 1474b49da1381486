// Shared helpers for the simulated-partner tests: run a model, pull numbers out of its truth.
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "attune/hardware/partner_model.hpp"

namespace sim_test {

using namespace attune::hardware;

struct Recording {
    std::vector<float> channel[kSimChannelCount];
};

// Runs the model to `until_s` in steps of `step_s`, collecting every sample.
inline Recording run(PartnerModel& model, double until_s, double step_s = 0.5) {
    Recording r;
    for (double t = model.time_s() + step_s; t < until_s + 1e-9; t += step_s) {
        auto chunks = model.advance_to(std::min(t, until_s));
        for (std::size_t c = 0; c < kSimChannelCount; ++c)
            r.channel[c].insert(r.channel[c].end(), chunks[c].values.begin(), chunks[c].values.end());
    }
    return r;
}

inline SimulationConfig clean_config(std::uint64_t seed = 11) {
    SimulationConfig c;
    c.seed = seed;
    c.artifacts = false;
    return c;
}

inline PartnerProfile quiet_profile(double hr = 66.0, double resp = 12.0) {
    PartnerProfile p;
    p.resting_hr_bpm = hr;
    p.resp_rate_bpm = resp;
    p.sighs_per_min = 0.0;
    return p;
}

inline std::vector<GroundTruthBeat> sinus_beats_in(const GroundTruth& truth, double from, double to) {
    std::vector<GroundTruthBeat> out;
    for (const auto& b : truth.beats)
        if (b.time_s >= from && b.time_s < to && b.kind == BeatKind::Sinus && b.rr_ms > 0.0) out.push_back(b);
    return out;
}

// Mean heart rate as beats per minute over [from, to).
inline double mean_hr_bpm(const GroundTruth& truth, double from, double to) {
    std::size_t n = 0;
    for (double t : truth.beat_times_s) n += (t >= from && t < to) ? 1 : 0;
    return 60.0 * static_cast<double>(n) / (to - from);
}

// RMSSD (ms) over consecutive sinus intervals in [from, to).
inline double rmssd_ms(const GroundTruth& truth, double from, double to) {
    double sum = 0.0;
    std::size_t n = 0;
    const auto& beats = truth.beats;
    for (std::size_t i = 1; i < beats.size(); ++i) {
        const auto& a = beats[i - 1];
        const auto& b = beats[i];
        if (a.time_s < from || b.time_s >= to || a.kind != BeatKind::Sinus || b.kind != BeatKind::Sinus ||
            a.rr_ms <= 0.0)
            continue;
        sum += (b.rr_ms - a.rr_ms) * (b.rr_ms - a.rr_ms);
        ++n;
    }
    return n ? std::sqrt(sum / static_cast<double>(n)) : 0.0;
}

// Breathing rate (breaths/min) from inhalation onsets in [from, to).
inline double breath_rate_bpm(const GroundTruth& truth, double from, double to) {
    std::vector<double> onsets;
    for (const auto& b : truth.breaths)
        if (b.inhale && b.time_s >= from && b.time_s < to) onsets.push_back(b.time_s);
    if (onsets.size() < 2) return 0.0;
    return 60.0 * static_cast<double>(onsets.size() - 1) / (onsets.back() - onsets.front());
}

inline double mean_depth(const GroundTruth& truth, double from, double to) {
    double sum = 0.0;
    std::size_t n = 0;
    for (const auto& b : truth.breaths)
        if (b.inhale && b.time_s >= from && b.time_s < to && b.kind == BreathKind::Normal) {
            sum += b.depth;
            ++n;
        }
    return n ? sum / static_cast<double>(n) : 0.0;
}

// Power of x (sampled at fs) at frequency f, by a single DFT bin (Goertzel-free, plain sum).
inline double power_at(const std::vector<double>& x, double fs, double f) {
    double re = 0.0, im = 0.0;
    for (std::size_t n = 0; n < x.size(); ++n) {
        const double w = 2.0 * M_PI * f * static_cast<double>(n) / fs;
        re += x[n] * std::cos(w);
        im -= x[n] * std::sin(w);
    }
    return (re * re + im * im) / static_cast<double>(x.size());
}

}  // namespace sim_test
