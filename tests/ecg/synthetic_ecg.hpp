// A synthetic single-lead ECG with known R-peak times, for detector tests: each beat is a sum of
// Gaussian waves (P, Q, R, S, T) in mV, with sinus rhythm variability, baseline wander and noise.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace attune::test {

struct SyntheticEcg {
    std::vector<float> samples;
    std::vector<double> r_times_s;
};

struct SyntheticEcgConfig {
    double fs_hz = 250.0;
    double duration_s = 60.0;
    double mean_rr_s = 0.85;
    double rr_jitter_s = 0.05;  // slow sinus variability amplitude
    double r_mv = 1.2;
    double noise_mv = 0.01;     // white noise sd
    double wander_mv = 0.2;     // 0.25 Hz baseline wander
    double offset_mv = 0.0;
    std::uint32_t seed = 1;
};

inline SyntheticEcg make_synthetic_ecg(const SyntheticEcgConfig& c) {
    SyntheticEcg e;
    const auto n = static_cast<std::size_t>(c.duration_s * c.fs_hz);
    e.samples.assign(n, 0.0f);
    std::mt19937 rng(c.seed);
    std::normal_distribution<double> noise(0.0, c.noise_mv);
    for (double t = 0.5; t < c.duration_s - 0.5;) {
        e.r_times_s.push_back(t);
        t += c.mean_rr_s + c.rr_jitter_s * std::sin(2.0 * std::numbers::pi * 0.1 * t);
    }
    struct Wave {
        double at_s, width_s, mv;
    };
    const Wave waves[] = {{-0.16, 0.025, 0.15}, {-0.025, 0.008, -0.12}, {0.0, 0.010, c.r_mv},
                          {0.025, 0.008, -0.3},  {0.25, 0.050, 0.3}};
    std::vector<double> x(n, 0.0);
    for (double r : e.r_times_s) {
        for (const Wave& w : waves) {
            const double centre = r + w.at_s;
            const auto lo = static_cast<std::int64_t>((centre - 5 * w.width_s) * c.fs_hz);
            const auto hi = static_cast<std::int64_t>((centre + 5 * w.width_s) * c.fs_hz);
            for (std::int64_t i = std::max<std::int64_t>(0, lo); i <= hi && i < static_cast<std::int64_t>(n); ++i) {
                const double d = (static_cast<double>(i) / c.fs_hz - centre) / w.width_s;
                x[static_cast<std::size_t>(i)] += w.mv * std::exp(-0.5 * d * d);
            }
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / c.fs_hz;
        x[i] += c.offset_mv + c.wander_mv * std::sin(2.0 * std::numbers::pi * 0.25 * t) + noise(rng);
        e.samples[i] = static_cast<float>(x[i]);
    }
    return e;
}

}  // namespace attune::test
