#include "bluez_client.hpp"

#include <poll.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace attune::bridge::ble {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr auto kCallTimeout = 10s;
constexpr auto kConnectTimeout = 25s;    // BlueZ gives up on an LE connect after ~20-40 s
constexpr auto kShutdownTimeout = 1500ms;  // stop commands on exit: do not hang the exit
constexpr const char* kObjectManagerIface = "org.freedesktop.DBus.ObjectManager";
constexpr const char* kPropertiesIface = "org.freedesktop.DBus.Properties";

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

BusError to_bus_error(const sdbus::Error& e) { return {e.getName(), e.getMessage()}; }

template <typename T>
std::optional<T> get_as(const PropertyMap& props, const char* name) {
    const auto it = props.find(name);
    if (it == props.end() || !it->second.containsValueOfType<T>()) return std::nullopt;
    return it->second.get<T>();
}
}  // namespace

std::optional<std::vector<std::uint8_t>> value_bytes(const PropertyMap& changed) {
    return get_as<std::vector<std::uint8_t>>(changed, "Value");
}

std::optional<bool> bool_property(const PropertyMap& changed, const char* name) {
    return get_as<bool>(changed, name);
}

// ---------------------------------------------------------------------------------------------
// AsioBus
// ---------------------------------------------------------------------------------------------

struct AsioBus::State : std::enable_shared_from_this<AsioBus::State> {
    State(asio::io_context& io, sdbus::IConnection& c, int fd) : connection(c), descriptor(io, fd), timer(io) {}

    sdbus::IConnection& connection;
    asio::posix::stream_descriptor descriptor;  // NOT owning: released before destruction
    asio::steady_timer timer;
    bool read_waiting = false;
    bool write_waiting = false;
    bool posted = false;

    void process() {
        try {
            while (connection.processPendingRequest()) {
            }
        } catch (const sdbus::Error&) {
            // The bus went away (daemon gone): nothing more will arrive; devices notice through
            // their watchdogs. Do not re-arm on a dead connection's fd in a tight loop.
            return;
        }
        arm();
    }

    void arm() {
        const auto poll = connection.getEventLoopPollData();
        std::weak_ptr<State> weak = weak_from_this();
        if (poll.timeout_usec == 0) {
            if (!posted) {
                posted = true;
                asio::post(descriptor.get_executor(), [weak] {
                    if (auto s = weak.lock()) {
                        s->posted = false;
                        s->process();
                    }
                });
            }
            return;
        }
        if (!read_waiting) {
            read_waiting = true;
            descriptor.async_wait(asio::posix::stream_descriptor::wait_read, [weak](const boost::system::error_code& ec) {
                auto s = weak.lock();
                if (!s) return;
                s->read_waiting = false;
                if (!ec) s->process();
            });
        }
        if ((poll.events & POLLOUT) && !write_waiting) {
            write_waiting = true;
            descriptor.async_wait(asio::posix::stream_descriptor::wait_write, [weak](const boost::system::error_code& ec) {
                auto s = weak.lock();
                if (!s) return;
                s->write_waiting = false;
                if (!ec) s->process();
            });
        }
        if (const auto relative = poll.getRelativeTimeout()) {
            timer.expires_after(*relative);
            timer.async_wait([weak](const boost::system::error_code& ec) {
                if (ec) return;
                if (auto s = weak.lock()) s->process();
            });
        }
    }
};

AsioBus::AsioBus(asio::io_context& io, std::unique_ptr<sdbus::IConnection> connection)
    : connection_(std::move(connection)) {
    const int fd = connection_->getEventLoopPollData().fd;
    state_ = std::make_shared<State>(io, *connection_, fd);
    state_->arm();
}

AsioBus::~AsioBus() {
    boost::system::error_code ignored;
    state_->timer.cancel();
    state_->descriptor.cancel(ignored);
    state_->descriptor.release();  // sd-bus owns and closes its fd
}

void AsioBus::kick() { state_->arm(); }

// ---------------------------------------------------------------------------------------------
// BluezClient
// ---------------------------------------------------------------------------------------------

using ObjectTree = std::map<std::string, std::map<std::string, PropertyMap>>;

struct BluezClient::Impl {
    explicit Impl(asio::io_context& io, std::unique_ptr<sdbus::IConnection> c) : bus(io, std::move(c)) {}

    AsioBus bus;
    ObjectTree tree;
    std::map<std::string, std::unique_ptr<sdbus::IProxy>> proxies;
    std::vector<sdbus::Slot> matches;
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    sdbus::IProxy& proxy(const std::string& path) {
        auto& p = proxies[path];
        if (!p) p = sdbus::createProxy(bus.connection(), kBluezService, path);
        return *p;
    }

    // Completions are dropped if the client is gone by the time the reply arrives (sdbus-c++
    // needs the exact reply signature, hence two wrappers rather than a generic lambda).
    auto guarded(Done done) {
        return [weak = std::weak_ptr<int>(alive), done = std::move(done)](const sdbus::Error* e) {
            if (weak.lock()) done(e ? std::optional<BusError>(to_bus_error(*e)) : std::nullopt);
        };
    }
    auto guarded_bytes(BytesDone done) {
        return [weak = std::weak_ptr<int>(alive), done = std::move(done)](const sdbus::Error* e,
                                                                           std::vector<std::uint8_t> v) {
            if (weak.lock()) done(e ? std::optional<BusError>(to_bus_error(*e)) : std::nullopt, v);
        };
    }

    void erase_subtree(const std::string& path) {
        for (auto it = tree.lower_bound(path + "/"); it != tree.end() && starts_with(it->first, path + "/");)
            it = tree.erase(it);
    }

    std::optional<BleDeviceInfo> device_info(const std::string& path) const {
        const auto it = tree.find(path);
        if (it == tree.end()) return std::nullopt;
        const auto dev = it->second.find(kDeviceIface);
        if (dev == it->second.end()) return std::nullopt;
        const PropertyMap& p = dev->second;
        BleDeviceInfo info;
        info.path = path;
        info.address = get_as<std::string>(p, "Address").value_or("");
        info.name = get_as<std::string>(p, "Alias").value_or(get_as<std::string>(p, "Name").value_or(""));
        if (auto rssi = get_as<std::int16_t>(p, "RSSI")) info.rssi_dbm = *rssi;
        if (auto uuids = get_as<std::vector<std::string>>(p, "UUIDs"))
            for (auto& u : *uuids) info.uuids.push_back(lower(u));
        info.connected = get_as<bool>(p, "Connected").value_or(false);
        info.services_resolved = get_as<bool>(p, "ServicesResolved").value_or(false);
        info.paired = get_as<bool>(p, "Paired").value_or(false);
        if (const auto bat = it->second.find(kBatteryIface); bat != it->second.end())
            if (auto pct = get_as<std::uint8_t>(bat->second, "Percentage")) info.battery_percent = *pct;
        return info;
    }
};

BluezClient::BluezClient(asio::io_context& io) {
    std::unique_ptr<sdbus::IConnection> connection;
    try {
        connection = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw std::runtime_error("cannot reach the system D-Bus (" + e.getMessage() +
                                 "): is dbus running? BLE sensors need BlueZ on the system bus");
    }
    impl_ = std::make_unique<Impl>(io, std::move(connection));
    Impl& d = *impl_;
    auto& conn = d.bus.connection();

    // No sender= in the rules: sd-bus compares senders by unique name locally; paths are
    // filtered here instead (BlueZ owns /org/bluez).
    d.matches.push_back(conn.addMatch(
        "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
        "path_namespace='/org/bluez'",
        [this](sdbus::Message& msg) {
            std::string iface;
            PropertyMap changed;
            std::vector<std::string> invalidated;
            try {
                msg >> iface >> changed >> invalidated;
            } catch (const sdbus::Error&) {
                return;  // malformed signal: ignore
            }
            const std::string path = msg.getPath();
            auto& props = impl_->tree[path][iface];
            for (const auto& [k, v] : changed) props[k] = v;
            for (const auto& k : invalidated) props.erase(k);
            if (on_properties_changed) on_properties_changed(path, iface, changed);
        }));
    d.matches.push_back(conn.addMatch(
        "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
        [this](sdbus::Message& msg) {
            sdbus::ObjectPath path;
            std::map<std::string, PropertyMap> ifaces;
            try {
                msg >> path >> ifaces;
            } catch (const sdbus::Error&) {
                return;
            }
            if (!starts_with(path, "/org/bluez")) return;
            for (auto& [name, props] : ifaces) impl_->tree[path][name] = std::move(props);
            if (on_object_added) on_object_added(path);
        }));
    d.matches.push_back(conn.addMatch(
        "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'",
        [this](sdbus::Message& msg) {
            sdbus::ObjectPath path;
            std::vector<std::string> ifaces;
            try {
                msg >> path >> ifaces;
            } catch (const sdbus::Error&) {
                return;
            }
            if (!starts_with(path, "/org/bluez")) return;
            auto it = impl_->tree.find(path);
            if (it != impl_->tree.end()) {
                for (const auto& i : ifaces) it->second.erase(i);
                if (it->second.empty()) impl_->tree.erase(it);
            }
            // A vanished adapter or device takes its children with it, whether or not the
            // daemon said so for each one (bluetoothd crashing does not).
            if (std::find(ifaces.begin(), ifaces.end(), kDeviceIface) != ifaces.end() ||
                std::find(ifaces.begin(), ifaces.end(), kAdapterIface) != ifaces.end())
                impl_->erase_subtree(path);
            impl_->proxies.erase(path);
            if (on_object_removed) on_object_removed(path, ifaces);
        }));

    std::map<sdbus::ObjectPath, std::map<std::string, PropertyMap>> objects;
    try {
        d.proxy("/")
            .callMethod("GetManagedObjects")
            .onInterface(kObjectManagerIface)
            .withTimeout(kCallTimeout)
            .storeResultsTo(objects);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
            e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
            throw std::runtime_error("BlueZ is not running (no org.bluez on the system bus): "
                                     "start bluetoothd (systemctl start bluetooth)");
        throw std::runtime_error("cannot read BlueZ's objects: " + e.getName() + ": " + e.getMessage());
    }
    for (auto& [path, ifaces] : objects) d.tree[path] = std::move(ifaces);
    d.bus.kick();
}

BluezClient::~BluezClient() = default;

std::optional<std::string> BluezClient::adapter_path() const {
    for (const auto& [path, ifaces] : impl_->tree)
        if (ifaces.count(kAdapterIface)) return path;
    return std::nullopt;
}

std::vector<BleDeviceInfo> BluezClient::devices() const {
    std::vector<BleDeviceInfo> out;
    for (const auto& [path, ifaces] : impl_->tree)
        if (ifaces.count(kDeviceIface))
            if (auto info = impl_->device_info(path)) out.push_back(std::move(*info));
    return out;
}

std::optional<BleDeviceInfo> BluezClient::device_by_address(const std::string& address) const {
    for (const auto& [path, ifaces] : impl_->tree) {
        if (!ifaces.count(kDeviceIface)) continue;
        auto info = impl_->device_info(path);
        if (info && lower(info->address) == lower(address)) return info;
    }
    return std::nullopt;
}

std::optional<BleDeviceInfo> BluezClient::device_by_path(const std::string& path) const {
    return impl_->device_info(path);
}

std::optional<std::string> BluezClient::characteristic(const std::string& device_path,
                                                       const std::string& service_uuid,
                                                       const std::string& char_uuid) const {
    const auto& tree = impl_->tree;
    for (auto s = tree.lower_bound(device_path + "/"); s != tree.end() && starts_with(s->first, device_path + "/"); ++s) {
        const auto svc = s->second.find(kGattServiceIface);
        if (svc == s->second.end() || lower(get_as<std::string>(svc->second, "UUID").value_or("")) != service_uuid)
            continue;
        const std::string prefix = s->first + "/";
        for (auto c = tree.lower_bound(prefix); c != tree.end() && starts_with(c->first, prefix); ++c) {
            const auto ch = c->second.find(kGattCharIface);
            if (ch != c->second.end() && lower(get_as<std::string>(ch->second, "UUID").value_or("")) == char_uuid)
                return c->first;
        }
    }
    return std::nullopt;
}

void BluezClient::connect_device(const std::string& path, Done done) {
    impl_->proxy(path).callMethodAsync("Connect").onInterface(kDeviceIface).withTimeout(kConnectTimeout)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::disconnect_device(const std::string& path, Done done) {
    impl_->proxy(path).callMethodAsync("Disconnect").onInterface(kDeviceIface).withTimeout(kCallTimeout)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::start_notify(const std::string& path, Done done) {
    impl_->proxy(path).callMethodAsync("StartNotify").onInterface(kGattCharIface).withTimeout(kCallTimeout)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::stop_notify(const std::string& path, Done done) {
    impl_->proxy(path).callMethodAsync("StopNotify").onInterface(kGattCharIface).withTimeout(kCallTimeout)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::write_value(const std::string& path, const std::vector<std::uint8_t>& value, Done done) {
    // "request": write with response, as the PMD control point requires.
    const std::map<std::string, sdbus::Variant> options{{"type", sdbus::Variant(std::string("request"))}};
    impl_->proxy(path).callMethodAsync("WriteValue").onInterface(kGattCharIface).withTimeout(kCallTimeout)
        .withArguments(value, options)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::read_value(const std::string& path, BytesDone done) {
    const std::map<std::string, sdbus::Variant> options;
    impl_->proxy(path).callMethodAsync("ReadValue").onInterface(kGattCharIface).withTimeout(kCallTimeout)
        .withArguments(options)
        .uponReplyInvoke(impl_->guarded_bytes(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::start_discovery(Done done) {
    const auto adapter = adapter_path();
    if (!adapter) {
        done(BusError{"org.bluez.Error.NotReady", "no Bluetooth adapter"});
        return;
    }
    // Filter to LE; RSSI and UUIDs of advertisements then show up on Device1.
    const std::map<std::string, sdbus::Variant> filter{{"Transport", sdbus::Variant(std::string("le"))}};
    auto& p = impl_->proxy(*adapter);
    p.callMethodAsync("SetDiscoveryFilter").onInterface(kAdapterIface).withTimeout(kCallTimeout)
        .withArguments(filter)
        .uponReplyInvoke(impl_->guarded([](const std::optional<BusError>&) {}));  // may be refused: scan anyway
    p.callMethodAsync("StartDiscovery").onInterface(kAdapterIface).withTimeout(kCallTimeout)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

void BluezClient::stop_discovery(Done done) {
    const auto adapter = adapter_path();
    if (!adapter) {
        done(std::nullopt);
        return;
    }
    impl_->proxy(*adapter).callMethodAsync("StopDiscovery").onInterface(kAdapterIface).withTimeout(kCallTimeout)
        .uponReplyInvoke(impl_->guarded(std::move(done)));
    impl_->bus.kick();
}

std::optional<BusError> BluezClient::write_value_blocking(const std::string& path, const std::vector<std::uint8_t>& value) {
    const std::map<std::string, sdbus::Variant> options{{"type", sdbus::Variant(std::string("request"))}};
    try {
        impl_->proxy(path).callMethod("WriteValue").onInterface(kGattCharIface).withTimeout(kShutdownTimeout)
            .withArguments(value, options);
    } catch (const sdbus::Error& e) {
        impl_->bus.kick();
        return to_bus_error(e);
    }
    impl_->bus.kick();
    return std::nullopt;
}

std::optional<BusError> BluezClient::call_blocking(const std::string& path, const char* iface, const char* method) {
    try {
        impl_->proxy(path).callMethod(method).onInterface(iface).withTimeout(kShutdownTimeout);
    } catch (const sdbus::Error& e) {
        impl_->bus.kick();
        return to_bus_error(e);
    }
    impl_->bus.kick();
    return std::nullopt;
}

}  // namespace attune::bridge::ble
