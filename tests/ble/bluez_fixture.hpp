// A private system bus with Attune's BlueZ stand-in on it, for one test case.
//
// Starts `dbus-daemon` (own config, socket in a temp dir) and the python-dbusmock stand-in
// (hardware/ble_standin/attune_bluez_standin.py), points DBUS_SYSTEM_BUS_ADDRESS at the private
// bus for this process, and on destruction kills both (by the pids it started), removes the
// temp dir and restores the environment. Nothing happens at test discovery time: the bus is
// started inside the test case.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace attune::test {

inline constexpr const char* kHrStrap = "AA:BB:CC:00:00:01";
inline constexpr const char* kPolarH10 = "A0:9E:1A:00:00:02";

class BluezStandIn {
public:
    explicit BluezStandIn(double speed = 10.0) : speed_(speed) {
        try {
            start();
        } catch (...) {
            cleanup();  // a constructor that throws gets no destructor: never leak the daemons
            throw;
        }
    }

    ~BluezStandIn() { cleanup(); }

    BluezStandIn(const BluezStandIn&) = delete;
    BluezStandIn& operator=(const BluezStandIn&) = delete;

private:
    void start() {
        char tmpl[] = "/tmp/attune-ble-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        const std::string socket = dir_ + "/system_bus_socket";
        write_bus_config(socket);
        if (const char* old = std::getenv("DBUS_SYSTEM_BUS_ADDRESS")) old_address_ = old;
        address_ = "unix:path=" + socket;

        daemon_pid_ = spawn({"dbus-daemon", "--config-file=" + dir_ + "/bus.conf", "--nofork", "--nopidfile"},
                            dir_ + "/dbus-daemon.log");
        wait_for([&] { return std::filesystem::exists(socket); }, "dbus-daemon socket");
        setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);

        const std::string standin = std::string(ATTUNE_SOURCE_DIR) + "/hardware/ble_standin/attune_bluez_standin.py";
        mock_pid_ = spawn({"/usr/bin/python3", "-m", "dbusmock", "--template", standin, "-p",
                           "{\"speed\": " + std::to_string(speed_) + "}"},
                          dir_ + "/standin.log");
        // The socket file exists once bound, a moment before the daemon accepts: retry.
        wait_for([&] { control_ = sdbus::createSystemBusConnection(); return true; }, "dbus-daemon to accept");
        auto dbus = sdbus::createProxy(*control_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        wait_for(
            [&] {
                bool has = false;
                dbus->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(std::string("org.bluez"))
                    .storeResultsTo(has);
                if (!has) return false;
                // The name is taken before the template has loaded: wait for the adapter too.
                try {
                    auto p = sdbus::createProxy(*control_, "org.bluez", "/org/bluez/hci0");
                    p->getProperty("Powered").onInterface("org.bluez.Adapter1");
                    return true;
                } catch (const sdbus::Error&) {
                    return false;
                }
            },
            "the BlueZ stand-in");
        standin_ = sdbus::createProxy(*control_, "org.bluez", "/");
    }

    void cleanup() {
        standin_.reset();
        control_.reset();
        stop(mock_pid_);
        stop(daemon_pid_);
        mock_pid_ = daemon_pid_ = -1;
        if (old_address_) setenv("DBUS_SYSTEM_BUS_ADDRESS", old_address_->c_str(), 1);
        else unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

public:
    double speed() const { return speed_; }
    const std::string& dir() const { return dir_; }

    // Test controls of the stand-in (org.attune.StandIn).
    template <typename... Args>
    void control(const std::string& method, Args&&... args) {
        standin_->callMethod(method).onInterface("org.attune.StandIn").withArguments(std::forward<Args>(args)...);
    }
    std::vector<sdbus::Struct<double, std::uint16_t>> truth(const std::string& address) {
        std::vector<sdbus::Struct<double, std::uint16_t>> beats;
        standin_->callMethod("Truth").onInterface("org.attune.StandIn").withArguments(address).storeResultsTo(beats);
        return beats;
    }
    std::pair<bool, bool> pmd_state(const std::string& address) {
        sdbus::Struct<bool, bool> s;
        standin_->callMethod("PmdState").onInterface("org.attune.StandIn").withArguments(address).storeResultsTo(s);
        return {std::get<0>(s), std::get<1>(s)};
    }
    bool device_connected(const std::string& address) {
        std::string path = "/org/bluez/hci0/dev_" + address;
        for (char& c : path)
            if (c == ':') c = '_';
        auto p = sdbus::createProxy(*control_, "org.bluez", path);
        return p->getProperty("Connected").onInterface("org.bluez.Device1").get<bool>();
    }

private:
    void write_bus_config(const std::string& socket) {
        std::ofstream f(dir_ + "/bus.conf");
        f << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
             " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
             "<busconfig><type>system</type><listen>unix:path="
          << socket
          << "</listen><auth>EXTERNAL</auth><policy context=\"default\">"
             "<allow user=\"*\"/><allow own=\"*\"/><allow send_type=\"method_call\"/>"
             "<allow send_type=\"signal\"/><allow send_type=\"method_return\"/><allow send_type=\"error\"/>"
             "<allow receive_type=\"method_call\"/><allow receive_type=\"method_return\"/>"
             "<allow receive_type=\"error\"/><allow receive_type=\"signal\"/></policy></busconfig>\n";
    }

    pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        // The child sees the private bus as its system bus.
        std::vector<std::string> env_store;
        for (char** e = environ; *e; ++e)
            if (std::string(*e).rfind("DBUS_SYSTEM_BUS_ADDRESS=", 0) != 0) env_store.emplace_back(*e);
        env_store.push_back("DBUS_SYSTEM_BUS_ADDRESS=" + address_);
        std::vector<char*> env;
        for (auto& e : env_store) env.push_back(e.data());
        env.push_back(nullptr);
        pid_t pid = 0;
        const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
        return pid;
    }

    static void stop(pid_t pid) {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (waitpid(pid, nullptr, WNOHANG) == pid) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }

    template <typename Pred>
    void wait_for(Pred ready, const char* what) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                if (ready()) return;
            } catch (const sdbus::Error&) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
        throw std::runtime_error(std::string("timed out waiting for ") + what + " (logs in " + dir_ + ")");
    }

    double speed_;
    std::string dir_;
    std::string address_;
    std::optional<std::string> old_address_;
    pid_t daemon_pid_ = -1;
    pid_t mock_pid_ = -1;
    std::unique_ptr<sdbus::IConnection> control_;
    std::unique_ptr<sdbus::IProxy> standin_;
};

// Run io until pred() holds or `seconds` (wall clock) pass. Returns pred().
template <typename Pred>
bool run_until(boost::asio::io_context& io, double seconds, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    return pred();
}

inline void run_for(boost::asio::io_context& io, double seconds) {
    run_until(io, seconds, [] { return false; });
}

}  // namespace attune::test
