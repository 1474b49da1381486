// Finding heart-rate straps over BlueZ: what a strap looks like to Attune, and the listing
// behind `attune devices --ble`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::bridge::ble {

// 128-bit forms of the UUIDs Attune uses (BlueZ reports lower case).
inline constexpr std::string_view kHeartRateServiceUuid = "0000180d-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view kHeartRateMeasurementUuid = "00002a37-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view kBatteryServiceUuid = "0000180f-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view kBatteryLevelUuid = "00002a19-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view kPmdServiceUuid = "fb005c80-02e7-f387-1cad-8acd2d8df0c8";
inline constexpr std::string_view kPmdControlUuid = "fb005c81-02e7-f387-1cad-8acd2d8df0c8";
inline constexpr std::string_view kPmdDataUuid = "fb005c82-02e7-f387-1cad-8acd2d8df0c8";

struct BleDeviceInfo {
    std::string path;     // D-Bus object path, e.g. /org/bluez/hci0/dev_A0_9E_1A_00_00_02
    std::string address;  // AA:BB:CC:DD:EE:FF
    std::string name;     // Alias (or Name)
    std::optional<int> rssi_dbm;         // only while advertising / recently seen
    std::optional<int> battery_percent;  // org.bluez.Battery1, when BlueZ has read it
    std::vector<std::string> uuids;      // advertised / resolved service UUIDs
    bool connected = false;
    bool services_resolved = false;
    bool paired = false;

    bool has_heart_rate_service() const;
    bool has_polar_pmd() const;
    // A heart-rate strap Attune can use: the HR service or a known strap model by name.
    bool is_heart_rate_sensor() const;
    bool is_polar_h10() const;
    // "polar-h10", "ble-hr" or "" (not a heart-rate sensor).
    std::string kind() const;
    // The device spec to pass to `attune session --partner-a ...`: "polar:ADDR" or "ble:ADDR".
    std::string spec() const;
};

// Known strap names for sensors that do not advertise 0x180D until connected.
bool is_known_strap_name(std::string_view name);

struct BleListOptions {
    double scan_seconds = 4.0;   // how long to scan for advertising straps
    bool include_all = false;    // also list devices that are not heart-rate sensors
};

struct BleListResult {
    std::vector<BleDeviceInfo> devices;
    std::string error;  // non-empty: BlueZ not reachable / no adapter (a message for the user)
};

// Scans with the first adapter for scan_seconds (running io until then) and returns what it
// found, heart-rate sensors first. Runs `io` itself; call it from the thread that owns io.
BleListResult list_ble_devices(boost::asio::io_context& io, const BleListOptions& options = {});

// Table for the terminal: kind, address, RSSI, battery, name, spec.
std::string format_ble_devices(const BleListResult& result);

// A valid BLE address "AA:BB:CC:DD:EE:FF" (upper- or lower-case hex)?
bool is_ble_address(std::string_view text);

}  // namespace attune::bridge::ble
