// The real `attune` binary with protocol files: a bad file stops it before anything starts,
// naming the line; the library lists; a session runs a chosen protocol headless.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "run_process.hpp"

using namespace attune::test;
namespace fs = std::filesystem;

namespace {
std::string write_file(const std::string& name, const std::string& text) {
    const fs::path dir = fs::path(ATTUNE_BINARY_DIR) / "test_protocol_files";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p.string();
}
}  // namespace

TEST_CASE("attune session refuses a malformed protocol naming the line, before starting", "[protocol][cli]") {
    const std::string bad = write_file("bad.toml", "[[step]]\nkind = \"consent\"\ntitle = \"Hi\"\n\n[[step]]\nkind = \"baseline\"\ntitle = \"Quiet\"\nduration_s = -5\n");
    const fs::path out = fs::path(ATTUNE_BINARY_DIR) / "test_protocol_files" / "should_not_exist";
    fs::remove_all(out);
    const auto r = run_attune("session --headless --duration 10s --protocol " + bad + " --out " + out.string());
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("bad.toml:8:") != std::string::npos);
    CHECK(r.output.find("duration_s") != std::string::npos);
    CHECK_FALSE(fs::exists(out));  // nothing started, nothing recorded
}

TEST_CASE("attune protocols lists the shipped library and checks files", "[protocol][cli]") {
    const auto list = run_attune("protocols");
    INFO(list.output);
    CHECK(list.exit_code == 0);
    for (const char* name : {"standard", "synchronized_breathing", "pause_and_repair", "closeness", "secure_base",
                             "feelings_checkin"})
        CHECK(list.output.find(name) != std::string::npos);
    const std::string typo = write_file("typo.toml", "[protocol]\nname = \"x\"\n[[step]]\nkind = \"baseline\"\ntitel = \"q\"\n");
    const auto check = run_attune("protocols --check " + typo);
    INFO(check.output);
    CHECK(check.exit_code == 2);
    CHECK(check.output.find("typo.toml:5: unknown key 'titel'") != std::string::npos);
}

TEST_CASE("a headless session runs a shipped protocol by name and logs its steps", "[protocol][cli]") {
    const fs::path out = fs::path(ATTUNE_BINARY_DIR) / "test_protocol_files" / "closeness_run";
    fs::remove_all(out);
    const auto r = run_attune("session --headless --simulate --speed 0 --duration 150s --protocol closeness --out " +
                              out.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // The recorder's event file holds the protocol's steps.
    std::string events;
    for (const auto& entry : fs::directory_iterator(out)) {
        if (entry.path().filename().string().find("event") == std::string::npos) continue;
        std::ifstream in(entry.path());
        events.assign(std::istreambuf_iterator<char>(in), {});
    }
    CHECK(events.find("Closeness practice") != std::string::npos);
    CHECK(events.find("Shared presence") != std::string::npos);
}
