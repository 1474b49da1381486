// `attune bench decoder`: frame decoder throughput on a realistic Attune board byte stream
// (ECG 250 Hz + belt 50 Hz blocks and status frames, as the firmware sends them), compared with
// one board's data rate. The goal is >= 100x per core.
#include <chrono>
#include <cstdio>
#include <vector>

#include "attune/bridge/frame_decoder.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

// One minute of board output, built with the same protocol code the firmware uses.
std::vector<std::uint8_t> one_minute_of_board_bytes() {
    std::vector<std::uint8_t> out;
    std::uint8_t wire[ATTUNE_MAX_ENCODED], payload[ATTUNE_MAX_PAYLOAD];
    std::uint8_t seq = 0;
    auto put = [&](std::uint8_t type, std::size_t n) {
        const std::size_t m = attune_frame_encode(type, seq++, payload, n, wire, sizeof wire);
        out.insert(out.end(), wire, wire + m);
    };
    std::uint16_t s[10];
    for (std::uint32_t ms = 0; ms < 60000; ms += 40) {
        for (int i = 0; i < 10; ++i) s[i] = static_cast<std::uint16_t>(307 + (ms / 4 + i) % 300);
        put(ATTUNE_FRAME_SAMPLES, attune_samples_write(0, ms / 4, s, 10, payload, sizeof payload));
        if (ms % 100 == 0) put(ATTUNE_FRAME_SAMPLES, attune_samples_write(1, ms / 20, s, 5, payload, sizeof payload));
        if (ms % 1000 == 0) {
            attune_status_t st{ATTUNE_STATUS_STREAMING, 3900, 0, 0};
            put(ATTUNE_FRAME_STATUS, attune_status_write(&st, payload, sizeof payload));
        }
    }
    return out;
}

int bench_decoder(const BenchOptions& o) {
    const auto bytes = one_minute_of_board_bytes();
    const double board_bytes_per_s = static_cast<double>(bytes.size()) / 60.0;
    const int reps = o.quick ? 20 : 200;
    std::uint64_t frames = 0, samples = 0;
    bridge::FrameDecoder decoder;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
        decoder.feed(bytes, [&](const attune_frame_t& f) {
            ++frames;
            attune_samples_header_t h;
            std::uint16_t v[ATTUNE_MAX_BLOCK_SAMPLES];
            if (f.type == ATTUNE_FRAME_SAMPLES && attune_samples_read(f.payload, f.len, &h, v) == 0) samples += h.count;
        });
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = static_cast<double>(bytes.size()) * reps / dt;
    std::printf("board stream: %.0f bytes/s (%zu bytes per minute, ECG 250 Hz + belt 50 Hz + status)\n",
                board_bytes_per_s, bytes.size());
    std::printf("decoded %d minutes in %.3f s: %.1f MB/s, %.2f M frames/s, %.1f M samples/s (one core)\n", reps, dt,
                rate / 1e6, static_cast<double>(frames) / dt / 1e6, static_cast<double>(samples) / dt / 1e6);
    std::printf("= %.0fx one board's data rate (goal >= 100x); rejected frames: %llu\n", rate / board_bytes_per_s,
                static_cast<unsigned long long>(decoder.stats().rejected()));
    return rate / board_bytes_per_s >= 100.0 && decoder.stats().rejected() == 0 ? 0 : 1;
}

const BenchRegistration kDecoder{"decoder", "Attune board frame decoder throughput vs one board's data rate",
                                 bench_decoder};

}  // namespace
}  // namespace attune::cli
