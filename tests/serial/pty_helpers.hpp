// A pseudo-terminal standing in for a USB serial device: the test holds the master side and
// plays the device; the driver opens the slave through a stable symlink (like /dev/serial/by-id),
// so "unplug" (close the master, remove the link) and "replug" (a new pty behind the same link)
// look to the driver exactly like a cable being pulled and put back.
#pragma once

#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace attune::test {

class FakePort {
public:
    explicit FakePort(std::string link) : link_(std::move(link)) { plug(); }
    ~FakePort() { unplug(); }
    FakePort(const FakePort&) = delete;
    FakePort& operator=(const FakePort&) = delete;

    void plug() {
        int slave = -1;
        char name[256] = {};
        if (openpty(&master_, &slave, name, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
        termios tio{};
        tcgetattr(slave, &tio);
        cfmakeraw(&tio);
        tcsetattr(slave, TCSANOW, &tio);
        ::close(slave);  // the driver opens it by path
        fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
        std::filesystem::remove(link_);
        std::filesystem::create_symlink(name, link_);
    }
    void unplug() {
        std::error_code ec;
        std::filesystem::remove(link_, ec);
        if (master_ >= 0) ::close(master_);
        master_ = -1;
    }
    bool plugged() const { return master_ >= 0; }
    const std::string& path() const { return link_; }

    void write(const std::vector<std::uint8_t>& bytes) {
        std::size_t off = 0;
        while (master_ >= 0 && off < bytes.size()) {
            const ssize_t n = ::write(master_, bytes.data() + off, bytes.size() - off);
            if (n <= 0) break;  // nobody reading and the buffer is full: the bytes are lost
            off += static_cast<std::size_t>(n);
        }
    }
    void write(const std::string& s) { write(std::vector<std::uint8_t>(s.begin(), s.end())); }
    std::vector<std::uint8_t> read() {
        std::vector<std::uint8_t> out;
        std::uint8_t buf[512];
        while (master_ >= 0) {
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0) break;
            out.insert(out.end(), buf, buf + n);
        }
        return out;
    }

private:
    std::string link_;
    int master_ = -1;
};

inline std::string temp_link(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("attune-serial-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

// Runs the io_context in small steps for `seconds`, calling `each_step` between steps, until
// `done` returns true. Returns false on timeout.
inline bool run_until(boost::asio::io_context& io, double seconds, const std::function<void()>& each_step,
                      const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (io.stopped()) io.restart();
        io.run_for(std::chrono::milliseconds(5));
        if (each_step) each_step();
        if (done && done()) return true;
    }
    return false;
}

}  // namespace attune::test
