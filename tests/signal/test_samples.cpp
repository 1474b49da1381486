#include <catch2/catch.hpp>

#include "attune/signal/samples.hpp"
#include "attune/signal/units.hpp"

using namespace attune::signal;

TEST_CASE("regular chunk times follow the sample rate", "[signal]") {
    SampleChunk chunk{.channel = 0, .t0_s = 10.0, .rate_hz = 250.0, .values = {1, 2, 3}};
    CHECK(chunk.time_of(0) == Approx(10.0));
    CHECK(chunk.time_of(2) == Approx(10.008));
}

TEST_CASE("irregular chunk times come from the time list", "[signal]") {
    SampleChunk chunk{.channel = 0, .t0_s = 0.0, .rate_hz = 0.0, .values = {800, 820},
                      .times_s = {1.0, 1.82}};
    CHECK(chunk.time_of(1) == Approx(1.82));
    CHECK_THROWS(chunk.time_of(2));
}

TEST_CASE("rr to bpm converts milliseconds to beats per minute", "[signal]") {
    CHECK(rr_to_bpm(Millis{1000.0}).value == Approx(60.0));
    CHECK(rr_to_bpm(Millis{0.0}).value == 0.0);
    CHECK(to_string(ChannelKind::Respiration) == "resp");
}
