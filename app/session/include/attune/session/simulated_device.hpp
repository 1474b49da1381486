// The simulated partner (hardware::PartnerModel) as a Device: the default when no sensor is
// plugged in. Driven by the session clock through poll(), so it runs as fast as the session.
#pragma once

#include <optional>

#include "attune/bridge/device.hpp"
#include "attune/hardware/partner_model.hpp"

namespace attune::session {

class SimulatedDevice final : public bridge::Device {
public:
    SimulatedDevice(hardware::PartnerProfile profile, hardware::SimulationConfig config,
                    std::string address);

    const bridge::DeviceInfo& info() const override { return info_; }
    void start(bridge::ChunkSink on_chunk, bridge::LinkSink on_link) override;
    void stop() override;
    void poll(double now_s) override;

    void set_pacer(std::optional<hardware::PacerTarget> target) { model_.set_pacer(target); }
    const hardware::PartnerModel& model() const { return model_; }

private:
    hardware::PartnerModel model_;
    bridge::DeviceInfo info_;
    bridge::ChunkSink on_chunk_;
    bool running_ = false;
};

}  // namespace attune::session
