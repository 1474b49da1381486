// A session protocol as data: the steps a couple and their therapist agreed on, the pause
// ritual that interrupts a monitored step when a partner's arousal rises (or either asks for a
// pause), and what counts as recovered. Loaded from TOML (format: docs/parts/protocol.md);
// `default_protocol()` is the shipped standard session, built in so a session always has one.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "attune/session/pacer.hpp"

namespace attune::session {

// What a step does. The machine's behaviour per kind:
//   consent      both confirm they want to begin (either may stop); untimed
//   baseline     quiet calibration, no pacer; timed
//   breathe      the shared pacer, for duration_s or `breaths` breaths; may converge from the
//                slower partner's own pace onto the target
//   conversation talking, monitored: rising arousal or a pause key starts the pause ritual
//   prompt       an invitation with agreed wording (apology, reassurance, commitment ...)
//   activity     a neutral calming activity, timed
//   practice     a timed closeness practice with consent check-ins (continue / slow down /
//                pause, a key each; the pace follows the slower answer)
//   checkin      a question both answer ("Are you okay?"); untimed unless duration_s is set
//   words        each partner picks words from the shared feelings vocabulary, then confirms
//   recovery     (ritual only) waits until the aroused partner is back near their own baseline
//   closing      each names a small win; both confirm; the session ends after it
enum class StepKind { Consent, Baseline, Breathe, Conversation, Prompt, Activity, Practice, Checkin, Words, Recovery, Closing };

std::string_view to_string(StepKind kind);
std::optional<StepKind> step_kind_from(std::string_view name);

struct Step {
    StepKind kind = StepKind::Prompt;
    std::string title;           // large words on the shared screen
    std::string text;            // the agreed wording
    double duration_s = 0.0;     // 0 = until both confirm (or, for recovery, until recovered)
    int breaths = 0;             // breathe: a number of breaths instead of a duration
    std::optional<PacerSettings> pacer;  // breathe/practice/activity: this pace (else the protocol's)
    bool converge = false;       // breathe: start at the slower partner's pace, converge on the target
    bool confirm = false;        // both must confirm before moving on (after the time, if timed)
    bool monitor = false;        // arousal may start the pause ritual during this step
    bool consent_checks = false; // continue / slow down / pause answers steer this step
    bool show_pacer = false;     // the pacer is drawn (always for breathe/recovery)
    int line = 0;                // where it was defined (0 = built in)

    // Planned length in session seconds (0 = open ended).
    double planned_s(double breaths_per_min) const;
};

// When arousal starts the ritual and what counts as recovered.
struct ArousalRules {
    bool high_only = false;          // trigger on "high" only (default: "rising" already)
    double recovery_hold_s = 30.0;   // the aroused partner(s) near baseline this long
    double recovery_max_s = 240.0;   // then move on anyway (gently), also when a sensor is out
    double cooldown_s = 90.0;        // no automatic ritual again this soon after one ended
};

struct ConsentRules {
    double slow_factor = 1.5;        // "slow down": timed steps take this much longer
    double slow_pacer_bpm = 1.0;     // and the pacer slows by this many breaths / min (>= 3)
};

struct Protocol {
    std::string name = "Standard session";
    std::string description;
    std::string source;              // file it came from ("built in" otherwise)
    PacerSettings pacer;             // default pace: 6 / min, inhale 40 %
    ArousalRules arousal;
    ConsentRules consent;
    std::vector<std::string> vocabulary;  // shared feelings words (editable in the file)
    std::vector<Step> steps;              // the session, in order
    std::vector<Step> ritual;             // the agreed pause ritual, in order
};

// A protocol file that cannot be used: the message names the file and the line.
class ProtocolError : public std::runtime_error {
public:
    ProtocolError(const std::string& message, int line) : std::runtime_error(message), line_(line) {}
    int line() const { return line_; }

private:
    int line_;
};

// Throws ProtocolError (file:line: what is wrong) for malformed TOML, unknown keys, kinds or
// values out of range, and a protocol without steps or a monitored step without a ritual.
Protocol load_protocol(const std::filesystem::path& file);
Protocol parse_protocol(std::string_view toml_text, const std::string& source_name);

// The built-in standard session: consent, baseline, breathing together, conversation with the
// pause-and-repair ritual, closing.
Protocol default_protocol();

// Where shipped protocols live: $ATTUNE_PROTOCOLS, then <exe dir>/protocols,
// <exe dir>/../share/attune/protocols, then the source tree's app/protocols.
std::vector<std::filesystem::path> protocol_search_dirs();
// A name ("closeness") or a path; throws ProtocolError when nothing is found.
std::filesystem::path find_protocol(const std::string& name_or_path);

}  // namespace attune::session
