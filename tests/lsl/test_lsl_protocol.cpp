#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <thread>

#include "attune/bridge/lsl/inlet.hpp"
#include "attune/bridge/lsl/outlet.hpp"
#include "lsl_test_ports.hpp"

using namespace attune::bridge::lsl;
namespace asio = boost::asio;

namespace {

StreamInfo ecg_info(const std::string& name = "Test ECG") {
    StreamInfo info;
    info.name = name;
    info.type = "ECG";
    info.channel_count = 2;
    info.nominal_srate = 250.0;
    info.source_id = "test-" + name;
    info.channels = {{"ECG1", "mV", "ECG"}, {"ECG2", "mV", "ECG"}};
    return info;
}

StreamInfo marker_info(const std::string& name = "Test Markers") {
    StreamInfo info;
    info.name = name;
    info.type = "Markers";
    info.channel_format = ChannelFormat::String;
    info.channels = {{"Event", "", "Marker"}};
    return info;
}

ResolveOptions quick(double timeout = 1.0, std::size_t enough = 0) {
    ResolveOptions o;
    o.timeout_s = timeout;
    o.enough = enough;
    return o;
}

StreamInfo resolve_one(const std::string& query) {
    const auto found = resolve(query, quick(2.0, 1));
    REQUIRE(found.size() == 1);
    return found.front();
}

}  // namespace

TEST_CASE("samples of every format survive encoding, in either byte order", "[lsl]") {
    for (auto format : {ChannelFormat::Float32, ChannelFormat::Double64, ChannelFormat::Int32, ChannelFormat::Int16,
                        ChannelFormat::Int8, ChannelFormat::Int64, ChannelFormat::String}) {
        for (bool swap : {false, true}) {
            INFO(to_string(format) << " swap " << swap);
            const Sample pattern = test_pattern(format, 3, 4);
            Sample deduced = test_pattern(format, 3, 2);
            deduced.timestamp.reset();
            std::string bytes;
            encode_sample(bytes, pattern, format, 3, swap);
            encode_sample(bytes, deduced, format, 3, swap);
            std::size_t used = 0;
            const auto a = decode_sample(bytes, used, format, 3, swap);
            REQUIRE(a);
            CHECK(*a == pattern);
            const auto b = decode_sample(std::string_view(bytes).substr(used), used, format, 3, swap);
            REQUIRE(b);
            CHECK(*b == deduced);
            // A cut sample asks for more bytes rather than inventing values.
            CHECK_FALSE(decode_sample(std::string_view(bytes).substr(0, 5), used, format, 3, swap));
        }
    }
    // The test pattern's values need every byte of their type (liblsl's definition).
    CHECK(test_pattern(ChannelFormat::Int16, 2, 4).values == std::vector<double>{261, -262});
    CHECK(test_pattern(ChannelFormat::String, 2, 4).strings == std::vector<std::string>{"10", "-11"});
    // Long strings take a 4-byte length; a bad tag or length width is corruption.
    Sample long_text{1.5, {}, {std::string(300, 'x')}};
    std::string bytes;
    encode_sample(bytes, long_text, ChannelFormat::String, 1);
    std::size_t used = 0;
    CHECK(decode_sample(bytes, used, ChannelFormat::String, 1)->strings[0].size() == 300);
    CHECK_THROWS(decode_sample(std::string("\x07\x01", 2), used, ChannelFormat::Float32, 1));
    CHECK_THROWS(decode_sample(std::string("\x01\x03\x00", 3), used, ChannelFormat::String, 1));
    CHECK_THROWS(encode_sample(bytes, Sample{1.0, {1.0}, {}}, ChannelFormat::Float32, 2));
}

TEST_CASE("stream descriptions round-trip through XML and answer queries", "[lsl]") {
    StreamInfo info = ecg_info("A & B <ECG>");
    info.uid = new_uid();
    info.v4data_port = 4000;
    info.v4service_port = 16580;
    const auto back = parse_info_xml(to_fullinfo_xml(info));
    REQUIRE(back);
    CHECK(back->name == info.name);
    CHECK(back->type == "ECG");
    CHECK(back->channel_count == 2);
    CHECK(back->nominal_srate == 250.0);
    CHECK(back->uid == info.uid);
    CHECK(back->v4service_port == 16580);
    REQUIRE(back->channels.size() == 2);
    CHECK(back->channels[1].label == "ECG2");
    CHECK(back->channels[1].unit == "mV");
    CHECK(parse_info_xml(to_shortinfo_xml(info))->channels.empty());
    CHECK(info.uid.size() == 36);

    CHECK(matches_query(info, ""));
    CHECK(matches_query(info, "type='ECG'"));
    CHECK(matches_query(info, "session_id='default' and type=\"ECG\" and channel_count='2'"));
    CHECK_FALSE(matches_query(info, "type='EEG'"));
    CHECK_FALSE(matches_query(info, "type='ECG' and name='other'"));
    CHECK_FALSE(matches_query(info, "starts-with(name,'A')"));
    CHECK_FALSE(matches_query(info, "colour='red'"));
    for (const char* junk : {"", "<info>", "<info><name>x</name><channel_count>-3</channel_count></info>",
                             "<info><name>x</name><channel_count>1</channel_count><channel_format>float128</channel_format></info>"})
        CHECK_FALSE(parse_info_xml(junk));
}

TEST_CASE("an outlet is found by unicast discovery and describes its channels", "[lsl]") {
    attune::test::use_private_lsl_ports();
    Outlet outlet(ecg_info());
    const auto found = resolve_one("name='Test ECG'");
    CHECK(found.uid == outlet.info().uid);
    CHECK(found.v4address == "127.0.0.1");
    CHECK(found.v4data_port == outlet.info().v4data_port);
    CHECK(found.channels.empty());  // shortinfo
    CHECK(resolve("name='Nobody'", quick(0.5)).empty());

    const auto full = fetch_fullinfo(found);
    REQUIRE(full);
    REQUIRE(full->channels.size() == 2);
    CHECK(full->channels[0].label == "ECG1");
    CHECK(full->channels[0].unit == "mV");
    CHECK(full->channels[0].type == "ECG");
    CHECK(full->hostname == outlet.info().hostname);
}

TEST_CASE("samples and timestamps reach an inlet intact", "[lsl]") {
    attune::test::use_private_lsl_ports();
    Outlet ecg(ecg_info());
    Outlet markers(marker_info());
    Inlet ecg_in(resolve_one("name='Test ECG'"));
    Inlet marker_in(resolve_one("type='Markers'"));
    REQUIRE(ecg.wait_for_consumers(10.0));
    REQUIRE(markers.wait_for_consumers(10.0));
    for (int i = 0; i < 1000; ++i) ecg.push_values({i * 0.001, -i * 0.5}, 1000.0 + i / 250.0);
    markers.push_text("stimulus onset", 42.25);
    markers.push_text(std::string(1000, 'm'), 43.5);
    for (int i = 0; i < 1000; ++i) {
        const auto s = ecg_in.pull(10.0);
        REQUIRE(s);
        CHECK(*s->timestamp == 1000.0 + i / 250.0);
        CHECK(s->values[0] == static_cast<double>(static_cast<float>(i * 0.001)));
        CHECK(s->values[1] == -i * 0.5);
    }
    CHECK_FALSE(ecg_in.pull(0.1));
    const auto m1 = marker_in.pull(10.0);
    const auto m2 = marker_in.pull(10.0);
    REQUIRE((m1 && m2));
    CHECK(m1->strings == std::vector<std::string>{"stimulus onset"});
    CHECK(*m1->timestamp == 42.25);
    CHECK(m2->strings[0].size() == 1000);
}

TEST_CASE("several outlets at once are all found and each feeds its own inlet", "[lsl]") {
    attune::test::use_private_lsl_ports();
    std::vector<std::unique_ptr<Outlet>> outlets;
    for (int i = 0; i < 4; ++i) outlets.push_back(std::make_unique<Outlet>(ecg_info("Test ECG " + std::to_string(i))));
    const auto found = resolve("type='ECG'", quick(2.0, 4));
    REQUIRE(found.size() == 4);
    std::vector<std::unique_ptr<Inlet>> inlets;
    for (int i = 0; i < 4; ++i) inlets.push_back(std::make_unique<Inlet>(resolve_one("name='Test ECG " + std::to_string(i) + "'")));
    for (auto& o : outlets) REQUIRE(o->wait_for_consumers(10.0));
    for (int i = 0; i < 4; ++i) outlets[static_cast<std::size_t>(i)]->push_values({double(i), 0.0}, i);
    for (int i = 0; i < 4; ++i) {
        const auto s = inlets[static_cast<std::size_t>(i)]->pull(2.0);
        REQUIRE(s);
        CHECK(s->values[0] == i);
    }
}

TEST_CASE("an inlet joining late gets the samples from then on", "[lsl]") {
    attune::test::use_private_lsl_ports();
    Outlet outlet(ecg_info());
    for (int i = 0; i < 100; ++i) outlet.push_values({1.0, 1.0}, i);  // nobody listens yet
    Inlet first(resolve_one("name='Test ECG'"));
    REQUIRE(outlet.wait_for_consumers(10.0));
    outlet.push_values({2.0, 2.0}, 200.0);
    Inlet second(resolve_one("name='Test ECG'"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (outlet.consumers() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(outlet.consumers() == 2);
    outlet.push_values({3.0, 3.0}, 300.0);
    const auto a1 = first.pull(10.0), a2 = first.pull(10.0);
    REQUIRE((a1 && a2));
    CHECK(*a1->timestamp == 200.0);
    CHECK(*a2->timestamp == 300.0);
    const auto b1 = second.pull(10.0);
    REQUIRE(b1);
    CHECK(*b1->timestamp == 300.0);
    CHECK(b1->values[0] == 3.0);
}

TEST_CASE("time correction between inlet and outlet on one host is near zero", "[lsl]") {
    attune::test::use_private_lsl_ports();
    Outlet outlet(ecg_info());
    const auto c = time_correction(resolve_one("name='Test ECG'"));
    REQUIRE(c);
    CHECK(std::abs(c->offset_s) < 0.005);
    CHECK(c->round_trip_s >= 0.0);
    CHECK(c->round_trip_s < 0.05);
}

TEST_CASE("garbage over UDP and TCP is ignored and the outlet keeps serving", "[lsl]") {
    attune::test::use_private_lsl_ports();
    Outlet outlet(ecg_info());
    const auto info = resolve_one("name='Test ECG'");
    asio::io_context io;
    asio::ip::udp::socket udp(io);
    udp.open(asio::ip::udp::v4());
    const auto loopback = asio::ip::make_address_v4("127.0.0.1");
    for (std::uint16_t port : {info.v4service_port, NetConfig::from_env().discovery_port})
        for (const std::string& junk : {std::string("hello"), std::string(3000, '\xff'), std::string("LSL:shortinfo\r\n"),
                                       std::string("LSL:shortinfo\r\n\r\n99999999 x\r\n"),
                                       std::string("LSL:shortinfo\r\nname='Test ECG'\r\n0 id\r\n"),
                                       std::string("LSL:timedata\r\nnot numbers\r\n"), std::string("\0\0\0", 3)})
            udp.send_to(asio::buffer(junk), asio::ip::udp::endpoint(loopback, port));

    auto tcp_exchange = [&](const std::string& request) {
        asio::ip::tcp::socket s(io);
        s.connect({loopback, info.v4data_port});
        boost::system::error_code ec;
        asio::write(s, asio::buffer(request), ec);  // the outlet may have closed already
        s.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        ec.clear();
        std::string answer;
        std::array<char, 4096> buf{};
        while (!ec) answer.append(buf.data(), s.read_some(asio::buffer(buf), ec));
        return answer;
    };
    CHECK(tcp_exchange("GET / HTTP/1.0\r\n\r\n").empty());
    CHECK(tcp_exchange(std::string(20000, 'A')).empty());  // no line end within the limit
    CHECK(tcp_exchange("LSL:streamfeed/999 x\r\n\r\n").find("505") != std::string::npos);
    CHECK(tcp_exchange("LSL:streamfeed/110 not-the-uid\r\n\r\n").find("404") != std::string::npos);
    CHECK(tcp_exchange("LSL:shortinfo\r\ntype='EEG'\r\n").empty());
    CHECK(tcp_exchange("LSL:shortinfo\r\ntype='ECG'\r\n").find(info.uid) != std::string::npos);
    CHECK(tcp_exchange("LSL:streamfeed/110 " + info.uid + "\r\nMax-Buffer-Length: lots\r\n\r\n").find("200 OK") !=
          std::string::npos);
    asio::ip::tcp::socket idle(io);  // connects and says nothing
    idle.connect({loopback, info.v4data_port});

    // Still found, still feeding.
    Inlet inlet(resolve_one("name='Test ECG'"));
    REQUIRE(outlet.wait_for_consumers(10.0));
    outlet.push_values({7.0, 8.0}, 9.0);
    const auto s = inlet.pull(10.0);
    REQUIRE(s);
    CHECK(s->values == std::vector<double>{7.0, 8.0});
}

TEST_CASE("an inlet that stops reading never holds the outlet up", "[lsl]") {
    attune::test::use_private_lsl_ports();
    OutletOptions options;
    options.max_buffered = 1000;
    Outlet outlet(ecg_info(), options);
    Inlet stalled(resolve_one("name='Test ECG'"));
    REQUIRE(outlet.wait_for_consumers(10.0));
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 300000; ++i) outlet.push_values({double(i), 0.0}, i);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(took < 5.0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (outlet.dropped() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(outlet.dropped() > 0);
}
