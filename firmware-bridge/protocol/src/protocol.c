/* Attune board wire protocol: see include/attune/protocol/protocol.h and PROTOCOL.md. */
#include "attune/protocol/protocol.h"

#include <string.h>

unsigned attune_protocol_version(void) {
    return (ATTUNE_PROTOCOL_VERSION_MAJOR << 8) | ATTUNE_PROTOCOL_VERSION_MINOR;
}

/* ---- CRC-16/CCITT-FALSE, bitwise: no table, so it fits the AVR's flash comfortably ---- */
uint16_t attune_crc16_update(uint16_t crc, uint8_t byte) {
    crc ^= (uint16_t)((uint16_t)byte << 8);
    for (int bit = 0; bit < 8; ++bit)
        crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    return crc;
}

uint16_t attune_crc16(const uint8_t* data, size_t len) {
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < len; ++i) crc = attune_crc16_update(crc, data[i]);
    return crc;
}

/* ---- COBS (Cheshire & Baker 1999) ---------------------------------------------------- */
size_t attune_cobs_encode(const uint8_t* in, size_t len, uint8_t* out) {
    size_t code_at = 0, o = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < len; ++i) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
        } else {
            out[o++] = in[i];
            if (++code == 0xFF) {
                out[code_at] = code;
                code_at = o++;
                code = 1;
            }
        }
    }
    out[code_at] = code;
    return o;
}

int attune_cobs_decode(const uint8_t* in, size_t len, uint8_t* out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < len) {
        const uint8_t code = in[i++];
        if (code == 0) return -1;
        for (uint8_t k = 1; k < code; ++k) {
            if (i >= len || in[i] == 0 || o >= cap) return -1;
            out[o++] = in[i++];
        }
        /* A code below 0xFF stands for a zero, except after the last group. */
        if (code != 0xFF && i < len) {
            if (o >= cap) return -1;
            out[o++] = 0;
        }
    }
    return (int)o;
}

/* ---- frames --------------------------------------------------------------------------- */
size_t attune_frame_encode(uint8_t type, uint8_t seq, const uint8_t* payload, size_t len,
                           uint8_t* out, size_t cap) {
    if (len > ATTUNE_MAX_PAYLOAD) return 0;
    uint8_t raw[ATTUNE_MAX_RAW];
    raw[0] = ATTUNE_WIRE_VERSION;
    raw[1] = type;
    raw[2] = seq;
    if (len > 0) memcpy(raw + ATTUNE_HEADER_SIZE, payload, len);
    const size_t body = ATTUNE_HEADER_SIZE + len;
    const uint16_t crc = attune_crc16(raw, body);
    raw[body] = (uint8_t)(crc & 0xFFu);
    raw[body + 1] = (uint8_t)(crc >> 8);
    const size_t raw_len = body + ATTUNE_CRC_SIZE;
    if (cap < raw_len + raw_len / 254u + 2u) return 0;
    const size_t n = attune_cobs_encode(raw, raw_len, out);
    out[n] = 0;
    return n + 1;
}

void attune_decoder_init(attune_decoder_t* d) {
    d->len = 0;
    d->overflow = 0;
}

static attune_decode_result_t finish_frame(attune_decoder_t* d, attune_frame_t* frame) {
    uint8_t raw[ATTUNE_MAX_RAW];
    const int n = attune_cobs_decode(d->buf, d->len, raw, sizeof raw);
    if (n < 0) return ATTUNE_DECODE_ERR_COBS;
    if ((size_t)n < ATTUNE_HEADER_SIZE + ATTUNE_CRC_SIZE) return ATTUNE_DECODE_ERR_SHORT;
    const size_t body = (size_t)n - ATTUNE_CRC_SIZE;
    const uint16_t crc = (uint16_t)(raw[body] | (raw[body + 1] << 8));
    if (attune_crc16(raw, body) != crc) return ATTUNE_DECODE_ERR_CRC;
    if ((raw[0] >> 4) != ATTUNE_PROTOCOL_VERSION_MAJOR) return ATTUNE_DECODE_ERR_VERSION;
    frame->version = raw[0];
    frame->type = raw[1];
    frame->seq = raw[2];
    frame->len = (uint8_t)(body - ATTUNE_HEADER_SIZE);
    memcpy(frame->payload, raw + ATTUNE_HEADER_SIZE, frame->len);
    return ATTUNE_DECODE_FRAME;
}

attune_decode_result_t attune_decoder_push(attune_decoder_t* d, uint8_t byte, attune_frame_t* frame) {
    if (byte != 0) {
        if (d->overflow) return ATTUNE_DECODE_NONE;
        if (d->len >= sizeof d->buf) {
            d->overflow = 1;
            d->len = 0;
            return ATTUNE_DECODE_ERR_TOO_LONG;
        }
        d->buf[d->len++] = byte;
        return ATTUNE_DECODE_NONE;
    }
    if (d->overflow) {  /* the over-long run ends here; the next byte starts a fresh frame */
        d->overflow = 0;
        return ATTUNE_DECODE_NONE;
    }
    if (d->len == 0) return ATTUNE_DECODE_EMPTY;
    const attune_decode_result_t r = finish_frame(d, frame);
    d->len = 0;
    return r;
}

/* ---- little-endian field helpers ------------------------------------------------------ */
static void put_u16(uint8_t* p, uint16_t v) {
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = (uint8_t)((v >> (8 * i)) & 0xFFu);
}
static uint16_t get_u16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get_u32(const uint8_t* p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void put_f32(uint8_t* p, float f) {
    uint32_t v;
    memcpy(&v, &f, sizeof v); /* IEEE-754 binary32 on both avr-gcc and the host */
    put_u32(p, v);
}
static float get_f32(const uint8_t* p) {
    const uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

/* INFO: fw_major fw_minor serial(4) model(12) channel_count, then 12 bytes per channel:
 * id kind unit bits rate_hz(2) scale(f32) zero_raw(i16) */
size_t attune_info_write(const attune_info_t* info, uint8_t* out, size_t cap) {
    if (info->channel_count > ATTUNE_MAX_CHANNELS) return 0;
    const size_t n = 19u + (size_t)info->channel_count * ATTUNE_INFO_CHANNEL_SIZE;
    if (cap < n) return 0;
    out[0] = info->fw_major;
    out[1] = info->fw_minor;
    put_u32(out + 2, info->serial);
    memcpy(out + 6, info->model, ATTUNE_MODEL_LEN);
    out[18] = info->channel_count;
    for (uint8_t c = 0; c < info->channel_count; ++c) {
        uint8_t* p = out + 19 + (size_t)c * ATTUNE_INFO_CHANNEL_SIZE;
        const attune_channel_info_t* ch = &info->channels[c];
        p[0] = ch->id;
        p[1] = ch->kind;
        p[2] = ch->unit;
        p[3] = ch->bits;
        put_u16(p + 4, ch->rate_hz);
        put_f32(p + 6, ch->scale);
        put_u16(p + 10, (uint16_t)ch->zero_raw);
    }
    return n;
}

int attune_info_read(const uint8_t* p, size_t len, attune_info_t* info) {
    if (len < 19u) return -1;
    const uint8_t count = p[18];
    if (count > ATTUNE_MAX_CHANNELS || len != 19u + (size_t)count * ATTUNE_INFO_CHANNEL_SIZE) return -1;
    info->fw_major = p[0];
    info->fw_minor = p[1];
    info->serial = get_u32(p + 2);
    memcpy(info->model, p + 6, ATTUNE_MODEL_LEN);
    info->channel_count = count;
    for (uint8_t c = 0; c < count; ++c) {
        const uint8_t* q = p + 19 + (size_t)c * ATTUNE_INFO_CHANNEL_SIZE;
        attune_channel_info_t* ch = &info->channels[c];
        ch->id = q[0];
        ch->kind = q[1];
        ch->unit = q[2];
        ch->bits = q[3];
        ch->rate_hz = get_u16(q + 4);
        ch->scale = get_f32(q + 6);
        ch->zero_raw = (int16_t)get_u16(q + 10);
        if (ch->bits == 0 || ch->bits > 12) return -1;
    }
    return 0;
}

/* SAMPLES: channel first_index(4) count, then samples packed 12 bits each: a pair (a, b)
 * takes 3 bytes = a | b << 12 (24 bits, little-endian); an odd last sample takes 2 bytes. */
size_t attune_samples_size(uint8_t count) { return 6u + (size_t)(count / 2u) * 3u + (size_t)(count % 2u) * 2u; }

size_t attune_samples_write(uint8_t channel, uint32_t first_index, const uint16_t* samples,
                            uint8_t count, uint8_t* out, size_t cap) {
    const size_t n = attune_samples_size(count);
    if (count > ATTUNE_MAX_BLOCK_SAMPLES || cap < n) return 0;
    out[0] = channel;
    put_u32(out + 1, first_index);
    out[5] = count;
    uint8_t* p = out + 6;
    uint8_t i = 0;
    for (; i + 1u < count; i = (uint8_t)(i + 2u)) {
        const uint16_t a = samples[i] & 0x0FFFu, b = samples[i + 1] & 0x0FFFu;
        p[0] = (uint8_t)(a & 0xFFu);
        p[1] = (uint8_t)((a >> 8) | ((b & 0x0Fu) << 4));
        p[2] = (uint8_t)(b >> 4);
        p += 3;
    }
    if (i < count) put_u16(p, samples[i] & 0x0FFFu);
    return n;
}

int attune_samples_read(const uint8_t* p, size_t len, attune_samples_header_t* header,
                        uint16_t* samples) {
    if (len < 6u) return -1;
    const uint8_t count = p[5];
    if (count == 0 || count > ATTUNE_MAX_BLOCK_SAMPLES || len != attune_samples_size(count)) return -1;
    header->channel = p[0];
    header->first_index = get_u32(p + 1);
    header->count = count;
    if (!samples) return 0;
    const uint8_t* q = p + 6;
    uint8_t i = 0;
    for (; i + 1u < count; i = (uint8_t)(i + 2u)) {
        samples[i] = (uint16_t)(q[0] | ((q[1] & 0x0Fu) << 8));
        samples[i + 1] = (uint16_t)((q[1] >> 4) | (q[2] << 4));
        q += 3;
    }
    if (i < count) {
        const uint16_t v = get_u16(q);
        if (v > 0x0FFFu) return -1;
        samples[i] = v;
    }
    return 0;
}

/* STATUS: flags battery_mv(2) dropped(4) rx_errors(2) */
size_t attune_status_write(const attune_status_t* s, uint8_t* out, size_t cap) {
    if (cap < 9u) return 0;
    out[0] = s->flags;
    put_u16(out + 1, s->battery_mv);
    put_u32(out + 3, s->dropped);
    put_u16(out + 7, s->rx_errors);
    return 9u;
}

int attune_status_read(const uint8_t* p, size_t len, attune_status_t* s) {
    if (len != 9u) return -1;
    s->flags = p[0];
    s->battery_mv = get_u16(p + 1);
    s->dropped = get_u32(p + 3);
    s->rx_errors = get_u16(p + 7);
    return 0;
}

size_t attune_ack_write(const attune_ack_t* a, uint8_t* out, size_t cap) {
    if (cap < 3u) return 0;
    out[0] = a->command;
    out[1] = a->command_seq;
    out[2] = a->result;
    return 3u;
}

int attune_ack_read(const uint8_t* p, size_t len, attune_ack_t* a) {
    if (len != 3u) return -1;
    a->command = p[0];
    a->command_seq = p[1];
    a->result = p[2];
    return 0;
}

size_t attune_set_rate_write(uint8_t channel, uint16_t rate_hz, uint8_t* out, size_t cap) {
    if (cap < 3u) return 0;
    out[0] = channel;
    put_u16(out + 1, rate_hz);
    return 3u;
}

int attune_set_rate_read(const uint8_t* p, size_t len, uint8_t* channel, uint16_t* rate_hz) {
    if (len != 3u) return -1;
    *channel = p[0];
    *rate_hz = get_u16(p + 1);
    return 0;
}
