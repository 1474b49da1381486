/* Attune board firmware: samples an AD8232 ECG front end and a respiration belt with
 * timer-triggered ADC conversions and streams them as Attune protocol frames at 115200 baud.
 *
 * Sampling never waits for the UART: Timer1 ticks at the ECG rate, its interrupt starts a
 * conversion chain (ECG, then belt every Nth tick, then battery once a second) that the ADC
 * interrupt walks through, pushing samples into per-channel ring buffers. The main loop turns
 * ring contents into frames only when the interrupt-driven TX buffer has room for a whole
 * frame; if the host link is slower than the data, the rings drop their OLDEST samples,
 * count them, and the sample indices in the frames show the gap to the host.
 * The CPU sleeps (idle mode) whenever there is nothing to do. */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <string.h>
#include <util/atomic.h>

#include "attune/protocol/protocol.h"
#include "board.h"

/* ---- sample rings (written by the ADC interrupt, read by the main loop) ---------------- */
#define RING_SIZE 64u /* power of two; 256 ms of ECG at 250 Hz */

typedef struct {
    uint16_t data[RING_SIZE];
    uint8_t tail;
    uint8_t count;
    uint32_t oldest_index; /* sample index of data[tail] */
} ring_t;

enum { CH_ECG = 0, CH_RESP = 1, CH_COUNT = 2 };
static volatile ring_t rings[CH_COUNT];
static volatile uint32_t dropped_samples;
static volatile uint8_t overrun_since_status;

/* Interrupt context only. Drop-oldest: the newest data is what the host wants. */
static void ring_push_isr(volatile ring_t* r, uint16_t value) {
    if (r->count == RING_SIZE) {
        r->tail = (uint8_t)((r->tail + 1u) & (RING_SIZE - 1u));
        r->oldest_index++;
        r->count--;
        dropped_samples++;
        overrun_since_status = 1;
    }
    r->data[(uint8_t)((r->tail + r->count) & (RING_SIZE - 1u))] = value;
    r->count++;
}

/* Main loop only. Returns 0 when empty. */
static uint8_t ring_pop(volatile ring_t* r, uint16_t* value, uint32_t* index) {
    uint8_t ok = 0;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
        if (r->count) {
            *value = r->data[r->tail];
            *index = r->oldest_index;
            r->tail = (uint8_t)((r->tail + 1u) & (RING_SIZE - 1u));
            r->oldest_index++;
            r->count--;
            ok = 1;
        }
    }
    return ok;
}

static void rings_clear(void) {
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
        for (uint8_t c = 0; c < CH_COUNT; ++c) {
            rings[c].tail = 0;
            rings[c].count = 0;
            rings[c].oldest_index = 0;
        }
        dropped_samples = 0;
        overrun_since_status = 0;
    }
}

/* ---- UART: interrupt-driven TX ring, RX ring --------------------------------------------- */
#define TX_SIZE 256u
#define RX_SIZE 64u
static volatile uint8_t tx_buf[TX_SIZE];
static volatile uint8_t tx_head, tx_tail; /* uint8_t wraps at 256 = TX_SIZE */
static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint8_t rx_head, rx_tail;
static volatile uint16_t rx_overflows;

static void uart_init(void) {
    UCSR0A = _BV(U2X0);
    UBRR0 = 16; /* 16 MHz / (8 * 17) = 117647 baud, -2.1 % from 115200 like every Arduino */
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
}

static uint8_t tx_free(void) {
    uint8_t used;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { used = (uint8_t)(tx_head - tx_tail); }
    return (uint8_t)(TX_SIZE - 1u - used);
}

/* Caller checked tx_free() >= len. */
static void tx_write(const uint8_t* p, uint8_t len) {
    for (uint8_t i = 0; i < len; ++i) {
        tx_buf[tx_head] = p[i];
        tx_head++;
    }
    UCSR0B |= _BV(UDRIE0);
}

ISR(USART_UDRE_vect) {
    if (tx_head == tx_tail) {
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
        return;
    }
    UDR0 = tx_buf[tx_tail];
    tx_tail++;
}

ISR(USART_RX_vect) {
    const uint8_t byte = UDR0;
    const uint8_t next = (uint8_t)((rx_head + 1u) & (RX_SIZE - 1u));
    if (next == rx_tail) {
        rx_overflows++;
        return;
    }
    rx_buf[rx_head] = byte;
    rx_head = next;
}

static uint8_t rx_pop(uint8_t* byte) {
    uint8_t ok = 0;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
        if (rx_head != rx_tail) {
            *byte = rx_buf[rx_tail];
            rx_tail = (uint8_t)((rx_tail + 1u) & (RX_SIZE - 1u));
            ok = 1;
        }
    }
    return ok;
}

/* ---- sampling: Timer1 tick -> ADC chain -------------------------------------------------- */
static volatile uint8_t streaming;
static volatile uint16_t ecg_rate = ECG_RATE_DEFAULT, resp_rate = RESP_RATE_DEFAULT;
static volatile uint16_t resp_divider = ECG_RATE_DEFAULT / RESP_RATE_DEFAULT;
static volatile uint16_t tick_in_second, tick_for_resp;
static volatile uint8_t second_elapsed;
static volatile uint16_t battery_raw;
static volatile uint8_t converting; /* which input the running conversion reads */
static uint8_t want_resp, want_battery; /* ISR-only: rest of this tick's chain */

static void adc_start(uint8_t mux) {
    converting = mux;
    ADMUX = (uint8_t)(_BV(REFS0) | mux); /* AVCC reference */
    ADCSRA |= _BV(ADSC);
}

static void timer_set_rate(uint16_t rate_hz) {
    /* CTC, prescaler 64: 250 kHz timer clock */
    OCR1A = (uint16_t)(250000UL / rate_hz - 1u);
}

static void sampling_init(void) {
    ADCSRA = _BV(ADEN) | _BV(ADIE) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0); /* 125 kHz ADC clock */
    TCCR1A = 0;
    TCCR1B = _BV(WGM12) | _BV(CS11) | _BV(CS10);
    timer_set_rate(ecg_rate);
    TIMSK1 = _BV(OCIE1A);
    adc_start(ADC_MUX_BATTERY); /* so the first STATUS already has a battery reading */
}

ISR(TIMER1_COMPA_vect) {
    if (++tick_in_second >= ecg_rate) {
        tick_in_second = 0;
        second_elapsed = 1;
        want_battery = 1;
    }
    if (++tick_for_resp >= resp_divider) {
        tick_for_resp = 0;
        want_resp = 1;
    }
    if (streaming) {
        adc_start(ADC_MUX_ECG);
    } else {
        want_resp = 0;
        if (want_battery) {
            want_battery = 0;
            adc_start(ADC_MUX_BATTERY);
        }
    }
}

ISR(ADC_vect) {
    const uint16_t value = ADC;
    switch (converting) {
        case ADC_MUX_ECG: ring_push_isr(&rings[CH_ECG], value); break;
        case ADC_MUX_RESP: ring_push_isr(&rings[CH_RESP], value); break;
        default: battery_raw = value; break;
    }
    if (want_resp && streaming) {
        want_resp = 0;
        adc_start(ADC_MUX_RESP);
    } else if (want_battery) {
        want_battery = 0;
        adc_start(ADC_MUX_BATTERY);
    }
}

/* ---- frames out ---------------------------------------------------------------------- */
static uint8_t tx_seq;

/* Sends a frame if the TX ring has room; returns 0 (and sends nothing) otherwise. */
static uint8_t send_frame(uint8_t type, const uint8_t* payload, uint8_t len) {
    uint8_t wire[ATTUNE_MAX_ENCODED];
    const size_t n = attune_frame_encode(type, tx_seq, payload, len, wire, sizeof wire);
    if (n == 0 || tx_free() < n) return 0;
    tx_seq++;
    tx_write(wire, (uint8_t)n);
    return 1;
}

static void send_info(void) {
    attune_info_t info;
    memset(&info, 0, sizeof info);
    info.fw_major = BOARD_FW_MAJOR;
    info.fw_minor = BOARD_FW_MINOR;
    info.serial = BOARD_SERIAL;
    memcpy(info.model, BOARD_MODEL, sizeof BOARD_MODEL - 1u);
    info.channel_count = CH_COUNT;
    info.channels[0] = (attune_channel_info_t){CH_ECG, ATTUNE_KIND_ECG, ATTUNE_UNIT_MV, 10, ecg_rate,
                                               ECG_MV_PER_LSB, ECG_ZERO_RAW};
    info.channels[1] = (attune_channel_info_t){CH_RESP, ATTUNE_KIND_RESP, ATTUNE_UNIT_AU, 10, resp_rate,
                                               RESP_AU_PER_LSB, RESP_ZERO_RAW};
    uint8_t payload[ATTUNE_MAX_PAYLOAD];
    const size_t n = attune_info_write(&info, payload, sizeof payload);
    while (!send_frame(ATTUNE_FRAME_INFO, payload, (uint8_t)n)) {
        /* the TX ring drains in < 25 ms; sampling carries on in interrupts meanwhile */
    }
}

static uint8_t lead_off_flags(void) {
    uint8_t f = 0;
    if (LEAD_OFF_PORT_PIN & _BV(LEAD_OFF_PLUS_BIT)) f |= ATTUNE_STATUS_LEAD_OFF_PLUS;
    if (LEAD_OFF_PORT_PIN & _BV(LEAD_OFF_MINUS_BIT)) f |= ATTUNE_STATUS_LEAD_OFF_MINUS;
    return f;
}

static uint16_t command_errors;

static uint8_t send_status(void) {
    attune_status_t s;
    s.flags = lead_off_flags();
    if (streaming) s.flags |= ATTUNE_STATUS_STREAMING;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
        if (overrun_since_status) s.flags |= ATTUNE_STATUS_OVERRUN;
        s.dropped = dropped_samples;
        s.battery_mv = (uint16_t)(((uint32_t)battery_raw * 10000UL) >> 10); /* x2 divider */
        s.rx_errors = (uint16_t)(command_errors + rx_overflows);
    }
    uint8_t payload[9];
    const size_t n = attune_status_write(&s, payload, sizeof payload);
    if (!send_frame(ATTUNE_FRAME_STATUS, payload, (uint8_t)n)) return 0;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { overrun_since_status = 0; }
    return 1;
}

/* Per channel: the block being filled. */
typedef struct {
    uint16_t samples[ATTUNE_MAX_BLOCK_SAMPLES];
    uint8_t count;
    uint8_t target;
    uint32_t first_index;
} block_t;
static block_t blocks[CH_COUNT];

static uint8_t flush_block(uint8_t ch) {
    block_t* b = &blocks[ch];
    if (b->count == 0) return 1;
    uint8_t payload[ATTUNE_MAX_PAYLOAD];
    const size_t n = attune_samples_write(ch, b->first_index, b->samples, b->count, payload, sizeof payload);
    if (!send_frame(ATTUNE_FRAME_SAMPLES, payload, (uint8_t)n)) return 0;
    b->count = 0;
    return 1;
}

/* Moves ring samples into blocks; sends full blocks. A jump in the sample index (samples
 * dropped) ends the block early so every block is gap-free. */
static void pump_channel(uint8_t ch) {
    block_t* b = &blocks[ch];
    for (;;) {
        if (b->count == b->target && !flush_block(ch)) return; /* UART busy: try later */
        /* A popped sample may force a flush (index jump): only pop when that flush would fit. */
        if (b->count > 0 && tx_free() < ATTUNE_MAX_ENCODED) return;
        uint16_t value;
        uint32_t index;
        if (!ring_pop(&rings[ch], &value, &index)) return;
        if (b->count > 0 && index != b->first_index + b->count) flush_block(ch);
        if (b->count == 0) b->first_index = index;
        b->samples[b->count++] = value;
    }
}

static void blocks_reset(void) {
    blocks[CH_ECG].count = 0;
    blocks[CH_RESP].count = 0;
    blocks[CH_ECG].target = ECG_BLOCK;
    blocks[CH_RESP].target = RESP_BLOCK;
}

/* ---- commands in ---------------------------------------------------------------------- */
static uint8_t valid_rates(uint16_t ecg, uint16_t resp) {
    return ecg >= ECG_RATE_MIN && ecg <= ECG_RATE_MAX && resp >= RESP_RATE_MIN && resp <= ecg &&
           ecg % resp == 0;
}

static void restart_sampling(uint8_t stream) {
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
        streaming = 0;
        resp_divider = (uint16_t)(ecg_rate / resp_rate);
        tick_for_resp = (uint16_t)(resp_divider - 1u); /* belt sample 0 with ECG sample 0 */
        timer_set_rate(ecg_rate);
        TCNT1 = 0;
    }
    rings_clear();
    blocks_reset();
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { streaming = stream; }
}

static uint8_t handle_command(const attune_frame_t* f) {
    switch (f->type) {
        case ATTUNE_CMD_START:
            restart_sampling(1);
            return ATTUNE_ACK_OK;
        case ATTUNE_CMD_STOP:
            restart_sampling(0);
            return ATTUNE_ACK_OK;
        case ATTUNE_CMD_IDENTIFY:
            PINB = _BV(LED_BIT); /* toggle */
            send_info();
            return ATTUNE_ACK_OK;
        case ATTUNE_CMD_SET_RATE: {
            uint8_t channel;
            uint16_t rate;
            if (attune_set_rate_read(f->payload, f->len, &channel, &rate) != 0) return ATTUNE_ACK_BAD_ARGS;
            const uint16_t new_ecg = channel == CH_ECG ? rate : ecg_rate;
            const uint16_t new_resp = channel == CH_RESP ? rate : resp_rate;
            if (channel >= CH_COUNT || !valid_rates(new_ecg, new_resp)) return ATTUNE_ACK_BAD_ARGS;
            ecg_rate = new_ecg;
            resp_rate = new_resp;
            restart_sampling(streaming);
            return ATTUNE_ACK_OK;
        }
        default: return ATTUNE_ACK_UNKNOWN;
    }
}

static attune_decoder_t decoder;

static void pump_commands(void) {
    uint8_t byte;
    while (rx_pop(&byte)) {
        static attune_frame_t frame;
        const attune_decode_result_t r = attune_decoder_push(&decoder, byte, &frame);
        if (r == ATTUNE_DECODE_FRAME) {
            attune_ack_t ack = {frame.type, frame.seq, handle_command(&frame)};
            uint8_t payload[3];
            attune_ack_write(&ack, payload, sizeof payload);
            while (!send_frame(ATTUNE_FRAME_ACK, payload, sizeof payload)) {
            }
        } else if (r >= ATTUNE_DECODE_ERR_COBS) {
            command_errors++;
        }
    }
}

int main(void) {
    DDRB |= _BV(LED_BIT);
    DDRD &= (uint8_t)~(_BV(LEAD_OFF_PLUS_BIT) | _BV(LEAD_OFF_MINUS_BIT));
    uart_init();
    sampling_init();
    attune_decoder_init(&decoder);
    blocks_reset();
    set_sleep_mode(SLEEP_MODE_IDLE);
    sei();
    /* A lone delimiter first: whatever noise the line carried at power-up ends here. */
    const uint8_t delimiter = 0;
    tx_write(&delimiter, 1);
    send_info();

    uint8_t last_lead_off = lead_off_flags();
    uint8_t status_due = 1;
    for (;;) {
        pump_commands();
        pump_channel(CH_ECG);
        pump_channel(CH_RESP);
        ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
            if (second_elapsed) {
                second_elapsed = 0;
                status_due = 1;
            }
        }
        const uint8_t lead_off = lead_off_flags();
        if (lead_off != last_lead_off) status_due = 1; /* report electrode changes at once */
        if (status_due && send_status()) {
            status_due = 0;
            last_lead_off = lead_off;
        }
        /* Sleep until the next interrupt unless work arrived meanwhile. */
        cli();
        if (rx_head == rx_tail && rings[CH_ECG].count == 0 && rings[CH_RESP].count == 0 && !second_elapsed) {
            sleep_enable();
            sei();
            sleep_cpu();
            sleep_disable();
        }
        sei();
    }
}
