// The therapist's side of the remote session (`attune watch HOST:PORT`): connects on a thread of
// its own, gives the access code, keeps the latest snapshot for the window (or the headless
// printer), sends markers and protocol controls, and reconnects calmly when the link is lost
// (1, 2, 4, then every 5 s). A refusal or the couple stopping the sharing ends it for good.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "attune/session/protocol_machine.hpp"
#include "attune/session/snapshot.hpp"

namespace attune::session {

struct WatchTarget {
    std::string host = "127.0.0.1";
    std::string port;
    std::string code;
    bool tls = false;
    std::string ca_file;  // trusted certificate(s) for --tls; empty = the system's
};

enum class WatchState { Connecting, Watching, Retrying, Refused, Ended };
std::string_view to_string(WatchState state);

struct WatchCallbacks {  // called on the watcher's own thread; must be quick
    std::function<void(WatchState, const std::string& detail)> on_state;
    std::function<void(const SnapshotPtr&)> on_snapshot;
};

class RemoteWatcher {
public:
    RemoteWatcher(WatchTarget target, WatchCallbacks callbacks = {});
    ~RemoteWatcher();
    RemoteWatcher(const RemoteWatcher&) = delete;
    RemoteWatcher& operator=(const RemoteWatcher&) = delete;

    SnapshotPtr snapshot() const;  // latest received (nullptr before the first)
    WatchState state() const;
    std::string detail() const;    // why it is in that state, in words

    // Any thread. Dropped (with a message) when not connected: a marker is never sent late.
    void send_marker(std::string text);
    void send_control(Control control);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace attune::session
