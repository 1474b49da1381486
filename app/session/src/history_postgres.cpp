// The clinic's session index on a PostgreSQL server (libpq): one attune_sessions table shared by
// every room's machine. Every value goes in as a query parameter; nothing is spliced into SQL.
#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <stdexcept>

#include "history_stores.hpp"

namespace attune::session {
namespace {

// Bounds on every wait, so a server that is down, unreachable or stuck fails within seconds
// (a connection string's own values win: libpq lets later keywords override earlier ones).
constexpr const char* kConnectTimeoutS = "5";
constexpr const char* kTcpUserTimeoutMs = "10000";
constexpr const char* kServerOptions = "-c statement_timeout=20000";

// Serialises the schema check of clients starting at once (CREATE TABLE IF NOT EXISTS alone
// can still collide); an arbitrary constant of ours.
constexpr const char* kSchemaLockKey = "7240312009";

constexpr const char* kColumns =
    "id, dir, machine, started, duration_s, pauses, recover_after_pause_s, calm_fraction, synchrony, resting_hrv_ms";

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& c : s)
        if (c == '\n' || c == '\t') c = ' ';  // libpq's multi-line messages on one line
    return s;
}

// A result that clears itself.
struct Result {
    PGresult* res = nullptr;
    explicit Result(PGresult* r) : res(r) {}
    ~Result() { PQclear(res); }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
};

std::string text_of(double v) {
    std::array<char, 32> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return ec == std::errc() ? std::string(buf.data(), end) : "NaN";
}

double number_of(const PGresult* r, int row, int col) {
    const char* s = PQgetvalue(r, row, col);
    double v = 0.0;
    std::from_chars(s, s + PQgetlength(r, row, col), v);
    return v;
}

std::optional<double> optional_of(const PGresult* r, int row, int col) {
    if (PQgetisnull(r, row, col)) return std::nullopt;
    return number_of(r, row, col);
}

long long integer_of(const PGresult* r, int row, int col) {
    const char* s = PQgetvalue(r, row, col);
    long long v = 0;
    std::from_chars(s, s + PQgetlength(r, row, col), v);
    return v;
}

SessionFigures row_of(const PGresult* r, int row) {
    SessionFigures f;
    f.id = integer_of(r, row, 0);
    f.dir = PQgetvalue(r, row, 1);
    f.machine = PQgetvalue(r, row, 2);
    f.started = PQgetvalue(r, row, 3);
    f.duration_s = number_of(r, row, 4);
    f.pauses = static_cast<int>(integer_of(r, row, 5));
    f.recover_after_pause_s = optional_of(r, row, 6);
    f.calm_fraction = number_of(r, row, 7);
    f.synchrony = number_of(r, row, 8);
    f.resting_hrv_ms = optional_of(r, row, 9);
    return f;
}

// "host:port/dbname" from a connection string, for messages (the password is left out).
std::string describe(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
    if (!options) {
        const std::string message = trimmed(err);
        PQfreemem(err);
        throw std::runtime_error("session history: not a usable PostgreSQL connection string: " + message);
    }
    std::string host = "localhost", port = "5432", db;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val || !*o->val) continue;
        const std::string key = o->keyword;
        if (key == "host" || (key == "hostaddr" && host == "localhost")) host = o->val;
        else if (key == "port") port = o->val;
        else if (key == "dbname") db = o->val;
    }
    PQconninfoFree(options);
    return host + ":" + port + (db.empty() ? "" : "/" + db);
}

class PostgresStore final : public HistoryStore {
public:
    explicit PostgresStore(const std::string& conninfo) : where_("PostgreSQL " + describe(conninfo)) {
        const std::array<const char*, 6> keys{"connect_timeout", "tcp_user_timeout", "options", "application_name",
                                              "dbname", nullptr};
        const std::array<const char*, 6> values{kConnectTimeoutS, kTcpUserTimeoutMs, kServerOptions, "attune",
                                                conninfo.c_str(), nullptr};
        conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
        if (!conn_) throw std::runtime_error("session history: out of memory connecting to " + where_);
        if (PQstatus(conn_) != CONNECTION_OK) {
            const std::string message = trimmed(PQerrorMessage(conn_));
            PQfinish(conn_);
            throw std::runtime_error("session history: cannot reach the " + where_ + " server: " + message);
        }
        // The server's notices ("table already exists, skipping") would land on stderr; what
        // matters comes back as an error instead.
        PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
        try {
            create_schema();
        } catch (...) {
            PQfinish(conn_);
            throw;
        }
    }
    ~PostgresStore() override { PQfinish(conn_); }
    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;

    long long add(const SessionFigures& f) override {
        const std::string duration = text_of(f.duration_s), pauses = std::to_string(f.pauses),
                          calm = text_of(f.calm_fraction), sync = text_of(f.synchrony);
        const std::string recover = f.recover_after_pause_s ? text_of(*f.recover_after_pause_s) : "";
        const std::string hrv = f.resting_hrv_ms ? text_of(*f.resting_hrv_ms) : "";
        const std::array<const char*, 9> params{f.machine.c_str(),
                                                f.dir.c_str(),
                                                f.started.c_str(),
                                                duration.c_str(),
                                                pauses.c_str(),
                                                f.recover_after_pause_s ? recover.c_str() : nullptr,
                                                calm.c_str(),
                                                sync.c_str(),
                                                f.resting_hrv_ms ? hrv.c_str() : nullptr};
        const Result r(query("adding a session",
                             "INSERT INTO attune_sessions (machine, dir, started, duration_s, pauses,"
                             " recover_after_pause_s, calm_fraction, synchrony, resting_hrv_ms)"
                             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                             " ON CONFLICT (machine, dir) DO UPDATE SET started = EXCLUDED.started,"
                             " duration_s = EXCLUDED.duration_s, pauses = EXCLUDED.pauses,"
                             " recover_after_pause_s = EXCLUDED.recover_after_pause_s,"
                             " calm_fraction = EXCLUDED.calm_fraction, synchrony = EXCLUDED.synchrony,"
                             " resting_hrv_ms = EXCLUDED.resting_hrv_ms RETURNING id",
                             static_cast<int>(params.size()), params.data()));
        return integer_of(r.res, 0, 0);
    }

    std::vector<SessionFigures> all() const override {
        const Result r(query("listing sessions",
                             std::string("SELECT ") + kColumns + " FROM attune_sessions ORDER BY id", 0, nullptr));
        std::vector<SessionFigures> rows;
        for (int i = 0; i < PQntuples(r.res); ++i) rows.push_back(row_of(r.res, i));
        return rows;
    }

    std::optional<SessionFigures> find(long long id) const override {
        const std::string key = std::to_string(id);
        const char* params[] = {key.c_str()};
        const Result r(query("finding a session",
                             std::string("SELECT ") + kColumns + " FROM attune_sessions WHERE id = $1", 1, params));
        if (PQntuples(r.res) == 0) return std::nullopt;
        return row_of(r.res, 0);
    }

    bool erase(long long id) override {
        const std::string key = std::to_string(id);
        const char* params[] = {key.c_str()};
        const Result r(query("deleting a session", "DELETE FROM attune_sessions WHERE id = $1", 1, params));
        return std::string(PQcmdTuples(r.res)) != "0";
    }

    std::string where() const override { return where_; }

private:
    void create_schema() {
        const char* lock[] = {kSchemaLockKey};
        PQclear(query("starting the schema check", "BEGIN", 0, nullptr));
        PQclear(query("locking the schema check", "SELECT pg_advisory_xact_lock($1::bigint)", 1, lock));
        PQclear(query("creating the attune_sessions table",
                     "CREATE TABLE IF NOT EXISTS attune_sessions ("
                     " id BIGSERIAL PRIMARY KEY, machine TEXT NOT NULL, dir TEXT NOT NULL,"
                     " started TEXT NOT NULL DEFAULT '', duration_s DOUBLE PRECISION NOT NULL,"
                     " pauses INTEGER NOT NULL, recover_after_pause_s DOUBLE PRECISION,"
                     " calm_fraction DOUBLE PRECISION NOT NULL, synchrony DOUBLE PRECISION NOT NULL,"
                     " resting_hrv_ms DOUBLE PRECISION, added_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                     " UNIQUE (machine, dir))",
                     0, nullptr));
        PQclear(query("finishing the schema check", "COMMIT", 0, nullptr));
    }

    // Runs one parameterised statement; throws with the server's message. A connection that
    // broke since the last call (server restarted) is re-opened once: every statement here
    // can safely run twice.
    PGresult* query(const char* what, const std::string& sql, int n, const char* const* params) const {
        for (int attempt = 0;; ++attempt) {
            PGresult* r = PQexecParams(conn_, sql.c_str(), n, nullptr, params, nullptr, nullptr, 0);
            const ExecStatusType status = PQresultStatus(r);
            if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
            const std::string message = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
            PQclear(r);
            if (attempt == 0 && PQstatus(conn_) == CONNECTION_BAD) {
                PQreset(conn_);
                if (PQstatus(conn_) == CONNECTION_OK) continue;
                throw std::runtime_error("session history: lost the " + where_ + " server while " + what + ": " +
                                         trimmed(PQerrorMessage(conn_)));
            }
            throw std::runtime_error("session history: " + std::string(what) + " on " + where_ + ": " + message);
        }
    }

    std::string where_;
    PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<HistoryStore> open_postgres_store(const std::string& conninfo) {
    return std::make_unique<PostgresStore>(conninfo);
}

}  // namespace attune::session
