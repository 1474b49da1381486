#include "attune/bridge/frame_decoder.hpp"

namespace attune::bridge {

bool FrameDecoder::push(std::uint8_t byte) noexcept {
    ++stats_.bytes;
    switch (attune_decoder_push(&decoder_, byte, &frame_)) {
        case ATTUNE_DECODE_NONE:
        case ATTUNE_DECODE_EMPTY: return false;
        case ATTUNE_DECODE_FRAME: break;
        case ATTUNE_DECODE_ERR_COBS: ++stats_.malformed; return false;
        case ATTUNE_DECODE_ERR_SHORT: ++stats_.too_short; return false;
        case ATTUNE_DECODE_ERR_CRC: ++stats_.crc_errors; return false;
        case ATTUNE_DECODE_ERR_VERSION: ++stats_.version_errors; return false;
        case ATTUNE_DECODE_ERR_TOO_LONG: ++stats_.too_long; return false;
    }
    ++stats_.frames;
    if (last_seq_ >= 0) stats_.frames_missing += static_cast<std::uint8_t>(frame_.seq - last_seq_ - 1);
    last_seq_ = frame_.seq;
    return true;
}

}  // namespace attune::bridge
