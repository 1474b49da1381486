#include "attune/bridge/attune_board.hpp"

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>

#include "attune/bridge/clock_aligner.hpp"

namespace attune::bridge {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kNoChannel = static_cast<std::size_t>(-1);

// What the board reports in INFO; used until INFO arrives (same values as firmware/src/board.h).
attune_info_t default_board_info() {
    attune_info_t info{};
    std::memcpy(info.model, "ATTUNE-B1", 9);
    info.fw_major = 1;
    info.channel_count = 2;
    info.channels[0] = {0, ATTUNE_KIND_ECG, ATTUNE_UNIT_MV, 10, 250, 5000.0f / 1024.0f / 1100.0f, 307};
    info.channels[1] = {1, ATTUNE_KIND_RESP, ATTUNE_UNIT_AU, 10, 50, 1.0f / 1023.0f, 0};
    return info;
}

signal::ChannelSpec to_spec(const attune_channel_info_t& c) {
    signal::ChannelSpec spec;
    switch (c.kind) {
        case ATTUNE_KIND_ECG: spec.label = "ECG"; spec.kind = signal::ChannelKind::Ecg; break;
        case ATTUNE_KIND_RESP: spec.label = "Resp"; spec.kind = signal::ChannelKind::Respiration; break;
        case ATTUNE_KIND_PPG: spec.label = "PPG"; spec.kind = signal::ChannelKind::Ppg; break;
        default: spec.label = "ch" + std::to_string(c.id); spec.kind = signal::ChannelKind::Other; break;
    }
    spec.rate_hz = c.rate_hz;
    spec.unit = c.unit == ATTUNE_UNIT_MV ? "mV" : "au";
    return spec;
}

std::string model_name(const attune_info_t& info) {
    std::string m(info.model, strnlen(info.model, ATTUNE_MODEL_LEN));
    return m;
}

}  // namespace

struct AttuneBoard::Impl {
    Impl(asio::io_context& io, std::string port, AttuneBoardConfig c)
        : config(c), link(io, port, c.link), retry_timer(io) {
        apply_info(default_board_info());
        info.kind = "attune-board";
        info.address = std::move(port);
        info.session_clock = false;
    }

    struct Channel {
        attune_channel_info_t cal{};
        std::uint32_t next_index = 0;
        bool gap_pending = false;
    };

    AttuneBoardConfig config;
    SerialLink link;
    asio::steady_timer retry_timer;
    DeviceInfo info;
    FrameDecoder decoder;
    ClockAligner aligner;
    attune_info_t board{};
    std::array<Channel, ATTUNE_MAX_CHANNELS> channels{};
    ChunkSink on_chunk;
    LinkSink on_link;
    AttuneBoardStats st;
    signal::SampleChunk chunk;  // reused: no allocation per block once warmed up
    std::uint16_t raw[ATTUNE_MAX_BLOCK_SAMPLES] = {};
    std::uint8_t tx_seq = 0;
    bool accepting = false;      // samples are numbered from our START (its ACK arrived)
    bool samples_seen = false;   // since the last START
    bool running = false;
    // SET_RATE commands awaiting their ACK: the new rate applies from the ACK on (the board
    // restarts its counters before it answers, so every later sample has the new rate).
    struct PendingRate {
        std::uint8_t seq = 0, channel = 0;
        std::uint16_t rate_hz = 0;
        bool used = false;
    };
    std::array<PendingRate, 4> pending_rates{};
    std::shared_ptr<int> alive = std::make_shared<int>(0);  // timer handlers check it

    void apply_info(const attune_info_t& in) {
        board = in;
        info.channels.clear();
        for (std::uint8_t i = 0; i < in.channel_count; ++i) info.channels.push_back(to_spec(in.channels[i]));
        info.name = "Attune board " + model_name(in) + " #" + std::to_string(in.serial) + " (firmware " +
                    std::to_string(in.fw_major) + "." + std::to_string(in.fw_minor) + ")";
        for (std::uint8_t i = 0; i < in.channel_count; ++i) channels[i].cal = in.channels[i];
    }

    std::size_t channel_slot(std::uint8_t id) const {
        for (std::uint8_t i = 0; i < board.channel_count; ++i)
            if (board.channels[i].id == id) return i;
        return kNoChannel;
    }

    void send(std::uint8_t type, const std::uint8_t* payload = nullptr, std::size_t len = 0) {
        std::vector<std::uint8_t> wire(ATTUNE_MAX_ENCODED);
        wire.resize(attune_frame_encode(type, tx_seq++, payload, len, wire.data(), wire.size()));
        link.write(std::move(wire));
    }

    // Every (re)open and every retry: ask who it is, (re)start streaming from index 0.
    void begin_stream() {
        accepting = false;
        samples_seen = false;
        send(ATTUNE_CMD_IDENTIFY);
        send(ATTUNE_CMD_START);
        arm_retry();
    }

    void arm_retry() {
        retry_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(config.start_retry_s)));
        retry_timer.async_wait([this, alive = std::weak_ptr<int>(alive)](boost::system::error_code ec) {
            if (ec || alive.expired() || !running || samples_seen) return;
            begin_stream();
        });
    }

    void restart_numbering() {
        aligner.reset();
        for (auto& c : channels) {
            c.next_index = 0;
            c.gap_pending = true;  // whatever came before, the stream restarted: a gap
        }
    }

    void on_opened(bool reopened) {
        decoder.reset();
        if (reopened) restart_numbering();
        begin_stream();
    }

    void on_bytes(std::span<const std::uint8_t> bytes, double host_s) {
        decoder.feed(bytes, [&](const attune_frame_t& f) { on_frame(f, host_s); });
    }

    void on_frame(const attune_frame_t& f, double host_s) {
        switch (f.type) {
            case ATTUNE_FRAME_SAMPLES: on_samples(f, host_s); break;
            case ATTUNE_FRAME_INFO: {
                attune_info_t in{};
                if (attune_info_read(f.payload, f.len, &in) != 0 || in.channel_count == 0) {
                    ++st.bad_payloads;
                    break;
                }
                apply_info(in);
                st.have_info = true;
                break;
            }
            case ATTUNE_FRAME_STATUS: on_status(f); break;
            case ATTUNE_FRAME_ACK: {
                attune_ack_t ack{};
                if (attune_ack_read(f.payload, f.len, &ack) != 0) {
                    ++st.bad_payloads;
                    break;
                }
                if (ack.command == ATTUNE_CMD_START && ack.result == ATTUNE_ACK_OK) {
                    // Everything after this ACK is numbered from our START.
                    if (st.samples > 0) restart_numbering();
                    accepting = true;
                } else if (ack.command == ATTUNE_CMD_SET_RATE) {
                    apply_pending_rate(ack);
                }
                break;
            }
            default: ++st.bad_payloads; break;
        }
    }

    void apply_pending_rate(const attune_ack_t& ack) {
        for (auto& p : pending_rates) {
            if (!p.used || p.seq != ack.command_seq) continue;
            p.used = false;
            if (ack.result != ATTUNE_ACK_OK) return;
            const std::size_t slot = channel_slot(p.channel);
            if (slot == kNoChannel) return;
            board.channels[slot].rate_hz = p.rate_hz;
            channels[slot].cal.rate_hz = p.rate_hz;
            info.channels[slot].rate_hz = p.rate_hz;
            restart_numbering();        // the firmware restarted its counters at the new rate
            send(ATTUNE_CMD_IDENTIFY);  // and INFO confirms the whole channel table
            return;
        }
    }

    void on_status(const attune_frame_t& f) {
        attune_status_t s{};
        if (attune_status_read(f.payload, f.len, &s) != 0) {
            ++st.bad_payloads;
            return;
        }
        const std::uint8_t lead_mask = ATTUNE_STATUS_LEAD_OFF_PLUS | ATTUNE_STATUS_LEAD_OFF_MINUS;
        const bool lead_change = (s.flags & lead_mask) != (st.status_flags & lead_mask);
        st.status_flags = s.flags;
        st.battery_mv = s.battery_mv;
        st.device_dropped = s.dropped;
        if (lead_change && on_link)
            on_link(LinkState::Streaming, (s.flags & lead_mask) ? "ECG electrode off" : "ECG electrodes on");
    }

    void on_samples(const attune_frame_t& f, double host_s) {
        attune_samples_header_t h{};
        if (attune_samples_read(f.payload, f.len, &h, raw) != 0) {
            ++st.bad_payloads;
            return;
        }
        const std::size_t slot = channel_slot(h.channel);
        if (slot == kNoChannel) {
            ++st.bad_payloads;
            return;
        }
        if (!accepting) return;  // numbered before our START: not ours to time
        samples_seen = true;
        Channel& ch = channels[slot];
        const double rate = ch.cal.rate_hz > 0 ? ch.cal.rate_hz : 1.0;
        if (h.first_index < ch.next_index) {
            // The board restarted its counters without our asking (it reset): new epoch.
            restart_numbering();
        } else if (h.first_index > ch.next_index) {
            st.samples_lost += h.first_index - ch.next_index;
            ch.gap_pending = true;
        }
        ch.next_index = h.first_index + h.count;
        aligner.observe((h.first_index + h.count - 1) / rate, host_s);

        chunk.channel = slot;
        chunk.rate_hz = rate;
        chunk.t0_s = aligner.to_host(h.first_index / rate);
        chunk.gap_before = ch.gap_pending && st.samples > 0;
        if (chunk.gap_before) ++st.gaps;
        ch.gap_pending = false;
        chunk.values.resize(h.count);
        for (std::size_t i = 0; i < h.count; ++i)
            chunk.values[i] = static_cast<float>((static_cast<int>(raw[i]) - ch.cal.zero_raw) * ch.cal.scale);
        st.samples += h.count;
        if (on_chunk) on_chunk(chunk);
    }
};

AttuneBoard::AttuneBoard(asio::io_context& io, std::string port, AttuneBoardConfig config)
    : impl_(std::make_unique<Impl>(io, std::move(port), config)) {}

AttuneBoard::~AttuneBoard() {
    // No callbacks from a destructor: the owner's sinks may already be gone.
    impl_->on_chunk = nullptr;
    impl_->on_link = nullptr;
    stop();
}

const DeviceInfo& AttuneBoard::info() const { return impl_->info; }

void AttuneBoard::start(ChunkSink on_chunk, LinkSink on_link) {
    Impl& d = *impl_;
    d.on_chunk = std::move(on_chunk);
    d.on_link = std::move(on_link);
    SerialLinkCallbacks cb;
    cb.on_bytes = [&d](std::span<const std::uint8_t> b, double t) { d.on_bytes(b, t); };
    cb.on_state = [&d](LinkState s, const std::string& detail) {
        if (d.on_link) d.on_link(s, detail);
    };
    cb.on_opened = [&d](bool reopened) { d.on_opened(reopened); };
    cb.on_stall = [&d] { d.begin_stream(); };
    d.running = true;
    try {
        d.link.start(std::move(cb));
    } catch (...) {
        d.running = false;
        throw;
    }
}

void AttuneBoard::stop() {
    Impl& d = *impl_;
    if (!d.running) return;
    if (d.link.is_open()) d.send(ATTUNE_CMD_STOP);
    d.running = false;
    d.retry_timer.cancel();
    d.link.stop();
}

AttuneBoardStats AttuneBoard::stats() const {
    AttuneBoardStats s = impl_->st;
    s.decoder = impl_->decoder.stats();
    s.drift_ppm = impl_->aligner.drift_ppm();
    return s;
}

void AttuneBoard::send_identify() { impl_->send(ATTUNE_CMD_IDENTIFY); }

void AttuneBoard::send_set_rate(std::uint8_t channel, std::uint16_t rate_hz) {
    std::uint8_t payload[3];
    const std::size_t n = attune_set_rate_write(channel, rate_hz, payload, sizeof payload);
    auto& slot = impl_->pending_rates[impl_->tx_seq % impl_->pending_rates.size()];
    slot = {impl_->tx_seq, channel, rate_hz, true};
    impl_->send(ATTUNE_CMD_SET_RATE, payload, n);
}

}  // namespace attune::bridge
