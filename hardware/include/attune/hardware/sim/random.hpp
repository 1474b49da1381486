// Building blocks of the simulator that must behave identically on every platform:
//   SimRng  - xoshiro256** seeded through splitmix64, with its own normal and exponential
//             draws (std::normal_distribution differs between standard libraries, so a
//             seeded session would not reproduce byte for byte elsewhere).
//   Ring    - fixed-capacity FIFO for look-ahead schedules (beats, breaths, intervals), so the
//             per-sample path never allocates.
#pragma once

#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace attune::hardware::sim {

class SimRng {
public:
    // `stream` separates independent random streams drawn from one session seed, so that
    // e.g. the breathing model's draws never shift when the ECG noise draws more or fewer.
    SimRng(std::uint64_t seed, std::uint64_t stream) noexcept {
        std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (stream + 1));
        for (auto& word : s_) word = splitmix64(x);
    }

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, 1).
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
    bool chance(double p) noexcept { return uniform() < p; }

    // Standard normal (Marsaglia's polar method; the second value is kept for the next call).
    double normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u = 0.0, v = 0.0, s = 0.0;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double f = std::sqrt(-2.0 * std::log(s) / s);
        spare_ = v * f;
        has_spare_ = true;
        return u * f;
    }

    // Exponential waiting time with the given mean (Poisson process gaps).
    double exponential(double mean) noexcept { return -mean * std::log(1.0 - uniform()); }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    std::array<std::uint64_t, 4> s_{};
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// Fixed-capacity FIFO. Overflow is a programming error (capacities are sized for the longest
// look-ahead window at the most extreme physiological rates), checked by assert.
template <typename T, std::size_t N>
class Ring {
public:
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == N; }
    const T& operator[](std::size_t i) const noexcept { return items_[(head_ + i) % N]; }
    T& operator[](std::size_t i) noexcept { return items_[(head_ + i) % N]; }
    const T& front() const noexcept { return (*this)[0]; }
    const T& back() const noexcept { return (*this)[size_ - 1]; }
    T& back() noexcept { return (*this)[size_ - 1]; }
    void push_back(const T& item) noexcept {
        if (full()) pop_front();  // never expected; keeps memory safe if it happens
        items_[(head_ + size_) % N] = item;
        ++size_;
    }
    void pop_front() noexcept {
        assert(size_ > 0);
        head_ = (head_ + 1) % N;
        --size_;
    }
    void clear() noexcept { head_ = size_ = 0; }

private:
    std::array<T, N> items_{};
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace attune::hardware::sim
