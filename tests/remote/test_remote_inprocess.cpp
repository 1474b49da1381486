// Server and watcher in one process around a live simulated engine: the couple's "stop sharing"
// ends every watcher and refuses new ones; the watch state is in the couple's snapshot.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "attune/session/engine.hpp"
#include "attune/session/remote_client.hpp"
#include "attune/session/remote_server.hpp"

using namespace attune::session;
using WallClock = std::chrono::steady_clock;

namespace {

template <class Pred>
bool eventually(Pred pred, double timeout_s = 10.0) {
    const auto deadline = WallClock::now() + std::chrono::duration<double>(timeout_s);
    while (WallClock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

WatchTarget target_of(const RemoteServer& server, const std::string& code) {
    WatchTarget t;
    t.host = "127.0.0.1";
    t.port = std::to_string(server.port());
    t.code = code;
    return t;
}

}  // namespace

TEST_CASE("the couple sees the watcher and can stop sharing", "[remote]") {
    EngineConfig config;
    config.speed = 4.0;
    Engine engine(config);
    RemoteServer server(engine, ServeOptions{});
    REQUIRE(server.access_code().size() == 6);
    engine.start();
    {
        RemoteWatcher watcher(target_of(server, server.access_code()));
        REQUIRE(eventually([&] { return watcher.state() == WatchState::Watching && watcher.snapshot(); }));
        REQUIRE(eventually([&] {
            const auto s = engine.snapshot();
            return s && s->watch.sharing && s->watch.watchers == 1;
        }));
        CHECK(engine.snapshot()->watch.access_code == server.access_code());
        engine.post_stop_sharing();
        REQUIRE(eventually([&] { return watcher.state() == WatchState::Ended; }));
        CHECK(watcher.detail().find("stopped sharing") != std::string::npos);
        CHECK(eventually([&] { return !engine.snapshot()->watch.sharing && engine.snapshot()->watch.watchers == 0; }));
    }
    RemoteWatcher late(target_of(server, server.access_code()));
    CHECK_FALSE(eventually([&] { return late.state() == WatchState::Watching; }, 3.0));
    engine.stop();
    CHECK(server.on_engine_stopped(engine));
    bool stopped_logged = false;
    for (const auto& e : engine.log().events()) stopped_logged |= e.kind == "sharing";
    CHECK(stopped_logged);
}
