#include "attune/signal/rr_beat_timeline.hpp"

#include <algorithm>

namespace attune::signal {

namespace {
constexpr double kTick = 1.0 / 1024.0;
}

RrBeatTimeline::RrBeatTimeline(RrBeatTimelineConfig config) : config_(config) {}

void RrBeatTimeline::reset() noexcept {
    anchored_ = pending_gap_ = have_beat_ = false;
    anchor_s_ = 0.0;
    ticks_ = 0;
    last_time_s_ = 0.0;
    window_count_ = 0;
    gaps_ = 0;
}

double RrBeatTimeline::last_beat_time_s() const { return last_time_s_; }

void RrBeatTimeline::anchor_at(double last_beat_s, std::int64_t ticks_in_packet) noexcept {
    // Tick 0 is the beat before the packet's first RR; the packet's last beat lands on last_beat_s.
    anchor_s_ = last_beat_s - static_cast<double>(ticks_in_packet) * kTick;
    ticks_ = 0;
    anchored_ = true;
    window_count_ = 0;
}

std::size_t RrBeatTimeline::push(double arrival_s, std::span<const std::uint16_t> rr,
                                 std::span<TimedBeat> out) noexcept {
    const std::size_t n = std::min(rr.size(), out.size());
    if (n == 0) return 0;
    std::int64_t sum = 0;
    std::uint16_t longest = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (rr[i] == 0) continue;  // a zero interval is not a beat; skipped below as well
        sum += rr[i];
        longest = std::max(longest, rr[i]);
    }
    bool gap = pending_gap_;
    if (!anchored_) {
        anchor_at(arrival_s, sum);
    } else {
        const double predicted_last = anchor_s_ + static_cast<double>(ticks_ + sum) * kTick;
        const double lag = arrival_s - predicted_last;
        if (lag > config_.gap_slack_s + longest * kTick) {
            gap = true;
            ++gaps_;
            anchor_at(arrival_s, sum);
        } else if (lag < 0.0) {
            anchor_s_ += lag;  // never in the future: follow the lower envelope of delays
        } else {
            if (window_count_ == 0) {
                window_min_lag_s_ = lag;
                window_start_s_ = arrival_s;
            }
            window_min_lag_s_ = std::min(window_min_lag_s_, lag);
            if (++window_count_ >= config_.drift_window) {
                const double allowed = config_.max_drift_ppm * 1e-6 * (arrival_s - window_start_s_);
                if (window_min_lag_s_ > config_.latency_floor_s)
                    anchor_s_ += std::min(0.5 * (window_min_lag_s_ - config_.latency_floor_s), allowed);
                window_count_ = 0;
            }
        }
    }
    pending_gap_ = false;

    std::size_t written = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (rr[i] == 0) continue;
        ticks_ += rr[i];
        double t = anchor_s_ + static_cast<double>(ticks_) * kTick;
        if (have_beat_ && t < last_time_s_ + config_.min_spacing_s) t = last_time_s_ + config_.min_spacing_s;
        out[written++] = TimedBeat{t, rr[i], gap && written == 0};
        last_time_s_ = t;
        have_beat_ = true;
    }
    return written;
}

}  // namespace attune::signal
