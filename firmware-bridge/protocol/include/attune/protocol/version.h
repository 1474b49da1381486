/* Attune board wire protocol: version constants. See ../../PROTOCOL.md. */
#ifndef ATTUNE_PROTOCOL_VERSION_H
#define ATTUNE_PROTOCOL_VERSION_H

#define ATTUNE_PROTOCOL_VERSION_MAJOR 1
#define ATTUNE_PROTOCOL_VERSION_MINOR 0

#ifdef __cplusplus
extern "C" {
#endif

unsigned attune_protocol_version(void);

#ifdef __cplusplus
}
#endif

#endif
