// The session index: one row per finished recording, so `attune history` can show how a couple's
// sessions develop: how long they take to settle after a pause, how much of the session they
// spend calm, how well they breathe together, and their resting HRV.
//
// Two stores behind one class: a local SQLite file (the default, history.sqlite next to the
// session folders) or a clinic's PostgreSQL server (libpq), so every room's machine sees one
// history. Each row names the folder and the machine (hostname) that holds the recording.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attune::session {

// The figures of one session, computed from its folder (summary.json, events.csv, seconds CSVs).
struct SessionFigures {
    long long id = 0;  // row id in the index (0 before it is stored)
    std::string dir;
    std::string machine;  // hostname of the computer holding `dir` (empty in rows from before)
    std::string started;  // local time of the folder's channels.json, "YYYY-MM-DD HH:MM"
    double duration_s = 0.0;
    int pauses = 0;
    // Mean time from a pause request until both partners are calm again; none without pauses.
    std::optional<double> recover_after_pause_s;
    double calm_fraction = 0.0;  // share of partner-seconds in the calm arousal state
    double synchrony = 0.0;      // mean breathing-together index
    std::optional<double> resting_hrv_ms;  // mean of the partners' baseline RMSSD
};

// Reads a recording folder (machine = this computer). Throws std::runtime_error when it holds
// no summary.json.
SessionFigures figures_of_recording(const std::string& dir);

// Least-squares change per session of a series (oldest first); none with fewer than 2 values.
std::optional<double> trend_per_session(const std::vector<double>& values);

// This computer's hostname, as stored in the rows it adds.
std::string this_machine();

// True for a PostgreSQL connection string: a postgresql:// or postgres:// URI, or libpq's
// "keyword=value ..." form. Anything else names an SQLite file.
bool is_postgres_location(const std::string& location);

// One store of rows (SQLite or PostgreSQL). Errors throw std::runtime_error with the store's
// own message; the PostgreSQL store never waits more than its connect_timeout to connect.
class HistoryStore {
public:
    virtual ~HistoryStore() = default;
    // Adds or refreshes the row of (machine, dir); returns its id.
    virtual long long add(const SessionFigures& figures) = 0;
    virtual std::vector<SessionFigures> all() const = 0;  // oldest first
    virtual std::optional<SessionFigures> find(long long id) const = 0;
    virtual bool erase(long long id) = 0;  // the row only; false when there was none
    // Where the rows are, for messages (never a password).
    virtual std::string where() const = 0;
};

// The store a location names (see is_postgres_location). Throws std::runtime_error.
std::unique_ptr<HistoryStore> open_history_store(const std::string& location);

class SessionHistory {
public:
    // Opens the index at `location`: an SQLite file (created 0600) or a PostgreSQL connection
    // string (the table is created if missing). Throws std::runtime_error with a clear message
    // (a server that is down or silent fails within seconds).
    explicit SessionHistory(const std::string& location);
    ~SessionHistory();
    SessionHistory(const SessionHistory&) = delete;
    SessionHistory& operator=(const SessionHistory&) = delete;

    // Adds or refreshes the row of a folder (machine empty = this computer); returns its id.
    long long add(const SessionFigures& figures);
    std::vector<SessionFigures> all() const;  // oldest first
    std::optional<SessionFigures> find(long long id) const;
    // Removes the session's folder and its row. Refused (false, `error` says why) when there is
    // no such id, or when the recording is on another machine: its files can only be deleted
    // there, and a row removed here would leave them unlisted.
    bool remove(long long id, std::string& error);
    std::string where() const;

private:
    std::unique_ptr<HistoryStore> store_;
};

}  // namespace attune::session
