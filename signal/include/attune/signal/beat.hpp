// A detected heart beat (ECG R peak or PPG systolic peak), shared by every beat detector,
// RR cleaning, HRV and the analysis front ends. Kept small and stable: other parts build on it.
#pragma once

#include <cstdint>
#include <string_view>

namespace attune::signal {

// How far a beat can be trusted.
//   Good     - clean signal around the beat, interval plausible.
//   Doubtful - detected, but the signal around it is noisy or the interval is implausible;
//              usable for heart rate, to be checked (or corrected) before HRV.
//   Artifact - not a heart beat the detector vouches for (noise, clipping, flat line);
//              never counted as a beat by HRV.
enum class BeatQuality : std::uint8_t { Good = 0, Doubtful = 1, Artifact = 2 };

constexpr std::string_view to_string(BeatQuality q) {
    switch (q) {
        case BeatQuality::Good: return "good";
        case BeatQuality::Doubtful: return "doubtful";
        case BeatQuality::Artifact: return "artifact";
    }
    return "unknown";
}

struct Beat {
    double time_s = 0.0;  // time of the peak, seconds (same clock as the samples fed in)
    double rr_ms = 0.0;   // interval from the previous beat in ms; 0 for the first beat
                          // (or the first after a gap / unreadable stretch)
    float amplitude = 0.0f;  // peak height in the detector's input units (signed as found)
    BeatQuality quality = BeatQuality::Good;
};

}  // namespace attune::signal
