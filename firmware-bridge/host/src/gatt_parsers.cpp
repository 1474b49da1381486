// Byte parsers for BLE heart-rate straps and Polar PMD (see gatt_parsers.hpp for the formats).
#include "attune/bridge/ble/gatt_parsers.hpp"

namespace attune::bridge::ble {

std::string_view to_string(ParseError error) {
    switch (error) {
        case ParseError::None: return "ok";
        case ParseError::Empty: return "empty value";
        case ParseError::Truncated: return "truncated: a field announced by the flags is missing";
        case ParseError::BadValue: return "value out of range";
        case ParseError::NotAResponse: return "not a PMD control point response (first byte is not 0xF0)";
        case ParseError::UnknownType: return "unknown measurement or frame type";
        case ParseError::Compressed: return "delta-compressed PMD frame (not supported)";
    }
    return "unknown error";
}

namespace {

std::uint16_t read_u16_le(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

std::uint32_t read_u32_le(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::uint64_t read_u64_le(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void append_u16_le(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
    out.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFF));
}

void append_u32_le(std::vector<std::uint8_t>& out, std::uint32_t v) {
    append_u16_le(out, v & 0xFFFF);
    append_u16_le(out, v >> 16);
}

// Size in bytes of one value of a PMD setting type (Polar SDK), 0 if unknown.
std::size_t setting_value_size(std::uint8_t type) noexcept {
    switch (type) {
        case 0: case 1: case 2: return 2;
        case 3: case 5: return 4;
        case 4: return 1;
        default: return 0;
    }
}

constexpr std::uint8_t kHrFlag16Bit = 0x01;
constexpr std::uint8_t kHrFlagContactDetected = 0x02;
constexpr std::uint8_t kHrFlagContactSupported = 0x04;
constexpr std::uint8_t kHrFlagEnergy = 0x08;
constexpr std::uint8_t kHrFlagRr = 0x10;

}  // namespace

std::int32_t read_signed_le(const std::uint8_t* p, std::size_t size) noexcept {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < size; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
    if (size < 4) {
        const std::uint32_t sign = 1u << (8 * size - 1);
        if (v & sign) v |= ~((sign << 1) - 1);  // sign-extend
    }
    return static_cast<std::int32_t>(v);
}

// --- Heart Rate Measurement ----------------------------------------------------------------

ParseError parse_heart_rate_measurement(Bytes bytes, HeartRateMeasurement& out) noexcept {
    out.rr_count = 0;
    out.energy_kj.reset();
    out.odd_trailing_byte = false;
    if (bytes.empty()) return ParseError::Empty;
    const std::uint8_t flags = bytes[0];
    std::size_t pos = 1;
    out.hr_is_16bit = (flags & kHrFlag16Bit) != 0;
    out.contact_supported = (flags & kHrFlagContactSupported) != 0;
    out.contact_detected = (flags & kHrFlagContactDetected) != 0;
    const std::size_t hr_size = out.hr_is_16bit ? 2 : 1;
    if (bytes.size() < pos + hr_size) return ParseError::Truncated;
    out.heart_rate_bpm = out.hr_is_16bit ? read_u16_le(&bytes[pos]) : bytes[pos];
    pos += hr_size;
    if (flags & kHrFlagEnergy) {
        if (bytes.size() < pos + 2) return ParseError::Truncated;
        out.energy_kj = read_u16_le(&bytes[pos]);
        pos += 2;
    }
    if (flags & kHrFlagRr) {
        while (pos + 2 <= bytes.size() && out.rr_count < kMaxRrPerNotification) {
            out.rr_1024[out.rr_count++] = read_u16_le(&bytes[pos]);
            pos += 2;
        }
        out.odd_trailing_byte = pos < bytes.size();
    }
    return ParseError::None;
}

// --- Battery ---------------------------------------------------------------------------------

std::optional<std::uint8_t> parse_battery_level(Bytes bytes) noexcept {
    if (bytes.empty() || bytes[0] > 100) return std::nullopt;
    return bytes[0];
}

// --- PMD control point -----------------------------------------------------------------------

std::string_view describe(PmdStatus status) {
    switch (status) {
        case PmdStatus::Success: return "success";
        case PmdStatus::InvalidOpCode: return "invalid op code";
        case PmdStatus::InvalidMeasurementType: return "invalid measurement type";
        case PmdStatus::NotSupported: return "not supported";
        case PmdStatus::InvalidLength: return "invalid length";
        case PmdStatus::InvalidParameter: return "invalid parameter";
        case PmdStatus::AlreadyInState: return "already in state (stream already running or stopped)";
        case PmdStatus::InvalidResolution: return "invalid resolution";
        case PmdStatus::InvalidSampleRate: return "invalid sample rate";
        case PmdStatus::InvalidRange: return "invalid range";
        case PmdStatus::InvalidMtu: return "invalid MTU";
        case PmdStatus::InvalidNumberOfChannels: return "invalid number of channels";
        case PmdStatus::InvalidState: return "invalid state";
        case PmdStatus::DeviceInCharger: return "device is in its charger";
    }
    return "unknown status";
}

std::vector<std::uint8_t> pmd_get_settings_command(PmdMeasurement type) {
    return {static_cast<std::uint8_t>(PmdOpcode::GetSettings), static_cast<std::uint8_t>(type)};
}

std::vector<std::uint8_t> pmd_start_command(PmdMeasurement type, std::span<const PmdSetting> settings) {
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(PmdOpcode::Start),
                                  static_cast<std::uint8_t>(type)};
    for (const PmdSetting& s : settings) {
        out.push_back(static_cast<std::uint8_t>(s.type));
        out.push_back(1);  // one value per setting in a start command
        const std::size_t size = setting_value_size(static_cast<std::uint8_t>(s.type));
        if (size == 1) out.push_back(static_cast<std::uint8_t>(s.value));
        else if (size == 4) append_u32_le(out, s.value);
        else append_u16_le(out, s.value);
    }
    return out;
}

std::vector<std::uint8_t> pmd_stop_command(PmdMeasurement type) {
    return {static_cast<std::uint8_t>(PmdOpcode::Stop), static_cast<std::uint8_t>(type)};
}

std::vector<std::uint8_t> pmd_start_ecg_130hz() {
    const PmdSetting s[] = {{PmdSettingType::SampleRate, 130}, {PmdSettingType::Resolution, 14}};
    return pmd_start_command(PmdMeasurement::Ecg, s);
}

std::vector<std::uint8_t> pmd_start_acc_200hz_8g() {
    const PmdSetting s[] = {{PmdSettingType::SampleRate, 200},
                            {PmdSettingType::Resolution, 16},
                            {PmdSettingType::Range, 8}};
    return pmd_start_command(PmdMeasurement::Acc, s);
}

ParseError parse_pmd_control_response(Bytes bytes, PmdControlResponse& out) {
    out.parameters.clear();
    if (bytes.empty()) return ParseError::Empty;
    if (bytes[0] != 0xF0) return ParseError::NotAResponse;
    if (bytes.size() < 4) return ParseError::Truncated;
    out.opcode = bytes[1];
    out.measurement_type = bytes[2];
    out.status = static_cast<PmdStatus>(bytes[3]);
    // The "more" byte and parameters are only present on success of some opcodes.
    out.more = bytes.size() > 4 && bytes[4] != 0;
    if (bytes.size() > 5) out.parameters.assign(bytes.begin() + 5, bytes.end());
    return ParseError::None;
}

ParseError parse_pmd_settings(Bytes p, std::vector<PmdSettingOptions>& out) {
    out.clear();
    std::size_t pos = 0;
    while (pos < p.size()) {
        if (pos + 2 > p.size()) return ParseError::Truncated;
        const std::uint8_t type = p[pos];
        const std::uint8_t count = p[pos + 1];
        const std::size_t size = setting_value_size(type);
        if (size == 0) return ParseError::UnknownType;
        pos += 2;
        if (pos + count * size > p.size()) return ParseError::Truncated;
        PmdSettingOptions option{static_cast<PmdSettingType>(type), {}};
        for (std::size_t i = 0; i < count; ++i, pos += size)
            option.values.push_back(size == 1 ? p[pos] : size == 2 ? read_u16_le(&p[pos]) : read_u32_le(&p[pos]));
        out.push_back(std::move(option));
    }
    return ParseError::None;
}

ParseError parse_pmd_features(Bytes bytes, PmdFeatures& out) noexcept {
    out = {};
    if (bytes.empty()) return ParseError::Empty;
    if (bytes[0] != 0x0F) return ParseError::BadValue;
    if (bytes.size() < 2) return ParseError::Truncated;
    out.ecg = bytes[1] & 0x01;
    out.ppg = bytes[1] & 0x02;
    out.acc = bytes[1] & 0x04;
    out.ppi = bytes[1] & 0x08;
    return ParseError::None;
}

// --- PMD data frames -------------------------------------------------------------------------

ParseError parse_pmd_header(Bytes bytes, PmdFrameHeader& out) noexcept {
    if (bytes.empty()) return ParseError::Empty;
    if (bytes.size() < kPmdHeaderSize) return ParseError::Truncated;
    out.measurement_type = bytes[0];
    out.timestamp_ns = read_u64_le(&bytes[1]);
    out.frame_type = bytes[9] & 0x7F;
    out.compressed = (bytes[9] & 0x80) != 0;
    return ParseError::None;
}

ParseError parse_pmd_ecg_frame(Bytes bytes, PmdEcgFrame& out) {
    out.microvolts.clear();
    if (const ParseError e = parse_pmd_header(bytes, out.header); e != ParseError::None) return e;
    if (out.header.measurement_type != static_cast<std::uint8_t>(PmdMeasurement::Ecg))
        return ParseError::UnknownType;
    if (out.header.compressed) return ParseError::Compressed;
    if (out.header.frame_type != 0) return ParseError::UnknownType;
    const std::size_t payload = bytes.size() - kPmdHeaderSize;
    if (payload % 3 != 0) return ParseError::Truncated;
    for (std::size_t pos = kPmdHeaderSize; pos + 3 <= bytes.size(); pos += 3)
        out.microvolts.push_back(read_signed_le(&bytes[pos], 3));
    return ParseError::None;
}

ParseError parse_pmd_acc_frame(Bytes bytes, PmdAccFrame& out) {
    out.samples.clear();
    if (const ParseError e = parse_pmd_header(bytes, out.header); e != ParseError::None) return e;
    if (out.header.measurement_type != static_cast<std::uint8_t>(PmdMeasurement::Acc))
        return ParseError::UnknownType;
    if (out.header.compressed) return ParseError::Compressed;
    if (out.header.frame_type > 2) return ParseError::UnknownType;
    const std::size_t axis = out.header.frame_type + 1u;  // bytes per axis value
    const std::size_t stride = 3 * axis;
    const std::size_t payload = bytes.size() - kPmdHeaderSize;
    if (payload % stride != 0) return ParseError::Truncated;
    for (std::size_t pos = kPmdHeaderSize; pos + stride <= bytes.size(); pos += stride)
        out.samples.push_back({read_signed_le(&bytes[pos], axis), read_signed_le(&bytes[pos + axis], axis),
                               read_signed_le(&bytes[pos + 2 * axis], axis)});
    return ParseError::None;
}

}  // namespace attune::bridge::ble
