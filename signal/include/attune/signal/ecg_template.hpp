// QRS shape check for the R-peak detector (ecg_peaks.hpp): two templates of the beat's waveform,
// compared by Pearson correlation with alignment, so that a candidate whose shape matches
// neither the usual beat nor a proven ectopic beat can be told apart from a beat.
//
// [SECTION] QrsTemplates
//   - window: the baseline-free waveform from 80 ms before to 80 ms after the placed R peak
//     (a wide QRS lasts up to ~160 ms); the correlation is the best over shifts of +-30 ms,
//     because the R peak of a wide or notched QRS is placed on different waves from beat to
//     beat (an unaligned window correlates anywhere between -0.5 and 0.9 on clean beats);
//   - usual template: the pointwise median of the last 5 beats accepted as usual (a median
//     does not drift with one odd beat, an average does), in use from 3 beats on;
//   - ectopic templates: up to kEctopicShapes beats proven ectopic by the rhythm (premature and
//     followed by a compensatory pause), one per shape: multiform ectopy has several foci, and
//     one template would let each shape push out the other. A later ectopic beat of a known
//     shape replaces its template; a new shape takes a free slot or the least recently used.
//   Work per candidate only (a few per second): windows are copied out of the detector's
//   history (every stride-th sample from 500 Hz on, so the cost does not grow with the rate);
//   all storage is allocated at construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace attune::signal::ecg_detail {

class History;

class QrsTemplates {
public:
    static constexpr std::size_t kUsualBeats = 5;
    static constexpr std::size_t kEctopicShapes = 4;

    explicit QrsTemplates(double fs_hz);
    void reset() noexcept;

    struct Match {
        bool known = false;     // false: no usual template yet, or the window is not in history
        float usual = 0.0f;     // best Pearson r against the usual template
        float ectopic = -1.0f;  // best against the ectopic templates (-1 when there is none)
        float fresh = -1.0f;    // against the held new-shape beat (-1 when there is none)
    };
    // Compares the window around `peak` (sample index) of `history`, which holds samples
    // [oldest, newest], with both templates. Keeps the window (aligned to the usual template)
    // as the "last" one for learn_usual() / hold_ectopic_candidate().
    Match match(const History& history, double peak, std::int64_t oldest, std::int64_t newest) noexcept;

    bool has_usual() const noexcept { return usual_count_ >= 3; }
    bool has_ectopic() const noexcept { return ectopic_count_ > 0; }
    std::size_t ectopic_shapes() const noexcept { return ectopic_count_; }
    // The last matched window joins the usual beats (template = median of the last 5).
    void learn_usual() noexcept;
    // A new usual shape (the electrode moved, the axis shifted) must repeat before it replaces
    // the usual template: hold_fresh() keeps the last window; adopt_fresh() restarts the usual
    // beats from the held window and the last one.
    void hold_fresh() noexcept;
    void adopt_fresh() noexcept;
    // The last matched window becomes the ectopic candidate; promote_ectopic_candidate() makes
    // it an ectopic template once the next beat has proven it ectopic.
    void hold_ectopic_candidate() noexcept;
    void promote_ectopic_candidate() noexcept;
    // The last matched window replaces the ectopic template it matched best (single-beat update).
    void learn_ectopic() noexcept;

private:
    bool extract(const History& h, std::int64_t centre, std::int64_t oldest, std::int64_t newest) noexcept;
    float best_r(const std::vector<float>& tmpl, std::size_t* best_shift) const noexcept;
    void rebuild_usual() noexcept;
    std::size_t free_ectopic_slot() const noexcept;
    void store_ectopic(std::size_t slot, const std::vector<float>& window) noexcept;

    std::size_t stride_;                    // history samples per window point
    std::size_t pre_, post_, shift_, len_;  // window: pre_ + 1 + post_ points; shifts +-shift_
    std::vector<float> wide_;               // the window with +-shift_ margin
    std::vector<float> last_;               // last window, aligned to the usual template
    bool last_valid_ = false;
    std::vector<float> usual_beats_;        // kUsualBeats windows
    std::size_t usual_count_ = 0, usual_next_ = 0;
    std::vector<float> usual_, candidate_, fresh_;
    std::array<std::vector<float>, kEctopicShapes> ectopic_;
    std::array<std::uint64_t, kEctopicShapes> ectopic_used_{};  // when each was last stored
    std::size_t ectopic_count_ = 0;
    std::size_t matched_ectopic_ = 0;  // the ectopic template the last window matched best
    std::uint64_t ectopic_clock_ = 0;
    mutable std::vector<float> centred_;    // best_r's scratch: the template minus its mean
    mutable std::vector<double> dots_;      // best_r's scratch: one dot product per shift
    bool has_candidate_ = false, has_fresh_ = false;
};

}  // namespace attune::signal::ecg_detail
