// Quantities: parsing into SI units and strict rejection of anything ambiguous.
#include <catch2/catch.hpp>

#include "convroof/units.hpp"
#include "text_checks.hpp"

using namespace convroof;

namespace {
const Location here{"t.yaml", 3, 7};
double si(const char* text, std::vector<Dimension> dims) {
  return parse_quantity(text, dims, here).value;
}
std::string error_of(const char* text, std::vector<Dimension> dims) {
  try {
    parse_quantity(text, dims, here);
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}
}  // namespace

TEST_CASE("units: rates, sizes, bandwidths, times, frequencies in SI", "[units]") {
  // Decimal rates: 1 TFLOPS = 1e12 FLOP/s; TOPS counts ops = FLOP (docs/architecture.md, Conventions).
  CHECK(si("989.4 TFLOPS", {Dimension::rate}) == Approx(989.4e12));
  CHECK(si("1979 TOPS", {Dimension::rate}) == Approx(1979e12));
  CHECK(si("5.3TFLOP/s", {Dimension::rate}) == Approx(5.3e12));
  // 1 MAC = 2 FLOP: 0.96 GMAC/s = 1.92e9 FLOP/s.
  CHECK(si("0.96 GMAC/s", {Dimension::rate}) == Approx(1.92e9));
  auto per_cycle = parse_quantity("128 MAC/cycle", {Dimension::per_cycle}, here);
  CHECK(per_cycle.dimension == Dimension::per_cycle);
  CHECK(per_cycle.value == 256);  // 128 MACs = 256 FLOP per cycle
  // Sizes: KB decimal, KiB binary: 512 KB = 512,000 B; 512 KiB = 524,288 B; 16 GiB = 17,179,869,184 B.
  CHECK(si("512 KB", {Dimension::size}) == 512000);
  CHECK(si("512 KiB", {Dimension::size}) == 524288);
  CHECK(si("16 GiB", {Dimension::size}) == 17179869184.0);
  CHECK(si("100MB", {Dimension::size}) == 100e6);
  // Bandwidth is decimal: 204.8 GB/s = 2.048e11 B/s.
  CHECK(si("204.8 GB/s", {Dimension::bandwidth}) == Approx(204.8e9));
  CHECK(si("3350GB/s", {Dimension::bandwidth}) == Approx(3.35e12));
  CHECK(si("10 us", {Dimension::time}) == Approx(1e-5));
  CHECK(si("0.01 ms", {Dimension::time}) == Approx(1e-5));
  CHECK(si("2 ms", {Dimension::time}) == Approx(2e-3));
  CHECK(si("500 MHz", {Dimension::frequency}) == 5e8);
  CHECK(si("700 W", {Dimension::power}) == 700);
  CHECK(si("4 GFLOP", {Dimension::work}) == 4e9);
  CHECK(si("1e3 GB/s", {Dimension::bandwidth}) == Approx(1e12));
  CHECK(parse_quantity("0 us", {Dimension::time}, here, true).value == 0);
  // Micro as the micro sign (U+00B5) or the Greek mu (U+03BC): 5 µs = 5 μs = 5e-6 s.
  CHECK(si("5 \xC2\xB5s", {Dimension::time}) == Approx(5e-6));
  CHECK(si("5 \xCE\xBCs", {Dimension::time}) == Approx(5e-6));
  // A bare 0 where zero is allowed is zero in any unit; where it is not, it still needs a unit.
  CHECK(parse_quantity("0", {Dimension::time, Dimension::cycles}, here, true).value == 0);
  CHECK(error_of("0", {Dimension::bandwidth}).find("has no unit") != std::string::npos);
}

TEST_CASE("units: strict errors name the location and the expected unit", "[units]") {
  // A bare number for a dimensional field names what was expected.
  CHECK(error_of("128", {Dimension::rate}) ==
        "t.yaml:3:7: error: '128' has no unit; expected a rate (TFLOPS, GFLOPS, TOPS, GOPS, …)");
  // Wrong case is an unknown unit with a suggestion (Mb vs MB matters: bits vs bytes).
  CHECK(error_of("5 TFLOPs", {Dimension::rate}).find("unknown unit 'TFLOPs'") != std::string::npos);
  CHECK(error_of("5 TFLOPs", {Dimension::rate}).find("did you mean 'TFLOPS'") != std::string::npos);
  // An amount of work is not a rate.
  CHECK(error_of("4 TFLOP", {Dimension::rate}) ==
        "t.yaml:3:7: error: '4 TFLOP' is an amount of work, expected a rate (TFLOPS, GFLOPS, TOPS, GOPS, …)");
  CHECK(error_of("-3 GB/s", {Dimension::bandwidth}).find("must be positive") != std::string::npos);
  CHECK(error_of("0 GB", {Dimension::size}).find("must be positive") != std::string::npos);
  CHECK(error_of("nan GB/s", {Dimension::bandwidth}).find("not a number") != std::string::npos);
  CHECK(error_of("inf TFLOPS", {Dimension::rate}).find("not a number") != std::string::npos);
  CHECK(error_of("1e400 TFLOPS", {Dimension::rate}) != "no error");
  CHECK(error_of("GB/s", {Dimension::bandwidth}).find("not a number") != std::string::npos);
  CHECK(error_of("1,555 GB/s", {Dimension::bandwidth}) ==
        "t.yaml:3:7: error: '1,555 GB/s': thousands separators are not read; write 1555 GB/s");
  CHECK(error_of("2 secs", {Dimension::time}) ==
        "t.yaml:3:7: error: unknown unit 'secs' in '2 secs': seconds are written 's' (2 s)");
}

TEST_CASE("units: efficiency is a fraction or a percentage", "[units]") {
  CHECK(parse_efficiency("0.45", here) == Approx(0.45));
  CHECK(parse_efficiency("45%", here) == Approx(0.45));
  CHECK(parse_efficiency("1", here) == 1.0);
  CHECK_THROWS_AS(parse_efficiency("1.5", here), Error);
  CHECK_THROWS_AS(parse_efficiency("0", here), Error);
  CHECK_THROWS_AS(parse_efficiency("fast", here), Error);
}

TEST_CASE("units: human formatting keeps 4 significant digits", "[units]") {
  // 100 MB / 3350 GB/s = 29.8507 us.
  CHECK(format_time(1e8 / 3.35e12) == "29.85 us");
  CHECK(format_time(4e9 / 989e12) == "4.044 us");
  CHECK(format_time(2.0) == "2.000 s");
  CHECK(format_time(0) == "0 s");
  CHECK(format_bytes(100e6) == "100.0 MB");
  CHECK(format_bytes(19) == "19 B");
  CHECK(format_rate(989.4e12) == "989.4 TFLOP/s");
  CHECK(format_bandwidth(204.8e9) == "204.8 GB/s");
  CHECK(format_count(569e6) == "569.0 M");
  CHECK(format_number(275e12 / 204e9) == "1348");
  CHECK(format_number(18.0 / 19.0) == "0.9474");
}

// Hand-built byte strings against RFC 3629's table of well-formed sequences.
TEST_CASE("text: UTF-8 validation finds the first bad byte", "[units][utf8]") {
  CHECK(invalid_utf8_at("conv1") == std::string_view::npos);
  CHECK(invalid_utf8_at("η = 45 %, 1 µs, ≤, 𝛈") == std::string_view::npos);       // 2-, 3- and 4-byte forms
  CHECK(invalid_utf8_at("ab\xff") == 2);                                          // FF never occurs
  CHECK(invalid_utf8_at("a\xc0\xaf") == 1);                                       // C0 AF: overlong '/'
  CHECK(invalid_utf8_at("\xe0\x80\xaf") == 0);                                    // E0 80 AF: overlong
  CHECK(invalid_utf8_at("x\xed\xa0\x80") == 1);                                   // ED A0 80: the surrogate U+D800
  CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == 0);                                // F4 90 80 80: above U+10FFFF
  CHECK(invalid_utf8_at("ok\xe2\x82") == 2);                                      // a 3-byte form cut short
  CHECK(invalid_utf8_at("\x80") == 0);                                            // a lone continuation byte
  CHECK(invalid_utf8_at(std::string_view("a\0b", 3)) == std::string_view::npos);  // NUL is ASCII
  // The error's column counts characters: "é" is one column, so the bad byte in
  // "name: é\xff" is column 8 of line 2.
  try {
    require_utf8("schema: x\nname: \xc3\xa9\xff\n", Location{"f.yaml", 1, 1});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 8);
    CHECK(std::string(e.what()) == "byte 0xFF is not UTF-8 (files and arguments must be UTF-8 text)");
  }
}
