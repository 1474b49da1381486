// Physical units as small value types, so a rate is never passed where a period is meant.
#pragma once

namespace attune::signal {

struct Hz {
    double value = 0.0;
};
struct Seconds {
    double value = 0.0;
};
struct Millis {
    double value = 0.0;
};
struct Bpm {
    double value = 0.0;
};

constexpr Millis to_millis(Seconds s) { return {s.value * 1000.0}; }
constexpr Seconds to_seconds(Millis ms) { return {ms.value / 1000.0}; }
constexpr Bpm rr_to_bpm(Millis rr) { return {rr.value > 0.0 ? 60000.0 / rr.value : 0.0}; }

namespace literals {
constexpr Hz operator""_Hz(long double v) { return {static_cast<double>(v)}; }
constexpr Hz operator""_Hz(unsigned long long v) { return {static_cast<double>(v)}; }
constexpr Seconds operator""_s(long double v) { return {static_cast<double>(v)}; }
constexpr Seconds operator""_s(unsigned long long v) { return {static_cast<double>(v)}; }
constexpr Millis operator""_ms(long double v) { return {static_cast<double>(v)}; }
constexpr Millis operator""_ms(unsigned long long v) { return {static_cast<double>(v)}; }
}  // namespace literals

}  // namespace attune::signal
