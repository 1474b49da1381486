// The receiving side of Lab Streaming Layer (protocol 1.10), for `attune lsl`, the session's
// marker inlet and the tests: resolve streams by a query (UDP "LSL:shortinfo" to the discovery
// port and every service port of the range, by unicast to given hosts and by multicast), fetch a
// stream's full description ("LSL:fullinfo"), open its feed ("LSL:streamfeed/110" with the
// header negotiation; the two test-pattern samples are checked) and estimate the clock offset
// ("LSL:timedata"). Synchronous, for one thread at a time; never blocks longer than asked.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attune/bridge/lsl/net_config.hpp"
#include "attune/bridge/lsl/sample_codec.hpp"
#include "attune/bridge/lsl/stream_info.hpp"

namespace attune::bridge::lsl {

struct ResolveOptions {
    NetConfig net = NetConfig::from_env();
    std::vector<std::string> unicast_hosts{"127.0.0.1"};
    bool multicast = true;  // also ask the multicast groups and the broadcast address
    double timeout_s = 1.0;
    std::size_t enough = 0;  // stop as soon as this many streams answered (0 = wait the timeout)
};

// Streams answering `query` (one entry per uid), with v4address set to where each answered from.
std::vector<StreamInfo> resolve(const std::string& query, const ResolveOptions& options = {});

// The stream's full description (with <desc>) over TCP; nullopt when it does not answer in time.
std::optional<StreamInfo> fetch_fullinfo(const StreamInfo& stream, double timeout_s = 2.0);

// Offset to add to the outlet's timestamps to put them on this host's local_clock(): the probe
// with the shortest round trip of `probes` wins. Nullopt when no probe was answered.
struct TimeCorrection {
    double offset_s = 0.0;
    double round_trip_s = 0.0;
};
std::optional<TimeCorrection> time_correction(const StreamInfo& stream, int probes = 8, double timeout_s = 1.0);

class Inlet {
public:
    // Connects to the stream's feed; throws std::runtime_error when the outlet refuses, does not
    // answer within timeout_s or sends a wrong test pattern.
    explicit Inlet(const StreamInfo& stream, double timeout_s = 3.0);
    ~Inlet();
    Inlet(const Inlet&) = delete;
    Inlet& operator=(const Inlet&) = delete;

    const StreamInfo& info() const;
    // The next sample (deduced timestamps filled in), waiting at most timeout_s; nullopt when
    // none came. Throws std::runtime_error when the feed ended or sent bytes that are no sample.
    std::optional<Sample> pull(double timeout_s);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace attune::bridge::lsl
