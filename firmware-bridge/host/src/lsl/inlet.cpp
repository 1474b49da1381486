#include "attune/bridge/lsl/inlet.hpp"

#include <array>
#include <optional>
#include <bit>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace attune::bridge::lsl {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kNativeByteOrder = std::endian::native == std::endian::little ? 1234 : 4321;
constexpr std::size_t kMaxHeaderBytes = 16384;
constexpr std::size_t kMaxInfoBytes = 4u << 20;

Clock::time_point deadline_in(double s) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, s)));
}

// Runs the io_context until `done` is set by a handler or the deadline passes; on time-out the
// pending operation is cancelled (cancel()) and its handler drained. True when done in time.
template <typename Cancel>
bool wait_for(asio::io_context& io, const bool& done, Clock::time_point deadline, Cancel cancel) {
    io.restart();
    while (!done)
        if (io.run_one_until(deadline) == 0) break;
    if (done) return true;
    cancel();
    io.restart();
    io.run();
    return false;
}

// One datagram into buffer before the deadline. The received size (0 on a failed receive, which
// the caller just skips), or nothing when the deadline passed.
template <std::size_t N>
std::optional<std::size_t> receive_before(asio::io_context& io, udp::socket& socket, std::array<char, N>& buffer,
                                          Clock::time_point deadline, udp::endpoint& from) {
    bool done = false;
    error_code result, ec;
    std::size_t n = 0;
    socket.async_receive_from(asio::buffer(buffer), from, [&](error_code e, std::size_t got) {
        result = e, n = got, done = true;
    });
    if (!wait_for(io, done, deadline, [&] { socket.cancel(ec); })) return std::nullopt;
    return result ? 0 : n;
}

std::string random_id() {
    std::random_device rd;
    return std::to_string((static_cast<unsigned long long>(rd()) << 20) ^ rd());
}

// Connects with a deadline; throws std::runtime_error on failure.
void connect_tcp(asio::io_context& io, tcp::socket& socket, const StreamInfo& stream, Clock::time_point deadline) {
    error_code ec;
    const auto address = asio::ip::make_address(stream.v4address.empty() ? "127.0.0.1" : stream.v4address, ec);
    if (ec || stream.v4data_port == 0) throw std::runtime_error("lsl: stream '" + stream.name + "' has no address");
    bool done = false;
    error_code result;
    socket.async_connect({address, stream.v4data_port}, [&](error_code e) { result = e, done = true; });
    if (!wait_for(io, done, deadline, [&] { socket.close(ec); }) || result)
        throw std::runtime_error("lsl: cannot connect to stream '" + stream.name + "'" +
                                 (result ? ": " + result.message() : std::string(" (timed out)")));
}

void write_all(asio::io_context& io, tcp::socket& socket, const std::string& text, Clock::time_point deadline) {
    bool done = false;
    error_code result;
    asio::async_write(socket, asio::buffer(text), [&](error_code e, std::size_t) { result = e, done = true; });
    error_code ignored;
    if (!wait_for(io, done, deadline, [&] { socket.close(ignored); }) || result)
        throw std::runtime_error("lsl: request not sent");
}

// Reads more bytes into `into` (at most `limit` in all); false on time-out, throws when closed.
bool read_more(asio::io_context& io, tcp::socket& socket, std::string& into, Clock::time_point deadline,
               std::size_t limit, bool eof_is_end = false) {
    std::array<char, 8192> chunk{};
    bool done = false;
    error_code result;
    std::size_t got = 0;
    socket.async_read_some(asio::buffer(chunk), [&](error_code e, std::size_t n) { result = e, got = n, done = true; });
    error_code ignored;
    if (!wait_for(io, done, deadline, [&] { socket.cancel(ignored); })) return false;
    into.append(chunk.data(), got);
    if (result == asio::error::eof && eof_is_end) return false;
    if (result) throw std::runtime_error("lsl: connection ended (" + result.message() + ")");
    if (into.size() > limit) throw std::runtime_error("lsl: answer too long");
    return true;
}

std::optional<StreamInfo> parse_resolve_answer(std::string_view datagram, const std::string& query_id,
                                               const udp::endpoint& from) {
    const std::size_t eol = datagram.find("\r\n");
    if (eol == std::string_view::npos || datagram.substr(0, eol) != query_id) return std::nullopt;
    auto info = parse_info_xml(datagram.substr(eol + 2));
    if (info) info->v4address = from.address().to_string();
    return info;
}

}  // namespace

std::vector<StreamInfo> resolve(const std::string& query, const ResolveOptions& options) {
    asio::io_context io;
    udp::socket socket(io);
    socket.open(udp::v4());
    socket.bind({udp::v4(), 0});
    error_code ec;
    socket.set_option(asio::socket_base::broadcast(true), ec);
    const std::string id = random_id();
    const std::string request =
        "LSL:shortinfo\r\n" + query + "\r\n" + std::to_string(socket.local_endpoint().port()) + " " + id + "\r\n";

    std::vector<udp::endpoint> targets;
    const auto& net = options.net;
    for (const auto& host : options.unicast_hosts) {
        const auto address = asio::ip::make_address_v4(host, ec);
        if (ec) continue;
        for (unsigned p = net.discovery_port; p <= net.discovery_port + net.port_range; ++p)
            targets.emplace_back(address, static_cast<std::uint16_t>(p));
    }
    if (options.multicast) {
        for (const auto& group : net.multicast_groups)
            if (const auto address = asio::ip::make_address_v4(group, ec); !ec) targets.emplace_back(address, net.discovery_port);
        targets.emplace_back(asio::ip::address_v4::broadcast(), net.discovery_port);
    }

    std::vector<StreamInfo> found;
    std::set<std::string> uids;
    const auto end = deadline_in(options.timeout_s);
    std::array<char, 65536> buffer{};
    while (Clock::now() < end) {
        for (const auto& t : targets) socket.send_to(asio::buffer(request), t, 0, ec);  // unreachable: ignored
        // Answers for a quarter second, then ask again (UDP may lose a query).
        const auto round_end = std::min(end, deadline_in(0.25));
        while (true) {
            udp::endpoint from;
            const auto n = receive_before(io, socket, buffer, round_end, from);
            if (!n) break;
            if (*n == 0) continue;
            auto info = parse_resolve_answer(std::string_view(buffer.data(), *n), id, from);
            if (info && uids.insert(info->uid).second) found.push_back(std::move(*info));
            if (options.enough > 0 && found.size() >= options.enough) return found;
        }
    }
    return found;
}

std::optional<StreamInfo> fetch_fullinfo(const StreamInfo& stream, double timeout_s) {
    asio::io_context io;
    tcp::socket socket(io);
    const auto deadline = deadline_in(timeout_s);
    try {
        connect_tcp(io, socket, stream, deadline);
        write_all(io, socket, "LSL:fullinfo\r\n", deadline);
        std::string text;
        while (read_more(io, socket, text, deadline, kMaxInfoBytes, true)) {
        }
        auto info = parse_info_xml(text);
        if (info) info->v4address = stream.v4address;
        return info;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<TimeCorrection> time_correction(const StreamInfo& stream, int probes, double timeout_s) {
    asio::io_context io;
    udp::socket socket(io);
    error_code ec;
    const auto address = asio::ip::make_address_v4(stream.v4address.empty() ? "127.0.0.1" : stream.v4address, ec);
    if (ec || stream.v4service_port == 0) return std::nullopt;
    socket.open(udp::v4());
    const udp::endpoint outlet(address, stream.v4service_port);
    std::optional<TimeCorrection> best;
    std::array<char, 512> buffer{};
    for (int i = 0; i < probes; ++i) {
        const double t0 = local_clock();
        char request[96];
        std::snprintf(request, sizeof request, "LSL:timedata\r\n%d %.17g\r\n", i, t0);
        socket.send_to(asio::buffer(std::string(request)), outlet, 0, ec);
        const auto deadline = deadline_in(timeout_s / probes);
        while (true) {
            udp::endpoint from;
            const auto n = receive_before(io, socket, buffer, deadline, from);
            if (!n) break;
            const double t3 = local_clock();
            if (*n == 0) continue;
            std::istringstream answer(std::string(buffer.data(), *n));
            int id = -1;
            double a0 = 0, t1 = 0, t2 = 0;
            if (!(answer >> id >> a0 >> t1 >> t2) || id != i) continue;  // late answer of an older probe
            const double rtt = (t3 - t0) - (t2 - t1);
            const double remote_minus_local = ((t1 - t0) + (t2 - t3)) / 2.0;
            if (!best || rtt < best->round_trip_s) best = TimeCorrection{-remote_minus_local, rtt};
            break;
        }
    }
    return best;
}

struct Inlet::Impl {
    asio::io_context io;
    tcp::socket socket{io};
    StreamInfo info;
    std::string buffer;
    bool swap = false;
    double last_timestamp = 0.0;

    std::optional<Sample> decode() {
        std::size_t used = 0;
        auto s = decode_sample(buffer, used, info.channel_format, info.channel_count, swap);
        if (!s) return std::nullopt;
        buffer.erase(0, used);
        if (!s->timestamp)
            s->timestamp = last_timestamp + (info.nominal_srate > 0.0 ? 1.0 / info.nominal_srate : 0.0);
        last_timestamp = *s->timestamp;
        return s;
    }
};

Inlet::Inlet(const StreamInfo& stream, double timeout_s) : impl_(std::make_unique<Impl>()) {
    auto& m = *impl_;
    m.info = stream;
    const auto deadline = deadline_in(timeout_s);
    connect_tcp(m.io, m.socket, stream, deadline);
    std::string host = "localhost";
    try {
        host = asio::ip::host_name();
    } catch (const std::exception&) {
    }
    const int buffer_samples = stream.nominal_srate > 0.0 ? static_cast<int>(360.0 * stream.nominal_srate) : 360 * 100;
    std::ostringstream request;
    request << "LSL:streamfeed/110 " << stream.uid << "\r\n"
            << "Native-Byte-Order: " << kNativeByteOrder << "\r\n"
            << "Endian-Performance: 0\r\n"
            << "Has-IEEE754-Floats: 1\r\n"
            << "Supports-Subnormals: 1\r\n"
            << "Value-Size: " << value_size(stream.channel_format) << "\r\n"
            << "Data-Protocol-Version: 110\r\n"
            << "Max-Buffer-Length: " << buffer_samples << "\r\n"
            << "Max-Chunk-Length: 0\r\n"
            << "Hostname: " << host << "\r\n"
            << "Source-Id: attune-inlet\r\n"
            << "Session-Id: " << stream.session_id << "\r\n\r\n";
    write_all(m.io, m.socket, request.str(), deadline);

    std::size_t end = std::string::npos;
    while ((end = m.buffer.find("\r\n\r\n")) == std::string::npos)
        if (!read_more(m.io, m.socket, m.buffer, deadline, kMaxHeaderBytes))
            throw std::runtime_error("lsl: stream '" + stream.name + "' did not answer the feed request");
    const std::string head = m.buffer.substr(0, end + 2);
    m.buffer.erase(0, end + 4);
    const std::string status = head.substr(0, head.find("\r\n"));
    if (status.find(" 200 ") == std::string::npos)
        throw std::runtime_error("lsl: stream '" + stream.name + "' refused the feed: " + status);
    const auto headers = parse_header_lines(head.substr(head.find("\r\n") + 2));
    if (auto it = headers.find("data-protocol-version"); it == headers.end() || it->second != "110")
        throw std::runtime_error("lsl: stream '" + stream.name + "' offers an unsupported data protocol");
    if (auto it = headers.find("byte-order"); it != headers.end()) {
        if (it->second != "1234" && it->second != "4321")
            throw std::runtime_error("lsl: stream '" + stream.name + "' uses byte order " + it->second);
        m.swap = it->second != std::to_string(kNativeByteOrder);
    }
    for (int offset : {4, 2}) {
        std::optional<Sample> s;
        while (!(s = m.decode()))
            if (!read_more(m.io, m.socket, m.buffer, deadline, kMaxHeaderBytes + kMaxStringValue))
                throw std::runtime_error("lsl: stream '" + stream.name + "' sent no test pattern");
        if (!(*s == test_pattern(stream.channel_format, stream.channel_count, offset)))
            throw std::runtime_error("lsl: stream '" + stream.name + "' sent a wrong test pattern");
    }
    m.last_timestamp = 0.0;
}

Inlet::~Inlet() = default;

const StreamInfo& Inlet::info() const { return impl_->info; }

std::optional<Sample> Inlet::pull(double timeout_s) {
    auto& m = *impl_;
    const auto deadline = deadline_in(timeout_s);
    while (true) {
        if (auto s = m.decode()) return s;
        if (!read_more(m.io, m.socket, m.buffer, deadline, std::string::npos)) return std::nullopt;
    }
}

}  // namespace attune::bridge::lsl
