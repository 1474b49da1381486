// BLE heart-rate straps and the Polar H10 as Devices (see ble_devices.hpp for the contract).
//
// [SECTION] connection state machine: find -> connect -> services resolved -> subscribe
// [SECTION] decoding: HR notifications -> HR + RR chunks; PMD frames -> ECG + ACC chunks
// [SECTION] faults: link lost, stall watchdog, skin contact, reconnect backoff
// [SECTION] stop: PMD streams stopped, notifications and link released
#include "attune/bridge/ble/ble_devices.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <stdexcept>

#include "attune/bridge/ble/ble_discovery.hpp"
#include "attune/bridge/ble/gatt_parsers.hpp"
#include "attune/bridge/ble/pmd_stream_clock.hpp"
#include "attune/bridge/ble/strap_memory.hpp"
#include "attune/signal/rr_beat_timeline.hpp"
#include "bluez_client.hpp"

namespace attune::bridge::ble {

namespace asio = boost::asio;

namespace {

double steady_now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<signal::ChannelSpec> strap_channels(bool polar) {
    std::vector<signal::ChannelSpec> ch{{"HR", signal::ChannelKind::HeartRate, 0.0, "bpm"},
                                        {"RR", signal::ChannelKind::RrInterval, 0.0, "ms"}};
    if (polar) {
        ch.push_back({"ECG", signal::ChannelKind::Ecg, 130.0, "mV"});
        ch.push_back({"AccX", signal::ChannelKind::AccX, 200.0, "mG"});
        ch.push_back({"AccY", signal::ChannelKind::AccY, 200.0, "mG"});
        ch.push_back({"AccZ", signal::ChannelKind::AccZ, 200.0, "mG"});
    }
    return ch;
}

// What a failed Connect means to a person holding a strap.
std::string explain_connect_failure(const BusError& e, bool polar) {
    std::string why = "could not connect (" + e.name + ": " + e.message + "): ";
    if (e.name == "org.bluez.Error.NotReady")
        return why + "the Bluetooth adapter is off (bluetoothctl power on)";
    why += "the strap is out of range, not worn (it sleeps when its electrodes are dry), or connected to "
           "another phone or computer";
    if (polar) why += " (a Polar H10 serves a second host only with \"2 BLE connections\" enabled in Polar Flow)";
    return why;
}

}  // namespace

struct BleStrapDevice::Impl {
    enum class Phase { Idle, Searching, Connecting, Resolving, Subscribing, Streaming, Backoff, Stopped };

    Impl(asio::io_context& io_, BleDeviceConfig cfg, bool is_polar)
        : io(io_), config(std::move(cfg)), polar(is_polar), retry_timer(io_), watchdog(io_),
          ecg_clock(130.0), acc_clock(200.0) {
        info.kind = polar ? "polar-h10" : "ble-hr";
        info.name = config.name.empty() ? (polar ? "Polar H10" : "BLE heart-rate strap") : config.name;
        info.address = config.address;
        info.channels = strap_channels(polar);
        info.session_clock = false;
        pending_gap.assign(info.channels.size(), false);
        // Chunk vectors are reused: after warm-up no allocation per notification.
        hr_chunk.channel = kChannelHeartRate;
        rr_chunk.channel = kChannelRr;
    }

    asio::io_context& io;
    BleDeviceConfig config;
    bool polar;
    DeviceInfo info;
    ChunkSink on_chunk;
    LinkSink on_link;
    std::unique_ptr<BluezClient> client;
    asio::steady_timer retry_timer;
    asio::steady_timer watchdog;
    std::shared_ptr<int> alive = std::make_shared<int>(0);  // guards timer callbacks

    Phase phase = Phase::Idle;
    LinkState link = LinkState::Stopped;
    std::string device_path;
    std::string hr_char, cp_char, data_char, battery_char;
    bool we_connected = false;
    bool discovering = false;
    bool ever_streamed = false;
    bool lost_since_stream = false;
    double backoff_s = 0.0;
    double last_data_s = 0.0;
    double stalled_since_s = 0.0;
    int pmd_step = 0;  // 0 none, 1 ECG start sent, 2 ACC start sent, 3 done
    double ecg_requested_s = 0.0;  // when the running ECG start was accepted
    double last_ecg_s = 0.0;       // last ECG frame (0: none since the start)
    int pmd_restarts = 0;
    BleStatus status;

    signal::RrBeatTimeline timeline;
    PmdStreamClock ecg_clock;
    PmdStreamClock acc_clock;
    std::vector<bool> pending_gap;
    HeartRateMeasurement hrm;
    PmdEcgFrame ecg_frame;
    PmdAccFrame acc_frame;
    PmdControlResponse cp_response;
    std::array<signal::TimedBeat, kMaxRrPerNotification> beats{};
    signal::SampleChunk hr_chunk, rr_chunk, ecg_chunk, acc_chunk[3];

    double now() const { return config.clock ? config.clock() : steady_now_s(); }
    std::chrono::steady_clock::duration scaled(double seconds) const {
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(seconds / std::max(config.time_scale, 1e-6)));
    }

    void set_link(LinkState state, const std::string& detail) {
        if (state == link && detail == status.last_error) return;
        link = state;
        status.last_error = detail;
        if (on_link) on_link(state, detail);
    }

    void mark_gap() {
        timeline.mark_gap();
        ecg_clock.mark_gap();
        acc_clock.mark_gap();
        std::fill(pending_gap.begin(), pending_gap.end(), true);
        ++status.gaps;
    }

    // -----------------------------------------------------------------------------------------
    // [SECTION] connection state machine
    // -----------------------------------------------------------------------------------------

    void start() {
        client = std::make_unique<BluezClient>(io);  // throws: no bus / no BlueZ
        client->on_properties_changed = [this](const std::string& path, const std::string& iface,
                                               const PropertyMap& changed) { on_properties(path, iface, changed); };
        client->on_object_added = [this](const std::string& path) {
            // Our strap (re)appeared (found by the scan, or the adapter came back): try now
            // rather than at the end of the backoff.
            if (phase == Phase::Searching || phase == Phase::Backoff)
                if (auto d = client->device_by_path(path); d && d->address == config.address) {
                    backoff_s = 0.0;
                    attempt();
                }
        };
        client->on_object_removed = [this](const std::string& path, const std::vector<std::string>& ifaces) {
            on_removed(path, ifaces);
        };
        set_link(LinkState::Connecting, "looking for " + config.address);
        arm_watchdog();
        attempt();
    }

    void attempt() {
        if (phase == Phase::Stopped) return;
        retry_timer.cancel();
        if (!client->adapter_path()) {
            phase = Phase::Backoff;
            device_path.clear();
            set_link(LinkState::Disconnected, "no Bluetooth adapter (unplugged or powered off); retrying");
            schedule_retry();
            return;
        }
        const auto dev = client->device_by_address(config.address);
        if (!dev) {
            // Not known to BlueZ yet: scan; on_object_added brings us back when it shows up.
            phase = Phase::Searching;
            device_path.clear();
            if (!discovering) {
                discovering = true;
                client->start_discovery([this](const std::optional<BusError>& e) {
                    if (e) discovering = false;
                });
            }
            set_link(link == LinkState::Disconnected ? LinkState::Disconnected : LinkState::Connecting,
                     "searching for " + config.address + " (wear the strap: it sleeps when dry)");
            schedule_retry();
            return;
        }
        if (discovering) {
            // Scanning slows connections down on many adapters: stop once the strap is known.
            discovering = false;
            client->stop_discovery([](const std::optional<BusError>&) {});
        }
        device_path = dev->path;
        if (!dev->name.empty()) info.name = dev->name;
        if (dev->battery_percent) status.battery_percent = dev->battery_percent;
        if (dev->connected) {
            // Connected already, but not by us: another program on this computer holds it.
            // BlueZ shares the link; say so, and never disconnect it on stop().
            if (!we_connected) {
                status.shared_connection = true;
                set_link(LinkState::Connecting,
                         "already connected to this computer by another program: sharing its connection");
            }
            phase = Phase::Resolving;
            if (dev->services_resolved) subscribe();
            return;
        }
        phase = Phase::Connecting;
        set_link(LinkState::Connecting, "connecting to " + info.name);
        client->connect_device(device_path, [this](const std::optional<BusError>& e) { on_connect_reply(e); });
    }

    void on_connect_reply(const std::optional<BusError>& e) {
        if (phase != Phase::Connecting) return;
        if (!e) {
            we_connected = true;
            phase = Phase::Resolving;
            if (auto d = client->device_by_path(device_path); d && d->services_resolved) subscribe();
            return;
        }
        if (e->name == "org.bluez.Error.AlreadyConnected") {
            status.shared_connection = !we_connected;
            set_link(LinkState::Connecting, "already connected to this computer by another program: sharing it");
            phase = Phase::Resolving;
            if (auto d = client->device_by_path(device_path); d && d->services_resolved) subscribe();
            return;
        }
        if (e->name == "org.bluez.Error.InProgress") return;  // someone else's connect: wait for it
        phase = Phase::Backoff;
        set_link(LinkState::Disconnected, explain_connect_failure(*e, polar));
        schedule_retry();
    }

    void subscribe() {
        if (phase != Phase::Resolving) return;
        phase = Phase::Subscribing;
        const std::string hr_service(kHeartRateServiceUuid);
        hr_char = client->characteristic(device_path, hr_service, std::string(kHeartRateMeasurementUuid)).value_or("");
        battery_char = client->characteristic(device_path, std::string(kBatteryServiceUuid),
                                              std::string(kBatteryLevelUuid)).value_or("");
        if (hr_char.empty()) {
            phase = Phase::Backoff;
            set_link(LinkState::Disconnected, info.name + " has no Heart Rate Measurement characteristic (0x2A37): "
                                                          "not a heart-rate strap?");
            schedule_retry();
            return;
        }
        client->start_notify(hr_char, [this](const std::optional<BusError>& e) {
            if (e) return fail_and_retry("could not subscribe to heart rate: " + e->name + ": " + e->message);
            if (phase == Phase::Subscribing) {
                phase = Phase::Streaming;
                last_data_s = now();
                // Notifications may have overtaken this reply: never step back from Streaming.
                if (link != LinkState::Streaming && link != LinkState::Stalled)
                    set_link(LinkState::Connecting, "connected to " + info.name + ", waiting for data");
            }
        });
        if (!battery_char.empty())
            client->read_value(battery_char, [this](const std::optional<BusError>& e, const std::vector<std::uint8_t>& v) {
                if (!e)
                    if (auto pct = parse_battery_level(v)) status.battery_percent = *pct;
            });
        if (polar) start_pmd();
    }

    void start_pmd() {
        const std::string pmd(kPmdServiceUuid);
        cp_char = client->characteristic(device_path, pmd, std::string(kPmdControlUuid)).value_or("");
        data_char = client->characteristic(device_path, pmd, std::string(kPmdDataUuid)).value_or("");
        if (cp_char.empty() || data_char.empty()) {
            status.last_error = "no Polar PMD service: streaming heart rate and RR only";
            return;
        }
        pmd_step = 0;
        // Indications on the control point carry the responses; data notifications the frames.
        client->start_notify(cp_char, [this](const std::optional<BusError>& e) {
            if (e) {
                status.last_error = "PMD control point: " + e->message + " (heart rate and RR continue)";
                return;
            }
            client->start_notify(data_char, [this](const std::optional<BusError>& e2) {
                if (e2) {
                    status.last_error = "PMD data: " + e2->message;
                    return;
                }
                next_pmd_start();
            });
        });
    }

    void next_pmd_start() {
        if (pmd_step == 0 && config.start_ecg) {
            pmd_step = 1;
            write_cp(pmd_start_ecg_130hz());
            return;
        }
        if (pmd_step <= 1 && config.start_acc) {
            pmd_step = 2;
            write_cp(pmd_start_acc_200hz_8g());
            return;
        }
        pmd_step = 3;
    }

    void write_cp(const std::vector<std::uint8_t>& command) {
        client->write_value(cp_char, command, [this](const std::optional<BusError>& e) {
            if (e) status.last_error = "PMD command refused: " + e->name + ": " + e->message;
        });
    }

    double t_now() const { return now(); }

    // The H10 can take ~30 s after the start command before its first ECG frame: say so.
    void waiting_for_ecg(double t) {
        status.waiting_for_ecg = true;
        ecg_requested_s = t;
        last_ecg_s = 0.0;
        set_link(link == LinkState::Streaming ? LinkState::Streaming : LinkState::Connecting,
                 "waiting for ECG from " + info.name + " (the H10 can take ~30 s to start it)");
    }

    void on_pmd_response(const std::vector<std::uint8_t>& bytes) {
        if (parse_pmd_control_response(bytes, cp_response) != ParseError::None) return;
        if (cp_response.opcode != static_cast<std::uint8_t>(PmdOpcode::Start)) return;
        const bool ecg = cp_response.measurement_type == static_cast<std::uint8_t>(PmdMeasurement::Ecg);
        if (cp_response.ok()) {
            if (ecg) waiting_for_ecg(t_now());
        } else if (cp_response.status == PmdStatus::AlreadyInState) {
            // Another client (a second host, or another program here) already runs it: the
            // frames reach us too.
            status.last_error = std::string(ecg ? "ECG" : "ACC") +
                                " stream was already running (started by another program or host)";
            if (ecg) waiting_for_ecg(t_now());
        } else {
            status.last_error = std::string("Polar refused to start ") + (ecg ? "ECG" : "ACC") + ": " +
                                std::string(describe(cp_response.status));
        }
        next_pmd_start();
    }

    // -----------------------------------------------------------------------------------------
    // [SECTION] decoding
    // -----------------------------------------------------------------------------------------

    void on_properties(const std::string& path, const std::string& iface, const PropertyMap& changed) {
        if (phase == Phase::Stopped) return;
        if (iface == kGattCharIface) {
            const auto value = value_bytes(changed);
            if (!value) return;
            if (path == hr_char) on_heart_rate(*value);
            else if (path == data_char) on_pmd_data(*value);
            else if (path == cp_char) on_pmd_response(*value);
            return;
        }
        if (iface == kDeviceIface && path == device_path) {
            if (auto connected = bool_property(changed, "Connected"); connected && !*connected)
                return link_lost(info.name + " disconnected (out of range, battery, or strap taken off)");
            if (auto resolved = bool_property(changed, "ServicesResolved"); resolved && *resolved)
                if (phase == Phase::Resolving) subscribe();
            return;
        }
        if (iface == kBatteryIface && path == device_path) {
            if (auto it = changed.find("Percentage"); it != changed.end() && it->second.containsValueOfType<std::uint8_t>())
                status.battery_percent = it->second.get<std::uint8_t>();
        }
    }

    void data_arrived(double t) {
        if (!ever_streamed && !config.remember_for_partner.empty()) remember_strap_name();
        last_data_s = t;
        if (lost_since_stream && ever_streamed) ++status.reconnects;
        lost_since_stream = false;
        ever_streamed = true;
        backoff_s = 0.0;
        if (link != LinkState::Streaming && status.skin_contact) set_link(LinkState::Streaming, "streaming from " + info.name);
    }

    void remember_strap_name() {
        try {
            StrapMemory memory;
            memory.remember(config.remember_for_partner, {(polar ? "polar:" : "ble:") + config.address, info.name});
        } catch (const std::exception&) {
            // A convenience only: an unwritable config directory must not stop the stream.
        }
    }

    void emit(signal::SampleChunk& chunk) {
        chunk.gap_before = chunk.gap_before || pending_gap[chunk.channel];
        pending_gap[chunk.channel] = false;
        if (on_chunk) on_chunk(chunk);
    }

    void on_heart_rate(const std::vector<std::uint8_t>& bytes) {
        const double t = now();
        if (parse_heart_rate_measurement(bytes, hrm) != ParseError::None) return;  // malformed: skip
        data_arrived(t);
        if (hrm.skin_contact_lost()) {
            if (status.skin_contact) {
                status.skin_contact = false;
                mark_gap();
                set_link(LinkState::Stalled, "no skin contact: strap taken off or electrodes dry");
            }
            return;  // HR and RR without contact are not a heart's
        }
        if (!status.skin_contact) {
            status.skin_contact = true;
            set_link(LinkState::Streaming, "skin contact restored");
        }
        hr_chunk.values.assign(1, static_cast<float>(hrm.heart_rate_bpm));
        hr_chunk.times_s.assign(1, t);
        hr_chunk.gap_before = false;
        emit(hr_chunk);

        const std::size_t n = timeline.push(t, hrm.rr(), beats);
        if (n == 0) return;
        rr_chunk.values.clear();
        rr_chunk.times_s.clear();
        rr_chunk.gap_before = beats[0].after_gap;
        for (std::size_t i = 0; i < n; ++i) {
            rr_chunk.values.push_back(static_cast<float>(rr_1024_to_ms(beats[i].rr_1024)));
            rr_chunk.times_s.push_back(beats[i].time_s);
        }
        emit(rr_chunk);
    }

    void on_pmd_data(const std::vector<std::uint8_t>& bytes) {
        const double t = now();
        if (bytes.empty()) return;
        if (bytes[0] == static_cast<std::uint8_t>(PmdMeasurement::Ecg)) {
            if (parse_pmd_ecg_frame(bytes, ecg_frame) != ParseError::None || ecg_frame.microvolts.empty()) return;
            data_arrived(t);
            if (status.waiting_for_ecg) {
                status.waiting_for_ecg = false;
                set_link(LinkState::Streaming, "streaming heart rate, RR, ECG" +
                                                   std::string(config.start_acc ? " and ACC" : "") + " from " + info.name);
            }
            last_ecg_s = t;
            const auto timing = ecg_clock.push(ecg_frame.header.timestamp_ns, ecg_frame.microvolts.size(), t);
            status.ecg_rate_hz = ecg_clock.estimated_rate_hz();
            ecg_chunk.channel = kChannelEcg;
            ecg_chunk.t0_s = timing.t0_s;
            ecg_chunk.rate_hz = timing.rate_hz;
            ecg_chunk.gap_before = timing.gap_before;
            ecg_chunk.values.clear();
            for (std::int32_t uv : ecg_frame.microvolts) ecg_chunk.values.push_back(static_cast<float>(uv) * 1e-3f);
            emit(ecg_chunk);
        } else if (bytes[0] == static_cast<std::uint8_t>(PmdMeasurement::Acc)) {
            if (parse_pmd_acc_frame(bytes, acc_frame) != ParseError::None || acc_frame.samples.empty()) return;
            data_arrived(t);
            const auto timing = acc_clock.push(acc_frame.header.timestamp_ns, acc_frame.samples.size(), t);
            for (int axis = 0; axis < 3; ++axis) {
                auto& c = acc_chunk[axis];
                c.channel = kChannelAccX + static_cast<std::size_t>(axis);
                c.t0_s = timing.t0_s;
                c.rate_hz = timing.rate_hz;
                c.gap_before = timing.gap_before;
                c.values.clear();
                for (const auto& s : acc_frame.samples)
                    c.values.push_back(static_cast<float>(axis == 0 ? s.x_mg : axis == 1 ? s.y_mg : s.z_mg));
                emit(c);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // [SECTION] faults
    // -----------------------------------------------------------------------------------------

    void on_removed(const std::string& path, const std::vector<std::string>& ifaces) {
        if (phase == Phase::Stopped) return;
        const bool adapter_gone = std::find(ifaces.begin(), ifaces.end(), kAdapterIface) != ifaces.end() &&
                                  device_path.rfind(path + "/", 0) == 0;
        if (adapter_gone) {
            // BlueZ removes the devices first, so the link is usually already down: refine why.
            if (phase == Phase::Backoff) set_link(LinkState::Disconnected, "Bluetooth adapter removed; waiting for it");
            return link_lost("Bluetooth adapter removed");
        }
        if (path == device_path && std::find(ifaces.begin(), ifaces.end(), kDeviceIface) != ifaces.end())
            return link_lost(info.name + " disappeared from BlueZ");
    }

    void link_lost(const std::string& why) {
        if (phase == Phase::Backoff || phase == Phase::Stopped || phase == Phase::Searching) return;
        const bool was_up = phase == Phase::Streaming || phase == Phase::Subscribing || phase == Phase::Resolving;
        phase = Phase::Backoff;
        hr_char.clear();
        cp_char.clear();
        data_char.clear();
        battery_char.clear();
        we_connected = false;
        status.waiting_for_ecg = false;
        if (was_up) {
            mark_gap();
            lost_since_stream = true;
        }
        set_link(LinkState::Disconnected, why + "; reconnecting");
        schedule_retry();
    }

    void fail_and_retry(const std::string& why) {
        phase = Phase::Resolving;  // so link_lost counts it as up
        link_lost(why);
    }

    void schedule_retry() {
        backoff_s = backoff_s <= 0.0 ? config.backoff_initial_s : std::min(backoff_s * 2.0, config.backoff_max_s);
        retry_timer.expires_after(scaled(backoff_s));
        retry_timer.async_wait([this, weak = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
            if (ec || !weak.lock()) return;
            if (phase == Phase::Backoff || phase == Phase::Searching) attempt();
        });
    }

    void arm_watchdog() {
        watchdog.expires_after(scaled(0.5));
        watchdog.async_wait([this, weak = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
            if (ec || !weak.lock() || phase == Phase::Stopped) return;
            check_stall();
            arm_watchdog();
        });
    }

    // ECG frames stopped while heart rate still flows (the strap dropped the PMD stream):
    // mark the gap and send the start commands again. Before the first frame allow the H10's
    // documented ~30 s start-up (x2).
    void check_ecg_stall(double t) {
        if (!polar || !config.start_ecg || cp_char.empty() || pmd_step != 3) return;
        const bool started = last_ecg_s > 0.0;
        const double silent = started ? t - last_ecg_s : t - ecg_requested_s;
        const double limit = started ? config.stall_timeout_s : 60.0;
        if (ecg_requested_s <= 0.0 || silent <= limit) return;
        ++pmd_restarts;
        ++status.gaps;
        std::fill(pending_gap.begin() + kChannelEcg, pending_gap.end(), true);
        ecg_clock.mark_gap();
        acc_clock.mark_gap();
        status.last_error = "ECG stopped arriving: restarting the Polar streams";
        ecg_requested_s = t;
        last_ecg_s = 0.0;
        pmd_step = 0;
        next_pmd_start();
    }

    void check_stall() {
        if (phase != Phase::Streaming) return;
        const double t = now();
        check_ecg_stall(t);
        const double silent = t - last_data_s;
        if (silent > config.stall_timeout_s && link != LinkState::Stalled) {
            stalled_since_s = t;
            mark_gap();
            set_link(LinkState::Stalled, "no data from " + info.name + " for " +
                                             std::to_string(static_cast<int>(silent)) + " s");
        } else if (link == LinkState::Stalled && status.skin_contact && t - stalled_since_s > config.stall_reconnect_s) {
            // Notifications stopped but BlueZ still reports the link: drop it and start over.
            const std::string path = device_path;
            link_lost("notifications stopped");
            if (!path.empty()) client->disconnect_device(path, [](const std::optional<BusError>&) {});
        }
    }

    // -----------------------------------------------------------------------------------------
    // [SECTION] stop
    // -----------------------------------------------------------------------------------------

    void stop() {
        // No callbacks from here on: the host asked for this, and during teardown its sinks
        // (an engine's observers) may already be gone.
        on_chunk = nullptr;
        on_link = nullptr;
        if (phase == Phase::Stopped || !client) {
            phase = Phase::Stopped;
            return;
        }
        const bool up = phase == Phase::Streaming || phase == Phase::Subscribing;
        phase = Phase::Stopped;
        retry_timer.cancel();
        watchdog.cancel();
        if (up) {
            // Stop the strap's raw streams, or the H10 keeps sampling (and draining its battery)
            // until it loses skin contact.
            if (!cp_char.empty()) {
                if (config.start_ecg) client->write_value_blocking(cp_char, pmd_stop_command(PmdMeasurement::Ecg));
                if (config.start_acc) client->write_value_blocking(cp_char, pmd_stop_command(PmdMeasurement::Acc));
            }
            for (const std::string* c : {&data_char, &cp_char, &hr_char})
                if (!c->empty()) client->call_blocking(*c, kGattCharIface, "StopNotify");
        }
        if (discovering) client->call_blocking(client->adapter_path().value_or(""), kAdapterIface, "StopDiscovery");
        if (we_connected && !device_path.empty()) client->call_blocking(device_path, kDeviceIface, "Disconnect");
        set_link(LinkState::Stopped, "stopped");
        client.reset();
    }
};

BleStrapDevice::BleStrapDevice(asio::io_context& io, BleDeviceConfig config, bool polar) {
    if (!is_ble_address(config.address))
        throw std::invalid_argument("'" + config.address + "' is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)");
    for (char& c : config.address) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    impl_ = std::make_unique<Impl>(io, std::move(config), polar);
}

BleStrapDevice::~BleStrapDevice() {
    try {
        impl_->stop();
    } catch (...) {
        // Never throw from a destructor; the strap stops its streams when it loses the link.
    }
}

const DeviceInfo& BleStrapDevice::info() const { return impl_->info; }

void BleStrapDevice::start(ChunkSink on_chunk, LinkSink on_link) {
    impl_->on_chunk = std::move(on_chunk);
    impl_->on_link = std::move(on_link);
    impl_->phase = Impl::Phase::Idle;
    impl_->start();
}

void BleStrapDevice::stop() { impl_->stop(); }

BleStatus BleStrapDevice::status() const {
    BleStatus s = impl_->status;
    s.gaps += impl_->timeline.gaps_detected();  // beats lost without the link noticing
    return s;
}

DevicePtr make_ble_device(asio::io_context& io, const std::string& spec, const std::string& partner) {
    const auto colon = spec.find(':');
    const std::string scheme = spec.substr(0, colon);
    std::string address = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if (scheme != "ble" && scheme != "polar") throw std::invalid_argument("not a BLE device spec: '" + spec + "'");
    bool polar = scheme == "polar";
    std::string name;
    if (address.empty() || address == "remembered") {
        StrapMemory memory;
        const auto strap = memory.for_partner(partner);
        if (!strap || (polar && strap->spec.rfind("polar:", 0) != 0))
            throw std::invalid_argument("no " + std::string(polar ? "Polar H10" : "strap") + " remembered for partner " +
                                        partner + (memory.load_error().empty() ? "" : " (" + memory.load_error() + ")") +
                                        ": list straps with `attune devices --ble` and pass ble:ADDRESS or "
                                        "polar:ADDRESS once");
        polar = strap->spec.rfind("polar:", 0) == 0;
        address = strap->spec.substr(strap->spec.find(':') + 1);
        name = strap->name;
    } else {
        if (!is_ble_address(address))
            throw std::invalid_argument("'" + address + "' is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)");
        try {
            StrapMemory memory;
            const auto previous = memory.for_partner(partner);
            memory.remember(partner, {spec, previous && previous->spec == spec ? previous->name : ""});
        } catch (const std::exception&) {
            // Remembering is a convenience: a read-only home must not stop the session.
        }
    }
    BleDeviceConfig config;
    config.address = address;
    config.name = name;
    config.remember_for_partner = partner;
    if (polar) return std::make_unique<PolarH10Device>(io, std::move(config));
    return std::make_unique<BleHeartRateDevice>(io, std::move(config));
}

}  // namespace attune::bridge::ble
