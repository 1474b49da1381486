// Byte parsers: every test vector of shared/BLE.md plus the spec's and Polar's worked examples.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "attune/bridge/ble/gatt_parsers.hpp"

using namespace attune::bridge::ble;
using B = std::vector<std::uint8_t>;

namespace {
HeartRateMeasurement parse_hr(const B& bytes) {
    HeartRateMeasurement m;
    REQUIRE(parse_heart_rate_measurement(bytes, m) == ParseError::None);
    return m;
}
}  // namespace

TEST_CASE("hrm_uint8_and_uint16_heart_rate", "[ble][parser]") {
    auto m = parse_hr({0x00, 0xFF});
    CHECK(m.heart_rate_bpm == 255);
    CHECK_FALSE(m.hr_is_16bit);
    CHECK(m.rr_count == 0);
    CHECK_FALSE(m.energy_kj);

    m = parse_hr({0x01, 0x80, 0x80});
    CHECK(m.heart_rate_bpm == 32896);
    CHECK(m.hr_is_16bit);
}

TEST_CASE("hrm_contact_bits", "[ble][parser]") {
    auto m = parse_hr({0x06, 0x00});
    CHECK(m.contact_supported);
    CHECK(m.contact_detected);
    CHECK_FALSE(m.skin_contact_lost());
    CHECK(m.heart_rate_bpm == 0);

    m = parse_hr({0x04, 0x00});
    CHECK(m.contact_supported);
    CHECK_FALSE(m.contact_detected);
    CHECK(m.skin_contact_lost());

    m = parse_hr({0x00, 0x48});  // contact not supported: never "lost"
    CHECK_FALSE(m.skin_contact_lost());
}

TEST_CASE("hrm_energy_expended", "[ble][parser]") {
    auto m = parse_hr({0x09, 0x00, 0x00, 0xFF, 0xFF});
    CHECK(m.hr_is_16bit);
    CHECK(m.heart_rate_bpm == 0);
    REQUIRE(m.energy_kj);
    CHECK(*m.energy_kj == 65535);
}

TEST_CASE("hrm_rr_intervals_in_1024ths", "[ble][parser]") {
    auto m = parse_hr({0x10, 0x00, 0xFF, 0xFF});
    REQUIRE(m.rr_count == 1);
    CHECK(m.rr()[0] == 65535);
    CHECK(rr_1024_to_ms(m.rr()[0]) == Approx(63999.0).margin(0.1));

    m = parse_hr({0x11, 0x00, 0x00, 0xFF, 0xFF, 0x7F, 0x80});
    CHECK(m.hr_is_16bit);
    REQUIRE(m.rr_count == 2);
    CHECK(m.rr()[0] == 65535);
    CHECK(m.rr()[1] == 32895);
}

TEST_CASE("hrm_real_strap_bytes", "[ble][parser]") {
    struct Case { B bytes; int hr; int rr; double ms; };
    const Case cases[] = {{{0x10, 0x3E, 0xB1, 0x03}, 62, 945, 922.9},
                          {{0x10, 0x39, 0x23, 0x04}, 57, 1059, 1034.2},
                          {{0x10, 0x3D, 0xCF, 0x03}, 61, 975, 952.1}};
    for (const auto& c : cases) {
        const auto m = parse_hr(c.bytes);
        CHECK(m.heart_rate_bpm == c.hr);
        REQUIRE(m.rr_count == 1);
        CHECK(m.rr()[0] == c.rr);
        CHECK(rr_1024_to_ms(m.rr()[0]) == Approx(c.ms).margin(0.05));
        CHECK(rr_1024_to_us(m.rr()[0]) == static_cast<std::int64_t>(c.rr * 1000000.0 / 1024.0));
    }
}

TEST_CASE("hrm_energy_then_several_rr", "[ble][parser]") {
    // Flags 0x1E: 8-bit HR, contact supported+detected, energy, RR. HR 75, 300 kJ, 3 RRs.
    const auto m = parse_hr({0x1E, 75, 0x2C, 0x01, 0x00, 0x03, 0x10, 0x03, 0x20, 0x03});
    CHECK(m.heart_rate_bpm == 75);
    CHECK(*m.energy_kj == 300);
    REQUIRE(m.rr_count == 3);
    CHECK(m.rr()[0] == 0x300);
    CHECK(m.rr()[1] == 0x310);
    CHECK(m.rr()[2] == 0x320);
}

TEST_CASE("hrm_nine_rr_in_one_notification", "[ble][parser]") {
    B bytes{0x10, 60};
    for (int i = 0; i < 9; ++i) {
        bytes.push_back(static_cast<std::uint8_t>(0x00 + i));
        bytes.push_back(0x04);
    }
    const auto m = parse_hr(bytes);
    REQUIRE(m.rr_count == 9);
    for (int i = 0; i < 9; ++i) CHECK(m.rr()[i] == 0x0400 + i);
}

TEST_CASE("hrm_malformed_input_is_an_error_not_a_crash", "[ble][parser]") {
    HeartRateMeasurement m;
    CHECK(parse_heart_rate_measurement({}, m) == ParseError::Empty);
    CHECK(parse_heart_rate_measurement(B{0x01, 0x40}, m) == ParseError::Truncated);  // 16-bit cut
    CHECK(parse_heart_rate_measurement(B{0x00}, m) == ParseError::Truncated);
    CHECK(parse_heart_rate_measurement(B{0x08, 0x40, 0x01}, m) == ParseError::Truncated);  // energy cut
    // A half RR at the end: whole RRs kept, the half flagged.
    REQUIRE(parse_heart_rate_measurement(B{0x10, 0x40, 0x00, 0x04, 0x05}, m) == ParseError::None);
    CHECK(m.rr_count == 1);
    CHECK(m.odd_trailing_byte);
    // RR flag set, no RR bytes: zero RRs, fine.
    REQUIRE(parse_heart_rate_measurement(B{0x10, 0x40}, m) == ParseError::None);
    CHECK(m.rr_count == 0);
}

TEST_CASE("battery_level_percent", "[ble][parser]") {
    CHECK(parse_battery_level(B{0x64}) == std::uint8_t{100});
    CHECK(parse_battery_level(B{0x00}) == std::uint8_t{0});
    CHECK_FALSE(parse_battery_level(B{101}));
    CHECK_FALSE(parse_battery_level(B{}));
}

TEST_CASE("pmd_commands_match_polar_documentation", "[ble][parser][pmd]") {
    CHECK(pmd_start_ecg_130hz() == B{0x02, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00});
    CHECK(pmd_start_acc_200hz_8g() ==
          B{0x02, 0x02, 0x00, 0x01, 0xC8, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x08, 0x00});
    CHECK(pmd_stop_command(PmdMeasurement::Ecg) == B{0x03, 0x00});
    CHECK(pmd_stop_command(PmdMeasurement::Acc) == B{0x03, 0x02});
    CHECK(pmd_get_settings_command(PmdMeasurement::Ecg) == B{0x01, 0x00});
}

TEST_CASE("pmd_control_responses", "[ble][parser][pmd]") {
    PmdControlResponse r;
    REQUIRE(parse_pmd_control_response(B{0xF0, 0x02, 0x00, 0x00, 0x00}, r) == ParseError::None);
    CHECK(r.opcode == 2);
    CHECK(r.measurement_type == 0);
    CHECK(r.ok());
    CHECK_FALSE(r.more);

    REQUIRE(parse_pmd_control_response(B{0xF0, 0x02, 0x02, 0x06}, r) == ParseError::None);
    CHECK(r.status == PmdStatus::AlreadyInState);
    REQUIRE(parse_pmd_control_response(B{0xF0, 0x02, 0x00, 0x08, 0x00}, r) == ParseError::None);
    CHECK(r.status == PmdStatus::InvalidSampleRate);
    REQUIRE(parse_pmd_control_response(B{0xF0, 0x02, 0x00, 0x0D, 0x00}, r) == ParseError::None);
    CHECK(r.status == PmdStatus::DeviceInCharger);
    CHECK(describe(r.status) == "device is in its charger");

    CHECK(parse_pmd_control_response(B{0x0F, 0x05}, r) == ParseError::NotAResponse);
    CHECK(parse_pmd_control_response(B{0xF0, 0x02}, r) == ParseError::Truncated);
    CHECK(parse_pmd_control_response(B{}, r) == ParseError::Empty);
}

TEST_CASE("pmd_get_settings_response_for_h10_ecg_and_acc", "[ble][parser][pmd]") {
    // H10 ECG settings: rate 130, resolution 14. ACC: rates 25/50/100/200, res 16, ranges 2/4/8.
    PmdControlResponse r;
    REQUIRE(parse_pmd_control_response(
                B{0xF0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00}, r) ==
            ParseError::None);
    std::vector<PmdSettingOptions> opts;
    REQUIRE(parse_pmd_settings(r.parameters, opts) == ParseError::None);
    REQUIRE(opts.size() == 2);
    CHECK(opts[0].type == PmdSettingType::SampleRate);
    CHECK(opts[0].values == std::vector<std::uint32_t>{130});
    CHECK(opts[1].values == std::vector<std::uint32_t>{14});

    const B acc{0x00, 0x04, 0x19, 0x00, 0x32, 0x00, 0x64, 0x00, 0xC8, 0x00, 0x01, 0x01, 0x10,
                0x00, 0x02, 0x03, 0x02, 0x00, 0x04, 0x00, 0x08, 0x00};
    REQUIRE(parse_pmd_settings(acc, opts) == ParseError::None);
    REQUIRE(opts.size() == 3);
    CHECK(opts[0].values == std::vector<std::uint32_t>{25, 50, 100, 200});
    CHECK(opts[2].type == PmdSettingType::Range);
    CHECK(opts[2].values == std::vector<std::uint32_t>{2, 4, 8});

    CHECK(parse_pmd_settings(B{0x00, 0x02, 0x82, 0x00}, opts) == ParseError::Truncated);
    CHECK(parse_pmd_settings(B{0x09, 0x01, 0x00}, opts) == ParseError::UnknownType);
}

TEST_CASE("pmd_features_read_from_control_point", "[ble][parser][pmd]") {
    PmdFeatures f;
    REQUIRE(parse_pmd_features(B{0x0F, 0x05, 0x00}, f) == ParseError::None);  // H10: ECG + ACC
    CHECK(f.ecg);
    CHECK(f.acc);
    CHECK_FALSE(f.ppg);
    CHECK_FALSE(f.ppi);
    CHECK(parse_pmd_features(B{0xF0}, f) == ParseError::BadValue);
}

TEST_CASE("pmd_real_ecg_frame", "[ble][parser][pmd]") {
    const B frame{0x00, 0xEA, 0x1C, 0xAC, 0xCC, 0x99, 0x43, 0x52, 0x08, 0x00, 0x68, 0x00,
                  0x00, 0x58, 0x00, 0x00, 0x46, 0x00, 0x00, 0x3D, 0x00, 0x00};
    PmdEcgFrame ecg;
    REQUIRE(parse_pmd_ecg_frame(frame, ecg) == ParseError::None);
    CHECK(ecg.header.measurement_type == 0);
    CHECK(ecg.header.timestamp_ns == 599616028236586218ull);
    CHECK(ecg.header.frame_type == 0);
    CHECK_FALSE(ecg.header.compressed);
    CHECK(ecg.microvolts == std::vector<std::int32_t>{104, 88, 70, 61});
}

TEST_CASE("pmd_synthetic_ecg_frame_negative_and_large", "[ble][parser][pmd]") {
    const B frame{0x00, 0x00, 0x94, 0x35, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00,
                  0x02, 0x80, 0xFF, 0x02, 0x80, 0x00};
    PmdEcgFrame ecg;
    REQUIRE(parse_pmd_ecg_frame(frame, ecg) == ParseError::None);
    CHECK(ecg.header.timestamp_ns == 2000000000ull);
    CHECK(ecg.microvolts == std::vector<std::int32_t>{-32766, 32770});
}

TEST_CASE("pmd_real_acc_frame", "[ble][parser][pmd]") {
    const B frame{0x02, 0xEA, 0x54, 0xA2, 0x42, 0x8B, 0x45, 0x52, 0x08, 0x01,
                  0x45, 0xFF, 0xE4, 0xFF, 0xB5, 0x03};
    PmdAccFrame acc;
    REQUIRE(parse_pmd_acc_frame(frame, acc) == ParseError::None);
    CHECK(acc.header.frame_type == 1);
    REQUIRE(acc.samples.size() == 1);
    CHECK(acc.samples[0].x_mg == -187);
    CHECK(acc.samples[0].y_mg == -28);
    CHECK(acc.samples[0].z_mg == 949);
}

TEST_CASE("pmd_frame_errors", "[ble][parser][pmd]") {
    PmdEcgFrame ecg;
    PmdAccFrame acc;
    CHECK(parse_pmd_ecg_frame(B{}, ecg) == ParseError::Empty);
    CHECK(parse_pmd_ecg_frame(B{0x00, 0x01, 0x02}, ecg) == ParseError::Truncated);
    const B header_ecg{0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00};
    B partial = header_ecg;
    partial.insert(partial.end(), {0x01, 0x02});  // 2 of 3 bytes
    CHECK(parse_pmd_ecg_frame(partial, ecg) == ParseError::Truncated);
    B compressed = header_ecg;
    compressed[9] = 0x80;
    CHECK(parse_pmd_ecg_frame(compressed, ecg) == ParseError::Compressed);
    CHECK(parse_pmd_acc_frame(header_ecg, acc) == ParseError::UnknownType);  // ECG bytes to ACC
    B acc_type9{0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x09};
    CHECK(parse_pmd_acc_frame(acc_type9, acc) == ParseError::UnknownType);
    // Header only: a valid frame with zero samples.
    REQUIRE(parse_pmd_ecg_frame(header_ecg, ecg) == ParseError::None);
    CHECK(ecg.microvolts.empty());
}

TEST_CASE("signed_little_endian_widths", "[ble][parser]") {
    const std::uint8_t ff[] = {0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(read_signed_le(ff, 1) == -1);
    CHECK(read_signed_le(ff, 2) == -1);
    CHECK(read_signed_le(ff, 3) == -1);
    CHECK(read_signed_le(ff, 4) == -1);
    const std::uint8_t max3[] = {0xFF, 0xFF, 0x7F};
    CHECK(read_signed_le(max3, 3) == 8388607);
    const std::uint8_t min3[] = {0x00, 0x00, 0x80};
    CHECK(read_signed_le(min3, 3) == -8388608);
}
