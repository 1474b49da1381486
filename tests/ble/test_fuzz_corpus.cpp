// The fuzz target's body on the seed corpus (BLE.md's test vectors as files) and on 20 000
// random and mutated inputs, so every ctest run exercises it even without clang/libFuzzer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "fuzz_ble_parsers.hpp"

namespace {
std::vector<std::vector<std::uint8_t>> load_corpus() {
    std::vector<std::vector<std::uint8_t>> corpus;
    for (const auto& entry : std::filesystem::directory_iterator(ATTUNE_SOURCE_DIR "/tests/ble/corpus")) {
        std::ifstream f(entry.path(), std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    return corpus;
}
}  // namespace

TEST_CASE("fuzz_body_holds_on_the_seed_corpus", "[ble][fuzz]") {
    const auto corpus = load_corpus();
    REQUIRE(corpus.size() >= 10);
    for (const auto& input : corpus) REQUIRE_NOTHROW(attune::test::fuzz_ble_one(input.data(), input.size()));
}

TEST_CASE("fuzz_body_holds_on_random_and_mutated_bytes", "[ble][fuzz]") {
    const auto corpus = load_corpus();
    std::mt19937 rng(20261122);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> input;
        if (i % 2 == 0) {
            input.resize(static_cast<std::size_t>(rng() % 64));
            for (auto& b : input) b = static_cast<std::uint8_t>(byte(rng));
        } else {
            input = corpus[rng() % corpus.size()];
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int f = 0; f < flips && !input.empty(); ++f)
                input[rng() % input.size()] = static_cast<std::uint8_t>(byte(rng));
            if (rng() % 3 == 0 && !input.empty()) input.resize(rng() % input.size());
        }
        REQUIRE_NOTHROW(attune::test::fuzz_ble_one(input.data(), input.size()));
    }
}
