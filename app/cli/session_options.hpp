// Options shared by every command that starts an engine (session, the window, screenshots).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "attune/session/engine.hpp"

namespace attune::cli {

struct EngineArgs {
    std::string device_a = "sim";
    std::string device_b = "sim";
    std::uint64_t seed = 1;
    double pacer_bpm = 0.0;  // 0 = the protocol's pace
    std::string name_a, name_b;
    std::string protocol;    // a file or a name from the shipped library; empty = standard
    double pause_at_s = -1.0;  // scripted pause request (simulation, screenshots); < 0 = none
};

void add_engine_options(CLI::App& app, EngineArgs& args);
// Fills config from args; prints a clear message (a bad protocol file: file:line: what) and
// returns false on bad values, before anything starts.
bool build_engine_config(const EngineArgs& args, session::EngineConfig& config);
// $XDG_DATA_HOME/attune/sessions/<local time>, or ~/.local/share/... when unset.
std::string default_recording_dir();
// $XDG_DATA_HOME/attune/sessions (the folder that holds every session's folder).
std::string sessions_base_dir();

}  // namespace attune::cli
