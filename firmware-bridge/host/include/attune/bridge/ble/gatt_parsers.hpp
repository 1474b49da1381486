// Byte parsers for the Bluetooth LE characteristics Attune reads. Pure functions: bytes in,
// a decoded value (or a named error) out; no I/O, no clocks, never throw, never read past the
// buffer. Sources: Bluetooth Heart Rate Service v1.0 (0x2A37), Battery Service (0x2A19),
// Polar Measurement Data (PMD) documentation and SDK (control point FB005C81, data FB005C82).
//
// [SECTION] Heart Rate Measurement 0x2A37
// [SECTION] Battery Level 0x2A19
// [SECTION] PMD control point: commands, responses, features, settings
// [SECTION] PMD data frames: ECG, ACC
//
// Parsers that fill an output object reuse its vectors (clear() keeps capacity), so a device
// decoding a stream allocates nothing after the first few notifications.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attune/signal/rr_input.hpp"

namespace attune::bridge::ble {

using Bytes = std::span<const std::uint8_t>;

enum class ParseError : std::uint8_t {
    None = 0,
    Empty,            // zero bytes
    Truncated,        // a field the flags announce is cut off
    BadValue,         // a field is out of its documented range
    NotAResponse,     // PMD control point bytes that are not a 0xF0 response
    UnknownType,      // PMD measurement / frame type this parser does not decode
    Compressed,       // PMD delta-compressed frame (not requested by Attune's start commands)
};

std::string_view to_string(ParseError error);

// ---------------------------------------------------------------------------------------------
// [SECTION] Heart Rate Measurement 0x2A37
// ---------------------------------------------------------------------------------------------

// RR intervals are in 1/1024 s (the spec's unit), kept as integers so nothing is rounded
// before HRV. A 512-byte attribute holds at most 255 of them.
constexpr std::size_t kMaxRrPerNotification = 255;

struct HeartRateMeasurement {
    std::uint16_t heart_rate_bpm = 0;
    bool hr_is_16bit = false;
    bool contact_supported = false;
    bool contact_detected = false;           // meaningful only if contact_supported
    std::optional<std::uint16_t> energy_kj;  // present only if flag bit 3
    std::uint16_t rr_count = 0;
    std::array<std::uint16_t, kMaxRrPerNotification> rr_1024{};  // oldest first
    bool odd_trailing_byte = false;  // a half RR at the end was ignored (malformed sender)

    // Contact supported and reported absent: HR and RR are not from a heart.
    bool skin_contact_lost() const { return contact_supported && !contact_detected; }
    std::span<const std::uint16_t> rr() const { return {rr_1024.data(), rr_count}; }
};

ParseError parse_heart_rate_measurement(Bytes bytes, HeartRateMeasurement& out) noexcept;

using signal::rr_1024_to_ms;  // RR units are the signal library's
constexpr std::int64_t rr_1024_to_us(std::uint16_t rr) { return static_cast<std::int64_t>(rr) * 15625 / 16; }

// ---------------------------------------------------------------------------------------------
// [SECTION] Battery Level 0x2A19: one byte, percent 0..100.
// ---------------------------------------------------------------------------------------------

std::optional<std::uint8_t> parse_battery_level(Bytes bytes) noexcept;

// ---------------------------------------------------------------------------------------------
// [SECTION] PMD control point
// ---------------------------------------------------------------------------------------------

enum class PmdMeasurement : std::uint8_t { Ecg = 0, Ppg = 1, Acc = 2, Ppi = 3 };
enum class PmdOpcode : std::uint8_t { GetSettings = 1, Start = 2, Stop = 3 };
enum class PmdSettingType : std::uint8_t {
    SampleRate = 0,      // uint16, Hz
    Resolution = 1,      // uint16, bits
    Range = 2,           // uint16, g for ACC
    RangeMilliUnit = 3,  // uint32
    Channels = 4,        // uint8
    Factor = 5,          // uint32 (IEEE float bits)
};

// Status byte of a control point response.
enum class PmdStatus : std::uint8_t {
    Success = 0,
    InvalidOpCode = 1,
    InvalidMeasurementType = 2,
    NotSupported = 3,
    InvalidLength = 4,
    InvalidParameter = 5,
    AlreadyInState = 6,
    InvalidResolution = 7,
    InvalidSampleRate = 8,
    InvalidRange = 9,
    InvalidMtu = 10,
    InvalidNumberOfChannels = 11,
    InvalidState = 12,
    DeviceInCharger = 13,
};
std::string_view describe(PmdStatus status);

struct PmdSetting {
    PmdSettingType type;
    std::uint32_t value;
};

// Command bytes for the control point (write with response).
std::vector<std::uint8_t> pmd_get_settings_command(PmdMeasurement type);
std::vector<std::uint8_t> pmd_start_command(PmdMeasurement type, std::span<const PmdSetting> settings);
std::vector<std::uint8_t> pmd_stop_command(PmdMeasurement type);
// The starts Attune sends: ECG 130 Hz 14 bit; ACC 200 Hz 16 bit 8 g.
std::vector<std::uint8_t> pmd_start_ecg_130hz();
std::vector<std::uint8_t> pmd_start_acc_200hz_8g();

// Response (indication): F0 <opcode> <type> <status> <more> <params...>.
struct PmdControlResponse {
    std::uint8_t opcode = 0;
    std::uint8_t measurement_type = 0;
    PmdStatus status = PmdStatus::Success;
    bool more = false;
    std::vector<std::uint8_t> parameters;
    bool ok() const { return status == PmdStatus::Success; }
};
ParseError parse_pmd_control_response(Bytes bytes, PmdControlResponse& out);

// Settings list (get-settings response parameters): [type][count][count values]...
// Sizes per type as in Polar's SDK. Fails on an unknown type (its size is unknown).
struct PmdSettingOptions {
    PmdSettingType type;
    std::vector<std::uint32_t> values;
};
ParseError parse_pmd_settings(Bytes parameters, std::vector<PmdSettingOptions>& out);

// Reading the control point gives the feature set: 0x0F then a bitmask of measurement types.
struct PmdFeatures {
    bool ecg = false, ppg = false, acc = false, ppi = false;
};
ParseError parse_pmd_features(Bytes bytes, PmdFeatures& out) noexcept;

// ---------------------------------------------------------------------------------------------
// [SECTION] PMD data frames (characteristic FB005C82, notify)
// ---------------------------------------------------------------------------------------------

// Byte 0 type; 1..8 uint64 LE ns timestamp of the LAST sample (device clock, epoch 2000-01-01);
// byte 9 frame type (bit 7 = delta compressed); then samples.
struct PmdFrameHeader {
    std::uint8_t measurement_type = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint8_t frame_type = 0;  // bits 0..6
    bool compressed = false;
};
constexpr std::size_t kPmdHeaderSize = 10;
ParseError parse_pmd_header(Bytes bytes, PmdFrameHeader& out) noexcept;

// ECG frame type 0: 3-byte signed LE samples in µV.
struct PmdEcgFrame {
    PmdFrameHeader header;
    std::vector<std::int32_t> microvolts;
};
ParseError parse_pmd_ecg_frame(Bytes bytes, PmdEcgFrame& out);

// ACC frame types 0/1/2: x, y, z as signed 1/2/3-byte LE, in mG.
struct AccSample {
    std::int32_t x_mg = 0, y_mg = 0, z_mg = 0;
};
struct PmdAccFrame {
    PmdFrameHeader header;
    std::vector<AccSample> samples;
};
ParseError parse_pmd_acc_frame(Bytes bytes, PmdAccFrame& out);

// Signed little-endian integer of 1..4 bytes (sign-extended). Exposed for tests.
std::int32_t read_signed_le(const std::uint8_t* p, std::size_t size) noexcept;

}  // namespace attune::bridge::ble
