// The user's settings file, $XDG_CONFIG_HOME/attune/settings.toml (default ~/.config/...):
//
//   [history]
//   database = "postgresql://therapist@clinic-db/attune"   # or a libpq "host=... dbname=..."
//                                                          # string, or an SQLite file path
//
// A missing file means the defaults; a malformed one is refused with its line number, so a
// clinic's typo never silently sends a session's row to the wrong index.
#pragma once

#include <stdexcept>
#include <string>

namespace attune::session {

struct Settings {
    // Where the session index lives; empty = the local SQLite file next to the recordings.
    std::string history_database;
};

// "settings.toml line 3: ..." for a file that cannot be used.
class SettingsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// $XDG_CONFIG_HOME/attune/settings.toml, else $HOME/.config/attune/settings.toml.
std::string settings_path();

// Reads a settings file; a missing file gives the defaults. Throws SettingsError.
Settings read_settings(const std::string& path);

// The same from TOML text (`name` is used in messages). Throws SettingsError.
Settings parse_settings(const std::string& text, const std::string& name);

// Where the session index is: [history] database from the user's settings file, else
// `local_default` (the SQLite file next to the recordings). Throws SettingsError.
std::string configured_history_location(const std::string& local_default);

}  // namespace attune::session
