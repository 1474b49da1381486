// QRS templates for the R-peak detector; see ecg_template.hpp for the banner.
#include "attune/signal/ecg_template.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "attune/signal/ecg_peaks.hpp"

namespace attune::signal::ecg_detail {

namespace {
std::size_t samples(double seconds, double fs) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(seconds * fs)));
}

// The median of five values without sorting: the larger of the two pair minima and the smaller
// of the two pair maxima bracket the median of the other four; the fifth value is then clamped
// between them. Exact, ties included.
float median_of_5(float a, float b, float c, float d, float e) noexcept {
    const float low = std::max(std::min(a, b), std::min(c, d));
    const float high = std::min(std::max(a, b), std::max(c, d));
    return std::max(std::min(low, high), std::min(std::max(low, high), e));
}

}  // namespace

// From 500 Hz on, the windows take every stride-th sample (250-500 points/s resolve a QRS), so the
// work per candidate does not grow with the rate.
QrsTemplates::QrsTemplates(double fs_hz)
    : stride_(std::max<std::size_t>(1, static_cast<std::size_t>(fs_hz / 250.0))),
      pre_(samples(0.080, fs_hz / static_cast<double>(stride_))),
      post_(samples(0.080, fs_hz / static_cast<double>(stride_))),
      shift_(samples(0.030, fs_hz / static_cast<double>(stride_))),
      len_(pre_ + 1 + post_),
      wide_(len_ + 2 * shift_),
      last_(len_),
      usual_beats_(len_ * kUsualBeats),
      usual_(len_),
      candidate_(len_),
      fresh_(len_),
      centred_(len_),
      dots_(2 * shift_ + 1) {
    for (auto& t : ectopic_) t.assign(len_, 0.0f);
}

void QrsTemplates::reset() noexcept {
    last_valid_ = false;
    usual_count_ = usual_next_ = 0;
    has_candidate_ = has_fresh_ = false;
    ectopic_count_ = matched_ectopic_ = 0;
    ectopic_clock_ = 0;
    ectopic_used_ = {};
}

bool QrsTemplates::extract(const History& h, std::int64_t centre, std::int64_t oldest,
                           std::int64_t newest) noexcept {
    const auto stride = static_cast<std::int64_t>(stride_);
    const std::int64_t from = centre - static_cast<std::int64_t>(pre_ + shift_) * stride;
    const std::int64_t to = from + (static_cast<std::int64_t>(wide_.size()) - 1) * stride;
    if (from < oldest || to > newest) return false;
    for (std::size_t i = 0; i < wide_.size(); ++i) wide_[i] = h.at(from + static_cast<std::int64_t>(i) * stride);
    return true;
}

// Best Pearson r of the template against the window at every shift; 0 when either is constant.
// The template is centred once, so each shift needs one dot product, and the window's sums slide.
// (Removing a straight-line trend from each window first was tried: it made electrode-motion
// noise look more like a QRS.)
float QrsTemplates::best_r(const std::vector<float>& tmpl, std::size_t* best_shift) const noexcept {
    const std::size_t n = len_;
    double mean_t = 0.0;
    for (std::size_t i = 0; i < n; ++i) mean_t += tmpl[i];
    mean_t /= static_cast<double>(n);
    double tt = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        centred_[i] = static_cast<float>(tmpl[i] - mean_t);
        tt += (tmpl[i] - mean_t) * (tmpl[i] - mean_t);
    }
    double sw = 0.0, sww = 0.0;  // sums of the window at shift s
    for (std::size_t i = 0; i < n; ++i) {
        sw += wide_[i];
        sww += static_cast<double>(wide_[i]) * wide_[i];
    }
    // Every shift's dot product in one pass over the template (the inner loop runs across the
    // shifts, which are independent, so it vectorises; each shift still sums in template order).
    const std::size_t shifts = 2 * shift_ + 1;
    std::fill(dots_.begin(), dots_.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double c = centred_[i];
        const float* w = wide_.data() + i;
        for (std::size_t s = 0; s < shifts; ++s) dots_[s] += static_cast<double>(w[s]) * c;
    }
    float best = -1.0f;
    std::size_t at = shift_;
    for (std::size_t s = 0; s < shifts; ++s) {
        if (s > 0) {  // slide: drop wide_[s - 1], take wide_[s + n - 1]
            const double out = wide_[s - 1], in = wide_[s + n - 1];
            sw += in - out;
            sww += in * in - out * out;
        }
        const double var_w = sww - sw * sw / static_cast<double>(n);
        const float r = (var_w <= 1e-12 * sww || tt <= 0.0) ? 0.0f : static_cast<float>(dots_[s] / std::sqrt(var_w * tt));
        if (r > best) {
            best = r;
            at = s;
        }
    }
    if (best_shift) *best_shift = at;
    return best;
}

QrsTemplates::Match QrsTemplates::match(const History& h, double peak, std::int64_t oldest,
                                        std::int64_t newest) noexcept {
    Match m;
    last_valid_ = extract(h, std::llround(peak), oldest, newest);
    if (!last_valid_) return m;
    std::size_t shift = shift_;
    if (usual_count_ > 0) m.usual = best_r(usual_, &shift);
    for (std::size_t k = 0; k < ectopic_count_; ++k) {
        const float r = best_r(ectopic_[k], nullptr);
        if (r > m.ectopic) {
            m.ectopic = r;
            matched_ectopic_ = k;
        }
    }
    if (has_fresh_) m.fresh = best_r(fresh_, nullptr);
    std::copy_n(wide_.begin() + static_cast<std::ptrdiff_t>(shift), len_, last_.begin());
    m.known = has_usual();
    return m;
}

void QrsTemplates::learn_usual() noexcept {
    if (!last_valid_) return;
    std::copy(last_.begin(), last_.end(), usual_beats_.begin() + static_cast<std::ptrdiff_t>(usual_next_ * len_));
    usual_next_ = (usual_next_ + 1) % kUsualBeats;
    usual_count_ = std::min(usual_count_ + 1, kUsualBeats);
    rebuild_usual();
}

void QrsTemplates::rebuild_usual() noexcept {
    if (usual_count_ == kUsualBeats) {  // the common case: a min/max network, no sorting
        const float* b = usual_beats_.data();
        for (std::size_t i = 0; i < len_; ++i)
            usual_[i] = median_of_5(b[i], b[len_ + i], b[2 * len_ + i], b[3 * len_ + i], b[4 * len_ + i]);
        return;
    }
    std::array<float, kUsualBeats> v{};
    for (std::size_t i = 0; i < len_; ++i) {
        for (std::size_t k = 0; k < usual_count_; ++k) v[k] = usual_beats_[k * len_ + i];
        const auto mid = v.begin() + static_cast<std::ptrdiff_t>(usual_count_ / 2);
        std::nth_element(v.begin(), mid, v.begin() + static_cast<std::ptrdiff_t>(usual_count_));
        usual_[i] = *mid;
    }
}

void QrsTemplates::hold_fresh() noexcept {
    if (!last_valid_) return;
    fresh_ = last_;
    has_fresh_ = true;
}

void QrsTemplates::adopt_fresh() noexcept {
    if (!has_fresh_ || !last_valid_) return;
    usual_count_ = usual_next_ = 0;
    std::swap(last_, fresh_);
    learn_usual();
    std::swap(last_, fresh_);
    learn_usual();
    has_fresh_ = false;
}

void QrsTemplates::hold_ectopic_candidate() noexcept {
    if (!last_valid_) return;
    candidate_ = last_;
    has_candidate_ = true;
}

void QrsTemplates::promote_ectopic_candidate() noexcept {
    if (!has_candidate_) return;
    store_ectopic(free_ectopic_slot(), candidate_);
    has_candidate_ = false;
}

void QrsTemplates::learn_ectopic() noexcept {
    if (!last_valid_) return;
    store_ectopic(ectopic_count_ > 0 ? matched_ectopic_ : free_ectopic_slot(), last_);
}

// A new shape's slot: the next free one, else the one stored longest ago.
std::size_t QrsTemplates::free_ectopic_slot() const noexcept {
    if (ectopic_count_ < kEctopicShapes) return ectopic_count_;
    return static_cast<std::size_t>(std::min_element(ectopic_used_.begin(), ectopic_used_.end()) - ectopic_used_.begin());
}

void QrsTemplates::store_ectopic(std::size_t slot, const std::vector<float>& window) noexcept {
    ectopic_[slot] = window;
    ectopic_used_[slot] = ++ectopic_clock_;
    ectopic_count_ = std::max(ectopic_count_, slot + 1);
}

}  // namespace attune::signal::ecg_detail
