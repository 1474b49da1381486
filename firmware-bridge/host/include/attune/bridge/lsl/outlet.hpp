// A Lab Streaming Layer outlet (protocol 1.10) on Boost.Asio: answers discovery queries
// (UDP "LSL:shortinfo" on the discovery port and on its own service port), time probes
// ("LSL:timedata"), and serves its stream over TCP ("LSL:shortinfo", "LSL:fullinfo",
// "LSL:streamfeed/110"). It runs its own I/O thread; push() may be called from any thread and
// never blocks: each connected inlet has a bounded queue that drops its oldest samples when the
// inlet falls behind. Bad requests are ignored (UDP) or answered by closing the connection.
#pragma once

#include <cstddef>
#include <memory>

#include "attune/bridge/lsl/net_config.hpp"
#include "attune/bridge/lsl/sample_codec.hpp"
#include "attune/bridge/lsl/stream_info.hpp"

namespace attune::bridge::lsl {

struct OutletOptions {
    NetConfig net = NetConfig::from_env();
    std::size_t max_buffered = 16384;  // samples per inlet before the oldest are dropped
    double request_timeout_s = 10.0;   // a TCP request not complete by then is closed
};

class Outlet {
public:
    // Binds its sockets and starts serving; throws std::runtime_error when it cannot listen.
    // uid, hostname, created_at and the ports of `info` are filled in here.
    explicit Outlet(StreamInfo info, OutletOptions options = {});
    ~Outlet();
    Outlet(const Outlet&) = delete;
    Outlet& operator=(const Outlet&) = delete;

    const StreamInfo& info() const;
    // Any thread. The sample must match the stream (channel count and kind), else it throws.
    void push(const Sample& sample);
    void push_values(std::vector<double> values, double timestamp);
    void push_text(std::string text, double timestamp);

    std::size_t consumers() const;  // connected stream feeds
    bool wait_for_consumers(double timeout_s) const;
    std::size_t dropped() const;  // samples dropped for slow inlets or a full hand-over

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace attune::bridge::lsl
