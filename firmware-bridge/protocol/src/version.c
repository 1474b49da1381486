#include "attune/protocol/version.h"

unsigned attune_protocol_version(void) {
    return (ATTUNE_PROTOCOL_VERSION_MAJOR << 8) | ATTUNE_PROTOCOL_VERSION_MINOR;
}
