// Session time, in seconds since the session began. Injectable so that tests and simulated or
// replayed sessions run faster than real time, deterministically.
#pragma once

#include <atomic>
#include <chrono>

namespace attune::session {

class Clock {
public:
    virtual ~Clock() = default;
    virtual double now_s() const = 0;
};

// Real time on the host's monotonic clock (live sensors).
class SteadyClock final : public Clock {
public:
    SteadyClock() : start_(std::chrono::steady_clock::now()) {}
    double now_s() const override {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

// Time that moves only when told to (simulation, replay, tests). Thread rule: advanced by the
// engine thread, readable from any thread.
class ManualClock final : public Clock {
public:
    double now_s() const override { return now_.load(std::memory_order_acquire); }
    void set(double t_s) { now_.store(t_s, std::memory_order_release); }
    void advance(double dt_s) { set(now_s() + dt_s); }

private:
    std::atomic<double> now_{0.0};
};

}  // namespace attune::session
