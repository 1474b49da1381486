#include "attune/session/device_factory.hpp"

#include <stdexcept>

#include "attune/bridge/attune_board.hpp"
#include "attune/bridge/text_device.hpp"
#include "attune/session/replay_device.hpp"
#include "attune/session/simulated_device.hpp"
#ifdef ATTUNE_HAVE_BLE
#include "attune/bridge/ble/ble_devices.hpp"
#endif

namespace attune::session {

bool is_simulated_spec(const std::string& spec) { return spec == "sim" || spec.rfind("sim:", 0) == 0; }

bridge::DevicePtr make_device(const std::string& spec, DeviceContext& context) {
    if (is_simulated_spec(spec))
        return std::make_unique<SimulatedDevice>(context.sim_profile, context.sim_config,
                                                 "sim:" + context.partner_letter);
    if (std::string dir, letter; parse_replay_spec(spec, dir, letter))
        return std::make_unique<ReplayDevice>(dir, letter);  // a recorded partner, clock-driven
    const auto colon = spec.find(':');
    const std::string scheme = spec.substr(0, colon);
    // Further schemes (serial:, text:, ble:, polar:) are added here by their drivers.
    if (scheme == "serial" && colon != std::string::npos && colon + 1 < spec.size())
        return std::make_unique<bridge::AttuneBoard>(context.io, spec.substr(colon + 1));
    if (scheme == "text" && colon != std::string::npos) {
        auto text = bridge::parse_text_spec(spec.substr(colon + 1));  // throws invalid_argument
        return std::make_unique<bridge::TextDevice>(context.io, text.port, text.config);
    }
    if (scheme == "ble" || scheme == "polar") {
#ifdef ATTUNE_HAVE_BLE
        return bridge::ble::make_ble_device(context.io, spec, context.partner_letter);
#else
        throw std::invalid_argument("'" + spec + "': this build has no Bluetooth LE support (ATTUNE_BUILD_BLE=OFF)");
#endif
    }
    throw std::invalid_argument("unknown device '" + spec +
                                "' (expected sim, serial:PORT, text:PORT, ble:ADDRESS, polar:ADDRESS or replay:DIR/a|b)");
}

}  // namespace attune::session
