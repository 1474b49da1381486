#include "session_services.hpp"

#include <iostream>
#include <memory>

#include "attune/session/engine.hpp"
#include "attune/session/history.hpp"
#include "attune/session/lsl_marker_inlet.hpp"
#include "attune/session/lsl_publisher.hpp"
#include "attune/session/recorder.hpp"
#include "attune/session/remote_options.hpp"
#include "attune/session/remote_server.hpp"
#include "attune/session/settings.hpp"
#include "session_options.hpp"

namespace attune::cli {
namespace {

// The session's recording: started with the engine, finished (EDF+, summary, history row) when
// it stops. A recording that cannot start is reported at once and the session carries on.
class RecordingAttachment final : public session::Attachment {
public:
    RecordingAttachment(const std::string& dir, session::Engine& engine, bool& recorded)
        : recorder_(dir), recorded_(recorded) {
        engine.add_observer(&recorder_);
        if (!session::write_session_config(dir, engine.config()))
            std::cerr << "attune session: could not save session.json (a replay may differ)\n";
    }
    bool on_engine_stopped(session::Engine& engine) override {
        recorded_ = recorder_.finish(engine);
        if (recorded_) add_to_history(recorder_.dir());
        return recorded_;
    }

private:
    // The finished session's row in the configured history index (`attune history`: the local
    // SQLite file or the clinic's server from settings.toml); a failure is only reported.
    static void add_to_history(const std::string& dir) {
        try {
            const auto where = session::configured_history_location(sessions_base_dir() + "/history.sqlite");
            session::SessionHistory(where).add(session::figures_of_recording(dir));
        } catch (const std::exception& e) {
            std::cerr << "attune session: not added to the history: " << e.what() << "\n";
        }
    }

    session::Recorder recorder_;
    bool& recorded_;
};

// The remote watcher's server, when --serve is given; one that cannot start is reported and left out.
std::unique_ptr<session::Attachment> remote_server(const ServiceArgs& args, session::Engine& engine) {
    const auto where = session::parse_host_port(args.serve);
    if (!where) {
        std::cerr << "attune session: NOT SERVING: --serve '" << args.serve << "' is not [ADDR:]PORT\n";
        return nullptr;
    }
    session::ServeOptions options;
    if (!where->host.empty()) options.address = where->host;
    options.port = where->port;
    options.tls_cert = args.tls_cert;
    options.tls_key = args.tls_key;
    try {
        auto server = std::make_unique<session::RemoteServer>(engine, options);
        std::cout << "remote: serving this session at " << server->url() << "  access code " << server->access_code()
                  << "  (read it out to your therapist; W or 'Stop sharing' ends it)" << std::endl;
        return server;
    } catch (const std::exception& e) {
        std::cerr << "attune session: NOT SERVING: " << e.what() << "\n";
        return nullptr;
    }
}

// The session's LSL streams (--lsl) and an external marker stream (--lsl-markers NAME); a part
// that cannot start is reported and left out.
void attach_lsl(const ServiceArgs& args, session::Engine& engine, session::Attachments& out) {
    try {
        if (args.lsl) out.push_back(std::make_unique<session::LslPublisher>(engine));
    } catch (const std::exception& e) {
        std::cerr << "attune session: NOT PUBLISHING LSL streams: " << e.what() << "\n";
    }
    if (!args.lsl_markers.empty()) out.push_back(std::make_unique<session::LslMarkerInlet>(engine, args.lsl_markers));
}

}  // namespace

void add_service_options(CLI::App& app, ServiceArgs& args) {
    app.add_option("--serve", args.serve,
                   "Let a therapist watch live (`attune watch`): [ADDR:]PORT, loopback unless ADDR is given, 0 = any port");
    app.add_option("--tls-cert", args.tls_cert, "With --serve: certificate (PEM) to serve over TLS")->check(CLI::ExistingFile);
    app.add_option("--tls-key", args.tls_key, "With --serve: the certificate's private key (PEM)")->check(CLI::ExistingFile);
    app.add_flag("--lsl", args.lsl, "Publish the session as Lab Streaming Layer streams (raw, beats, metrics, dyad, markers)");
    app.add_option("--lsl-markers", args.lsl_markers, "Take markers from the LSL marker stream of this name");
}

std::string SessionServices::next_recording_dir() {
    ++engines_;
    if (args_.out.empty()) {
        if (engines_ == 1)  // a session killed last time is made whole before a new one starts
            for (const auto& d : session::recover_unfinished(sessions_base_dir()))
                std::cout << "recovered an unfinished recording: " << d << "\n";
        std::string dir = default_recording_dir();
        if (engines_ > 1) dir += "-" + std::to_string(engines_);
        return dir;
    }
    return engines_ == 1 ? args_.out : args_.out + "-" + std::to_string(engines_);
}

session::Attachments SessionServices::attach(session::Engine& engine) {
    session::Attachments out;
    last_recorded_ = false;
    last_dir_.clear();
    if (args_.record) {
        const std::string dir = next_recording_dir();
        try {
            out.push_back(std::make_unique<RecordingAttachment>(dir, engine, last_recorded_));
            last_dir_ = dir;
        } catch (const std::exception& e) {
            // Reported at once; the couple's session itself carries on unrecorded.
            std::cerr << "attune session: NOT RECORDING: " << e.what() << "\n";
        }
    }
    if (!args_.serve.empty())
        if (auto server = remote_server(args_, engine)) out.push_back(std::move(server));
    attach_lsl(args_, engine, out);
    return out;
}

session::AttachFn SessionServices::attach_fn() {
    return [this](session::Engine& engine) { return attach(engine); };
}

}  // namespace attune::cli
