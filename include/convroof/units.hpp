// Quantities with units: parsing the strings of hardware and workload files
// ("204.8 GB/s", "989.4 TFLOPS", "128 MAC/cycle", "512 KiB", "10 us") into SI values,
// and formatting SI values back into human units for the renderers.
//
// Conventions (docs/architecture.md, Conventions): 1 MAC = 2 FLOP = 2 ops; rates and bandwidths are decimal;
// sizes accept decimal (KB, MB, GB) and binary (KiB, MiB, GiB) prefixes. All unit
// tables live in units.cpp, one constexpr table, which also drives the error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "convroof/error.hpp"

namespace convroof {

enum class Dimension {
  rate,       // FLOP/s
  per_cycle,  // FLOP per clock cycle (needs a clock to become a rate)
  work,       // FLOP
  size,       // bytes
  bandwidth,  // bytes/s
  time,       // seconds
  cycles,     // clock cycles (seconds once divided by a clock)
  frequency,  // Hz
  power,      // watts
};

// With its article, for messages: "a rate", "an amount of work".
std::string_view dimension_name(Dimension dimension);
// A few example units of the dimension for messages: "TFLOPS, GFLOPS, TOPS, …".
std::string example_units(Dimension dimension);

struct Quantity {
  double value = 0;  // in SI base units of `dimension`
  Dimension dimension = Dimension::rate;
};

// Parses "<number>[ ]<unit>". The result must be one of `expected`. Throws Error at `where`
// for a bare number, an unknown unit (with a "did you mean"), a unit of another dimension,
// or a value that is not finite. With allow_zero=false the value must be > 0, else >= 0.
Quantity parse_quantity(std::string_view text, const std::vector<Dimension>& expected, const Location& where,
                        bool allow_zero = false);

// Efficiency η: a number in (0, 1] or a percentage "45%".
double parse_efficiency(std::string_view text, const Location& where);

// Locale-independent strict parse of a whole string as a finite double / integer.
bool parse_double(std::string_view text, double& out);
bool parse_int(std::string_view text, long long& out);

// Human formatting with 4 significant digits and an SI prefix (decimal).
std::string format_time(double seconds);                       // "29.85 us", "4.040 ms", "2.000 s"
std::string format_bytes(double bytes);                        // "100.0 MB", "147.5 KB", "19 B"
std::string format_rate(double flops_per_second);              // "989.4 TFLOP/s"
std::string format_bandwidth(double bytes_per_s);              // "204.8 GB/s"
std::string format_count(double count);                        // "569.0 M", "4.231 M", "864"
std::string format_number(double value, int significant = 4);  // "0.9474", "1348"

}  // namespace convroof
