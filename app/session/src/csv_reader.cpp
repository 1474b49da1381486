// Streaming numeric CSV reader; see csv_reader.hpp.
#include "attune/session/csv_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>

namespace attune::session {

namespace {
constexpr std::size_t kBufferBytes = 1 << 20;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Fast path for the common cell, a plain decimal `[+-]digits[.digits]` (spaces around it, a
// '\r' at the line's end), as recorders write them. The digits form an integer below 2^53 and
// there are at most 22 decimals, so both are exact doubles and one division, correctly rounded
// by IEEE 754, gives the same double as std::from_chars. Returns where the cell ends (at ',' or
// `end`), or nullptr when the cell is anything else (empty, exponent, too many digits, text):
// the caller then takes the general path.
const char* parse_plain_decimal(const char* p, const char* end, double& out) {
    while (p < end && is_blank(*p)) ++p;
    bool negative = false;
    if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
    constexpr std::uint64_t kExactLimit = std::uint64_t{1} << 53;
    std::uint64_t mantissa = 0;
    const char* digits_start = p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10u) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
        if (mantissa >= kExactLimit) return nullptr;
        ++p;
    }
    std::size_t decimals = 0;
    if (p < end && *p == '.') {
        const char* frac = ++p;
        while (p < end && static_cast<unsigned>(*p - '0') < 10u) {
            mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
            if (mantissa >= kExactLimit) return nullptr;
            ++p;
        }
        decimals = static_cast<std::size_t>(p - frac);
        if (decimals == 0 && p - 1 == digits_start) return nullptr;  // a lone "."
    } else if (p == digits_start) {
        return nullptr;  // no digits
    }
    if (decimals >= std::size(kExactPow10)) return nullptr;
    while (p < end && (is_blank(*p) || *p == '\r')) ++p;
    if (p < end && *p != ',') return nullptr;
    const double v = static_cast<double>(mantissa) / kExactPow10[decimals];
    out = negative ? -v : v;
    return p;
}

// A cell as a number; NaN for an empty cell; nullopt when it is not a number.
std::optional<double> parse_cell(std::string_view cell) {
    cell = trim(cell);
    if (cell.empty()) return std::numeric_limits<double>::quiet_NaN();
    if (cell.front() == '+') cell.remove_prefix(1);
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
    if (ec != std::errc() || ptr != cell.data() + cell.size()) {
        if (ec == std::errc::result_out_of_range && ptr == cell.data() + cell.size()) return v;
        return std::nullopt;
    }
    return v;
}

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 40)) out += (c >= 32 && c < 127) ? c : '?';
    if (s.size() > 40) out += "...";
    return out;
}
}  // namespace

CsvReader::CsvReader(const std::filesystem::path& path) : path_(path), buffer_(kBufferBytes) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw CsvError(path.string() + ": cannot open (" + std::strerror(errno) + ")");
    std::string_view line;
    if (!next_line(line)) fail("empty file (no header row)");
    line = trim(line);
    if (line.size() >= 3 && static_cast<unsigned char>(line[0]) == 0xEF) line.remove_prefix(3);  // BOM
    if (line.empty()) fail("empty header row");
    while (true) {
        const std::size_t comma = line.find(',');
        header_.emplace_back(trim(line.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        line.remove_prefix(comma + 1);
    }
    slot_of_column_.assign(header_.size(), -1);
}

CsvReader::~CsvReader() {
    if (file_) std::fclose(file_);
}

std::optional<std::size_t> CsvReader::find(std::string_view column) const {
    for (std::size_t i = 0; i < header_.size(); ++i)
        if (header_[i] == column) return i;
    return std::nullopt;
}

std::size_t CsvReader::require(std::string_view column) const {
    if (auto i = find(column)) return *i;
    std::string names;
    for (const auto& h : header_) names += (names.empty() ? "" : ", ") + h;
    throw CsvError(path_.string() + ": no column '" + std::string(column) + "' (columns: " +
                   names + ")");
}

void CsvReader::select(const std::vector<std::size_t>& columns) {
    std::fill(slot_of_column_.begin(), slot_of_column_.end(), -1);
    needed_columns_ = 0;
    for (std::size_t slot = 0; slot < columns.size(); ++slot) {
        if (columns[slot] >= header_.size()) throw CsvError("column index out of range");
        slot_of_column_[columns[slot]] = static_cast<int>(slot);
        needed_columns_ = std::max(needed_columns_, columns[slot] + 1);
    }
    selected_ = columns.size();
}

bool CsvReader::fill() {
    if (eof_) return false;
    if (begin_ > 0) {  // keep the unread tail (a partial line) at the front
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == buffer_.size()) fail("line longer than 1 MiB");
    const std::size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
    if (got == 0) {
        if (std::ferror(file_)) fail("read error");
        eof_ = true;
        return false;
    }
    end_ += got;
    return true;
}

bool CsvReader::next_line(std::string_view& line) {
    while (true) {
        const char* start = buffer_.data() + begin_;
        const void* nl = std::memchr(start, '\n', end_ - begin_);
        if (nl) {
            const std::size_t len = static_cast<const char*>(nl) - start;
            line = std::string_view(start, len);
            begin_ += len + 1;
            ++line_;
            return true;
        }
        if (!fill()) {
            if (begin_ == end_) return false;
            line = std::string_view(buffer_.data() + begin_, end_ - begin_);  // last line, no '\n'
            begin_ = end_;
            ++line_;
            return true;
        }
    }
}

bool CsvReader::next(std::span<double> values) {
    if (values.size() < selected_) throw CsvError("CsvReader::next: values span too small");
    std::string_view line;
    while (true) {
        if (!next_line(line)) return false;
        if (!trim(line).empty()) break;
    }
    const char* const end = line.data() + line.size();
    const char* p = line.data();  // start of the current cell
    for (std::size_t column = 0; column < needed_columns_; ++column) {
        if (!p) {
            fail("line " + std::to_string(line_) + ": " + std::to_string(column) + " cells, " +
                 std::to_string(needed_columns_) + " needed");
        }
        const int slot = slot_of_column_[column];
        const char* stop = nullptr;  // the cell's end (',' or end)
        if (slot >= 0) {
            double& value = values[static_cast<std::size_t>(slot)];
            stop = parse_plain_decimal(p, end, value);
            if (!stop) {
                stop = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p)));
                if (!stop) stop = end;
                const std::string_view cell(p, static_cast<std::size_t>(stop - p));
                const auto v = parse_cell(cell);
                if (!v) {
                    fail("line " + std::to_string(line_) + ", column '" + header_[column] +
                         "': not a number: '" + printable(cell) + "'");
                }
                value = *v;
            }
        } else {
            stop = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p)));
            if (!stop) stop = end;
        }
        p = stop < end ? stop + 1 : nullptr;  // no cell after the last one
    }
    return true;
}

void CsvReader::fail(const std::string& what) const { throw CsvError(path_.string() + ": " + what); }

}  // namespace attune::session
