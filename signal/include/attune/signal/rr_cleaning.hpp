// RR interval artifact detection and correction: Lipponen & Tarvainen 2019.
//
//   Lipponen JA, Tarvainen MP. A robust algorithm for heart rate variability time series
//   artefact correction using novel beat classification. J Med Eng Technol 43(3):173-181, 2019.
//
// What it does to the series: every RR interval is classified from two normalised series,
//   dRR  = RR[i] - RR[i-1], divided by Th1 = alpha * quartile deviation of |dRR| over 91 beats,
//   mRR  = RR[i] - median(RR over 11 beats) (negative values doubled), divided by
//          Th2 = alpha * quartile deviation of |mRR| over 91 beats,
// into normal / ectopic / long / short / missed / extra (alpha 5.2, c1 0.13, c2 0.17: the paper's
// values). Correction: ectopic, long and short intervals are replaced by interpolation from the
// neighbouring normal intervals (the beat is moved), a missed beat is inserted in the middle of
// its interval (split), an extra beat is removed (its interval merged with the next).
// Batch: centred windows as in the paper. Cost O(n * 91) per pass; a few passes at most.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "attune/signal/beat.hpp"

namespace attune::signal {

enum class RrArtifact : std::uint8_t { None = 0, Ectopic, Long, Short, Missed, Extra };

constexpr std::string_view to_string(RrArtifact a) {
    switch (a) {
        case RrArtifact::None: return "none";
        case RrArtifact::Ectopic: return "ectopic";
        case RrArtifact::Long: return "long";
        case RrArtifact::Short: return "short";
        case RrArtifact::Missed: return "missed";
        case RrArtifact::Extra: return "extra";
    }
    return "unknown";
}

struct RrCleaningConfig {
    double alpha = 5.2;              // threshold = alpha * quartile deviation
    double c1 = 0.13;                // ectopic decision boundary slope
    double c2 = 0.17;                // ectopic decision boundary offset
    std::size_t qd_window_beats = 91;     // window of the quartile deviations (Th1, Th2)
    std::size_t median_window_beats = 11; // window of the median RR (mRR)
    bool correct = true;             // false: classify only, intervals returned unchanged
    int max_passes = 3;              // re-run detection on the corrected series until clean
    // Physiological limits: intervals outside them are never plausible (25..300 bpm), they are
    // dropped from the NN series as Extra/Missed-style breaks rather than interpolated.
    double min_rr_ms = 200.0;
    double max_rr_ms = 2400.0;
    // Floor of Th1 / Th2 (ms): a metronomic series (simulator, pacemaker) has a quartile
    // deviation near 0, and every millisecond of jitter would look like an artifact.
    double min_threshold_ms = 5.0;
    // Not in the paper: ceilings of Th1 and Th2 as fractions of the local median RR. When more
    // than a quarter of the beats are ectopic (bigeminy, trigeminy: common in the PVC-prone
    // users straps see) the quartile deviation is inflated by the artifacts themselves and the
    // paper's thresholds stop seeing them. A sinus beat-to-beat change beyond 25 % of the RR,
    // even with slow deep breathing, is not physiological. 0 disables a ceiling.
    double max_th1_fraction = 0.25;
    double max_th2_fraction = 0.2;
    // Not in the paper: a "short" interval between an ectopic/long one and another short one
    // that lies within this fraction of the local median RR is kept as normal. In a trigeminy
    // the sinus interval after each compensatory pause otherwise looks short (its dRR is large
    // only because the pause was long), and every interval would end up interpolated.
    double normal_band_fraction = 0.10;
};

// How many intervals of each class were found (over all passes).
struct RrArtifactCounts {
    std::size_t ectopic = 0;
    std::size_t long_ = 0;
    std::size_t short_ = 0;
    std::size_t missed = 0;
    std::size_t extra = 0;
    std::size_t implausible = 0;  // outside [min_rr_ms, max_rr_ms], removed
    std::size_t total() const { return ectopic + long_ + short_ + missed + extra + implausible; }
};

struct RrCleaningResult {
    // The cleaned (normal-to-normal) series: nn_ms[i] ends at the beat at nn_times_s[i].
    std::vector<double> nn_times_s;
    std::vector<double> nn_ms;
    // Per NN interval: None if the original interval was kept, otherwise the artifact class
    // whose correction produced it.
    std::vector<RrArtifact> corrected_as;
    // Indices into nn_* where a new continuous segment starts (always 0 when non-empty): no
    // successive difference should be taken across them (gaps, implausible pauses).
    std::vector<std::size_t> segment_starts;
    // Per input interval (input beat i, i >= 1; index 0 = first interval): class detected in the
    // first pass, before any correction.
    std::vector<RrArtifact> detected;
    RrArtifactCounts counts;
    std::size_t corrected() const { return counts.total(); }
};

// Classify an RR series (ms) without correcting it: one class per interval.
std::vector<RrArtifact> classify_lipponen2019(std::span<const double> rr_ms,
                                              const RrCleaningConfig& config = {});

// Clean the intervals between consecutive beat times (seconds). The first beat only anchors.
RrCleaningResult lipponen2019(std::span<const double> beat_times_s,
                              const RrCleaningConfig& config = {});

// Clean detector output. Beats of quality Artifact are skipped; a beat with rr_ms == 0 (after
// the first) starts a new segment (a gap): segments are cleaned separately and no NN interval
// spans a gap. RR is taken from time differences of kept beats.
RrCleaningResult lipponen2019(std::span<const Beat> beats, const RrCleaningConfig& config = {});

// [SECTION] Streaming (live) cleaning

// One NN interval out of the streaming cleaner.
struct NnInterval {
    double time_s = 0.0;   // beat that ends the interval
    double nn_ms = 0.0;
    RrArtifact corrected_as = RrArtifact::None;
    bool continuous = true;  // false: does not follow the previous interval (gap, segment start)
};

// RrCleaner: a causal form of lipponen2019 for live display. Same decision flow and parameters,
// but one pass, and the windows end at the newest beat: Th1/Th2 from the last 91 intervals, the
// median from the last 11, decisions taken 3 beats late (the S12/S22 subspaces and the
// extra-beat test look 2-3 intervals ahead). Ectopic/long/short intervals are replaced by the
// last normal interval when it is at most 10 intervals old (no future normal interval to
// interpolate to), otherwise - inside a bigeminy run - by the mean of the interval and its
// predecessor (premature + compensatory pause = two sinus cycles); extra beats are merged,
// missed beats split, as in the batch form. Delay: 3 beats. Cost O(91 log 91) per beat, no allocation
// after construction. clean_rr_streaming() is the batch form of this same code.
class RrCleaner {
public:
    static constexpr std::size_t kLookahead = 3;
    static constexpr std::size_t kMaxOut = 16;

    explicit RrCleaner(const RrCleaningConfig& config = {});
    // Feed one beat. Returns the NN intervals decided by it (valid until the next call).
    std::span<const NnInterval> push(const Beat& beat) noexcept;
    // End of input: decide the intervals still waiting for look-ahead.
    std::span<const NnInterval> finish() noexcept;
    const RrArtifactCounts& counts() const noexcept { return counts_; }
    void reset() noexcept;

private:
    struct Item {
        double end_s = 0.0;
        double rr_ms = 0.0;
        double mrr = 0.0;                        // set when decided
        RrArtifact pending = RrArtifact::None;   // set early by the look-ahead rule
        RrArtifact first = RrArtifact::None;     // class before the trigeminy rule
    };
    void add_interval(double end_s, double rr_ms) noexcept;
    void decide_oldest() noexcept;
    void end_segment() noexcept;
    void emit(double t, double nn, RrArtifact a) noexcept;
    Item& item(std::size_t back) noexcept;  // 0 = newest interval of the segment

    RrCleaningConfig config_;
    std::vector<Item> items_;          // ring of the segment's recent intervals
    std::size_t head_ = 0;             // next write position
    std::size_t size_ = 0;             // intervals in the ring
    std::size_t undecided_ = 0;        // newest intervals waiting for look-ahead
    std::vector<double> work_;         // sort buffer for quantiles
    std::array<NnInterval, kMaxOut> out_{};
    std::size_t out_size_ = 0;
    bool skip_next_ = false;           // the next interval was merged into an extra beat
    bool segment_start_ = true;
    bool have_anchor_ = false;
    double anchor_s_ = 0.0;
    RrArtifact last_first_ = RrArtifact::None;
    double last_normal_ms_ = 0.0;      // the latest interval kept as it was
    std::size_t since_normal_ = 0;     // intervals decided since then
    RrArtifactCounts counts_{};
};

std::vector<NnInterval> clean_rr_streaming(std::span<const Beat> beats,
                                           const RrCleaningConfig& config = {});

// [SECTION] Whole recording in constant memory

// ChunkedLipponen2019: lipponen2019(beats) over a recording of any length with bounded memory,
// for whole-record figures. Beats are cleaned in windows of chunk_beats plus overlap_beats on
// each side, and each NN interval is taken from the window in which its beat is central. The
// batch thresholds look 45 beats each way over up to 3 passes, so 400 beats of overlap leave
// the window edges no influence in practice; a recording of at most chunk_beats + overlap_beats
// beats is one window: exactly lipponen2019(), counts included. Longer: implausible intervals
// counted exactly as the batch form; the other classes from the corrections found in the
// intervals kept (a split missed beat counts once; the batch form counts every pass's finds).
class ChunkedLipponen2019 {
public:
    explicit ChunkedLipponen2019(const RrCleaningConfig& config = {}, std::size_t chunk_beats = 4000,
                                 std::size_t overlap_beats = 400);
    // Feed one beat (any quality: Artifact beats are skipped as in the batch form). Returns the
    // NN intervals made final (valid until the next call).
    std::span<const NnInterval> push(const Beat& beat);
    std::span<const NnInterval> finish();
    const RrArtifactCounts& counts() const noexcept { return counts_; }

private:
    void clean_window(bool at_end);
    void count_implausible(const Beat& beat) noexcept;

    RrCleaningConfig config_;
    std::size_t chunk_, overlap_;
    std::vector<Beat> beats_;
    bool first_window_ = true;
    std::vector<NnInterval> out_;
    RrArtifactCounts counts_;
    bool have_anchor_ = false;
    double anchor_s_ = 0.0;
};

}  // namespace attune::signal
