// One fuzz input through every BLE byte parser and the timelines, checking invariants.
// Shared by the libFuzzer target (fuzz_ble_parsers.cpp, clang + ATTUNE_BUILD_FUZZERS) and the
// corpus / random-bytes test that always runs in ctest (test_fuzz_corpus.cpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "attune/bridge/ble/gatt_parsers.hpp"
#include "attune/bridge/ble/pmd_stream_clock.hpp"
#include "attune/signal/rr_beat_timeline.hpp"

namespace attune::test {

// Returns normally or throws std::logic_error naming the broken invariant.
inline void fuzz_ble_one(const std::uint8_t* data, std::size_t size) {
    using namespace attune::bridge::ble;
    const Bytes bytes(data, size);
    auto require = [](bool ok, const char* what) {
        if (!ok) throw std::logic_error(what);
    };

    static thread_local HeartRateMeasurement hrm;
    if (parse_heart_rate_measurement(bytes, hrm) == ParseError::None) {
        require(hrm.rr_count <= kMaxRrPerNotification, "rr_count within capacity");
        require(2u * hrm.rr_count + 2u <= size, "RRs come from the bytes");
        // The RRs through a timeline: finite, strictly increasing times.
        attune::signal::RrBeatTimeline timeline;
        std::vector<attune::signal::TimedBeat> out(kMaxRrPerNotification);
        double arrival = 100.0, last = -1e300;
        for (int rep = 0; rep < 3; ++rep, arrival += 1.0 + (size % 7)) {
            const std::size_t n = timeline.push(arrival, hrm.rr(), out);
            for (std::size_t i = 0; i < n; ++i) {
                require(std::isfinite(out[i].time_s), "beat time finite");
                require(out[i].time_s > last, "beat times increase");
                last = out[i].time_s;
            }
        }
    }
    (void)parse_battery_level(bytes);
    static thread_local PmdControlResponse response;
    if (parse_pmd_control_response(bytes, response) == ParseError::None) {
        std::vector<PmdSettingOptions> options;
        (void)parse_pmd_settings(response.parameters, options);
    }
    std::vector<PmdSettingOptions> options;
    (void)parse_pmd_settings(bytes, options);
    PmdFeatures features;
    (void)parse_pmd_features(bytes, features);

    static thread_local PmdEcgFrame ecg;
    if (parse_pmd_ecg_frame(bytes, ecg) == ParseError::None) {
        require(ecg.microvolts.size() * 3 + kPmdHeaderSize == size, "ECG sample count matches bytes");
        for (std::int32_t v : ecg.microvolts) require(v >= -8388608 && v <= 8388607, "ECG sample is 24-bit");
        PmdStreamClock clock(130.0);
        for (int rep = 0; rep < 3; ++rep) {
            const auto t = clock.push(ecg.header.timestamp_ns + static_cast<std::uint64_t>(rep) * 560000000ull,
                                      ecg.microvolts.size(), 10.0 + rep * 0.56);
            require(std::isfinite(t.t0_s) && std::isfinite(t.rate_hz) && t.rate_hz > 0.0, "PMD timing finite");
        }
    }
    static thread_local PmdAccFrame acc;
    if (parse_pmd_acc_frame(bytes, acc) == ParseError::None)
        require(acc.samples.size() * 3 * (acc.header.frame_type + 1u) + kPmdHeaderSize == size,
                "ACC sample count matches bytes");
}

}  // namespace attune::test
