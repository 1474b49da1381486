// Each test process uses its own block of LSL ports (ctest runs cases side by side), so the
// outlets and resolvers of one case never answer another's.
#pragma once

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace attune::test {

inline void use_private_lsl_ports() {
    const int port = 20000 + static_cast<int>(::getpid() % 1400) * 32;
    ::setenv("ATTUNE_LSL_PORT", std::to_string(port).c_str(), 1);
}

}  // namespace attune::test
