// The `attune` executable against the BlueZ stand-in: `attune devices --ble` lists what the
// stand-in exposes, and a short headless session records both partners' straps, remembers
// them, and leaves the H10's streams stopped.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bluez_fixture.hpp"

namespace {
struct CommandResult {
    int status = -1;
    std::string output;
};

CommandResult run_attune(const std::string& args) {
    const std::string command = std::string(ATTUNE_BINARY_DIR) + "/app/attune " + args + " 2>&1";
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe);
    std::array<char, 4096> buf{};
    while (fgets(buf.data(), buf.size(), pipe)) result.output += buf.data();
    const int raw = pclose(pipe);
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return result;
}

std::size_t count_lines(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}
}  // namespace

TEST_CASE("attune_devices_ble_lists_the_stand_in_straps", "[ble][bluez][cli]") {
    attune::test::BluezStandIn bus(1.0);
    const auto result = run_attune("devices --ble --scan 0.3");
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK(result.output.find("AA:BB:CC:00:00:01  Attune HR Strap") != std::string::npos);
    CHECK(result.output.find("polar:A0:9E:1A:00:00:02") != std::string::npos);
    CHECK(result.output.find("RSSI -64 dBm") != std::string::npos);
    CHECK(result.output.find("Kitchen Speaker") == std::string::npos);
}

TEST_CASE("attune_devices_ble_without_bluez_says_why", "[ble][cli]") {
    const auto result = run_attune("devices --ble --scan 0.1");
    // No private bus here: whatever the machine has, there is no stand-in, and either BlueZ is
    // missing (a reason is printed, status 1) or a real adapter answers (status 0).
    if (result.status != 0) CHECK(result.output.find("ble:") != std::string::npos);
}

TEST_CASE("attune_session_headless_records_two_ble_straps", "[ble][bluez][cli]") {
    attune::test::BluezStandIn bus(1.0);
    const std::filesystem::path out = bus.dir() + "/session";
    const std::string xdg = bus.dir() + "/config";
    setenv("XDG_CONFIG_HOME", xdg.c_str(), 1);
    const auto result = run_attune("session --headless --duration 4s --a polar:A0:9E:1A:00:00:02 --b ble:AA:BB:CC:00:00:01 --out " +
                                   out.string());
    unsetenv("XDG_CONFIG_HOME");
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(count_lines(out / "a_ecg.csv") > 200);  // ~3 s of 129.6 Hz ECG
    CHECK(count_lines(out / "a_rr.csv") >= 3);
    CHECK(count_lines(out / "b_rr.csv") >= 3);
    CHECK(std::filesystem::exists(std::filesystem::path(xdg) / "attune" / "ble_straps.json"));
    CHECK(bus.pmd_state(attune::test::kPolarH10) == std::pair<bool, bool>{false, false});
    CHECK_FALSE(bus.device_connected(attune::test::kPolarH10));
}
