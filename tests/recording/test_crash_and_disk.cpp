// The recorder under stress: a session killed with SIGKILL and recovered with `attune recover`,
// a folder that cannot be written, a disk that fills up mid-session (a 300 kB tmpfs).
#include <edflib.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "attune/session/recorder.hpp"
#include "recording_test_support.hpp"

namespace fs = std::filesystem;
using attune::test::fresh_dir;
using attune::test::read_channel_csv;
using attune::test::run_command;
using Clock = std::chrono::steady_clock;

namespace {

double last_sample_time(const fs::path& dir) {
    std::ifstream meta(dir / "channels.json");
    const auto channels = nlohmann::json::parse(meta);
    double last = 0.0;
    for (const auto& c : channels) {
        const auto rows = read_channel_csv(dir / c.value("file", ""));
        if (!rows.empty()) last = std::max(last, rows.back().time_s);
    }
    return last;
}

// Mounts a small tmpfs for the lifetime of the object (needs root / CAP_SYS_ADMIN).
struct SmallDisk {
    fs::path dir;
    bool mounted = false;
    explicit SmallDisk(const std::string& name) : dir(fresh_dir(name)) {
        fs::create_directories(dir);
        mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=300k") == 0;
    }
    ~SmallDisk() {
        if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
    }
};

attune::bridge::DeviceInfo ecg_device(const std::string& address) {
    attune::bridge::DeviceInfo info;
    info.kind = "test";
    info.name = "test ECG";
    info.address = address;
    info.session_clock = true;
    info.channels = {{"ECG", attune::signal::ChannelKind::Ecg, 250.0, "mV"}};
    return info;
}

attune::signal::SampleChunk one_second_of_ecg(double t0) {
    attune::signal::SampleChunk chunk;
    chunk.t0_s = t0;
    chunk.rate_hz = 250.0;
    chunk.values.resize(250);
    for (std::size_t i = 0; i < chunk.values.size(); ++i)
        chunk.values[i] = static_cast<float>(std::sin(0.1 * static_cast<double>(i)) * 1.234567);
    return chunk;
}

}  // namespace

TEST_CASE("kill -9 mid-session: attune recover makes a valid EDF and summary, at most ~1 s lost",
          "[recording][crash]") {
    const auto dir = fresh_dir("killed");
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const std::string out = dir.string();
        ::execl(ATTUNE_EXE, ATTUNE_EXE, "session", "--headless", "--simulate", "--speed", "2", "--duration", "10m",
                "--out", out.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // The session clock starts when the devices are up, which is when channels.json appears.
    const auto launched = Clock::now();
    while (!fs::exists(dir / "channels.json") && Clock::now() - launched < std::chrono::seconds(20))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto started = Clock::now();
    REQUIRE(fs::exists(dir / "channels.json"));
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const auto killed = Clock::now();
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    REQUIRE_FALSE(fs::exists(dir / "session.edf"));

    const double session_at_kill_s = 2.0 * std::chrono::duration<double>(killed - started).count();
    const double last_s = last_sample_time(dir);
    INFO("session time at the kill ~" << session_at_kill_s << " s, last sample on disk " << last_s << " s");
    CHECK(last_s > 3.0);
    // Flushed twice a second of real time: at most one real second (= 2 s at speed 2) is lost.
    CHECK(session_at_kill_s - last_s <= 2.0);

    const auto r = run_command(std::string(ATTUNE_EXE) + " recover " + dir.string());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    edf_hdr_struct hdr{};
    REQUIRE(edfopen_file_readonly((dir / "session.edf").c_str(), &hdr, EDFLIB_READ_ALL_ANNOTATIONS) == 0);
    CHECK(hdr.filetype == EDFLIB_FILETYPE_EDFPLUS);
    CHECK(double(hdr.file_duration) / EDFLIB_TIME_DIMENSION >= std::floor(last_s));
    CHECK(hdr.edfsignals >= 4);
    CHECK(hdr.annotations_in_file >= 1);
    edfclose_file(hdr.handle);

    std::ifstream in(dir / "summary.json");
    const auto summary = nlohmann::json::parse(in);
    CHECK(summary.value("recovered", false));
    CHECK(summary.value("duration_s", 0.0) == Approx(last_s).margin(1.5));
}

TEST_CASE("an unwritable recording folder is reported at once and the session still runs",
          "[recording][errors]") {
    const auto base = fresh_dir("unwritable");
    fs::create_directories(base);
    std::ofstream(base / "a_file") << "not a folder\n";
    const auto impossible = base / "a_file" / "session";

    CHECK_THROWS_WITH(attune::session::Recorder(impossible.string()), Catch::Contains("cannot create recording folder"));

    const auto r = run_command(std::string(ATTUNE_EXE) + " session --headless --simulate --duration 20s --speed 0 --out " +
                               impossible.string());
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("NOT RECORDING"));
    CHECK_THAT(r.output, Catch::Contains("20 s of session"));  // the session ran to its end
}

TEST_CASE("a full disk is reported within a second while the recorder keeps accepting data",
          "[recording][errors]") {
    SmallDisk disk("full_disk_unit");
    if (!disk.mounted) {
        WARN("skipped: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
        return;
    }
    attune::session::Recorder recorder((disk.dir / "s").string());
    std::array<attune::bridge::DeviceInfo, attune::signal::kPartnerCount> devices{ecg_device("a"), ecg_device("b")};
    recorder.on_start(devices);
    // ~5 kB per partner-second: 300 kB is full after about half a minute of session.
    double slowest_call_s = 0.0, t = 0.0;
    std::optional<Clock::time_point> full_at;
    const auto begin = Clock::now();
    while (Clock::now() - begin < std::chrono::seconds(8)) {
        const auto before = Clock::now();
        for (auto partner : {attune::signal::Partner::A, attune::signal::Partner::B})
            recorder.on_chunk(partner, one_second_of_ecg(t));
        slowest_call_s = std::max(slowest_call_s, std::chrono::duration<double>(Clock::now() - before).count());
        t += 1.0;
        if (t > 80.0 && !full_at) full_at = Clock::now();  // more than the disk can hold by now
        if (full_at && !recorder.error().empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    INFO("error: '" << recorder.error() << "', slowest on_chunk " << slowest_call_s << " s");
    REQUIRE(full_at);
    CHECK_THAT(recorder.error(), Catch::Contains("disk full"));
    CHECK(std::chrono::duration<double>(Clock::now() - *full_at).count() < 1.5);
    CHECK(slowest_call_s < 0.5);  // the engine thread is never stalled by the disk
}

TEST_CASE("attune session on a full disk reports it and runs the session to its end", "[recording][errors]") {
    SmallDisk disk("full_disk_session");
    if (!disk.mounted) {
        WARN("skipped: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
        return;
    }
    const auto r = run_command(std::string(ATTUNE_EXE) + " session --headless --simulate --duration 90s --speed 0 --out " +
                               (disk.dir / "s").string());
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("recording problem"));
    CHECK_THAT(r.output, Catch::Contains("recording incomplete"));
    CHECK_THAT(r.output, Catch::Contains("90 s of session"));
}
