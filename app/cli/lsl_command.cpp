// `attune lsl list`: the Lab Streaming Layer streams on the network (this host by unicast,
// others by multicast/broadcast); `attune lsl record NAME --duration 10s`: a quick look at one
// stream, its samples printed as CSV (LSL time, values). For researchers checking a setup and
// for tests; LabRecorder remains the tool for real recordings.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "attune/bridge/lsl/inlet.hpp"
#include "command_registry.hpp"
#include "duration.hpp"

namespace attune::cli {
namespace {

namespace lsl = bridge::lsl;

struct LslArgs {
    std::string query;
    std::string name;
    std::string timeout = "1s";
    std::string duration = "10s";
};

std::optional<double> duration_arg(const std::string& text, const char* option) {
    const auto s = parse_duration_s(text);
    if (!s || *s < 0.0) std::cerr << "attune lsl: " << option << " '" << text << "' is not a duration (e.g. 2s)\n";
    return s && *s >= 0.0 ? s : std::nullopt;
}

int run_list(const LslArgs& args) {
    const auto timeout = duration_arg(args.timeout, "--timeout");
    if (!timeout) return 2;
    lsl::ResolveOptions options;
    options.timeout_s = *timeout;
    const auto streams = lsl::resolve(args.query, options);
    std::printf("%-28s %-10s %8s %10s %-9s %-15s %s\n", "name", "type", "channels", "rate_hz", "format", "host", "uid");
    for (const auto& s : streams)
        std::printf("%-28s %-10s %8d %10g %-9s %-15s %s\n", s.name.c_str(), s.type.c_str(), s.channel_count,
                    s.nominal_srate, std::string(lsl::to_string(s.channel_format)).c_str(), s.v4address.c_str(),
                    s.uid.c_str());
    std::printf("%zu stream(s)\n", streams.size());
    return 0;
}

void print_sample(const lsl::Sample& s, double correction) {
    std::printf("%.6f", s.timestamp.value_or(0.0) + correction);
    for (const auto& text : s.strings) std::printf(",\"%s\"", text.c_str());
    for (double v : s.values) std::printf(",%.9g", v);
    std::printf("\n");
}

int run_record(const LslArgs& args) {
    const auto duration = duration_arg(args.duration, "--duration");
    const auto timeout = duration_arg(args.timeout, "--timeout");
    if (!duration || !timeout) return 2;
    lsl::ResolveOptions options;
    options.timeout_s = std::max(*timeout, 0.2);
    options.enough = 1;
    const auto found = lsl::resolve("name='" + args.name + "'", options);
    if (found.empty()) {
        std::cerr << "attune lsl: no stream named '" << args.name << "' answered\n";
        return 1;
    }
    try {
        const auto full = lsl::fetch_fullinfo(found.front()).value_or(found.front());
        const auto correction = lsl::time_correction(full);
        std::cerr << full.name << " (" << full.type << ", " << full.channel_count << " channels, " << full.nominal_srate
                  << " Hz) from " << full.v4address << "; clock offset "
                  << (correction ? std::to_string(correction->offset_s) + " s" : std::string("unknown")) << "\n";
        std::printf("lsl_time_s");
        for (std::size_t c = 0; c < full.channels.size(); ++c)
            std::printf(",%s%s", full.channels[c].label.c_str(),
                        full.channels[c].unit.empty() ? "" : ("_" + full.channels[c].unit).c_str());
        std::printf("\n");
        lsl::Inlet inlet(full);
        const double end = lsl::local_clock() + *duration;
        std::size_t n = 0;
        for (double now = lsl::local_clock(); now < end; now = lsl::local_clock())
            if (const auto s = inlet.pull(end - now)) {
                print_sample(*s, correction ? correction->offset_s : 0.0);
                ++n;
            }
        std::fflush(stdout);
        std::cerr << n << " sample(s)\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "attune lsl: " << e.what() << "\n";
        return 1;
    }
}

const Registration kLsl{
    "lsl", "Lab Streaming Layer: list the streams on the network, or print one stream's samples",
    [](CLI::App& sub) -> Runner {
        auto args = std::make_shared<LslArgs>();
        sub.require_subcommand(1);
        auto* list = sub.add_subcommand("list", "List the LSL streams that answer");
        list->add_option("--query", args->query, "Only streams matching, e.g. \"type='Markers'\"");
        list->add_option("--timeout", args->timeout, "How long to wait for answers")->capture_default_str();
        auto* record = sub.add_subcommand("record", "Print one stream's samples as CSV for a while");
        record->add_option("name", args->name, "The stream's name")->required();
        record->add_option("--duration", args->duration, "How long to record")->capture_default_str();
        record->add_option("--timeout", args->timeout, "How long to look for the stream")->capture_default_str();
        return [args, list] { return list->parsed() ? run_list(*args) : run_record(*args); };
    }};

}  // namespace
}  // namespace attune::cli
