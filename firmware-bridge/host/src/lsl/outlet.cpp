#include "attune/bridge/lsl/outlet.hpp"

#include <atomic>
#include <bit>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <iostream>
#include <set>
#include <thread>

#include "udp_request.hpp"

namespace attune::bridge::lsl {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxRequestBytes = 16384;
constexpr std::size_t kMaxPendingHandOver = 65536;  // samples posted to the I/O thread, not yet queued
constexpr std::size_t kSamplesPerWrite = 256;
constexpr int kNativeByteOrder = std::endian::native == std::endian::little ? 1234 : 4321;

std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

using Bytes = std::shared_ptr<const std::string>;

}  // namespace

struct Outlet::Impl {
    asio::io_context io;
    StreamInfo info;
    OutletOptions options;
    std::string shortinfo, fullinfo;
    tcp::acceptor acceptor{io};
    struct UdpServer {
        explicit UdpServer(asio::io_context& io) : socket(io) {}
        udp::socket socket;
        std::array<char, 65536> buffer{};
        udp::endpoint from;
    };
    std::vector<std::unique_ptr<UdpServer>> udp_servers;
    class Feed;
    std::set<std::shared_ptr<Feed>> feeds;  // I/O thread only
    std::atomic<std::size_t> consumer_count{0};
    std::atomic<std::size_t> dropped{0};
    std::atomic<std::size_t> pending{0};
    std::thread thread;

    Impl(StreamInfo i, OutletOptions o) : info(std::move(i)), options(std::move(o)) {}
    void open();
    void receive(UdpServer& server);
    void answer(UdpServer& server, std::size_t length, double received_at);
    void accept();
};

// One TCP connection: first a request (shortinfo, fullinfo or streamfeed), then, for a feed,
// the samples. Lives as long as an asynchronous operation holds it.
class Outlet::Impl::Feed : public std::enable_shared_from_this<Feed> {
public:
    Feed(Impl& outlet, tcp::socket socket)
        : outlet_(outlet), socket_(std::move(socket)), request_(kMaxRequestBytes), deadline_(outlet.io) {}

    void start() {
        deadline_.expires_after(seconds(outlet_.options.request_timeout_s));
        deadline_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec && !self->feeding_) self->close();
        });
        read_line([this](const std::string& method) { on_method(method); });
    }

    void enqueue(const Bytes& bytes) {
        if (closed_) return;
        if (queue_.size() >= max_buffered_) {
            queue_.pop_front();
            ++outlet_.dropped;
        }
        queue_.push_back(bytes);
        if (!writing_) write_next();
    }

private:
    template <typename Then>
    void read_line(Then then) {
        asio::async_read_until(socket_, request_, "\r\n",
                               [self = shared_from_this(), then](error_code ec, std::size_t n) {
                                   if (ec) return self->close();
                                   then(self->take(n));
                               });
    }

    std::string take(std::size_t n) {
        std::string text(asio::buffers_begin(request_.data()), asio::buffers_begin(request_.data()) + static_cast<std::ptrdiff_t>(n));
        request_.consume(n);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        return text;
    }

    void on_method(const std::string& method) {
        if (method == "LSL:fullinfo") return reply_and_close(outlet_.fullinfo);
        if (method == "LSL:shortinfo")
            return read_line([this](const std::string& query) {
                if (matches_query(outlet_.info, query)) reply_and_close(outlet_.shortinfo);
                else close();
            });
        if (method.rfind("LSL:streamfeed/", 0) == 0) {
            const std::size_t space = method.find(' ');
            const std::string version = method.substr(15, space == std::string::npos ? std::string::npos : space - 15);
            const std::string uid = space == std::string::npos ? "" : method.substr(space + 1);
            if (request_.size() >= 2 && std::string_view(static_cast<const char*>(request_.data().data()), 2) == "\r\n") {
                request_.consume(2);  // no header lines at all
                return on_feed_request(version, uid, "");
            }
            asio::async_read_until(socket_, request_, "\r\n\r\n",
                                   [self = shared_from_this(), version, uid](error_code ec, std::size_t n) {
                                       if (ec) return self->close();
                                       self->on_feed_request(version, uid, self->take(n));
                                   });
            return;
        }
        close();  // anything else: not ours to answer
    }

    void on_feed_request(const std::string& version, const std::string& uid, const std::string& header_text) {
        const std::string status = "LSL/" + std::to_string(kProtocolVersion);
        if (version != "110") return reply_and_close(status + " 505 Version not supported\r\n\r\n");
        if (!uid.empty() && uid != outlet_.info.uid) return reply_and_close(status + " 404 Not found\r\n\r\n");
        const auto headers = parse_header_lines(header_text);
        if (auto it = headers.find("max-buffer-length"); it != headers.end()) {
            try {
                const long long n = std::stoll(it->second);
                if (n > 0) max_buffered_ = std::min(max_buffered_, static_cast<std::size_t>(n));
            } catch (const std::exception&) {  // a bad number keeps the outlet's own bound
            }
        }
        // The outlet writes in its own byte order and says so; an inlet of the other order swaps.
        std::string head = status + " 200 OK\r\nUID: " + outlet_.info.uid + "\r\nByte-Order: " +
                           std::to_string(kNativeByteOrder) + "\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: " +
                           std::to_string(kProtocolVersion) + "\r\n\r\n";
        for (int offset : {4, 2})
            encode_sample(head, test_pattern(outlet_.info.channel_format, outlet_.info.channel_count, offset),
                          outlet_.info.channel_format, outlet_.info.channel_count);
        feeding_ = true;
        deadline_.cancel();
        outlet_.feeds.insert(shared_from_this());
        ++outlet_.consumer_count;
        enqueue(std::make_shared<const std::string>(std::move(head)));
        watch_for_close();
    }

    // An inlet sends nothing after its request: a read that ends means the inlet has gone.
    void watch_for_close() {
        socket_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec) return self->close();
            self->watch_for_close();
        });
    }

    void reply_and_close(std::string text) {
        auto bytes = std::make_shared<const std::string>(std::move(text));
        asio::async_write(socket_, asio::buffer(*bytes), [self = shared_from_this(), bytes](error_code, std::size_t) {
            self->close();
        });
    }

    void write_next() {
        if (queue_.empty() || closed_) return;
        writing_ = true;
        in_flight_.clear();
        while (!queue_.empty() && in_flight_.size() < kSamplesPerWrite) {
            in_flight_.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        std::vector<asio::const_buffer> buffers;
        for (const auto& b : in_flight_) buffers.push_back(asio::buffer(*b));
        asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, std::size_t) {
            self->writing_ = false;
            if (ec) return self->close();
            self->write_next();
        });
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        error_code ignored;
        deadline_.cancel();
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
        if (feeding_ && outlet_.feeds.erase(shared_from_this())) --outlet_.consumer_count;
    }

    Impl& outlet_;
    tcp::socket socket_;
    asio::streambuf request_;
    asio::steady_timer deadline_;
    std::array<char, 256> sink_{};
    std::deque<Bytes> queue_;
    std::vector<Bytes> in_flight_;
    std::size_t max_buffered_ = outlet_.options.max_buffered;
    bool writing_ = false, feeding_ = false, closed_ = false;
};

void Outlet::Impl::open() {
    info.uid = new_uid();
    info.created_at = local_clock();
    try {
        info.hostname = asio::ip::host_name();
    } catch (const std::exception&) {
        info.hostname = "localhost";
    }
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind({tcp::v4(), 0});
    acceptor.listen();
    info.v4data_port = acceptor.local_endpoint().port();

    // The unicast service port: the first free one of the range (a resolver tries them all).
    auto service = std::make_unique<UdpServer>(io);
    service->socket.open(udp::v4());
    bool bound = false;
    for (unsigned p = options.net.discovery_port + 1u; !bound && p <= options.net.discovery_port + options.net.port_range; ++p) {
        error_code ec;
        service->socket.bind({udp::v4(), static_cast<std::uint16_t>(p)}, ec);
        bound = !ec;
    }
    if (!bound) service->socket.bind({udp::v4(), 0});  // reachable by multicast/broadcast only
    info.v4service_port = service->socket.local_endpoint().port();
    udp_servers.push_back(std::move(service));

    // The shared discovery port (several outlets listen there at once).
    try {
        auto discovery = std::make_unique<UdpServer>(io);
        discovery->socket.open(udp::v4());
        discovery->socket.set_option(udp::socket::reuse_address(true));
        discovery->socket.bind({udp::v4(), options.net.discovery_port});
        for (const auto& group : options.net.multicast_groups) {
            error_code ec;  // no multicast route (containers, no network): unicast still works
            discovery->socket.set_option(asio::ip::multicast::join_group(asio::ip::make_address_v4(group)), ec);
        }
        udp_servers.push_back(std::move(discovery));
    } catch (const std::exception& e) {
        std::cerr << "lsl: outlet '" << info.name << "' not listening on the discovery port "
                  << options.net.discovery_port << ": " << e.what() << "\n";
    }
    shortinfo = to_shortinfo_xml(info);
    fullinfo = to_fullinfo_xml(info);
    for (auto& s : udp_servers) receive(*s);
    accept();
}

void Outlet::Impl::receive(UdpServer& server) {
    server.socket.async_receive_from(asio::buffer(server.buffer), server.from, [this, &server](error_code ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || !server.socket.is_open()) return;
        if (!ec) answer(server, n, local_clock());
        receive(server);
    });
}

void Outlet::Impl::answer(UdpServer& server, std::size_t length, double received_at) {
    const auto request = parse_udp_request(std::string_view(server.buffer.data(), length));
    if (!request) return;  // garbage is ignored
    error_code ec;
    if (const auto* q = std::get_if<ShortinfoQuery>(&*request)) {
        if (!matches_query(info, q->query)) return;
        const std::string reply = q->query_id + "\r\n" + shortinfo;
        server.socket.send_to(asio::buffer(reply), udp::endpoint(server.from.address(), q->return_port), 0, ec);
    } else {
        const std::string reply = time_probe_answer(std::get<TimeProbe>(*request), received_at, local_clock());
        server.socket.send_to(asio::buffer(reply), server.from, 0, ec);
    }
}

void Outlet::Impl::accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) std::make_shared<Feed>(*this, std::move(socket))->start();
        accept();
    });
}

Outlet::Outlet(StreamInfo info, OutletOptions options) : impl_(std::make_shared<Impl>(std::move(info), std::move(options))) {
    if (impl_->info.channel_count < 1) throw std::invalid_argument("lsl: a stream needs at least one channel");
    try {
        impl_->open();
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("lsl: cannot serve stream '" + impl_->info.name + "': " + e.what());
    }
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

Outlet::~Outlet() {
    asio::post(impl_->io, [impl = impl_.get()] {
        error_code ignored;
        impl->acceptor.close(ignored);
        for (auto& s : impl->udp_servers) s->socket.close(ignored);
        impl->feeds.clear();
        impl->io.stop();
    });
    if (impl_->thread.joinable()) impl_->thread.join();
}

const StreamInfo& Outlet::info() const { return impl_->info; }

void Outlet::push(const Sample& sample) {
    std::string bytes;
    encode_sample(bytes, sample, impl_->info.channel_format, impl_->info.channel_count);
    if (impl_->consumer_count.load() == 0) return;  // nobody listens: no copy, no hand-over
    if (impl_->pending.load() >= kMaxPendingHandOver) {
        ++impl_->dropped;
        return;
    }
    ++impl_->pending;
    asio::post(impl_->io, [impl = impl_.get(), b = std::make_shared<const std::string>(std::move(bytes))] {
        --impl->pending;
        // Copy first: a feed that fails while writing removes itself from the set.
        const auto feeds = impl->feeds;
        for (const auto& f : feeds) f->enqueue(b);
    });
}

void Outlet::push_values(std::vector<double> values, double timestamp) {
    Sample s;
    s.timestamp = timestamp;
    s.values = std::move(values);
    push(s);
}

void Outlet::push_text(std::string text, double timestamp) {
    Sample s;
    s.timestamp = timestamp;
    s.strings.push_back(std::move(text));
    push(s);
}

std::size_t Outlet::consumers() const { return impl_->consumer_count.load(); }

bool Outlet::wait_for_consumers(double timeout_s) const {
    const auto end = std::chrono::steady_clock::now() + seconds(timeout_s);
    while (consumers() == 0) {
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::size_t Outlet::dropped() const { return impl_->dropped.load(); }

}  // namespace attune::bridge::lsl
