// Test helper: read named columns of the recordings in ATTUNE_DATA_DIR (header row, commas).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hrv_test {

inline std::string data_path(const std::string& file) {
    return std::string(ATTUNE_DATA_DIR) + "/" + file;
}

// All rows of one column as text.
inline std::vector<std::string> read_text_column(const std::string& file, const std::string& name) {
    std::ifstream in(data_path(file));
    if (!in) throw std::runtime_error("cannot open " + data_path(file));
    std::string line, cell;
    std::getline(in, line);
    std::stringstream header(line);
    int index = -1;
    for (int i = 0; std::getline(header, cell, ','); ++i)
        if (cell == name) index = i;
    if (index < 0) throw std::runtime_error("no column " + name + " in " + file);
    std::vector<std::string> out;
    while (std::getline(in, line)) {
        std::stringstream row(line);
        for (int i = 0; std::getline(row, cell, ','); ++i)
            if (i == index) out.push_back(cell);
    }
    return out;
}

inline std::vector<double> read_column(const std::string& file, const std::string& name) {
    std::vector<double> out;
    for (const auto& s : read_text_column(file, name)) out.push_back(std::strtod(s.c_str(), nullptr));
    return out;
}

inline std::vector<float> read_float_column(const std::string& file, const std::string& name) {
    std::vector<float> out;
    for (const auto& s : read_text_column(file, name)) out.push_back(std::strtof(s.c_str(), nullptr));
    return out;
}

}  // namespace hrv_test
