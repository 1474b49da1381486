#include "attune/session/lsl_publisher.hpp"

#include <cmath>
#include <limits>

namespace attune::session {

namespace lsl = bridge::lsl;
using signal::ChannelKind;
using signal::Partner;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::array<Partner, signal::kPartnerCount> kPartners{Partner::A, Partner::B};

// XDF content type of a raw channel (the stream's <type> and the channel's <type>).
std::string content_type(ChannelKind kind) {
    switch (kind) {
        case ChannelKind::Ecg: return "ECG";
        case ChannelKind::Ppg: return "PPG";
        case ChannelKind::Respiration: return "Resp";
        case ChannelKind::HeartRate: return "HR";
        case ChannelKind::RrInterval: return "RR";
        case ChannelKind::AccX:
        case ChannelKind::AccY:
        case ChannelKind::AccZ: return "Acc";
        case ChannelKind::Other: break;
    }
    return "Misc";
}

std::string upper(std::string_view letter) { return letter == "a" ? "A" : "B"; }

lsl::StreamInfo stream(std::string name, std::string type, double rate, lsl::ChannelFormat format,
                       std::string source_id, std::vector<lsl::ChannelDesc> channels) {
    lsl::StreamInfo info;
    info.name = std::move(name);
    info.type = std::move(type);
    info.nominal_srate = rate;
    info.channel_format = format;
    info.source_id = std::move(source_id);
    info.channel_count = static_cast<int>(channels.size());
    info.channels = std::move(channels);
    info.manufacturer = "Attune";
    return info;
}

double known(double v) { return v > 0.0 ? v : kNaN; }  // the pipelines' 0 = unknown

}  // namespace

LslPublisher::LslPublisher(Engine& engine, LslPublisherOptions options) : options_(std::move(options)) {
    origin_ = lsl::local_clock();
    const std::string& p = options_.prefix;
    for (Partner partner : kPartners) {
        const auto i = signal::index_of(partner);
        const std::string who = upper(signal::partner_letter(partner));
        const std::string id = "attune-" + std::string(signal::partner_letter(partner));
        beats_[i] = open(stream(p + " " + who + " Beats", "RR", lsl::kIrregularRate, lsl::ChannelFormat::Float32,
                                id + "-beats", {{"RR", "ms", "RR"}}));
        metrics_[i] = open(stream(p + " " + who + " Metrics", "Metrics", 1.0, lsl::ChannelFormat::Float32,
                                  id + "-metrics",
                                  {{"HR", "bpm", "HR"},
                                   {"RMSSD", "ms", "HRV"},
                                   {"BreathingRate", "breaths/min", "Resp"},
                                   {"Arousal", "normalized", "Arousal"},
                                   {"Quality", "normalized", "Quality"}}));
    }
    dyad_ = open(stream(p + " Dyad", "Synchrony", 1.0, lsl::ChannelFormat::Float32, "attune-dyad",
                        {{"BreathingInPhase", "normalized", "Synchrony"},
                         {"BreathingTogether", "boolean", "Synchrony"},
                         {"Paused", "boolean", "State"},
                         {"PacerShown", "boolean", "State"},
                         {"PacerRate", "breaths/min", "Resp"}}));
    markers_ = open(stream(p + " Markers", "Markers", lsl::kIrregularRate, lsl::ChannelFormat::String,
                           "attune-markers", {{"Event", "", "Marker"}}));
    engine.add_observer(this);
}

LslPublisher::~LslPublisher() = default;

std::unique_ptr<lsl::Outlet> LslPublisher::open(lsl::StreamInfo info) {
    return std::make_unique<lsl::Outlet>(std::move(info), options_.outlet);
}

void LslPublisher::on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) {
    origin_ = lsl::local_clock();  // the engine's session time 0 was taken just before
    for (Partner partner : kPartners) {
        const auto i = signal::index_of(partner);
        const std::string letter(signal::partner_letter(partner));
        raw_[i].clear();
        for (const auto& spec : devices[i].channels) {
            const std::string type = content_type(spec.kind);
            raw_[i].push_back(open(stream(options_.prefix + " " + upper(letter) + " " + spec.label, type, spec.rate_hz,
                                          lsl::ChannelFormat::Float32,
                                          "attune-" + letter + "-" + std::string(signal::to_string(spec.kind)),
                                          {{spec.label, spec.unit, type}})));
        }
    }
}

void LslPublisher::on_chunk(Partner partner, const signal::SampleChunk& chunk) {
    auto& outlets = raw_[signal::index_of(partner)];
    if (chunk.channel >= outlets.size()) return;
    auto& outlet = *outlets[chunk.channel];
    if (outlet.consumers() == 0) return;
    for (std::size_t k = 0; k < chunk.values.size(); ++k)
        outlet.push_values({chunk.values[k]}, lsl_time(chunk.time_of(k)));
}

void LslPublisher::on_event(const SessionEvent& event) {
    std::string text = event.kind;
    if (event.partner) text.append(" ").append(partner_label(event.partner));
    text.append(": ").append(event.text);
    markers_->push_text(std::move(text), lsl_time(event.time_s));
}

void LslPublisher::on_tick(const Snapshot& snapshot) {
    const double t = snapshot.session_time_s;
    if (t + 1e-9 < next_dyad_s_) return;
    next_dyad_s_ = std::floor(t + 1e-9) + 1.0;
    dyad_->push_values({snapshot.breathing_together, snapshot.breathing_together_on ? 1.0 : 0.0, snapshot.paused ? 1.0 : 0.0,
                 snapshot.pacer_visible ? 1.0 : 0.0, snapshot.pacer_settings.breaths_per_min},
                lsl_time(t));
}

void LslPublisher::on_beats(Partner partner, const std::vector<signal::Beat>& beats) {
    auto& outlet = *beats_[signal::index_of(partner)];
    for (const auto& b : beats) outlet.push_values({known(b.rr_ms)}, lsl_time(b.time_s));
}

void LslPublisher::on_second(Partner partner, const PartnerSecond& s) {
    metrics_[signal::index_of(partner)]->push_values(
        {known(s.hr_bpm), known(s.rmssd_ms), known(s.resp_rate_bpm), s.arousal, s.quality}, lsl_time(s.time_s));
}

std::vector<std::string> LslPublisher::stream_names() const {
    std::vector<std::string> names;
    auto add = [&](const std::unique_ptr<lsl::Outlet>& o) {
        if (o) names.push_back(o->info().name);
    };
    for (const auto& partner : raw_)
        for (const auto& o : partner) add(o);
    for (const auto& o : beats_) add(o);
    for (const auto& o : metrics_) add(o);
    add(dyad_);
    add(markers_);
    return names;
}

}  // namespace attune::session
