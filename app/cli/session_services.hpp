// What every way of running a session attaches to its engine (the window, `attune session`,
// `attune session --headless`): the recording and its history row, and whatever else is switched
// on by options (research streams, a remote watcher). One place, so they all behave alike.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "attune/session/attachment.hpp"

namespace attune::cli {

struct ServiceArgs {
    std::string out;     // recording folder; empty = a new one under sessions_base_dir()
    bool record = true;  // false for screenshots and benchmarks
    std::string serve;   // remote watcher: "[ADDR:]PORT" (loopback unless an address is given)
    std::string tls_cert, tls_key;  // PEM files: serve over TLS (wss://)
    bool lsl = false;         // publish the session's Lab Streaming Layer streams
    std::string lsl_markers;  // name of an external LSL marker stream to take markers from
};

// Options shared by the commands that run a session (`--out` stays per command).
void add_service_options(CLI::App& app, ServiceArgs& args);

class SessionServices {
public:
    explicit SessionServices(ServiceArgs args) : args_(std::move(args)) {}
    // Attaches the services to each engine; the object must outlive the engines it attached to.
    session::AttachFn attach_fn();
    // Of the most recent engine: where it was recorded and whether the recording was finished.
    const std::string& last_dir() const { return last_dir_; }
    bool last_recorded() const { return last_recorded_; }

private:
    session::Attachments attach(session::Engine& engine);
    std::string next_recording_dir();

    ServiceArgs args_;
    int engines_ = 0;
    std::string last_dir_;
    bool last_recorded_ = false;
};

}  // namespace attune::cli
