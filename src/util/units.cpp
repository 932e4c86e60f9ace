#include "convroof/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace convroof {

namespace {

struct UnitDef {
  std::string_view symbol;
  Dimension dimension;
  double factor;  // SI value of 1 <symbol>
};

// The single table of accepted units. A MAC counts as 2 FLOP (docs/architecture.md, Conventions); ops and FLOP
// are the same count. Rates and bandwidths are decimal; sizes accept both prefixes.
constexpr std::array kUnits{
    // rate, FLOP/s
    UnitDef{"FLOPS", Dimension::rate, 1},
    UnitDef{"KFLOPS", Dimension::rate, 1e3},
    UnitDef{"MFLOPS", Dimension::rate, 1e6},
    UnitDef{"GFLOPS", Dimension::rate, 1e9},
    UnitDef{"TFLOPS", Dimension::rate, 1e12},
    UnitDef{"PFLOPS", Dimension::rate, 1e15},
    UnitDef{"FLOP/s", Dimension::rate, 1},
    UnitDef{"KFLOP/s", Dimension::rate, 1e3},
    UnitDef{"MFLOP/s", Dimension::rate, 1e6},
    UnitDef{"GFLOP/s", Dimension::rate, 1e9},
    UnitDef{"TFLOP/s", Dimension::rate, 1e12},
    UnitDef{"PFLOP/s", Dimension::rate, 1e15},
    UnitDef{"OPS", Dimension::rate, 1},
    UnitDef{"KOPS", Dimension::rate, 1e3},
    UnitDef{"MOPS", Dimension::rate, 1e6},
    UnitDef{"GOPS", Dimension::rate, 1e9},
    UnitDef{"TOPS", Dimension::rate, 1e12},
    UnitDef{"POPS", Dimension::rate, 1e15},
    UnitDef{"OP/s", Dimension::rate, 1},
    UnitDef{"GOP/s", Dimension::rate, 1e9},
    UnitDef{"TOP/s", Dimension::rate, 1e12},
    UnitDef{"MAC/s", Dimension::rate, 2},
    UnitDef{"KMAC/s", Dimension::rate, 2e3},
    UnitDef{"MMAC/s", Dimension::rate, 2e6},
    UnitDef{"GMAC/s", Dimension::rate, 2e9},
    UnitDef{"TMAC/s", Dimension::rate, 2e12},
    // per cycle
    UnitDef{"FLOP/cycle", Dimension::per_cycle, 1},
    UnitDef{"OP/cycle", Dimension::per_cycle, 1},
    UnitDef{"MAC/cycle", Dimension::per_cycle, 2},
    // work, FLOP
    UnitDef{"FLOP", Dimension::work, 1},
    UnitDef{"KFLOP", Dimension::work, 1e3},
    UnitDef{"MFLOP", Dimension::work, 1e6},
    UnitDef{"GFLOP", Dimension::work, 1e9},
    UnitDef{"TFLOP", Dimension::work, 1e12},
    UnitDef{"PFLOP", Dimension::work, 1e15},
    UnitDef{"OP", Dimension::work, 1},
    UnitDef{"KOP", Dimension::work, 1e3},
    UnitDef{"MOP", Dimension::work, 1e6},
    UnitDef{"GOP", Dimension::work, 1e9},
    UnitDef{"TOP", Dimension::work, 1e12},
    UnitDef{"MAC", Dimension::work, 2},
    UnitDef{"KMAC", Dimension::work, 2e3},
    UnitDef{"MMAC", Dimension::work, 2e6},
    UnitDef{"GMAC", Dimension::work, 2e9},
    UnitDef{"TMAC", Dimension::work, 2e12},
    // size, bytes
    UnitDef{"B", Dimension::size, 1},
    UnitDef{"KB", Dimension::size, 1e3},
    UnitDef{"MB", Dimension::size, 1e6},
    UnitDef{"GB", Dimension::size, 1e9},
    UnitDef{"TB", Dimension::size, 1e12},
    UnitDef{"KiB", Dimension::size, 1024.0},
    UnitDef{"MiB", Dimension::size, 1048576.0},
    UnitDef{"GiB", Dimension::size, 1073741824.0},
    UnitDef{"TiB", Dimension::size, 1099511627776.0},
    // bandwidth, bytes/s
    UnitDef{"B/s", Dimension::bandwidth, 1},
    UnitDef{"KB/s", Dimension::bandwidth, 1e3},
    UnitDef{"MB/s", Dimension::bandwidth, 1e6},
    UnitDef{"GB/s", Dimension::bandwidth, 1e9},
    UnitDef{"TB/s", Dimension::bandwidth, 1e12},
    UnitDef{"KiB/s", Dimension::bandwidth, 1024.0},
    UnitDef{"MiB/s", Dimension::bandwidth, 1048576.0},
    UnitDef{"GiB/s", Dimension::bandwidth, 1073741824.0},
    // time, seconds
    UnitDef{"s", Dimension::time, 1},
    UnitDef{"ms", Dimension::time, 1e-3},
    UnitDef{"us", Dimension::time, 1e-6},
    UnitDef{"\xC2\xB5s", Dimension::time, 1e-6},  // U+00B5 micro sign
    UnitDef{"\xCE\xBCs", Dimension::time, 1e-6},  // U+03BC Greek mu, which keyboards and datasheets also give
    UnitDef{"ns", Dimension::time, 1e-9},
    // clock cycles (a time once a clock is known: runtime launch costs on an MCU)
    UnitDef{"cycles", Dimension::cycles, 1},
    UnitDef{"kcycles", Dimension::cycles, 1e3},
    // frequency, Hz
    UnitDef{"Hz", Dimension::frequency, 1},
    UnitDef{"kHz", Dimension::frequency, 1e3},
    UnitDef{"MHz", Dimension::frequency, 1e6},
    UnitDef{"GHz", Dimension::frequency, 1e9},
    // power, W
    UnitDef{"mW", Dimension::power, 1e-3},
    UnitDef{"W", Dimension::power, 1},
    UnitDef{"kW", Dimension::power, 1e3},
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string> symbols_of(const std::vector<Dimension>& dimensions) {
  std::vector<std::string> out;
  for (const auto& unit : kUnits)
    for (Dimension d : dimensions)
      if (unit.dimension == d) out.emplace_back(unit.symbol);
  return out;
}

std::string expected_text(const std::vector<Dimension>& expected) {
  std::string out;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i) out += i + 1 == expected.size() ? " or " : ", ";
    out += fmt::format("{} ({})", dimension_name(expected[i]), example_units(expected[i]));
  }
  return out;
}

}  // namespace

std::string_view dimension_name(Dimension dimension) {
  switch (dimension) {
    case Dimension::rate:
      return "a rate";
    case Dimension::per_cycle:
      return "a per-cycle rate";
    case Dimension::work:
      return "an amount of work";
    case Dimension::size:
      return "a size";
    case Dimension::bandwidth:
      return "a bandwidth";
    case Dimension::time:
      return "a time";
    case Dimension::cycles:
      return "a number of clock cycles";
    case Dimension::frequency:
      return "a frequency";
    case Dimension::power:
      return "a power";
  }
  return "a quantity";
}

std::string example_units(Dimension dimension) {
  switch (dimension) {
    case Dimension::rate:
      return "TFLOPS, GFLOPS, TOPS, GOPS, …";
    case Dimension::per_cycle:
      return "MAC/cycle, FLOP/cycle, OP/cycle";
    case Dimension::work:
      return "GFLOP, MFLOP, GOP, GMAC, …";
    case Dimension::size:
      return "B, KB, KiB, MB, MiB, GB, GiB, …";
    case Dimension::bandwidth:
      return "GB/s, TB/s, MB/s, …";
    case Dimension::time:
      return "s, ms, us, ns";
    case Dimension::cycles:
      return "cycles, kcycles";
    case Dimension::frequency:
      return "Hz, kHz, MHz, GHz";
    case Dimension::power:
      return "mW, W, kW";
  }
  return "";
}

bool parse_double(std::string_view text, double& out) {
  text = trim(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) return false;
  out = value;
  return true;
}

bool parse_int(std::string_view text, long long& out) {
  text = trim(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return false;
  out = value;
  return true;
}

Quantity parse_quantity(std::string_view text, const std::vector<Dimension>& expected, const Location& where,
                        bool allow_zero) {
  std::string_view body = trim(text);
  // Split into the leading number and the unit that follows it.
  std::size_t split = 0;
  while (split < body.size() && (std::isdigit(static_cast<unsigned char>(body[split])) || body[split] == '.' ||
                                 body[split] == '-' || body[split] == '+' ||
                                 ((body[split] == 'e' || body[split] == 'E') && split > 0 && split + 1 < body.size() &&
                                  (std::isdigit(static_cast<unsigned char>(body[split + 1])) ||
                                   body[split + 1] == '-' || body[split + 1] == '+'))))
    ++split;
  std::string_view number = body.substr(0, split);
  std::string_view unit = trim(body.substr(split));
  double value = 0;
  if (!parse_double(number, value))
    throw Error(where, fmt::format("'{}' is not a number with a unit; expected {}", text, expected_text(expected)));
  if (unit.size() > 1 && unit[0] == ',' && std::isdigit(static_cast<unsigned char>(unit[1]))) {
    std::string plain;  // the number without its separators
    std::size_t end = 0;
    for (; end < body.size() && (std::isdigit(static_cast<unsigned char>(body[end])) || body[end] == ',' ||
                                 body[end] == '.');
         ++end)
      if (body[end] != ',') plain += body[end];
    throw Error(where, fmt::format("'{}': thousands separators are not read; write {}{}", text, plain,
                                   body.substr(end)));
  }
  if (unit.empty()) {
    // Zero is zero in every unit: a bare 0 where zero is allowed (`overhead: 0`).
    if (allow_zero && value == 0) return Quantity{0.0, expected.front()};
    throw Error(where, fmt::format("'{}' has no unit; expected {}", text, expected_text(expected)));
  }
  if (unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds")
    throw Error(where, fmt::format("unknown unit '{}' in '{}': seconds are written 's' ({} s)", unit, text, number));
  const UnitDef* found = nullptr;
  for (const auto& candidate : kUnits)
    if (candidate.symbol == unit) found = &candidate;
  if (found == nullptr) {
    std::vector<std::string> all;
    for (const auto& candidate : kUnits) all.emplace_back(candidate.symbol);
    std::string hint = did_you_mean(std::string(unit), symbols_of(expected));
    if (hint.empty()) hint = did_you_mean(std::string(unit), all);
    throw Error(where,
                fmt::format("unknown unit '{}' in '{}'{}; expected {}", unit, text, hint, expected_text(expected)));
  }
  bool dimension_ok = false;
  for (Dimension d : expected) dimension_ok = dimension_ok || d == found->dimension;
  if (!dimension_ok)
    throw Error(
        where, fmt::format("'{}' is {}, expected {}", text, dimension_name(found->dimension), expected_text(expected)));
  double si = value * found->factor;
  if (!std::isfinite(si)) throw Error(where, fmt::format("'{}' is out of range", text));
  if (si < 0 || (!allow_zero && si == 0))
    throw Error(where, fmt::format("'{}' must be {}", text, allow_zero ? "zero or positive" : "positive"));
  return Quantity{si, found->dimension};
}

double parse_efficiency(std::string_view text, const Location& where) {
  std::string_view body = trim(text);
  double value = 0;
  bool percent = !body.empty() && body.back() == '%';
  if (percent) body.remove_suffix(1);
  if (!parse_double(body, value))
    throw Error(where, fmt::format("efficiency '{}' is not a number in (0, 1] or a percentage", text));
  if (percent) value /= 100.0;
  if (!(value > 0 && value <= 1))
    throw Error(where, fmt::format("efficiency '{}' must be in (0, 1] (or (0%, 100%])", text));
  return value;
}

std::string format_number(double value, int significant) {
  if (value == 0) return "0";
  double magnitude = std::floor(std::log10(std::fabs(value)));
  int decimals = std::max(0, significant - 1 - static_cast<int>(magnitude));
  return fmt::format("{:.{}f}", value, decimals);
}

namespace {
struct Prefix {
  double scale;
  std::string_view name;
};
// Picks the largest prefix with scaled value >= 1 and formats 4 significant digits.
std::string with_prefix(double value, std::string_view unit, std::initializer_list<Prefix> prefixes) {
  if (value == 0) return fmt::format("0 {}", unit);
  const Prefix* chosen = nullptr;
  for (const auto& prefix : prefixes)
    if (std::fabs(value) >= prefix.scale * (1 - 5e-5)) chosen = &prefix;
  if (chosen == nullptr) chosen = prefixes.begin();
  double scaled = value / chosen->scale;
  return fmt::format("{} {}{}", format_number(scaled), chosen->name, unit);
}
}  // namespace

std::string format_time(double seconds) {
  return with_prefix(seconds, "s", {{1e-9, "n"}, {1e-6, "u"}, {1e-3, "m"}, {1, ""}});
}
std::string format_bytes(double bytes) {
  if (std::fabs(bytes) < 1000) return fmt::format("{} B", static_cast<long long>(std::llround(bytes)));
  return with_prefix(bytes, "B", {{1e3, "K"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}, {1e15, "P"}});
}
std::string format_rate(double flops_per_second) {
  return with_prefix(flops_per_second, "FLOP/s",
                     {{1, ""}, {1e3, "K"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}, {1e15, "P"}});
}
std::string format_bandwidth(double bytes_per_s) {
  return with_prefix(bytes_per_s, "B/s", {{1, ""}, {1e3, "K"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}});
}
std::string format_count(double count) {
  if (std::fabs(count) < 1000) return fmt::format("{}", static_cast<long long>(std::llround(count)));
  return with_prefix(count, "", {{1e3, "K"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}, {1e15, "P"}});
}

}  // namespace convroof
