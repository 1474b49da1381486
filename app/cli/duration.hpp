// Durations on the command line: "90" or "90s", "10m", "1h", "1h30m".
#pragma once

#include <optional>
#include <string>

namespace attune::cli {

std::optional<double> parse_duration_s(const std::string& text);

}  // namespace attune::cli
