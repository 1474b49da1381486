// Device RR intervals -> beats (see rr_input.hpp).
#include "attune/signal/rr_input.hpp"

#include <array>
#include <cmath>

namespace attune::signal {

Beat beat_from_rr(double time_s, double rr_ms, bool follows_on, const RrInputConfig& config) {
    const bool plausible = rr_ms >= config.min_rr_ms && rr_ms <= config.max_rr_ms;
    return Beat{time_s, follows_on ? rr_ms : 0.0, 0.0f, plausible ? BeatQuality::Good : BeatQuality::Artifact};
}

std::vector<Beat> beats_from_rr_ms(std::span<const double> rr_ms, double t0_s,
                                   const RrInputConfig& config) {
    std::vector<Beat> beats;
    beats.reserve(rr_ms.size());
    double t = t0_s;
    bool follows_on = true;  // the first value is a real interval from t0 (the recording start)
    for (double rr : rr_ms) {
        if (!(std::isfinite(rr) && rr > 0.0)) {
            follows_on = false;
            continue;
        }
        t += rr / 1000.0;
        beats.push_back(beat_from_rr(t, rr, follows_on, config));
        follows_on = true;
    }
    return beats;
}

namespace {
// Values logged a few samples apart came from one notification (loggers write them one by one).
constexpr double kSameReportS = 0.05;
constexpr std::size_t kMaxPerNotification = 16;  // HRS carries at most 9
}  // namespace

std::vector<Beat> beats_from_rr_reports(std::span<const double> report_times_s,
                                        std::span<const double> rr_ms,
                                        const RrInputConfig& config) {
    RrBeatTimeline timeline(config.timeline);
    std::vector<Beat> beats;
    const std::size_t n = std::min(report_times_s.size(), rr_ms.size());
    beats.reserve(n);
    std::array<std::uint16_t, kMaxPerNotification> ticks{};
    std::array<TimedBeat, kMaxPerNotification> out{};
    bool follows_on = false;  // the first beat's predecessor is unknown
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i + 1;
        while (j < n && report_times_s[j] - report_times_s[j - 1] < kSameReportS && j - i < kMaxPerNotification) ++j;
        // Back to the strap's 1/1024 s ticks; an unusable value breaks the series.
        std::size_t count = 0;
        for (std::size_t k = i; k < j; ++k) {
            const double rr = rr_ms[k];
            if (std::isfinite(rr) && rr > 0.0 && rr < 60000.0)
                ticks[count++] = static_cast<std::uint16_t>(std::lround(rr * 1.024));
            else
                timeline.mark_gap();
        }
        if (std::isfinite(report_times_s[j - 1])) {
            const std::size_t made = timeline.push(report_times_s[j - 1], std::span(ticks.data(), count), out);
            for (std::size_t k = 0; k < made; ++k) {
                const TimedBeat& b = out[k];
                beats.push_back(beat_from_rr(b.time_s, rr_1024_to_ms(b.rr_1024), follows_on && !b.after_gap, config));
                follows_on = true;
            }
        }
        i = j;
    }
    return beats;
}

}  // namespace attune::signal
