// Real processes on loopback: `attune session --headless --serve 127.0.0.1:0` watched by
// `attune watch --headless`; markers, a wrong code, a watcher killed with SIGKILL, TLS, and a
// flood of bad frames that must leave the couple's session exactly as an unwatched one.
#include <catch2/catch.hpp>
#include <random>

#include "remote_test_support.hpp"

using namespace attune::test;

namespace {

std::string session_args(const std::filesystem::path& out, const std::string& extra, const std::string& duration = "20s") {
    return "session --headless --simulate --seed 11 --speed 2 --duration " + duration + " --out " + out.string() + " " + extra;
}

std::string watch_args(const Served& s, const std::string& code, const std::string& extra) {
    return "watch --headless 127.0.0.1:" + std::to_string(s.port) + " --code " + code + " " + extra;
}

std::string wrong_code(const std::string& code) {
    std::string w = code;
    w[0] = w[0] == '9' ? '1' : static_cast<char>(w[0] + 1);
    return w;
}

// events.csv without the rows a remote watcher adds on purpose (its markers).
std::string couple_events(const std::filesystem::path& dir) {
    std::istringstream in(read_file(dir / "events.csv"));
    std::string line, out;
    while (std::getline(in, line))
        if (line.find("remote: ") == std::string::npos) out += line + "\n";
    return out;
}

}  // namespace

TEST_CASE("a served session is watched and the watcher's marker is recorded", "[remote][process]") {
    const auto dir = remote_test_dir("watched");
    Child session(session_args(dir / "session", "--serve 127.0.0.1:0"));
    const auto served = wait_served(session);
    REQUIRE(served);
    CHECK(served->scheme == "ws");
    Child watcher(watch_args(*served, served->code, "--marker 'a look of relief' --duration 6s"));
    REQUIRE(watcher.wait_for("state watching", 10.0));
    REQUIRE(watcher.wait_for(R"(snapshot t=[0-9.]+ phase=\S+ .* ecg_values=[1-9])", 10.0));
    REQUIRE(watcher.wait_for("sent marker: a look of relief", 10.0));
    // The marker travels to the engine and comes back in the snapshot's event log.
    CHECK(watcher.wait_for("event [0-9.]+ marker .*remote: a look of relief", 10.0));
    CHECK(watcher.wait_exit(15.0) == 0);
    CHECK(session.wait_for("a watcher joined from 127.0.0.1 \\(1 watching\\)", 1.0));
    REQUIRE(session.wait_exit(30.0) == 0);
    const auto events = read_file(dir / "session" / "events.csv");
    CHECK(events.find("marker,,remote: a look of relief") != std::string::npos);
}

TEST_CASE("a wrong access code is refused, and repeated wrong codes lock the address out", "[remote][process]") {
    const auto dir = remote_test_dir("wrong_code");
    Child session(session_args(dir / "session", "--serve 127.0.0.1:0"));
    const auto served = wait_served(session);
    REQUIRE(served);
    {
        Child watcher(watch_args(*served, wrong_code(served->code), "--duration 10s"));
        CHECK(watcher.wait_exit(10.0) == 4);
        CHECK(watcher.saw("state refused: wrong access code"));
        CHECK_FALSE(watcher.saw("state watching"));
    }
    for (int i = 0; i < 3; ++i) {
        Child watcher(watch_args(*served, wrong_code(served->code), "--duration 10s"));
        CHECK(watcher.wait_exit(10.0) == 4);
    }
    // Locked out now: even the right code waits.
    Child right(watch_args(*served, served->code, "--duration 10s"));
    CHECK(right.wait_exit(10.0) == 4);
    CHECK(right.saw("too many wrong access codes; try again in"));
    CHECK(session.saw("refused a watcher from 127.0.0.1: wrong access code"));
    session.kill(SIGTERM);
}

TEST_CASE("a watcher killed with SIGKILL leaves, a new one joins, and a watcher retries calmly", "[remote][process]") {
    const auto dir = remote_test_dir("killed");
    Child session(session_args(dir / "session", "--serve 127.0.0.1:0", "25s"));
    const auto served = wait_served(session);
    REQUIRE(served);
    {
        Child first(watch_args(*served, served->code, ""));
        REQUIRE(first.wait_for("snapshot t=", 10.0));
        first.kill(SIGKILL);
        CHECK(first.wait_exit(5.0) == 128 + SIGKILL);
    }
    REQUIRE(session.wait_for("a watcher left \\(0 watching\\)", 30.0));
    Child second(watch_args(*served, served->code, "--duration 4s"));
    CHECK(second.wait_for("snapshot t=", 10.0));
    CHECK(second.wait_exit(10.0) == 0);
    CHECK(session.wait_exit(30.0) == 0);
    // Nobody serving: the watcher says so and keeps retrying, slower each time, without failing.
    Child lonely("watch --headless 127.0.0.1:" + std::to_string(served->port) + " --code 123456 --duration 4s");
    CHECK(lonely.wait_exit(10.0) == 0);
    CHECK(lonely.saw("retrying in 1 s"));
    CHECK(lonely.saw("retrying in 2 s"));
}

TEST_CASE("a flood of bad frames leaves the couple's session exactly as an unwatched one", "[remote][process]") {
    const auto dir = remote_test_dir("flood");
    Child quiet(session_args(dir / "quiet", "", "40s"));
    Child served_session(session_args(dir / "served", "--serve 127.0.0.1:0", "40s"));
    const auto served = wait_served(served_session);
    REQUIRE(served);
    const int port = served->port;
    std::mt19937 rng(3);
    const auto junk = [&](std::size_t n) {
        std::string s(n, '\0');
        for (auto& c : s) c = static_cast<char>(rng() % 256);
        return s;
    };
    // A client that says hello properly and then never reads: the server drops it, not queues.
    RawSocket deaf(port);
    REQUIRE(deaf.handshake());
    REQUIRE(deaf.send_text("{\"type\":\"hello\",\"code\":\"" + served->code + "\"}"));
    int refused_quickly = 0, dropped = 0;
    for (int round = 0; round < 3; ++round) {
        {  // not even HTTP
            RawSocket s(port);
            s.send_bytes(junk(2000));
            refused_quickly += s.closed_by_server(5.0);
        }
        {  // fuzzed JSON before any hello
            RawSocket s(port);
            REQUIRE(s.handshake());
            s.send_text("{\"type\":\"hel" + junk(50));
            refused_quickly += s.closed_by_server(5.0);
        }
        {  // a frame claiming to be 1 GB
            RawSocket s(port);
            REQUIRE(s.handshake());
            s.send_frame(0x1, junk(100), std::uint64_t{1} << 30);
            refused_quickly += s.closed_by_server(5.0);
        }
        {  // admitted, then binary junk, mutated requests and deep nesting until dropped
            RawSocket s(port);
            REQUIRE(s.handshake());
            s.send_text("{\"type\":\"hello\",\"code\":\"" + served->code + "\"}");
            for (int i = 0; i < 40; ++i) {
                if (i % 3 == 0) s.send_frame(0x2, junk(300));
                else if (i % 3 == 1) s.send_text(std::string(5000, '[') + std::string(5000, ']'));
                else s.send_text(std::string(R"({"type":"control","control":")").append(junk(10)).append("\"}"));
            }
            dropped += s.closed_by_server(5.0);
        }
        {  // oversized frame from an admitted watcher
            RawSocket s(port);
            REQUIRE(s.handshake());
            s.send_text("{\"type\":\"hello\",\"code\":\"" + served->code + "\"}");
            s.send_text(std::string(64 * 1024, 'x'));
            dropped += s.closed_by_server(5.0);
        }
    }
    CHECK(refused_quickly == 9);
    CHECK(dropped == 6);
    // A good watcher is still served after all that.
    Child watcher(watch_args(*served, served->code, "--duration 3s"));
    CHECK(watcher.wait_for("snapshot t=", 10.0));
    CHECK(deaf.closed_by_server(30.0));
    REQUIRE(quiet.wait_exit(40.0) == 0);
    REQUIRE(served_session.wait_exit(40.0) == 0);
    const auto a = couple_events(dir / "quiet");
    const auto b = couple_events(dir / "served");
    CHECK(a.size() > 100);
    CHECK(a == b);
}

TEST_CASE("TLS with a self-signed certificate: trusted with --ca, refused without", "[remote][process]") {
    const auto dir = remote_test_dir("tls");
    const auto cert = dir / "cert.pem", key = dir / "key.pem";
    const std::string openssl = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "
                                "subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " + key.string() + " -out " +
                                cert.string() + " >/dev/null 2>&1";
    REQUIRE(std::system(openssl.c_str()) == 0);
    Child session(session_args(dir / "session", "--serve 127.0.0.1:0 --tls-cert " + cert.string() + " --tls-key " + key.string()));
    const auto served = wait_served(session);
    REQUIRE(served);
    CHECK(served->scheme == "wss");
    Child trusted(watch_args(*served, served->code, "--ca " + cert.string() + " --marker 'over tls' --duration 5s"));
    CHECK(trusted.wait_for("snapshot t=", 10.0));
    CHECK(trusted.wait_for("event [0-9.]+ marker .*remote: over tls", 10.0));
    Child untrusting(watch_args(*served, served->code, "--tls --duration 3s"));
    CHECK(untrusting.wait_exit(10.0) == 0);
    CHECK(untrusting.saw("retrying"));
    CHECK_FALSE(untrusting.saw("state watching"));
    Child plain(watch_args(*served, served->code, "--duration 3s"));
    CHECK(plain.wait_exit(10.0) == 0);
    CHECK_FALSE(plain.saw("state watching"));
    CHECK(trusted.wait_exit(10.0) == 0);
    CHECK(session.wait_exit(30.0) == 0);
    CHECK(read_file(dir / "session" / "events.csv").find("remote: over tls") != std::string::npos);
}
