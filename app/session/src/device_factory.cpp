#include "attune/session/device_factory.hpp"

#include <stdexcept>

#include "attune/session/simulated_device.hpp"

namespace attune::session {

bool is_simulated_spec(const std::string& spec) { return spec == "sim" || spec.rfind("sim:", 0) == 0; }

bridge::DevicePtr make_device(const std::string& spec, DeviceContext& context) {
    if (is_simulated_spec(spec))
        return std::make_unique<SimulatedDevice>(context.sim_profile, context.sim_config,
                                                 "sim:" + context.partner_letter);
    const auto colon = spec.find(':');
    const std::string scheme = spec.substr(0, colon);
    // Further schemes (serial:, text:, ble:, polar:) are added here by their drivers.
    throw std::invalid_argument("unknown device '" + spec +
                                "' (expected sim, serial:PORT, text:PORT, ble:ADDRESS or polar:ADDRESS)");
}

}  // namespace attune::session
