// Discovery: which BlueZ devices are heart-rate straps, and the `attune devices --ble` listing.
#include "attune/bridge/ble/ble_discovery.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "bluez_client.hpp"

namespace attune::bridge::ble {

namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
bool has_uuid(const std::vector<std::string>& uuids, std::string_view uuid) {
    return std::find(uuids.begin(), uuids.end(), uuid) != uuids.end();
}
}  // namespace

bool is_known_strap_name(std::string_view name) {
    // Straps whose advertisements may omit the service list: match on the model names they use.
    static constexpr std::string_view kPrefixes[] = {"polar h", "polar oh1", "polar verity", "tickr",
                                                     "hrm-", "hrm pro", "hrm-dual", "coospo", "magene h",
                                                     "wahoo hrm", "garmin hrm", "suunto smart sensor"};
    const std::string n = lower(name);
    for (auto p : kPrefixes)
        if (n.rfind(p, 0) == 0) return true;
    return false;
}

bool BleDeviceInfo::has_heart_rate_service() const { return has_uuid(uuids, kHeartRateServiceUuid); }
bool BleDeviceInfo::has_polar_pmd() const { return has_uuid(uuids, kPmdServiceUuid); }
bool BleDeviceInfo::is_polar_h10() const { return has_polar_pmd() || lower(name).rfind("polar h10", 0) == 0; }
bool BleDeviceInfo::is_heart_rate_sensor() const {
    return has_heart_rate_service() || is_polar_h10() || is_known_strap_name(name);
}
std::string BleDeviceInfo::kind() const {
    if (is_polar_h10()) return "polar-h10";
    if (is_heart_rate_sensor()) return "ble-hr";
    return "";
}
std::string BleDeviceInfo::spec() const {
    if (is_polar_h10()) return "polar:" + address;
    if (is_heart_rate_sensor()) return "ble:" + address;
    return "";
}

bool is_ble_address(std::string_view t) {
    if (t.size() != 17) return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (i % 3 == 2) {
            if (t[i] != ':') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(t[i]))) {
            return false;
        }
    }
    return true;
}

BleListResult list_ble_devices(boost::asio::io_context& io, const BleListOptions& options) {
    BleListResult result;
    std::unique_ptr<BluezClient> client;
    try {
        client = std::make_unique<BluezClient>(io);
    } catch (const std::exception& e) {
        result.error = e.what();
        return result;
    }
    if (!client->adapter_path()) {
        result.error = "no Bluetooth adapter found (is it plugged in and powered? try `bluetoothctl show`)";
        return result;
    }
    std::string scan_error;
    client->start_discovery([&](const std::optional<BusError>& e) {
        if (e) scan_error = e->name + ": " + e->message;
    });
    boost::asio::steady_timer timer(io);
    bool done = false;
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::max(0.0, options.scan_seconds))));
    timer.async_wait([&](const boost::system::error_code&) { done = true; });
    io.restart();
    while (!done && io.run_one()) {
    }
    client->stop_discovery([](const std::optional<BusError>&) {});
    io.restart();
    io.poll();

    for (auto& d : client->devices())
        if (options.include_all || d.is_heart_rate_sensor()) result.devices.push_back(std::move(d));
    std::stable_sort(result.devices.begin(), result.devices.end(), [](const auto& a, const auto& b) {
        if (a.is_heart_rate_sensor() != b.is_heart_rate_sensor()) return a.is_heart_rate_sensor();
        return a.rssi_dbm.value_or(-200) > b.rssi_dbm.value_or(-200);
    });
    if (!scan_error.empty() && result.devices.empty()) result.error = "scan failed: " + scan_error;
    return result;
}

std::string format_ble_devices(const BleListResult& result) {
    std::ostringstream out;
    if (!result.error.empty()) {
        out << "BLE: " << result.error << "\n";
        return out.str();
    }
    if (result.devices.empty()) {
        out << "BLE: no heart-rate straps found (wear the strap - it sleeps when dry - and keep it "
               "within a few metres; a strap connected to a phone does not advertise)\n";
        return out.str();
    }
    out << "kind       address            rssi   battery  connected  name                     spec\n";
    for (const auto& d : result.devices) {
        char line[256];
        const std::string rssi = d.rssi_dbm ? std::to_string(*d.rssi_dbm) + " dBm" : "-";
        const std::string battery = d.battery_percent ? std::to_string(*d.battery_percent) + " %" : "-";
        const std::string kind = d.kind().empty() ? "other" : d.kind();
        std::snprintf(line, sizeof line, "%-10s %-18s %-7s %-8s %-10s %-24s %s\n", kind.c_str(), d.address.c_str(),
                      rssi.c_str(), battery.c_str(), d.connected ? "yes" : "no", d.name.c_str(),
                      d.spec().empty() ? "-" : d.spec().c_str());
        out << line;
    }
    return out.str();
}

}  // namespace attune::bridge::ble
