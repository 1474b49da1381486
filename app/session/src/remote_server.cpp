// The remote server: one io_context on its own thread; an accept loop, one coroutine per
// connection, and a ticker that sends the latest snapshot to every admitted watcher and drops
// connections that are stuck (not reading, never saying hello).
#include "attune/session/remote_server.hpp"

#include "attune/session/remote_link.hpp"  // first: it includes <utility> before Asio

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "attune/session/remote_codec.hpp"

namespace attune::session {

using namespace remote;
using WallClock = std::chrono::steady_clock;

namespace {

constexpr auto kHelloDeadline = std::chrono::seconds(10);  // connect .. admitted
constexpr auto kWriteStall = std::chrono::seconds(5);      // one frame on its way this long: stuck
constexpr int kMaxConnections = 16;                        // admitted or not
constexpr int kMaxStrikes = 10;                            // bad frames before a watcher is dropped
constexpr int kMaxRequestsPerSecond = 20;
constexpr int kFreeWrongCodes = 3;

// Wrong access codes per remote address: after a few, that address waits, longer each time.
class Gatekeeper {
public:
    // Seconds this address must still wait (0 = may try).
    int wait_s(const std::string& who) const {
        const auto it = failures_.find(who);
        if (it == failures_.end() || WallClock::now() >= it->second.locked_until) return 0;
        return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(it->second.locked_until - WallClock::now()).count()) + 1;
    }
    void failed(const std::string& who) {
        if (failures_.size() > 1000) failures_.clear();  // bounded; an address flood only resets counts
        auto& f = failures_[who];
        ++f.count;
        if (f.count >= kFreeWrongCodes)
            f.locked_until = WallClock::now() + std::chrono::seconds(std::min(300, 5 << std::min(f.count - kFreeWrongCodes, 6)));
    }

private:
    struct Failures {
        int count = 0;
        WallClock::time_point locked_until{};
    };
    std::map<std::string, Failures> failures_;
};

bool same_code(const std::string& given, const std::string& code) {
    if (given.size() != code.size()) return false;
    unsigned diff = 0;  // no early exit: the time taken says nothing about the digits
    for (std::size_t i = 0; i < code.size(); ++i) diff |= static_cast<unsigned>(given[i] ^ code[i]);
    return diff == 0;
}

}  // namespace

std::string make_access_code() {
    std::random_device rd;
    std::uniform_int_distribution<int> digit(0, 9);
    std::string code;
    for (int i = 0; i < 6; ++i) code += static_cast<char>('0' + digit(rd));
    return code;
}

// What the server knows of any connection, whatever its stream.
class Connection {
public:
    virtual ~Connection() = default;
    virtual void send(Message message, bool replaceable) = 0;
    virtual void say_bye(const std::string& reason) = 0;
    virtual void close() = 0;
    virtual bool stuck() const = 0;
    bool admitted = false;
    WallClock::time_point since = WallClock::now();
    std::string peer;
};

struct RemoteServer::Impl {
    net::io_context io;  // first: destroyed last, after everything that uses it
    Engine& engine;
    ServeOptions options;
    std::optional<net::ssl::context> tls;
    tcp::acceptor acceptor{io};
    net::steady_timer ticker{io};
    std::set<std::shared_ptr<Connection>> connections;
    Gatekeeper gate;
    bool sharing = true;
    unsigned short port = 0;  // as bound (the acceptor closes when sharing stops)
    std::thread thread;

    Impl(Engine& e, ServeOptions o) : engine(e), options(std::move(o)) {}

    int admitted_count() const {
        int n = 0;
        for (const auto& c : connections) n += c->admitted ? 1 : 0;
        return n;
    }
    void publish_watch_view() {
        WatchView view;
        view.sharing = sharing;
        view.watchers = admitted_count();
        view.access_code = options.access_code;
        view.address = options.address + ":" + std::to_string(port);
        engine.set_watch_view(view);
    }

    // Decides on a hello: nullopt = admitted, otherwise why not.
    std::optional<std::string> admit(const Connection& c, const std::string& code) {
        if (!sharing) return "the couple stopped sharing this session";
        if (const int wait = gate.wait_s(c.peer); wait > 0)
            return "too many wrong access codes; try again in " + std::to_string(wait) + " s";
        if (!same_code(code, options.access_code)) {
            gate.failed(c.peer);
            return "wrong access code";
        }
        if (admitted_count() >= options.max_watchers) return "already " + std::to_string(options.max_watchers) + " watchers";
        return std::nullopt;
    }

    void on_request(const WatcherRequest& r) {
        if (r.kind == WatcherRequest::Kind::Marker) engine.post_marker("remote: " + r.text);
        if (r.kind == WatcherRequest::Kind::Control) engine.post_control(r.control);
    }

    void joined(const Connection& c) {
        std::cout << "remote: a watcher joined from " << c.peer << " (" << admitted_count() << " watching)" << std::endl;
        publish_watch_view();
    }
    void left(const std::shared_ptr<Connection>& c) {
        const bool was_admitted = c->admitted && connections.count(c) > 0;
        connections.erase(c);
        if (was_admitted) {
            std::cout << "remote: a watcher left (" << admitted_count() << " watching)" << std::endl;
            publish_watch_view();
        }
    }

    void stop_sharing() {
        if (!sharing) return;
        sharing = false;
        beast::error_code ec;
        acceptor.close(ec);
        const auto all = connections;
        for (const auto& c : all) c->say_bye("the couple stopped sharing this session");
        std::cout << "remote: sharing stopped by the couple; watchers closed" << std::endl;
        publish_watch_view();
    }

    net::awaitable<void> accept_loop();
    net::awaitable<void> tick_loop();
    template <class Ws, class... Args>
    void start_connection(std::string peer, Args&&... args);
};

namespace {

template <class Ws>
class WsConnection final : public Connection, public std::enable_shared_from_this<WsConnection<Ws>> {
public:
    template <class... Args>
    WsConnection(RemoteServer::Impl& server, Args&&... args) : ws_(std::forward<Args>(args)...), server_(server) {}

    net::awaitable<void> run() {
        auto self = this->shared_from_this();
        try {
            co_await handshake();
            co_await read_loop();
        } catch (const std::exception&) {
            // Network errors, timeouts, a closed socket: the watcher is gone (it may reconnect).
        }
        close();
        server_.left(self);
    }

    void send(Message message, bool replaceable) override {
        if (closing_) return;
        switch (outbox_.push(std::move(message), replaceable)) {
        case Outbox::Push::Queued: break;
        case Outbox::Push::Full: close(); break;
        case Outbox::Push::StartWriter: start_writer(); break;
        }
    }
    void say_bye(const std::string& reason) override {
        send(make_message(encode_status(ServerMessage::Kind::Bye, reason)), false);
        bye_ = true;
        if (outbox_.idle()) close();
    }
    void close() override {
        closing_ = true;
        close_now(ws_);
    }
    bool stuck() const override {
        return outbox_.stalled(kWriteStall) || (!admitted && WallClock::now() - since > kHelloDeadline);
    }

private:
    net::awaitable<void> handshake() {
        beast::get_lowest_layer(ws_).expires_after(kHelloDeadline);
        if constexpr (std::is_same_v<Ws, TlsWs>)
            co_await ws_.next_layer().async_handshake(net::ssl::stream_base::server, net::use_awaitable);
        beast::get_lowest_layer(ws_).expires_never();  // from here on the WebSocket's own timeouts
        ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), std::chrono::seconds(20), true});
        ws_.read_message_max(kMaxRequestBytes);
        co_await ws_.async_accept(net::use_awaitable);
    }

    net::awaitable<void> read_loop() {
        beast::flat_buffer buffer;
        auto window_start = WallClock::now();
        int in_window = 0, strikes = 0;
        for (;;) {
            buffer.clear();
            co_await ws_.async_read(buffer, net::use_awaitable);
            if (WallClock::now() - window_start > std::chrono::seconds(1)) {
                window_start = WallClock::now();
                in_window = 0;
            }
            if (++in_window > kMaxRequestsPerSecond || bye_) co_return;  // flooding, or refused already
            const auto request = ws_.got_text() ? decode_request(beast::buffers_to_string(buffer.data())) : std::nullopt;
            if (!admitted) {
                if (!request || request->kind != WatcherRequest::Kind::Hello) co_return;  // hello first, or nothing
                if (const auto refusal = server_.admit(*this, request->text)) {
                    std::cout << "remote: refused a watcher from " << peer << ": " << *refusal << std::endl;
                    send(make_message(encode_status(ServerMessage::Kind::Refused, *refusal)), false);
                    bye_ = true;
                    continue;  // the writer closes after the refusal; reading sees the close
                }
                admitted = true;
                send(make_message(encode_status(ServerMessage::Kind::Welcome)), false);
                server_.joined(*this);
                continue;
            }
            if (!request || request->kind == WatcherRequest::Kind::Hello) {
                if (++strikes >= kMaxStrikes) co_return;
                continue;
            }
            server_.on_request(*request);
        }
    }

    void start_writer() {
        auto self = this->shared_from_this();
        net::co_spawn(
            ws_.get_executor(),
            [self]() -> net::awaitable<void> {
                try {
                    co_await self->outbox_.write_all(self->ws_);
                    if (self->bye_) co_await self->ws_.async_close(websocket::close_code::normal, net::use_awaitable);
                } catch (const std::exception&) {
                    self->close();
                }
            },
            net::detached);
    }

    Ws ws_;
    RemoteServer::Impl& server_;
    Outbox outbox_;
    bool bye_ = false;      // close once the outbox is empty (refused, sharing stopped)
    bool closing_ = false;
};

}  // namespace

template <class Ws, class... Args>
void RemoteServer::Impl::start_connection(std::string peer, Args&&... args) {
    auto c = std::make_shared<WsConnection<Ws>>(*this, std::forward<Args>(args)...);
    c->peer = std::move(peer);
    connections.insert(c);
    net::co_spawn(io, [c]() -> net::awaitable<void> { co_await c->run(); }, net::detached);
}

net::awaitable<void> RemoteServer::Impl::accept_loop() {
    while (acceptor.is_open()) {
        tcp::socket socket(io);
        beast::error_code ec;
        co_await acceptor.async_accept(socket, net::redirect_error(net::use_awaitable, ec));
        if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {  // e.g. out of file descriptors: breathe, then carry on
            net::steady_timer pause(io, std::chrono::milliseconds(200));
            co_await pause.async_wait(net::use_awaitable);
            continue;
        }
        if (!sharing || static_cast<int>(connections.size()) >= kMaxConnections) continue;  // socket closes
        const auto remote = socket.remote_endpoint(ec);
        const std::string peer = ec ? "?" : remote.address().to_string();
        if (tls) start_connection<TlsWs>(peer, std::move(socket), *tls);
        else start_connection<PlainWs>(peer, std::move(socket));
    }
}

net::awaitable<void> RemoteServer::Impl::tick_loop() {
    const auto period = std::chrono::duration_cast<WallClock::duration>(std::chrono::duration<double>(1.0 / std::max(0.5, options.rate_hz)));
    double last_sent_t = -1.0;
    for (;;) {
        ticker.expires_after(period);
        co_await ticker.async_wait(net::use_awaitable);
        const auto all = connections;
        for (const auto& c : all)
            if (c->stuck()) c->close();  // its coroutine ends and forgets it
        if (admitted_count() == 0) continue;
        const auto snap = engine.snapshot();
        if (!snap || snap->session_time_s == last_sent_t) continue;
        last_sent_t = snap->session_time_s;
        const auto frame = make_message(encode_snapshot(*snap));
        for (const auto& c : all)
            if (c->admitted) c->send(frame, true);
    }
}

RemoteServer::RemoteServer(Engine& engine, ServeOptions options) : impl_(std::make_unique<Impl>(engine, std::move(options))) {
    auto& s = *impl_;
    if (s.options.access_code.empty()) s.options.access_code = make_access_code();
    if (!s.options.tls_cert.empty() || !s.options.tls_key.empty()) {
        if (s.options.tls_cert.empty() || s.options.tls_key.empty())
            throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
        s.tls.emplace(net::ssl::context::tls_server);
        s.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                           net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
        beast::error_code ec;
        s.tls->use_certificate_chain_file(s.options.tls_cert, ec);
        if (ec) throw std::runtime_error("cannot use the certificate " + s.options.tls_cert + ": " + ec.message());
        s.tls->use_private_key_file(s.options.tls_key, net::ssl::context::pem, ec);
        if (ec) throw std::runtime_error("cannot use the key " + s.options.tls_key + ": " + ec.message());
    }
    beast::error_code ec;
    const auto address = net::ip::make_address(s.options.address, ec);
    if (ec) throw std::runtime_error("'" + s.options.address + "' is not an IP address");
    const tcp::endpoint endpoint(address, s.options.port);
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(endpoint, ec);
    if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + s.options.address + ":" + std::to_string(s.options.port) + ": " + ec.message());
    s.port = s.acceptor.local_endpoint().port();
    s.publish_watch_view();
    engine.add_observer(this);
    net::co_spawn(s.io, s.accept_loop(), net::detached);
    net::co_spawn(s.io, s.tick_loop(), net::detached);
    s.thread = std::thread([&s] {
        for (;;) {
            try {
                s.io.run();
                return;
            } catch (const std::exception& e) {  // never seen; the server carries on
                std::cerr << "remote: " << e.what() << "\n";
            }
        }
    });
}

RemoteServer::~RemoteServer() {
    auto& s = *impl_;
    if (!s.thread.joinable()) return;
    net::post(s.io, [&s] {
        s.sharing = false;
        beast::error_code ec;
        s.acceptor.close(ec);
        s.ticker.cancel();
        for (const auto& c : s.connections) c->close();
    });
    // The coroutines end on their closed sockets; stop() bounds the wait in any case.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s.io.stop();
    s.thread.join();
    s.connections.clear();
}

const std::string& RemoteServer::access_code() const { return impl_->options.access_code; }

unsigned short RemoteServer::port() const { return impl_->port; }

std::string RemoteServer::url() const {
    return std::string(impl_->tls ? "wss://" : "ws://") + impl_->options.address + ":" + std::to_string(port());
}

void RemoteServer::on_event(const SessionEvent& event) {
    if (event.kind == "sharing") net::post(impl_->io, [s = impl_.get()] { s->stop_sharing(); });
}

bool RemoteServer::on_engine_stopped(Engine& engine) {
    (void)engine;
    auto& s = *impl_;
    if (s.thread.joinable()) {
        net::post(s.io, [&s] {
            const auto all = s.connections;
            for (const auto& c : all) c->say_bye("the session has ended");
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the goodbyes go out
    }
    s.engine.set_watch_view({});
    return true;
}

}  // namespace attune::session
