// BluezClient: the one place that speaks BlueZ's D-Bus API (org.bluez on the system bus) through
// sdbus-c++, on the engine's Boost.Asio io_context. Internal to the bridge; devices and the
// listing use it, nothing else sees sdbus types.
//
// [SECTION] AsioBus: the sd-bus connection's fd and timeout polled by Asio
// [SECTION] BluezClient: object tree cache, signals, async calls
//
// Thread rule: everything runs on the io_context's thread (the engine thread); callbacks too.
// Errors: D-Bus failures of calls come back as a BusError value in the callback (expected:
// a strap out of range); failing to reach the bus at all throws std::runtime_error from the
// constructor.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

#include "attune/bridge/ble/ble_discovery.hpp"

namespace attune::bridge::ble {

// ---------------------------------------------------------------------------------------------
// [SECTION] AsioBus
// ---------------------------------------------------------------------------------------------

// Drives an sdbus connection from Asio: waits for the bus fd to become readable (or writable
// when sd-bus has queued output) and for sd-bus's own timeout (method call timeouts), then
// processes every pending message. sd-bus may read several messages in one go and queue them,
// so after each round the poll data is checked again: a zero timeout means "more to do now".
class AsioBus {
public:
    AsioBus(boost::asio::io_context& io, std::unique_ptr<sdbus::IConnection> connection);
    ~AsioBus();
    AsioBus(const AsioBus&) = delete;
    AsioBus& operator=(const AsioBus&) = delete;

    sdbus::IConnection& connection() { return *connection_; }
    // Call after sending anything: makes sure the outgoing queue is flushed and replies awaited.
    void kick();

private:
    struct State;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::shared_ptr<State> state_;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] BluezClient
// ---------------------------------------------------------------------------------------------

inline constexpr const char* kBluezService = "org.bluez";
inline constexpr const char* kAdapterIface = "org.bluez.Adapter1";
inline constexpr const char* kDeviceIface = "org.bluez.Device1";
inline constexpr const char* kGattServiceIface = "org.bluez.GattService1";
inline constexpr const char* kGattCharIface = "org.bluez.GattCharacteristic1";
inline constexpr const char* kBatteryIface = "org.bluez.Battery1";

struct BusError {
    std::string name;     // e.g. "org.bluez.Error.Failed"
    std::string message;  // e.g. "le-connection-abort-by-local"
};

using PropertyMap = std::map<std::string, sdbus::Variant>;

class BluezClient {
public:
    // Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured) and loads BlueZ's object
    // tree. Throws std::runtime_error if the bus cannot be reached or BlueZ is not running.
    explicit BluezClient(boost::asio::io_context& io);
    ~BluezClient();

    // --- the cached object tree ---
    std::optional<std::string> adapter_path() const;
    std::vector<BleDeviceInfo> devices() const;
    std::optional<BleDeviceInfo> device_by_address(const std::string& address) const;
    std::optional<BleDeviceInfo> device_by_path(const std::string& path) const;
    // Characteristic of a service (both by UUID, lower-case 128-bit) under a device, if exported.
    std::optional<std::string> characteristic(const std::string& device_path, const std::string& service_uuid,
                                              const std::string& char_uuid) const;

    // --- events (one listener each; the device that owns the client sets them) ---
    // PropertiesChanged of any org.bluez object (after the cache is updated).
    std::function<void(const std::string& path, const std::string& iface, const PropertyMap& changed)>
        on_properties_changed;
    std::function<void(const std::string& path)> on_object_added;
    std::function<void(const std::string& path, const std::vector<std::string>& ifaces)> on_object_removed;

    // --- asynchronous calls; the callback runs on the io thread, error empty on success ---
    using Done = std::function<void(const std::optional<BusError>& error)>;
    using BytesDone = std::function<void(const std::optional<BusError>& error, const std::vector<std::uint8_t>&)>;
    void connect_device(const std::string& device_path, Done done);
    void disconnect_device(const std::string& device_path, Done done);
    void start_notify(const std::string& char_path, Done done);
    void stop_notify(const std::string& char_path, Done done);
    void write_value(const std::string& char_path, const std::vector<std::uint8_t>& value, Done done);
    void read_value(const std::string& char_path, BytesDone done);
    void start_discovery(Done done);
    void stop_discovery(Done done);

    // Blocking variants for shutdown paths (stop streams on exit), with a short timeout.
    std::optional<BusError> write_value_blocking(const std::string& char_path, const std::vector<std::uint8_t>& value);
    std::optional<BusError> call_blocking(const std::string& path, const char* iface, const char* method);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Value property (ay) from a PropertiesChanged map, if present.
std::optional<std::vector<std::uint8_t>> value_bytes(const PropertyMap& changed);
std::optional<bool> bool_property(const PropertyMap& changed, const char* name);

}  // namespace attune::bridge::ble
