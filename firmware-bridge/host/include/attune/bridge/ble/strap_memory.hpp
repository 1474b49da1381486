// Which strap each partner wore last time, so the next session connects to it without a scan.
//
// File: $XDG_CONFIG_HOME/attune/ble_straps.json (default ~/.config/attune/ble_straps.json),
// directory 0700, file 0600 (a strap address identifies a person's device), written to a
// temporary file and renamed so a crash never leaves half a file:
//   {"version": 1,
//    "partners": {"a": {"spec": "polar:A0:9E:1A:00:00:02", "name": "Polar H10 0A1B2C3D"},
//                 "b": {"spec": "ble:AA:BB:CC:00:00:01", "name": "Attune HR Strap"}}}
// A missing file is an empty memory; a corrupt one is reported by load_error() and treated as
// empty (never a crash; the next remember() rewrites it).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace attune::bridge::ble {

struct RememberedStrap {
    std::string spec;  // "polar:ADDR" or "ble:ADDR"
    std::string name;  // the strap's name when it was last used
};

class StrapMemory {
public:
    // $XDG_CONFIG_HOME/attune/ble_straps.json, or $HOME/.config/attune/ble_straps.json.
    static std::filesystem::path default_path();

    explicit StrapMemory(std::filesystem::path file = default_path());

    std::optional<RememberedStrap> for_partner(std::string_view partner) const;  // "a" / "b"
    // Stores and writes the file at once. Throws std::runtime_error if it cannot be written.
    void remember(std::string_view partner, const RememberedStrap& strap);
    void forget(std::string_view partner);

    const std::filesystem::path& path() const { return file_; }
    const std::string& load_error() const { return load_error_; }

private:
    void save() const;

    std::filesystem::path file_;
    std::map<std::string, RememberedStrap, std::less<>> partners_;
    std::string load_error_;
};

}  // namespace attune::bridge::ble
