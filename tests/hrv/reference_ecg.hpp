// Test-only reference R-peak finder for clean resting ECG (used to score PPG pulses and HRV
// until the project's ECG detector is available here): band-limited slope energy, a threshold at
// 30 % of the local 2 s maximum, 250 ms refractory, peak refined to the largest |ECG| within
// +-60 ms (on the record's dominant polarity), then to a fraction of a sample by a parabola
// through the extremum and its neighbours. Deliberately simple; only meant for clean stretches.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace hrv_test {

inline std::vector<double> reference_r_peaks(const std::vector<float>& ecg, double fs) {
    const std::size_t n = ecg.size();
    // Slope energy of a 5-point derivative (a crude 5-25 Hz band), smoothed over 80 ms.
    std::vector<double> e(n, 0.0);
    for (std::size_t i = 2; i + 2 < n; ++i) {
        const double d = (2.0 * ecg[i + 2] + ecg[i + 1] - ecg[i - 1] - 2.0 * ecg[i - 2]) / 8.0;
        e[i] = d * d;
    }
    const auto w = static_cast<std::size_t>(0.08 * fs);
    std::vector<double> s(n, 0.0);
    double acc = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        acc += e[i] - (i >= w ? e[i - w] : 0.0);
        s[i] = acc / static_cast<double>(w);
    }
    // Dominant polarity: the larger of the 99th percentile and -1st percentile around the median.
    std::vector<float> sorted(ecg.begin(), ecg.end());
    std::sort(sorted.begin(), sorted.end());
    const double mid = sorted[n / 2];
    const double sign = (sorted[n * 99 / 100] - mid) >= (mid - sorted[n / 100]) ? 1.0 : -1.0;
    const auto half_win = static_cast<std::size_t>(1.0 * fs);
    const auto refractory = static_cast<std::size_t>(0.25 * fs);
    const auto refine = static_cast<std::size_t>(0.06 * fs);
    std::vector<double> peaks;
    std::size_t last = 0;
    bool have_last = false;
    for (std::size_t i = 1; i + 1 < n; ++i) {
        if (!(s[i] >= s[i - 1] && s[i] > s[i + 1])) continue;
        const std::size_t lo = i > half_win ? i - half_win : 0, hi = std::min(n, i + half_win);
        const double local_max = *std::max_element(s.begin() + static_cast<std::ptrdiff_t>(lo),
                                                   s.begin() + static_cast<std::ptrdiff_t>(hi));
        if (s[i] < 0.3 * local_max) continue;
        // The smoothed energy peaks after the QRS: search the R peak in the preceding 80 ms too.
        const std::size_t a = i > w + refine ? i - w - refine : 0, b = std::min(n - 1, i + refine);
        std::size_t best = a;
        for (std::size_t k = a; k <= b; ++k)
            if (sign * ecg[k] > sign * ecg[best]) best = k;
        double frac = 0.0;
        if (best > 0 && best + 1 < n) {
            const double ym = ecg[best - 1], y0 = ecg[best], yp = ecg[best + 1];
            const double den = ym - 2.0 * y0 + yp;
            if (den != 0.0) frac = std::clamp(0.5 * (ym - yp) / den, -0.5, 0.5);
        }
        const double at = (static_cast<double>(best) + frac) / fs;
        if (have_last && best < last + refractory) {
            if (sign * ecg[best] > sign * ecg[last]) peaks.back() = at, last = best;
            continue;
        }
        peaks.push_back(at);
        last = best;
        have_last = true;
    }
    return peaks;
}

}  // namespace hrv_test
