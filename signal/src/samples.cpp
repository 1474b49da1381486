#include "attune/signal/samples.hpp"

namespace attune::signal {

std::string_view to_string(ChannelKind kind) {
    switch (kind) {
        case ChannelKind::Ecg: return "ecg";
        case ChannelKind::Ppg: return "ppg";
        case ChannelKind::Respiration: return "resp";
        case ChannelKind::HeartRate: return "hr";
        case ChannelKind::RrInterval: return "rr";
        case ChannelKind::AccX: return "acc_x";
        case ChannelKind::AccY: return "acc_y";
        case ChannelKind::AccZ: return "acc_z";
        case ChannelKind::Other: return "other";
    }
    return "other";
}

}  // namespace attune::signal
