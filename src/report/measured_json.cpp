// The measurement file (`convroof.measured/1`, convroof/io.hpp): written deterministically;
// read with positions, so errors name file:line:col and the offending key or value.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "convroof/io.hpp"
#include "embedded.hpp"
#include "positioned_json.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

constexpr std::string_view kMeasuredSchema = "convroof.measured/1";

}  // namespace

void render_measured_json(const MeasurementSet& set, std::ostream& out) {
  using Json = nlohmann::ordered_json;
  Json root;
  root["schema"] = kMeasuredSchema;
  root["tool"] = set.tool;
  Json machine = Json::object();
  for (const auto& [key, value] : set.machine) machine[key] = value;
  root["machine"] = machine;
  Json measurements = Json::array();
  for (const Measurement& m : set.measurements) {
    Json entry;
    entry["name"] = m.name;
    entry["layers"] = m.layers;
    entry["batch"] = m.batch;
    entry["precision"] = precision_name(m.precision);
    entry["fuse"] = choice_name(kFuseModes, m.fuse);
    if (!m.implementation.empty()) entry["implementation"] = m.implementation;
    if (m.time)
      entry["time_s"] = Json{{"median", m.time->median_s},
                             {"min", m.time->min_s},
                             {"p10", m.time->p10_s},
                             {"p90", m.time->p90_s},
                             {"runs", m.time->runs}};
    measurements.push_back(std::move(entry));
  }
  root["measurements"] = std::move(measurements);
  Json pairs = Json::array();
  for (const MeasuredPair& pair : set.pairs)
    pairs.push_back(Json{{"name", pair.name}, {"standard", pair.standard}, {"separable", pair.separable}});
  root["pairs"] = std::move(pairs);
  out << json_text(root) << '\n';
}

MeasurementSet parse_measured_json(const std::string& text, const std::string& file) {
  using json_input::Dom;
  using json_input::Kind;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw Error(Location{file, 0, 0}, fmt::format("empty file, expected measurements ('{}', from convroof-bench or "
                                                  "tools/measure_torch.py)",
                                                  kMeasuredSchema));
  json_input::PositionedJson json(text, file);
  json_input::JsonReader reader = json.reader();
  const Dom& root = json.root();
  if (!root.is_object())
    throw Error(reader.at(""), fmt::format("measurements must be a JSON object, got {}", root.type_name()));
  std::string schema = reader.text(root, "", "schema", Kind::string);
  if (schema != kMeasuredSchema)
    throw Error(reader.at("schema"), fmt::format("unsupported schema '{}' (expected '{}')", schema, kMeasuredSchema));

  MeasurementSet set;
  set.tool = reader.text(root, "", "tool", Kind::string);
  if (root.contains("machine")) {
    const Dom& machine = reader.require(root, "", "machine", Kind::object);
    for (const auto& [key, value] : machine.items()) {
      reader.check(value, "machine." + key, Kind::string);
      set.machine.emplace_back(key, value.get<std::string>());
    }
  }

  const Dom& measurements = reader.require(root, "", "measurements", Kind::array);
  std::map<std::string, std::string> first_path;  // name -> path of its first record
  for (std::size_t i = 0; i < measurements.size(); ++i) {
    std::string path = fmt::format("measurements[{}]", i);
    const Dom& entry = measurements[i];
    reader.check(entry, path, Kind::object);
    Measurement m;
    m.name = reader.text(entry, path, "name", Kind::string);
    if (m.name.empty()) throw Error(reader.at(path + ".name"), fmt::format("'{}.name' must not be empty", path));
    if (auto [it, inserted] = first_path.emplace(m.name, path + ".name"); !inserted)
      throw Error(reader.at(path + ".name"), fmt::format("duplicate measurement name '{}' (first at line {})", m.name,
                                                         reader.at(it->second).line));
    const Dom& layers = reader.require(entry, path, "layers", Kind::array);
    if (layers.empty()) throw Error(reader.at(path + ".layers"), fmt::format("'{}.layers' is empty", path));
    for (std::size_t l = 0; l < layers.size(); ++l) {
      reader.check(layers[l], fmt::format("{}.layers[{}]", path, l), Kind::string);
      m.layers.push_back(layers[l].get<std::string>());
    }
    const Dom& batch = reader.require(entry, path, "batch", Kind::integer);
    m.batch = batch.get<std::int64_t>();
    if (m.batch < 1)
      throw Error(reader.at(path + ".batch"), fmt::format("'{}.batch' must be at least 1, got {}", path, m.batch));
    std::string precision = reader.text(entry, path, "precision", Kind::string);
    auto parsed_precision = parse_precision(precision);
    if (!parsed_precision)
      throw Error(reader.at(path + ".precision"), unknown_choice("precision", precision, precision_names()));
    m.precision = *parsed_precision;
    if (entry.contains("fuse")) {
      std::string fuse = reader.text(entry, path, "fuse", Kind::string);
      auto parsed_fuse = parse_choice(kFuseModes, fuse);
      // none: every layer its own kernel (a measured framework's eager run); dw-pw: the pair as
      // one kernel; runtime: the prediction's runtime decides (an NPU compiler's schedule).
      if (!parsed_fuse || (*parsed_fuse != Fuse::none && *parsed_fuse != Fuse::dw_pw && *parsed_fuse != Fuse::runtime))
        throw Error(reader.at(path + ".fuse"), unknown_choice("fuse", fuse, {"none", "dw-pw", "runtime"}));
      m.fuse = *parsed_fuse;
    }
    if (entry.contains("implementation")) m.implementation = reader.text(entry, path, "implementation", Kind::string);
    if (entry.contains("time_s")) {
      std::string time_path = path + ".time_s";
      const Dom& time = reader.require(entry, path, "time_s", Kind::object);
      TimeStats stats;
      stats.median_s = reader.number(time, time_path, "median");
      stats.min_s = reader.number(time, time_path, "min");
      stats.p10_s = reader.number(time, time_path, "p10");
      stats.p90_s = reader.number(time, time_path, "p90");
      stats.runs = reader.require(time, time_path, "runs", Kind::integer).get<int>();
      if (!(stats.median_s > 0))
        throw Error(reader.at(time_path + ".median"), fmt::format("'{}.median' must be positive", time_path));
      if (stats.runs < 1)
        throw Error(reader.at(time_path + ".runs"), fmt::format("'{}.runs' must be at least 1", time_path));
      if (!(stats.min_s <= stats.p10_s && stats.p10_s <= stats.median_s && stats.median_s <= stats.p90_s))
        throw Error(reader.at(time_path),
                    fmt::format("'{}' must have min <= p10 <= median <= p90, got {} {} {} {}", time_path, stats.min_s,
                                stats.p10_s, stats.median_s, stats.p90_s));
      m.time = stats;
    }
    try {  // every chain must parse, and now rather than mid-validation
      parse_layer_lines(m.layers, m.batch);
    } catch (const Error& error) {
      // The error names the chain's line (1-based) and the column in it: point into the file's
      // string, whose opening quote is at the location of layers[line - 1].
      const Location& in_line = error.where();
      Location at = reader.at(fmt::format("{}.layers[{}]", path, std::max(in_line.line, 1) - 1));
      if (in_line.column > 0) at.column += in_line.column;
      throw Error(at, fmt::format("measurement '{}': {}", m.name, error.what()));
    }
    set.measurements.push_back(std::move(m));
  }

  const Dom& pairs = reader.require(root, "", "pairs", Kind::array);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    std::string path = fmt::format("pairs[{}]", i);
    reader.check(pairs[i], path, Kind::object);
    MeasuredPair pair;
    pair.name = reader.text(pairs[i], path, "name", Kind::string);
    for (auto [key, names] : {std::pair{"standard", &pair.standard}, std::pair{"separable", &pair.separable}}) {
      const Dom& list = reader.require(pairs[i], path, key, Kind::array);
      std::string list_path = fmt::format("{}.{}", path, key);
      if (list.empty()) throw Error(reader.at(list_path), fmt::format("'{}' is empty", list_path));
      for (std::size_t n = 0; n < list.size(); ++n) {
        std::string name_path = fmt::format("{}[{}]", list_path, n);
        reader.check(list[n], name_path, Kind::string);
        std::string name = list[n].get<std::string>();
        if (!first_path.contains(name))
          throw Error(reader.at(name_path), fmt::format("'{}' names no measurement: '{}'", name_path, name));
        names->push_back(name);
      }
    }
    set.pairs.push_back(std::move(pair));
  }
  return set;
}

MeasurementSet load_measurements(const std::string& path) {
  return parse_measured_json(read_text_file(path, std::string::npos, "a JSON measurement file"), path);
}

}  // namespace convroof
