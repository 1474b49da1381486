// Offline analysis of a recording (`attune analyze`): a CSV streams once, row by row, through a
// list of analysis stages; they write their own output files and fill a shared per-second
// timeline. Memory is constant in the input's length.
//
// [SECTION] Contract (kept exactly)
//   attune analyze INPUT.csv --fs HZ [--ecg COL] [--ppg COL] [--rr COL] [--time COL] --out DIR
//   DIR/ecg_beats.csv, DIR/ppg_beats.csv   time_s,rr_ms,quality        (one row per beat)
//   DIR/ecg_rejected.csv, ppg_rejected.csv same columns: candidates rejected as artifacts
//                                          (noise, flat line, clipping; not beats)
//   DIR/hrv.json                           whole-recording metrics, names + units, counts
//   DIR/timeline.csv                       time_s,hr_bpm,rmssd_ms,coherence,quality[,more...]
//
// [SECTION] Adding a stage (how breathing and arousal plug in, each in its own file)
//   1. Subclass AnalysisStage (below). In begin(): ask the context for your CSV columns
//      (ctx.input(column)), declare your timeline columns (ctx.timeline_column("resp_rate_bpm"))
//      and find columns of earlier stages you read (ctx.find_timeline_column("hr_bpm")).
//   2. Register it from the executable, in a file of yours under app/cli/
//      (app/cli/analyze_<name>_stage.cpp; the stage class itself may live in
//      app/session/src/analyze_<name>.cpp behind a small header). Registrations must sit in the
//      executable's own sources: a self-registering object inside the static session library
//      would be dropped by the linker because nothing references it.
//
//        namespace {
//        const attune::session::StageRegistration kResp{{
//            .name = "breathing",
//            .order = 200,                         // heart = 100, breathing = 200, arousal = 300
//            .inputs = {{"resp", "Respiration column (inspiration = up)"}},
//            .make = [](const attune::session::AnalyzeOptions& o)
//                        -> std::unique_ptr<attune::session::AnalysisStage> {
//                if (!o.has_column("resp")) return nullptr;       // not asked for: no columns
//                return std::make_unique<BreathingStage>();
//            }}};
//        }
//
//      `attune analyze` then accepts `--resp COLUMN` (every registered input becomes an
//      option), and your columns appear after the base columns, in stage order, only when the
//      stage was created. Nothing else needs editing. The heart stage (ecg/ppg/rr, order 100)
//      is built into run_analysis(), so library tests get it without registering.
//   3. Data flow per CSV row: on_row() of every stage in order (beats found by a stage during
//      on_row are published with ctx.publish_beat() and reach on_beat() of every stage at once);
//      then, once the stream has passed second k + 1 + kTimelineLagS, on_second(k, row) of every
//      stage in order, so later stages read what earlier ones wrote in the same row.
//      At the end: finish_input() of every stage, the remaining seconds, then finish().
//
// [SECTION] Time
//   Row time is `--time` column (seconds) when given, else row index / fs. Timeline row k
//   covers [k, k+1) s from the first sample; its time_s is k. Stages whose data runs on another
//   clock (RR-only input: cumulative RR) report how far they have got with horizon_s(); when
//   any stage does, the timeline follows the smallest horizon instead of the row time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "attune/signal/beat.hpp"

namespace attune::session {

// Bad input or options: the message is one line meant for the user.
class AnalyzeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Accepted sample rates (Hz) of --fs.
constexpr double kMinFsHz = 1.0;
constexpr double kMaxFsHz = 10000.0;
// How long after the end of a second the timeline row is computed: beat detectors answer late
// (R-peak latency <= 0.3 s, search-back up to ~1.7 RR), so this keeps rows final when written.
constexpr double kTimelineLagS = 4.0;

struct AnalyzeOptions {
    std::filesystem::path input;
    std::filesystem::path out_dir;
    double fs_hz = 0.0;
    std::string time_column;                     // empty: time = row index / fs
    std::map<std::string, std::string> columns;  // input role ("ecg", "ppg", "rr", ...) -> CSV column

    bool has_column(const std::string& role) const { return columns.count(role) != 0; }
    const std::string& column(const std::string& role) const { return columns.at(role); }
};

// Where a beat came from (beats files and HRV are per source).
enum class BeatSource : std::uint8_t { Ecg, Ppg, Rr };
std::string_view to_string(BeatSource source);

using InputId = std::size_t;
using ColumnId = std::size_t;
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// One CSV row as the stages see it. Empty cells read as NaN (a gap); text is an error
// raised by the reader before any stage sees the row.
class InputRow {
public:
    std::uint64_t index = 0;  // 0-based data row
    double time_s = 0.0;      // see [SECTION] Time
    double value(InputId id) const noexcept { return values_[id]; }

    const double* values_ = nullptr;  // owned by the engine; one per requested input
};

// One timeline row while it is being filled.
class TimelineRow {
public:
    std::int64_t second = 0;
    void set(ColumnId column, double value) noexcept { cells_[column] = value; }
    // NaN when nobody wrote it (yet); written out as an empty cell.
    double get(ColumnId column) const noexcept { return cells_[column]; }

    double* cells_ = nullptr;  // owned by the engine
};

class StageContext;

// One step of the analysis. Not copyable; created per run by its registration's make().
class AnalysisStage {
public:
    virtual ~AnalysisStage() = default;
    // Setup: request inputs, declare timeline columns, open output files. Throw AnalyzeError
    // for bad input (e.g. a column that is not in the file).
    virtual void begin(StageContext& ctx) = 0;
    // Every CSV row, in order.
    virtual void on_row(const InputRow& row) = 0;
    // Every beat published by any stage (including this one), as soon as it is found.
    virtual void on_beat(BeatSource /*source*/, const signal::Beat& /*beat*/) {}
    // Fill this stage's cells of timeline row `row.second`.
    virtual void on_second(TimelineRow& row) = 0;
    // Seconds of data this stage has fully seen (default: it follows the rows). A stage returns
    // a value from the first row on or never: until one does, the engine asks only when the row
    // time reaches the next timeline row (asking every row was a measurable share of the run).
    virtual std::optional<double> horizon_s() const { return std::nullopt; }
    // End of the rows, before the last timeline rows: flush detectors (pending beats).
    virtual void finish_input() {}
    // After the last timeline row: write whole-recording outputs, close files.
    virtual void finish() = 0;
};

// What a stage may ask the engine for. Setup calls only in begin(); publish_beat any time.
class StageContext {
public:
    virtual ~StageContext() = default;
    // A CSV column this stage reads; throws AnalyzeError("... no column 'X' ...") if absent.
    virtual InputId input(std::string_view csv_column) = 0;
    // Declare a timeline column (or get a base one: time_s, hr_bpm, rmssd_ms, coherence, quality).
    virtual ColumnId timeline_column(std::string_view name) = 0;
    // A column declared by an earlier stage or a base one; nullopt when absent in this run.
    virtual std::optional<ColumnId> find_timeline_column(std::string_view name) const = 0;
    virtual std::filesystem::path output_path(std::string_view file_name) const = 0;
    virtual const AnalyzeOptions& options() const = 0;
    virtual void publish_beat(BeatSource source, const signal::Beat& beat) = 0;
};

struct StageInput {
    std::string role;  // option name without dashes: "resp" -> `--resp COLUMN`
    std::string help;
};

struct StageInfo {
    std::string name;
    int order = 0;  // pipeline position: heart 100, breathing 200, arousal 300
    std::vector<StageInput> inputs;
    // nullptr when the options do not ask for this stage.
    std::function<std::unique_ptr<AnalysisStage>(const AnalyzeOptions&)> make;
};

// Stages registered by the executable's files (see [SECTION] Adding a stage).
std::vector<StageInfo>& registered_stages();
// The built-in heart stage plus the registered ones, sorted by order: what a run uses.
std::vector<StageInfo> analysis_stages();

struct StageRegistration {
    explicit StageRegistration(StageInfo info) { registered_stages().push_back(std::move(info)); }
};

// The base timeline columns, always present, in this order.
inline constexpr std::string_view kBaseTimelineColumns[] = {"time_s", "hr_bpm", "rmssd_ms",
                                                            "coherence", "quality"};

struct AnalyzeResult {
    std::uint64_t rows = 0;
    std::int64_t seconds = 0;  // timeline rows written
};

// Runs the whole analysis. Throws AnalyzeError with a one-line message on bad input.
AnalyzeResult run_analysis(const AnalyzeOptions& options);

}  // namespace attune::session
