#include "attune/session/replay_device.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace attune::session {
namespace {

signal::ChannelKind kind_from_name(const std::string& name) {
    for (int k = 0; k <= static_cast<int>(signal::ChannelKind::Other); ++k)
        if (signal::to_string(static_cast<signal::ChannelKind>(k)) == name) return static_cast<signal::ChannelKind>(k);
    return signal::ChannelKind::Other;
}

// Whether a recorded sample is due by session time now_s. Regular channels count whole sample
// indices like the simulator does (sample k is due once k < ceil(now * rate)), so a replay hands
// the pipelines the very same chunks the original session did.
bool is_due(double sample_time_s, double rate_hz, double now_s) {
    if (rate_hz <= 0.0) return sample_time_s < now_s;
    return std::llround(sample_time_s * rate_hz) < static_cast<long long>(std::ceil(now_s * rate_hz));
}

}  // namespace

bool parse_replay_spec(const std::string& spec, std::string& dir, std::string& partner_letter) {
    if (spec.rfind("replay:", 0) != 0) return false;
    const std::string rest = spec.substr(7);
    const auto slash = rest.find_last_of('/');
    if (slash == std::string::npos || slash == 0) return false;
    dir = rest.substr(0, slash);
    partner_letter = rest.substr(slash + 1);
    return partner_letter == "a" || partner_letter == "b";
}

ReplayDevice::ReplayDevice(const std::string& dir, const std::string& partner_letter) {
    std::ifstream meta(dir + "/channels.json");
    if (!meta) throw std::runtime_error("replay: " + dir + " holds no recording (no channels.json)");
    nlohmann::json channels;
    try {
        channels = nlohmann::json::parse(meta);
    } catch (const std::exception& e) {
        throw std::runtime_error("replay: " + dir + "/channels.json is damaged: " + e.what());
    }
    info_.kind = "replay";
    info_.name = "recording " + dir + " (" + partner_letter + ")";
    info_.address = dir + "/" + partner_letter;
    info_.session_clock = true;
    for (const auto& c : channels) {
        if (!c.is_object() || c.value("partner", "") != partner_letter) continue;
        signal::ChannelSpec spec{c.value("label", ""), kind_from_name(c.value("kind", "")), c.value("rate_hz", 0.0),
                                 c.value("unit", "")};
        Track track;
        std::ifstream in(dir + "/" + c.value("file", ""));
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            double t = 0.0, v = 0.0;
            // A torn last line (the session was killed) or a damaged one is skipped.
            if (std::sscanf(line.c_str(), "%lf,%lf", &t, &v) != 2 || !std::isfinite(t) || !std::isfinite(v)) continue;
            if (!track.times.empty() && t < track.times.back()) continue;  // never back in time
            track.times.push_back(t);
            track.values.push_back(static_cast<float>(v));
        }
        if (!track.times.empty()) end_time_s_ = std::max(end_time_s_, track.times.back());
        info_.channels.push_back(std::move(spec));
        tracks_.push_back(std::move(track));
    }
    if (info_.channels.empty())
        throw std::runtime_error("replay: " + dir + " has no channel of partner " + partner_letter);
}

void ReplayDevice::start(bridge::ChunkSink on_chunk, bridge::LinkSink on_link) {
    on_chunk_ = std::move(on_chunk);
    running_ = true;
    if (on_link) on_link(bridge::LinkState::Streaming, "replaying " + info_.address);
}

void ReplayDevice::poll(double now_s) {
    if (!running_ || !on_chunk_) return;
    for (std::size_t c = 0; c < tracks_.size(); ++c) emit_until(c, tracks_[c], now_s);
}

void ReplayDevice::emit_until(std::size_t channel, Track& track, double now_s) {
    const double rate = info_.channels[channel].rate_hz;
    while (track.next < track.times.size() && is_due(track.times[track.next], rate, now_s)) {
        signal::SampleChunk chunk;
        chunk.channel = channel;
        chunk.rate_hz = rate;
        chunk.t0_s = track.times[track.next];
        // Lost samples before this one (a gap in the file) are flagged like a device would.
        if (rate > 0.0 && track.next > 0)
            chunk.gap_before = track.times[track.next] - track.times[track.next - 1] > 1.5 / rate;
        std::size_t i = track.next;
        for (; i < track.times.size() && is_due(track.times[i], rate, now_s); ++i) {
            if (rate > 0.0 && i > track.next && track.times[i] - track.times[i - 1] > 1.5 / rate) break;
            chunk.values.push_back(track.values[i]);
            if (rate <= 0.0) chunk.times_s.push_back(track.times[i]);
        }
        track.next = i;
        on_chunk_(chunk);
    }
}

}  // namespace attune::session
