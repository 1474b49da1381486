// Turns a device spec from the command line or the setup screen into a Device:
//   sim            the simulated partner (default)
//   serial:PORT    the Attune board on a serial port
//   text:PORT?rate=250&columns=ecg,resp   a line-oriented text device
//   ble:ADDRESS    a standard BLE heart-rate strap;  polar:ADDRESS  a Polar H10
//   replay:DIR/a   partner a (or b) of the recording in DIR, played back on the session clock
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "attune/bridge/device.hpp"
#include "attune/hardware/partner_model.hpp"

namespace attune::session {

struct DeviceContext {
    boost::asio::io_context& io;
    hardware::PartnerProfile sim_profile;  // used by "sim"
    hardware::SimulationConfig sim_config;
    std::string partner_letter;            // "a" or "b"
};

// Throws std::invalid_argument with a clear message for an unknown or malformed spec.
bridge::DevicePtr make_device(const std::string& spec, DeviceContext& context);

// True if the spec names a clock-driven source (simulated, replay) rather than a live sensor.
bool is_simulated_spec(const std::string& spec);

}  // namespace attune::session
