// The settings file: toml++ parses it, every problem becomes "path:line: message".
#include "attune/session/settings.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace attune::session {
namespace {

[[noreturn]] void fail(const std::string& name, const toml::source_region& where, const std::string& message) {
    throw SettingsError(name + ":" + std::to_string(where.begin.line) + ": " + message);
}

void read_history(const toml::table& history, const std::string& name, Settings& out) {
    for (const auto& [key, value] : history) {
        if (key.str() != "database")  // a typo must not quietly fall back to the local index
            fail(name, value.source(), "unknown key '" + std::string(key.str()) + "' in [history] (known: database)");
    }
    if (const toml::node* db = history.get("database")) {
        if (!db->is_string()) fail(name, db->source(), "[history] database must be text in quotes");
        out.history_database = *db->value<std::string>();
        if (out.history_database.empty()) fail(name, db->source(), "[history] database is empty");
    }
}

}  // namespace

std::string settings_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/attune/settings.toml";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/attune/settings.toml";
    return "attune-settings.toml";
}

Settings parse_settings(const std::string& text, const std::string& name) {
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        fail(name, e.source(), std::string(e.description()));
    }
    Settings out;
    // Other sections belong to other parts of the app; only [history] is read here.
    if (const toml::node* history = root.get("history")) {
        if (!history->is_table()) fail(name, history->source(), "history must be a [history] table");
        read_history(*history->as_table(), name, out);
    }
    return out;
}

Settings read_settings(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};  // no settings file: the defaults
    std::ifstream in(path);
    if (!in || std::filesystem::is_directory(path, ec)) throw SettingsError(path + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_settings(text.str(), path);
}

std::string configured_history_location(const std::string& local_default) {
    const Settings settings = read_settings(settings_path());
    return settings.history_database.empty() ? local_default : settings.history_database;
}

}  // namespace attune::session
