// Loads `convroof.hardware/1` specs, resolves built-in ids, applies --set what-ifs.
#include "convroof/hardware.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "convroof/error.hpp"
#include "convroof/units.hpp"
#include "convroof/vela_accelerators.hpp"
#include "embedded.hpp"
#include "text_checks.hpp"
#include "yaml_reader.hpp"

namespace convroof {

namespace {

constexpr std::string_view kSchema = "convroof.hardware/1";
const std::vector<std::string> kOverrideKeys{"peak", "bandwidth", "capacity", "overhead", "efficiency", "clock"};

// A peak given per second, or per cycle (× clock).
double parse_peak(const yaml::Node& node, const std::string& file, const std::optional<double>& clock_hz) {
  Quantity peak = yaml::as_quantity(node, file, {Dimension::rate, Dimension::per_cycle});
  if (peak.dimension == Dimension::rate) return peak.value;
  if (!clock_hz)
    throw Error(yaml::location(node, file),
                fmt::format("peak '{}' is per cycle, but the spec has no 'clock'", node.scalar()));
  return peak.value * *clock_hz;
}

// A peak that parses but no chip has: above 10 PFLOP/s (the largest dense peaks are ~2 PFLOP/s,
// H100 int8) or below 1 kFLOP/s (slower than any programmable core) is likely a unit typo.
void check_plausible_peak(double rate, const std::string& unit, Precision precision, const Location& where,
                          std::vector<std::string>& warnings) {
  if (rate <= 10e15 && rate >= 1e3) return;
  warnings.push_back(warning_text(
      where, fmt::format("unit '{}' peaks at {} at {}, {} any chip: check the unit (TFLOPS, GFLOPS, MAC/cycle)", unit,
                         format_rate(rate), precision_name(precision),
                         rate > 10e15 ? "above the 10 PFLOP/s of" : "below the 1 kFLOP/s of")));
}

// A unit's `peak:` map, precision -> rate (also the spec's single-unit shorthand `peak:`).
ExecutionUnit parse_peaks(const std::string& name, const yaml::Node& peaks, const std::string& file,
                          const std::optional<double>& clock_hz, std::vector<std::string>& warnings) {
  if (!peaks.is_map() || peaks.size() == 0)
    throw Error(yaml::location(peaks, file),
                fmt::format("'peak' of unit '{}' must map precisions ({}) to rates", name, join(precision_names())));
  ExecutionUnit result{name, {}};
  yaml::MapReader check(peaks, file, fmt::format("peak of unit '{}'", name), precision_names());
  for (const auto& entry : peaks.entries()) {
    Precision precision = *parse_precision(entry.key.scalar());
    result.peak_flops_per_s[precision] = parse_peak(entry.value, file, clock_hz);
    check_plausible_peak(result.peak_flops_per_s[precision], name, precision, yaml::location(entry.value, file),
                         warnings);
  }
  return result;
}

ExecutionUnit parse_unit(const std::string& name, const yaml::Node& node, const std::string& file,
                         const std::optional<double>& clock_hz, std::vector<std::string>& warnings) {
  yaml::MapReader unit(node, file, fmt::format("unit '{}'", name), {"peak"});
  return parse_peaks(name, unit.required("peak"), file, clock_hz, warnings);
}

MemoryLevel parse_memory_level(const yaml::Node& node, const std::string& file, bool outermost) {
  yaml::MapReader level(node, file, "memory level", {"name", "capacity", "bandwidth", "holds"});
  MemoryLevel result;
  result.name = level.string("name");
  result.capacity_bytes = level.quantity("capacity", {Dimension::size}).value;
  if (level.has("bandwidth"))
    result.bandwidth_bytes_per_s = level.quantity("bandwidth", {Dimension::bandwidth}).value;
  else if (outermost)
    throw Error(level.where(), fmt::format("the outermost memory level '{}' needs a 'bandwidth'", result.name));
  if (auto holds = level.optional("holds")) {
    if (!holds->is_sequence() || holds->size() == 0)
      throw Error(yaml::location(*holds, file), "'holds' must be a non-empty list of: weights, activations");
    result.holds_weights = result.holds_activations = false;
    for (const auto& item : holds->items()) {
      std::string what = yaml::as_string(item, file, "an entry of 'holds'");
      if (what == "weights")
        result.holds_weights = true;
      else if (what == "activations")
        result.holds_activations = true;
      else
        throw Error(yaml::location(item, file),
                    fmt::format("unknown entry '{}' in 'holds'{}; valid: weights, activations", what,
                                did_you_mean(what, {"weights", "activations"})));
    }
  }
  return result;
}

// `mac_array:` (docs/formats.md). Integers are granularities (>= 1); class shares are
// fractions in (0, 1]; the output stage is cycles per output element (>= 0).
MacArrayModel parse_mac_array(const yaml::Node& node, const std::string& file,
                              const std::vector<ExecutionUnit>& units) {
  yaml::MapReader reader(
      node, file, "mac_array",
      {"unit", "class_share", "tap_group", "depth_granularity", "kernel_first_max_depth", "output_cycles_per_element",
       "vela"});
  MacArrayModel model;
  std::vector<std::string> unit_names;
  for (const auto& unit : units) unit_names.push_back(unit.name);
  model.unit = reader.optional("unit") ? reader.string("unit") : units.front().name;
  if (std::find(unit_names.begin(), unit_names.end(), model.unit) == unit_names.end())
    throw Error(reader.where("unit"), fmt::format("mac_array names unknown unit '{}'{}; units: {}", model.unit,
                                                  did_you_mean(model.unit, unit_names), join(unit_names)));
  auto share = [&](const yaml::Node& value) {
    double number = 0;
    std::string text = yaml::as_string(value, file, "a class share");
    if (!parse_double(text, number) || !(number > 0 && number <= 1))
      throw Error(yaml::location(value, file),
                  fmt::format("a class share must be a fraction of the array in (0, 1], e.g. 0.125, got '{}'", text));
    return number;
  };
  if (auto shares = reader.optional("class_share")) {
    if (!shares->is_map()) throw Error(reader.where("class_share"), "'class_share' must map op classes to fractions");
    yaml::MapReader(*shares, file, "class_share", op_class_names());
    for (const auto& entry : shares->entries())
      model.class_share[yaml::op_class_key(entry.key, file, "class_share")] = share(entry.value);
  }
  model.tap_group = reader.integer_or("tap_group", 1, 1);
  if (auto depth = reader.optional("depth_granularity")) {
    yaml::MapReader modes(*depth, file, "depth_granularity", {"kernel_first", "depth_first"});
    model.kernel_first_depth = modes.integer_or("kernel_first", 1, 1);
    model.depth_first_depth = modes.integer_or("depth_first", 1, 1);
  }
  model.kernel_first_max_depth = reader.integer_or("kernel_first_max_depth", 0, 0);
  if (auto stage = reader.optional("output_cycles_per_element")) {
    double cycles = 0;
    std::string text = yaml::as_string(*stage, file, "output_cycles_per_element");
    if (!parse_double(text, cycles) || cycles < 0 || cycles > 1e6)
      throw Error(
          yaml::location(*stage, file),
          fmt::format("'output_cycles_per_element' must be a number >= 0 (cycles per output element), got '{}'", text));
    model.output_cycles_per_element = cycles;
  }
  if (auto vela = reader.optional_string("vela")) {
    if (!vela::find_accelerator(*vela)) {
      std::vector<std::string> ids;
      for (auto id : vela::accelerator_ids()) ids.emplace_back(id);
      throw Error(reader.where("vela"), fmt::format("unknown Vela accelerator configuration '{}'{}; known: {}", *vela,
                                                    did_you_mean(*vela, ids), join(ids)));
    }
    model.vela = *vela;
  }
  return model;
}

// The memory level bandwidth-bound traffic of one kind moves through: the outermost
// level that holds it and has a bandwidth.
const MemoryLevel* outermost_holding(const std::vector<MemoryLevel>& memory, bool weights) {
  for (const auto& level : memory)
    if ((weights ? level.holds_weights : level.holds_activations) && level.bandwidth_bytes_per_s) return &level;
  return nullptr;
}

}  // namespace

HardwareSpec parse_hardware(const std::string& text, const std::string& file) {
  const yaml::Node root = yaml::parse_document(text, file);
  yaml::check_schema(root, file, kSchema);
  yaml::MapReader spec(root, file, "hardware spec",
                       {"schema", "id", "name", "class", "default_precision", "clock", "units", "peak", "routing",
                        "efficiency", "mac_array", "memory", "overhead", "power", "runtime", "vector_lanes", "weight_precision",
                        "sources"});
  HardwareSpec hw;
  hw.origin = file;
  spec.string("schema");  // required; its value was checked by check_schema
  hw.id = spec.string("id");
  if (!is_identifier(hw.id))
    throw Error(spec.where("id"), fmt::format("id '{}' must be lowercase letters, digits, '.', '_' or '-'", hw.id));
  hw.name = spec.string("name");
  hw.device_class = spec.string("class");
  std::vector<std::string> classes(kDeviceClasses.begin(), kDeviceClasses.end());
  if (std::find(classes.begin(), classes.end(), hw.device_class) == classes.end())
    throw Error(spec.where("class"), unknown_choice("class", hw.device_class, classes));
  std::string precision = spec.string("default_precision");
  auto default_precision = parse_precision(precision);
  if (!default_precision)
    throw Error(spec.where("default_precision"), unknown_choice("precision", precision, precision_names()));
  hw.default_precision = *default_precision;
  if (spec.has("clock")) hw.clock_hz = spec.quantity("clock", {Dimension::frequency}).value;

  // Units: either `units: {name: {peak: …}}` or the single-unit shorthand `peak: {…}`.
  if (spec.has("units") == spec.has("peak"))
    throw Error(spec.where(), "a hardware spec needs exactly one of 'units' or 'peak'");
  if (spec.has("peak")) {
    hw.units.push_back(parse_peaks("main", spec.required("peak"), file, hw.clock_hz, hw.warnings));
  } else {
    const yaml::Node& units = spec.required("units");
    if (!units.is_map() || units.size() == 0)
      throw Error(spec.where("units"), "'units' must map unit names to {peak: {…}}");
    yaml::MapReader(units, file, "units", [&] {
      std::vector<std::string> names;
      for (const auto& entry : units.entries()) names.push_back(entry.key.scalar());
      return names;
    }());  // checks for duplicate unit names
    for (const auto& entry : units.entries()) {
      if (entry.value.is_null())
        throw Error(
            yaml::location(entry.key, file),
            fmt::format("unit '{}' has no value; expected {{peak: {{PRECISION: RATE}}}}", entry.key.scalar()));
      hw.units.push_back(parse_unit(entry.key.scalar(), entry.value, file, hw.clock_hz, hw.warnings));
    }
  }
  std::vector<std::string> unit_names;
  for (const auto& unit : hw.units) unit_names.push_back(unit.name);

  if (auto routing = spec.optional("routing")) {
    if (!routing->is_map()) throw Error(spec.where("routing"), "'routing' must map op classes to unit names");
    yaml::MapReader(*routing, file, "routing", op_class_names());
    for (const auto& entry : routing->entries()) {
      OpClass op_class = yaml::op_class_key(entry.key, file, "routing");
      std::string unit = yaml::as_string(entry.value, file, "a routing target");
      if (std::find(unit_names.begin(), unit_names.end(), unit) == unit_names.end())
        throw Error(yaml::location(entry.value, file),
                    fmt::format("routing of '{}' names unknown unit '{}'{}; units: {}", entry.key.scalar(), unit,
                                did_you_mean(unit, unit_names), join(unit_names)));
      hw.routing[op_class] = unit;
    }
  }

  if (auto efficiency = spec.optional("efficiency")) {
    std::vector<std::string> keys = op_class_names();
    keys.insert(keys.begin(), "default");
    yaml::MapReader(*efficiency, file, "efficiency", keys);
    for (const auto& entry : efficiency->entries()) {
      std::string value = yaml::as_string(entry.value, file, "an efficiency");
      double eta = parse_efficiency(value, yaml::location(entry.value, file));
      if (entry.key.scalar() == "default")
        hw.default_efficiency = eta;
      else
        hw.efficiency[yaml::op_class_key(entry.key, file, "efficiency")] = eta;
    }
  }

  if (auto mac_array = spec.optional("mac_array")) {
    hw.mac_array = parse_mac_array(*mac_array, file, hw.units);
    if (!hw.clock_hz)
      throw Error(spec.where("mac_array"), "a 'mac_array' model counts cycles, so the spec needs a 'clock'");
  }

  const yaml::Node& memory = spec.required("memory");
  if (!memory.is_sequence() || memory.size() == 0)
    throw Error(spec.where("memory"), "'memory' must be a non-empty list of levels, outermost first");
  for (std::size_t i = 0; i < memory.size(); ++i) {
    hw.memory.push_back(parse_memory_level(memory[i], file, i == 0));
    for (std::size_t j = 0; j + 1 < hw.memory.size(); ++j)
      if (hw.memory[j].name == hw.memory.back().name)
        throw Error(yaml::location(memory[i], file), fmt::format("duplicate memory level '{}'", hw.memory[j].name));
  }
  if (!outermost_holding(hw.memory, true))
    throw Error(spec.where("memory"), "no memory level with a bandwidth holds weights");
  if (!outermost_holding(hw.memory, false))
    throw Error(spec.where("memory"), "no memory level with a bandwidth holds activations");

  hw.overhead_s = spec.quantity("overhead", {Dimension::time}, /*allow_zero=*/true).value;
  if (spec.has("power")) hw.power_w = spec.quantity("power", {Dimension::power}).value;
  if (auto runtime = spec.optional_string("runtime")) {
    if (!is_identifier(*runtime))
      throw Error(spec.where("runtime"), fmt::format("runtime '{}' is not a runtime id", *runtime));
    hw.runtime = *runtime;
  }
  if (spec.has("vector_lanes")) hw.vector_lanes = static_cast<int>(spec.integer("vector_lanes", 1));
  if (auto weights = spec.optional("weight_precision")) {
    if (!weights->is_map())
      throw Error(spec.where("weight_precision"), "'weight_precision' must map a precision to the weights' precision");
    yaml::MapReader(*weights, file, "weight_precision", precision_names());
    for (const auto& entry : weights->entries()) {
      const std::string value = yaml::as_string(entry.value, file, "a precision");
      auto stored = parse_precision(value);
      if (!stored)
        throw Error(yaml::location(entry.value, file), unknown_choice("precision", value, precision_names()));
      hw.weight_precision[*parse_precision(entry.key.scalar())] = *stored;
    }
  }

  const yaml::Node& sources = spec.required("sources");
  if (!sources.is_sequence() || sources.size() == 0)
    throw Error(spec.where("sources"), "'sources' must be a non-empty list saying where each number comes from");
  for (const auto& source : sources.items()) hw.sources.push_back(yaml::as_string(source, file, "a source"));

  std::vector<Precision> available = hw.precisions();
  if (std::find(available.begin(), available.end(), hw.default_precision) == available.end())
    throw Error(spec.where("default_precision"),
                fmt::format("no unit has a peak for the default precision '{}'", precision));
  return hw;
}

UnitChoice HardwareSpec::unit_for(OpClass op_class, Precision precision) const {
  const ExecutionUnit* routed = &units.front();
  if (auto it = routing.find(op_class); it != routing.end())
    for (const auto& unit : units)
      if (unit.name == it->second) routed = &unit;
  if (auto peak = routed->peak_flops_per_s.find(precision); peak != routed->peak_flops_per_s.end())
    return UnitChoice{routed, peak->second, false};
  for (const auto& unit : units)
    if (auto peak = unit.peak_flops_per_s.find(precision); peak != unit.peak_flops_per_s.end())
      return UnitChoice{&unit, peak->second, true};
  std::vector<std::string> available;
  for (Precision p : precisions()) available.emplace_back(precision_name(p));
  throw Error(Location{origin, 0, 0}, fmt::format("hardware '{}' has no {} peak on any unit (it has: {})", id,
                                                  precision_name(precision), join(available)));
}

Precision HardwareSpec::weight_precision_for(Precision precision) const {
  auto it = weight_precision.find(precision);
  return it == weight_precision.end() ? precision : it->second;
}

double HardwareSpec::efficiency_for(OpClass op_class) const {
  auto it = efficiency.find(op_class);
  return it == efficiency.end() ? default_efficiency : it->second;
}

const MemoryLevel& HardwareSpec::weight_level() const {
  return *outermost_holding(memory, true);
}
const MemoryLevel& HardwareSpec::activation_level() const {
  return *outermost_holding(memory, false);
}

std::vector<const MemoryLevel*> HardwareSpec::on_chip_levels() const {
  std::size_t first = 0;
  for (std::size_t i = 0; i < memory.size(); ++i)
    if (&memory[i] == &weight_level() || &memory[i] == &activation_level()) first = i + 1;
  std::vector<const MemoryLevel*> levels;
  for (std::size_t i = first; i < memory.size(); ++i) levels.push_back(&memory[i]);
  return levels;
}

std::vector<Precision> HardwareSpec::precisions() const {
  std::vector<Precision> out;
  for (const auto& info : kPrecisions)
    for (const auto& unit : units)
      if (unit.peak_flops_per_s.count(info.precision) && std::find(out.begin(), out.end(), info.precision) == out.end())
        out.push_back(info.precision);
  return out;
}

std::vector<std::string> builtin_hardware_ids() {
  return embedded_ids("hardware");
}

HardwareSpec resolve_hardware(const std::string& id_or_path, const std::string& argument) {
  if (const EmbeddedFile* file = find_embedded("hardware", id_or_path))
    return parse_hardware(std::string(file->content), "builtin:" + std::string(file->path));
  if (looks_like_path(id_or_path)) return parse_hardware(read_text_file(id_or_path), id_or_path);
  auto ids = builtin_hardware_ids();
  if (id_or_path.find(',') != std::string::npos)  // the lists compare and plot take were split before here
    throw Error(Location{argument, 0, 0},
                fmt::format("'{}' is several hardware; this command takes one (`convroof compare MODEL --hw {}` or "
                            "`convroof plot MODEL --hw {}` take a list)",
                            id_or_path, id_or_path, id_or_path));
  throw Error(Location{argument, 0, 0},
              fmt::format("unknown hardware '{}'{}; built-in: {} (or give a path to a YAML file)", id_or_path,
                          did_you_mean(id_or_path, ids), join(ids)));
}

std::string hardware_text(const std::string& id_or_path) {
  if (const EmbeddedFile* file = find_embedded("hardware", id_or_path)) return std::string(file->content);
  return read_text_file(id_or_path);
}

void apply_override(HardwareSpec& spec, const std::string& assignment, Precision precision) {
  Location where{"--set", 0, 0};
  auto equals = assignment.find('=');
  if (equals == std::string::npos)
    throw Error(where, fmt::format("'{}' is not KEY=VALUE (keys: {})", assignment, join(kOverrideKeys)));
  std::string key = assignment.substr(0, equals);
  std::string value = assignment.substr(equals + 1);
  std::string target;
  if (auto dot = key.find('.'); dot != std::string::npos) {
    target = key.substr(dot + 1);
    key = key.substr(0, dot);
  }
  auto find_level = [&]() -> MemoryLevel& {
    if (target.empty()) return spec.memory.front();
    std::vector<std::string> names;
    for (auto& level : spec.memory) {
      if (level.name == target) return level;
      names.push_back(level.name);
    }
    throw Error(where, fmt::format("unknown memory level '{}'{}; levels: {}", target, did_you_mean(target, names),
                                   join(names)));
  };
  if (key == "peak") {
    Quantity peak = parse_quantity(value, {Dimension::rate, Dimension::per_cycle}, where);
    double rate = peak.value;
    if (peak.dimension == Dimension::per_cycle) {
      if (!spec.clock_hz) throw Error(where, fmt::format("'{}' is per cycle, but the spec has no clock", value));
      rate *= *spec.clock_hz;
    }
    ExecutionUnit* unit = &spec.units.front();
    if (!target.empty()) {
      std::vector<std::string> names;
      unit = nullptr;
      for (auto& candidate : spec.units) {
        if (candidate.name == target) unit = &candidate;
        names.push_back(candidate.name);
      }
      if (!unit)
        throw Error(where,
                    fmt::format("unknown unit '{}'{}; units: {}", target, did_you_mean(target, names), join(names)));
    }
    unit->peak_flops_per_s[precision] = rate;
    check_plausible_peak(rate, unit->name, precision, where, spec.warnings);
  } else if (key == "bandwidth") {
    find_level().bandwidth_bytes_per_s = parse_quantity(value, {Dimension::bandwidth}, where).value;
  } else if (key == "capacity") {
    find_level().capacity_bytes = parse_quantity(value, {Dimension::size}, where).value;
  } else if (key == "overhead") {
    if (!target.empty()) throw Error(where, "'overhead' takes no '.TARGET'");
    spec.overhead_s = parse_quantity(value, {Dimension::time}, where, /*allow_zero=*/true).value;
  } else if (key == "efficiency") {
    double eta = parse_efficiency(value, where);
    if (target.empty()) {
      spec.default_efficiency = eta;
      spec.efficiency.clear();
    } else {
      auto op_class = parse_op_class(target);
      if (!op_class) throw Error(where, unknown_choice("op class", target, op_class_names()));
      spec.efficiency[*op_class] = eta;
    }
  } else if (key == "clock") {
    if (!target.empty()) throw Error(where, "'clock' takes no '.TARGET'");
    const double clock = parse_quantity(value, {Dimension::frequency}, where).value;
    if (!spec.clock_hz)
      throw Error(where, fmt::format("hardware '{}' has no 'clock' to scale; give its peaks with --set peak=", spec.id));
    const double scale = clock / *spec.clock_hz;
    for (auto& unit : spec.units)
      for (auto& [unit_precision, peak] : unit.peak_flops_per_s) peak *= scale;
    spec.clock_hz = clock;
  } else {
    throw Error(where, fmt::format("unknown --set key '{}'{}; keys: {}", key, did_you_mean(key, kOverrideKeys),
                                   join(kOverrideKeys)));
  }
}

}  // namespace convroof
