// Serial devices over real pseudo-terminals: the Attune board driver against a scripted board
// (unplug/replug with the gap visible and nothing lost after it, stalls, garbage on the line),
// the generic text device, and a port that does not exist.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstring>
#include <random>

#include "attune/bridge/attune_board.hpp"
#include "attune/bridge/text_device.hpp"
#include "attune/protocol/protocol.h"
#include "pty_helpers.hpp"

namespace {
namespace bridge = attune::bridge;
using attune::test::FakePort;
using attune::test::run_until;
using Bytes = std::vector<std::uint8_t>;

Bytes frame(std::uint8_t type, std::uint8_t seq, const std::uint8_t* payload, std::size_t len) {
    Bytes out(ATTUNE_MAX_ENCODED);
    out.resize(attune_frame_encode(type, seq, payload, len, out.data(), out.size()));
    return out;
}

// Plays the board's side of the protocol on a FakePort: answers IDENTIFY/START, then streams
// ECG blocks whose raw values encode their own sample index (index % 1024), so the test can
// tell exactly which samples arrived.
class ScriptedBoard {
public:
    explicit ScriptedBoard(FakePort& port) : port_(port) { attune_decoder_init(&dec_); }

    void step() {
        if (!port_.plugged()) return;
        for (std::uint8_t b : port_.read()) {
            attune_frame_t f;
            if (attune_decoder_push(&dec_, b, &f) == ATTUNE_DECODE_FRAME) handle(f);
        }
        if (!streaming_ || paused_) return;
        // Real-time pace: one 10-sample block per 40 ms.
        const double now = seconds();
        while (streaming_ && next_block_at_ <= now) {
            std::uint16_t s[10];
            for (int i = 0; i < 10; ++i) s[i] = static_cast<std::uint16_t>((index_ + i) % 1024);
            std::uint8_t p[ATTUNE_MAX_PAYLOAD];
            const std::size_t n = attune_samples_write(0, index_, s, 10, p, sizeof p);
            port_.write(frame(ATTUNE_FRAME_SAMPLES, seq_++, p, n));
            index_ += 10;
            produced_ += 10;
            next_block_at_ += 0.04;
        }
    }
    void pause(bool p) {
        paused_ = p;
        next_block_at_ = seconds();
    }
    void send_status(std::uint8_t flags) {
        attune_status_t st{flags, 3900, 0, 0};
        std::uint8_t p[9];
        attune_status_write(&st, p, sizeof p);
        port_.write(frame(ATTUNE_FRAME_STATUS, seq_++, p, 9));
    }
    std::uint32_t produced_since_start() const { return index_; }
    int starts() const { return starts_; }

private:
    static double seconds() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }
    void handle(const attune_frame_t& f) {
        std::uint8_t result = ATTUNE_ACK_OK;
        if (f.type == ATTUNE_CMD_START) {
            ++starts_;
            streaming_ = true;
            index_ = 0;
            next_block_at_ = seconds();
        } else if (f.type == ATTUNE_CMD_STOP) {
            streaming_ = false;
        } else if (f.type == ATTUNE_CMD_IDENTIFY) {
            attune_info_t info{};
            std::memcpy(info.model, "ATTUNE-B1", 9);
            info.fw_major = 1;
            info.serial = 77;
            info.channel_count = 2;
            info.channels[0] = {0, ATTUNE_KIND_ECG, ATTUNE_UNIT_MV, 10, 250, 0.001f, 0};
            info.channels[1] = {1, ATTUNE_KIND_RESP, ATTUNE_UNIT_AU, 10, 50, 0.001f, 0};
            std::uint8_t p[ATTUNE_MAX_PAYLOAD];
            const std::size_t n = attune_info_write(&info, p, sizeof p);
            port_.write(frame(ATTUNE_FRAME_INFO, seq_++, p, n));
        } else {
            result = ATTUNE_ACK_UNKNOWN;
        }
        const std::uint8_t ack[3] = {f.type, f.seq, result};
        port_.write(frame(ATTUNE_FRAME_ACK, seq_++, ack, 3));
    }

    FakePort& port_;
    attune_decoder_t dec_{};
    std::uint8_t seq_ = 0;
    bool streaming_ = false, paused_ = false;
    std::uint32_t index_ = 0;
    std::uint64_t produced_ = 0;
    double next_block_at_ = 0.0;
    int starts_ = 0;
};

struct Received {
    std::vector<attune::signal::SampleChunk> chunks;
    std::vector<std::pair<bridge::LinkState, std::string>> states;
    bool saw(bridge::LinkState s) const {
        return std::any_of(states.begin(), states.end(), [&](const auto& p) { return p.first == s; });
    }
};

void start(bridge::Device& d, Received& r) {
    d.start([&r](const attune::signal::SampleChunk& c) { r.chunks.push_back(c); },
            [&r](bridge::LinkState s, const std::string& detail) { r.states.emplace_back(s, detail); });
}

bridge::AttuneBoardConfig fast_config() {
    bridge::AttuneBoardConfig c;
    c.link.reopen_interval_s = 0.1;
    c.link.stall_timeout_s = 0.5;
    c.start_retry_s = 0.3;
    return c;
}
}  // namespace

TEST_CASE("board_driver_streams_calibrated_timed_chunks_from_a_pty", "[serial][device][pty]") {
    FakePort port(attune::test::temp_link("board-basic"));
    ScriptedBoard board(port);
    boost::asio::io_context io;
    bridge::AttuneBoard dev(io, port.path(), fast_config());
    Received r;
    start(dev, r);
    const double t_start = bridge::steady_seconds();
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= 25; }));
    dev.stop();
    const auto st = dev.stats();
    CHECK(st.have_info);
    CHECK(dev.info().name.find("#77") != std::string::npos);
    CHECK(dev.info().channels.size() == 2);
    CHECK(st.samples_lost == 0);
    CHECK(st.decoder.rejected() == 0);
    // Values are raw * 0.001 (INFO's calibration) and consecutive; times are host steady time.
    for (std::size_t i = 0; i < r.chunks.size(); ++i) {
        const auto& c = r.chunks[i];
        CHECK(c.channel == 0);
        CHECK(c.rate_hz == 250.0);
        CHECK_FALSE(c.gap_before);
        CHECK(c.values.front() == Approx(0.001 * static_cast<double>((i * 10) % 1024)).margin(1e-6));
        CHECK(c.t0_s > t_start - 0.5);
        CHECK(c.t0_s < bridge::steady_seconds());
        // 40 ms apart; the margin allows for the aligner settling on a loaded machine
        if (i > 0) CHECK(c.t0_s - r.chunks[i - 1].t0_s == Approx(0.04).margin(0.025));
    }
    CHECK(r.saw(bridge::LinkState::Streaming));
    CHECK(r.states.back().first == bridge::LinkState::Stopped);
}

TEST_CASE("board_unplugged_mid_stream_reconnects_marks_the_gap_and_loses_nothing_after", "[serial][device][pty]") {
    FakePort port(attune::test::temp_link("board-unplug"));
    ScriptedBoard board(port);
    boost::asio::io_context io;
    bridge::AttuneBoard dev(io, port.path(), fast_config());
    Received r;
    start(dev, r);
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= 10; }));
    const std::size_t before = r.chunks.size();

    port.unplug();  // cable pulled
    REQUIRE(run_until(io, 3.0, nullptr, [&] { return r.saw(bridge::LinkState::Disconnected); }));
    run_until(io, 0.5, nullptr, nullptr);  // stays gone for a while: reopen attempts fail quietly
    CHECK(r.chunks.size() == before);

    port.plug();  // cable back: a new pty behind the same path
    const int starts_before = board.starts();
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= before + 20; }));
    // Let the last blocks in flight arrive, then stop the board and drain.
    board.pause(true);
    run_until(io, 0.3, [&] { board.step(); }, nullptr);
    dev.stop();

    CHECK(board.starts() > starts_before);
    CHECK(dev.stats().decoder.rejected() <= 1);  // at most the frame cut by the unplug
    // The first chunk after the replug carries the gap; every later one is contiguous.
    const auto& first_after = r.chunks[before];
    CHECK(first_after.gap_before);
    CHECK(first_after.values.front() == Approx(0.0).margin(1e-6));  // board restarted at index 0
    std::size_t samples_after = 0;
    for (std::size_t i = before; i < r.chunks.size(); ++i) {
        if (i > before) CHECK_FALSE(r.chunks[i].gap_before);
        for (std::size_t k = 0; k < r.chunks[i].values.size(); ++k)
            REQUIRE(r.chunks[i].values[k] == Approx(0.001 * static_cast<double>(samples_after++ % 1024)).margin(1e-6));
    }
    // No data lost after the gap: every sample the board produced since the replug arrived.
    CHECK(samples_after == board.produced_since_start());
    CHECK(dev.stats().gaps == 1);
    // Reported: disconnected, then connecting and streaming again.
    auto it = std::find_if(r.states.begin(), r.states.end(), [](const auto& p) { return p.first == bridge::LinkState::Disconnected; });
    REQUIRE(it != r.states.end());
    CHECK(std::any_of(it, r.states.end(), [](const auto& p) { return p.first == bridge::LinkState::Streaming; }));
}

TEST_CASE("silent_board_is_reported_stalled_then_streaming_again", "[serial][device][pty]") {
    FakePort port(attune::test::temp_link("board-stall"));
    ScriptedBoard board(port);
    boost::asio::io_context io;
    bridge::AttuneBoard dev(io, port.path(), fast_config());
    Received r;
    start(dev, r);
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= 5; }));
    board.pause(true);
    REQUIRE(run_until(io, 3.0, [&] { board.step(); }, [&] { return r.saw(bridge::LinkState::Stalled); }));
    const std::size_t stalled_at = r.states.size();
    board.pause(false);
    REQUIRE(run_until(io, 3.0, [&] { board.step(); }, [&] {
        return std::any_of(r.states.begin() + static_cast<long>(stalled_at), r.states.end(),
                           [](const auto& p) { return p.first == bridge::LinkState::Streaming; });
    }));
    dev.stop();
}

TEST_CASE("lead_off_status_is_reported", "[serial][device][pty]") {
    FakePort port(attune::test::temp_link("board-leadoff"));
    ScriptedBoard board(port);
    boost::asio::io_context io;
    bridge::AttuneBoard dev(io, port.path(), fast_config());
    Received r;
    start(dev, r);
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= 3; }));
    board.send_status(ATTUNE_STATUS_LEAD_OFF_PLUS | ATTUNE_STATUS_STREAMING);
    REQUIRE(run_until(io, 2.0, [&] { board.step(); }, [&] {
        return std::any_of(r.states.begin(), r.states.end(), [](const auto& p) { return p.second == "ECG electrode off"; });
    }));
    CHECK((dev.stats().status_flags & ATTUNE_STATUS_LEAD_OFF_PLUS) != 0);
    CHECK(dev.stats().battery_mv == 3900);
    dev.stop();
}

TEST_CASE("garbage_between_frames_is_counted_and_skipped", "[serial][device][pty]") {
    FakePort port(attune::test::temp_link("board-garbage"));
    ScriptedBoard board(port);
    boost::asio::io_context io;
    bridge::AttuneBoard dev(io, port.path(), fast_config());
    Received r;
    start(dev, r);
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= 5; }));
    port.write(Bytes{0x00, 0x12, 0x34, 0x56, 0x00, 0xFF, 0xFE, 0x00});
    const std::size_t before = r.chunks.size();
    REQUIRE(run_until(io, 5.0, [&] { board.step(); }, [&] { return r.chunks.size() >= before + 5; }));
    dev.stop();
    CHECK(dev.stats().decoder.rejected() == 2);
    CHECK(dev.stats().samples_lost == 0);
}

TEST_CASE("opening_a_missing_port_throws_a_clear_error", "[serial][device]") {
    boost::asio::io_context io;
    bridge::AttuneBoard dev(io, "/dev/attune-does-not-exist");
    CHECK_THROWS_WITH(dev.start({}, {}), Catch::Contains("/dev/attune-does-not-exist"));
    bridge::TextDevice text(io, "/dev/attune-does-not-exist-either");
    CHECK_THROWS_AS(text.start({}, {}), std::runtime_error);
}

TEST_CASE("text_device_reads_columns_at_the_configured_rate", "[serial][device][pty][text]") {
    FakePort port(attune::test::temp_link("text"));
    boost::asio::io_context io;
    const auto spec = bridge::parse_text_spec(port.path() + "?rate=100&columns=ecg,-,resp");
    bridge::TextDevice dev(io, spec.port, spec.config);
    REQUIRE(dev.info().channels.size() == 2);
    CHECK(dev.info().channels[0].kind == attune::signal::ChannelKind::Ecg);
    CHECK(dev.info().channels[1].kind == attune::signal::ChannelKind::Respiration);
    Received r;
    start(dev, r);
    // A banner, then 100 lines per second in real time, one of them garbled, CRLF endings.
    port.write("Attune text sketch v1\r\n");
    int line = 0;
    const double t0 = bridge::steady_seconds();
    run_until(io, 2.0, [&] {
        while (line < static_cast<int>((bridge::steady_seconds() - t0) * 100.0) && line < 150) {
            if (line == 77) port.write("12,oops,3\r\n");
            else port.write(std::to_string(line) + ",999;" + std::to_string(line * 2) + "\r\n");
            ++line;
        }
    }, [&] { return line >= 150 && dev.stats().lines >= 150; });
    run_until(io, 0.3, nullptr, nullptr);
    dev.stop();
    const auto st = dev.stats();
    CHECK(st.lines == 151);      // banner + 150
    CHECK(st.bad_lines == 2);    // the banner and line 77
    CHECK(st.samples == 149);
    CHECK(st.gaps == 1);         // after line 77 (the banner came before any sample)
    std::vector<float> ecg, resp;
    double last_t0 = 0.0;
    bool gap_seen = false;
    for (const auto& c : r.chunks) {
        auto& dst = c.channel == 0 ? ecg : resp;
        if (c.channel == 0 && c.gap_before) {
            gap_seen = true;
            CHECK(c.values.front() == 78.0f);  // the first value after the garbled line
            // its time keeps line 77's slot: 78 lines after the first
            CHECK(c.t0_s - r.chunks.front().t0_s == Approx(0.78).margin(0.05));
        }
        if (c.channel == 0) {
            CHECK(c.t0_s >= last_t0);
            last_t0 = c.t0_s;
        }
        dst.insert(dst.end(), c.values.begin(), c.values.end());
    }
    CHECK(gap_seen);
    REQUIRE(ecg.size() == 149);
    REQUIRE(resp.size() == 149);
    CHECK(ecg[10] == 10.0f);
    CHECK(resp[10] == 20.0f);
    CHECK(ecg[100] == 101.0f);  // index shifted by the skipped line 77
}

TEST_CASE("text_spec_parsing_gives_clear_errors", "[serial][text]") {
    const auto ok = bridge::parse_text_spec("/dev/ttyACM0?rate=250&columns=hr&baud=9600");
    CHECK(ok.port == "/dev/ttyACM0");
    CHECK(ok.config.rate_hz == 250.0);
    CHECK(ok.config.link.baud == 9600);
    REQUIRE(ok.config.columns.size() == 1);
    CHECK(ok.config.columns[0].name == "hr");
    CHECK(bridge::parse_text_spec("/dev/ttyUSB1").config.columns.size() == 2);
    CHECK_THROWS_WITH(bridge::parse_text_spec("/dev/x?rate=-3"), Catch::Contains("rate"));
    CHECK_THROWS_WITH(bridge::parse_text_spec("/dev/x?rate=abc"), Catch::Contains("rate"));
    CHECK_THROWS_WITH(bridge::parse_text_spec("/dev/x?colour=red"), Catch::Contains("unknown option"));
    CHECK_THROWS_WITH(bridge::parse_text_spec("/dev/x?columns=ecg,,resp"), Catch::Contains("empty column"));
    CHECK_THROWS_WITH(bridge::parse_text_spec("/dev/x?columns=-"), Catch::Contains("no columns"));
    CHECK_THROWS(bridge::parse_text_spec("?rate=5"));
}

TEST_CASE("the_wrong_driver_on_a_port_counts_errors_and_never_crashes", "[serial][device][pty]") {
    boost::asio::io_context io;
    // A text sketch read as an Attune board: no frames, only rejected bytes, stalls reported.
    FakePort text_port(attune::test::temp_link("wrong-board"));
    bridge::AttuneBoard board(io, text_port.path(), fast_config());
    Received rb;
    start(board, rb);
    // An Attune board's bytes read as a text device: lines of binary, counted as bad.
    FakePort binary_port(attune::test::temp_link("wrong-text"));
    bridge::TextDevice text(io, binary_port.path());
    Received rt;
    start(text, rt);
    std::mt19937 rng(3);
    run_until(io, 1.5, [&] {
        text_port.write("512,300\n511,301\n");
        std::vector<std::uint8_t> noise(64);
        for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
        noise.push_back('\n');
        binary_port.write(noise);
    }, nullptr);
    board.stop();
    text.stop();
    CHECK(rb.chunks.empty());
    CHECK(board.stats().decoder.rejected() > 0);
    CHECK(board.stats().decoder.frames == 0);
    CHECK(rt.chunks.empty());
    CHECK(text.stats().bad_lines > 0);
    CHECK(text.stats().samples == 0);
}
