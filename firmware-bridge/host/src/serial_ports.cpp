// The one place that talks to libserialport: RAII for its port list, its errors translated
// into exceptions here (check()).
#include "attune/bridge/serial_ports.hpp"

#include <libserialport.h>

#include <memory>
#include <stdexcept>

namespace attune::bridge {

namespace {

void check(sp_return r, const char* what) {
    if (r >= 0) return;
    std::string msg = std::string("libserialport: ") + what + " failed";
    if (r == SP_ERR_FAIL) {
        char* os = sp_last_error_message();
        if (os) {
            msg += ": ";
            msg += os;
            sp_free_error_message(os);
        }
    } else if (r == SP_ERR_MEM) {
        msg += ": out of memory";
    } else if (r == SP_ERR_SUPP) {
        msg += ": not supported on this system";
    } else if (r == SP_ERR_ARG) {
        msg += ": invalid argument";
    }
    throw std::runtime_error(msg);
}

struct PortListDeleter {
    void operator()(sp_port** list) const { sp_free_port_list(list); }
};
using PortList = std::unique_ptr<sp_port*, PortListDeleter>;

std::string str(const char* s) { return s ? std::string(s) : std::string(); }

std::string transport_name(sp_transport t) {
    switch (t) {
        case SP_TRANSPORT_USB: return "usb";
        case SP_TRANSPORT_NATIVE: return "native";
        case SP_TRANSPORT_BLUETOOTH: return "bluetooth";
    }
    return "unknown";
}

}  // namespace

std::string guess_serial_device(int vid, int pid, const std::string& product) {
    if (vid == 0x2341 || vid == 0x2A03) return "Arduino board: Attune board or text device";
    if (vid == 0x1A86 && (pid == 0x7523 || pid == 0x5523)) return "CH340 USB-serial (Arduino Nano clone): Attune board or text device";
    if (vid == 0x0403) return "FTDI USB-serial (Arduino Nano/Pro Mini): Attune board or text device";
    if (vid == 0x10C4 && pid == 0xEA60) return "CP210x USB-serial (ESP32 / Nano clone): text device or Attune board";
    if (vid == 0x067B) return "Prolific USB-serial adapter";
    if (vid == 0x239A) return "Adafruit board: text device";
    if (vid == 0x2E8A) return "Raspberry Pi Pico: text device";
    if (vid == 0x0483 && pid == 0x5740) return "STM32 virtual COM port: text device";
    if (product.find("BITalino") != std::string::npos) return "BITalino (not supported yet)";
    return vid >= 0 ? "USB serial device" : "";
}

std::vector<SerialPortInfo> list_serial_ports() {
    sp_port** raw = nullptr;
    check(sp_list_ports(&raw), "listing ports");
    PortList list(raw);
    std::vector<SerialPortInfo> out;
    for (sp_port** p = list.get(); p && *p; ++p) {
        SerialPortInfo info;
        info.name = str(sp_get_port_name(*p));
        info.description = str(sp_get_port_description(*p));
        const sp_transport t = sp_get_port_transport(*p);
        info.transport = transport_name(t);
        if (t == SP_TRANSPORT_USB) {
            int vid = -1, pid = -1;
            if (sp_get_port_usb_vid_pid(*p, &vid, &pid) == SP_OK) {
                info.usb_vid = vid;
                info.usb_pid = pid;
            }
            info.manufacturer = str(sp_get_port_usb_manufacturer(*p));
            info.product = str(sp_get_port_usb_product(*p));
            info.serial_number = str(sp_get_port_usb_serial(*p));
        }
        info.likely = guess_serial_device(info.usb_vid, info.usb_pid, info.product);
        if (info.likely.empty() && t == SP_TRANSPORT_NATIVE) info.likely = "on-board UART";
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace attune::bridge
