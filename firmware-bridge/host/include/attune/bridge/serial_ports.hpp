// Serial port discovery: what is plugged in, with USB metadata, via libserialport (wrapped once,
// in serial_ports.cpp: no sp_* call anywhere else). libserialport lists real ports only
// (/sys/class/tty); pseudo-terminals never show up here, and I/O goes through SerialLink.
#pragma once

#include <string>
#include <vector>

namespace attune::bridge {

struct SerialPortInfo {
    std::string name;          // /dev/ttyUSB0
    std::string description;   // as the OS describes it
    std::string transport;     // "usb", "native", "bluetooth", "unknown"
    int usb_vid = -1;          // -1 when not a USB port
    int usb_pid = -1;
    std::string manufacturer;  // USB strings, when present
    std::string product;
    std::string serial_number;
    std::string likely;        // what it probably is (see guess_serial_device)
};

// Throws std::runtime_error with libserialport's message if enumeration fails.
std::vector<SerialPortInfo> list_serial_ports();

// A best guess from USB IDs and strings: "Arduino Uno/Nano-class board: Attune board or text
// device", "USB-serial adapter (FTDI)", ...; empty if nothing is known about it.
std::string guess_serial_device(int usb_vid, int usb_pid, const std::string& product);

}  // namespace attune::bridge
