/* Attune board wire protocol (version 1.0): framing, checksum and frame payloads.
 *
 * Plain C11, no allocation, no I/O: the AVR firmware and the host compile this same code.
 * The byte-level specification with worked examples is ../../PROTOCOL.md.
 *
 *   raw frame   = version(1) type(1) seq(1) payload(0..ATTUNE_MAX_PAYLOAD) crc16(2, little-endian)
 *   on the wire = COBS(raw frame) 0x00
 *
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) over
 * version..payload. Multi-byte fields are little-endian everywhere. */
#ifndef ATTUNE_PROTOCOL_PROTOCOL_H
#define ATTUNE_PROTOCOL_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTUNE_PROTOCOL_VERSION_MAJOR 1
#define ATTUNE_PROTOCOL_VERSION_MINOR 0
/* The header's version byte: a decoder rejects frames whose major version differs. */
#define ATTUNE_WIRE_VERSION ((ATTUNE_PROTOCOL_VERSION_MAJOR << 4) | ATTUNE_PROTOCOL_VERSION_MINOR)

#define ATTUNE_HEADER_SIZE 3u
#define ATTUNE_CRC_SIZE 2u
#define ATTUNE_MAX_PAYLOAD 120u
#define ATTUNE_MAX_RAW (ATTUNE_HEADER_SIZE + ATTUNE_MAX_PAYLOAD + ATTUNE_CRC_SIZE)
/* COBS adds one byte per started 254 bytes; plus the 0x00 delimiter. */
#define ATTUNE_MAX_ENCODED (ATTUNE_MAX_RAW + 1u + 1u)
#define ATTUNE_BAUD 115200UL

/* Frame types: 0x0_ device -> host, 0x1_ host -> device. */
enum attune_frame_type {
    ATTUNE_FRAME_INFO = 0x01,     /* device description (answer to IDENTIFY, sent at boot) */
    ATTUNE_FRAME_SAMPLES = 0x02,  /* one channel's block of samples */
    ATTUNE_FRAME_STATUS = 0x03,   /* lead-off, battery, overrun; once a second */
    ATTUNE_FRAME_ACK = 0x04,      /* result of a host command */
    ATTUNE_CMD_START = 0x10,      /* start streaming; restarts the sample counters at 0 */
    ATTUNE_CMD_STOP = 0x11,       /* stop streaming */
    ATTUNE_CMD_SET_RATE = 0x12,   /* u8 channel, u16 rate_hz */
    ATTUNE_CMD_IDENTIFY = 0x13    /* answer with INFO, blink the LED */
};

enum attune_channel_kind { ATTUNE_KIND_ECG = 1, ATTUNE_KIND_RESP = 2, ATTUNE_KIND_PPG = 3, ATTUNE_KIND_OTHER = 15 };
enum attune_unit { ATTUNE_UNIT_MV = 1, ATTUNE_UNIT_AU = 2 };
enum attune_ack_result { ATTUNE_ACK_OK = 0, ATTUNE_ACK_BAD_ARGS = 1, ATTUNE_ACK_UNKNOWN = 2, ATTUNE_ACK_BUSY = 3 };

/* STATUS flags */
#define ATTUNE_STATUS_LEAD_OFF_PLUS 0x01u
#define ATTUNE_STATUS_LEAD_OFF_MINUS 0x02u
#define ATTUNE_STATUS_STREAMING 0x04u
#define ATTUNE_STATUS_OVERRUN 0x08u /* samples were dropped since the previous STATUS */

/* ---- checksum and byte stuffing ------------------------------------------------------ */
uint16_t attune_crc16_update(uint16_t crc, uint8_t byte);
uint16_t attune_crc16(const uint8_t* data, size_t len);

/* Encodes len bytes into out (room for len + len/254 + 1); returns the encoded length.
 * Writes no delimiter. */
size_t attune_cobs_encode(const uint8_t* in, size_t len, uint8_t* out);
/* Decodes one COBS block (without delimiter). Returns the decoded length, or -1 when the
 * block is malformed (contains 0x00, a code runs past the end) or does not fit in cap. */
int attune_cobs_decode(const uint8_t* in, size_t len, uint8_t* out, size_t cap);

/* ---- frames ------------------------------------------------------------------------- */
typedef struct attune_frame {
    uint8_t version;
    uint8_t type;
    uint8_t seq;
    uint8_t len; /* payload length */
    uint8_t payload[ATTUNE_MAX_PAYLOAD];
} attune_frame_t;

/* Builds a complete wire frame (COBS + trailing 0x00) into out; returns its length, or 0 if
 * the payload is too long or cap (>= ATTUNE_MAX_ENCODED is always enough) too small. */
size_t attune_frame_encode(uint8_t type, uint8_t seq, const uint8_t* payload, size_t len,
                           uint8_t* out, size_t cap);

/* Result of feeding one byte to the streaming decoder. */
typedef enum attune_decode_result {
    ATTUNE_DECODE_NONE = 0,   /* byte consumed, no frame ended */
    ATTUNE_DECODE_FRAME,      /* *frame holds a valid frame */
    ATTUNE_DECODE_EMPTY,      /* a lone delimiter (idle line / resync marker), harmless */
    ATTUNE_DECODE_ERR_COBS,   /* malformed stuffing: garbage or a truncated frame */
    ATTUNE_DECODE_ERR_SHORT,  /* shorter than header + CRC */
    ATTUNE_DECODE_ERR_CRC,    /* corrupted */
    ATTUNE_DECODE_ERR_VERSION,/* another major protocol version */
    ATTUNE_DECODE_ERR_TOO_LONG/* no delimiter within ATTUNE_MAX_ENCODED bytes: skipped to the next one */
} attune_decode_result_t;

typedef struct attune_decoder {
    uint8_t buf[ATTUNE_MAX_ENCODED];
    uint8_t len;
    uint8_t overflow; /* discarding until the next delimiter */
} attune_decoder_t;

void attune_decoder_init(attune_decoder_t* d);
/* Feeds one byte. Every delimiter (0x00) ends a frame, so the decoder resynchronises on the
 * next delimiter after any error. O(1) per byte except at a delimiter (O(frame length)). */
attune_decode_result_t attune_decoder_push(attune_decoder_t* d, uint8_t byte, attune_frame_t* frame);

/* ---- payloads ------------------------------------------------------------------------ */
#define ATTUNE_MODEL_LEN 12u
#define ATTUNE_MAX_CHANNELS 6u
#define ATTUNE_INFO_CHANNEL_SIZE 12u
#define ATTUNE_MAX_BLOCK_SAMPLES 64u /* 12-bit packed: 96 bytes + 6 header bytes */

typedef struct attune_channel_info {
    uint8_t id;
    uint8_t kind;     /* attune_channel_kind */
    uint8_t unit;     /* attune_unit */
    uint8_t bits;     /* ADC resolution, <= 12 */
    uint16_t rate_hz;
    float scale;      /* physical value = (raw - zero_raw) * scale */
    int16_t zero_raw;
} attune_channel_info_t;

typedef struct attune_info {
    uint8_t fw_major;
    uint8_t fw_minor;
    uint32_t serial;
    char model[ATTUNE_MODEL_LEN]; /* NUL-padded, not necessarily NUL-terminated */
    uint8_t channel_count;
    attune_channel_info_t channels[ATTUNE_MAX_CHANNELS];
} attune_info_t;

typedef struct attune_samples_header {
    uint8_t channel;
    uint32_t first_index; /* index of the block's first sample in this channel since START */
    uint8_t count;
} attune_samples_header_t;

typedef struct attune_status {
    uint8_t flags;
    uint16_t battery_mv;
    uint32_t dropped;     /* samples dropped (ring buffer full) since START, all channels */
    uint16_t rx_errors;   /* bad command frames received since boot */
} attune_status_t;

typedef struct attune_ack {
    uint8_t command;
    uint8_t command_seq;
    uint8_t result; /* attune_ack_result */
} attune_ack_t;

/* Writers return the payload length (0 if it does not fit in cap); readers return 0 on
 * success and -1 if the payload is malformed. */
size_t attune_info_write(const attune_info_t* info, uint8_t* out, size_t cap);
int attune_info_read(const uint8_t* p, size_t len, attune_info_t* info);

size_t attune_samples_size(uint8_t count);
size_t attune_samples_write(uint8_t channel, uint32_t first_index, const uint16_t* samples,
                            uint8_t count, uint8_t* out, size_t cap);
/* samples (room for ATTUNE_MAX_BLOCK_SAMPLES) may be NULL to read the header only. */
int attune_samples_read(const uint8_t* p, size_t len, attune_samples_header_t* header,
                        uint16_t* samples);

size_t attune_status_write(const attune_status_t* s, uint8_t* out, size_t cap);
int attune_status_read(const uint8_t* p, size_t len, attune_status_t* s);

size_t attune_ack_write(const attune_ack_t* a, uint8_t* out, size_t cap);
int attune_ack_read(const uint8_t* p, size_t len, attune_ack_t* a);

/* SET_RATE payload */
size_t attune_set_rate_write(uint8_t channel, uint16_t rate_hz, uint8_t* out, size_t cap);
int attune_set_rate_read(const uint8_t* p, size_t len, uint8_t* channel, uint16_t* rate_hz);

unsigned attune_protocol_version(void); /* (major << 8) | minor */

#ifdef __cplusplus
}
#endif

#endif
