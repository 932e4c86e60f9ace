// Reading an analyze or a compare report for diff (convroof/io.hpp): with source positions
// (positioned_json.hpp), its schema and every field diff uses checked.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

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

// The options diff lists when they differ: key, its kind, whether the contract requires it.
struct OptionField {
  const char* key;
  Kind kind;
  bool required;
};
constexpr std::array<OptionField, 7> kOptionFields{{{"precision", Kind::string, true},
                                                    {"batch", Kind::integer, true},
                                                    {"time_model", Kind::string, true},
                                                    {"traffic", Kind::string, true},
                                                    {"fuse", Kind::string, true},
                                                    {"transform", Kind::string, false},
                                                    {"overrides", Kind::array, false}}};

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
  for (const auto& field : kOptionFields) {
    std::string value = field.required || options.contains(field.key)
                            ? reader.text(options, "options", field.key, field.kind)
                            : std::string("(absent)");
    report.options.emplace_back(field.key, value);
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

}  // namespace convroof
