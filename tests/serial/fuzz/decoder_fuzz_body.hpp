// One fuzz input: arbitrary bytes through the frame decoder and every payload parser.
// Shared by the libFuzzer target (fuzz_frame_decoder.cpp) and the corpus test in ctest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "attune/bridge/frame_decoder.hpp"

namespace attune::fuzz {

inline int decoder_one_input(const std::uint8_t* data, std::size_t size) {
    bridge::FrameDecoder decoder;
    std::size_t frames = 0;
    // Split the input in two feeds so frames spanning read boundaries are exercised.
    const std::size_t half = size / 2;
    auto on_frame = [&](const attune_frame_t& f) {
        ++frames;
        if (f.len > ATTUNE_MAX_PAYLOAD) std::abort();
        attune_info_t info;
        (void)attune_info_read(f.payload, f.len, &info);
        attune_samples_header_t h;
        std::uint16_t samples[ATTUNE_MAX_BLOCK_SAMPLES];
        if (attune_samples_read(f.payload, f.len, &h, samples) == 0 &&
            (h.count == 0 || h.count > ATTUNE_MAX_BLOCK_SAMPLES))
            std::abort();
        attune_status_t st;
        (void)attune_status_read(f.payload, f.len, &st);
        attune_ack_t ack;
        (void)attune_ack_read(f.payload, f.len, &ack);
        std::uint8_t ch;
        std::uint16_t rate;
        (void)attune_set_rate_read(f.payload, f.len, &ch, &rate);
    };
    decoder.feed(std::span<const std::uint8_t>(data, half), on_frame);
    decoder.feed(std::span<const std::uint8_t>(data + half, size - half), on_frame);
    if (decoder.stats().bytes != size || decoder.stats().frames != frames) std::abort();
    return 0;
}

}  // namespace attune::fuzz
