#include "attune/bridge/serial_link.hpp"

#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <stdexcept>

namespace attune::bridge {

namespace asio = boost::asio;
using boost::system::error_code;

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {
std::chrono::steady_clock::duration to_duration(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

struct SerialLink::Impl : std::enable_shared_from_this<SerialLink::Impl> {
    Impl(asio::io_context& io, std::string p, SerialLinkConfig c)
        : port(io), reopen_timer(io), stall_timer(io), path(std::move(p)), config(c) {}

    asio::serial_port port;
    asio::steady_timer reopen_timer, stall_timer;
    std::string path;
    SerialLinkConfig config;
    SerialLinkCallbacks cb;
    std::array<std::uint8_t, 4096> buffer{};
    std::deque<std::vector<std::uint8_t>> out;
    bool writing = false, running = false, stalled = false, got_data = false;
    std::uint64_t reconnects = 0;

    void report(LinkState s, const std::string& detail) {
        if (cb.on_state) cb.on_state(s, detail);
    }

    // Opens and configures the port; returns the error instead of throwing.
    error_code open_port() {
        error_code ec;
        port.open(path, ec);
        if (ec) return ec;
        port.set_option(asio::serial_port_base::baud_rate(config.baud), ec);
        // A pseudo-terminal ignores the line settings; only a failed open is an error.
        error_code ignored;
        port.set_option(asio::serial_port_base::character_size(8), ignored);
        port.set_option(asio::serial_port_base::parity(asio::serial_port_base::parity::none), ignored);
        port.set_option(asio::serial_port_base::stop_bits(asio::serial_port_base::stop_bits::one), ignored);
        port.set_option(asio::serial_port_base::flow_control(asio::serial_port_base::flow_control::none), ignored);
        return {};
    }

    void on_open(bool reopened) {
        got_data = false;
        stalled = false;
        report(LinkState::Connecting, reopened ? "reopened " + path : "opened " + path);
        if (cb.on_opened) cb.on_opened(reopened);
        read_some();
        arm_stall_timer();
        flush_writes();
    }

    void read_some() {
        port.async_read_some(asio::buffer(buffer), [weak = weak_from_this()](error_code ec, std::size_t n) {
            if (auto self = weak.lock()) self->on_read(ec, n);
        });
    }

    void on_read(error_code ec, std::size_t n) {
        if (!running) return;
        if (ec) {
            lost(ec.message());
            return;
        }
        const double now = steady_seconds();
        if (!got_data || stalled) report(LinkState::Streaming, stalled ? "data again" : "data flowing");
        got_data = true;
        stalled = false;
        arm_stall_timer();
        if (cb.on_bytes) cb.on_bytes(std::span<const std::uint8_t>(buffer.data(), n), now);
        if (running && port.is_open()) read_some();
    }

    void lost(const std::string& why) {
        error_code ignored;
        port.close(ignored);
        stall_timer.cancel();
        drop_queued_writes();
        report(LinkState::Disconnected, path + ": " + why + "; reconnecting");
        schedule_reopen();
    }

    void schedule_reopen() {
        reopen_timer.expires_after(to_duration(config.reopen_interval_s));
        reopen_timer.async_wait([weak = weak_from_this()](error_code ec) {
            auto self = weak.lock();
            if (!self || ec || !self->running) return;
            if (self->open_port()) {
                self->schedule_reopen();  // still gone
                return;
            }
            ++self->reconnects;
            self->on_open(true);
        });
    }

    void arm_stall_timer() {
        stall_timer.expires_after(to_duration(config.stall_timeout_s));
        stall_timer.async_wait([weak = weak_from_this()](error_code ec) {
            auto self = weak.lock();
            if (!self || ec || !self->running || !self->port.is_open()) return;
            self->stalled = true;
            self->report(LinkState::Stalled, "no data for " + std::to_string(self->config.stall_timeout_s) + " s");
            if (self->cb.on_stall) self->cb.on_stall();
            self->arm_stall_timer();
        });
    }

    // The write in flight still owns out.front() until its (aborted) handler runs.
    void drop_queued_writes() {
        if (writing) out.erase(out.begin() + 1, out.end());
        else out.clear();
    }

    void flush_writes() {
        if (writing || out.empty() || !port.is_open()) return;
        writing = true;
        asio::async_write(port, asio::buffer(out.front()), [weak = weak_from_this()](error_code ec, std::size_t) {
            auto self = weak.lock();
            if (!self) return;
            self->writing = false;
            if (!self->out.empty()) self->out.pop_front();
            if (ec || !self->running) return;  // a failing port shows up on the read side
            self->flush_writes();
        });
    }
};

SerialLink::SerialLink(asio::io_context& io, std::string path, SerialLinkConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(path), config)) {}

SerialLink::~SerialLink() { stop(); }

void SerialLink::start(SerialLinkCallbacks callbacks) {
    if (impl_->running) return;
    impl_->cb = std::move(callbacks);
    if (const error_code ec = impl_->open_port())
        throw std::runtime_error("cannot open serial port " + impl_->path + ": " + ec.message());
    impl_->running = true;
    impl_->on_open(false);
}

void SerialLink::stop() {
    if (!impl_->running) return;
    impl_->running = false;
    error_code ignored;
    impl_->reopen_timer.cancel();
    impl_->stall_timer.cancel();
    impl_->port.close(ignored);
    impl_->drop_queued_writes();
    impl_->report(LinkState::Stopped, "stopped by the host");
    impl_->cb = {};
}

void SerialLink::write(std::vector<std::uint8_t> bytes) {
    if (!impl_->running || !impl_->port.is_open() || bytes.empty()) return;
    if (impl_->out.size() > 64) return;  // device not draining: drop commands, never grow
    impl_->out.push_back(std::move(bytes));
    impl_->flush_writes();
}

const std::string& SerialLink::path() const { return impl_->path; }
bool SerialLink::is_open() const { return impl_->port.is_open(); }
std::uint64_t SerialLink::reconnects() const { return impl_->reconnects; }

}  // namespace attune::bridge
