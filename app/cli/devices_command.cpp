// `attune devices`: lists the sensors this machine can see, one function per source.
// Serial ports come from libserialport (name, description, USB VID:PID, serial number, what it
// probably is, and the --a/--b spec that would use it). To add a source (e.g. BLE): write a
// `std::vector<DeviceListing> list_x(const DevicesOptions&)`, add a flag to DevicesOptions and
// a row to sources() below.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attune/bridge/serial_ports.hpp"
#include "command_registry.hpp"
#ifdef ATTUNE_HAVE_BLE
#include <boost/asio/io_context.hpp>
#include <stdexcept>

#include "attune/bridge/ble/ble_discovery.hpp"
#endif

namespace attune::cli {
namespace {

struct DevicesOptions {
    bool serial = false;
    bool ble = false;
    bool json = false;
    double scan_seconds = 5.0;  // for sources that scan (BLE)
};

struct DeviceListing {
    std::string source;   // "serial"
    std::string address;  // /dev/ttyUSB0
    std::string name;     // description / product
    std::string details;  // USB 2341:0043 serial 7573...
    std::string likely;   // what it probably is
    std::string spec;     // how to use it: serial:/dev/ttyUSB0
};

std::string hex4(int v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v & 0xFFFF);
    return buf;
}

std::vector<DeviceListing> list_serial(const DevicesOptions&) {
    std::vector<DeviceListing> out;
    for (const auto& p : bridge::list_serial_ports()) {
        DeviceListing d;
        d.source = "serial";
        d.address = p.name;
        d.name = p.product.empty() ? p.description : p.product;
        d.details = p.transport;
        if (p.usb_vid >= 0) d.details += " " + hex4(p.usb_vid) + ":" + hex4(p.usb_pid);
        if (!p.manufacturer.empty()) d.details += " " + p.manufacturer;
        if (!p.serial_number.empty()) d.details += " serial " + p.serial_number;
        d.likely = p.likely;
        d.spec = "serial:" + p.name + "  or  text:" + p.name + "?rate=250&columns=ecg,resp";
        out.push_back(std::move(d));
    }
    return out;
}

#ifdef ATTUNE_HAVE_BLE
// Heart-rate straps through BlueZ (scans scan_seconds). Without --ble, a machine without BlueZ
// or an adapter is simply skipped; with --ble it is an error with the reason.
std::vector<DeviceListing> list_ble(const DevicesOptions& opts) {
    boost::asio::io_context io;
    const auto result = bridge::ble::list_ble_devices(io, {opts.scan_seconds, false});
    if (!result.error.empty()) {
        if (opts.ble) throw std::runtime_error(result.error);
        return {};
    }
    std::vector<DeviceListing> out;
    for (const auto& b : result.devices) {
        DeviceListing d;
        d.source = "ble";
        d.address = b.address;
        d.name = b.name;
        d.details = "RSSI " + (b.rssi_dbm ? std::to_string(*b.rssi_dbm) + " dBm" : std::string("-")) + ", battery " +
                    (b.battery_percent ? std::to_string(*b.battery_percent) + " %" : std::string("-")) +
                    (b.connected ? ", connected" : "");
        d.likely = b.is_polar_h10() ? "Polar H10 (heart rate, RR, raw ECG 130 Hz, accelerometer)"
                                    : "heart-rate strap (heart rate, RR intervals)";
        d.spec = b.spec();
        out.push_back(std::move(d));
    }
    return out;
}
#endif

struct Source {
    const char* name;
    bool DevicesOptions::*enabled;
    std::vector<DeviceListing> (*list)(const DevicesOptions&);
};

const std::vector<Source>& sources() {
    static const std::vector<Source> all = {
        {"serial", &DevicesOptions::serial, list_serial},
#ifdef ATTUNE_HAVE_BLE
        {"ble", &DevicesOptions::ble, list_ble},
#endif
    };
    return all;
}

void print_table(const std::vector<DeviceListing>& rows) {
    if (rows.empty()) {
        std::cout << "no devices found (pseudo-terminals are not listed; use serial:/dev/pts/N directly)\n";
        return;
    }
    for (const auto& d : rows) {
        std::cout << d.source << "  " << d.address << "  " << d.name << "\n";
        if (!d.details.empty()) std::cout << "    " << d.details << "\n";
        if (!d.likely.empty()) std::cout << "    probably: " << d.likely << "\n";
        if (!d.spec.empty()) std::cout << "    use: --a " << d.spec << "\n";
    }
}

int run_devices(DevicesOptions opts) {
    bool any_flag = false;
    for (const auto& s : sources()) any_flag = any_flag || opts.*(s.enabled);
    std::vector<DeviceListing> rows;
    int status = 0;
    for (const auto& s : sources()) {
        if (any_flag && !(opts.*(s.enabled))) continue;
        try {
            auto found = s.list(opts);
            rows.insert(rows.end(), found.begin(), found.end());
        } catch (const std::exception& e) {
            std::cerr << "attune devices: " << s.name << ": " << e.what() << "\n";
            status = 1;
        }
    }
    if (opts.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& d : rows)
            j.push_back({{"source", d.source}, {"address", d.address}, {"name", d.name},
                         {"details", d.details}, {"likely", d.likely}, {"spec", d.spec}});
        std::cout << j.dump(2) << "\n";
    } else {
        print_table(rows);
    }
    return status;
}

const Registration kDevices{
    "devices", "List sensors this machine can see (serial ports; what each probably is)",
    [](CLI::App& sub) -> Runner {
        auto opts = std::make_shared<DevicesOptions>();
        sub.add_flag("--serial", opts->serial, "Serial ports only");
        sub.add_flag("--ble", opts->ble, "Bluetooth LE heart-rate straps only (scans --scan seconds)");
        sub.add_option("--scan", opts->scan_seconds, "BLE scan time in seconds")->capture_default_str();
        sub.add_flag("--json", opts->json, "Machine-readable output");
        return [opts] { return run_devices(*opts); };
    }};

}  // namespace
}  // namespace attune::cli
