// PmdStreamClock: maps the sample times of one Polar PMD stream (ECG or ACC) onto the host
// clock and estimates the stream's true sample rate.
//
// What it does: each PMD frame carries the strap's timestamp (ns) of its LAST sample. Samples
// of a frame are spread evenly over the interval since the previous frame's timestamp (first
// frame: 1/nominal rate apart). The strap's clock is a device clock (often never set): it is
// mapped to the host by an offset that follows the lower envelope of (arrival - device time),
// i.e. the frames with the least link delay, and is allowed to creep upward by at most
// `max_drift_ppm` of elapsed time so a host clock running faster than the strap's is followed
// without letting one late frame drag every sample later.
// Rate: samples of gap-free frames / the device time they cover; the H10's
// "130 Hz" ECG is really 128-131 Hz, so this, not the nominal rate, is what is reported.
// Gaps: a frame whose interval is much longer than its samples explain (> 1.5x + 20 ms), or a
// timestamp going backwards (strap restarted), is a gap; the frame's samples are then placed
// 1/rate apart ending at its timestamp, and a backwards clock re-anchors the offset.
// Delay: none. Cost: O(1) per frame, noexcept, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace attune::bridge::ble {

struct PmdFrameTiming {
    double t0_s = 0.0;       // host time of the frame's first sample
    double rate_hz = 0.0;    // spacing of this frame's samples
    bool gap_before = false;
};

class PmdStreamClock {
public:
    explicit PmdStreamClock(double nominal_rate_hz, double max_drift_ppm = 200.0);

    PmdFrameTiming push(std::uint64_t last_sample_ns, std::size_t samples, double arrival_s) noexcept;

    // The link dropped: the next frame starts a new run (gap) and re-anchors the offset.
    void mark_gap() noexcept { pending_gap_ = true; }
    void reset() noexcept;

    double estimated_rate_hz() const;
    double nominal_rate_hz() const { return nominal_rate_hz_; }
    bool started() const { return started_; }
    // Host time minus strap time, seconds (strap time counted from the run's first frame).
    double offset_s() const { return offset_s_; }

private:
    double device_s(std::uint64_t ns) const;
    void start_run(std::uint64_t last_sample_ns, double arrival_s) noexcept;

    double nominal_rate_hz_;
    double max_drift_;
    bool started_ = false;
    bool pending_gap_ = false;
    std::uint64_t run_first_ns_ = 0;  // device timestamp of the run's first frame
    std::uint64_t prev_ns_ = 0;
    std::uint64_t rate_samples_ = 0;  // samples of gap-free frames after the run's first
    double rate_span_s_ = 0.0;        // device time those frames cover
    double offset_s_ = 0.0;
};

}  // namespace attune::bridge::ble
