// Writes a HardwareSpec back out as `convroof.hardware/1` YAML (what `convroof probe` and
// `convroof calibrate` produce). Every field is written, and every quantity is written so
// that parse_hardware reads back the very same double: for each candidate unit the
// shortest decimal that parses back exactly (the loader computes number × unit factor,
// and so does the check here, through parse_quantity itself), the shortest of those
// across units wins ("204.8 GB/s", "50 MiB", "10 us", "0.5 us"), or the base unit in fmt's
// shortest round-trip form ("3.14e-07 s") where that is shorter.
#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <string_view>

#include "convroof/hardware.hpp"
#include "convroof/units.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

struct UnitSymbol {
  std::string_view symbol;
  double factor;  // SI value of 1 <symbol>, as in units.cpp
};

// Candidate units per dimension; the base unit (factor 1) comes last and always round-trips.
constexpr UnitSymbol kFlopRates[] = {{"PFLOPS", 1e15}, {"TFLOPS", 1e12}, {"GFLOPS", 1e9},
                                     {"MFLOPS", 1e6},  {"KFLOPS", 1e3},  {"FLOPS", 1}};
constexpr UnitSymbol kOpRates[] = {{"POPS", 1e15}, {"TOPS", 1e12}, {"GOPS", 1e9},
                                   {"MOPS", 1e6},  {"KOPS", 1e3},  {"OPS", 1}};
constexpr UnitSymbol kSizes[] = {{"TiB", 1099511627776.0},
                                 {"TB", 1e12},
                                 {"GiB", 1073741824.0},
                                 {"GB", 1e9},
                                 {"MiB", 1048576.0},
                                 {"MB", 1e6},
                                 {"KiB", 1024.0},
                                 {"KB", 1e3},
                                 {"B", 1}};
constexpr UnitSymbol kBandwidths[] = {{"TB/s", 1e12}, {"GB/s", 1e9}, {"MB/s", 1e6}, {"KB/s", 1e3}, {"B/s", 1}};
constexpr UnitSymbol kTimes[] = {{"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}, {"s", 1}};
constexpr UnitSymbol kFrequencies[] = {{"GHz", 1e9}, {"MHz", 1e6}, {"kHz", 1e3}, {"Hz", 1}};
constexpr UnitSymbol kPowers[] = {{"kW", 1e3}, {"mW", 1e-3}, {"W", 1}};

// The quantity `value` (SI) as "<number> <unit>" that parse_quantity turns back into `value`.
template <std::size_t N>
std::string exact_quantity(double value, const UnitSymbol (&units)[N], Dimension dimension) {
  const Location nowhere{"render_hardware_yaml", 0, 0};
  // The shortest fixed-point number (no exponent) that reads back exactly in `unit`, or "".
  auto exact_in = [&](const UnitSymbol& unit) -> std::string {
    const double scaled = value / unit.factor;
    for (int digits = 1; digits <= 17; ++digits) {
      std::string number = fmt::format("{:.{}g}", scaled, digits);
      if (number.find('e') != std::string::npos) continue;  // not yet enough digits for fixed form
      std::string text = fmt::format("{} {}", number, unit.symbol);
      if (parse_quantity(text, {dimension}, nowhere, /*allow_zero=*/true).value == value) return text;
    }
    return "";
  };
  // First the units that show a number >= 1, largest first; then those that show 0.001 to 1,
  // only where strictly shorter ("500 MB/s" over "0.5 GB/s", "0.5 us" over "5e-07 s").
  std::string best;
  for (bool at_least_one : {true, false})
    for (const auto& unit : units) {
      const double scaled = value / unit.factor;
      if (at_least_one != (scaled >= 1 || value == 0) || scaled < 0.001) continue;
      std::string text = exact_in(unit);
      if (!text.empty() && (best.empty() || text.size() < best.size())) best = text;
    }
  // The base unit with fmt's shortest round-trip digits is always exact, and shorter when
  // the prefixed forms need 17 digits: "3.14e-07 s" rather than "313.99999999999994 ns".
  std::string base = fmt::format("{} {}", value, units[N - 1].symbol);
  return best.empty() || base.size() < best.size() ? base : best;
}

// A YAML double-quoted scalar: backslash, quote and control characters escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += fmt::format("\\{}", c);
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out + "\"";
}

// A string as a YAML scalar: plain when it is a lowercase identifier ("probed", "avx512",
// "l3") that YAML cannot read as anything else, else double-quoted.
std::string text(std::string_view value) {
  static constexpr std::string_view kSpecial[] = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"};
  const bool plain =
      is_identifier(value) && std::find(std::begin(kSpecial), std::end(kSpecial), value) == std::end(kSpecial);
  return plain ? std::string(value) : quoted(value);
}

std::string peak_text(Precision precision, double flops_per_s) {
  const bool integer = precision == Precision::int8 || precision == Precision::int16;
  return integer ? exact_quantity(flops_per_s, kOpRates, Dimension::rate)
                 : exact_quantity(flops_per_s, kFlopRates, Dimension::rate);
}

void write_units(std::ostream& out, const HardwareSpec& spec) {
  out << "units:\n";
  for (const auto& unit : spec.units) {
    out << "  " << text(unit.name) << ": {peak: {";
    const char* separator = "";
    for (const auto& [precision, peak] : unit.peak_flops_per_s) {
      out << separator << precision_name(precision) << ": " << peak_text(precision, peak);
      separator = ", ";
    }
    out << "}}\n";
  }
}

void write_mac_array(std::ostream& out, const MacArrayModel& model) {
  out << "mac_array:\n";
  out << "  unit: " << text(model.unit) << '\n';
  if (!model.class_share.empty()) {
    out << "  class_share: {";
    const char* separator = "";
    for (const auto& [op_class, share] : model.class_share) {
      out << separator << op_class_name(op_class) << ": " << fmt::format("{}", share);
      separator = ", ";
    }
    out << "}\n";
  }
  out << "  tap_group: " << model.tap_group << '\n';
  out << "  depth_granularity: {kernel_first: " << model.kernel_first_depth
      << ", depth_first: " << model.depth_first_depth << "}\n";
  out << "  kernel_first_max_depth: " << model.kernel_first_max_depth << '\n';
  out << "  output_cycles_per_element: " << fmt::format("{}", model.output_cycles_per_element) << '\n';
  if (!model.vela.empty()) out << "  vela: " << text(model.vela) << '\n';
}

void write_memory(std::ostream& out, const std::vector<MemoryLevel>& memory) {
  out << "memory:\n";
  for (const auto& level : memory) {
    out << "  - {name: " << text(level.name)
        << ", capacity: " << exact_quantity(level.capacity_bytes, kSizes, Dimension::size);
    if (level.bandwidth_bytes_per_s)
      out << ", bandwidth: " << exact_quantity(*level.bandwidth_bytes_per_s, kBandwidths, Dimension::bandwidth);
    if (!(level.holds_weights && level.holds_activations)) {
      out << ", holds: [";
      if (level.holds_weights) out << "weights";
      if (level.holds_activations) out << (level.holds_weights ? ", " : "") << "activations";
      out << "]";
    }
    out << "}\n";
  }
}

}  // namespace

std::string render_hardware_yaml(const HardwareSpec& spec, const std::vector<std::string>& header) {
  std::ostringstream out;
  for (const auto& block : header) {
    std::istringstream lines(block);
    std::string line;
    while (std::getline(lines, line)) out << (line.empty() ? "#" : "# " + line) << '\n';
  }
  out << "schema: convroof.hardware/1\n";
  out << "id: " << text(spec.id) << '\n';
  out << "name: " << quoted(spec.name) << '\n';
  out << "class: " << spec.device_class << '\n';
  out << "default_precision: " << precision_name(spec.default_precision) << '\n';
  if (spec.clock_hz) out << "clock: " << exact_quantity(*spec.clock_hz, kFrequencies, Dimension::frequency) << '\n';
  write_units(out, spec);
  // `key: {a: b, c: d}` of a map, each entry written by `entry`; nothing for an empty map.
  auto flow_map = [&out](std::string_view key, const auto& map, auto entry) {
    if (map.empty()) return;
    out << key << ": {";
    const char* separator = "";
    for (const auto& [name, value] : map) {
      out << separator << entry(name, value);
      separator = ", ";
    }
    out << "}\n";
  };
  flow_map("routing", spec.routing, [&](OpClass op_class, const std::string& unit) {
    return fmt::format("{}: {}", op_class_name(op_class), text(unit));
  });
  // η is a plain number; fmt's shortest form parses back exactly.
  out << "efficiency: {default: " << fmt::format("{}", spec.default_efficiency);
  for (const auto& [op_class, eta] : spec.efficiency)
    out << ", " << op_class_name(op_class) << ": " << fmt::format("{}", eta);
  out << "}\n";
  if (spec.mac_array) write_mac_array(out, *spec.mac_array);
  write_memory(out, spec.memory);
  out << "overhead: " << exact_quantity(spec.overhead_s, kTimes, Dimension::time) << '\n';
  if (spec.power_w) out << "power: " << exact_quantity(*spec.power_w, kPowers, Dimension::power) << '\n';
  if (!spec.runtime.empty()) out << "runtime: " << text(spec.runtime) << '\n';
  if (spec.vector_lanes) out << "vector_lanes: " << *spec.vector_lanes << '\n';
  flow_map("weight_precision", spec.weight_precision, [](Precision precision, Precision stored) {
    return fmt::format("{}: {}", precision_name(precision), precision_name(stored));
  });
  out << "sources:\n";
  for (const auto& source : spec.sources) out << "  - " << quoted(source) << '\n';
  return out.str();
}

}  // namespace convroof
