/* The Attune board's pin map and fixed parameters (ATmega328P @ 16 MHz, Arduino Uno/Nano
 * class). See hardware/wiring.md for the circuit. */
#ifndef ATTUNE_BOARD_H
#define ATTUNE_BOARD_H

#define BOARD_MODEL "ATTUNE-B1"
#define BOARD_FW_MAJOR 1
#define BOARD_FW_MINOR 0
#ifndef BOARD_SERIAL
#define BOARD_SERIAL 1UL
#endif

/* ADC inputs (AVCC = 5 V reference, 10 bits) */
#define ADC_MUX_ECG 0     /* A0: AD8232 OUTPUT */
#define ADC_MUX_RESP 1    /* A1: stretch-belt divider midpoint */
#define ADC_MUX_BATTERY 2 /* A2: battery through a 1:2 divider */

/* Lead-off comparators of the AD8232 (high = electrode off): PD2 (D2) = LO+, PD3 (D3) = LO-. */
#define LEAD_OFF_PORT_PIN PIND
#define LEAD_OFF_PLUS_BIT 2
#define LEAD_OFF_MINUS_BIT 3
/* Status LED: PB5 (D13, the Arduino's built-in LED) */
#define LED_BIT 5

/* Default and allowed rates. The ECG rate is the timer tick; the belt is sampled every
 * (ecg_rate / resp_rate) ticks, so the ECG rate must be a multiple of the belt rate. */
#define ECG_RATE_DEFAULT 250u
#define RESP_RATE_DEFAULT 50u
#define ECG_RATE_MIN 50u
#define ECG_RATE_MAX 1000u
#define RESP_RATE_MIN 5u

/* Samples per SAMPLES frame: 40 ms of ECG, 100 ms of belt at the default rates. */
#define ECG_BLOCK 10u
#define RESP_BLOCK 5u

/* Analog front-end calibration sent in INFO: AD8232 gain 1100 (datasheet's cardiac
 * monitor), output centred on 1.5 V (its REFOUT at 3 V supply) -> mV at the electrodes. */
#define ECG_ZERO_RAW 307                     /* 1.5 V / 5 V * 1024 */
#define ECG_MV_PER_LSB (5000.0f / 1024.0f / 1100.0f)
#define RESP_ZERO_RAW 0
#define RESP_AU_PER_LSB (1.0f / 1023.0f)

#endif
