// `attune bench analyze-speed`: whole-process time and peak memory of `attune analyze --ecg` on
// long 1000 Hz ECG CSV files (1 h = 3.6 M rows, and 4 h and 12 h to show that memory does not
// grow with the input; 12 h is one run, its CSV is 0.7 GB in the temp directory). The ECG comes from the simulated partner (10 min, repeated), so that every stage
// (beats, HRV, ECG-derived breathing, arousal) has realistic work to do. Each run is a child
// process (fork + exec) measured with wait4()'s rusage: CPU time (user + sys, what matters on a loaded
// machine), wall time and peak RSS. The files live in the temp directory and are removed.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "attune/hardware/partner_model.hpp"
#include "bench_registry.hpp"

namespace attune::cli {
namespace {

constexpr double kFsHz = 1000.0;

// A stretch of simulated ECG (mV) at kFsHz, without artifacts.
std::vector<float> simulated_ecg(double seconds) {
    hardware::SimulationConfig cfg;
    cfg.seed = 7;
    cfg.ecg_rate_hz = kFsHz;
    cfg.artifacts = false;
    hardware::PartnerModel model(hardware::default_couple().front(), cfg);
    std::vector<float> x;
    x.reserve(static_cast<std::size_t>(seconds * kFsHz));
    for (const auto& chunk : model.advance_to(seconds))
        if (chunk.channel == hardware::kSimEcg) x.insert(x.end(), chunk.values.begin(), chunk.values.end());
    return x;
}

// `sample,ecg_mv` rows, the stretch repeated until `hours` are written.
bool write_csv(const std::filesystem::path& p, const std::vector<float>& stretch, double hours) {
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f) return false;
    std::fputs("sample,ecg_mv\n", f);
    const auto rows = static_cast<std::size_t>(hours * 3600.0 * kFsHz);
    char buf[64];
    for (std::size_t n = 0; n < rows; ++n) {
        char* e = std::to_chars(buf, buf + 32, n).ptr;
        *e++ = ',';
        e = std::to_chars(e, buf + 62, stretch[n % stretch.size()], std::chars_format::fixed, 4).ptr;
        *e++ = '\n';
        std::fwrite(buf, 1, static_cast<std::size_t>(e - buf), f);
    }
    return std::fclose(f) == 0;
}

struct ChildRun {
    bool ok = false;
    double wall_s = 0.0, cpu_s = 0.0;
    double peak_rss_mb = 0.0;
};

// Runs `attune analyze` in a child process (stdout to /dev/null) and measures it.
ChildRun run_analyze(const std::filesystem::path& csv, const std::filesystem::path& out) {
    const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
    std::vector<std::string> args{exe, "analyze", csv.string(), "--fs", "1000", "--ecg", "ecg_mv", "--out", out.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ChildRun r;
    // fork + exec, not posix_spawn: a vfork-style child runs on this process's memory until exec
    // and the kernel counts this process's peak in the child's ru_maxrss; a forked child starts
    // from this process's current resident size only.
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) return r;
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) ::dup2(null, 1);
        ::execv(exe.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid) return r;
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    r.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
              1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
    r.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    return r;
}

// This process's resident memory now (the floor of a child's ru_maxrss, see below), in MB.
double own_rss_mb() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0.0;
    unsigned long size = 0, resident = 0;
    const int got = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return got == 2 ? static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1048576.0 : 0.0;
}

int run_analyze_speed(const BenchOptions& o) {
    const auto dir = std::filesystem::temp_directory_path() / ("attune_bench_analyze_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::vector<double> lengths_h = o.quick ? std::vector<double>{0.1} : std::vector<double>{1.0, 4.0, 12.0};
    std::vector<std::filesystem::path> files;
    {
        const auto stretch = simulated_ecg(o.quick ? 60.0 : 600.0);
        for (double hours : lengths_h) {
            files.push_back(dir / ("ecg_1000hz_" + std::to_string(files.size()) + ".csv"));
            if (!write_csv(files.back(), stretch, hours)) {
                std::fprintf(stderr, "analyze-speed: cannot write %s\n", files.back().c_str());
                std::filesystem::remove_all(dir);
                return 1;
            }
        }
    }  // the stretch is freed: a spawned child's ru_maxrss also counts this process's memory
    const int reps = o.quick ? 1 : 3;  // 12 h: one run
    std::printf("attune analyze --fs 1000 --ecg (heart, ECG-derived breathing, arousal), whole process,\n"
                "best of %d, 12 h one run (CPU = user + sys of the child; the machine may be shared)\n", reps);
    std::printf("%8s %10s %9s %10s %10s %12s %13s\n", "input", "rows", "CSV MB", "CPU s", "wall s",
                "peak RSS MB", "M rows/CPU s");
    int failures = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const double hours = lengths_h[i];
        ChildRun best;
        best.cpu_s = best.wall_s = 1e300;
        for (int rep = 0; rep < (hours > 4.0 ? 1 : reps); ++rep) {
            const auto r = run_analyze(files[i], dir / "out");
            if (!r.ok) {
                std::fprintf(stderr, "analyze-speed: attune analyze failed on %.1f h\n", hours);
                ++failures;
                break;
            }
            best.ok = true;
            best.cpu_s = std::min(best.cpu_s, r.cpu_s);
            best.wall_s = std::min(best.wall_s, r.wall_s);
            best.peak_rss_mb = std::max(best.peak_rss_mb, r.peak_rss_mb);
        }
        if (!best.ok) continue;
        const double rows = hours * 3600.0 * kFsHz;
        std::printf("%6.1f h %10.0f %9.0f %10.3f %10.3f %12.1f %13.1f\n", hours, rows,
                    static_cast<double>(std::filesystem::file_size(files[i])) / 1e6, best.cpu_s, best.wall_s,
                    best.peak_rss_mb, rows / best.cpu_s / 1e6);
        std::fflush(stdout);
    }
    // A forked child's ru_maxrss starts at this process's resident size: a peak near this
    // figure would be this process's, not attune analyze's.
    std::printf("(this benchmark process: %.1f MB resident, a floor of the peak RSS column)\n", own_rss_mb());
    std::filesystem::remove_all(dir);
    return failures == 0 ? 0 : 1;
}

const BenchRegistration kAnalyzeSpeed{"analyze-speed",
                                      "`attune analyze --ecg` whole-process CPU, wall time and peak memory, 1, 4 and 12 h",
                                      run_analyze_speed};

}  // namespace
}  // namespace attune::cli
