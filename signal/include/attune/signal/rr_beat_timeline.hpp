// RrBeatTimeline: turns the RR intervals of Heart Rate Measurement notifications into beats
// with times on the host clock.
//
// What it does: a notification carries RR intervals (1/1024 s, oldest first) but no times, and
// arrives 0..~1 s after its last beat. Beat times are rebuilt from the running RR sum (the
// strap's own beat-to-beat clock), anchored to the host clock, NOT from packet arrival:
//   predicted last beat = previous beat + sum(RR);   lag = arrival - predicted last beat.
//   lag < 0      the beats would lie in the future: the anchor was too late (the first packet
//                arrived with a long delay) or the strap's clock runs slow; move the anchor
//                back by -lag. Keeps the anchor on the lower envelope of arrival delays, i.e.
//                beat time + minimal link latency.
//   lag small    normal. Every `drift_window` notifications, if even the smallest lag of the
//                window is above `latency_floor_s`, the host clock may run fast against the
//                strap's: move the anchor forward by half that excess, but never faster than
//                `max_drift_ppm` of the elapsed time (crystals differ by tens of ppm; a window
//                whose beats all fell early in their notification periods must not pull the
//                anchor late).
//   lag large    elapsed host time exceeds the RR sum by more than `gap_slack_s` plus the
//                longest RR: beats were lost (dropped link, sensor buffer overflow). Report a
//                gap and re-anchor the packet's last beat at arrival.
// The sum runs in integer 1/1024 s ticks from the anchor, so hours of beats accumulate no
// rounding. Beat times are strictly increasing (at least `min_spacing_s` apart).
// Delay: none (beats are emitted when their notification arrives). Cost: O(RRs per packet),
// noexcept, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace attune::signal {

struct RrBeatTimelineConfig {
    double gap_slack_s = 2.5;       // allowed excess of elapsed time over RR sum + longest RR
    double latency_floor_s = 0.02;  // smallest plausible beat-to-arrival delay
    int drift_window = 120;         // notifications per drift check (~2 min)
    double max_drift_ppm = 300.0;   // fastest forward correction of the anchor
    double min_spacing_s = 0.2;     // beats closer than this are not physiological
};

struct TimedBeat {
    double time_s = 0.0;         // host clock, seconds
    std::uint16_t rr_1024 = 0;   // the interval ending at this beat, 1/1024 s
    bool after_gap = false;      // beats before this one were lost (its predecessor unknown)
};

class RrBeatTimeline {
public:
    explicit RrBeatTimeline(RrBeatTimelineConfig config = {});

    // One notification's RR intervals (oldest first), arrived at host time arrival_s.
    // Writes min(rr.size(), out.size()) beats to out; returns how many.
    std::size_t push(double arrival_s, std::span<const std::uint16_t> rr, std::span<TimedBeat> out) noexcept;

    // The link dropped or skin contact was lost: the next RR starts a new, unanchored run.
    void mark_gap() noexcept { anchored_ = false; pending_gap_ = true; }
    void reset() noexcept;

    bool anchored() const { return anchored_; }
    double last_beat_time_s() const;
    int gaps_detected() const { return gaps_; }

private:
    void anchor_at(double last_beat_s, std::int64_t ticks_in_packet) noexcept;

    RrBeatTimelineConfig config_;
    bool anchored_ = false;
    bool pending_gap_ = false;
    bool have_beat_ = false;
    double anchor_s_ = 0.0;     // host time of tick 0
    std::int64_t ticks_ = 0;    // 1/1024 s from anchor to the last beat emitted
    double last_time_s_ = 0.0;  // last emitted beat time (monotonic guard)
    double window_min_lag_s_ = 0.0;
    double window_start_s_ = 0.0;  // arrival time of the window's first notification
    int window_count_ = 0;
    int gaps_ = 0;
};

}  // namespace attune::signal
