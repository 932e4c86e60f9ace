// The data files convroof exchanges (convroof/io.hpp), each read with source positions
// (positioned_json.hpp) so errors name file:line:col and the offending key or value:
// - an analyze or a compare report, as diff reads it: its schema and every field diff uses checked;
// - the measurement file (`convroof.measured/1`): written deterministically, and read.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "convroof/analysis_options.hpp"
#include "convroof/io.hpp"
#include "embedded.hpp"
#include "positioned_json.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

using json_input::child_path;
using json_input::Dom;
using json_input::JsonReader;
using json_input::Kind;

constexpr std::string_view kReportSchema = "convroof.report/1";

void check_schema(const Dom& root, const JsonReader& reader) {
  auto it = root.find("schema");
  if (it == root.end())
    throw Error(reader.at(""), fmt::format("missing field 'schema' (expected '{}')", kReportSchema));
  reader.check(*it, "schema", Kind::string);
  std::string schema = it->get<std::string>();
  if (schema == kReportSchema) return;
  if (schema.starts_with("convroof.compare/"))
    throw Error(reader.at("schema"),
                fmt::format("'{}' is a compare report and the other an analyze report; diff compares two analyze "
                            "reports ('{}') or two compare reports",
                            schema, kReportSchema));
  if (schema.starts_with("convroof.report/"))
    throw Error(reader.at("schema"),
                fmt::format("different schema version '{}' (diff reads '{}')", schema, kReportSchema));
  throw Error(reader.at("schema"), fmt::format("unsupported schema '{}' (expected '{}')", schema, kReportSchema));
}

// The number at a dotted field path (one dot at most: "flops", "bytes.total") in `object`.
double read_field(const Dom& object, const std::string& path, std::string_view field, const JsonReader& reader) {
  const auto dot = field.find('.');
  if (dot == std::string_view::npos) return reader.number(object, path, std::string(field));
  const std::string group(field.substr(0, dot));
  return reader.number(reader.require(object, path, group, Kind::object), child_path(path, group),
                       std::string(field.substr(dot + 1)));
}

ReportEntry read_entry(const Dom& object, const std::string& path, std::string_view time_model,
                       const JsonReader& reader) {
  ReportEntry entry;
  for (const auto& info : kDiffMetrics)
    entry.values[static_cast<std::size_t>(info.metric)] =
        read_field(object, path, diff_field(info.metric, time_model), reader);
  entry.bound = reader.text(object, path, "bound", Kind::string);
  return entry;
}

// The JSON kind of an option's value (kAnalysisOptions).
Kind option_kind(OptionJson json) {
  switch (json) {
    case OptionJson::text:
      return Kind::string;
    case OptionJson::integer:
      return Kind::integer;
    case OptionJson::list:
      return Kind::array;
    case OptionJson::object:
      return Kind::object;
  }
  return Kind::object;
}

}  // namespace

namespace {

void check_not_empty(std::string_view text, const std::string& file) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw Error(
        Location{file, 0, 0},
        fmt::format("empty file, expected a JSON report ('{}', from `convroof analyze --format json`)", kReportSchema));
}

// An analyze report from its parsed text.
LoadedReport report_from(const json_input::PositionedJson& json, const std::string& file) {
  JsonReader reader = json.reader();
  const Dom& root = json.root();
  if (!root.is_object())
    throw Error(reader.at(""), fmt::format("a report must be a JSON object, got {}", root.type_name()));
  check_schema(root, reader);

  LoadedReport report;
  report.file = file;
  const Dom& hardware = reader.require(root, "", "hardware", Kind::object);
  report.hardware_id = reader.text(hardware, "hardware", "id", Kind::string);
  report.hardware_id_at = reader.at("hardware.id");
  report.hardware_name = reader.text(hardware, "hardware", "name", Kind::string);
  report.model_name = reader.text(reader.require(root, "", "model", Kind::object), "model", "name", Kind::string);

  const Dom& options = reader.require(root, "", "options", Kind::object);
  for (const auto& option : kAnalysisOptions) {
    if (!option.diffed) continue;
    const std::string key(option.key);
    std::string value = option.required || options.contains(key)
                            ? reader.text(options, "options", key, option_kind(option.json))
                            : std::string("(absent)");
    report.options.emplace_back(key, value);
  }
  report.time_model = reader.text(options, "options", "time_model", Kind::string);
  if (report.time_model != "iron-law" && report.time_model != "roofline")
    throw Error(reader.at("options.time_model"),
                fmt::format("unknown time model '{}' in 'options.time_model' (expected iron-law or roofline)",
                            report.time_model));

  const Dom& layers = reader.require(root, "", "layers", Kind::array);
  std::map<std::string, std::string> first_path;  // layer name -> path of its first record
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::string path = fmt::format("layers[{}]", i);
    reader.check(layers[i], path, Kind::object);
    ReportEntry entry = read_entry(layers[i], path, report.time_model, reader);
    entry.name = reader.text(layers[i], path, "name", Kind::string);
    std::string name_path = path + ".name";
    if (auto [it, inserted] = first_path.emplace(entry.name, name_path); !inserted)
      throw Error(reader.at(name_path),
                  fmt::format("duplicate layer name '{}' (first at line {})", entry.name, reader.at(it->second).line));
    report.layers.push_back(std::move(entry));
  }
  const Dom& totals = reader.require(root, "", "totals", Kind::object);
  report.totals = read_entry(totals, "totals", report.time_model, reader);
  report.totals.name = "total";
  report.fits = reader.boolean(totals, "totals", "fits");
  report.capacity_ratio = reader.number(totals, "totals", "capacity_ratio");
  return report;
}

}  // namespace

LoadedReport parse_report(std::string_view text, const std::string& file) {
  check_not_empty(text, file);
  return report_from(json_input::PositionedJson(text, file), file);
}

namespace {

constexpr std::string_view kCompareSchema = "convroof.compare/1";

// T_standard / T_separable of a block result: its time ratio is before / after.
double block_speedup(double time_ratio, std::string_view direction) {
  return direction == "to-dwsep" ? time_ratio : time_ratio > 0 ? 1 / time_ratio : 0.0;
}

// A compare report from its parsed text; any other schema is an error at it.
LoadedComparison comparison_from(const json_input::PositionedJson& json, const std::string& file) {
  JsonReader reader = json.reader();
  const Dom& root = json.root();
  if (!root.is_object())
    throw Error(reader.at(""), fmt::format("a report must be a JSON object, got {}", root.type_name()));
  const std::string schema = reader.text(root, "", "schema", Kind::string);
  if (schema != kCompareSchema)
    throw Error(reader.at("schema"),
                schema.starts_with("convroof.compare/")
                    ? fmt::format("different schema version '{}' (diff reads '{}')", schema, kCompareSchema)
                    : fmt::format("'{}' is not a compare report and the other is; diff compares two of a kind",
                                  schema));
  LoadedComparison report;
  report.file = file;
  report.model_name = reader.text(reader.require(root, "", "model", Kind::object), "model", "name", Kind::string);
  const Dom& totals = reader.require(root, "", "totals", Kind::array);
  for (std::size_t i = 0; i < totals.size(); ++i) {
    const std::string path = fmt::format("totals[{}]", i);
    reader.check(totals[i], path, Kind::object);
    VerdictEntry& verdict = report.verdicts.emplace_back();
    verdict.block = "whole model";
    verdict.hardware = reader.text(totals[i], path, "hardware", Kind::string);
    verdict.speedup = reader.number(totals[i], path, "ratio");
    verdict.winner = reader.text(totals[i], path, "winner", Kind::string);
    for (const char* form : {"standard", "separable"})
      verdict.fits = reader.boolean(reader.require(totals[i], path, form, Kind::object), child_path(path, form),
                                    "fits") &&
                     verdict.fits;
  }
  const Dom& blocks = reader.require(root, "", "blocks", Kind::array);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const std::string path = fmt::format("blocks[{}]", b);
    reader.check(blocks[b], path, Kind::object);
    const std::string label = fmt::format("[{}] {}", b + 1, reader.text(blocks[b], path, "label", Kind::string));
    const std::string direction = reader.text(blocks[b], path, "direction", Kind::string);
    const Dom& results = reader.require(blocks[b], path, "results", Kind::array);
    for (std::size_t r = 0; r < results.size(); ++r) {
      const std::string at = fmt::format("{}.results[{}]", path, r);
      reader.check(results[r], at, Kind::object);
      VerdictEntry& verdict = report.verdicts.emplace_back();
      verdict.block = label;
      verdict.hardware = reader.text(results[r], at, "hardware", Kind::string);
      verdict.speedup = block_speedup(
          reader.number(reader.require(results[r], at, "ratios", Kind::object), at + ".ratios", "time"), direction);
      verdict.winner = reader.text(results[r], at, "winner", Kind::string);
    }
  }
  return report;
}

bool is_compare(const json_input::PositionedJson& json) {
  const Dom& root = json.root();
  return root.is_object() && root.contains("schema") && root["schema"].is_string() &&
         root["schema"].get<std::string>().starts_with("convroof.compare/");
}

}  // namespace

LoadedComparison parse_comparison(std::string_view text, const std::string& file) {
  return comparison_from(json_input::PositionedJson(text, file), file);
}

DiffInputs load_diff_inputs(const std::string& old_path, const std::string& new_path) {
  // Each file is read and parsed once, OLD first; the schemas then say which reader applies.
  const std::string old_text = read_text_file(old_path, std::string::npos, "a JSON report");
  check_not_empty(old_text, old_path);
  const json_input::PositionedJson old_json(old_text, old_path);
  const std::string new_text = read_text_file(new_path, std::string::npos, "a JSON report");
  check_not_empty(new_text, new_path);
  const json_input::PositionedJson new_json(new_text, new_path);
  const bool old_compare = is_compare(old_json), new_compare = is_compare(new_json);
  if (!old_compare && !new_compare)
    return std::pair{report_from(old_json, old_path), report_from(new_json, new_path)};
  // Two compare reports, or one: then the other is read as one first, and its error names it.
  if (!new_compare) comparison_from(new_json, new_path);
  LoadedComparison old_report = comparison_from(old_json, old_path);
  return std::pair{std::move(old_report), comparison_from(new_json, new_path)};
}

// ---- the measurement file (convroof.measured/1) ----
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
