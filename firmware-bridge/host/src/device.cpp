#include "attune/bridge/device.hpp"

namespace attune::bridge {

const char* to_string(LinkState state) {
    switch (state) {
        case LinkState::Connecting: return "connecting";
        case LinkState::Streaming: return "streaming";
        case LinkState::Stalled: return "stalled";
        case LinkState::Disconnected: return "disconnected";
        case LinkState::Stopped: return "stopped";
    }
    return "unknown";
}

}  // namespace attune::bridge
