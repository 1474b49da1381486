// What runs beside a session apart from the couple's display: its recording, research streams, a
// remote watcher. Each is attached to an engine before it starts (usually as a SessionObserver)
// and told when that engine has stopped. The window and `attune session --headless` attach the
// same things, so every way of running a session records and publishes alike.
#pragma once

#include <functional>
#include <memory>
#include <vector>

namespace attune::session {

class Engine;

class Attachment {
public:
    virtual ~Attachment() = default;
    // After the engine has stopped (its log and pipelines are final). Returns false when this
    // attachment's job is left incomplete (e.g. a recording that could not be finished).
    virtual bool on_engine_stopped(Engine& engine) {
        (void)engine;
        return true;
    }
};

using Attachments = std::vector<std::unique_ptr<Attachment>>;
// Makes the attachments of one engine (called before engine.start()/run_for()). Must not throw:
// a part that cannot start reports why and is left out, the couple's session carries on.
using AttachFn = std::function<Attachments(Engine& engine)>;

// Runs every attachment's on_engine_stopped; false when any reported an incomplete job.
bool finish_attachments(Attachments& attachments, Engine& engine);

}  // namespace attune::session
