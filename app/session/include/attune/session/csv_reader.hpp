// A fast streaming reader of numeric CSV files (header row, comma-separated numbers), for
// `attune analyze`, the accuracy benchmarks and tests. Reads through one fixed 1 MiB buffer and
// parses only the selected columns: plain decimals by an exact fast path (the same double as
// std::from_chars, which takes every other cell): no allocation per row or per cell, so memory
// stays flat for inputs of any length, and reading is the bulk of `attune analyze`'s time.
//
// Cells: decimal or scientific numbers, optional surrounding spaces and a trailing '\r'.
// An empty cell reads as NaN (a gap); anything else that is not a number is an error naming the
// line and column. Thread rule: one reader per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attune::session {

class CsvError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class CsvReader {
public:
    // Opens the file and reads the header. Throws CsvError if it cannot be opened, is empty or
    // has an empty header.
    explicit CsvReader(const std::filesystem::path& path);
    ~CsvReader();
    CsvReader(const CsvReader&) = delete;
    CsvReader& operator=(const CsvReader&) = delete;

    const std::vector<std::string>& header() const { return header_; }
    std::optional<std::size_t> find(std::string_view column) const;
    // Like find(), but throws CsvError("<file>: no column 'X' (columns: a, b, c)").
    std::size_t require(std::string_view column) const;

    // The columns next() fills, in this order (indices into header()).
    void select(const std::vector<std::size_t>& columns);

    // Reads the next data row into values (one per selected column). Returns false at the end.
    // Blank lines are skipped. Throws CsvError for a non-numeric cell or a row with too few cells.
    bool next(std::span<double> values);

    // 1-based line number of the row last returned (the header is line 1).
    std::uint64_t line() const { return line_; }
    const std::filesystem::path& path() const { return path_; }

private:
    bool fill();  // more bytes into the buffer; false at end of file
    bool next_line(std::string_view& line);
    [[noreturn]] void fail(const std::string& what) const;

    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;  // unread bytes are buffer_[begin_, end_)
    bool eof_ = false;
    std::uint64_t line_ = 0;
    std::vector<std::string> header_;
    std::vector<int> slot_of_column_;  // header index -> position in values, or -1
    std::size_t needed_columns_ = 0;   // cells a row must have (last selected index + 1)
    std::size_t selected_ = 0;
};

}  // namespace attune::session
