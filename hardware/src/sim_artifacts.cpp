#include "attune/hardware/sim/artifacts.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace attune::hardware::sim {
namespace {

constexpr std::uint64_t kArtifactStreamBase = 100;

std::size_t index_of(ArtifactKind kind) noexcept { return static_cast<std::size_t>(kind); }

}  // namespace

std::uint8_t artifact_channels(ArtifactKind kind) noexcept {
    switch (kind) {
        case ArtifactKind::Motion: return (1u << kSimEcg) | (1u << kSimPpg) | (1u << kSimResp);
        case ArtifactKind::EcgDropout: return 1u << kSimEcg;
        case ArtifactKind::PpgDropout: return 1u << kSimPpg;
        case ArtifactKind::Speech: return 1u << kSimResp;
    }
    return 0;
}

ArtifactSchedule::ArtifactSchedule(const ArtifactSettings& settings, bool enabled, std::uint64_t seed,
                                   double start_s)
    : rngs_{SimRng(seed, kArtifactStreamBase + 0), SimRng(seed, kArtifactStreamBase + 1),
            SimRng(seed, kArtifactStreamBase + 2), SimRng(seed, kArtifactStreamBase + 3)} {
    auto setup = [&](ArtifactKind kind, const ArtifactRate& rate, double min_s, double max_s) {
        KindPlan& p = plans_[index_of(kind)];
        p.enabled = enabled && rate.enabled && rate.per_min > 0.0;
        p.per_min = rate.per_min;
        p.min_s = min_s;
        p.max_s = max_s;
        if (p.enabled) p.next_start_s = start_s + rngs_[index_of(kind)].exponential(60.0 / p.per_min);
    };
    setup(ArtifactKind::Motion, settings.motion, 1.0, 4.0);
    setup(ArtifactKind::EcgDropout, settings.ecg_dropout, 0.5, 6.0);
    setup(ArtifactKind::PpgDropout, settings.ppg_dropout, 1.0, 6.0);
    setup(ArtifactKind::Speech, settings.speech, 8.0, 25.0);
}

void ArtifactSchedule::extend_to(double t) noexcept {
    for (std::size_t k = 0; k < kArtifactKindCount; ++k) {
        KindPlan& p = plans_[k];
        SimRng& rng = rngs_[k];
        while (p.enabled && p.next_start_s < t && !planned_[k].full()) {
            ArtifactInterval a;
            a.kind = static_cast<ArtifactKind>(k);
            a.start_s = p.next_start_s;
            a.end_s = a.start_s + rng.uniform(p.min_s, p.max_s);
            a.strength = rng.uniform();
            const double u = rng.uniform();
            a.variant = u < 0.5 ? 0 : (u < 0.8 ? 1 : -1);
            planned_[k].push_back(a);
            // Events never overlap their own kind: the next one starts after this one ends.
            p.next_start_s = a.end_s + rng.exponential(60.0 / p.per_min);
        }
    }
}

const ArtifactInterval* ArtifactSchedule::find(ArtifactKind kind, double t) const noexcept {
    const auto& ring = planned_[index_of(kind)];
    for (std::size_t i = 0; i < ring.size(); ++i) {
        if (ring[i].start_s > t) break;
        if (ring[i].covers(t)) return &ring[i];
    }
    return nullptr;
}

void ArtifactSchedule::drop_ended_before(double t) noexcept {
    for (auto& ring : planned_)
        while (!ring.empty() && ring.front().end_s < t) ring.pop_front();
}

MotionNoise::MotionNoise(SimRng rng, double rate_hz, double corner_hz) noexcept : rng_(rng) {
    alpha_ = 1.0 - std::exp(-2.0 * std::numbers::pi * corner_hz / rate_hz);
    // Two cascaded one-pole low-passes on unit white noise: output variance, for normalising.
    const double a = alpha_, r = 1.0 - alpha_;
    // Impulse response a^2 (n + 1) r^n, so the variance is a^4 (1 + r^2) / (1 - r^2)^3.
    const double one_minus_r2 = 1.0 - r * r;
    const double var = a * a * a * a * (1.0 + r * r) / (one_minus_r2 * one_minus_r2 * one_minus_r2);
    norm_ = 1.0 / std::sqrt(var);
}

double MotionNoise::sample(const ArtifactInterval& burst, double t) noexcept {
    y1_ += alpha_ * (rng_.normal() - y1_);
    y2_ += alpha_ * (y1_ - y2_);
    const double x = (t - burst.start_s) / (burst.end_s - burst.start_s);
    const double envelope = 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * std::clamp(x, 0.0, 1.0)));
    return envelope * norm_ * y2_;
}

}  // namespace attune::hardware::sim
