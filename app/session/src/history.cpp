#include "attune/session/history.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace attune::session {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> split_simple_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

// Whole seconds at which partner p was calm (from <p>_seconds.csv, arousal_state column).
std::map<long, bool> calm_seconds(const std::string& path) {
    std::map<long, bool> calm;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        const auto f = split_simple_csv(line);
        if (f.size() < 9) continue;
        calm[std::lround(std::strtod(f[0].c_str(), nullptr))] = f[8] == "calm";
    }
    return calm;
}

std::vector<double> pause_starts(const std::string& events_path) {
    std::vector<double> starts;
    std::ifstream in(events_path);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        const auto f = split_simple_csv(line);
        if (f.size() >= 4 && f[1] == "pause" && f[3].find("pause started") != std::string::npos)
            starts.push_back(std::strtod(f[0].c_str(), nullptr));
    }
    return starts;
}

// From each pause request to the first second both partners are calm again.
std::optional<double> mean_recovery_s(const std::string& dir) {
    const auto a = calm_seconds(dir + "/a_seconds.csv");
    const auto b = calm_seconds(dir + "/b_seconds.csv");
    double sum = 0.0;
    int n = 0;
    for (double start : pause_starts(dir + "/events.csv")) {
        for (auto it = a.lower_bound(static_cast<long>(std::ceil(start))); it != a.end(); ++it) {
            const auto other = b.find(it->first);
            if (it->second && other != b.end() && other->second) {
                sum += static_cast<double>(it->first) - start;
                ++n;
                break;
            }
        }
    }
    if (n == 0) return std::nullopt;
    return sum / n;
}

std::string local_time_of(const fs::path& file) {
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) return "";
    std::tm tm{};
    localtime_r(&st.st_mtime, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

double number_or(const json& j, const char* key, double fallback) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string("session history: ") + what + ": " + sqlite3_errmsg(db));
}

// A prepared statement that finalizes itself.
struct Statement {
    sqlite3_stmt* stmt = nullptr;
    Statement(sqlite3* db, const char* sql) { check(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), db, sql); }
    ~Statement() { sqlite3_finalize(stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
};

void bind_optional(sqlite3_stmt* s, int index, const std::optional<double>& v) {
    if (v) sqlite3_bind_double(s, index, *v);
    else sqlite3_bind_null(s, index);
}

std::optional<double> column_optional(sqlite3_stmt* s, int index) {
    if (sqlite3_column_type(s, index) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(s, index);
}

constexpr const char* kColumns =
    "id, dir, started, duration_s, pauses, recover_after_pause_s, calm_fraction, synchrony, resting_hrv_ms";

SessionFigures row_of(sqlite3_stmt* s) {
    SessionFigures f;
    f.id = sqlite3_column_int64(s, 0);
    f.dir = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    f.started = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
    f.duration_s = sqlite3_column_double(s, 3);
    f.pauses = sqlite3_column_int(s, 4);
    f.recover_after_pause_s = column_optional(s, 5);
    f.calm_fraction = sqlite3_column_double(s, 6);
    f.synchrony = sqlite3_column_double(s, 7);
    f.resting_hrv_ms = column_optional(s, 8);
    return f;
}

}  // namespace

SessionFigures figures_of_recording(const std::string& dir) {
    std::ifstream in(dir + "/summary.json");
    if (!in) throw std::runtime_error(dir + " holds no finished recording (no summary.json)");
    json summary;
    try {
        summary = json::parse(in);
    } catch (const std::exception& e) {
        throw std::runtime_error(dir + "/summary.json is damaged: " + e.what());
    }
    SessionFigures f;
    f.dir = fs::absolute(dir).lexically_normal().string();
    f.started = local_time_of(fs::path(dir) / "channels.json");
    f.duration_s = number_or(summary, "duration_s", 0.0);
    f.synchrony = number_or(summary, "breathing_together_mean", 0.0);
    f.recover_after_pause_s = mean_recovery_s(dir);
    f.pauses = static_cast<int>(pause_starts(dir + "/events.csv").size());
    double calm = 0.0, all = 0.0, hrv_sum = 0.0;
    int hrv_n = 0;
    if (summary.contains("partners"))
        for (const auto& [letter, p] : summary["partners"].items()) {
            calm += number_or(p, "seconds_calm", 0.0);
            all += number_or(p, "seconds_calm", 0.0) + number_or(p, "seconds_rising", 0.0) +
                   number_or(p, "seconds_high", 0.0);
            const double hrv = number_or(p, "baseline_rmssd_ms", 0.0);
            if (hrv > 0.0) { hrv_sum += hrv; ++hrv_n; }
        }
    f.calm_fraction = all > 0.0 ? calm / all : 0.0;
    if (hrv_n > 0) f.resting_hrv_ms = hrv_sum / hrv_n;
    return f;
}

std::optional<double> trend_per_session(const std::vector<double>& values) {
    const std::size_t n = values.size();
    if (n < 2) return std::nullopt;
    double mx = 0.0, my = 0.0;
    for (std::size_t i = 0; i < n; ++i) { mx += static_cast<double>(i); my += values[i]; }
    mx /= static_cast<double>(n);
    my /= static_cast<double>(n);
    double sxy = 0.0, sxx = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sxy += (static_cast<double>(i) - mx) * (values[i] - my);
        sxx += (static_cast<double>(i) - mx) * (static_cast<double>(i) - mx);
    }
    return sxy / sxx;
}

SessionHistory::SessionHistory(const std::string& db_path) {
    std::error_code ec;
    if (fs::path(db_path).has_parent_path()) fs::create_directories(fs::path(db_path).parent_path(), ec);
    const mode_t old_mask = ::umask(077);  // the index names intimate sessions: owner only
    const int rc = sqlite3_open(db_path.c_str(), &db_);
    ::umask(old_mask);
    if (rc != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("session history: cannot open " + db_path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 2000);
    char* err = nullptr;
    const int created = sqlite3_exec(db_,
                                     "CREATE TABLE IF NOT EXISTS sessions ("
                                     " id INTEGER PRIMARY KEY, dir TEXT UNIQUE NOT NULL, started TEXT,"
                                     " duration_s REAL, pauses INTEGER, recover_after_pause_s REAL,"
                                     " calm_fraction REAL, synchrony REAL, resting_hrv_ms REAL)",
                                     nullptr, nullptr, &err);
    if (created != SQLITE_OK) {
        const std::string message = err ? err : "unknown error";
        sqlite3_free(err);
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("session history: cannot use " + db_path + ": " + message);
    }
}

SessionHistory::~SessionHistory() { sqlite3_close(db_); }

long long SessionHistory::add(const SessionFigures& f) {
    Statement s(db_,
                "INSERT INTO sessions (dir, started, duration_s, pauses, recover_after_pause_s, calm_fraction,"
                " synchrony, resting_hrv_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                " ON CONFLICT(dir) DO UPDATE SET started=?2, duration_s=?3, pauses=?4, recover_after_pause_s=?5,"
                " calm_fraction=?6, synchrony=?7, resting_hrv_ms=?8");
    sqlite3_bind_text(s.stmt, 1, f.dir.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s.stmt, 2, f.started.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(s.stmt, 3, f.duration_s);
    sqlite3_bind_int(s.stmt, 4, f.pauses);
    bind_optional(s.stmt, 5, f.recover_after_pause_s);
    sqlite3_bind_double(s.stmt, 6, f.calm_fraction);
    sqlite3_bind_double(s.stmt, 7, f.synchrony);
    bind_optional(s.stmt, 8, f.resting_hrv_ms);
    check(sqlite3_step(s.stmt), db_, "adding a session");
    Statement id(db_, "SELECT id FROM sessions WHERE dir = ?1");
    sqlite3_bind_text(id.stmt, 1, f.dir.c_str(), -1, SQLITE_TRANSIENT);
    check(sqlite3_step(id.stmt), db_, "finding the new row");
    return sqlite3_column_int64(id.stmt, 0);
}

std::vector<SessionFigures> SessionHistory::all() const {
    Statement s(db_, (std::string("SELECT ") + kColumns + " FROM sessions ORDER BY id").c_str());
    std::vector<SessionFigures> rows;
    int rc = 0;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) rows.push_back(row_of(s.stmt));
    check(rc, db_, "listing sessions");
    return rows;
}

std::optional<SessionFigures> SessionHistory::find(long long id) const {
    Statement s(db_, (std::string("SELECT ") + kColumns + " FROM sessions WHERE id = ?1").c_str());
    sqlite3_bind_int64(s.stmt, 1, id);
    const int rc = sqlite3_step(s.stmt);
    check(rc, db_, "finding a session");
    if (rc != SQLITE_ROW) return std::nullopt;
    return row_of(s.stmt);
}

bool SessionHistory::remove(long long id, std::string& error) {
    const auto row = find(id);
    if (!row) {
        error = "no session with id " + std::to_string(id);
        return false;
    }
    std::error_code ec;
    // Only a folder that is really a recording is deleted (never whatever a stale row names).
    if (fs::exists(row->dir + "/channels.json", ec)) fs::remove_all(row->dir, ec);
    if (ec) {
        error = "cannot delete " + row->dir + ": " + ec.message();
        return false;
    }
    Statement s(db_, "DELETE FROM sessions WHERE id = ?1");
    sqlite3_bind_int64(s.stmt, 1, id);
    check(sqlite3_step(s.stmt), db_, "deleting a session");
    return true;
}

}  // namespace attune::session
