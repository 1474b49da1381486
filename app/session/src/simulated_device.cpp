#include "attune/session/simulated_device.hpp"

namespace attune::session {

SimulatedDevice::SimulatedDevice(hardware::PartnerProfile profile, hardware::SimulationConfig config,
                                 std::string address)
    : model_(std::move(profile), config) {
    info_.kind = "simulated";
    info_.name = "Simulated " + model_.profile().name;
    info_.address = std::move(address);
    info_.channels = model_.channels();
    info_.session_clock = true;
}

void SimulatedDevice::start(bridge::ChunkSink on_chunk, bridge::LinkSink on_link) {
    on_chunk_ = std::move(on_chunk);
    running_ = true;
    if (on_link) on_link(bridge::LinkState::Streaming, "simulated");
}

void SimulatedDevice::stop() { running_ = false; }

void SimulatedDevice::poll(double now_s) {
    if (!running_) return;
    for (auto& chunk : model_.advance_to(now_s))
        if (!chunk.values.empty() && on_chunk_) on_chunk_(chunk);
}

}  // namespace attune::session
