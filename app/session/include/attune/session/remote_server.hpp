// The remote therapist's server (`attune session --serve`): a WebSocket endpoint (TLS when a
// certificate is configured) on a thread of its own, serving the clinician's view of the live
// session to watchers who give the session's access code, and carrying their markers, pause and
// step controls back into the engine. The engine thread is never blocked: the server reads
// engine.snapshot() on its own thread and posts requests with the engine's thread-safe post_*().
// The couple sees in every snapshot (Snapshot::watch) who is watching and can stop sharing
// (Engine::post_stop_sharing): all watchers are closed and new ones refused.
#pragma once

#include <memory>
#include <string>

#include "attune/session/attachment.hpp"
#include "attune/session/engine.hpp"

namespace attune::session {

struct ServeOptions {
    std::string address = "127.0.0.1";  // loopback unless the user gives an address
    unsigned short port = 0;            // 0 = any free port (see RemoteServer::port())
    std::string tls_cert, tls_key;      // PEM files; both set = wss:// only
    std::string access_code;            // empty = a fresh random one
    double rate_hz = 4.0;               // snapshots per second to each watcher
    int max_watchers = 4;
};

// Six random digits (from the OS's random source).
std::string make_access_code();

class RemoteServer final : public Attachment, public SessionObserver {
public:
    // Listening when constructed; throws std::runtime_error when it cannot (port taken, bad
    // certificate). Adds itself as an observer of the engine (before it starts).
    RemoteServer(Engine& engine, ServeOptions options);
    ~RemoteServer() override;

    const std::string& access_code() const;
    std::string url() const;  // ws://127.0.0.1:40123 or wss://...
    unsigned short port() const;

    void on_event(const SessionEvent& event) override;   // "sharing" = the couple stopped it
    bool on_engine_stopped(Engine& engine) override;     // closes every watcher, ends the thread

    struct Impl;  // (named by the connections in the .cpp)

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace attune::session
