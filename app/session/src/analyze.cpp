// The analysis engine behind `attune analyze`: one pass over the CSV, stages in order, a
// per-second timeline written as it becomes final. See analyze.hpp for the stage contract.
//
// [SECTION] Timeline writer   [SECTION] Engine (StageContext)   [SECTION] run_analysis
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "attune/session/analyze.hpp"
#include "attune/session/csv_reader.hpp"

namespace attune::session {

namespace {

// [SECTION] Timeline writer ------------------------------------------------------------------

// Writes DIR/timeline.csv: one row per second, empty cells for values nobody wrote.
class TimelineWriter {
public:
    explicit TimelineWriter(const std::filesystem::path& path) : path_(path) {
        file_ = std::fopen(path.c_str(), "wb");
        if (!file_) throw AnalyzeError("cannot write " + path.string());
        std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
    }
    ~TimelineWriter() {
        if (file_) std::fclose(file_);
    }
    TimelineWriter(const TimelineWriter&) = delete;
    TimelineWriter& operator=(const TimelineWriter&) = delete;

    void header(const std::vector<std::string>& names) {
        for (std::size_t i = 0; i < names.size(); ++i)
            std::fprintf(file_, "%s%s", i ? "," : "", names[i].c_str());
        std::fputc('\n', file_);
    }
    void row(std::span<const double> cells) {
        char buf[64];
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i) std::fputc(',', file_);
            if (std::isnan(cells[i])) continue;
            const double v = std::fabs(cells[i]) < 1e-12 ? 0.0 : cells[i];
            const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed,
                                         i == 0 ? 0 : 4);
            std::fwrite(buf, 1, static_cast<std::size_t>(r.ptr - buf), file_);
        }
        std::fputc('\n', file_);
    }
    void close() {
        if (file_ && std::fclose(file_) != 0) {
            file_ = nullptr;
            throw AnalyzeError("error writing " + path_.string());
        }
        file_ = nullptr;
    }

private:
    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
};

// [SECTION] Engine (StageContext) ------------------------------------------------------------

class Engine final : public StageContext {
public:
    Engine(const AnalyzeOptions& options, CsvReader& reader) : options_(options), reader_(reader) {
        for (auto name : kBaseTimelineColumns) columns_.emplace_back(name);
    }

    InputId input(std::string_view csv_column) override {
        std::size_t index = 0;
        try {
            index = reader_.require(csv_column);
        } catch (const CsvError& e) {
            throw AnalyzeError(e.what());
        }
        for (std::size_t i = 0; i < inputs_.size(); ++i)
            if (inputs_[i] == index) return i;
        inputs_.push_back(index);
        return inputs_.size() - 1;
    }
    ColumnId timeline_column(std::string_view name) override {
        if (auto id = find_timeline_column(name)) return *id;
        columns_.emplace_back(name);
        return columns_.size() - 1;
    }
    std::optional<ColumnId> find_timeline_column(std::string_view name) const override {
        for (std::size_t i = 0; i < columns_.size(); ++i)
            if (columns_[i] == name) return i;
        return std::nullopt;
    }
    std::filesystem::path output_path(std::string_view file_name) const override {
        return options_.out_dir / std::string(file_name);
    }
    const AnalyzeOptions& options() const override { return options_; }
    void publish_beat(BeatSource source, const signal::Beat& beat) override {
        for (auto& stage : *stages_) stage->on_beat(source, beat);
    }

    void set_stages(std::vector<std::unique_ptr<AnalysisStage>>* stages) { stages_ = stages; }
    const std::vector<InputId>& inputs() const { return inputs_; }
    std::vector<std::size_t> input_columns() const { return inputs_; }
    const std::vector<std::string>& columns() const { return columns_; }

private:
    const AnalyzeOptions& options_;
    CsvReader& reader_;
    std::vector<std::size_t> inputs_;  // CSV column index per InputId
    std::vector<std::string> columns_;
    std::vector<std::unique_ptr<AnalysisStage>>* stages_ = nullptr;
};

void validate(const AnalyzeOptions& o) {
    if (!(o.fs_hz >= kMinFsHz && o.fs_hz <= kMaxFsHz)) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "--fs %g Hz is out of range (%g..%g Hz)", o.fs_hz, kMinFsHz,
                      kMaxFsHz);
        throw AnalyzeError(buf);
    }
    if (o.out_dir.empty()) throw AnalyzeError("--out DIR is required");
    std::error_code ec;
    if (!std::filesystem::exists(o.input, ec))
        throw AnalyzeError(o.input.string() + ": no such file");
    if (std::filesystem::is_directory(o.input, ec))
        throw AnalyzeError(o.input.string() + ": is a directory, not a CSV file");
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec || !std::filesystem::is_directory(o.out_dir))
        throw AnalyzeError("cannot create output directory " + o.out_dir.string());
}

}  // namespace

// [SECTION] run_analysis ---------------------------------------------------------------------

AnalyzeResult run_analysis(const AnalyzeOptions& options) {
    validate(options);
    std::unique_ptr<CsvReader> reader;
    try {
        reader = std::make_unique<CsvReader>(options.input);
    } catch (const CsvError& e) {
        throw AnalyzeError(e.what());
    }

    Engine engine(options, *reader);
    std::vector<std::unique_ptr<AnalysisStage>> stages;
    for (const StageInfo& info : analysis_stages())
        if (auto stage = info.make(options)) stages.push_back(std::move(stage));
    if (stages.empty())
        throw AnalyzeError("nothing to analyse: give at least one input column (e.g. --ecg COLUMN)");
    engine.set_stages(&stages);

    std::optional<InputId> time_input;
    if (!options.time_column.empty()) time_input = engine.input(options.time_column);
    for (auto& stage : stages) stage->begin(engine);

    TimelineWriter timeline(engine.output_path("timeline.csv"));
    timeline.header(engine.columns());
    std::vector<double> cells(engine.columns().size());
    std::vector<double> values(std::max<std::size_t>(1, engine.inputs().size()));
    reader->select(engine.input_columns());

    AnalyzeResult result;
    std::int64_t next_second = 0;
    auto emit_second = [&](std::int64_t k) {
        std::fill(cells.begin(), cells.end(), kMissing);
        cells[0] = static_cast<double>(k);
        TimelineRow row;
        row.second = k;
        row.cells_ = cells.data();
        for (auto& stage : stages) stage->on_second(row);
        timeline.row(cells);
        ++result.seconds;
    };
    // The stream's clock: the slowest stage's horizon, or the row time.
    bool any_horizon = false;  // a stage has reported a horizon (RR-only input)
    auto horizon = [&](double row_time) {
        std::optional<double> h;
        for (auto& stage : stages)
            if (auto s = stage->horizon_s()) h = h ? std::min(*h, *s) : *s;
        any_horizon = any_horizon || h.has_value();
        return h.value_or(row_time);
    };
    // Per row the stages are asked only when it can matter: while none has a horizon the clock
    // is the row time, so they are asked once a row reaches the next second's emission time
    // (see AnalysisStage::horizon_s).
    auto emit_due = [&](double row_time) {
        const auto due = [&] { return static_cast<double>(next_second) + 1.0 + kTimelineLagS; };
        if (!any_horizon && result.rows > 1 && due() > row_time) return;
        const double now = horizon(row_time);
        while (due() <= now) emit_second(next_second++);
    };

    InputRow row;
    row.values_ = values.data();
    double first_time = 0.0, last_time = -1.0;
    try {
        while (reader->next(values)) {
            double t = static_cast<double>(result.rows) / options.fs_hz;
            if (time_input) {
                const double raw = values[*time_input];
                if (!std::isfinite(raw))
                    throw AnalyzeError(options.input.string() + ": line " +
                                       std::to_string(reader->line()) + ": time column '" +
                                       options.time_column + "' is empty or not finite");
                if (result.rows == 0) first_time = raw;
                t = raw - first_time;
                if (t < last_time)
                    throw AnalyzeError(options.input.string() + ": line " +
                                       std::to_string(reader->line()) + ": time goes backwards in '" +
                                       options.time_column + "'");
            }
            last_time = t;
            row.index = result.rows;
            row.time_s = t;
            for (auto& stage : stages) stage->on_row(row);
            ++result.rows;
            emit_due(t);
        }
    } catch (const CsvError& e) {
        throw AnalyzeError(e.what());
    }
    if (result.rows == 0) throw AnalyzeError(options.input.string() + ": no data rows after the header");

    for (auto& stage : stages) stage->finish_input();
    const double end = horizon(last_time + (time_input ? 0.0 : 1.0 / options.fs_hz));
    const auto seconds = static_cast<std::int64_t>(std::ceil(end - 1e-9));
    while (next_second < seconds) emit_second(next_second++);
    timeline.close();
    for (auto& stage : stages) stage->finish();
    return result;
}

}  // namespace attune::session
