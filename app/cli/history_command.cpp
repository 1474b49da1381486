// `attune history`: every recorded session in the index (this computer's SQLite file, or the
// clinic's PostgreSQL server named in the settings or by --db) with its key figures and the
// trend across sessions; `attune history --delete ID` removes a session's folder and its row.
#include <cstdio>
#include <iostream>
#include <memory>

#include "attune/session/history.hpp"
#include "attune/session/settings.hpp"
#include "command_registry.hpp"
#include "session_options.hpp"

namespace attune::cli {
namespace {

struct HistoryArgs {
    long long delete_id = 0;
    std::string db;
};

std::string optional_text(const std::optional<double>& v, const char* format) {
    if (!v) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, *v);
    return buf;
}

// "+1.2 per session" with a word saying whether that is the good direction.
std::string trend_text(const std::vector<double>& values, bool higher_is_better, const char* format) {
    const auto slope = session::trend_per_session(values);
    if (!slope) return "- (needs 2 sessions)";
    const bool better = higher_is_better ? *slope > 0.0 : *slope < 0.0;
    return optional_text(slope, format) + " per session" + (*slope == 0.0 ? "" : better ? " (better)" : " (worse)");
}

void print_table(const std::vector<session::SessionFigures>& rows) {
    std::printf("%4s  %-16s  %7s  %6s  %9s  %6s  %9s  %10s  %s\n", "id", "started", "minutes", "pauses",
                "recover_s", "calm%", "synchrony", "rest_hrv_ms", "machine:folder");
    std::vector<double> recover, calm, sync, hrv;
    for (const auto& r : rows) {
        std::printf("%4lld  %-16s  %7.1f  %6d  %9s  %6.1f  %9.2f  %10s  %s:%s\n", r.id, r.started.c_str(),
                    r.duration_s / 60.0, r.pauses, optional_text(r.recover_after_pause_s, "%.0f").c_str(),
                    100.0 * r.calm_fraction, r.synchrony, optional_text(r.resting_hrv_ms, "%.1f").c_str(),
                    r.machine.empty() ? "here" : r.machine.c_str(), r.dir.c_str());
        if (r.recover_after_pause_s) recover.push_back(*r.recover_after_pause_s);
        calm.push_back(100.0 * r.calm_fraction);
        sync.push_back(r.synchrony);
        if (r.resting_hrv_ms) hrv.push_back(*r.resting_hrv_ms);
    }
    std::printf("\ntrends across sessions (least squares, oldest to newest):\n");
    std::printf("  time to recover after a pause: %s\n", trend_text(recover, false, "%+.1f s").c_str());
    std::printf("  time in calm:                  %s\n", trend_text(calm, true, "%+.1f %%").c_str());
    std::printf("  breathing synchrony:           %s\n", trend_text(sync, true, "%+.3f").c_str());
    std::printf("  resting HRV (RMSSD):           %s\n", trend_text(hrv, true, "%+.1f ms").c_str());
}

int run_history(const HistoryArgs& args) {
    try {
        const std::string db = args.db.empty()
                                   ? session::configured_history_location(sessions_base_dir() + "/history.sqlite")
                                   : args.db;
        session::SessionHistory history(db);
        if (args.delete_id != 0) {
            std::string error;
            if (!history.remove(args.delete_id, error)) {
                std::cerr << "attune history: " << error << "\n";
                return 1;
            }
            std::cout << "deleted session " << args.delete_id << " (folder and row)\n";
            return 0;
        }
        const auto rows = history.all();
        if (rows.empty()) {
            std::cout << "no sessions recorded yet (" << history.where() << ")\n";
            return 0;
        }
        std::printf("session index: %s\n\n", history.where().c_str());
        print_table(rows);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "attune history: " << e.what() << "\n";
        return 1;
    }
}

const Registration kHistory{"history", "List recorded sessions with trends; --delete ID removes one",
                            [](CLI::App& sub) -> Runner {
                                auto args = std::make_shared<HistoryArgs>();
                                sub.add_option("--delete", args->delete_id, "Delete this session (folder and row)");
                                sub.add_option("--db", args->db,
                                               "Index: an SQLite file or a PostgreSQL connection string"
                                               " (default: [history] database in settings.toml, else"
                                               " $XDG_DATA_HOME/attune/sessions/history.sqlite)");
                                return [args] { return run_history(*args); };
                            }};

}  // namespace
}  // namespace attune::cli
