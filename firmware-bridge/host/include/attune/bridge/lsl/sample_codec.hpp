// Lab Streaming Layer (protocol 1.10): the bytes of a stream feed. Each sample is a tag byte
// (1 = timestamp deduced by the receiver, 2 = an 8-byte double timestamp follows) and then its
// values in the channel format, in the byte order agreed in the feed's header exchange; string
// values are length-prefixed (a byte giving the width of the length: 1, 2, 4 or 8, then the
// length, then the bytes). A feed starts with two test-pattern samples the receiver checks.
// Pure: no sockets here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attune/bridge/lsl/stream_info.hpp"

namespace attune::bridge::lsl {

constexpr std::uint8_t kTagDeducedTimestamp = 1;
constexpr std::uint8_t kTagTransmittedTimestamp = 2;
constexpr double kTestPatternTimestamp = 123456.789;
constexpr std::size_t kMaxStringValue = 16u << 20;  // longer strings are taken for corruption

// One sample. Numeric formats use `values` (int64 beyond 2^53 loses precision), strings `strings`.
struct Sample {
    std::optional<double> timestamp;  // nullopt = deduced (sent with tag 1)
    std::vector<double> values;
    std::vector<std::string> strings;
    bool operator==(const Sample&) const = default;
};

// Appends the sample's bytes; `swap` writes multi-byte values in the other byte order.
// The sample must carry info.channel_count values of the stream's kind (throws otherwise).
void encode_sample(std::string& out, const Sample& sample, ChannelFormat format, int channels, bool swap = false);

// Decodes one sample from the front of `bytes`; nullopt when more bytes are needed. `consumed`
// is set to the sample's length. Throws std::runtime_error on bytes that cannot be a sample.
std::optional<Sample> decode_sample(std::string_view bytes, std::size_t& consumed, ChannelFormat format,
                                    int channels, bool swap = false);

// The test pattern a feed starts with (offsets 4 then 2), as liblsl defines it.
Sample test_pattern(ChannelFormat format, int channels, int offset);

// "Key: value" lines up to an empty line, keys lower-cased, values trimmed (";" comments cut).
std::map<std::string, std::string> parse_header_lines(std::string_view text);

}  // namespace attune::bridge::lsl
