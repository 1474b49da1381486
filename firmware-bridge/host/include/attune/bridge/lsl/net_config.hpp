// Where Lab Streaming Layer peers meet: the discovery port (16571, as liblsl) on which outlets
// listen for multicast/broadcast queries, and the range of ports just above it from which each
// outlet takes its unicast UDP service port, so a resolver can reach every outlet of a host by
// unicast (127.0.0.1 works where multicast does not). ATTUNE_LSL_PORT moves the whole block
// (tests run side by side on their own ports).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attune::bridge::lsl {

struct NetConfig {
    std::uint16_t discovery_port = 16571;
    std::uint16_t port_range = 32;  // service ports discovery_port+1 .. discovery_port+port_range
    std::vector<std::string> multicast_groups{"224.0.0.183", "239.255.172.215"};

    // Defaults, with the discovery port from ATTUNE_LSL_PORT when it is set to a valid port.
    static NetConfig from_env();
};

}  // namespace attune::bridge::lsl
