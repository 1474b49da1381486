// The watcher: one io_context on its own thread running a connect / watch / wait-and-retry loop.
#include "attune/session/remote_client.hpp"

#include "attune/session/remote_link.hpp"  // first: it includes <utility> before Asio

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <optional>
#include <thread>

#include "attune/session/remote_codec.hpp"

namespace attune::session {

using namespace remote;

std::string_view to_string(WatchState state) {
    switch (state) {
    case WatchState::Connecting: return "connecting";
    case WatchState::Watching: return "watching";
    case WatchState::Retrying: return "retrying";
    case WatchState::Refused: return "refused";
    case WatchState::Ended: return "ended";
    }
    return "?";
}

namespace {

class Link {
public:
    virtual ~Link() = default;
    virtual void send(Message message) = 0;
    virtual void close() = 0;
};

template <class Ws>
class WsLink final : public Link, public std::enable_shared_from_this<WsLink<Ws>> {
public:
    template <class... Args>
    explicit WsLink(Args&&... args) : ws(std::forward<Args>(args)...) {}
    void send(Message message) override {
        const auto r = outbox.push(std::move(message), false);
        if (r == Outbox::Push::Full) close();
        if (r != Outbox::Push::StartWriter) return;
        auto self = this->shared_from_this();
        net::co_spawn(
            ws.get_executor(),
            [self]() -> net::awaitable<void> {
                try {
                    co_await self->outbox.write_all(self->ws);
                } catch (const std::exception&) {
                    self->close();
                }
            },
            net::detached);
    }
    void close() override { close_now(ws); }

    Ws ws;
    Outbox outbox;
};

}  // namespace

struct RemoteWatcher::Impl {
    net::io_context io;  // first: destroyed last
    WatchTarget target;
    WatchCallbacks callbacks;
    std::optional<net::ssl::context> tls;
    std::shared_ptr<Link> link;  // io thread only; set while connected
    bool final = false;          // refused, or the sharing ended: no retry
    bool welcomed = false;       // in this connection

    mutable std::mutex mutex;
    SnapshotPtr latest;
    WatchState state = WatchState::Connecting;
    std::string detail;
    std::thread thread;

    Impl(WatchTarget t, WatchCallbacks c) : target(std::move(t)), callbacks(std::move(c)) {
        if (!target.tls) return;
        tls.emplace(net::ssl::context::tls_client);
        beast::error_code ec;
        if (target.ca_file.empty()) tls->set_default_verify_paths(ec);
        else tls->load_verify_file(target.ca_file, ec);
        if (ec) throw std::runtime_error("cannot read the certificate(s) " + target.ca_file + ": " + ec.message());
        tls->set_verify_mode(net::ssl::verify_peer);
    }

    void set_state(WatchState s, const std::string& d) {
        {
            std::lock_guard lock(mutex);
            state = s;
            detail = d;
        }
        if (callbacks.on_state) callbacks.on_state(s, d);
    }

    std::string where() const { return target.host + ":" + target.port; }

    net::awaitable<void> run() {
        int failures = 0;
        for (;;) {
            set_state(WatchState::Connecting, "connecting to " + where());
            std::string why = "the connection closed";
            welcomed = false;
            try {
                if (tls) co_await watch(std::make_shared<WsLink<TlsWs>>(io, *tls));
                else co_await watch(std::make_shared<WsLink<PlainWs>>(io));
            } catch (const std::exception& e) {
                why = e.what();
            }
            if (link) link->close();
            link.reset();
            if (final) co_return;
            if (welcomed) failures = 0;
            const int wait_s = std::min(5, 1 << std::min(failures++, 3));
            set_state(WatchState::Retrying, "lost " + where() + " (" + why + "); retrying in " + std::to_string(wait_s) + " s");
            net::steady_timer timer(io, std::chrono::seconds(wait_s));
            co_await timer.async_wait(net::use_awaitable);
        }
    }

    template <class Ws>
    net::awaitable<void> watch(std::shared_ptr<WsLink<Ws>> l) {
        auto& ws = l->ws;
        tcp::resolver resolver(io);
        const auto endpoints = co_await resolver.async_resolve(target.host, target.port, net::use_awaitable);
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, net::use_awaitable);
        if constexpr (std::is_same_v<Ws, TlsWs>) {
            // The name the certificate must carry, also sent as SNI.
            SSL_set_tlsext_host_name(ws.next_layer().native_handle(), target.host.c_str());
            ws.next_layer().set_verify_callback(net::ssl::host_name_verification(target.host));
            co_await ws.next_layer().async_handshake(net::ssl::stream_base::client, net::use_awaitable);
        }
        beast::get_lowest_layer(ws).expires_never();
        ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), std::chrono::seconds(10), true});
        ws.read_message_max(kMaxServerMessageBytes);
        co_await ws.async_handshake(where(), "/", net::use_awaitable);
        link = l;
        l->send(make_message(encode(WatcherRequest{WatcherRequest::Kind::Hello, target.code, {}})));
        beast::flat_buffer buffer;
        for (;;) {
            buffer.clear();
            co_await ws.async_read(buffer, net::use_awaitable);
            const auto m = decode_server_message(beast::buffers_to_string(buffer.data()));
            if (!m) continue;  // a frame we do not understand: ignored
            switch (m->kind) {
            case ServerMessage::Kind::Welcome:
                welcomed = true;
                set_state(WatchState::Watching, "watching " + where());
                break;
            case ServerMessage::Kind::Refused:
                final = true;
                set_state(WatchState::Refused, m->reason);
                co_return;
            case ServerMessage::Kind::Bye:
                final = true;
                set_state(WatchState::Ended, m->reason);
                co_return;
            case ServerMessage::Kind::Snapshot:
                {
                    std::lock_guard lock(mutex);
                    latest = m->snapshot;
                }
                if (callbacks.on_snapshot) callbacks.on_snapshot(m->snapshot);
                break;
            }
        }
    }

    void send(WatcherRequest request) {
        net::post(io, [this, request = std::move(request)] {
            if (link && welcomed) link->send(make_message(encode(request)));
            else if (callbacks.on_state) callbacks.on_state(WatchState::Retrying, "not connected: request not sent");
        });
    }
};

RemoteWatcher::RemoteWatcher(WatchTarget target, WatchCallbacks callbacks)
    : impl_(std::make_unique<Impl>(std::move(target), std::move(callbacks))) {
    auto& s = *impl_;
    net::co_spawn(s.io, s.run(), net::detached);
    s.thread = std::thread([&s] {
        try {
            s.io.run();
        } catch (const std::exception& e) {
            s.set_state(WatchState::Ended, std::string("internal error: ") + e.what());
        }
    });
}

RemoteWatcher::~RemoteWatcher() {
    auto& s = *impl_;
    net::post(s.io, [&s] {
        s.final = true;
        if (s.link) s.link->close();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    s.io.stop();
    if (s.thread.joinable()) s.thread.join();
}

SnapshotPtr RemoteWatcher::snapshot() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->latest;
}

WatchState RemoteWatcher::state() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->state;
}

std::string RemoteWatcher::detail() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->detail;
}

void RemoteWatcher::send_marker(std::string text) {
    if (text.size() > kMaxTextChars) text.resize(kMaxTextChars);
    impl_->send({WatcherRequest::Kind::Marker, std::move(text), {}});
}

void RemoteWatcher::send_control(Control control) { impl_->send({WatcherRequest::Kind::Control, {}, control}); }

}  // namespace attune::session
