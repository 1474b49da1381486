// Loading session protocols from TOML (toml++), validating every key, and the built-in default.
#include "attune/session/protocol.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <unistd.h>

namespace attune::session {
namespace {

constexpr std::array<std::pair<StepKind, std::string_view>, 11> kKindNames{{
    {StepKind::Consent, "consent"},
    {StepKind::Baseline, "baseline"},
    {StepKind::Breathe, "breathe"},
    {StepKind::Conversation, "conversation"},
    {StepKind::Prompt, "prompt"},
    {StepKind::Activity, "activity"},
    {StepKind::Practice, "practice"},
    {StepKind::Checkin, "checkin"},
    {StepKind::Words, "words"},
    {StepKind::Recovery, "recovery"},
    {StepKind::Closing, "closing"},
}};

// Reads one TOML document, turning every problem into "source:line: message".
class Reader {
public:
    explicit Reader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(int line, const std::string& message) const {
        std::ostringstream s;
        s << source_ << ":" << line << ": " << message;
        throw ProtocolError(s.str(), line);
    }
    static int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

    // Unknown keys are errors: a typo ("duraton_s") must not silently fall back to a default.
    void only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                   const std::string& where) const {
        for (const auto& [key, value] : table) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end())
                fail(line_of(value), "unknown key '" + std::string(key.str()) + "' in " + where);
        }
    }

    std::string text(const toml::table& t, std::string_view key, std::string fallback) const {
        const toml::node* n = t.get(key);
        if (!n) return fallback;
        if (!n->is_string()) fail(line_of(*n), "'" + std::string(key) + "' must be text in quotes");
        return std::string(*n->value<std::string>());
    }

    double number(const toml::table& t, std::string_view key, double fallback, double lo, double hi) const {
        const toml::node* n = t.get(key);
        if (!n) return fallback;
        if (!n->is_number()) fail(line_of(*n), "'" + std::string(key) + "' must be a number");
        const double v = *n->value<double>();
        if (!(v >= lo && v <= hi)) {
            std::ostringstream s;
            s << "'" << key << "' = " << v << " is outside " << lo << " .. " << hi;
            fail(line_of(*n), s.str());
        }
        return v;
    }

    bool flag(const toml::table& t, std::string_view key, bool fallback) const {
        const toml::node* n = t.get(key);
        if (!n) return fallback;
        if (!n->is_boolean()) fail(line_of(*n), "'" + std::string(key) + "' must be true or false");
        return *n->value<bool>();
    }

    const toml::table* table(const toml::table& t, std::string_view key) const {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table()) fail(line_of(*n), "'" + std::string(key) + "' must be a [table]");
        return n->as_table();
    }

    PacerSettings pacer(const toml::table& t, PacerSettings base) const {
        base.breaths_per_min = number(t, "breaths_per_min", base.breaths_per_min, 3.0, 20.0);
        base.inhale_fraction = number(t, "inhale", base.inhale_fraction, 0.2, 0.7);
        base.hold_fraction = number(t, "hold", base.hold_fraction, 0.0, 0.3);
        if (base.inhale_fraction + base.hold_fraction > 0.8)
            fail(line_of(t), "inhale + hold leave too little time to breathe out (at most 0.8)");
        return base;
    }

    Step step(const toml::table& t, const PacerSettings& pace, bool in_ritual) const {
        const std::string where = in_ritual ? "a [[ritual]] step" : "a [[step]]";
        only_keys(t,
                  {"kind", "title", "text", "duration_s", "breaths", "breaths_per_min", "inhale", "hold",
                   "converge", "confirm", "monitor", "consent_checks", "show_pacer"},
                  where);
        Step s;
        s.line = line_of(t);
        const toml::node* kind = t.get("kind");
        if (!kind) fail(s.line, where + " needs a kind (one of: " + kind_list() + ")");
        if (!kind->is_string()) fail(line_of(*kind), "'kind' must be text in quotes");
        const auto parsed = step_kind_from(*kind->value<std::string>());
        if (!parsed)
            fail(line_of(*kind), "unknown kind '" + *kind->value<std::string>() + "' (one of: " + kind_list() + ")");
        s.kind = *parsed;
        if (s.kind == StepKind::Recovery && !in_ritual) fail(s.line, "a 'recovery' step belongs in the [[ritual]]");
        apply_kind_defaults(s);
        s.title = text(t, "title", s.title);
        s.text = text(t, "text", s.text);
        s.duration_s = number(t, "duration_s", s.duration_s, 0.0, 4.0 * 3600.0);
        s.breaths = static_cast<int>(number(t, "breaths", s.breaths, 0.0, 200.0));
        if (t.contains("breaths_per_min") || t.contains("inhale") || t.contains("hold")) s.pacer = pacer(t, pace);
        s.converge = flag(t, "converge", s.converge);
        s.confirm = flag(t, "confirm", s.confirm);
        s.monitor = flag(t, "monitor", s.monitor);
        s.consent_checks = flag(t, "consent_checks", s.consent_checks);
        s.show_pacer = flag(t, "show_pacer", s.show_pacer);
        if (s.title.empty()) fail(s.line, where + " of kind '" + std::string(to_string(s.kind)) + "' needs a title");
        const bool timed_kind = s.kind == StepKind::Baseline || s.kind == StepKind::Conversation ||
                                s.kind == StepKind::Activity || s.kind == StepKind::Practice;
        if (timed_kind && s.duration_s <= 0.0)
            fail(s.line, "a '" + std::string(to_string(s.kind)) + "' step needs duration_s > 0");
        if (s.kind == StepKind::Breathe && s.duration_s <= 0.0 && s.breaths <= 0)
            fail(s.line, "a 'breathe' step needs breaths or duration_s");
        if (s.kind == StepKind::Prompt && s.duration_s <= 0.0 && !s.confirm)
            fail(s.line, "a 'prompt' step needs duration_s or confirm = true");
        if (in_ritual && s.monitor) fail(s.line, "ritual steps cannot be monitored (they are the response)");
        return s;
    }

    static void apply_kind_defaults(Step& s) {
        switch (s.kind) {
            case StepKind::Consent: s.confirm = true; break;
            case StepKind::Checkin: s.confirm = true; break;
            case StepKind::Words: s.confirm = true; break;
            case StepKind::Closing: s.confirm = true; break;
            case StepKind::Conversation: s.monitor = true; break;
            case StepKind::Practice: s.consent_checks = true; break;
            case StepKind::Breathe:
            case StepKind::Recovery: s.show_pacer = true; break;
            default: break;
        }
    }

    static std::string kind_list() {
        std::string list;
        for (const auto& [kind, name] : kKindNames) list += (list.empty() ? "" : ", ") + std::string(name);
        return list;
    }

    std::vector<Step> steps(const toml::table& root, std::string_view key, const PacerSettings& pace,
                            bool in_ritual) const {
        std::vector<Step> out;
        const toml::node* n = root.get(key);
        if (!n) return out;
        const toml::array* arr = n->as_array();
        if (!arr) fail(line_of(*n), "'" + std::string(key) + "' must be written as [[" + std::string(key) + "]] tables");
        for (const auto& item : *arr) {
            if (!item.is_table()) fail(line_of(item), "each '" + std::string(key) + "' must be a [[" + std::string(key) + "]] table");
            out.push_back(step(*item.as_table(), pace, in_ritual));
        }
        return out;
    }

private:
    std::string source_;
};

Protocol build(const toml::table& root, const std::string& source) {
    Reader r(source);
    r.only_keys(root, {"protocol", "pacer", "arousal", "consent", "vocabulary", "step", "ritual"}, "the file");
    Protocol p;
    p.source = source;
    p.steps.clear();
    if (const auto* meta = r.table(root, "protocol")) {
        r.only_keys(*meta, {"name", "description"}, "[protocol]");
        p.name = r.text(*meta, "name", p.name);
        p.description = r.text(*meta, "description", "");
    }
    if (const auto* pace = r.table(root, "pacer")) {
        r.only_keys(*pace, {"breaths_per_min", "inhale", "hold"}, "[pacer]");
        p.pacer = r.pacer(*pace, p.pacer);
    }
    if (const auto* a = r.table(root, "arousal")) {
        r.only_keys(*a, {"trigger", "recovery_hold_s", "recovery_max_s", "cooldown_s"}, "[arousal]");
        const std::string trigger = r.text(*a, "trigger", "rising");
        if (trigger != "rising" && trigger != "high")
            r.fail(Reader::line_of(*a->get("trigger")), "trigger must be \"rising\" or \"high\"");
        p.arousal.high_only = trigger == "high";
        p.arousal.recovery_hold_s = r.number(*a, "recovery_hold_s", p.arousal.recovery_hold_s, 5.0, 600.0);
        p.arousal.recovery_max_s = r.number(*a, "recovery_max_s", p.arousal.recovery_max_s, 10.0, 1800.0);
        p.arousal.cooldown_s = r.number(*a, "cooldown_s", p.arousal.cooldown_s, 0.0, 1800.0);
        if (p.arousal.recovery_max_s < p.arousal.recovery_hold_s)
            r.fail(Reader::line_of(*a), "recovery_max_s must not be shorter than recovery_hold_s");
    }
    if (const auto* c = r.table(root, "consent")) {
        r.only_keys(*c, {"slow_factor", "slow_pacer_bpm"}, "[consent]");
        p.consent.slow_factor = r.number(*c, "slow_factor", p.consent.slow_factor, 1.0, 4.0);
        p.consent.slow_pacer_bpm = r.number(*c, "slow_pacer_bpm", p.consent.slow_pacer_bpm, 0.0, 5.0);
    }
    if (const auto* v = r.table(root, "vocabulary")) {
        r.only_keys(*v, {"words"}, "[vocabulary]");
        if (const toml::node* w = v->get("words")) {
            const toml::array* arr = w->as_array();
            if (!arr) r.fail(Reader::line_of(*w), "words must be a list of quoted words");
            std::set<std::string> seen;
            for (const auto& item : *arr) {
                if (!item.is_string()) r.fail(Reader::line_of(item), "words must be a list of quoted words");
                const std::string word = *item.value<std::string>();
                if (word.empty() || !seen.insert(word).second) continue;
                p.vocabulary.push_back(word);
            }
        }
    }
    p.steps = r.steps(root, "step", p.pacer, false);
    p.ritual = r.steps(root, "ritual", p.pacer, true);
    if (p.steps.empty()) r.fail(1, "the protocol has no [[step]]");
    for (const auto& s : p.steps) {
        if (s.kind == StepKind::Words && p.vocabulary.empty())
            r.fail(s.line, "a 'words' step needs a [vocabulary] with words");
        if (s.monitor && p.ritual.empty())
            r.fail(s.line, "this step is monitored (it can start the pause ritual), but the file has no [[ritual]] steps");
    }
    return p;
}

}  // namespace

std::string_view to_string(StepKind kind) {
    for (const auto& [k, name] : kKindNames)
        if (k == kind) return name;
    return "?";
}

std::optional<StepKind> step_kind_from(std::string_view name) {
    for (const auto& [k, n] : kKindNames)
        if (n == name) return k;
    return std::nullopt;
}

double Step::planned_s(double breaths_per_min) const {
    if (duration_s > 0.0) return duration_s;
    if (breaths > 0) return breaths * 60.0 / std::max(1.0, pacer ? pacer->breaths_per_min : breaths_per_min);
    return 0.0;
}

Protocol parse_protocol(std::string_view toml_text, const std::string& source_name) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        const int line = static_cast<int>(e.source().begin.line);
        std::ostringstream s;
        s << source_name << ":" << line << ": " << e.description();
        throw ProtocolError(s.str(), line);
    }
    return build(root, source_name);
}

Protocol load_protocol(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ProtocolError("cannot read protocol file " + file.string(), 0);
    std::ostringstream content;
    content << in.rdbuf();
    return parse_protocol(content.str(), file.string());
}

std::vector<std::filesystem::path> protocol_search_dirs() {
    namespace fs = std::filesystem;
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("ATTUNE_PROTOCOLS"); env && *env) dirs.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        dirs.push_back(exe.parent_path() / "protocols");
        dirs.push_back(exe.parent_path().parent_path() / "share" / "attune" / "protocols");
    }
    // This file is app/session/src/protocol.cpp; the shipped library is app/protocols.
    dirs.push_back(fs::path(__FILE__).parent_path().parent_path().parent_path() / "protocols");
    return dirs;
}

std::filesystem::path find_protocol(const std::string& name_or_path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
    const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                                 fs::path(name_or_path).extension() == ".toml";
    if (!looks_like_path) {
        for (const auto& dir : protocol_search_dirs()) {
            const fs::path candidate = dir / (name_or_path + ".toml");
            if (fs::is_regular_file(candidate, ec)) return candidate;
        }
    }
    throw ProtocolError("no protocol file '" + name_or_path + "' (give a path, or a name from the library: " +
                            "`attune protocols` lists them)",
                        0);
}

Protocol default_protocol() {
    Protocol p;
    p.name = "Standard session";
    p.description = "Consent, a quiet baseline, breathing together, a monitored conversation with the "
                    "pause-and-repair ritual, and a closing where each names a small win.";
    p.source = "built in";
    p.vocabulary = {"calm", "tired", "hopeful", "tense", "sad", "close", "distant", "grateful", "worried", "relieved"};
    const auto step = [](StepKind kind, std::string title, std::string text, double duration_s) {
        Step s;
        s.kind = kind;
        s.title = std::move(title);
        s.text = std::move(text);
        s.duration_s = duration_s;
        Reader::apply_kind_defaults(s);
        return s;
    };
    p.steps = {
        step(StepKind::Consent, "Shall we begin?",
             "Each of you: press your key when you are ready. Either of you can stop at any time.", 0),
        step(StepKind::Baseline, "Settling in", "Sit comfortably and breathe as you normally do.", 60),
        step(StepKind::Breathe, "Breathing together", "Follow the circle: in as it grows, out as it shrinks.", 180),
        step(StepKind::Conversation, "Talking", "Take turns. Either of you can pause at any time.", 900),
        step(StepKind::Closing, "Closing", "Each of you: name one small win from today.", 0),
    };
    p.steps[2].converge = true;
    Step breathe = step(StepKind::Breathe, "Breathe together", "Slowly, with the circle.", 0);
    breathe.breaths = 6;
    p.ritual = {
        step(StepKind::Prompt, "Let's pause", "We agreed to stop here for a moment. Nothing needs to be said yet.", 10),
        breathe,
        step(StepKind::Prompt, "A short apology", "If it feels right: \"I'm sorry for my part.\"", 20),
        step(StepKind::Prompt, "Reassurance", "Say one concrete thing: \"I'm here. We're on the same side.\"", 20),
        step(StepKind::Activity, "Something calm", "Look around the room together and name three blue things.", 45),
        step(StepKind::Prompt, "Our commitment", "\"We will come back to this, gently.\"", 15),
        step(StepKind::Recovery, "Settling again", "Keep breathing with the circle. Take the time you need.", 0),
        step(StepKind::Checkin, "Are you okay?", "Each of you: press your key when you are.", 0),
        step(StepKind::Checkin, "Ready to continue?", "Each of you: press your key when you are ready.", 0),
    };
    return p;
}

}  // namespace attune::session
