// The wire protocol (plain C, shared with the firmware): checksum, byte stuffing, frames,
// payloads, and the worked examples printed in firmware-bridge/protocol/PROTOCOL.md.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "attune/protocol/protocol.h"

namespace {
using Bytes = std::vector<std::uint8_t>;

Bytes encode(std::uint8_t type, std::uint8_t seq, const Bytes& payload) {
    Bytes out(ATTUNE_MAX_ENCODED);
    out.resize(attune_frame_encode(type, seq, payload.data(), payload.size(), out.data(), out.size()));
    return out;
}

std::vector<attune_frame_t> decode_all(const Bytes& wire, std::vector<attune_decode_result_t>* results = nullptr) {
    attune_decoder_t d;
    attune_decoder_init(&d);
    std::vector<attune_frame_t> frames;
    attune_frame_t f;
    for (std::uint8_t b : wire) {
        const auto r = attune_decoder_push(&d, b, &f);
        if (r == ATTUNE_DECODE_FRAME) frames.push_back(f);
        if (results && r != ATTUNE_DECODE_NONE) results->push_back(r);
    }
    return frames;
}
}  // namespace

TEST_CASE("crc16_matches_the_ccitt_false_check_value", "[protocol]") {
    const char* check = "123456789";
    REQUIRE(attune_crc16(reinterpret_cast<const std::uint8_t*>(check), 9) == 0x29B1);
    REQUIRE(attune_crc16(nullptr, 0) == 0xFFFF);
}

TEST_CASE("cobs_round_trips_zeros_and_long_runs", "[protocol]") {
    std::mt19937 rng(7);
    for (std::size_t len : {0u, 1u, 2u, 253u, 254u, 255u, 256u, 300u, 600u}) {
        for (int variant = 0; variant < 3; ++variant) {
            Bytes in(len);
            for (auto& b : in) b = variant == 0 ? 0 : variant == 1 ? 0x11 : static_cast<std::uint8_t>(rng() % 4);
            Bytes enc(len + len / 254 + 2);
            const std::size_t n = attune_cobs_encode(in.data(), in.size(), enc.data());
            REQUIRE(n <= len + len / 254 + 1);
            for (std::size_t i = 0; i < n; ++i) REQUIRE(enc[i] != 0);
            Bytes dec(len + 1);
            const int m = attune_cobs_decode(enc.data(), n, dec.data(), dec.size());
            REQUIRE(m == static_cast<int>(len));
            dec.resize(len);
            REQUIRE(dec == in);
        }
    }
}

TEST_CASE("cobs_rejects_malformed_blocks", "[protocol]") {
    std::uint8_t out[16];
    const Bytes runs_past_end{0x05, 0x11, 0x22};
    REQUIRE(attune_cobs_decode(runs_past_end.data(), runs_past_end.size(), out, sizeof out) == -1);
    const Bytes contains_zero{0x03, 0x00, 0x22};
    REQUIRE(attune_cobs_decode(contains_zero.data(), contains_zero.size(), out, sizeof out) == -1);
    const Bytes too_big{0x04, 0x11, 0x22, 0x33};
    REQUIRE(attune_cobs_decode(too_big.data(), too_big.size(), out, 2) == -1);
}

TEST_CASE("worked_examples_in_PROTOCOL_md_are_exact", "[protocol]") {
    // START, seq 7: raw 10 10 07 | crc  ->  COBS  -> 00
    const Bytes start = encode(ATTUNE_CMD_START, 7, {});
    const std::uint8_t raw_start[] = {0x10, 0x10, 0x07};
    const std::uint16_t crc = attune_crc16(raw_start, 3);
    CHECK(crc == 0xFC6B);
    CHECK(start == Bytes{0x06, 0x10, 0x10, 0x07, 0x6B, 0xFC, 0x00});

    // SAMPLES: channel 0, first index 1000, samples 307, 512, 1023 (12-bit packed)
    const std::uint16_t s[] = {307, 512, 1023};
    std::uint8_t payload[32];
    const std::size_t n = attune_samples_write(0, 1000, s, 3, payload, sizeof payload);
    CHECK(Bytes(payload, payload + n) == Bytes{0x00, 0xE8, 0x03, 0x00, 0x00, 0x03, 0x33, 0x01, 0x20, 0xFF, 0x03});
    const Bytes wire = encode(ATTUNE_FRAME_SAMPLES, 42, Bytes(payload, payload + n));
    CHECK(wire == Bytes{0x04, 0x10, 0x02, 0x2A, 0x03, 0xE8, 0x03, 0x01, 0x09, 0x03, 0x33, 0x01,
                        0x20, 0xFF, 0x03, 0xA7, 0xB1, 0x00});
}

TEST_CASE("worked_status_and_set_rate_examples_are_exact", "[protocol]") {
    attune_status_t st{0, 3886, 0, 0};
    std::uint8_t p[16];
    const std::size_t n = attune_status_write(&st, p, sizeof p);
    CHECK(encode(ATTUNE_FRAME_STATUS, 1, Bytes(p, p + n)) ==
          Bytes{0x04, 0x10, 0x03, 0x01, 0x03, 0x2E, 0x0F, 0x01, 0x01, 0x01, 0x01, 0x01, 0x03, 0x86, 0xCB, 0x00});
    const std::size_t m = attune_set_rate_write(0, 500, p, sizeof p);
    CHECK(encode(ATTUNE_CMD_SET_RATE, 8, Bytes(p, p + m)) == Bytes{0x04, 0x10, 0x12, 0x08, 0x05, 0xF4, 0x01, 0xAA, 0x1E, 0x00});
    const std::uint8_t ack[] = {ATTUNE_CMD_START, 1, ATTUNE_ACK_OK};
    CHECK(encode(ATTUNE_FRAME_ACK, 2, Bytes(ack, ack + 3)) == Bytes{0x06, 0x10, 0x04, 0x02, 0x10, 0x01, 0x02, 0xA8, 0x01, 0x00});
}

TEST_CASE("frames_round_trip_through_the_streaming_decoder", "[protocol]") {
    Bytes wire;
    for (int i = 0; i < 20; ++i) {
        Bytes payload(static_cast<std::size_t>(i * 6));
        for (std::size_t k = 0; k < payload.size(); ++k) payload[k] = static_cast<std::uint8_t>(k * 37 + i);
        const Bytes f = encode(ATTUNE_FRAME_SAMPLES, static_cast<std::uint8_t>(i), payload);
        REQUIRE(!f.empty());
        wire.insert(wire.end(), f.begin(), f.end());
    }
    const auto frames = decode_all(wire);
    REQUIRE(frames.size() == 20);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(frames[i].seq == i);
        REQUIRE(frames[i].len == i * 6);
        REQUIRE(frames[i].version == ATTUNE_WIRE_VERSION);
    }
}

TEST_CASE("frame_encode_refuses_oversized_payloads", "[protocol]") {
    Bytes payload(ATTUNE_MAX_PAYLOAD + 1, 0x55);
    std::uint8_t out[ATTUNE_MAX_ENCODED + 8];
    REQUIRE(attune_frame_encode(ATTUNE_FRAME_INFO, 0, payload.data(), payload.size(), out, sizeof out) == 0);
    REQUIRE(attune_frame_encode(ATTUNE_FRAME_INFO, 0, payload.data(), ATTUNE_MAX_PAYLOAD, out, sizeof out) > 0);
    REQUIRE(attune_frame_encode(ATTUNE_FRAME_INFO, 0, payload.data(), 10, out, 5) == 0);
}

TEST_CASE("decoder_reports_each_kind_of_bad_frame_and_resyncs", "[protocol]") {
    Bytes good = encode(ATTUNE_FRAME_ACK, 1, {0x10, 0x01, 0x00});
    Bytes corrupted = good;
    corrupted[3] ^= 0x40;
    Bytes truncated(good.begin(), good.begin() + 3);
    truncated.push_back(0x00);
    Bytes foreign = good;
    {
        std::uint8_t raw[] = {0x20, ATTUNE_FRAME_ACK, 1, 0, 0};
        const std::uint16_t c = attune_crc16(raw, 3);
        raw[3] = static_cast<std::uint8_t>(c & 0xFF);
        raw[4] = static_cast<std::uint8_t>(c >> 8);
        foreign.assign(8, 0);
        foreign.resize(attune_cobs_encode(raw, 5, foreign.data()));
        foreign.push_back(0);
    }
    Bytes overlong(400, 0x41);
    overlong.push_back(0);
    Bytes wire;
    for (const Bytes* part : {&corrupted, &good, &truncated, &good, &foreign, &overlong, &good})
        wire.insert(wire.end(), part->begin(), part->end());
    std::vector<attune_decode_result_t> results;
    const auto frames = decode_all(wire, &results);
    REQUIRE(frames.size() == 3);
    CHECK(std::count(results.begin(), results.end(), ATTUNE_DECODE_ERR_CRC) == 1);
    CHECK(std::count(results.begin(), results.end(), ATTUNE_DECODE_ERR_VERSION) == 1);
    CHECK(std::count(results.begin(), results.end(), ATTUNE_DECODE_ERR_TOO_LONG) == 1);
    const auto bad_stuffing = std::count(results.begin(), results.end(), ATTUNE_DECODE_ERR_COBS) +
                              std::count(results.begin(), results.end(), ATTUNE_DECODE_ERR_SHORT);
    CHECK(bad_stuffing == 1);
}

TEST_CASE("payloads_round_trip_and_reject_wrong_lengths", "[protocol]") {
    attune_info_t info{};
    info.fw_major = 1;
    info.fw_minor = 2;
    info.serial = 0xA1B2C3D4;
    std::memcpy(info.model, "ATTUNE-B1", 9);
    info.channel_count = 2;
    info.channels[0] = {0, ATTUNE_KIND_ECG, ATTUNE_UNIT_MV, 10, 250, 0.0044389f, 307};
    info.channels[1] = {1, ATTUNE_KIND_RESP, ATTUNE_UNIT_AU, 10, 50, 1.0f / 1023.0f, -5};
    std::uint8_t buf[ATTUNE_MAX_PAYLOAD];
    const std::size_t n = attune_info_write(&info, buf, sizeof buf);
    REQUIRE(n == 19 + 2 * ATTUNE_INFO_CHANNEL_SIZE);
    attune_info_t back{};
    REQUIRE(attune_info_read(buf, n, &back) == 0);
    CHECK(back.serial == info.serial);
    CHECK(back.channels[0].rate_hz == 250);
    CHECK(back.channels[0].scale == info.channels[0].scale);
    CHECK(back.channels[1].zero_raw == -5);
    CHECK(attune_info_read(buf, n - 1, &back) == -1);
    buf[18] = 9;  // more channels than allowed
    CHECK(attune_info_read(buf, n, &back) == -1);

    for (std::uint8_t count : {1, 2, 5, 10, 63, 64}) {
        std::vector<std::uint16_t> s(count);
        for (std::size_t i = 0; i < count; ++i) s[i] = static_cast<std::uint16_t>((i * 977) & 0x0FFF);
        const std::size_t m = attune_samples_write(3, 123456789u, s.data(), count, buf, sizeof buf);
        REQUIRE(m == attune_samples_size(count));
        attune_samples_header_t h{};
        std::uint16_t out[ATTUNE_MAX_BLOCK_SAMPLES];
        REQUIRE(attune_samples_read(buf, m, &h, out) == 0);
        CHECK(h.channel == 3);
        CHECK(h.first_index == 123456789u);
        REQUIRE(h.count == count);
        CHECK(std::vector<std::uint16_t>(out, out + count) == s);
        CHECK(attune_samples_read(buf, m + 1, &h, out) == -1);
    }
    std::uint16_t many[65] = {};
    CHECK(attune_samples_write(0, 0, many, 65, buf, sizeof buf) == 0);

    attune_status_t st{ATTUNE_STATUS_LEAD_OFF_PLUS | ATTUNE_STATUS_STREAMING, 3900, 17, 2};
    REQUIRE(attune_status_write(&st, buf, sizeof buf) == 9);
    attune_status_t st2{};
    REQUIRE(attune_status_read(buf, 9, &st2) == 0);
    CHECK(st2.battery_mv == 3900);
    CHECK(st2.dropped == 17);
    CHECK(attune_status_read(buf, 8, &st2) == -1);

    std::uint8_t ch = 0;
    std::uint16_t rate = 0;
    REQUIRE(attune_set_rate_write(1, 25, buf, sizeof buf) == 3);
    REQUIRE(attune_set_rate_read(buf, 3, &ch, &rate) == 0);
    CHECK((ch == 1 && rate == 25));
}
