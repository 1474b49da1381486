// The sample types every part shares: what a channel is, and a timed chunk of its samples.
// Times are seconds on the session's (host's monotonic) clock; devices map their own
// counters onto it before a chunk leaves the bridge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::signal {

enum class Partner : std::uint8_t { A = 0, B = 1 };
constexpr std::size_t kPartnerCount = 2;
constexpr std::size_t index_of(Partner p) { return static_cast<std::size_t>(p); }
constexpr std::string_view partner_letter(Partner p) { return p == Partner::A ? "a" : "b"; }

enum class ChannelKind : std::uint8_t {
    Ecg,          // single-lead ECG, mV
    Ppg,          // photoplethysmogram, arbitrary units
    Respiration,  // chest belt / impedance, arbitrary units (inspiration = up)
    HeartRate,    // bpm, as a device reports it
    RrInterval,   // ms, irregular: one value per beat (e.g. BLE Heart Rate Service)
    AccX,         // accelerometer, mG
    AccY,
    AccZ,
    Other,
};

std::string_view to_string(ChannelKind kind);

struct ChannelSpec {
    std::string label;  // e.g. "ECG", "Resp"
    ChannelKind kind = ChannelKind::Other;
    double rate_hz = 0.0;  // 0 for irregular channels (RR intervals)
    std::string unit;      // "mV", "bpm", "ms", "mG", "au"
};

// A run of samples of one channel. Regular channels: sample i is at t0_s + i / rate_hz.
// Irregular channels (rate_hz == 0): times_s holds one time per value.
struct SampleChunk {
    std::size_t channel = 0;  // index into the device's channel list
    double t0_s = 0.0;
    double rate_hz = 0.0;
    std::vector<float> values;
    std::vector<double> times_s;  // only for irregular channels
    bool gap_before = false;      // samples were lost between the previous chunk and this one

    double time_of(std::size_t i) const {
        return rate_hz > 0.0 ? t0_s + static_cast<double>(i) / rate_hz : times_s.at(i);
    }
};

}  // namespace attune::signal
