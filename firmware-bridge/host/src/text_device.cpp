#include "attune/bridge/text_device.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "attune/bridge/clock_aligner.hpp"

namespace attune::bridge {

namespace {

constexpr std::size_t kMaxLine = 256;

signal::ChannelSpec column_spec(const std::string& name, double rate) {
    if (name == "ecg") return {"ECG", signal::ChannelKind::Ecg, rate, "mV"};
    if (name == "resp") return {"Resp", signal::ChannelKind::Respiration, rate, "au"};
    if (name == "ppg") return {"PPG", signal::ChannelKind::Ppg, rate, "au"};
    if (name == "hr") return {"HR", signal::ChannelKind::HeartRate, rate, "bpm"};
    return {name, signal::ChannelKind::Other, rate, "au"};
}

bool is_separator(char c) { return c == ',' || c == ';' || c == '\t' || c == ' '; }

double parse_positive(const std::string& key, const std::string& v) {
    double x = 0.0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size() || !(x > 0.0))
        throw std::invalid_argument("text device: '" + key + "' must be a positive number, got '" + v + "'");
    return x;
}

}  // namespace

TextSpec parse_text_spec(const std::string& spec) {
    TextSpec out;
    const auto q = spec.find('?');
    out.port = spec.substr(0, q);
    if (out.port.empty()) throw std::invalid_argument("text device: missing port (text:/dev/ttyACM0?rate=250&columns=ecg,resp)");
    if (q == std::string::npos) return out;
    std::string rest = spec.substr(q + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
        const auto amp = rest.find('&', pos);
        const std::string kv = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        pos = amp == std::string::npos ? rest.size() + 1 : amp + 1;
        if (kv.empty()) continue;
        const auto eq = kv.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("text device: expected key=value, got '" + kv + "'");
        const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (key == "rate") {
            out.config.rate_hz = parse_positive(key, value);
            if (out.config.rate_hz > 10000.0) throw std::invalid_argument("text device: rate above 10 kHz");
        } else if (key == "baud") {
            out.config.link.baud = static_cast<unsigned>(parse_positive(key, value));
        } else if (key == "columns") {
            out.config.columns.clear();
            std::size_t c = 0;
            while (c <= value.size()) {
                const auto comma = value.find(',', c);
                const std::string name = value.substr(c, comma == std::string::npos ? std::string::npos : comma - c);
                if (name.empty()) throw std::invalid_argument("text device: empty column name in '" + value + "'");
                out.config.columns.push_back({name});
                c = comma == std::string::npos ? value.size() + 1 : comma + 1;
            }
        } else {
            throw std::invalid_argument("text device: unknown option '" + key + "' (rate, columns, baud)");
        }
    }
    if (std::none_of(out.config.columns.begin(), out.config.columns.end(), [](const TextColumn& c) { return c.name != "-"; }))
        throw std::invalid_argument("text device: no columns to read");
    return out;
}

struct TextDevice::Impl {
    Impl(boost::asio::io_context& io, std::string port, TextDeviceConfig c) : config(std::move(c)), link(io, port, config.link) {
        info.kind = "serial-text";
        info.name = "Text device on " + port;
        info.address = std::move(port);
        for (std::size_t i = 0; i < config.columns.size(); ++i) {
            if (config.columns[i].name == "-") continue;
            column_to_channel.push_back(info.channels.size());
            info.channels.push_back(column_spec(config.columns[i].name, config.rate_hz));
        }
        chunks.resize(info.channels.size());
        for (std::size_t c = 0; c < chunks.size(); ++c) {
            chunks[c].channel = c;
            chunks[c].rate_hz = config.rate_hz;
        }
        fields.resize(config.columns.size());
        lines_per_chunk = std::max<std::size_t>(1, static_cast<std::size_t>(config.rate_hz * config.chunk_s + 0.5));
    }

    TextDeviceConfig config;
    SerialLink link;
    DeviceInfo info;
    ClockAligner aligner;
    std::vector<std::size_t> column_to_channel;  // non-skipped columns, in order
    std::vector<signal::SampleChunk> chunks;
    std::vector<double> fields;
    std::string line;
    bool line_too_long = false;
    std::uint64_t next_sample = 0;   // slot of the next line since (re)open
    std::uint64_t chunk_first = 0;   // slot of the pending chunks' first value
    std::size_t pending = 0;         // values per channel waiting in chunks
    std::size_t lines_per_chunk = 1;
    bool gap_pending = false;
    ChunkSink on_chunk;
    LinkSink on_link;
    TextDeviceStats st;

    void on_opened(bool reopened) {
        line.clear();
        line_too_long = false;
        flush();
        if (reopened) {
            aligner.reset();
            next_sample = 0;
            gap_pending = true;
        }
    }

    void on_bytes(std::span<const std::uint8_t> bytes, double host_s) {
        for (std::uint8_t b : bytes) {
            if (b == '\n') {
                if (line_too_long) {
                    ++st.long_lines;
                    mark_bad_slot();
                } else {
                    handle_line();
                }
                line.clear();
                line_too_long = false;
            } else if (line.size() < kMaxLine) {
                line.push_back(static_cast<char>(b));
            } else {
                line_too_long = true;
            }
        }
        if (next_sample > 0) aligner.observe(static_cast<double>(next_sample - 1) / config.rate_hz, host_s);
        // Times of pending values depend on the aligner: deliver whole chunks only.
        if (pending >= lines_per_chunk) flush();
    }

    bool parse_fields() {
        std::size_t n = 0, i = 0;
        const char* s = line.data();
        const std::size_t len = line.size();
        while (i < len) {
            while (i < len && is_separator(s[i])) ++i;
            if (i >= len) break;
            if (n >= fields.size()) return false;
            double v = 0.0;
            const auto [p, ec] = std::from_chars(s + i, s + len, v);
            if (ec != std::errc() || (p < s + len && !is_separator(*p)) || !std::isfinite(v)) return false;
            fields[n++] = v;
            i = static_cast<std::size_t>(p - s);
        }
        return n == fields.size();
    }

    void handle_line() {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty()) return;
        ++st.lines;
        if (!parse_fields()) {
            ++st.bad_lines;
            mark_bad_slot();
            return;
        }
        if (pending == 0) chunk_first = next_sample;
        std::size_t ch = 0;
        for (std::size_t c = 0; c < config.columns.size(); ++c) {
            if (config.columns[c].name == "-") continue;
            chunks[column_to_channel[ch]].values.push_back(
                static_cast<float>(fields[c] * config.columns[c].scale + config.columns[c].offset));
            ++ch;
        }
        ++pending;
        ++next_sample;
        ++st.samples;
    }

    // A line we could not use still took its sample slot: close the chunk, mark the gap.
    void mark_bad_slot() {
        if (st.samples == 0) return;  // header/banner lines before the data: no slot yet
        flush();
        ++next_sample;
        gap_pending = true;
    }

    void flush() {
        if (pending == 0) return;
        const double t0 = aligner.to_host(static_cast<double>(chunk_first) / config.rate_hz);
        const bool gap = gap_pending && st.samples > pending;
        if (gap) ++st.gaps;
        for (auto& c : chunks) {
            c.t0_s = t0;
            c.gap_before = gap;
            if (on_chunk) on_chunk(c);
            c.values.clear();
        }
        gap_pending = false;
        pending = 0;
    }
};

TextDevice::TextDevice(boost::asio::io_context& io, std::string port, TextDeviceConfig config)
    : impl_(std::make_unique<Impl>(io, std::move(port), std::move(config))) {}

TextDevice::~TextDevice() {
    // No callbacks from a destructor: the owner's sinks may already be gone.
    impl_->on_chunk = nullptr;
    impl_->on_link = nullptr;
    impl_->link.stop();
}

const DeviceInfo& TextDevice::info() const { return impl_->info; }

void TextDevice::start(ChunkSink on_chunk, LinkSink on_link) {
    Impl& d = *impl_;
    d.on_chunk = std::move(on_chunk);
    d.on_link = std::move(on_link);
    SerialLinkCallbacks cb;
    cb.on_bytes = [&d](std::span<const std::uint8_t> b, double t) { d.on_bytes(b, t); };
    cb.on_state = [&d](LinkState s, const std::string& detail) {
        // Lines stopped coming: deliver the partial chunk now rather than hold it back.
        if (s == LinkState::Stalled || s == LinkState::Disconnected) d.flush();
        if (d.on_link) d.on_link(s, detail);
    };
    cb.on_opened = [&d](bool reopened) { d.on_opened(reopened); };
    d.link.start(std::move(cb));
}

void TextDevice::stop() {
    impl_->flush();  // whatever was read is delivered
    impl_->link.stop();
}

TextDeviceStats TextDevice::stats() const { return impl_->st; }

}  // namespace attune::bridge
