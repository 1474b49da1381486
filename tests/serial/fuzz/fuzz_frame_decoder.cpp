// libFuzzer target: cmake -DATTUNE_BUILD_FUZZERS=ON -DCMAKE_CXX_COMPILER=clang++ ...
//   ./fuzz_frame_decoder tests/serial/corpus -max_total_time=60
#include "decoder_fuzz_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return attune::fuzz::decoder_one_input(data, size);
}
