#include "duration.hpp"

#include <cctype>
#include <charconv>

namespace attune::cli {

std::optional<double> parse_duration_s(const std::string& text) {
    if (text.empty()) return std::nullopt;
    double total = 0.0;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        double value = 0.0;
        auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc() || value < 0.0) return std::nullopt;
        p = next;
        double unit = 1.0;
        if (p < end) {
            switch (*p) {
                case 's': unit = 1.0; break;
                case 'm': unit = 60.0; break;
                case 'h': unit = 3600.0; break;
                default: return std::nullopt;
            }
            ++p;
        }
        total += value * unit;
    }
    return total;
}

}  // namespace attune::cli
