// A real PostgreSQL server of the test's own: initdb into a private folder under /tmp, started
// with pg_ctl on a free loopback port (its socket in that folder too), stopped and removed by the
// destructor. As root (the CI) the server runs as the unprivileged `postgres` user, since initdb
// and postgres refuse to run as root.
#pragma once

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "../recording/recording_test_support.hpp"

namespace attune::test {

// The newest Debian PostgreSQL binaries folder, or none where the server is not installed.
inline std::optional<std::filesystem::path> postgres_bin_dir() {
    std::optional<std::filesystem::path> best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
        const auto bin = e.path() / "bin";
        if (!std::filesystem::exists(bin / "initdb") || !std::filesystem::exists(bin / "pg_ctl")) continue;
        if (!best || std::stoi(e.path().filename()) > std::stoi(best->parent_path().filename())) best = bin;
    }
    return best;
}

// A loopback TCP port nobody listens on right now.
inline int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

class PostgresServer {
public:
    explicit PostgresServer(const std::filesystem::path& bin) : bin_(bin) {
        char tmpl[] = "/tmp/attune-pg-XXXXXX";  // short: the socket path must fit 107 bytes
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        if (::geteuid() == 0) {
            const passwd* pw = ::getpwnam("postgres");
            if (!pw) throw std::runtime_error("running as root but there is no `postgres` user to run the server");
            if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown failed");
            as_user_ = "runuser -u postgres -- ";
        }
        auto r = run(as_user_ + (bin_ / "initdb").string() + " -D " + data() +
                     " -U attune -A trust --no-sync -E UTF8 --locale=C --no-instructions");
        if (r.exit_code != 0) fail("initdb failed", r.output);
        start();
    }
    ~PostgresServer() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    void start() {
        for (int attempt = 0; attempt < 3 && !running_; ++attempt) {  // a port taken meanwhile: another
            port_ = free_loopback_port();
            auto r = run(as_user_ + (bin_ / "pg_ctl").string() + " -D " + data() + " -l " + dir_.string() +
                         "/server.log -w -t 60 -o \"-p " + std::to_string(port_) + " -k " + dir_.string() +
                         " -c listen_addresses=127.0.0.1 -F\" start");
            running_ = r.exit_code == 0;
            if (!running_ && attempt == 2) fail("pg_ctl start failed", r.output);
        }
    }
    void stop() {
        if (!running_) return;
        run(as_user_ + (bin_ / "pg_ctl").string() + " -D " + data() + " -m immediate -w stop");
        running_ = false;
    }

    int port() const { return port_; }
    // libpq URI and keyword forms of the same connection.
    std::string url() const { return "postgresql://attune@127.0.0.1:" + std::to_string(port_) + "/postgres"; }
    std::string keywords() const { return "host=127.0.0.1 port=" + std::to_string(port_) + " user=attune dbname=postgres"; }

    // One SQL statement through psql, rows as "a|b" lines.
    std::string psql(const std::string& sql) const {
        return run((bin_ / "psql").string() + " -At -d '" + url() + "' -c \"" + sql + "\"").output;
    }

private:
    std::string data() const { return (dir_ / "data").string(); }
    static RunResult run(const std::string& command) { return run_command("XDG_DATA_HOME=/nonexistent " + command); }
    [[noreturn]] void fail(const std::string& what, const std::string& output) const {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        throw std::runtime_error(what + ": " + output);
    }

    std::filesystem::path bin_;
    std::filesystem::path dir_;
    std::string as_user_;
    int port_ = 0;
    bool running_ = false;
};

}  // namespace attune::test

// Starts a server for the test case, or skips it (WARN + return) where PostgreSQL is missing.
#define ATTUNE_START_POSTGRES_OR_SKIP(server)                                                         \
    const auto pg_bin_dir_ = attune::test::postgres_bin_dir();                                      \
    if (!pg_bin_dir_) {                                                                               \
        WARN("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): test skipped");      \
        return;                                                                                       \
    }                                                                                                 \
    attune::test::PostgresServer server(*pg_bin_dir_)
