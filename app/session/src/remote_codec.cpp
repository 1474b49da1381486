// JSON for the remote watcher. The server's snapshot is the clinician's view: the traces are
// rounded to 4 significant digits (the panel draws pixels, not digits) to keep frames small.
#include "attune/session/remote_codec.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace attune::session::remote {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Control, std::string_view>, 4> kControls{
    {{Control::Hold, "hold"}, {Control::Resume, "resume"}, {Control::Skip, "skip"}, {Control::StartPause, "start_pause"}}};

// Deeply nested input would make the recursive parser dig deep: refused before parsing.
bool nesting_within_bounds(std::string_view text) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > kMaxNesting) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

std::optional<json> parse(std::string_view text, std::size_t max_bytes) {
    if (text.size() > max_bytes || !nesting_within_bounds(text)) return std::nullopt;
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

// Readers that take whatever is there and fall back to a default on a missing or mistyped field.
std::string str(const json& j, const char* key, std::size_t max = kMaxTextChars) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    std::string s = it->get<std::string>();
    if (s.size() > max) s.resize(max);
    return s;
}

double num(const json& j, const char* key, double fallback = 0.0) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return fallback;
    const double v = it->get<double>();
    return std::isfinite(v) ? v : fallback;
}

bool flag(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::size_t count(const json& j, const char* key, std::size_t max = 10000) {
    const double v = num(j, key);
    return v <= 0.0 ? 0 : static_cast<std::size_t>(std::min(v, static_cast<double>(max)));
}

const json& sub(const json& j, const char* key) {
    static const json empty = json::object();
    const auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : empty;
}

double round4(double v) {
    if (!std::isfinite(v)) return 0.0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return std::strtod(buf, nullptr);
}

json trace_json(const Trace& t) {
    json values = json::array();
    for (float v : t.values) values.push_back(round4(v));
    return {{"rate_hz", t.rate_hz}, {"values", std::move(values)}};
}

Trace trace_from(const json& j) {
    Trace t;
    t.rate_hz = num(j, "rate_hz");
    const auto it = j.find("values");
    if (it == j.end() || !it->is_array()) return t;
    const std::size_t n = std::min(it->size(), kMaxTraceValues);
    t.values.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& v = (*it)[i];
        t.values.push_back(v.is_number() ? static_cast<float>(v.get<double>()) : 0.0f);
    }
    return t;
}

json partner_json(const PartnerView& p) {
    return {{"name", p.name},           {"device", p.device},
            {"link", p.link},           {"has_signal", p.has_signal},
            {"hr_bpm", p.hr_bpm},       {"rmssd_ms", p.rmssd_ms},
            {"resp_rate_bpm", p.resp_rate_bpm}, {"resp_size", p.resp_size},
            {"inhaling", p.inhaling},   {"arousal", p.arousal},
            {"arousal_state", p.arousal_state}, {"quality", p.quality},
            {"quality_hint", p.quality_hint},   {"ecg", trace_json(p.ecg)},
            {"resp", trace_json(p.resp)},       {"hr", trace_json(p.hr)},
            {"rmssd", trace_json(p.rmssd)},     {"arousal_trace", trace_json(p.arousal_trace)}};
}

PartnerView partner_from(const json& j) {
    PartnerView p;
    p.name = str(j, "name");
    p.device = str(j, "device");
    p.link = str(j, "link");
    p.has_signal = flag(j, "has_signal");
    p.hr_bpm = num(j, "hr_bpm");
    p.rmssd_ms = num(j, "rmssd_ms");
    p.resp_rate_bpm = num(j, "resp_rate_bpm");
    p.resp_size = num(j, "resp_size");
    p.inhaling = flag(j, "inhaling");
    p.arousal = num(j, "arousal");
    p.arousal_state = str(j, "arousal_state");
    p.quality = num(j, "quality");
    p.quality_hint = str(j, "quality_hint");
    p.ecg = trace_from(sub(j, "ecg"));
    p.resp = trace_from(sub(j, "resp"));
    p.hr = trace_from(sub(j, "hr"));
    p.rmssd = trace_from(sub(j, "rmssd"));
    p.arousal_trace = trace_from(sub(j, "arousal_trace"));
    return p;
}

json protocol_json(const ProtocolView& v) {
    return {{"name", v.name},
            {"step_title", v.step_title},
            {"step_kind", v.step_kind},
            {"step_index", v.step_index},
            {"step_count", v.step_count},
            {"in_ritual", v.in_ritual},
            {"ritual_index", v.ritual_index},
            {"ritual_count", v.ritual_count},
            {"next_title", v.next_title},
            {"step_remaining_s", v.step_remaining_s},
            {"consent_checks", v.consent_checks},
            {"slowed", v.slowed},
            {"halted", v.halted},
            {"held", v.held},
            {"ended", v.ended},
            {"aroused", {v.aroused[0], v.aroused[1]}}};
}

ProtocolView protocol_from(const json& j) {
    ProtocolView v;
    v.name = str(j, "name");
    v.step_title = str(j, "step_title");
    v.step_kind = str(j, "step_kind");
    v.step_index = count(j, "step_index");
    v.step_count = count(j, "step_count");
    v.in_ritual = flag(j, "in_ritual");
    v.ritual_index = count(j, "ritual_index");
    v.ritual_count = count(j, "ritual_count");
    v.next_title = str(j, "next_title");
    v.step_remaining_s = num(j, "step_remaining_s");
    v.consent_checks = flag(j, "consent_checks");
    v.slowed = flag(j, "slowed");
    v.halted = flag(j, "halted");
    v.held = flag(j, "held");
    v.ended = flag(j, "ended");
    const auto it = j.find("aroused");
    if (it != j.end() && it->is_array() && it->size() == 2)
        for (std::size_t i = 0; i < 2; ++i) v.aroused[i] = (*it)[i].is_boolean() && (*it)[i].get<bool>();
    return v;
}

json cue_json(const CueView& c) {
    return {{"active", c.active},   {"kind", c.kind},           {"title", c.title},
            {"text", c.text},       {"remaining_s", c.remaining_s}, {"total_s", c.total_s},
            {"show_pacer", c.show_pacer}, {"awaiting_answers", c.awaiting_answers},
            {"answers", {static_cast<int>(c.answers[0]), static_cast<int>(c.answers[1])}}};
}

CueView cue_from(const json& j) {
    CueView c;
    c.active = flag(j, "active");
    c.kind = str(j, "kind");
    c.title = str(j, "title");
    c.text = str(j, "text", 4 * kMaxTextChars);
    c.remaining_s = num(j, "remaining_s");
    c.total_s = num(j, "total_s");
    c.show_pacer = flag(j, "show_pacer");
    c.awaiting_answers = flag(j, "awaiting_answers");
    const auto it = j.find("answers");
    if (it != j.end() && it->is_array() && it->size() == 2)
        for (std::size_t i = 0; i < 2; ++i) {
            const int a = (*it)[i].is_number_integer() ? (*it)[i].get<int>() : 0;
            c.answers[i] = a >= 0 && a <= static_cast<int>(Answer::Stop) ? static_cast<Answer>(a) : Answer::None;
        }
    return c;
}

json event_json(const SessionEvent& e) {
    json j{{"t", e.time_s}, {"kind", e.kind}, {"text", e.text}};
    if (e.partner) j["partner"] = std::string(signal::partner_letter(*e.partner));
    return j;
}

SessionEvent event_from(const json& j) {
    SessionEvent e;
    e.time_s = num(j, "t");
    e.kind = str(j, "kind", 40);
    e.text = str(j, "text");
    const std::string p = str(j, "partner", 1);
    if (p == "a") e.partner = signal::Partner::A;
    if (p == "b") e.partner = signal::Partner::B;
    return e;
}

Snapshot snapshot_from(const json& j) {
    Snapshot s;
    s.session_time_s = num(j, "t");
    s.phase = str(j, "phase");
    const auto& pacer = sub(j, "pacer");
    s.pacer_settings.breaths_per_min = num(pacer, "breaths_per_min", 6.0);
    s.pacer_settings.inhale_fraction = num(pacer, "inhale_fraction", 0.4);
    s.pacer_settings.hold_fraction = num(pacer, "hold_fraction");
    s.pacer = pacer_phase(s.pacer_settings, s.session_time_s);
    s.pacer_visible = flag(j, "pacer_visible");
    s.breathing_together = num(j, "breathing_together");
    s.breathing_together_on = flag(j, "breathing_together_on");
    s.paused = flag(j, "paused");
    s.cue = cue_from(sub(j, "cue"));
    s.protocol = protocol_from(sub(j, "protocol"));
    const auto partners = j.find("partners");
    if (partners != j.end() && partners->is_array() && partners->size() == 2)
        for (std::size_t i = 0; i < 2; ++i)
            if ((*partners)[i].is_object()) s.partners[i] = partner_from((*partners)[i]);
    const auto events = j.find("events");
    if (events != j.end() && events->is_array())
        for (std::size_t i = 0; i < std::min(events->size(), kMaxEvents); ++i)
            if ((*events)[i].is_object()) s.recent_events.push_back(event_from((*events)[i]));
    const auto& watch = sub(j, "watch");
    s.watch.sharing = flag(watch, "sharing");
    s.watch.watchers = static_cast<int>(count(watch, "watchers", 100));
    return s;
}

}  // namespace

std::string_view control_name(Control control) {
    for (const auto& [c, name] : kControls)
        if (c == control) return name;
    return "hold";
}

std::optional<Control> control_from_name(std::string_view name) {
    for (const auto& [c, n] : kControls)
        if (n == name) return c;
    return std::nullopt;
}

std::string encode(const WatcherRequest& request) {
    switch (request.kind) {
    case WatcherRequest::Kind::Hello: return json{{"type", "hello"}, {"code", request.text}}.dump();
    case WatcherRequest::Kind::Marker: return json{{"type", "marker"}, {"text", request.text}}.dump();
    case WatcherRequest::Kind::Control:
        return json{{"type", "control"}, {"control", std::string(control_name(request.control))}}.dump();
    }
    return "{}";
}

std::optional<WatcherRequest> decode_request(std::string_view text) {
    const auto j = parse(text, kMaxRequestBytes);
    if (!j) return std::nullopt;
    const std::string type = str(*j, "type", 16);
    WatcherRequest r;
    if (type == "hello") {
        r.kind = WatcherRequest::Kind::Hello;
        r.text = str(*j, "code", 64);
        return r;
    }
    if (type == "marker") {
        r.kind = WatcherRequest::Kind::Marker;
        r.text = str(*j, "text");
        if (r.text.empty()) return std::nullopt;
        return r;
    }
    if (type == "control") {
        const auto c = control_from_name(str(*j, "control", 16));
        if (!c) return std::nullopt;
        r.kind = WatcherRequest::Kind::Control;
        r.control = *c;
        return r;
    }
    return std::nullopt;
}

std::string encode_snapshot(const Snapshot& s) {
    json events = json::array();
    for (const auto& e : s.recent_events) events.push_back(event_json(e));
    const json j{{"type", "snapshot"},
                 {"t", s.session_time_s},
                 {"phase", s.phase},
                 {"pacer",
                  {{"breaths_per_min", s.pacer_settings.breaths_per_min},
                   {"inhale_fraction", s.pacer_settings.inhale_fraction},
                   {"hold_fraction", s.pacer_settings.hold_fraction}}},
                 {"pacer_visible", s.pacer_visible},
                 {"breathing_together", s.breathing_together},
                 {"breathing_together_on", s.breathing_together_on},
                 {"paused", s.paused},
                 {"cue", cue_json(s.cue)},
                 {"protocol", protocol_json(s.protocol)},
                 {"partners", {partner_json(s.partners[0]), partner_json(s.partners[1])}},
                 {"events", std::move(events)},
                 {"watch", {{"sharing", s.watch.sharing}, {"watchers", s.watch.watchers}}}};
    // Invalid UTF-8 in a name or note is replaced rather than refusing the whole snapshot.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_status(ServerMessage::Kind kind, const std::string& reason) {
    const char* type = kind == ServerMessage::Kind::Welcome ? "welcome"
                       : kind == ServerMessage::Kind::Refused ? "refused"
                                                              : "bye";
    return json{{"type", type}, {"reason", reason}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<ServerMessage> decode_server_message(std::string_view text) {
    const auto j = parse(text, kMaxServerMessageBytes);
    if (!j) return std::nullopt;
    const std::string type = str(*j, "type", 16);
    ServerMessage m;
    m.reason = str(*j, "reason");
    if (type == "welcome") m.kind = ServerMessage::Kind::Welcome;
    else if (type == "refused") m.kind = ServerMessage::Kind::Refused;
    else if (type == "bye") m.kind = ServerMessage::Kind::Bye;
    else if (type == "snapshot") {
        m.kind = ServerMessage::Kind::Snapshot;
        m.snapshot = std::make_shared<const Snapshot>(snapshot_from(*j));
    } else {
        return std::nullopt;
    }
    return m;
}

}  // namespace attune::session::remote
