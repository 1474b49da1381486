// The partners' straps remembered between sessions: round trip, owner-only file, corrupt file.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "attune/bridge/ble/strap_memory.hpp"

using attune::bridge::ble::StrapMemory;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        char t[] = "/tmp/attune-strapmem-XXXXXX";
        path = mkdtemp(t);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};
}  // namespace

TEST_CASE("strap_memory_round_trip_and_owner_only", "[ble][settings]") {
    TempDir dir;
    const fs::path file = dir.path / "attune" / "ble_straps.json";
    {
        StrapMemory memory(file);
        CHECK_FALSE(memory.for_partner("a"));
        memory.remember("a", {"polar:A0:9E:1A:00:00:02", "Polar H10 0A1B2C3D"});
        memory.remember("b", {"ble:AA:BB:CC:00:00:01", "Attune HR Strap"});
    }
    struct stat st{};
    REQUIRE(stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(stat(file.parent_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    StrapMemory again(file);
    CHECK(again.load_error().empty());
    REQUIRE(again.for_partner("a"));
    CHECK(again.for_partner("a")->spec == "polar:A0:9E:1A:00:00:02");
    CHECK(again.for_partner("b")->name == "Attune HR Strap");
    again.forget("a");
    CHECK_FALSE(StrapMemory(file).for_partner("a"));
    CHECK(StrapMemory(file).for_partner("b"));
}

TEST_CASE("strap_memory_uses_xdg_config_home", "[ble][settings]") {
    const char* old = std::getenv("XDG_CONFIG_HOME");
    const std::string saved = old ? old : "";
    setenv("XDG_CONFIG_HOME", "/tmp/xdg-test-attune", 1);
    CHECK(StrapMemory::default_path() == fs::path("/tmp/xdg-test-attune/attune/ble_straps.json"));
    if (old) setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
    else unsetenv("XDG_CONFIG_HOME");
}

TEST_CASE("strap_memory_survives_a_corrupt_file", "[ble][settings]") {
    TempDir dir;
    const fs::path file = dir.path / "ble_straps.json";
    std::ofstream(file) << "{\"partners\": {\"a\": 42";  // truncated JSON
    StrapMemory memory(file);
    CHECK_FALSE(memory.load_error().empty());
    CHECK_FALSE(memory.for_partner("a"));
    memory.remember("a", {"ble:AA:BB:CC:00:00:01", "strap"});  // rewrites a good file
    CHECK(StrapMemory(file).load_error().empty());
}
