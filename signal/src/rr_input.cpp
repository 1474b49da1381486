// Device RR intervals -> beats with host-anchored times (see rr_input.hpp).
#include "attune/signal/rr_input.hpp"

#include <algorithm>
#include <cmath>

namespace attune::signal {

RrBeatBuilder::RrBeatBuilder(const RrInputConfig& config) : config_(config) {}

std::size_t RrBeatBuilder::push_1024(double host_time_s, std::span<const std::uint16_t> rr_1024,
                                     std::span<Beat> out) noexcept {
    std::array<double, kMaxPerNotification> ms{};
    const std::size_t n = std::min(rr_1024.size(), ms.size());
    for (std::size_t i = 0; i < n; ++i) ms[i] = rr_1024_to_ms(rr_1024[i]);
    return push_ms(host_time_s, std::span<const double>(ms.data(), n), out);
}

std::size_t RrBeatBuilder::push_ms(double host_time_s, std::span<const double> rr_ms,
                                   std::span<Beat> out) noexcept {
    const std::size_t n = std::min({rr_ms.size(), out.size(), kMaxPerNotification});
    if (n == 0 || !std::isfinite(host_time_s)) return 0;
    double sum_s = 0.0;
    std::size_t valid = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isfinite(rr_ms[i]) && rr_ms[i] > 0.0) {
            sum_s += rr_ms[i] / 1000.0;
            ++valid;
        }
    }
    if (valid == 0) return 0;

    bool gap = !started_;
    if (started_) {
        const double lag = host_time_s - (last_beat_s_ + sum_s);
        if (lag > config_.gap_s) {
            gap = true;
            ++gaps_;
            lag_count_ = 0;
        } else {
            if (lag < 0.0) last_beat_s_ += lag;  // beats cannot come after their report
            // Slow device clock: the smallest recent lag is the latency; keep it bounded.
            lag_ring_[lag_head_] = std::max(lag, 0.0);
            lag_head_ = (lag_head_ + 1) % lag_ring_.size();
            lag_count_ = std::min(lag_count_ + 1, lag_ring_.size());
            const double min_lag =
                *std::min_element(lag_ring_.begin(), lag_ring_.begin() + lag_count_);
            if (lag_count_ >= kMinLagsForCorrection && min_lag > config_.max_latency_s) {
                last_beat_s_ += min_lag;
                for (std::size_t i = 0; i < lag_count_; ++i) lag_ring_[i] -= min_lag;
            }
        }
    }
    if (gap) last_beat_s_ = host_time_s - config_.anchor_lag_s - sum_s;
    started_ = true;

    std::size_t written = 0;
    bool first = gap;
    for (std::size_t i = 0; i < n; ++i) {
        const double rr = rr_ms[i];
        if (!(std::isfinite(rr) && rr > 0.0)) {
            first = true;  // an unusable value: the next interval does not follow on
            continue;
        }
        last_beat_s_ += rr / 1000.0;
        Beat& b = out[written++];
        b.time_s = last_beat_s_;
        b.rr_ms = first ? 0.0 : rr;
        b.amplitude = 0.0f;
        b.quality = (rr < config_.min_rr_ms || rr > config_.max_rr_ms) ? BeatQuality::Artifact
                                                                       : BeatQuality::Good;
        first = false;
    }
    return written;
}

void RrBeatBuilder::reset() noexcept {
    started_ = false;
    last_beat_s_ = 0.0;
    lag_count_ = lag_head_ = 0;
    gaps_ = 0;
}

std::vector<Beat> beats_from_rr_ms(std::span<const double> rr_ms, double t0_s,
                                   const RrInputConfig& config) {
    std::vector<Beat> beats;
    beats.reserve(rr_ms.size());
    double t = t0_s;
    bool first = false;  // the first value is a real interval from t0 (the recording start)
    for (double rr : rr_ms) {
        if (!(std::isfinite(rr) && rr > 0.0)) {
            first = true;
            continue;
        }
        t += rr / 1000.0;
        const bool plausible = rr >= config.min_rr_ms && rr <= config.max_rr_ms;
        beats.push_back(Beat{t, first ? 0.0 : rr, 0.0f,
                             plausible ? BeatQuality::Good : BeatQuality::Artifact});
        first = false;
    }
    return beats;
}

// Values logged a few samples apart came from one notification (loggers write them one by one).
constexpr double kSameReportS = 0.05;

std::vector<Beat> beats_from_rr_reports(std::span<const double> report_times_s,
                                        std::span<const double> rr_ms,
                                        const RrInputConfig& config) {
    RrBeatBuilder builder(config);
    std::vector<Beat> beats;
    const std::size_t n = std::min(report_times_s.size(), rr_ms.size());
    beats.reserve(n);
    std::array<Beat, RrBeatBuilder::kMaxPerNotification> out{};
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i + 1;
        while (j < n && report_times_s[j] - report_times_s[j - 1] < kSameReportS &&
               j - i < RrBeatBuilder::kMaxPerNotification)
            ++j;
        const std::size_t k = builder.push_ms(report_times_s[j - 1], rr_ms.subspan(i, j - i), out);
        beats.insert(beats.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k));
        i = j;
    }
    return beats;
}

}  // namespace attune::signal
