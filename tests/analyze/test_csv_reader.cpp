// The CSV reader's number parsing: the fast path for plain decimals must give exactly the
// double std::from_chars gives, and every other cell must still take the general path
// (exponents, long mantissas, spaces, '\r', empty cells, text).
#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "attune/session/csv_reader.hpp"

namespace fs = std::filesystem;
using attune::session::CsvError;
using attune::session::CsvReader;

namespace {

fs::path write_file(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / ("attune_test_csv_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

double reference(const std::string& cell) {
    const char* b = cell.data();
    if (*b == '+') ++b;
    double v = 0.0;
    std::from_chars(b, cell.data() + cell.size(), v);
    return v;
}

// Values of column `b` of a two-column file.
std::vector<double> read_b(const fs::path& p) {
    CsvReader r(p);
    r.select({r.require("b")});
    std::vector<double> out;
    double v = 0.0;
    while (r.next(std::span<double>(&v, 1))) out.push_back(v);
    return out;
}

bool same_double(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::memcmp(&a, &b, sizeof a) == 0;  // bit for bit (also tells -0 from 0)
}

}  // namespace

TEST_CASE("csv reader parses decimals bit for bit like from_chars", "[analyze][csv]") {
    std::mt19937_64 rng(20261204);
    std::vector<std::string> cells = {"0", "-0", "-0.0000", "1.", ".5", "+2.25", "123456789012345",
                                      "9007199254740991", "9007199254740993", "0.1", "-0.3",
                                      "3.14159265358979323846", "1e3", "-2.5E-4", "12345678901234567890.5",
                                      "0.0000000000000000000001", "0.00000000000000000000001"};
    for (int i = 0; i < 20000; ++i) {
        char buf[64];
        const int decimals = static_cast<int>(rng() % 10);
        const double v = (static_cast<double>(rng() % 2000000001) - 1e9) / std::pow(10.0, rng() % 12);
        std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
        cells.emplace_back(buf);
    }
    std::string text = "a,b\n";
    for (std::size_t i = 0; i < cells.size(); ++i)
        text += std::to_string(i) + "," + cells[i] + (i % 3 == 0 ? "\r\n" : "\n");
    const auto values = read_b(write_file("decimals.csv", text));
    REQUIRE(values.size() == cells.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < cells.size(); ++i)
        if (!same_double(values[i], reference(cells[i]))) {
            if (++mismatches < 5) UNSCOPED_INFO(cells[i] << " read as " << values[i]);
        }
    CHECK(mismatches == 0);
}

TEST_CASE("csv reader keeps spaces, empty cells and errors as before", "[analyze][csv]") {
    const auto values = read_b(write_file("spaces.csv", "a,b,c\n1,  2.5 ,x\n2,,y\n3, -1e2\r\n4,7\n\n5,\t+0.25\t\n"));
    REQUIRE(values.size() == 5);
    CHECK(values[0] == 2.5);
    CHECK(std::isnan(values[1]));
    CHECK(values[2] == -100.0);
    CHECK(values[3] == 7.0);
    CHECK(values[4] == 0.25);

    for (const char* bad : {"1,2.5x\n", "1,abc\n", "1,.\n", "1,-\n", "1,2 3\n", "1,--2\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(read_b(write_file("bad.csv", std::string("a,b\n") + bad)), CsvError);
    }
    CHECK_THROWS_WITH(read_b(write_file("short.csv", "a,b\n1\n")), Catch::Contains("1 cells, 2 needed"));
    CHECK_THROWS_WITH(read_b(write_file("text.csv", "a,b\n1,2\n2,oops\n")),
                      Catch::Contains("line 3, column 'b': not a number: 'oops'"));
}
