// Lab Streaming Layer (protocol 1.10): what a stream is. The stream's description travels as XML
// (the "shortinfo" answer to discovery, the "fullinfo" with its <desc>), and resolvers pick
// streams by an XPath-like query on its fields ("name='Attune Markers' and type='Markers'").
// Pure: no sockets here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::bridge::lsl {

// LSL's clock: seconds of the host's monotonic clock (std::chrono::steady_clock since its epoch),
// the same clock as lsl_local_clock() and as the bridge's steady_seconds().
double local_clock();

enum class ChannelFormat : std::uint8_t { Float32, Double64, String, Int32, Int16, Int8, Int64 };
std::string_view to_string(ChannelFormat format);
std::optional<ChannelFormat> channel_format_from(std::string_view name);
std::size_t value_size(ChannelFormat format);  // bytes per value on the wire; 0 for strings

constexpr double kIrregularRate = 0.0;
constexpr int kProtocolVersion = 110;

// One channel's description in <desc><channels>, after the XDF meta-data conventions.
struct ChannelDesc {
    std::string label;
    std::string unit;
    std::string type;
};

struct StreamInfo {
    std::string name;
    std::string type;  // XDF content type: "ECG", "Resp", "Markers", ...
    int channel_count = 1;
    double nominal_srate = kIrregularRate;
    ChannelFormat channel_format = ChannelFormat::Float32;
    std::string source_id;
    double created_at = 0.0;  // local_clock() of the outlet when made
    std::string uid;
    std::string session_id = "default";
    std::string hostname;
    std::string v4address;  // filled by a resolver from where the answer came from
    std::uint16_t v4data_port = 0;     // TCP: fullinfo, shortinfo, streamfeed
    std::uint16_t v4service_port = 0;  // UDP: shortinfo queries and time data
    std::vector<ChannelDesc> channels;  // <desc><channels>; empty = none given
    std::string manufacturer;           // <desc><manufacturer>
};

// A random RFC 4122 version 4 UUID, the stream's uid.
std::string new_uid();

std::string to_shortinfo_xml(const StreamInfo& info);
std::string to_fullinfo_xml(const StreamInfo& info);
// Reads either kind (fields it does not know are ignored). Nullopt when the text is not a stream
// description (no <info>, no name, an unknown channel format or an impossible channel count).
std::optional<StreamInfo> parse_info_xml(std::string_view xml);

// Does the stream match a resolver's query? Empty matches everything. Understood: clauses
// `field='value'` (or "value") joined by `and`, on the top-level fields (name, type, source_id,
// uid, session_id, hostname, channel_format, channel_count, nominal_srate). Anything else matches
// nothing (an unknown query never selects a stream by accident).
bool matches_query(const StreamInfo& info, std::string_view query);

}  // namespace attune::bridge::lsl
