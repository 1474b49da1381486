#include "attune/session/attachment.hpp"

namespace attune::session {

bool finish_attachments(Attachments& attachments, Engine& engine) {
    bool complete = true;
    for (auto& a : attachments)
        if (a && !a->on_engine_stopped(engine)) complete = false;
    return complete;
}

}  // namespace attune::session
