// Test helpers: read a column of a recording and its reference breaths from ../shared/data.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "attune/signal/rsp_scoring.hpp"

namespace breathing_test {

inline std::string data_path(const std::string& name) { return std::string(ATTUNE_DATA_DIR) + "/" + name; }

inline std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    return out;
}

// One numeric column by header name.
inline std::vector<float> read_column(const std::string& file, const std::string& column) {
    std::ifstream in(data_path(file));
    if (!in) throw std::runtime_error("cannot open " + file);
    std::string line;
    std::getline(in, line);
    const auto header = split(line);
    std::size_t col = header.size();
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == column) col = i;
    if (col == header.size()) throw std::runtime_error("no column " + column);
    std::vector<float> v;
    while (std::getline(in, line)) {
        const auto cells = split(line);
        v.push_back(col < cells.size() && !cells[col].empty() ? std::stof(cells[col]) : 0.0f);
    }
    return v;
}

inline std::vector<attune::signal::TimedBreath> read_breaths(const std::string& file) {
    std::ifstream in(data_path(file));
    if (!in) throw std::runtime_error("cannot open " + file);
    std::string line;
    std::getline(in, line);
    std::vector<attune::signal::TimedBreath> v;
    while (std::getline(in, line)) {
        const auto c = split(line);
        v.push_back({std::stod(c.at(0)), c.at(1) == "inhale" ? attune::signal::RspEventKind::Inhale
                                                            : attune::signal::RspEventKind::Exhale});
    }
    return v;
}

inline std::vector<attune::signal::TimeSegment> read_segments(const std::string& file) {
    std::ifstream in(data_path(file));
    if (!in) throw std::runtime_error("cannot open " + file);
    std::string line;
    std::getline(in, line);
    std::vector<attune::signal::TimeSegment> v;
    while (std::getline(in, line)) {
        const auto c = split(line);
        v.push_back({std::stod(c.at(0)), std::stod(c.at(1))});
    }
    return v;
}

inline std::vector<attune::signal::TimedBreath> to_timed(const std::vector<attune::signal::RspEvent>& events) {
    std::vector<attune::signal::TimedBreath> v;
    for (const auto& e : events) v.push_back({e.time_s, e.kind});
    return v;
}

}  // namespace breathing_test
