// AttuneBoard: the Attune DIY sensor board (firmware-bridge/firmware) on a serial port.
//
// Bytes -> FrameDecoder -> frames -> timed SampleChunks: INFO sets the channel list and the
// raw->physical calibration, SAMPLES blocks become chunks (ECG in mV, belt in au) timed by a
// ClockAligner (device sample counter -> host steady clock, with drift), STATUS reports
// lead-off / overrun. On every (re)open the driver sends IDENTIFY + START and repeats START
// until samples flow (an Arduino resets when its port opens and misses bytes while booting).
// Gaps are never papered over: a jump in a channel's sample index (firmware overrun, a lost
// frame) or a reconnect sets gap_before on that channel's next chunk.
// Delay: a chunk leaves ~3 ms after its last sample (UART + USB), 40 ms blocks of ECG, 100 ms
// of belt. Cost: decoding ~30 ns per byte (attune bench decoder), one chunk per frame; the
// chunk's value buffer is reused, so steady streaming allocates nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "attune/bridge/device.hpp"
#include "attune/bridge/frame_decoder.hpp"
#include "attune/bridge/serial_link.hpp"

namespace attune::bridge {

struct AttuneBoardConfig {
    SerialLinkConfig link;           // 115200 baud, reopen every 0.5 s, stall after 2 s
    double start_retry_s = 1.0;      // re-send START while no samples arrive
};

struct AttuneBoardStats {
    DecoderStats decoder;
    std::uint64_t samples = 0;
    std::uint64_t samples_lost = 0;    // index jumps (firmware overrun or lost frames)
    std::uint64_t gaps = 0;            // chunks delivered with gap_before
    std::uint64_t bad_payloads = 0;    // valid frame, malformed payload
    std::uint32_t device_dropped = 0;  // as the firmware's STATUS reports it
    std::uint8_t status_flags = 0;     // last STATUS flags (ATTUNE_STATUS_*)
    std::uint16_t battery_mv = 0;
    bool have_info = false;
    double drift_ppm = 0.0;
};

class AttuneBoard final : public Device {
public:
    AttuneBoard(boost::asio::io_context& io, std::string port, AttuneBoardConfig config = {});
    ~AttuneBoard() override;

    const DeviceInfo& info() const override;
    void start(ChunkSink on_chunk, LinkSink on_link) override;  // throws if the port cannot open
    void stop() override;

    AttuneBoardStats stats() const;
    // Host commands (fire and forget; the board ACKs, the ACK is counted in stats).
    void send_identify();
    void send_set_rate(std::uint8_t channel, std::uint16_t rate_hz);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace attune::bridge
