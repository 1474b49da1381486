// Protocol files: every shipped protocol loads; malformed files are refused naming the line.
#include <catch2/catch.hpp>

#include <filesystem>

#include "attune/session/protocol.hpp"

using namespace attune::session;
namespace fs = std::filesystem;

namespace {

const fs::path kLibrary = fs::path(ATTUNE_SOURCE_DIR) / "app" / "protocols";

// The line a parse error names, or -1 when it parsed.
int error_line(const std::string& text) {
    try {
        parse_protocol(text, "test.toml");
    } catch (const ProtocolError& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).rfind("test.toml:" + std::to_string(e.line()) + ": ", 0) == 0);
        return e.line();
    }
    return -1;
}

const std::string kMinimal = "[[step]]\nkind = \"baseline\"\ntitle = \"Quiet\"\nduration_s = 30\n";

}  // namespace

TEST_CASE("every shipped protocol loads and makes sense", "[protocol]") {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(kLibrary)) {
        if (entry.path().extension() != ".toml") continue;
        ++count;
        INFO(entry.path());
        const Protocol p = load_protocol(entry.path());
        CHECK_FALSE(p.name.empty());
        CHECK_FALSE(p.description.empty());
        REQUIRE_FALSE(p.steps.empty());
        CHECK(p.steps.front().kind == StepKind::Consent);  // every session starts with consent
        CHECK(p.steps.back().kind == StepKind::Closing);   // and ends with each naming a win
        for (const auto& s : p.steps) {
            CHECK_FALSE(s.title.empty());
            CHECK(s.line > 0);
        }
        CHECK(p.pacer.breaths_per_min >= 4.0);
        CHECK(p.pacer.breaths_per_min <= 7.0);
    }
    CHECK(count >= 6);
}

TEST_CASE("the built-in default is the shipped standard session", "[protocol]") {
    const Protocol file = load_protocol(kLibrary / "standard.toml");
    const Protocol built_in = default_protocol();
    REQUIRE(file.steps.size() == built_in.steps.size());
    REQUIRE(file.ritual.size() == built_in.ritual.size());
    for (std::size_t i = 0; i < file.steps.size(); ++i) {
        CHECK(file.steps[i].kind == built_in.steps[i].kind);
        CHECK(file.steps[i].title == built_in.steps[i].title);
        CHECK(file.steps[i].duration_s == built_in.steps[i].duration_s);
    }
    for (std::size_t i = 0; i < file.ritual.size(); ++i) {
        CHECK(file.ritual[i].kind == built_in.ritual[i].kind);
        CHECK(file.ritual[i].text == built_in.ritual[i].text);
    }
}

TEST_CASE("the library has the practices a therapist picks from", "[protocol]") {
    const auto kinds_of = [](const Protocol& p) {
        std::vector<StepKind> k;
        for (const auto& s : p.steps) k.push_back(s.kind);
        return k;
    };
    const auto has = [](const std::vector<StepKind>& v, StepKind k) { return std::find(v.begin(), v.end(), k) != v.end(); };
    const Protocol closeness = load_protocol(find_protocol("closeness"));
    std::size_t practices = 0;
    for (const auto& s : closeness.steps)
        if (s.kind == StepKind::Practice) {
            ++practices;
            CHECK(s.consent_checks);
            CHECK(s.duration_s > 0.0);
        }
    CHECK(practices == 3);
    const Protocol feelings = load_protocol(find_protocol("feelings_checkin"));
    CHECK(has(kinds_of(feelings), StepKind::Words));
    CHECK(feelings.vocabulary.size() >= 10);
    const Protocol breathing = load_protocol(find_protocol("synchronized_breathing"));
    CHECK(std::any_of(breathing.steps.begin(), breathing.steps.end(), [](const Step& s) { return s.converge; }));
    const Protocol repair = load_protocol(find_protocol("pause_and_repair"));
    CHECK(has(kinds_of(repair), StepKind::Conversation));
    CHECK(repair.ritual.size() >= 7);
    const Protocol secure = load_protocol(find_protocol("secure_base"));
    CHECK(has(kinds_of(secure), StepKind::Conversation));
    CHECK_THROWS_AS(find_protocol("no-such-protocol"), ProtocolError);
}

TEST_CASE("malformed protocol files are refused with the line that is wrong", "[protocol]") {
    CHECK(error_line(kMinimal) == -1);
    // TOML syntax: an unterminated string on line 3.
    CHECK(error_line("[protocol]\nname = \"x\"\ndescription = \"oops\n") == 3);
    // An unknown step kind on line 3.
    CHECK(error_line("[[step]]\ntitle = \"x\"\nkind = \"dance\"\nduration_s = 3\n") == 3);
    // A typo in a key name is not silently ignored (line 5).
    CHECK(error_line(kMinimal + "[[step]]\nkind = \"baseline\"\ntitle = \"q\"\nduraton_s = 30\n") == 8);
    // Out of range: a pacer of 40 breaths / min (line 2).
    CHECK(error_line("[pacer]\nbreaths_per_min = 40\n" + kMinimal) == 2);
    // Wrong type: text where a number belongs (line 4).
    CHECK(error_line("[[step]]\nkind = \"baseline\"\ntitle = \"Quiet\"\nduration_s = \"long\"\n") == 4);
    // A timed kind without its time: the step's table line (line 1).
    CHECK(error_line("[[step]]\nkind = \"conversation\"\ntitle = \"Talk\"\n\n[[ritual]]\nkind = \"recovery\"\ntitle = \"r\"\n") == 1);
    // A monitored conversation but no ritual to start (the step's line, 5).
    CHECK(error_line(kMinimal + "[[step]]\nkind = \"conversation\"\ntitle = \"Talk\"\nduration_s = 60\n") == 5);
    // A words step without vocabulary.
    CHECK(error_line("[[step]]\nkind = \"words\"\ntitle = \"Words\"\n") == 1);
    // An unknown top-level table (line 1).
    CHECK(error_line("[pacr]\nbreaths_per_min = 6\n" + kMinimal) == 1);
    // No steps at all.
    CHECK(error_line("[protocol]\nname = \"empty\"\n") == 1);
    // A bad arousal trigger (line 2).
    CHECK(error_line("[arousal]\ntrigger = \"panic\"\n" + kMinimal) == 2);
    // Recovery outside the ritual (line 1).
    CHECK(error_line("[[step]]\nkind = \"recovery\"\ntitle = \"r\"\n") == 1);
    // A step without a kind (line 1).
    CHECK(error_line("[[step]]\ntitle = \"x\"\n") == 1);
    // Binary junk does not crash.
    CHECK(error_line(std::string("\x00\xff\xfe[[", 5)) > 0);
}

TEST_CASE("a missing protocol file is a clear error", "[protocol]") {
    CHECK_THROWS_WITH(load_protocol("/nonexistent/protocol.toml"), Catch::Contains("cannot read"));
}
