// The BlueZ client and the strap devices against the BlueZ stand-in on a private D-Bus:
// discovery, connection, decoding, timestamp reconstruction, faults and reconnects.
// Each test case starts its own bus and stand-in (10x faster than real time).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <map>
#include <vector>

#include "attune/bridge/ble/ble_devices.hpp"
#include "attune/bridge/ble/ble_discovery.hpp"
#include "bluez_fixture.hpp"

using namespace attune::bridge;
using namespace attune::bridge::ble;
using attune::test::BluezStandIn;
using attune::test::kHrStrap;
using attune::test::kPolarH10;
using attune::test::run_for;
using attune::test::run_until;

namespace {

struct Recorder {
    std::vector<attune::signal::SampleChunk> chunks;
    std::vector<std::pair<LinkState, std::string>> links;

    ChunkSink chunk_sink() {
        return [this](const attune::signal::SampleChunk& c) { chunks.push_back(c); };
    }
    LinkSink link_sink() {
        return [this](LinkState s, const std::string& d) {
            links.emplace_back(s, d);
            if (std::getenv("ATTUNE_BLE_TEST_VERBOSE")) std::fprintf(stderr, "link %s: %s\n", to_string(s), d.c_str());
        };
    }
    std::vector<const attune::signal::SampleChunk*> of(std::size_t channel) const {
        std::vector<const attune::signal::SampleChunk*> out;
        for (const auto& c : chunks)
            if (c.channel == channel) out.push_back(&c);
        return out;
    }
    bool saw(LinkState s) const {
        return std::any_of(links.begin(), links.end(), [&](const auto& l) { return l.first == s; });
    }
    bool saw_detail(const std::string& text) const {
        return std::any_of(links.begin(), links.end(),
                           [&](const auto& l) { return l.second.find(text) != std::string::npos; });
    }
    LinkState last() const { return links.empty() ? LinkState::Stopped : links.back().first; }
    std::string history() const {
        std::string out;
        for (const auto& [s, d] : links) out += std::string(to_string(s)) + ": " + d + "\n";
        return out;
    }
    std::size_t count(std::size_t channel) const { return of(channel).size(); }
};

BleDeviceConfig config_for(const BluezStandIn& bus, const std::string& address) {
    BleDeviceConfig c;
    c.address = address;
    c.time_scale = bus.speed();
    const double speed = bus.speed();
    c.clock = [speed] {
        return speed * std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    };
    return c;
}

// RR values delivered, in order, must be the strap's own RRs in order (a subsequence: beats
// during lost contact or a dropped link are missing, nothing is invented or reordered).
void check_rr_subsequence_of_truth(const Recorder& rec, BluezStandIn& bus, const std::string& address,
                                   std::size_t min_beats) {
    std::vector<double> got;
    for (const auto* c : rec.of(kChannelRr))
        for (float v : c->values) got.push_back(v);
    const auto truth = bus.truth(address);
    REQUIRE(got.size() >= min_beats);
    std::size_t j = 0;
    for (double v : got) {
        while (j < truth.size() && std::abs(std::get<1>(truth[j]) * 1000.0 / 1024.0 - v) > 1e-3) ++j;
        REQUIRE(j < truth.size());  // every RR found, in order, exact to the 1/1024 s tick
        ++j;
    }
}

}  // namespace

TEST_CASE("ble_discovery_lists_straps_with_name_address_rssi", "[ble][bluez]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    const auto result = list_ble_devices(io, {0.2, false});
    REQUIRE(result.error.empty());
    REQUIRE(result.devices.size() == 2);  // the speaker is not a heart-rate sensor
    std::map<std::string, BleDeviceInfo> by_address;
    for (const auto& d : result.devices) by_address[d.address] = d;
    const auto& strap = by_address.at(kHrStrap);
    CHECK(strap.name == "Attune HR Strap");
    CHECK(strap.kind() == "ble-hr");
    CHECK(strap.spec() == std::string("ble:") + kHrStrap);
    CHECK(strap.rssi_dbm == -58);
    const auto& h10 = by_address.at(kPolarH10);
    CHECK(h10.kind() == "polar-h10");
    CHECK(h10.spec() == std::string("polar:") + kPolarH10);
    CHECK(h10.rssi_dbm == -64);
    CHECK(result.devices.front().address == kHrStrap);  // strongest signal first

    const auto all = list_ble_devices(io, {0.1, true});
    CHECK(all.devices.size() == 3);
    const std::string table = format_ble_devices(result);
    CHECK(table.find("polar:A0:9E:1A:00:00:02") != std::string::npos);
    CHECK(table.find("-58 dBm") != std::string::npos);
}

TEST_CASE("ble_listing_shows_battery_of_a_connected_strap", "[ble][bluez]") {
    BluezStandIn bus;
    bus.control("ConnectElsewhere", std::string(kPolarH10));
    boost::asio::io_context io;
    const auto result = list_ble_devices(io, {0.1, false});
    REQUIRE(result.error.empty());
    const auto it = std::find_if(result.devices.begin(), result.devices.end(),
                                 [](const auto& d) { return d.address == kPolarH10; });
    REQUIRE(it != result.devices.end());
    CHECK(it->connected);
    CHECK(it->battery_percent == 93);
}

TEST_CASE("ble_hr_strap_streams_rr_exactly_as_the_strap_measured", "[ble][bluez]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    Recorder rec;
    BleHeartRateDevice dev(io, config_for(bus, kHrStrap));
    CHECK(dev.info().kind == "ble-hr");
    REQUIRE(dev.info().channels.size() == 2);
    CHECK(dev.info().channels[kChannelRr].kind == attune::signal::ChannelKind::RrInterval);
    dev.start(rec.chunk_sink(), rec.link_sink());
    // 25 strap seconds: one full cycle of the stand-in's edge cases (16-bit HR, energy, held
    // RRs, no RR, three seconds of lost contact).
    run_for(io, 2.5);
    CHECK(rec.saw(LinkState::Streaming));
    CHECK(dev.info().name == "Attune HR Strap");
    check_rr_subsequence_of_truth(rec, bus, kHrStrap, 15);

    // Several RR in one notification (the held second) arrive as one chunk of >= 2 beats.
    const auto rr = rec.of(kChannelRr);
    CHECK(std::any_of(rr.begin(), rr.end(), [](const auto* c) { return c->values.size() >= 2; }));
    // HR values are the heart's (the 16-bit one included), never the 0 sent without contact.
    for (const auto* c : rec.of(kChannelHeartRate)) {
        CHECK(c->values.at(0) >= 50.0f);
        CHECK(c->values.at(0) <= 110.0f);
    }
    // Lost contact: reported, gap marked on the next RR chunk, then streaming again.
    CHECK(rec.saw_detail("no skin contact"));
    CHECK(std::any_of(rr.begin() + 1, rr.end(), [](const auto* c) { return c->gap_before; }));
    CHECK(rec.last() == LinkState::Streaming);
    CHECK(dev.status().battery_percent == 87);

    const std::size_t links_before_stop = rec.links.size();
    dev.stop();
    CHECK(rec.links.size() == links_before_stop);  // no callbacks from stop()
    CHECK_FALSE(bus.device_connected(kHrStrap));  // we connected it, so we disconnect it
}

TEST_CASE("ble_beat_times_come_from_rr_sums_not_arrival", "[ble][bluez][timeline]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    Recorder rec;
    BleHeartRateDevice dev(io, config_for(bus, kHrStrap));
    dev.start(rec.chunk_sink(), rec.link_sink());
    run_for(io, 2.0);
    dev.stop();

    std::vector<std::pair<double, double>> beats;  // (time, rr ms)
    for (const auto* c : rec.of(kChannelRr)) {
        for (std::size_t i = 0; i < c->values.size(); ++i) {
            beats.emplace_back(c->times_s[i], c->values[i]);
            // Within one notification, beats are exactly one RR apart (arrival is one instant).
            if (i > 0) CHECK((c->times_s[i] - c->times_s[i - 1]) * 1000.0 == Approx(c->values[i]).margin(1e-6));
        }
    }
    REQUIRE(beats.size() > 10);
    // Times increase, and match the strap's beat times up to one constant offset: residuals
    // within the (10x scaled) delivery jitter of the stand-in.
    const auto truth = bus.truth(kHrStrap);
    std::vector<double> offsets;
    std::size_t j = 0;
    for (std::size_t i = 0; i < beats.size(); ++i) {
        if (i > 0) CHECK(beats[i].first > beats[i - 1].first);
        while (j < truth.size() && std::abs(std::get<1>(truth[j]) * 1000.0 / 1024.0 - beats[i].second) > 1e-3) ++j;
        REQUIRE(j < truth.size());
        offsets.push_back(beats[i].first - std::get<0>(truth[j]));
        ++j;
    }
    std::vector<double> sorted = offsets;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted[sorted.size() / 2];
    std::size_t within = 0;
    for (double o : offsets) within += std::abs(o - median) < 0.5 ? 1 : 0;  // 50 ms real
    CHECK(within >= offsets.size() * 9 / 10);
}

TEST_CASE("polar_h10_streams_ecg_and_acc_with_the_strap_timestamps", "[ble][bluez][pmd]") {
    BluezStandIn bus;
    bus.control("SetEcgRate", std::string(kPolarH10), 129.2);
    boost::asio::io_context io;
    Recorder rec;
    PolarH10Device dev(io, config_for(bus, kPolarH10));
    REQUIRE(dev.info().channels.size() == 6);
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 5.0, [&] { return rec.count(kChannelEcg) > 60; }));
    CHECK(bus.pmd_state(kPolarH10) == std::pair<bool, bool>{true, true});
    CHECK(dev.status().ecg_rate_hz == Approx(129.2).margin(0.1));

    const auto ecg = rec.of(kChannelEcg);
    float peak = 0.0f;
    for (std::size_t k = 0; k < ecg.size(); ++k) {
        CHECK(ecg[k]->values.size() == 73);
        for (float v : ecg[k]->values) peak = std::max(peak, v);
        if (k > 0 && !ecg[k]->gap_before) {
            CHECK(ecg[k]->rate_hz == Approx(129.2).epsilon(1e-3));
            // Contiguous: this frame starts one sample after the previous frame's last sample
            // (up to the clock mapping's small steps, 10x scaled).
            const double expected = ecg[k - 1]->t0_s + 73.0 / ecg[k - 1]->rate_hz;
            CHECK(ecg[k]->t0_s == Approx(expected).margin(0.15));
        }
    }
    CHECK(peak == Approx(1.2f).margin(0.15f));  // R spikes of 1.2 mV arrive in mV
    const auto z = rec.of(kChannelAccZ);
    REQUIRE(!z.empty());
    for (float v : z.back()->values) CHECK(std::abs(v - 949.0f) <= 31.0f);
    CHECK(rec.of(kChannelAccX).back()->values.front() == -187.0f);
    CHECK(rec.count(kChannelRr) > 0);

    dev.stop();
    CHECK(bus.pmd_state(kPolarH10) == std::pair<bool, bool>{false, false});  // streams stopped on exit
}

TEST_CASE("ble_dropped_link_reconnects_and_marks_the_gap", "[ble][bluez][fault]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    Recorder rec;
    BleHeartRateDevice dev(io, config_for(bus, kHrStrap));
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 3.0, [&] { return rec.count(kChannelRr) > 4; }));
    bus.control("DropLink", std::string(kHrStrap));
    REQUIRE(run_until(io, 2.0, [&] { return rec.last() == LinkState::Disconnected; }));
    CHECK(rec.saw_detail("disconnected"));
    const std::size_t before = rec.count(kChannelRr);
    run_for(io, 0.6);  // out of range: reconnect attempts fail and are explained
    CHECK(rec.saw_detail("out of range"));
    bus.control("SetReachable", std::string(kHrStrap), true);
    REQUIRE(run_until(io, 5.0, [&] { return rec.count(kChannelRr) > before + 3; }));
    CHECK(rec.last() == LinkState::Streaming);
    CHECK(dev.status().reconnects == 1);
    const auto rr = rec.of(kChannelRr);
    CHECK(rr[before]->gap_before);  // the first RR chunk after the drop
    CHECK(rr[before]->times_s.front() > rr[before - 1]->times_s.back());
    check_rr_subsequence_of_truth(rec, bus, kHrStrap, before + 3);
}

TEST_CASE("ble_adapter_unplugged_and_back", "[ble][bluez][fault]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    Recorder rec;
    PolarH10Device dev(io, config_for(bus, kPolarH10));
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 5.0, [&] { return rec.count(kChannelEcg) > 5; }));
    bus.control("PullAdapter");
    REQUIRE(run_until(io, 2.0, [&] { return rec.saw_detail("adapter removed"); }));
    CHECK(rec.last() == LinkState::Disconnected);
    const std::size_t before = rec.count(kChannelEcg);
    bus.control("PlugAdapter");
    REQUIRE(run_until(io, 6.0, [&] { return rec.count(kChannelEcg) > before + 3; }));
    CHECK(rec.of(kChannelEcg)[before]->gap_before);
    CHECK(bus.pmd_state(kPolarH10).first);  // ECG restarted after the reconnect
}

TEST_CASE("ble_notifications_stopping_is_a_stall_then_a_gap", "[ble][bluez][fault]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    Recorder rec;
    BleHeartRateDevice dev(io, config_for(bus, kHrStrap));
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 3.0, [&] { return rec.count(kChannelHeartRate) > 3; }));
    bus.control("SilenceNotifications", std::string(kHrStrap), true);
    REQUIRE(run_until(io, 2.0, [&] { return rec.last() == LinkState::Stalled; }));
    CHECK(rec.saw_detail("no data"));
    const std::size_t before = rec.count(kChannelHeartRate);
    bus.control("SilenceNotifications", std::string(kHrStrap), false);
    REQUIRE(run_until(io, 2.0, [&] { return rec.count(kChannelHeartRate) > before; }));
    CHECK(rec.of(kChannelHeartRate)[before]->gap_before);
    CHECK(rec.last() == LinkState::Streaming);
}

TEST_CASE("ble_strap_already_connected_is_shared_and_explained", "[ble][bluez]") {
    BluezStandIn bus;
    bus.control("ConnectElsewhere", std::string(kHrStrap));
    boost::asio::io_context io;
    Recorder rec;
    BleHeartRateDevice dev(io, config_for(bus, kHrStrap));
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 3.0, [&] { return rec.count(kChannelRr) > 2; }));
    CHECK(rec.saw_detail("already connected"));
    CHECK(dev.status().shared_connection);
    dev.stop();
    CHECK(bus.device_connected(kHrStrap));  // not ours to disconnect
}

TEST_CASE("ble_unreachable_polar_says_why", "[ble][bluez][fault]") {
    BluezStandIn bus;
    bus.control("SetReachable", std::string(kPolarH10), false);
    boost::asio::io_context io;
    Recorder rec;
    PolarH10Device dev(io, config_for(bus, kPolarH10));
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 2.0, [&] { return rec.last() == LinkState::Disconnected; }));
    CHECK(rec.saw_detail("2 BLE connections"));
    CHECK(rec.chunks.empty());
}

TEST_CASE("ble_without_a_bus_fails_with_a_clear_message", "[ble][bluez]") {
    const char* old = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    const std::string saved = old ? old : "";
    setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/attune-no-bus", 1);
    boost::asio::io_context io;
    BleHeartRateDevice dev(io, BleDeviceConfig{kHrStrap});
    CHECK_THROWS_WITH(dev.start([](const auto&) {}, [](auto, const auto&) {}),
                      Catch::Matchers::Contains("system D-Bus"));
    const auto listing = list_ble_devices(io, {0.05, false});
    CHECK(listing.error.find("D-Bus") != std::string::npos);
    CHECK_THROWS_AS(BleHeartRateDevice(io, BleDeviceConfig{"not-an-address"}), std::invalid_argument);
    if (old) setenv("DBUS_SYSTEM_BUS_ADDRESS", saved.c_str(), 1);
    else unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

TEST_CASE("ble_device_specs_and_the_remembered_strap", "[ble][bluez][settings]") {
    BluezStandIn bus;
    char tmpl[] = "/tmp/attune-xdg-XXXXXX";
    const std::string xdg = mkdtemp(tmpl);
    const char* old = std::getenv("XDG_CONFIG_HOME");
    const std::string saved = old ? old : "";
    setenv("XDG_CONFIG_HOME", xdg.c_str(), 1);
    boost::asio::io_context io;

    CHECK_THROWS_WITH(make_ble_device(io, "ble", "a"), Catch::Matchers::Contains("attune devices --ble"));
    CHECK_THROWS_AS(make_ble_device(io, "polar:nonsense", "a"), std::invalid_argument);
    {
        auto dev = make_ble_device(io, std::string("polar:") + kPolarH10, "a");
        CHECK(dev->info().kind == "polar-h10");
        Recorder rec;
        dev->start(rec.chunk_sink(), rec.link_sink());
        REQUIRE(run_until(io, 3.0, [&] { return rec.count(kChannelHeartRate) > 0; }));
        dev->stop();
    }
    // Next session: just "ble" for partner a finds the H10 and its name again.
    const auto again = make_ble_device(io, "ble", "a");
    CHECK(again->info().kind == "polar-h10");
    CHECK(again->info().address == kPolarH10);
    CHECK(again->info().name == "Polar H10 0A1B2C3D");
    CHECK_THROWS(make_ble_device(io, "ble", "b"));  // nothing remembered for partner b

    if (old) setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
    else unsetenv("XDG_CONFIG_HOME");
    std::filesystem::remove_all(xdg);
}

TEST_CASE("polar_ecg_stopping_while_hr_flows_restarts_the_streams", "[ble][bluez][fault][pmd]") {
    BluezStandIn bus;
    boost::asio::io_context io;
    Recorder rec;
    PolarH10Device dev(io, config_for(bus, kPolarH10));
    dev.start(rec.chunk_sink(), rec.link_sink());
    REQUIRE(run_until(io, 5.0, [&] { return rec.count(kChannelEcg) > 5; }));
    CHECK(rec.saw_detail("waiting for ECG"));
    CHECK(rec.saw_detail("streaming heart rate, RR, ECG and ACC"));
    bus.control("HaltPmd", std::string(kPolarH10));
    const std::size_t hr_before = rec.count(kChannelHeartRate);
    run_for(io, 0.3);
    const std::size_t before = rec.count(kChannelEcg);
    REQUIRE(run_until(io, 3.0, [&] { return rec.count(kChannelEcg) > before + 3; }));
    CHECK(rec.count(kChannelHeartRate) > hr_before);  // heart rate never stopped
    CHECK(rec.of(kChannelEcg)[before]->gap_before);
    CHECK(rec.of(kChannelAccZ).back()->values.size() == 36);
    CHECK(bus.pmd_state(kPolarH10) == std::pair<bool, bool>{true, true});
}
