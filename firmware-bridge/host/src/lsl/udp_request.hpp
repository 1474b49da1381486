// The two UDP requests an outlet answers, parsed from a datagram (private to src/lsl).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace attune::bridge::lsl {

struct ShortinfoQuery {
    std::string query;
    std::uint16_t return_port = 0;
    std::string query_id;
};

struct TimeProbe {
    long long wave_id = 0;
    double t0 = 0.0;
};

// Nullopt for anything that is not a well-formed request.
std::optional<std::variant<ShortinfoQuery, TimeProbe>> parse_udp_request(std::string_view datagram);

// The answer to a time probe: " wave_id t0 t1 t2" (t1 = received, t2 = sent, outlet's clock).
std::string time_probe_answer(const TimeProbe& probe, double t1, double t2);

}  // namespace attune::bridge::lsl
