// Bluetooth LE heart-rate straps as attune::bridge::Device, through BlueZ (D-Bus).
//
//   BleHeartRateDevice  any strap with the Heart Rate Service 0x180D.
//                       channels: 0 "HR" (bpm, irregular: one per notification),
//                                 1 "RR" (ms, irregular: one per beat, time = the beat)
//   PolarH10Device      the same two plus the Polar PMD raw streams:
//                                 2 "ECG" (mV, ~130 Hz: chunks carry the rate measured from
//                                   the strap's timestamps, really 128-131 Hz),
//                                 3..5 "AccX/Y/Z" (mG, 200 Hz, 8 g range)
//
// Times are seconds on the host's steady clock (DeviceInfo::session_clock == false). Beat
// times are rebuilt from RR sums (RrBeatTimeline), PMD sample times from the strap's frame
// timestamps (PmdStreamClock); never from packet arrival.
//
// Faults are values, not exceptions: out of range / adapter unplugged -> Disconnected and a
// reconnect with exponential backoff (re-subscribing and restarting the PMD streams); no
// notification for `stall_timeout_s` or no skin contact -> Stalled; after each of these the
// next chunk of every channel has gap_before set. A strap that another program on this
// computer has already connected is shared, and the link detail says so; a strap that does
// not answer gets an explanation (out of range, not worn, or taken by another phone; a Polar
// H10 needs "2 BLE connections" for a second host). stop() stops the PMD streams (or the H10
// keeps streaming and draining its battery) and disconnects what this device connected; it
// makes no callbacks (the host knows it stopped, and may be tearing its sinks down).
//
// Thread rule: construct, start, stop and destroy on the thread running `io`; callbacks run
// there. start() throws std::runtime_error when the system bus or BlueZ cannot be reached and
// std::invalid_argument for a malformed address.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "attune/bridge/device.hpp"

namespace attune::bridge::ble {

struct BleDeviceConfig {
    std::string address;               // "AA:BB:CC:DD:EE:FF"
    std::string name;                  // shown until BlueZ tells us the strap's own name
    double stall_timeout_s = 5.0;      // HR notifies ~1/s: 5 s of silence is a stall
    double stall_reconnect_s = 20.0;   // stalled this long: drop the link and reconnect
    double backoff_initial_s = 0.5;    // reconnect delays: 0.5, 1, 2, 4, ... up to backoff_max_s
    double backoff_max_s = 15.0;
    bool start_ecg = true;             // Polar H10 only
    bool start_acc = true;             // Polar H10 only
    // Partner ("a"/"b") whose StrapMemory entry gets this strap's name once it streams; empty:
    // remember nothing.
    std::string remember_for_partner;
    // Tests run the BlueZ stand-in faster than real time: timers are divided by time_scale and
    // `clock` should return scaled time. Leave both alone in the application.
    double time_scale = 1.0;
    std::function<double()> clock;     // host seconds; default: steady_clock
};

struct BleStatus {
    std::optional<int> battery_percent;
    bool skin_contact = true;
    bool waiting_for_ecg = false;      // PMD start accepted, no ECG frame yet (can take ~30 s)
    bool shared_connection = false;    // another program on this computer had it connected
    int reconnects = 0;                // successful re-connections after a loss
    int gaps = 0;                      // gaps marked (link losses, stalls, contact, lost beats)
    double ecg_rate_hz = 0.0;          // measured from the strap's timestamps
    std::string last_error;            // last explanation given with a link state
};

class BleStrapDevice : public Device {
public:
    ~BleStrapDevice() override;
    const DeviceInfo& info() const override;
    void start(ChunkSink on_chunk, LinkSink on_link) override;
    void stop() override;
    BleStatus status() const;

protected:
    BleStrapDevice(boost::asio::io_context& io, BleDeviceConfig config, bool polar);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class BleHeartRateDevice final : public BleStrapDevice {
public:
    BleHeartRateDevice(boost::asio::io_context& io, BleDeviceConfig config)
        : BleStrapDevice(io, std::move(config), false) {}
};

class PolarH10Device final : public BleStrapDevice {
public:
    PolarH10Device(boost::asio::io_context& io, BleDeviceConfig config)
        : BleStrapDevice(io, std::move(config), true) {}
};

// Builds a strap from a device spec, for the session's device factory:
//   ble:AA:BB:CC:DD:EE:FF     a standard heart-rate strap
//   polar:AA:BB:CC:DD:EE:FF   a Polar H10 (HR + RR + ECG + ACC)
//   ble  /  polar             the strap this partner ("a"/"b") used last time (StrapMemory)
// A spec with an address is remembered for the partner (best effort: an unwritable config
// directory does not stop the session). Throws std::invalid_argument for a malformed spec or
// when nothing is remembered.
DevicePtr make_ble_device(boost::asio::io_context& io, const std::string& spec, const std::string& partner);

// Channel indices (the same for both devices where they exist).
inline constexpr std::size_t kChannelHeartRate = 0;
inline constexpr std::size_t kChannelRr = 1;
inline constexpr std::size_t kChannelEcg = 2;
inline constexpr std::size_t kChannelAccX = 3;
inline constexpr std::size_t kChannelAccY = 4;
inline constexpr std::size_t kChannelAccZ = 5;

}  // namespace attune::bridge::ble
