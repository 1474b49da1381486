// Markers from outside into the session: an experiment runner (PsychoPy, Presentation, ...)
// publishes an LSL marker stream; this finds it by name, follows it on a thread of its own and
// posts each marker into the session (Engine::post_marker), where it is logged and recorded like
// a clinician's marker. When the stream is not there yet, or goes away, it keeps looking.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "attune/bridge/lsl/net_config.hpp"
#include "attune/session/attachment.hpp"

namespace attune::session {

class LslMarkerInlet final : public Attachment {
public:
    LslMarkerInlet(Engine& engine, std::string stream_name,
                   bridge::lsl::NetConfig net = bridge::lsl::NetConfig::from_env());
    ~LslMarkerInlet() override;
    bool on_engine_stopped(Engine& engine) override;

    std::size_t markers_received() const { return received_.load(); }

private:
    void run();
    void follow_stream();
    void stop();

    Engine& engine_;
    std::string name_;
    bridge::lsl::NetConfig net_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> received_{0};
    std::thread thread_;
};

// A marker as the session logs it: control characters become spaces, at most 200 characters.
std::string clean_marker_text(std::string_view text);

}  // namespace attune::session
