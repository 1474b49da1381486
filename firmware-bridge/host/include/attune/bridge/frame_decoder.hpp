// FrameDecoder: bytes from a serial link -> validated Attune protocol frames.
//
// Wraps the protocol's C streaming decoder (COBS + CRC-16, shared with the firmware) and counts
// what it had to skip: garbage, truncated, corrupted, over-long and foreign-version frames, and
// frames missing from the device's frame counter. Every 0x00 delimiter resynchronises, so one
// bad frame costs at most that frame. Cost: O(1) per byte plus one CRC per frame; no
// allocation. Not thread-safe: one decoder per link, used on the link's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "attune/protocol/protocol.h"

namespace attune::bridge {

struct DecoderStats {
    std::uint64_t bytes = 0;
    std::uint64_t frames = 0;          // valid frames delivered
    std::uint64_t malformed = 0;       // bad COBS (garbage, truncated frames)
    std::uint64_t too_short = 0;
    std::uint64_t crc_errors = 0;
    std::uint64_t version_errors = 0;
    std::uint64_t too_long = 0;        // no delimiter within a maximal frame
    std::uint64_t frames_missing = 0;  // gaps in the device's frame counter

    std::uint64_t rejected() const { return malformed + too_short + crc_errors + version_errors + too_long; }
};

class FrameDecoder {
public:
    FrameDecoder() noexcept { reset(); }

    // Feeds bytes; calls on_frame(const attune_frame_t&) for every valid frame, in order.
    template <class OnFrame>
    void feed(std::span<const std::uint8_t> bytes, OnFrame&& on_frame) {
        for (std::uint8_t b : bytes) {
            if (push(b)) on_frame(frame_);
        }
    }

    // Drops a partial frame and forgets the frame counter (after a reconnect).
    void reset() noexcept {
        attune_decoder_init(&decoder_);
        last_seq_ = -1;
    }
    const DecoderStats& stats() const noexcept { return stats_; }

private:
    bool push(std::uint8_t byte) noexcept;  // true when frame_ holds a new valid frame

    attune_decoder_t decoder_{};
    attune_frame_t frame_{};
    DecoderStats stats_;
    int last_seq_ = -1;
};

}  // namespace attune::bridge
