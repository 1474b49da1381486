// ClockAligner: two boards with drifting crystals, USB-like latency jitter, spikes and
// congested stretches, over one simulated hour: both map onto the host clock within 5 ms of
// each other (and of the truth, up to the common transfer latency floor).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "attune/bridge/clock_aligner.hpp"

namespace {
namespace bridge = attune::bridge;

struct SimBoard {
    double ppm;          // crystal error: device seconds run (1 + ppm) faster than host seconds
    double start_host;   // host time of sample 0
    double rate = 250.0;
    double true_host(double device_s) const { return start_host + device_s / (1.0 + ppm * 1e-6); }
};

struct Latency {
    std::mt19937_64 rng;
    double floor_s = 0.0015;  // UART + USB transfer of a frame
    double congested_until = -1.0;
    double next(double host_s) {
        std::exponential_distribution<double> jitter(1.0 / 0.003);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        double lat = floor_s + jitter(rng);
        if (u(rng) < 0.01) lat += 0.02 + 0.18 * u(rng);                       // a scheduling spike
        if (u(rng) < 0.0005) congested_until = host_s + 5.0;                  // 5 s of a busy bus
        if (host_s < congested_until) lat += 0.03;
        return lat;
    }
};

struct Run {
    double max_abs_error_s = 0.0;  // |estimate - truth - floor| after warm-up
    double drift_ppm = 0.0;
};

// Feeds one board's blocks for `hours`; returns the estimated host time of each block's first
// sample (and the truth) at the moment the block arrives.
void run_board(const SimBoard& b, double duration_s, std::uint64_t seed, std::vector<double>& truth,
               std::vector<double>& estimate, Run& run) {
    bridge::ClockAligner aligner;
    Latency latency{std::mt19937_64(seed)};
    const int block = 10;
    for (long first = 0;; first += block) {
        const double dev_first = first / b.rate;
        const double dev_last = (first + block - 1) / b.rate;
        const double arrival = b.true_host(dev_last) + latency.next(b.true_host(dev_last));
        if (dev_first > duration_s) break;
        aligner.observe(dev_last, arrival);
        const double est = aligner.to_host(dev_first);
        truth.push_back(b.true_host(dev_first));
        estimate.push_back(est);
        if (dev_first > 30.0)
            run.max_abs_error_s = std::max(run.max_abs_error_s, std::abs(est - b.true_host(dev_first) - latency.floor_s));
    }
    run.drift_ppm = aligner.drift_ppm();
}

// Host-time error of a board at host time t, by linear interpolation between its blocks.
double error_at(const std::vector<double>& truth, const std::vector<double>& est, double t) {
    const auto it = std::lower_bound(truth.begin(), truth.end(), t);
    const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(it - truth.begin()), truth.size() - 1);
    return est[i] - truth[i];
}
}  // namespace

TEST_CASE("two_drifting_boards_stay_aligned_within_5_ms_over_an_hour", "[serial][clock]") {
    const double hour = 3600.0;
    const SimBoard a{+150.0, 1000.0};
    const SimBoard b{-220.0, 1003.7};  // plugged in a few seconds later, opposite drift
    std::vector<double> ta, ea, tb, eb;
    Run ra, rb;
    run_board(a, hour, 11, ta, ea, ra);
    run_board(b, hour, 12, tb, eb, rb);
    INFO("max |error| A " << ra.max_abs_error_s * 1e3 << " ms, B " << rb.max_abs_error_s * 1e3 << " ms; drift "
                         << ra.drift_ppm << " / " << rb.drift_ppm << " ppm");
    CHECK(ra.max_abs_error_s < 0.0025);
    CHECK(rb.max_abs_error_s < 0.0025);
    CHECK(ra.drift_ppm == Approx(150.0).margin(5.0));
    CHECK(rb.drift_ppm == Approx(-220.0).margin(5.0));
    // Relative alignment at the same host instants, every second after warm-up.
    double worst = 0.0;
    for (double t = 1040.0; t < 1000.0 + hour - 10.0; t += 1.0)
        worst = std::max(worst, std::abs(error_at(ta, ea, t) - error_at(tb, eb, t)));
    INFO("worst A-B misalignment " << worst * 1e3 << " ms");
    CHECK(worst < 0.005);
}

TEST_CASE("without_drift_estimation_the_same_boards_drift_apart", "[serial][clock]") {
    // The control: a fixed offset and the nominal rate lose 1.3 s per hour between these boards.
    const SimBoard a{+150.0, 0.0}, b{-220.0, 0.0};
    const double t = 3600.0;
    CHECK(std::abs((a.true_host(t) - t) - (b.true_host(t) - t)) > 1.0);
}

TEST_CASE("a_ceramic_resonator_at_half_a_percent_is_tracked", "[serial][clock]") {
    const SimBoard nano{+5000.0, 50.0};  // Arduino Nano clones: ceramic resonator, up to 0.5 %
    std::vector<double> t, e;
    Run r;
    run_board(nano, 900.0, 3, t, e, r);
    INFO("max |error| " << r.max_abs_error_s * 1e3 << " ms, drift " << r.drift_ppm << " ppm");
    CHECK(r.max_abs_error_s < 0.0025);
    CHECK(r.drift_ppm == Approx(5000.0).margin(10.0));
}

TEST_CASE("aligner_ignores_non_finite_input_and_resets", "[serial][clock]") {
    bridge::ClockAligner al;
    al.observe(std::nan(""), 5.0);
    al.observe(1.0, INFINITY);
    CHECK(al.observations() == 0);
    al.observe(1.0, 101.0);
    CHECK(al.to_host(2.0) == Approx(102.0));
    al.reset();
    CHECK(al.observations() == 0);
    CHECK(al.to_host(2.0) == Approx(2.0));
}
