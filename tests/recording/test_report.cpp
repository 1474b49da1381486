// attune report: the PNG is really drawn (valid PNG, page size, coloured curves of both partners
// and pause lines present) and a folder without a recording is refused with a message.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdint>
#include <fstream>

#include <stb/stb_image.h>

#include "attune/session/recorder.hpp"
#include "attune/session/recording_reader.hpp"
#include "attune/session/report.hpp"
#include "recording_test_support.hpp"

namespace fs = std::filesystem;
using attune::test::fresh_dir;
using attune::test::run_command;

namespace {

// Minimal PNG check: signature, IHDR size. Returns {width, height} or {0, 0}.
std::pair<std::uint32_t, std::uint32_t> png_size(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<unsigned char> head(24);
    if (!in.read(reinterpret_cast<char*>(head.data()), 24)) return {0, 0};
    const unsigned char signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (!std::equal(signature, signature + 8, head.begin())) return {0, 0};
    auto be32 = [&](std::size_t at) {
        return (std::uint32_t(head[at]) << 24) | (std::uint32_t(head[at + 1]) << 16) | (std::uint32_t(head[at + 2]) << 8) |
               std::uint32_t(head[at + 3]);
    };
    return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE("attune report draws a one-page PNG of a recorded session", "[recording][report]") {
    const auto dir = fresh_dir("report");
    auto r = run_command(std::string(ATTUNE_EXE) +
                         " session --headless --simulate --duration 150s --speed 0 --pause-at 60 --out " + dir.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    r = run_command(std::string(ATTUNE_EXE) + " report " + dir.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto png = dir / "report.png";
    REQUIRE(fs::exists(png));
    const auto [w, h] = png_size(png);
    CHECK(w == 1240);
    CHECK(h == 1600);
    // A drawn page compresses far worse than a blank one (a white 1240x1600 PNG is ~10 kB).
    CHECK(fs::file_size(png) > 25'000);

    // The curves are drawn: partner A's blue, partner B's orange and the pause's red are on the page.
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(png.c_str(), &width, &height, &channels, 3);
    REQUIRE(pixels != nullptr);
    auto count = [&](int r0, int g0, int b0) {
        long n = 0;
        for (long i = 0; i < long(width) * height; ++i)
            n += pixels[3 * i] == r0 && pixels[3 * i + 1] == g0 && pixels[3 * i + 2] == b0;
        return n;
    };
    const long blue = count(40, 100, 200), orange = count(230, 120, 30), red = count(215, 50, 50);
    stbi_image_free(pixels);
    INFO("blue " << blue << ", orange " << orange << ", red " << red);
    CHECK(blue > 3000);    // three panels of 2-px curves over 150 s
    CHECK(orange > 3000);
    CHECK(red > 500);      // pause lines across the panels
}

TEST_CASE("attune report refuses a folder without a finished recording", "[recording][report]") {
    const auto dir = fresh_dir("report-empty");
    fs::create_directories(dir);
    std::string error;
    CHECK_FALSE(attune::session::write_session_report(dir.string(), (dir / "r.png").string(), error));
    CHECK_THAT(error, Catch::Contains("no summary.json"));
    CHECK_FALSE(fs::exists(dir / "r.png"));
    const auto r = run_command(std::string(ATTUNE_EXE) + " report " + dir.string());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("no finished recording"));
}

TEST_CASE("the partners' names travel with the recording to the review, the report and a replay",
          "[recording][report]") {
    const auto dir = fresh_dir("names");
    // A name outside the report font's ASCII (the font indexes its table by byte) must not hurt.
    auto r = run_command(std::string(ATTUNE_EXE) +
                         " session --headless --simulate --duration 40s --speed 0 --name-a 'Zoë' --name-b 'Sam' --out " +
                         dir.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto names = attune::session::recorded_partner_names(dir.string());
    CHECK(names[0] == "Zoë");
    CHECK(names[1] == "Sam");
    CHECK(attune::session::read_recording(dir.string()).names == names);
    attune::session::EngineConfig config;
    std::string error;
    REQUIRE(attune::session::read_session_config(dir.string(), config, error));
    CHECK(config.profiles[0].name == "Zoë");
    CHECK(config.profiles[1].name == "Sam");
    r = run_command(std::string(ATTUNE_EXE) + " report " + dir.string());
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(dir / "report.png"));

    // Recordings from before names were saved, and a hand-damaged session.json, read as A and B.
    std::ofstream(dir / "session.json") << "{\"partner_names\": [42, \"\"]";
    CHECK(attune::session::recorded_partner_names(dir.string())[0] == "Partner A");
    fs::remove(dir / "session.json");
    CHECK(attune::session::recorded_partner_names(dir.string())[1] == "Partner B");
}
