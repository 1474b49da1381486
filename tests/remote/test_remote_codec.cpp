// The watcher's messages: a snapshot survives the trip, and hostile input is refused quietly.
#include <catch2/catch.hpp>
#include <random>

#include "attune/session/remote_codec.hpp"

using namespace attune::session;
using namespace attune::session::remote;

TEST_CASE("a snapshot keeps what the clinician panel draws", "[remote]") {
    Snapshot s;
    s.session_time_s = 125.5;
    s.phase = "practice";
    s.protocol.name = "Standard";
    s.protocol.step_title = "Breathe together";
    s.protocol.step_index = 2;
    s.protocol.step_count = 5;
    s.protocol.aroused = {true, false};
    s.partners[0].name = "Alex";
    s.partners[0].hr_bpm = 72.25;
    s.partners[1].arousal_state = "rising";
    s.partners[1].ecg.rate_hz = 130.0;
    for (int i = 0; i < 1300; ++i) s.partners[1].ecg.values.push_back(0.001f * static_cast<float>(i));
    s.recent_events.push_back({12.0, "marker", std::nullopt, "remote: hello"});
    s.recent_events.push_back({13.0, "pause", attune::signal::Partner::B, "asked"});
    s.watch.sharing = true;
    s.watch.watchers = 2;
    const auto m = decode_server_message(encode_snapshot(s));
    REQUIRE(m);
    REQUIRE(m->kind == ServerMessage::Kind::Snapshot);
    const Snapshot& r = *m->snapshot;
    CHECK(r.session_time_s == 125.5);
    CHECK(r.protocol.step_title == "Breathe together");
    CHECK(r.protocol.step_index == 2);
    CHECK(r.protocol.aroused[0]);
    CHECK(r.partners[0].name == "Alex");
    CHECK(r.partners[0].hr_bpm == Approx(72.25));
    CHECK(r.partners[1].arousal_state == "rising");
    REQUIRE(r.partners[1].ecg.values.size() == 1300);
    CHECK(r.partners[1].ecg.values[1000] == Approx(1.0f).epsilon(1e-3));
    REQUIRE(r.recent_events.size() == 2);
    CHECK(r.recent_events[1].partner == attune::signal::Partner::B);
    CHECK(r.watch.watchers == 2);
}

TEST_CASE("watcher requests round-trip and wrong ones are refused", "[remote]") {
    const auto marker = decode_request(encode(WatcherRequest{WatcherRequest::Kind::Marker, "look", {}}));
    REQUIRE(marker);
    CHECK(marker->text == "look");
    const auto control = decode_request(encode(WatcherRequest{WatcherRequest::Kind::Control, {}, Control::Skip}));
    REQUIRE(control);
    CHECK(control->control == Control::Skip);
    CHECK_FALSE(decode_request(R"({"type":"control","control":"explode"})"));
    CHECK_FALSE(decode_request(R"({"type":"marker","text":""})"));
    CHECK_FALSE(decode_request(R"({"type":"marker","text":42})"));
    CHECK_FALSE(decode_request("[1,2,3]"));
    CHECK_FALSE(decode_request(std::string(100, '[') + std::string(100, ']')));  // too deep
    CHECK_FALSE(decode_request("{\"type\":\"marker\",\"text\":\"" + std::string(kMaxRequestBytes, 'x') + "\"}"));
    const auto long_note = decode_request("{\"type\":\"marker\",\"text\":\"" + std::string(5000, 'x') + "\"}");
    REQUIRE(long_note);
    CHECK(long_note->text.size() == kMaxTextChars);
}

TEST_CASE("random and mutated input never throws", "[remote]") {
    std::mt19937 rng(7);
    Snapshot s;
    s.partners[0].hr.values = {60, 61, 62};
    const std::string valid = encode_snapshot(s);
    for (int i = 0; i < 3000; ++i) {
        std::string text = valid;
        for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k) text[rng() % text.size()] = static_cast<char>(rng() % 256);
        if (i % 3 == 0) text.resize(rng() % text.size());
        CHECK_NOTHROW(decode_server_message(text));
        CHECK_NOTHROW(decode_request(text));
    }
}
