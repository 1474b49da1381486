// The two stores behind SessionHistory (private to attune_session).
#pragma once

#include <memory>
#include <string>

#include "attune/session/history.hpp"

namespace attune::session {

// Opens (creating, 0600) an SQLite index file.
std::unique_ptr<HistoryStore> open_sqlite_store(const std::string& path);

// Connects to a PostgreSQL server (connect_timeout 5 s unless the string sets one) and creates
// the attune_sessions table if missing.
std::unique_ptr<HistoryStore> open_postgres_store(const std::string& conninfo);

}  // namespace attune::session
