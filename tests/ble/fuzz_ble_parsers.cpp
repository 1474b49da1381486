// libFuzzer target for the BLE byte parsers (built with clang when ATTUNE_BUILD_FUZZERS=ON):
//   mkdir -p /tmp/ble-corpus && fuzz_ble_parsers /tmp/ble-corpus tests/ble/corpus -max_total_time=60
#include <cstdlib>
#include <stdexcept>

#include "fuzz_ble_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        attune::test::fuzz_ble_one(data, size);
    } catch (const std::logic_error&) {
        std::abort();  // a broken invariant is a finding
    }
    return 0;
}
