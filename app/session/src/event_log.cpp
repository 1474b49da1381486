#include "attune/session/event_log.hpp"

namespace attune::session {

std::string partner_label(const std::optional<signal::Partner>& partner) {
    if (!partner) return "";
    return std::string(signal::partner_letter(*partner));
}

}  // namespace attune::session
