// `attune watch HOST:PORT`: the therapist's side of `attune session --serve`. Opens a window with
// the clinician panel drawn from the received snapshots (markers, pause and step controls travel
// back), or with --headless prints what it receives as lines (scripts, tests).
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "attune/session/remote_client.hpp"
#include "attune/session/remote_options.hpp"
#include "command_registry.hpp"
#include "duration.hpp"
#ifdef ATTUNE_HAVE_GUI
#include "attune/ui/watch_window.hpp"
#endif

namespace attune::cli {
namespace {

struct WatchArgs {
    std::string address;
    std::string code;
    bool tls = false;
    std::string ca;
    bool headless = false;
    std::string marker;
    std::string duration;  // headless: stop after this long (default: until the sharing ends)
    std::string screenshot;
    double after_s = 3.0;
};

// Prints one line per state change, one per second of snapshots, and every new event.
class LinePrinter {
public:
    void state(session::WatchState s, const std::string& detail) {
        std::lock_guard lock(mutex_);
        std::cout << "state " << session::to_string(s) << ": " << detail << std::endl;
    }
    void snapshot(const session::SnapshotPtr& snap) {
        std::lock_guard lock(mutex_);
        for (const auto& e : snap->recent_events)
            if (e.time_s > last_event_t_ || (e.time_s == last_event_t_ && !seen_at_last_t_(e))) {
                std::cout << "event " << e.time_s << " " << e.kind << " " << session::partner_label(e.partner) << " "
                          << e.text << std::endl;
                if (e.time_s > last_event_t_) at_last_t_.clear();
                last_event_t_ = e.time_s;
                at_last_t_.push_back(key(e));
            }
        if (snap->session_time_s < next_line_t_) return;
        next_line_t_ = snap->session_time_s + 1.0;
        const auto& a = snap->partners[0];
        const auto& b = snap->partners[1];
        std::cout << "snapshot t=" << snap->session_time_s << " phase=" << snap->phase << " step=\""
                  << snap->protocol.step_title << "\" A.hr=" << a.hr_bpm << " B.hr=" << b.hr_bpm
                  << " A.arousal=" << a.arousal << " B.arousal=" << b.arousal << " ecg_values=" << a.ecg.values.size()
                  << " watchers=" << snap->watch.watchers << std::endl;
    }

private:
    static std::string key(const session::SessionEvent& e) { return e.kind + session::partner_label(e.partner) + e.text; }
    bool seen_at_last_t_(const session::SessionEvent& e) const {
        for (const auto& k : at_last_t_)
            if (k == key(e)) return true;
        return false;
    }
    std::mutex mutex_;
    double last_event_t_ = -1.0;
    std::vector<std::string> at_last_t_;
    double next_line_t_ = 0.0;
};

int run_headless(const WatchArgs& args, const session::WatchTarget& target) {
    std::optional<double> duration;
    if (!args.duration.empty()) {
        duration = parse_duration_s(args.duration);
        if (!duration || *duration <= 0.0) {
            std::cerr << "attune watch: --duration '" << args.duration << "' is not a duration (e.g. 90s, 10m)\n";
            return 2;
        }
    }
    auto printer = std::make_shared<LinePrinter>();
    session::WatchCallbacks callbacks;
    callbacks.on_state = [printer](session::WatchState s, const std::string& d) { printer->state(s, d); };
    callbacks.on_snapshot = [printer](const session::SnapshotPtr& snap) { printer->snapshot(snap); };
    session::RemoteWatcher watcher(target, callbacks);
    const auto start = std::chrono::steady_clock::now();
    bool marker_sent = args.marker.empty();
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto state = watcher.state();
        if (state == session::WatchState::Refused) return 4;
        if (state == session::WatchState::Ended) return 0;
        if (!marker_sent && state == session::WatchState::Watching && watcher.snapshot()) {
            watcher.send_marker(args.marker);
            std::cout << "sent marker: " << args.marker << std::endl;
            marker_sent = true;
        }
        if (duration && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= *duration)
            return 0;
    }
}

int run_watch(const WatchArgs& args) {
    const auto where = session::parse_host_port(args.address);
    if (!where || where->host.empty() || where->port == 0) {
        std::cerr << "attune watch: '" << args.address << "' is not HOST:PORT\n";
        return 2;
    }
    session::WatchTarget target;
    target.host = where->host;
    target.port = std::to_string(where->port);
    target.code = args.code;
    target.tls = args.tls || !args.ca.empty();
    target.ca_file = args.ca;
    try {
        if (args.headless) {
            if (args.code.empty()) {
                std::cerr << "attune watch: --headless needs --code (the couple reads it out)\n";
                return 2;
            }
            return run_headless(args, target);
        }
#ifdef ATTUNE_HAVE_GUI
        ui::WatchWindowOptions window;
        window.target = target;
        window.screenshot_path = args.screenshot;
        window.screenshot_after_s = args.after_s;
        return ui::run_watch_window(window);
#else
        std::cerr << "attune watch: this build has no window; use --headless\n";
        return 2;
#endif
    } catch (const std::exception& e) {
        std::cerr << "attune watch: " << e.what() << "\n";
        return 1;
    }
}

const Registration kWatch{
    "watch", "Watch a session served with `attune session --serve` (the therapist's side)",
    [](CLI::App& sub) -> Runner {
        auto args = std::make_shared<WatchArgs>();
        sub.add_option("address", args->address, "HOST:PORT the couple's Attune printed")->required();
        sub.add_option("--code", args->code, "The session's access code (the couple reads it out)");
        sub.add_flag("--tls", args->tls, "Connect with TLS (wss://), checking the server's certificate");
        sub.add_option("--ca", args->ca, "Trust this certificate (PEM), e.g. the couple's self-signed one; implies --tls")
            ->check(CLI::ExistingFile);
        sub.add_flag("--headless", args->headless, "No window: print what arrives as lines");
        sub.add_option("--marker", args->marker, "Headless: send this marker once watching");
        sub.add_option("--duration", args->duration, "Headless: stop after this long (e.g. 30s)");
        sub.add_option("--screenshot", args->screenshot, "Window: save a PNG after --after seconds of watching and exit");
        sub.add_option("--after", args->after_s, "Seconds of watching before the screenshot")->capture_default_str();
        return [args] { return run_watch(*args); };
    }};

}  // namespace
}  // namespace attune::cli
