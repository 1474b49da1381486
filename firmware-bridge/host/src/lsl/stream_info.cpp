#include "attune/bridge/lsl/stream_info.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <random>

#include "attune/bridge/serial_link.hpp"

namespace attune::bridge::lsl {
namespace {

constexpr std::array<std::string_view, 7> kFormatNames{"float32", "double64", "string", "int32",
                                                       "int16",   "int8",     "int64"};

std::string escape_xml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string unescape_xml(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities{
        {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        if (text[i] == '&')
            for (const auto& [entity, c] : kEntities)
                if (text.substr(i, entity.size()) == entity) {
                    out += c;
                    i += entity.size();
                    replaced = true;
                    break;
                }
        if (!replaced) out += text[i++];
    }
    return out;
}

std::string number_text(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string element(std::string_view tag, std::string_view value, std::string_view indent) {
    std::string out(indent);
    if (value.empty()) return out.append("<").append(tag).append(" />\n");
    return out.append("<").append(tag).append(">").append(escape_xml(value)).append("</").append(tag).append(">\n");
}

// The text of the first <tag>...</tag> in `xml` (empty for <tag/> or <tag />); nullopt if absent.
std::optional<std::string> element_text(std::string_view xml, std::string_view tag) {
    std::string open = "<", close = "</";  // built by appending (GCC 12 warns on "<" + string)
    open.append(tag);
    close.append(tag).append(">");
    for (std::size_t at = xml.find(open); at != std::string_view::npos; at = xml.find(open, at + 1)) {
        const std::size_t after = at + open.size();
        if (after >= xml.size()) return std::nullopt;
        const char next = xml[after];
        if (next != '>' && next != '/' && next != ' ') continue;  // <name_x> is another tag
        const std::size_t close_angle = xml.find('>', after);
        if (close_angle == std::string_view::npos) return std::nullopt;
        if (xml[close_angle - 1] == '/') return std::string();
        const std::size_t end = xml.find(close, close_angle + 1);
        if (end == std::string_view::npos) return std::nullopt;
        return unescape_xml(xml.substr(close_angle + 1, end - close_angle - 1));
    }
    return std::nullopt;
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t')) text.remove_prefix(1);
    T value{};
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr == text.data()) return std::nullopt;
    return value;
}

std::vector<ChannelDesc> parse_channels(std::string_view desc) {
    std::vector<ChannelDesc> out;
    const std::string_view open = "<channel>", close = "</channel>";
    for (std::size_t at = desc.find(open); at != std::string_view::npos; at = desc.find(open, at + 1)) {
        const std::size_t end = desc.find(close, at);
        if (end == std::string_view::npos) break;
        const auto body = desc.substr(at + open.size(), end - at - open.size());
        out.push_back({element_text(body, "label").value_or(""), element_text(body, "unit").value_or(""),
                       element_text(body, "type").value_or("")});
    }
    return out;
}

std::string header_xml(const StreamInfo& info) {
    const std::string_view t = "\t";
    std::string x = "<?xml version=\"1.0\"?>\n<info>\n";
    x += element("name", info.name, t);
    x += element("type", info.type, t);
    x += element("channel_count", std::to_string(info.channel_count), t);
    x += element("channel_format", to_string(info.channel_format), t);
    x += element("source_id", info.source_id, t);
    x += element("nominal_srate", number_text(info.nominal_srate), t);
    x += element("version", number_text(kProtocolVersion / 100.0), t);
    x += element("created_at", number_text(info.created_at), t);
    x += element("uid", info.uid, t);
    x += element("session_id", info.session_id, t);
    x += element("hostname", info.hostname, t);
    x += element("v4address", info.v4address, t);
    x += element("v4data_port", std::to_string(info.v4data_port), t);
    x += element("v4service_port", std::to_string(info.v4service_port), t);
    x += element("v6address", "", t);
    x += element("v6data_port", "0", t);
    x += element("v6service_port", "0", t);
    return x;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '(')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == ')' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::optional<std::string> field_value(const StreamInfo& info, std::string_view field) {
    if (field == "name") return info.name;
    if (field == "type") return info.type;
    if (field == "source_id") return info.source_id;
    if (field == "uid") return info.uid;
    if (field == "session_id") return info.session_id;
    if (field == "hostname") return info.hostname;
    if (field == "channel_format") return std::string(to_string(info.channel_format));
    if (field == "channel_count") return std::to_string(info.channel_count);
    if (field == "nominal_srate") return number_text(info.nominal_srate);
    return std::nullopt;
}

bool clause_matches(const StreamInfo& info, std::string_view clause) {
    clause = trim(clause);
    const std::size_t eq = clause.find('=');
    if (eq == std::string_view::npos) return false;
    const auto field = trim(clause.substr(0, eq));
    auto value = trim(clause.substr(eq + 1));
    if (value.size() < 2 || (value.front() != '\'' && value.front() != '"') || value.back() != value.front())
        return false;
    value = value.substr(1, value.size() - 2);
    const auto actual = field_value(info, field);
    if (!actual) return false;
    if (field == "channel_count" || field == "nominal_srate") {
        const auto a = parse_number<double>(*actual), b = parse_number<double>(value);
        return a && b && *a == *b;
    }
    return *actual == value;
}

}  // namespace

double local_clock() { return steady_seconds(); }

std::string_view to_string(ChannelFormat format) { return kFormatNames[static_cast<std::size_t>(format)]; }

std::optional<ChannelFormat> channel_format_from(std::string_view name) {
    for (std::size_t i = 0; i < kFormatNames.size(); ++i)
        if (kFormatNames[i] == name) return static_cast<ChannelFormat>(i);
    return std::nullopt;
}

std::size_t value_size(ChannelFormat format) {
    switch (format) {
        case ChannelFormat::Float32: return 4;
        case ChannelFormat::Double64: return 8;
        case ChannelFormat::String: return 0;
        case ChannelFormat::Int32: return 4;
        case ChannelFormat::Int16: return 2;
        case ChannelFormat::Int8: return 1;
        case ChannelFormat::Int64: return 8;
    }
    return 0;
}

std::string new_uid() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    std::array<std::uint8_t, 16> b{};
    for (auto& byte : b) byte = static_cast<std::uint8_t>(gen());
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    char out[37];
    std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return out;
}

std::string to_shortinfo_xml(const StreamInfo& info) { return header_xml(info) + "\t<desc />\n</info>\n"; }

std::string to_fullinfo_xml(const StreamInfo& info) {
    std::string x = header_xml(info);
    if (info.channels.empty() && info.manufacturer.empty()) return x + "\t<desc />\n</info>\n";
    x += "\t<desc>\n";
    if (!info.channels.empty()) {
        x += "\t\t<channels>\n";
        for (const auto& c : info.channels) {
            x += "\t\t\t<channel>\n";
            x += element("label", c.label, "\t\t\t\t");
            x += element("unit", c.unit, "\t\t\t\t");
            x += element("type", c.type, "\t\t\t\t");
            x += "\t\t\t</channel>\n";
        }
        x += "\t\t</channels>\n";
    }
    if (!info.manufacturer.empty()) x += element("manufacturer", info.manufacturer, "\t\t");
    return x + "\t</desc>\n</info>\n";
}

std::optional<StreamInfo> parse_info_xml(std::string_view xml) {
    const std::size_t start = xml.find("<info>");
    if (start == std::string_view::npos) return std::nullopt;
    xml = xml.substr(start);
    const std::size_t desc_at = xml.find("<desc");
    const auto head = xml.substr(0, desc_at);  // top-level fields only (channels have <type> too)
    StreamInfo info;
    auto text = [&](std::string_view tag) { return element_text(head, tag).value_or(""); };
    info.name = text("name");
    if (info.name.empty()) return std::nullopt;
    info.type = text("type");
    const auto count = parse_number<int>(text("channel_count"));
    if (!count || *count < 1 || *count > 100000) return std::nullopt;
    info.channel_count = *count;
    const auto format = channel_format_from(text("channel_format"));
    if (!format) return std::nullopt;
    info.channel_format = *format;
    const auto rate = parse_number<double>(text("nominal_srate"));
    if (!rate || !std::isfinite(*rate) || *rate < 0.0) return std::nullopt;
    info.nominal_srate = *rate;
    info.source_id = text("source_id");
    info.created_at = parse_number<double>(text("created_at")).value_or(0.0);
    info.uid = text("uid");
    info.session_id = text("session_id");
    info.hostname = text("hostname");
    info.v4address = text("v4address");
    info.v4data_port = parse_number<std::uint16_t>(text("v4data_port")).value_or(0);
    info.v4service_port = parse_number<std::uint16_t>(text("v4service_port")).value_or(0);
    if (desc_at != std::string_view::npos) {
        const auto desc = xml.substr(desc_at);
        info.channels = parse_channels(desc);
        info.manufacturer = element_text(desc, "manufacturer").value_or("");
    }
    return info;
}

bool matches_query(const StreamInfo& info, std::string_view query) {
    query = trim(query);
    if (query.empty()) return true;
    while (!query.empty()) {
        const std::size_t at = query.find(" and ");
        if (!clause_matches(info, query.substr(0, at))) return false;
        if (at == std::string_view::npos) break;
        query.remove_prefix(at + 5);
    }
    return true;
}

}  // namespace attune::bridge::lsl
