// Parsing the remote watcher's addresses: `--serve [ADDR:]PORT` and `attune watch HOST:PORT`.
#pragma once

#include <optional>
#include <string>

namespace attune::session {

struct HostPort {
    std::string host;
    unsigned short port = 0;
};

// "8443" (host left empty), "0.0.0.0:8443", "[::1]:8443", "therapist.example:8443"; nullopt
// when the port is missing or not a number in 0..65535.
std::optional<HostPort> parse_host_port(const std::string& text);

}  // namespace attune::session
