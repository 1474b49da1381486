// Discovery through libserialport: enumeration works on this machine (containers usually have
// no real ports: an empty list is fine, an exception is not), and the "probably" guesses.
#include <catch2/catch.hpp>

#include "attune/bridge/serial_ports.hpp"

namespace bridge = attune::bridge;

TEST_CASE("listing_serial_ports_works_and_fills_every_entry", "[serial][discovery]") {
    std::vector<bridge::SerialPortInfo> ports;
    REQUIRE_NOTHROW(ports = bridge::list_serial_ports());
    for (const auto& p : ports) {
        CHECK_FALSE(p.name.empty());
        CHECK_FALSE(p.transport.empty());
        if (p.transport == "usb") CHECK(p.usb_vid >= 0);
    }
}

TEST_CASE("usb_ids_say_what_a_port_probably_is", "[serial][discovery]") {
    CHECK_THAT(bridge::guess_serial_device(0x2341, 0x0043, "Arduino Uno"), Catch::Contains("Attune board"));
    CHECK_THAT(bridge::guess_serial_device(0x1A86, 0x7523, ""), Catch::Contains("CH340"));
    CHECK_THAT(bridge::guess_serial_device(0x0403, 0x6001, ""), Catch::Contains("FTDI"));
    CHECK_THAT(bridge::guess_serial_device(0x1234, 0x5678, "gadget"), Catch::Equals("USB serial device"));
    CHECK(bridge::guess_serial_device(-1, -1, "").empty());
}
