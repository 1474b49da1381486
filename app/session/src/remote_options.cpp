#include "attune/session/remote_options.hpp"

#include <charconv>

namespace attune::session {

std::optional<HostPort> parse_host_port(const std::string& text) {
    HostPort out;
    std::string port_text = text;
    const auto colon = text.rfind(':');
    if (colon != std::string::npos) {
        out.host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
            out.host = out.host.substr(1, out.host.size() - 2);  // [IPv6]
        if (out.host.empty()) return std::nullopt;
    }
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || ec != std::errc() || ptr != end || value > 65535) return std::nullopt;
    out.port = static_cast<unsigned short>(value);
    return out;
}

}  // namespace attune::session
