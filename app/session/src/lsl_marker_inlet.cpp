#include "attune/session/lsl_marker_inlet.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

#include "attune/bridge/lsl/inlet.hpp"
#include "attune/session/engine.hpp"

namespace attune::session {

namespace lsl = bridge::lsl;

namespace {
constexpr std::size_t kMaxMarkerChars = 200;

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
}  // namespace

std::string clean_marker_text(std::string_view text) {
    std::string out(text.substr(0, kMaxMarkerChars));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return out;
}

LslMarkerInlet::LslMarkerInlet(Engine& engine, std::string stream_name, lsl::NetConfig net)
    : engine_(engine), name_(std::move(stream_name)), net_(std::move(net)) {
    thread_ = std::thread([this] { run(); });
}

LslMarkerInlet::~LslMarkerInlet() { stop(); }

bool LslMarkerInlet::on_engine_stopped(Engine& engine) {
    (void)engine;
    stop();
    return true;
}

void LslMarkerInlet::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void LslMarkerInlet::run() {
    bool reported_missing = false;
    while (!stop_) {
        try {
            follow_stream();
        } catch (const std::exception& e) {
            std::cerr << "attune: LSL marker stream '" << name_ << "' lost (" << e.what() << "), looking again\n";
        }
        if (stop_) break;
        if (!reported_missing) {
            std::cerr << "attune: waiting for the LSL marker stream '" << name_ << "'\n";
            reported_missing = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

// Finds the stream, then posts its markers until it ends or the session stops. Short waits
// throughout, so stopping never takes long.
void LslMarkerInlet::follow_stream() {
    lsl::ResolveOptions resolve;
    resolve.net = net_;
    resolve.timeout_s = 0.5;
    resolve.enough = 1;
    const char quote = name_.find('\'') == std::string::npos ? '\'' : '"';
    std::string query = "name=";
    query.append(1, quote).append(name_).append(1, quote);
    const auto found = lsl::resolve(query, resolve);
    if (found.empty()) return;
    lsl::Inlet inlet(found.front(), 2.0);
    std::cerr << "attune: following LSL marker stream '" << name_ << "'\n";
    while (!stop_) {
        const auto sample = inlet.pull(0.1);
        if (!sample) continue;
        std::vector<std::string> parts = sample->strings;
        for (double v : sample->values) parts.push_back(number_text(v));
        std::string text;
        for (const auto& part : parts) text.append(text.empty() ? "" : " ").append(part);
        engine_.post_marker(clean_marker_text(text));
        ++received_;
    }
}

}  // namespace attune::session
