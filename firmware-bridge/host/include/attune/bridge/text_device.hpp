// TextDevice: a generic line-oriented serial sensor, so hobby hardware works without new code:
// an Arduino printing one line per sample at a known rate, e.g. "512,300\n" for
// columns=ecg,resp or "72\n" for columns=hr. Fields are separated by commas, semicolons, tabs
// or spaces. Column names: ecg (mV), resp, ppg (au), hr (bpm), other names are kept as "Other"
// channels, "-" skips a column. Optional per-column scale/offset turn ADC counts into units.
//
// Timing: line n (since the port opened) is sample n at the configured rate, mapped onto the
// host steady clock by a ClockAligner (drift included). A malformed line (wrong field count,
// not a number) is counted and skipped but still occupies its sample slot, and the next chunk
// is marked gap_before; a reconnect also marks a gap. Lines longer than 256 bytes are dropped.
// Delay: chunks of chunk_s (40 ms) worth of lines, delivered when the read that completes them
// arrives. Cost: one from_chars per field; chunk buffers are reused.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attune/bridge/device.hpp"
#include "attune/bridge/serial_link.hpp"

namespace attune::bridge {

struct TextColumn {
    std::string name;     // "ecg", "resp", "ppg", "hr", anything else, or "-" to skip
    double scale = 1.0;   // value = field * scale + offset
    double offset = 0.0;
};

struct TextDeviceConfig {
    SerialLinkConfig link;
    double rate_hz = 250.0;                 // lines per second the device prints
    std::vector<TextColumn> columns = {{"ecg"}, {"resp"}};
    double chunk_s = 0.04;                  // deliver a chunk every this many seconds of lines
};

// Parses "text:PORT?rate=250&columns=ecg,resp&baud=115200" (the part after "text:").
// Throws std::invalid_argument with a clear message on a malformed spec.
struct TextSpec {
    std::string port;
    TextDeviceConfig config;
};
TextSpec parse_text_spec(const std::string& spec_after_scheme);

struct TextDeviceStats {
    std::uint64_t lines = 0;
    std::uint64_t bad_lines = 0;
    std::uint64_t long_lines = 0;
    std::uint64_t samples = 0;
    std::uint64_t gaps = 0;
};

class TextDevice final : public Device {
public:
    TextDevice(boost::asio::io_context& io, std::string port, TextDeviceConfig config = {});
    ~TextDevice() override;

    const DeviceInfo& info() const override;
    void start(ChunkSink on_chunk, LinkSink on_link) override;
    void stop() override;
    TextDeviceStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace attune::bridge
