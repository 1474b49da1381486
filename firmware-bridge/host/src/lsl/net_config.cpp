#include "attune/bridge/lsl/net_config.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace attune::bridge::lsl {

NetConfig NetConfig::from_env() {
    NetConfig config;
    if (const char* text = std::getenv("ATTUNE_LSL_PORT"); text && *text) {
        unsigned port = 0;
        const auto [ptr, ec] = std::from_chars(text, text + std::strlen(text), port);
        if (ec == std::errc() && *ptr == '\0' && port >= 1024 && port + config.port_range <= 65535)
            config.discovery_port = static_cast<std::uint16_t>(port);
    }
    return config;
}

}  // namespace attune::bridge::lsl
