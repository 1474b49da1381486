// What the remote server and the watcher share about one WebSocket connection (Boost.Beast, plain
// or TLS): the stream types and a bounded outbox. Only remote_server.cpp and remote_client.cpp
// include this (Beast is heavy to compile).
#pragma once

#include <utility>  // before Asio 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace attune::session::remote {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
using Message = std::shared_ptr<const std::string>;

// Outgoing messages of one connection. A newer snapshot replaces one not yet sent, so a slow
// peer gets fewer frames, never a growing queue; other messages (markers, status) are kept up to
// a small bound, beyond which the peer is treated as stuck.
class Outbox {
public:
    enum class Push { Queued, StartWriter, Full };
    static constexpr std::size_t kMaxQueued = 16;

    Push push(Message message, bool replaceable) {
        if (replaceable) {
            const bool start = idle();
            latest_ = std::move(message);
            return start ? Push::StartWriter : Push::Queued;
        }
        if (queue_.size() >= kMaxQueued) return Push::Full;
        const bool start = idle();
        queue_.push_back(std::move(message));
        return start ? Push::StartWriter : Push::Queued;
    }

    // The writer: sends until nothing is left (one writer at a time, started on StartWriter).
    template <class Ws>
    net::awaitable<void> write_all(Ws& ws) {
        for (;;) {
            Message next;
            if (!queue_.empty()) {
                next = std::move(queue_.front());
                queue_.pop_front();
            } else if (latest_) {
                next = std::move(latest_);
            } else {
                break;
            }
            writing_since_ = std::chrono::steady_clock::now();
            writing_ = true;
            try {
                co_await ws.async_write(net::buffer(*next), net::use_awaitable);
            } catch (...) {
                writing_ = false;
                queue_.clear();
                latest_.reset();
                throw;
            }
            writing_ = false;
        }
    }

    // True when one frame has been on its way for longer than `limit` (the peer does not read).
    bool stalled(std::chrono::steady_clock::duration limit) const {
        return writing_ && std::chrono::steady_clock::now() - writing_since_ > limit;
    }
    bool idle() const { return !writing_ && queue_.empty() && !latest_; }

private:
    std::deque<Message> queue_;
    Message latest_;
    bool writing_ = false;
    std::chrono::steady_clock::time_point writing_since_;
};

inline Message make_message(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

// Closes the socket under any stream: pending operations end at once with an error.
template <class Ws>
void close_now(Ws& ws) {
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws).socket().close(ec);
}

}  // namespace attune::session::remote
