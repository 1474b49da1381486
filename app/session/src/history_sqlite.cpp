// The local session index: one SQLite file (history.sqlite next to the session folders).
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "history_stores.hpp"

namespace attune::session {
namespace {
namespace fs = std::filesystem;

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

std::string column_text(sqlite3_stmt* s, int index) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, index));
    return text ? text : "";
}

constexpr const char* kColumns =
    "id, dir, machine, started, duration_s, pauses, recover_after_pause_s, calm_fraction, synchrony, resting_hrv_ms";

SessionFigures row_of(sqlite3_stmt* s) {
    SessionFigures f;
    f.id = sqlite3_column_int64(s, 0);
    f.dir = column_text(s, 1);
    f.machine = column_text(s, 2);
    f.started = column_text(s, 3);
    f.duration_s = sqlite3_column_double(s, 4);
    f.pauses = sqlite3_column_int(s, 5);
    f.recover_after_pause_s = column_optional(s, 6);
    f.calm_fraction = sqlite3_column_double(s, 7);
    f.synchrony = sqlite3_column_double(s, 8);
    f.resting_hrv_ms = column_optional(s, 9);
    return f;
}

class SqliteStore final : public HistoryStore {
public:
    explicit SqliteStore(const std::string& path) : path_(path) {
        std::error_code ec;
        if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
        const mode_t old_mask = ::umask(077);  // the index names intimate sessions: owner only
        const int rc = sqlite3_open(path.c_str(), &db_);
        ::umask(old_mask);
        if (rc != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("session history: cannot open " + path + ": " + message);
        }
        sqlite3_busy_timeout(db_, 2000);
        try {
            create_schema();
        } catch (const std::exception& e) {
            sqlite3_close(db_);
            throw std::runtime_error("session history: cannot use " + path + ": " + e.what());
        }
    }
    ~SqliteStore() override { sqlite3_close(db_); }
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    long long add(const SessionFigures& f) override {
        Statement s(db_,
                    "INSERT INTO sessions (dir, machine, started, duration_s, pauses, recover_after_pause_s,"
                    " calm_fraction, synchrony, resting_hrv_ms) VALUES (?1, ?9, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                    " ON CONFLICT(dir) DO UPDATE SET machine=?9, started=?2, duration_s=?3, pauses=?4,"
                    " recover_after_pause_s=?5, calm_fraction=?6, synchrony=?7, resting_hrv_ms=?8");
        sqlite3_bind_text(s.stmt, 1, f.dir.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s.stmt, 2, f.started.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(s.stmt, 3, f.duration_s);
        sqlite3_bind_int(s.stmt, 4, f.pauses);
        bind_optional(s.stmt, 5, f.recover_after_pause_s);
        sqlite3_bind_double(s.stmt, 6, f.calm_fraction);
        sqlite3_bind_double(s.stmt, 7, f.synchrony);
        bind_optional(s.stmt, 8, f.resting_hrv_ms);
        sqlite3_bind_text(s.stmt, 9, f.machine.c_str(), -1, SQLITE_TRANSIENT);
        check(sqlite3_step(s.stmt), db_, "adding a session");
        Statement id(db_, "SELECT id FROM sessions WHERE dir = ?1");
        sqlite3_bind_text(id.stmt, 1, f.dir.c_str(), -1, SQLITE_TRANSIENT);
        check(sqlite3_step(id.stmt), db_, "finding the new row");
        return sqlite3_column_int64(id.stmt, 0);
    }

    std::vector<SessionFigures> all() const override {
        Statement s(db_, (std::string("SELECT ") + kColumns + " FROM sessions ORDER BY id").c_str());
        std::vector<SessionFigures> rows;
        int rc = 0;
        while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) rows.push_back(row_of(s.stmt));
        check(rc, db_, "listing sessions");
        return rows;
    }

    std::optional<SessionFigures> find(long long id) const override {
        Statement s(db_, (std::string("SELECT ") + kColumns + " FROM sessions WHERE id = ?1").c_str());
        sqlite3_bind_int64(s.stmt, 1, id);
        const int rc = sqlite3_step(s.stmt);
        check(rc, db_, "finding a session");
        if (rc != SQLITE_ROW) return std::nullopt;
        return row_of(s.stmt);
    }

    bool erase(long long id) override {
        Statement s(db_, "DELETE FROM sessions WHERE id = ?1");
        sqlite3_bind_int64(s.stmt, 1, id);
        check(sqlite3_step(s.stmt), db_, "deleting a session");
        return sqlite3_changes(db_) > 0;
    }

    std::string where() const override { return path_; }

private:
    void create_schema() {
        exec("CREATE TABLE IF NOT EXISTS sessions ("
             " id INTEGER PRIMARY KEY, dir TEXT UNIQUE NOT NULL, started TEXT,"
             " duration_s REAL, pauses INTEGER, recover_after_pause_s REAL,"
             " calm_fraction REAL, synchrony REAL, resting_hrv_ms REAL, machine TEXT NOT NULL DEFAULT '')");
        // Index files from before rows named their machine get the column (empty = this one).
        Statement has(db_, "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'machine'");
        check(sqlite3_step(has.stmt), db_, "reading the table's columns");
        if (sqlite3_column_int(has.stmt, 0) == 0)
            exec("ALTER TABLE sessions ADD COLUMN machine TEXT NOT NULL DEFAULT ''");
    }

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string message = err ? err : "unknown error";
            sqlite3_free(err);
            throw std::runtime_error(message);
        }
    }

    std::string path_;
    ::sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<HistoryStore> open_sqlite_store(const std::string& path) { return std::make_unique<SqliteStore>(path); }

}  // namespace attune::session
