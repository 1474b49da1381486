// One interface, many devices (BrainFlow's Board): every sensor source, real or simulated,
// delivers timed SampleChunks for its channels and reports its link state as a value.
//
// Thread rule: a device is created, started, polled and stopped on the engine thread (the
// thread running the io_context it was given); its callbacks run on that thread too.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attune/signal/samples.hpp"

namespace attune::bridge {

enum class LinkState {
    Connecting,    // opening / waiting for the first data
    Streaming,     // data is flowing
    Stalled,       // open but no data within the timeout
    Disconnected,  // lost (cable pulled, strap out of range); reconnecting
    Stopped,       // stopped by the host
};

const char* to_string(LinkState state);

struct DeviceInfo {
    std::string kind;     // "simulated", "attune-board", "serial-text", "ble-hr", "polar-h10"
    std::string name;     // human-readable
    std::string address;  // port path, BLE address, "sim:a"
    std::vector<signal::ChannelSpec> channels;
    // Time base of the chunks' times: false (real devices) = seconds on the host's
    // std::chrono::steady_clock (time_since_epoch); true (simulator, replay) = session seconds.
    bool session_clock = false;
};

using ChunkSink = std::function<void(const signal::SampleChunk&)>;
using LinkSink = std::function<void(LinkState, const std::string& detail)>;

class Device {
public:
    virtual ~Device() = default;
    virtual const DeviceInfo& info() const = 0;
    // Begin delivering chunks. Throws std::runtime_error if the device cannot be opened.
    virtual void start(ChunkSink on_chunk, LinkSink on_link) = 0;
    virtual void stop() = 0;
    // Called by the engine on every tick with the session time; devices driven by the clock
    // (the simulator, replays) produce their samples up to now_s here. Real devices ignore it.
    virtual void poll(double now_s) { (void)now_s; }
};

using DevicePtr = std::unique_ptr<Device>;

}  // namespace attune::bridge
