// The whole app with the real firmware: `attune session --headless --a serial:<pty>` against
// attune-board-sim. Partner A's beats come from the simulated board's firmware stream through
// the session engine; its mean heart rate matches the simulator's setting.
#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../pty_helpers.hpp"

extern char** environ;

namespace {
// Runs a program; with `background`, returns at once and gives the child a stdin pipe whose
// write end (*stdin_fd) keeps it alive (attune-board-sim exits when its stdin closes).
int run(std::vector<std::string> args, pid_t* background = nullptr, int* stdin_fd = nullptr) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int in[2] = {-1, -1};
    if (background) {
        if (pipe(in) != 0) return -1;
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_addclose(&fa, in[1]);
    }
    const int err = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) return -1;
    if (background) {
        close(in[0]);
        *stdin_fd = in[1];
        *background = pid;
        return 0;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST_CASE("attune_session_records_a_partner_on_the_simulated_attune_board", "[serial][session][simavr][slow]") {
    namespace fs = std::filesystem;
    const std::string link = attune::test::temp_link("session-board");
    const fs::path out = fs::path(link).parent_path() / "session-out";
    fs::remove_all(out);
    pid_t sim = -1;
    int sim_stdin = -1;
    REQUIRE(run({ATTUNE_BOARD_SIM, "--link", link, "--hr", "80", "--seed", "9", "--duration", "40"}, &sim, &sim_stdin) == 0);
    for (int i = 0; i < 100 && !fs::exists(link); ++i) usleep(50000);
    REQUIRE(fs::exists(link));
    const int rc = run({ATTUNE_APP, "session", "--headless", "--a", "serial:" + link, "--b", "sim", "--duration", "15s",
                        "--out", out.string()});
    close(sim_stdin);
    kill(sim, SIGTERM);
    waitpid(sim, nullptr, 0);
    REQUIRE(rc == 0);
    std::ifstream in(out / "summary.json");
    REQUIRE(in.good());
    const auto summary = nlohmann::json::parse(in);
    const auto& a = summary["partners"]["a"];
    INFO(summary.dump(2));
    CHECK(a["device"].get<std::string>().find("attune-board") != std::string::npos);
    CHECK(a["beats"].get<int>() >= 15);
    CHECK(a["mean_hr_bpm"].get<double>() == Approx(80.0).margin(4.0));
}
