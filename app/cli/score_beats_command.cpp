// `attune score-beats --ref REF.csv --det DET.csv [--tolerance 0.15] [--delay 0]`: compares two
// beat lists (e.g. reference annotations and the ecg_beats.csv of `attune analyze`), one-to-one
// within the tolerance, and prints TP, FP, FN, Se and +P. Detections flagged `artifact` are not
// counted. `--delay` scores detections that come a fixed time after their beat, such as PPG pulses
// against ECG beats (`--delay 0.35 --tolerance 0.25` accepts a pulse 100-600 ms after its beat).
#include <cstdio>
#include <iostream>
#include <memory>

#include "attune/session/beat_accuracy.hpp"
#include "attune/session/csv_reader.hpp"
#include "attune/signal/beat_scoring.hpp"
#include "command_registry.hpp"

namespace attune::cli {
namespace {

struct ScoreArgs {
    std::string ref, det, ref_column = "time_s", det_column = "time_s";
    double tolerance_s = 0.150;
    double delay_s = 0.0;
};

// Beat times of a beats file; rows whose `quality` cell says artifact are left out. The quality
// column is text, so this small reader splits lines itself.
std::vector<double> detection_times(const std::string& path, const std::string& column) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error(path + ": cannot open");
    std::vector<double> times;
    char line[512];
    int time_col = -1, quality_col = -1;
    bool header = true;
    while (std::fgets(line, sizeof line, f)) {
        std::vector<std::string> cells;
        std::string cur;
        for (char* p = line; *p && *p != '\n' && *p != '\r'; ++p) {
            if (*p == ',') {
                cells.push_back(cur);
                cur.clear();
            } else {
                cur += *p;
            }
        }
        cells.push_back(cur);
        if (header) {
            for (std::size_t i = 0; i < cells.size(); ++i) {
                if (cells[i] == column) time_col = static_cast<int>(i);
                if (cells[i] == "quality") quality_col = static_cast<int>(i);
            }
            if (time_col < 0) {
                std::fclose(f);
                throw std::runtime_error(path + ": no column '" + column + "'");
            }
            header = false;
            continue;
        }
        if (static_cast<int>(cells.size()) <= time_col) continue;
        if (quality_col >= 0 && static_cast<int>(cells.size()) > quality_col && cells[static_cast<std::size_t>(quality_col)] == "artifact") continue;
        try {
            times.push_back(std::stod(cells[static_cast<std::size_t>(time_col)]));
        } catch (const std::exception&) {
            std::fclose(f);
            throw std::runtime_error(path + ": not a number: '" + cells[static_cast<std::size_t>(time_col)] + "'");
        }
    }
    std::fclose(f);
    return times;
}

int run_score(const ScoreArgs& a) {
    try {
        const auto ref = a.ref_column == "time_s" ? session::load_reference_beats(a.ref)
                                                  : session::load_column(a.ref, a.ref_column);
        const auto det = detection_times(a.det, a.det_column);
        const auto s = signal::score_beats(ref, det, {a.tolerance_s, {}, a.delay_s});
        std::printf("reference %zu  detected %zu  TP %zu  FP %zu  FN %zu  Se %.2f%%  +P %.2f%%\n",
                    ref.size(), det.size(), s.tp, s.fp, s.fn, 100 * s.sensitivity(),
                    100 * s.positive_predictivity());
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "attune score-beats: " << e.what() << "\n";
        return 1;
    }
}

const Registration kScoreBeats{
    "score-beats", "Compare detected beats with reference annotations (TP, FP, FN, Se, +P)",
    [](CLI::App& sub) -> Runner {
        auto a = std::make_shared<ScoreArgs>();
        sub.add_option("--ref", a->ref, "Reference beats CSV (time_s; is_beat honoured)")->required();
        sub.add_option("--det", a->det, "Detected beats CSV (time_s[,quality])")->required();
        sub.add_option("--ref-column", a->ref_column, "Time column of the reference")->capture_default_str();
        sub.add_option("--det-column", a->det_column, "Time column of the detections")->capture_default_str();
        sub.add_option("--tolerance", a->tolerance_s, "Match tolerance in seconds")
            ->check(CLI::Range(0.001, 2.0))
            ->capture_default_str();
        sub.add_option("--delay", a->delay_s, "Detections are expected this many seconds after their reference beat")
            ->check(CLI::Range(-2.0, 2.0))
            ->capture_default_str();
        return [a] { return run_score(*a); };
    }};

}  // namespace
}  // namespace attune::cli
