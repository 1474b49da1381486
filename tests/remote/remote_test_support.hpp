// Helpers for the remote watcher's end-to-end tests: a child `attune` process whose output is
// read line by line while it runs, and a raw WebSocket client (plain POSIX sockets, frames built
// by hand) for sending the server what no well-behaved client would.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace attune::test {

using WallClock = std::chrono::steady_clock;

inline std::filesystem::path remote_test_dir(const std::string& name) {
    const auto dir = std::filesystem::path(ATTUNE_BINARY_DIR) / "test_remote_files" / (name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// A running `attune ARGS` (stdout and stderr together), killed when it goes out of scope.
class Child {
public:
    explicit Child(const std::string& args) {
        int fds[2];
        if (::pipe(fds) != 0) return;
        const std::string data_home = std::string(ATTUNE_BINARY_DIR) + "/test_remote_files/xdg";
        const std::string command = "exec " + std::string(ATTUNE_EXE) + " " + args;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            ::dup2(fds[1], 2);
            ::close(fds[0]);
            ::close(fds[1]);
            ::setenv("XDG_DATA_HOME", data_home.c_str(), 1);
            ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(fds[1]);
        fd_ = fds[0];
    }
    ~Child() {
        if (running()) kill(SIGKILL);
        wait_exit(5.0);
        if (fd_ >= 0) ::close(fd_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // The first line (from the start of the output) matching `pattern`, waiting up to timeout_s.
    std::optional<std::smatch> wait_for(const std::string& pattern, double timeout_s) {
        const std::regex re(pattern);
        const auto deadline = WallClock::now() + std::chrono::duration<double>(timeout_s);
        for (;;) {
            std::istringstream lines(output_);
            std::string line;
            while (std::getline(lines, line)) {
                matched_line_ = line;
                std::smatch m;
                if (std::regex_search(matched_line_, m, re)) return m;
            }
            if (WallClock::now() >= deadline || !read_some(0.1)) {
                if (WallClock::now() >= deadline) return std::nullopt;
            }
        }
    }
    bool saw(const std::string& text) {
        drain();
        return output_.find(text) != std::string::npos;
    }
    void kill(int sig) {
        if (pid_ > 0) ::kill(pid_, sig);
    }
    bool running() {
        if (pid_ <= 0 || exit_code_) return false;
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return r == 0;
    }
    // Exit code (128 + signal when killed); nullopt when still running after timeout_s.
    std::optional<int> wait_exit(double timeout_s) {
        const auto deadline = WallClock::now() + std::chrono::duration<double>(timeout_s);
        while (running() && WallClock::now() < deadline) read_some(0.05);
        drain();
        return exit_code_;
    }
    const std::string& output() {
        drain();
        return output_;
    }

private:
    // Reads what is there within timeout_s; false at the end of the output.
    bool read_some(double timeout_s) {
        if (fd_ < 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout_s * 1000)) <= 0) return true;
        char buf[4096];
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) return false;
        output_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    void drain() {
        while (fd_ >= 0) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) return;
            if (!read_some(0.0)) return;
        }
    }

    pid_t pid_ = -1;
    int fd_ = -1;
    std::string output_;
    std::string matched_line_;
    std::optional<int> exit_code_;
};

// What `attune session --serve` printed: where and with which code.
struct Served {
    std::string scheme;
    int port = 0;
    std::string code;
};

inline std::optional<Served> wait_served(Child& session, double timeout_s = 30.0) {
    const auto m = session.wait_for(R"((wss?)://127\.0\.0\.1:(\d+)  access code (\d{6}))", timeout_s);
    if (!m) return std::nullopt;
    return Served{(*m)[1].str(), std::stoi((*m)[2].str()), (*m)[3].str()};
}

// A TCP connection to 127.0.0.1:port that speaks WebSocket by hand (client frames, zero mask).
class RawSocket {
public:
    explicit RawSocket(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
        timeval tv{2, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    ~RawSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;
    bool ok() const { return fd_ >= 0; }

    bool send_bytes(const std::string& bytes) {
        return fd_ >= 0 && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    // The HTTP upgrade; true when the server answered 101.
    bool handshake() {
        send_bytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        std::string reply;
        const auto deadline = WallClock::now() + std::chrono::seconds(5);
        while (reply.find("\r\n\r\n") == std::string::npos && WallClock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char c;
            if (::recv(fd_, &c, 1, 0) != 1) break;
            reply += c;
        }
        return reply.rfind("HTTP/1.1 101", 0) == 0;
    }
    // A client frame (masked with a zero key, so the payload is sent as is); `declared` lies about
    // the length when set.
    bool send_frame(int opcode, const std::string& payload, std::optional<std::uint64_t> declared = {}) {
        const std::uint64_t n = declared.value_or(payload.size());
        std::string f;
        f += static_cast<char>(0x80 | opcode);
        if (n < 126) {
            f += static_cast<char>(0x80 | n);
        } else if (n < 65536) {
            f += static_cast<char>(0x80 | 126);
            f += static_cast<char>(n >> 8);
            f += static_cast<char>(n & 0xff);
        } else {
            f += static_cast<char>(0x80 | 127);
            for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xff);
        }
        f += std::string(4, '\0');
        return send_bytes(f + payload);
    }
    bool send_text(const std::string& text) { return send_frame(0x1, text); }
    // True when the server has closed the connection (read returns 0 or an error) within timeout_s.
    bool closed_by_server(double timeout_s) {
        const auto deadline = WallClock::now() + std::chrono::duration<double>(timeout_s);
        char buf[65536];
        while (WallClock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;
        }
        return false;
    }

private:
    int fd_ = -1;
};

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace attune::test
