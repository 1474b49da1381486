#include "attune/bridge/lsl/sample_codec.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace attune::bridge::lsl {
namespace {

void put_raw(std::string& out, const void* p, std::size_t n, bool swap) {
    const auto* b = static_cast<const char*>(p);
    if (swap && n > 1)
        for (std::size_t i = n; i-- > 0;) out += b[i];
    else
        out.append(b, n);
}

template <typename T>
void put(std::string& out, T v, bool swap) {
    put_raw(out, &v, sizeof v, swap);
}

template <typename T>
T get(std::string_view bytes, std::size_t at, bool swap) {
    char b[sizeof(T)];
    std::memcpy(b, bytes.data() + at, sizeof(T));
    if (swap) std::reverse(b, b + sizeof(T));
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
}

void put_value(std::string& out, double v, ChannelFormat format, bool swap) {
    switch (format) {
        case ChannelFormat::Float32: put(out, static_cast<float>(v), swap); break;
        case ChannelFormat::Double64: put(out, v, swap); break;
        case ChannelFormat::Int32: put(out, static_cast<std::int32_t>(v), swap); break;
        case ChannelFormat::Int16: put(out, static_cast<std::int16_t>(v), swap); break;
        case ChannelFormat::Int8: put(out, static_cast<std::int8_t>(v), swap); break;
        case ChannelFormat::Int64: put(out, static_cast<std::int64_t>(v), swap); break;
        case ChannelFormat::String: break;
    }
}

double get_value(std::string_view bytes, std::size_t at, ChannelFormat format, bool swap) {
    switch (format) {
        case ChannelFormat::Float32: return get<float>(bytes, at, swap);
        case ChannelFormat::Double64: return get<double>(bytes, at, swap);
        case ChannelFormat::Int32: return get<std::int32_t>(bytes, at, swap);
        case ChannelFormat::Int16: return get<std::int16_t>(bytes, at, swap);
        case ChannelFormat::Int8: return get<std::int8_t>(bytes, at, swap);
        case ChannelFormat::Int64: return static_cast<double>(get<std::int64_t>(bytes, at, swap));
        case ChannelFormat::String: break;
    }
    return 0.0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

void encode_sample(std::string& out, const Sample& sample, ChannelFormat format, int channels, bool swap) {
    const auto n = static_cast<std::size_t>(channels);
    if (format == ChannelFormat::String ? sample.strings.size() != n : sample.values.size() != n)
        throw std::invalid_argument("lsl: a sample needs " + std::to_string(channels) + " values");
    if (sample.timestamp) {
        out += static_cast<char>(kTagTransmittedTimestamp);
        put(out, *sample.timestamp, swap);
    } else {
        out += static_cast<char>(kTagDeducedTimestamp);
    }
    if (format != ChannelFormat::String) {
        for (double v : sample.values) put_value(out, v, format, swap);
        return;
    }
    for (const auto& s : sample.strings) {
        if (s.size() <= 0xFF) {
            out += static_cast<char>(1);
            out += static_cast<char>(s.size());
        } else {
            out += static_cast<char>(4);
            put(out, static_cast<std::uint32_t>(s.size()), swap);
        }
        out += s;
    }
}

std::optional<Sample> decode_sample(std::string_view bytes, std::size_t& consumed, ChannelFormat format,
                                    int channels, bool swap) {
    if (bytes.empty()) return std::nullopt;
    Sample s;
    std::size_t at = 1;
    const auto tag = static_cast<std::uint8_t>(bytes[0]);
    if (tag == kTagTransmittedTimestamp) {
        if (bytes.size() < 9) return std::nullopt;
        s.timestamp = get<double>(bytes, 1, swap);
        at = 9;
    } else if (tag != kTagDeducedTimestamp) {
        throw std::runtime_error("lsl: stream corrupted (sample tag " + std::to_string(tag) + ")");
    }
    if (format != ChannelFormat::String) {
        const std::size_t width = value_size(format);
        if (bytes.size() < at + width * static_cast<std::size_t>(channels)) return std::nullopt;
        for (int c = 0; c < channels; ++c, at += width) s.values.push_back(get_value(bytes, at, format, swap));
        consumed = at;
        return s;
    }
    for (int c = 0; c < channels; ++c) {
        if (bytes.size() < at + 1) return std::nullopt;
        const auto width = static_cast<std::uint8_t>(bytes[at++]);
        if (width != 1 && width != 2 && width != 4 && width != 8)
            throw std::runtime_error("lsl: stream corrupted (string length width " + std::to_string(width) + ")");
        if (bytes.size() < at + width) return std::nullopt;
        std::uint64_t len = 0;
        switch (width) {
            case 1: len = static_cast<std::uint8_t>(bytes[at]); break;
            case 2: len = get<std::uint16_t>(bytes, at, swap); break;
            case 4: len = get<std::uint32_t>(bytes, at, swap); break;
            case 8: len = get<std::uint64_t>(bytes, at, swap); break;
            default: break;
        }
        if (len > kMaxStringValue) throw std::runtime_error("lsl: stream corrupted (string of " + std::to_string(len) + " bytes)");
        at += width;
        if (bytes.size() < at + len) return std::nullopt;
        s.strings.emplace_back(bytes.substr(at, static_cast<std::size_t>(len)));
        at += static_cast<std::size_t>(len);
    }
    consumed = at;
    return s;
}

Sample test_pattern(ChannelFormat format, int channels, int offset) {
    Sample s;
    s.timestamp = kTestPatternTimestamp;
    for (int k = 0; k < channels; ++k) {
        const int sign = k % 2 == 0 ? 1 : -1;
        if (format == ChannelFormat::String) {
            s.strings.push_back(std::to_string((k + 10) * sign));
            continue;
        }
        // Each format starts from a value that needs all of its bytes.
        double base = 0.0;
        double modulo = 0.0;
        switch (format) {
            case ChannelFormat::Float32: break;
            case ChannelFormat::Double64: base = 16777217.0; break;
            case ChannelFormat::Int32: base = 65537.0, modulo = std::numeric_limits<std::int32_t>::max(); break;
            case ChannelFormat::Int16: base = 257.0, modulo = std::numeric_limits<std::int16_t>::max(); break;
            case ChannelFormat::Int8: base = 1.0, modulo = std::numeric_limits<std::int8_t>::max(); break;
            case ChannelFormat::Int64: base = 2147483649.0; break;
            case ChannelFormat::String: break;
        }
        double v = k + offset + base;
        if (modulo > 0.0) v = static_cast<double>(static_cast<std::int64_t>(v) % static_cast<std::int64_t>(modulo));
        s.values.push_back(sign * v);
    }
    return s;
}

std::map<std::string, std::string> parse_header_lines(std::string_view text) {
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        const std::size_t eol = text.find('\n');
        const auto line = trim(text.substr(0, eol));
        if (line.empty()) break;
        if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
            std::string key(trim(line.substr(0, colon)));
            std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
            auto value = trim(line.substr(colon + 1));
            value = trim(value.substr(0, value.find(';')));
            out[key] = std::string(value);
        }
        if (eol == std::string_view::npos) break;
        text.remove_prefix(eol + 1);
    }
    return out;
}

}  // namespace attune::bridge::lsl
