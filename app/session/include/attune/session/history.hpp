// The session index: one SQLite row per finished recording (history.sqlite next to the session
// folders), so `attune history` can show how a couple's sessions develop: how long they take to
// settle after a pause, how much of the session they spend calm, how well they breathe together,
// and their resting HRV.
#pragma once

#include <optional>
#include <string>
#include <vector>

struct sqlite3;  // SQLite's connection handle

namespace attune::session {

// The figures of one session, computed from its folder (summary.json, events.csv, seconds CSVs).
struct SessionFigures {
    long long id = 0;  // row id in the index (0 before it is stored)
    std::string dir;
    std::string started;  // local time of the folder's channels.json, "YYYY-MM-DD HH:MM"
    double duration_s = 0.0;
    int pauses = 0;
    // Mean time from a pause request until both partners are calm again; none without pauses.
    std::optional<double> recover_after_pause_s;
    double calm_fraction = 0.0;  // share of partner-seconds in the calm arousal state
    double synchrony = 0.0;      // mean breathing-together index
    std::optional<double> resting_hrv_ms;  // mean of the partners' baseline RMSSD
};

// Reads a recording folder. Throws std::runtime_error when it holds no summary.json.
SessionFigures figures_of_recording(const std::string& dir);

// Least-squares change per session of a series (oldest first); none with fewer than 2 values.
std::optional<double> trend_per_session(const std::vector<double>& values);

class SessionHistory {
public:
    // Opens (creating, 0600) the index file. Throws std::runtime_error with SQLite's message.
    explicit SessionHistory(const std::string& db_path);
    ~SessionHistory();
    SessionHistory(const SessionHistory&) = delete;
    SessionHistory& operator=(const SessionHistory&) = delete;

    // Adds or refreshes the row of a folder; returns its id.
    long long add(const SessionFigures& figures);
    std::vector<SessionFigures> all() const;  // oldest first
    std::optional<SessionFigures> find(long long id) const;
    // Removes the row and the session's folder. False when there is no such id.
    bool remove(long long id, std::string& error);

private:
    ::sqlite3* db_ = nullptr;
};

}  // namespace attune::session
