// Realistic trouble: when each interval-type artifact happens (Poisson, one random stream per
// kind so that each kind's schedule does not depend on the others), and the per-sample
// motion noise of each channel.
#pragma once

#include <array>

#include "attune/hardware/partner_model.hpp"
#include "attune/hardware/sim/random.hpp"

namespace attune::hardware::sim {

struct ArtifactInterval {
    double start_s = 0.0;
    double end_s = 0.0;
    ArtifactKind kind = ArtifactKind::Motion;
    double strength = 0.5;  // 0..1, scales the burst / picks the dropout level
    int variant = 0;        // ECG dropout: 0 flat at 0 mV, +1 / -1 railed high / low
    bool covers(double t) const noexcept { return t >= start_s && t < end_s; }
};

inline constexpr std::size_t kArtifactKindCount = 4;

// Which channels an artifact kind makes unreadable or irregular (bits of SimChannel).
std::uint8_t artifact_channels(ArtifactKind kind) noexcept;

class ArtifactSchedule {
public:
    ArtifactSchedule(const ArtifactSettings& settings, bool enabled, std::uint64_t seed, double start_s);

    // Plans every enabled kind's intervals that start before t.
    void extend_to(double t) noexcept;
    // The interval of this kind covering t, if any.
    const ArtifactInterval* find(ArtifactKind kind, double t) const noexcept;
    bool covers(ArtifactKind kind, double t) const noexcept { return find(kind, t) != nullptr; }
    // Forget intervals that ended before t (they stay in the ground truth).
    void drop_ended_before(double t) noexcept;

    // Calls f(interval) for each planned interval starting in [from, to), in start order.
    template <typename F>
    void for_each_starting(double from, double to, F&& f) const {
        std::array<std::size_t, kArtifactKindCount> next{};
        for (;;) {
            const ArtifactInterval* best = nullptr;
            std::size_t best_kind = 0;
            for (std::size_t k = 0; k < kArtifactKindCount; ++k) {
                const auto& ring = planned_[k];
                while (next[k] < ring.size() && ring[next[k]].start_s < from) ++next[k];
                if (next[k] < ring.size() && ring[next[k]].start_s < to &&
                    (!best || ring[next[k]].start_s < best->start_s)) {
                    best = &ring[next[k]];
                    best_kind = k;
                }
            }
            if (!best) return;
            f(*best);
            ++next[best_kind];
        }
    }

private:
    struct KindPlan {
        bool enabled = false;
        double per_min = 0.0;
        double min_s = 1.0, max_s = 2.0;  // duration range
        double next_start_s = 0.0;
    };

    std::array<KindPlan, kArtifactKindCount> plans_{};
    std::array<SimRng, kArtifactKindCount> rngs_;
    std::array<Ring<ArtifactInterval, 64>, kArtifactKindCount> planned_{};
};

// Motion artifact on one channel: white noise through two one-pole low-passes (band-limited
// like electrode/body motion), unit variance, under a raised-cosine envelope of the burst.
// Draws random numbers only inside bursts. Cost: one normal draw and a few multiplies per
// sample inside a burst, nothing outside.
class MotionNoise {
public:
    MotionNoise(SimRng rng, double rate_hz, double corner_hz) noexcept;
    double sample(const ArtifactInterval& burst, double t) noexcept;

private:
    SimRng rng_;
    double alpha_;
    double norm_;
    double y1_ = 0.0, y2_ = 0.0;
};

}  // namespace attune::hardware::sim
