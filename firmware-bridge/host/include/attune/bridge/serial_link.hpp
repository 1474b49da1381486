// SerialLink: the byte transport of every serial device. Boost.Asio serial_port (works on
// real ports and pseudo-terminals alike; libserialport cannot open ptys, TOOLCHAIN.md).
//
// - async reads delivered to on_bytes with their host arrival time (steady clock seconds);
// - a port that fails (cable pulled: EOF / EIO) is closed, reported Disconnected and reopened
//   every reopen_interval_s until it is back; on_opened then runs again so the driver can
//   re-initialise the device (and mark the gap in its data);
// - no byte for stall_timeout_s while open: reported Stalled (Streaming again on the next byte);
// - writes are queued and sent asynchronously.
// Thread rule: construct, start, write and stop on the thread running the io_context; all
// callbacks run there. The object may be destroyed right after stop(): pending handlers hold
// only a weak reference.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "attune/bridge/device.hpp"

namespace attune::bridge {

struct SerialLinkConfig {
    unsigned baud = 115200;
    double reopen_interval_s = 0.5;
    double stall_timeout_s = 2.0;
};

struct SerialLinkCallbacks {
    std::function<void(std::span<const std::uint8_t> bytes, double host_s)> on_bytes;
    std::function<void(LinkState, const std::string& detail)> on_state;
    std::function<void(bool reopened)> on_opened;  // port (re)opened: initialise the device
    std::function<void()> on_stall;                // each stall timeout (e.g. to re-send START)
};

class SerialLink {
public:
    SerialLink(boost::asio::io_context& io, std::string path, SerialLinkConfig config = {});
    ~SerialLink();
    SerialLink(const SerialLink&) = delete;
    SerialLink& operator=(const SerialLink&) = delete;

    // Opens the port; throws std::runtime_error (with the OS reason) if it cannot be opened.
    void start(SerialLinkCallbacks callbacks);
    void stop();
    void write(std::vector<std::uint8_t> bytes);
    const std::string& path() const;
    bool is_open() const;
    std::uint64_t reconnects() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// Seconds on std::chrono::steady_clock (the host clock of DeviceInfo::session_clock == false).
double steady_seconds();

}  // namespace attune::bridge
