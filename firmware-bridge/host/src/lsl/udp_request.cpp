#include "udp_request.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

namespace attune::bridge::lsl {
namespace {

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> out;
    std::string line;
    std::istringstream in{std::string(text)};
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        out.push_back(line);
    }
    return out;
}

}  // namespace

std::optional<std::variant<ShortinfoQuery, TimeProbe>> parse_udp_request(std::string_view datagram) {
    const auto lines = lines_of(datagram);
    if (lines.size() < 2) return std::nullopt;
    if (lines[0] == "LSL:shortinfo") {
        if (lines.size() < 3) return std::nullopt;
        std::istringstream tail(lines[2]);
        long port = 0;
        ShortinfoQuery q;
        if (!(tail >> port >> q.query_id) || port < 1 || port > 65535 || q.query_id.size() > 64) return std::nullopt;
        q.query = lines[1];
        q.return_port = static_cast<std::uint16_t>(port);
        return q;
    }
    if (lines[0] == "LSL:timedata") {
        std::istringstream tail(lines[1]);
        TimeProbe p;
        if (!(tail >> p.wave_id >> p.t0)) return std::nullopt;
        return p;
    }
    return std::nullopt;
}

std::string time_probe_answer(const TimeProbe& probe, double t1, double t2) {
    char buf[128];
    std::snprintf(buf, sizeof buf, " %lld %.17g %.17g %.17g", probe.wave_id, probe.t0, t1, t2);
    return buf;
}

}  // namespace attune::bridge::lsl
