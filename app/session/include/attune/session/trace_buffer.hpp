// A fixed-size ring of the latest samples of one signal, for scrolling traces. Pushing never
// allocates; the UI gets a linear copy (oldest first) in the snapshot.
#pragma once

#include <cstddef>
#include <vector>

namespace attune::session {

class TraceBuffer {
public:
    explicit TraceBuffer(std::size_t capacity = 1) : ring_(capacity == 0 ? 1 : capacity) {}

    void push(float v) noexcept {
        ring_[head_] = v;
        head_ = (head_ + 1) % ring_.size();
        if (count_ < ring_.size()) ++count_;
    }
    std::size_t size() const noexcept { return count_; }
    std::size_t capacity() const noexcept { return ring_.size(); }
    void clear() noexcept { head_ = count_ = 0; }

    // Oldest first.
    std::vector<float> linear() const {
        std::vector<float> out(count_);
        const std::size_t start = (head_ + ring_.size() - count_) % ring_.size();
        for (std::size_t i = 0; i < count_; ++i) out[i] = ring_[(start + i) % ring_.size()];
        return out;
    }

private:
    std::vector<float> ring_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

}  // namespace attune::session
