// FrameDecoder (host side): counts and skips garbage, truncated and corrupted frames and
// resynchronises; random bytes for seconds never crash it; the fuzz corpus replays in ctest.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "attune/bridge/frame_decoder.hpp"
#include "fuzz/decoder_fuzz_body.hpp"

namespace {
namespace bridge = attune::bridge;
namespace fuzz = attune::fuzz;
using Bytes = std::vector<std::uint8_t>;

Bytes samples_frame(std::uint8_t seq, std::uint32_t first, std::uint8_t count) {
    std::vector<std::uint16_t> s(count);
    for (std::size_t i = 0; i < count; ++i) s[i] = static_cast<std::uint16_t>((first + i) % 1024);
    std::uint8_t payload[ATTUNE_MAX_PAYLOAD];
    const std::size_t n = attune_samples_write(0, first, s.data(), count, payload, sizeof payload);
    Bytes out(ATTUNE_MAX_ENCODED);
    out.resize(attune_frame_encode(ATTUNE_FRAME_SAMPLES, seq, payload, n, out.data(), out.size()));
    return out;
}
}  // namespace

TEST_CASE("decoder_skips_garbage_truncation_and_corruption_then_resyncs", "[serial][decoder]") {
    Bytes wire = {0x13, 0x37, 0xFF, 0x42};  // line noise before the first delimiter
    for (std::uint8_t i = 0; i < 10; ++i) {
        Bytes f = samples_frame(i, i * 10u, 10);
        if (i == 3) f.resize(f.size() / 2);  // truncated: the next frame's bytes follow
        if (i == 5) f[6] ^= 0x01;            // one flipped bit
        wire.insert(wire.end(), f.begin(), f.end());
    }
    bridge::FrameDecoder d;
    std::vector<std::uint8_t> seqs;
    // Feed in awkward pieces to cross frame boundaries.
    for (std::size_t pos = 0; pos < wire.size(); pos += 7)
        d.feed(std::span(wire).subspan(pos, std::min<std::size_t>(7, wire.size() - pos)),
               [&](const attune_frame_t& f) { seqs.push_back(f.seq); });
    // Noise without a delimiter spoils the frame it runs into (0), the truncated frame 3
    // swallows the start of frame 4, the flipped bit fails frame 5's CRC.
    CHECK(seqs == std::vector<std::uint8_t>{1, 2, 6, 7, 8, 9});
    const auto& s = d.stats();
    CHECK(s.frames == 6);
    CHECK(s.crc_errors + s.malformed + s.too_short >= 3);  // garbage, truncated+4, corrupted 5
    CHECK(s.frames_missing == 3);                          // seq 3, 4, 5 never delivered
    CHECK(s.bytes == wire.size());
}

TEST_CASE("decoder_survives_seconds_of_random_bytes_and_still_finds_frames", "[serial][decoder]") {
    std::mt19937_64 rng(20261122);
    bridge::FrameDecoder d;
    std::uint64_t valid_sent = 0, valid_seen = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    Bytes buf;
    std::uint8_t seq = 0;
    while (std::chrono::steady_clock::now() < until) {
        buf.clear();
        const std::size_t noise = rng() % 600;
        for (std::size_t i = 0; i < noise; ++i) buf.push_back(static_cast<std::uint8_t>(rng()));
        buf.push_back(0);  // a delimiter so the valid frame that follows starts clean
        const Bytes f = samples_frame(seq++, static_cast<std::uint32_t>(rng() % 100000), 10);
        buf.insert(buf.end(), f.begin(), f.end());
        ++valid_sent;
        d.feed(buf, [&](const attune_frame_t& fr) {
            attune_samples_header_t h;
            if (fr.type == ATTUNE_FRAME_SAMPLES && attune_samples_read(fr.payload, fr.len, &h, nullptr) == 0 &&
                h.count == 10)
                ++valid_seen;
        });
    }
    INFO("frames sent " << valid_sent << ", bytes " << d.stats().bytes);
    CHECK(valid_sent > 1000);
    // Random bytes pass a 16-bit CRC about once in 65536 candidate frames: essentially every
    // frame we sent is found, and almost nothing else.
    CHECK(valid_seen >= valid_sent);
    CHECK(valid_seen <= valid_sent + valid_sent / 100 + 2);
    CHECK(d.stats().rejected() > 0);
}

TEST_CASE("fuzz_corpus_replays_cleanly", "[serial][decoder][fuzz]") {
    namespace fs = std::filesystem;
    const fs::path dir = ATTUNE_FUZZ_CORPUS_DIR;
    REQUIRE(fs::is_directory(dir));
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        REQUIRE(fuzz::decoder_one_input(data.data(), data.size()) == 0);
        ++files;
    }
    CHECK(files >= 8);
}
