// The session's log: every transition, cue, key press, marker and device change, with its time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "attune/signal/samples.hpp"

namespace attune::session {

struct SessionEvent {
    double time_s = 0.0;
    std::string kind;    // "phase", "cue", "pause", "marker", "device", "arousal", "keypress", ...
    std::optional<signal::Partner> partner;  // who it concerns, if anyone in particular
    std::string text;
};

// Thread rule: appended on the engine thread only; readers get copies through the snapshot.
class EventLog {
public:
    void add(SessionEvent event) { events_.push_back(std::move(event)); }
    const std::vector<SessionEvent>& events() const { return events_; }
    std::size_t size() const { return events_.size(); }

private:
    std::vector<SessionEvent> events_;
};

std::string partner_label(const std::optional<signal::Partner>& partner);

}  // namespace attune::session
