// attune-board-sim: a virtual Attune board. Runs the real firmware .elf in simavr (an
// ATmega328P at 16 MHz), feeds its ADC pins with the voltages an AD8232 ECG front end and a
// stretch-belt divider would produce for a hardware::PartnerModel, and connects its UART to a
// pseudo-terminal, so host code talks to the actual firmware as to a plugged-in board.
//
//   attune-board-sim [--elf FILE] [--seed N] [--hr BPM] [--resp BPM] [--speed X] [--duration S]
//                    [--link PATH] [--lead-off-at S --lead-off-for S] [--truth DIR]
//
// Prints "PTY <path>" and "T0 <seconds>" (the host steady clock at AVR time 0) on stdout, then
// runs until --duration simulated seconds, SIGINT/SIGTERM or stdin closing.
// SIGUSR1 "unplugs" the cable for --unplug-for seconds: the pty is closed (the host sees the
// port vanish), the firmware keeps running, then a new pty appears behind the same --link.
//
// [SECTION] options  [SECTION] signals for the pins  [SECTION] pty  [SECTION] the AVR  [SECTION] main
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_irq.h>
#include <sim_io.h>
#include <avr_adc.h>
#include <avr_ioport.h>
#include <avr_uart.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "attune/hardware/partner_model.hpp"

namespace {
namespace hardware = attune::hardware;

// [SECTION] options ---------------------------------------------------------------------
struct Options {
    std::string elf = ATTUNE_FIRMWARE_ELF;
    std::uint64_t seed = 1;
    double hr_bpm = 66.0;
    double resp_bpm = 12.0;
    double speed = 1.0;      // simulated seconds per wall second; 0 = as fast as possible
    double duration_s = 0.0; // 0 = until stopped
    std::string link;
    double lead_off_at_s = -1.0;
    double lead_off_for_s = 0.0;
    double unplug_for_s = 2.0;
    std::string truth_dir;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "attune-board-sim: %s\nusage: attune-board-sim [--elf FILE] [--seed N] [--hr BPM] "
                 "[--resp BPM] [--speed X] [--duration S] [--link PATH] [--lead-off-at S] "
                 "[--lead-off-for S] [--unplug-for S] [--truth DIR]\n",
                 why);
    std::exit(2);
}

double parse_number(const char* s, const char* name) {
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || !(v == v)) usage((std::string("bad number for ") + name).c_str());
    return v;
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage((a + " needs a value").c_str());
            return argv[++i];
        };
        if (a == "--elf") o.elf = value();
        else if (a == "--seed") o.seed = static_cast<std::uint64_t>(parse_number(value(), "--seed"));
        else if (a == "--hr") o.hr_bpm = parse_number(value(), "--hr");
        else if (a == "--resp") o.resp_bpm = parse_number(value(), "--resp");
        else if (a == "--speed") o.speed = parse_number(value(), "--speed");
        else if (a == "--duration") o.duration_s = parse_number(value(), "--duration");
        else if (a == "--link") o.link = value();
        else if (a == "--lead-off-at") o.lead_off_at_s = parse_number(value(), "--lead-off-at");
        else if (a == "--lead-off-for") o.lead_off_for_s = parse_number(value(), "--lead-off-for");
        else if (a == "--unplug-for") o.unplug_for_s = parse_number(value(), "--unplug-for");
        else if (a == "--truth") o.truth_dir = value();
        else usage(("unknown option " + a).c_str());
    }
    if (o.speed < 0.0 || o.hr_bpm < 20.0 || o.hr_bpm > 250.0) usage("option out of range");
    return o;
}

// [SECTION] signals for the pins --------------------------------------------------------
// The partner's ECG (250 Hz) and belt (50 Hz), generated ahead of the AVR in half-second
// steps and linearly interpolated at the instant each ADC conversion starts.
class PinSignals {
public:
    explicit PinSignals(hardware::PartnerModel model) : model_(std::move(model)) {}

    // Voltages in millivolts at AVR time t (monotonic non-decreasing).
    double ecg_mv(double t) {
        fill_to(t);
        // AD8232: gain 1100, output centred on 1.5 V, clipped by its 3 V supply rail.
        return std::clamp(1500.0 + 1100.0 * interpolate(ecg_, ecg_base_, kEcgRate, t), 0.0, 3000.0);
    }
    double resp_mv(double t) {
        fill_to(t);
        // Stretch sensor in a divider: 1 V relaxed, +3 V per unit of belt extension.
        return std::clamp(1000.0 + 3000.0 * interpolate(resp_, resp_base_, kRespRate, t), 0.0, 5000.0);
    }
    const hardware::PartnerModel& model() const { return model_; }

private:
    static constexpr double kEcgRate = 250.0, kRespRate = 50.0;

    void fill_to(double t) {
        while (generated_s_ < t + 0.1) {
            generated_s_ += 0.5;
            for (const auto& chunk : model_.advance_to(generated_s_)) {
                if (chunk.channel == hardware::kSimEcg) ecg_.insert(ecg_.end(), chunk.values.begin(), chunk.values.end());
                if (chunk.channel == hardware::kSimResp) resp_.insert(resp_.end(), chunk.values.begin(), chunk.values.end());
            }
        }
        trim(ecg_, ecg_base_, kEcgRate, t);
        trim(resp_, resp_base_, kRespRate, t);
    }
    static void trim(std::deque<float>& d, std::size_t& base, double rate, double t) {
        const double keep_from = (t - 1.0) * rate;
        while (!d.empty() && static_cast<double>(base) < keep_from) {
            d.pop_front();
            ++base;
        }
    }
    static double interpolate(const std::deque<float>& d, std::size_t base, double rate, double t) {
        if (d.empty()) return 0.0;
        const double pos = std::max(0.0, t * rate - static_cast<double>(base));
        const std::size_t i = std::min(static_cast<std::size_t>(pos), d.size() - 1);
        const std::size_t j = std::min(i + 1, d.size() - 1);
        const double frac = std::min(1.0, pos - static_cast<double>(i));
        return d[i] + (d[j] - d[i]) * frac;
    }

    hardware::PartnerModel model_;
    double generated_s_ = 0.0;
    std::deque<float> ecg_, resp_;
    std::size_t ecg_base_ = 0, resp_base_ = 0;
};

// [SECTION] pty -------------------------------------------------------------------------
// The board's end of the "USB cable": the master side of a pseudo-terminal. Bytes the AVR
// transmits are queued and written without blocking; while unplugged they are lost, as on a
// real board whose cable is pulled.
class PtyPort {
public:
    explicit PtyPort(std::string link) : link_(std::move(link)) {}
    ~PtyPort() { unplug(); }

    bool plug() {
        int slave = -1;
        char name[256] = {};
        if (openpty(&master_, &slave, name, nullptr, nullptr) != 0) return false;
        termios tio{};
        tcgetattr(slave, &tio);
        cfmakeraw(&tio);
        tcsetattr(slave, TCSANOW, &tio);
        // Keep our own slave fd open: a pty whose slave is closed reports EIO on the master
        // between host sessions; holding it keeps the "cable" alive until we unplug it.
        slave_ = slave;
        fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
        path_ = name;
        if (!link_.empty()) {
            ::unlink(link_.c_str());
            if (::symlink(path_.c_str(), link_.c_str()) != 0) std::perror("attune-board-sim: symlink");
        }
        return true;
    }
    void unplug() {
        if (!link_.empty()) ::unlink(link_.c_str());
        if (master_ >= 0) ::close(master_);
        if (slave_ >= 0) ::close(slave_);
        master_ = slave_ = -1;
        out_.clear();
    }
    bool plugged() const { return master_ >= 0; }
    const std::string& path() const { return path_; }

    void queue_out(std::uint8_t byte) {
        if (master_ < 0) return;
        if (out_.size() < kMaxQueued) out_.push_back(byte);  // host not reading: bytes are lost
    }
    void flush_out() {
        while (master_ >= 0 && !out_.empty()) {
            std::uint8_t chunk[512];
            const std::size_t n = std::min(out_.size(), sizeof chunk);
            std::copy_n(out_.begin(), n, chunk);
            const ssize_t w = ::write(master_, chunk, n);
            if (w <= 0) return;
            out_.erase(out_.begin(), out_.begin() + w);
        }
    }
    // Bytes from the host (commands), appended to in.
    void read_in(std::deque<std::uint8_t>& in) {
        if (master_ < 0) return;
        std::uint8_t buf[256];
        for (;;) {
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0) return;
            in.insert(in.end(), buf, buf + n);
        }
    }

private:
    static constexpr std::size_t kMaxQueued = 64 * 1024;
    std::string link_;
    std::string path_;
    int master_ = -1, slave_ = -1;
    std::deque<std::uint8_t> out_;
};

// [SECTION] the AVR ---------------------------------------------------------------------
constexpr std::uint32_t kCpuHz = 16'000'000;

struct Wiring {
    avr_t* avr = nullptr;
    PinSignals* signals = nullptr;
    PtyPort* port = nullptr;
    avr_irq_t* adc_in = nullptr;  // ADC_IRQ_ADC0..; indices by pin
    avr_irq_t* uart_in = nullptr;
    bool uart_xoff = false;
    bool lead_off = false;
};

double avr_time_s(const avr_t* avr) { return static_cast<double>(avr->cycle) / kCpuHz; }

// Called by simavr when the firmware starts a conversion: present the pins' voltages now.
void on_adc_trigger(avr_irq_t*, std::uint32_t, void* param) {
    auto& w = *static_cast<Wiring*>(param);
    const double t = avr_time_s(w.avr);
    const double ecg = w.lead_off ? 2950.0 : w.signals->ecg_mv(t);  // lead off: output at the rail
    avr_raise_irq(w.adc_in + ADC_IRQ_ADC0, static_cast<std::uint32_t>(ecg));
    avr_raise_irq(w.adc_in + ADC_IRQ_ADC1, static_cast<std::uint32_t>(w.signals->resp_mv(t)));
    avr_raise_irq(w.adc_in + ADC_IRQ_ADC2, 1950u);  // 3.9 V battery through a 1:2 divider
}
void on_uart_out(avr_irq_t*, std::uint32_t value, void* param) {
    static_cast<Wiring*>(param)->port->queue_out(static_cast<std::uint8_t>(value));
}
void on_uart_xon(avr_irq_t*, std::uint32_t, void* param) { static_cast<Wiring*>(param)->uart_xoff = false; }
void on_uart_xoff(avr_irq_t*, std::uint32_t, void* param) { static_cast<Wiring*>(param)->uart_xoff = true; }

// simavr logs to stdout by default; stdout carries our "PTY ..." lines, so its warnings and
// errors go to stderr and its chatter ("Loaded 4666 .text") is dropped.
void log_to_stderr(avr_t*, const int level, const char* format, va_list args) {
    if (level <= LOG_WARNING) std::vfprintf(stderr, format, args);
}

// elf_read_firmware() mallocs the sections and symbol table; avr_load_firmware() copies what
// it needs, so they are ours to free.
void release_firmware(elf_firmware_t& fw) {
    std::free(fw.flash);
    std::free(fw.eeprom);
    std::free(fw.fuse);
    std::free(fw.lockbits);
    for (std::uint32_t i = 0; i < fw.symbolcount; ++i) std::free(fw.symbol[i]);
    std::free(fw.symbol);
    fw = elf_firmware_t{};
}

avr_t* load_avr(const std::string& elf_path) {
    avr_global_logger_set(log_to_stderr);
    elf_firmware_t fw{};
    if (elf_read_firmware(elf_path.c_str(), &fw) != 0) {
        std::fprintf(stderr, "attune-board-sim: cannot read firmware %s\n", elf_path.c_str());
        return nullptr;
    }
    std::strcpy(fw.mmcu, "atmega328p");
    fw.frequency = kCpuHz;
    fw.vcc = fw.avcc = fw.aref = 5000;
    avr_t* avr = avr_make_mcu_by_name(fw.mmcu);
    if (!avr) return nullptr;
    avr_init(avr);
    avr_load_firmware(avr, &fw);
    release_firmware(fw);
    avr->log = 1;
    // simavr's default sleep callback usleep()s through the firmware's idle time; we pace
    // against the wall clock ourselves (--speed), so sleeping AVR time costs nothing here.
    avr->sleep = [](avr_t*, avr_cycle_count_t) {};
    return avr;
}

void wire_up(Wiring& w) {
    w.adc_in = avr_io_getirq(w.avr, AVR_IOCTL_ADC_GETIRQ, 0);
    avr_irq_register_notify(avr_io_getirq(w.avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER), on_adc_trigger, &w);
    std::uint32_t flags = 0;
    avr_ioctl(w.avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~static_cast<std::uint32_t>(AVR_UART_FLAG_POLL_SLEEP | AVR_UART_FLAG_STDIO);
    avr_ioctl(w.avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    w.uart_in = avr_io_getirq(w.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    avr_irq_register_notify(avr_io_getirq(w.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_out, &w);
    avr_irq_register_notify(avr_io_getirq(w.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), on_uart_xon, &w);
    avr_irq_register_notify(avr_io_getirq(w.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), on_uart_xoff, &w);
}

void set_lead_off(Wiring& w, bool off) {
    w.lead_off = off;
    for (int pin : {2, 3})
        avr_raise_irq(avr_io_getirq(w.avr, AVR_IOCTL_IOPORT_GETIRQ('D'), pin), off ? 1 : 0);
}

// [SECTION] main ------------------------------------------------------------------------
std::atomic<bool> g_stop{false};
std::atomic<bool> g_unplug{false};

double steady_now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool stdin_closed() {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return true;
    char c;
    return ::read(STDIN_FILENO, &c, 1) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace attune;
    const Options opt = parse_options(argc, argv);
    // simavr printf()s chatter ("UART-0 configured ...") to stdout: keep stdout for our own
    // "PTY"/"T0" lines and send everything else written to fd 1 to stderr.
    FILE* announce = fdopen(::dup(STDOUT_FILENO), "w");
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    if (!announce) return 1;
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    std::signal(SIGUSR1, [](int) { g_unplug = true; });
    std::signal(SIGPIPE, SIG_IGN);

    hardware::PartnerProfile profile;
    profile.resting_hr_bpm = opt.hr_bpm;
    profile.resp_rate_bpm = opt.resp_bpm;
    hardware::SimulationConfig config;
    config.seed = opt.seed;
    PinSignals signals(hardware::PartnerModel(profile, config));
    PtyPort port(opt.link);

    avr_t* avr = load_avr(opt.elf);
    if (!avr) return 1;
    Wiring w;
    w.avr = avr;
    w.signals = &signals;
    w.port = &port;
    wire_up(w);
    if (!port.plug()) {
        std::perror("attune-board-sim: openpty");
        return 1;
    }
    // Driving a pin from outside makes simavr 1.6 poll the port every cycle (about 100x
    // slower), so the lead-off pins are only touched when a lead-off episode is scripted.

    const double t0 = steady_now_s();
    std::fprintf(announce, "PTY %s\nT0 %.6f\n", port.path().c_str(), t0);
    std::fflush(announce);

    std::deque<std::uint8_t> to_avr;
    double replug_at = -1.0;
    bool watch_stdin = !isatty(STDIN_FILENO);
    int exit_code = 0;
    while (!g_stop) {
        for (int i = 0; i < 2000; ++i) {
            const int state = avr_run(avr);
            if (state == cpu_Done || state == cpu_Crashed) {
                std::fprintf(stderr, "attune-board-sim: firmware stopped (state %d)\n", state);
                g_stop = true;
                exit_code = 1;
                break;
            }
        }
        const double t = avr_time_s(avr);
        if (opt.duration_s > 0.0 && t >= opt.duration_s) break;
        if (opt.lead_off_at_s >= 0.0) {
            const bool off = t >= opt.lead_off_at_s && t < opt.lead_off_at_s + opt.lead_off_for_s;
            if (off != w.lead_off) set_lead_off(w, off);
        }
        if (g_unplug.exchange(false) && port.plugged()) {
            port.unplug();
            replug_at = t + opt.unplug_for_s;
            std::fprintf(stderr, "attune-board-sim: unplugged at %.3f s\n", t);
        }
        if (replug_at >= 0.0 && t >= replug_at) {
            replug_at = -1.0;
            if (!port.plug()) break;
            std::fprintf(announce, "PTY %s\n", port.path().c_str());
            std::fflush(announce);
        }
        port.flush_out();
        port.read_in(to_avr);
        while (!to_avr.empty() && !w.uart_xoff) {
            avr_raise_irq(w.uart_in, to_avr.front());
            to_avr.pop_front();
        }
        if (watch_stdin && stdin_closed()) break;
        // Pace the AVR against the wall clock.
        if (opt.speed > 0.0) {
            const double ahead = t / opt.speed - (steady_now_s() - t0);
            if (ahead > 0.002) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
        }
    }
    port.flush_out();
    if (!opt.truth_dir.empty() && !hardware::write_ground_truth(signals.model().ground_truth(), opt.truth_dir, "a"))
        std::fprintf(stderr, "attune-board-sim: could not write ground truth to %s\n", opt.truth_dir.c_str());
    avr_terminate(avr);
    return exit_code;
}
