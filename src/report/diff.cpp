// convroof diff: reading reports with source positions (positioned_json.hpp), the pure
// comparison, and its three renderers (table, Markdown, JSON convroof.diff/1), all from one
// ReportDiff.
#include "convroof/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "embedded.hpp"
#include "human_parts.hpp"
#include "positioned_json.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

using json_input::child_path;
using json_input::Dom;
using json_input::JsonReader;
using json_input::Kind;
using Json = nlohmann::ordered_json;

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
                fmt::format("'{}' is a compare report; diff reads analyze reports ('{}', from `convroof analyze "
                            "--format json`)",
                            schema, kReportSchema));
  if (schema.starts_with("convroof.report/"))
    throw Error(reader.at("schema"),
                fmt::format("different schema version '{}' (diff reads '{}')", schema, kReportSchema));
  throw Error(reader.at("schema"), fmt::format("unsupported schema '{}' (expected '{}')", schema, kReportSchema));
}

ReportEntry read_entry(const Dom& object, const std::string& path, const std::string& time_key,
                       const JsonReader& reader) {
  ReportEntry entry;
  entry.flops = reader.number(object, path, "flops");
  std::string bytes_path = child_path(path, "bytes");
  entry.bytes = reader.number(reader.require(object, path, "bytes", Kind::object), bytes_path, "total");
  std::string time_path = child_path(path, "time");
  entry.time = reader.number(reader.require(object, path, "time", Kind::object), time_path, time_key);
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

std::string percent_text(double fraction) {
  return fmt::format("{:.6g} %", fraction * 100);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Loading.

LoadedReport parse_report(std::string_view text, const std::string& file) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw Error(
        Location{file, 0, 0},
        fmt::format("empty file, expected a JSON report ('{}', from `convroof analyze --format json`)", kReportSchema));
  json_input::PositionedJson json(text, file);
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
  std::string time_key = report.time_model == "iron-law" ? "total" : "roofline";

  const Dom& layers = reader.require(root, "", "layers", Kind::array);
  std::map<std::string, std::string> first_path;  // layer name -> path of its first record
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::string path = fmt::format("layers[{}]", i);
    reader.check(layers[i], path, Kind::object);
    ReportEntry entry = read_entry(layers[i], path, time_key, reader);
    entry.name = reader.text(layers[i], path, "name", Kind::string);
    std::string name_path = path + ".name";
    if (auto [it, inserted] = first_path.emplace(entry.name, name_path); !inserted)
      throw Error(reader.at(name_path),
                  fmt::format("duplicate layer name '{}' (first at line {})", entry.name, reader.at(it->second).line));
    report.layers.push_back(std::move(entry));
  }
  report.totals = read_entry(reader.require(root, "", "totals", Kind::object), "totals", time_key, reader);
  report.totals.name = "total";
  return report;
}

LoadedReport load_report(const std::string& path) {
  return parse_report(read_text_file(path, std::string::npos, "a JSON report"), path);
}

// ---------------------------------------------------------------------------------------------
// The comparison.

double ReportEntry::metric(DiffMetric which) const {
  switch (which) {
    case DiffMetric::time:
      return time;
    case DiffMetric::bytes:
      return bytes;
    case DiffMetric::flops:
      return flops;
  }
  return 0;
}

bool MetricDelta::changed() const {
  return std::fabs(relative) > kDiffTolerance;
}

bool EntryDiff::changed() const {
  return flipped() || std::any_of(metrics.begin(), metrics.end(), [](const MetricDelta& m) { return m.changed(); });
}

std::string format_relative(double relative) {
  if (std::isinf(relative)) return relative > 0 ? "+inf %" : "-inf %";
  if (std::fabs(relative) <= kDiffTolerance) return "0 %";
  return fmt::format("{}{} %", relative > 0 ? "+" : "-", format_number(std::fabs(relative) * 100, 3));
}

void apply_threshold(DiffOptions& options, std::string_view text) {
  const Location where{"--threshold", 0, 0};
  std::string metric;
  std::string_view value = text;
  if (auto equals = text.find('='); equals != std::string_view::npos) {
    metric = std::string(text.substr(0, equals));
    value = text.substr(equals + 1);
  }
  double percent = 0;
  if (value.empty() || value.back() != '%' || !parse_double(value.substr(0, value.size() - 1), percent))
    throw Error(where, fmt::format("invalid threshold '{}' (expected a percentage: 5% for every metric, or "
                                   "time=5%, bytes=5%, flops=5%)",
                                   text));
  if (percent < 0) throw Error(where, fmt::format("threshold '{}' must not be negative", text));
  if (metric.empty()) {
    options.thresholds.fill(percent / 100);
    return;
  }
  auto known = std::find(kDiffMetricNames.begin(), kDiffMetricNames.end(), metric);
  if (known == kDiffMetricNames.end()) {
    std::vector<std::string> names(kDiffMetricNames.begin(), kDiffMetricNames.end());
    throw Error(where, fmt::format("unknown metric '{}' in threshold '{}' (expected time, bytes or flops){}", metric,
                                   text, did_you_mean(metric, names)));
  }
  options.thresholds[static_cast<std::size_t>(known - kDiffMetricNames.begin())] = percent / 100;
}

namespace {

std::string metric_value_text(DiffMetric metric, double value) {
  switch (metric) {
    case DiffMetric::time:
      return format_time(value);
    case DiffMetric::bytes:
      return format_bytes(value);
    case DiffMetric::flops:
      return format_count(value) + (value < 1000 ? " FLOP" : "FLOP");
  }
  return "";
}

EntryDiff compare_entries(const ReportEntry& old_entry, const ReportEntry& new_entry, const DiffOptions& options) {
  EntryDiff entry;
  entry.name = new_entry.name;
  for (std::size_t m = 0; m < kDiffMetricNames.size(); ++m) {
    MetricDelta& delta = entry.metrics[m];
    delta.old_value = old_entry.metric(static_cast<DiffMetric>(m));
    delta.new_value = new_entry.metric(static_cast<DiffMetric>(m));
    if (delta.old_value != 0)
      delta.relative = (delta.new_value - delta.old_value) / delta.old_value;
    else if (delta.new_value != 0)
      delta.relative = std::copysign(std::numeric_limits<double>::infinity(), delta.new_value);
    delta.failed = delta.relative > options.thresholds[m] + kDiffTolerance;
  }
  entry.old_bound = old_entry.bound;
  entry.new_bound = new_entry.bound;
  entry.verdict_failed = entry.flipped() && !options.ignore_verdict;
  return entry;
}

void collect_failures(const EntryDiff& entry, bool is_total, const DiffOptions& options,
                      std::vector<DiffFailure>& failures) {
  std::string where = is_total ? "total" : fmt::format("layer '{}'", entry.name);
  std::string layer = is_total ? "" : entry.name;
  for (std::size_t m = 0; m < kDiffMetricNames.size(); ++m) {
    const MetricDelta& delta = entry.metrics[m];
    if (!delta.failed) continue;
    auto metric = static_cast<DiffMetric>(m);
    failures.push_back(
        {layer, std::string(kDiffMetricNames[m]),
         fmt::format("{} {} {} > {} ({} -> {})", where, kDiffMetricNames[m], format_relative(delta.relative),
                     percent_text(options.thresholds[m]), metric_value_text(metric, delta.old_value),
                     metric_value_text(metric, delta.new_value))});
  }
  if (entry.verdict_failed)
    failures.push_back(
        {layer, "verdict", fmt::format("{} verdict flipped: {} -> {}", where, entry.old_bound, entry.new_bound)});
}

ReportSide side(const LoadedReport& report) {
  return ReportSide{report.file, report.model_name, report.hardware_id, report.hardware_name, report.time_model};
}

}  // namespace

ReportDiff diff_reports(const LoadedReport& old_report, const LoadedReport& new_report, const DiffOptions& options) {
  ReportDiff diff;
  diff.old_report = side(old_report);
  diff.new_report = side(new_report);
  diff.options = options;

  if (old_report.hardware_id != new_report.hardware_id) {
    if (!options.allow_hardware_change)
      throw Error(new_report.hardware_id_at,
                  fmt::format("hardware '{}' differs from '{}' in {}; pass --allow-hardware-change to compare "
                              "reports of different hardware",
                              new_report.hardware_id, old_report.hardware_id, old_report.file));
    diff.notes.push_back(fmt::format(
        "hardware differs: OLD {} ({}), NEW {} ({}); compared because of "
        "--allow-hardware-change",
        old_report.hardware_id, old_report.hardware_name, new_report.hardware_id, new_report.hardware_name));
  }
  if (old_report.model_name != new_report.model_name)
    diff.notes.push_back(fmt::format("model differs: OLD {}, NEW {}; layers are matched by name", old_report.model_name,
                                     new_report.model_name));
  for (std::size_t i = 0; i < old_report.options.size() && i < new_report.options.size(); ++i) {
    const auto& [key, old_value] = old_report.options[i];
    const std::string& new_value = new_report.options[i].second;
    if (old_value != new_value)
      diff.notes.push_back(fmt::format("option '{}' differs: OLD {}, NEW {}{}", key, old_value, new_value,
                                       key == "time_model" ? "; each report's own time is compared" : ""));
  }

  std::map<std::string, const ReportEntry*> old_layers;
  for (const auto& layer : old_report.layers) old_layers.emplace(layer.name, &layer);
  std::set<std::string> in_new;
  for (const auto& layer : new_report.layers) {
    in_new.insert(layer.name);
    if (auto it = old_layers.find(layer.name); it != old_layers.end())
      diff.layers.push_back(compare_entries(*it->second, layer, options));
    else
      diff.added.push_back(layer.name);
  }
  for (const auto& layer : old_report.layers)
    if (!in_new.contains(layer.name)) diff.removed.push_back(layer.name);

  diff.totals = compare_entries(old_report.totals, new_report.totals, options);
  collect_failures(diff.totals, /*is_total=*/true, options, diff.failures);
  for (const auto& layer : diff.layers) collect_failures(layer, /*is_total=*/false, options, diff.failures);
  return diff;
}

// ---------------------------------------------------------------------------------------------
// Renderers.

namespace {

// The cells of one row of the layer table: name, then per metric OLD, NEW and change, then the
// verdict. `mark` decorates what failed (table: " !", Markdown: bold).
constexpr std::array<std::string_view, 11> kDiffColumns{"layer",     "time OLD",  "time NEW", "change",
                                                        "bytes OLD", "bytes NEW", "change",   "FLOPs OLD",
                                                        "FLOPs NEW", "change",    "bound"};
using DiffRow = std::array<std::string, kDiffColumns.size()>;
// A PR comment lists at most this many failed checks (the table marks every one).
constexpr std::size_t kMarkdownFailures = 20;

template <typename Mark>
DiffRow diff_row(const EntryDiff& entry, Mark mark) {
  DiffRow row;
  row[0] = entry.name;
  for (std::size_t m = 0; m < kDiffMetricNames.size(); ++m) {
    const MetricDelta& delta = entry.metrics[m];
    auto metric = static_cast<DiffMetric>(m);
    bool is_flops = metric == DiffMetric::flops;
    row[1 + 3 * m] = is_flops ? format_count(delta.old_value) : metric_value_text(metric, delta.old_value);
    row[2 + 3 * m] = is_flops ? format_count(delta.new_value) : metric_value_text(metric, delta.new_value);
    std::string change = format_relative(delta.relative);
    row[3 + 3 * m] = delta.failed ? mark(change) : change;
  }
  std::string bound = entry.flipped() ? entry.old_bound + " -> " + entry.new_bound : entry.new_bound;
  row[10] = entry.verdict_failed ? mark(bound) : bound;
  return row;
}

std::vector<const EntryDiff*> listed_layers(const ReportDiff& diff, bool all_layers) {
  std::vector<const EntryDiff*> listed;
  for (const auto& layer : diff.layers)
    if (all_layers || layer.changed()) listed.push_back(&layer);
  return listed;
}

std::string side_text(const ReportSide& report) {
  return fmt::format("{} on {} ({}), {} time", report.model_name, report.hardware_id, report.hardware_name,
                     report.time_model);
}

std::string thresholds_text(const DiffOptions& options) {
  std::vector<std::string> parts;
  for (std::size_t m = 0; m < kDiffMetricNames.size(); ++m)
    parts.push_back(fmt::format("{} {}", kDiffMetricNames[m], percent_text(options.thresholds[m])));
  return fmt::format("{}; {}", fmt::join(parts, ", "),
                     options.ignore_verdict ? "verdict flips are ignored" : "a verdict flip fails");
}

std::string verdict_text(const ReportDiff& diff) {
  std::size_t failed = diff.failures.size();
  return failed == 0 ? "no regressions" : fmt::format("{} check{} failed", failed, failed == 1 ? "" : "s");
}

std::string layers_count_text(const ReportDiff& diff, std::size_t changed) {
  return fmt::format("{} of {} matched layer{} changed", changed, diff.layers.size(),
                     diff.layers.size() == 1 ? "" : "s");
}

std::string markdown_cell(std::string text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

void render_diff_table(const ReportDiff& diff, bool all_layers, std::ostream& out) {
  out << fmt::format("convroof diff: {} -> {}\n", diff.old_report.file, diff.new_report.file);
  out << fmt::format("  OLD  {}\n  NEW  {}\n", side_text(diff.old_report), side_text(diff.new_report));
  out << fmt::format("  thresholds: {}\n", thresholds_text(diff.options));
  for (const auto& note : diff.notes) out << "note: " << note << '\n';
  out << '\n';

  auto mark = [](const std::string& text) { return text + " !"; };
  std::vector<DiffRow> rows;
  DiffRow header;
  std::copy(kDiffColumns.begin(), kDiffColumns.end(), header.begin());
  rows.push_back(header);
  std::vector<const EntryDiff*> listed = listed_layers(diff, all_layers);
  for (const EntryDiff* layer : listed) rows.push_back(diff_row(*layer, mark));
  rows.push_back(diff_row(diff.totals, mark));

  // The layer name and the verdict are text; the rest are numbers.
  human::AlignedColumns<kDiffColumns.size()> columns(
      [](std::size_t c) { return c == 0 || c + 1 == kDiffColumns.size(); });
  for (const auto& row : rows) columns.measure(row);
  for (std::size_t r = 0; r + 1 < rows.size(); ++r) out << columns.line(rows[r]) << '\n';
  out << columns.rule() << '\n' << columns.line(rows.back()) << '\n';
  out << '\n' << layers_count_text(diff, listed_layers(diff, false).size()) << '\n';
  if (!diff.added.empty()) out << fmt::format("added ({}): {}\n", diff.added.size(), fmt::join(diff.added, ", "));
  if (!diff.removed.empty())
    out << fmt::format("removed ({}): {}\n", diff.removed.size(), fmt::join(diff.removed, ", "));
  if (!diff.failures.empty()) {
    out << "(! = over its threshold, or a verdict flip)\n\n";
    for (const auto& failure : diff.failures) out << "FAIL " << failure.message << '\n';
  }
  out << "diff: " << verdict_text(diff) << '\n';
}

void render_diff_markdown(const ReportDiff& diff, bool all_layers, std::ostream& out) {
  out << fmt::format("### convroof diff: {}\n\n", diff.passed() ? "no regressions" : verdict_text(diff));
  out << "| | OLD | NEW |\n|---|---|---|\n";
  out << fmt::format("| report | `{}` | `{}` |\n", diff.old_report.file, diff.new_report.file);
  out << fmt::format("| model | {} | {} |\n", markdown_cell(diff.old_report.model_name),
                     markdown_cell(diff.new_report.model_name));
  out << fmt::format("| hardware | {} ({}) | {} ({}) |\n", markdown_cell(diff.old_report.hardware_id),
                     markdown_cell(diff.old_report.hardware_name), markdown_cell(diff.new_report.hardware_id),
                     markdown_cell(diff.new_report.hardware_name));
  out << fmt::format("| time model | {} | {} |\n\n", diff.old_report.time_model, diff.new_report.time_model);
  out << fmt::format("Thresholds: {}.\n\n", thresholds_text(diff.options));

  if (!diff.failures.empty()) {
    out << "**Failed checks**\n\n";
    std::size_t shown = std::min(diff.failures.size(), kMarkdownFailures);
    for (std::size_t i = 0; i < shown; ++i) out << "- FAIL " << markdown_cell(diff.failures[i].message) << '\n';
    if (shown < diff.failures.size())
      out << fmt::format("- and {} more (marked in the layer table)\n", diff.failures.size() - shown);
    out << '\n';
  }

  auto mark = [](const std::string& text) { return "**" + text + "**"; };
  out << "**Totals**\n\n| | OLD | NEW | change | threshold |\n|---|---:|---:|---:|---:|\n";
  DiffRow total = diff_row(diff.totals, mark);
  std::array<std::string_view, 3> labels{"time", "bytes", "FLOPs"};
  for (std::size_t m = 0; m < labels.size(); ++m)
    out << fmt::format("| {} | {} | {} | {} | {} |\n", labels[m], total[1 + 3 * m], total[2 + 3 * m], total[3 + 3 * m],
                       percent_text(diff.options.thresholds[m]));
  std::string flip = diff.totals.flipped() ? (diff.totals.verdict_failed ? "**flip**" : "flip (ignored)") : "same";
  out << fmt::format("| bound | {} | {} | {} | |\n\n", diff.totals.old_bound, diff.totals.new_bound, flip);

  std::vector<const EntryDiff*> listed = listed_layers(diff, all_layers);
  out << fmt::format("**Layers**: {}.\n\n", layers_count_text(diff, listed_layers(diff, false).size()));
  if (!listed.empty()) {
    out << '|';
    for (auto column : kDiffColumns) out << ' ' << column << " |";
    out << "\n|---|";
    for (std::size_t c = 1; c + 1 < kDiffColumns.size(); ++c) out << "---:|";
    out << "---|\n";
    for (const EntryDiff* layer : listed) {
      DiffRow row = diff_row(*layer, mark);
      row[0] = markdown_cell(row[0]);
      out << '|';
      for (const auto& cell : row) out << ' ' << cell << " |";
      out << '\n';
    }
    out << '\n';
  }
  auto names = [](const std::vector<std::string>& list) {
    std::vector<std::string> quoted;
    for (const auto& name : list) quoted.push_back("`" + name + "`");
    return fmt::format("{}", fmt::join(quoted, ", "));
  };
  if (!diff.added.empty()) out << fmt::format("**Added layers** ({}): {}\n\n", diff.added.size(), names(diff.added));
  if (!diff.removed.empty())
    out << fmt::format("**Removed layers** ({}): {}\n\n", diff.removed.size(), names(diff.removed));
  if (!diff.notes.empty()) {
    out << "**Notes**\n\n";
    for (const auto& note : diff.notes) out << "- " << markdown_cell(note) << '\n';
    out << '\n';
  }
  out << fmt::format("`convroof diff`: {}\n", verdict_text(diff));
}

void render_diff_json(const ReportDiff& diff, std::ostream& out) {
  auto side_json = [](const ReportSide& report) {
    return Json{{"file", report.file},
                {"model", report.model_name},
                {"hardware", Json{{"id", report.hardware_id}, {"name", report.hardware_name}}},
                {"time_model", report.time_model}};
  };
  auto entry_json = [&](const EntryDiff& entry) {
    Json out_entry{{"name", entry.name}, {"changed", entry.changed()}};
    for (std::size_t m = 0; m < kDiffMetricNames.size(); ++m) {
      const MetricDelta& delta = entry.metrics[m];
      out_entry[std::string(kDiffMetricNames[m])] =
          Json{{"old", delta.old_value},
               {"new", delta.new_value},
               {"delta", delta.absolute()},
               {"relative", std::isinf(delta.relative) ? Json(nullptr) : Json(delta.relative)},
               {"threshold", diff.options.thresholds[m]},
               {"failed", delta.failed}};
    }
    out_entry["bound"] = Json{{"old", entry.old_bound},
                              {"new", entry.new_bound},
                              {"flipped", entry.flipped()},
                              {"failed", entry.verdict_failed}};
    return out_entry;
  };
  Json thresholds = Json::object();
  for (std::size_t m = 0; m < kDiffMetricNames.size(); ++m)
    thresholds[std::string(kDiffMetricNames[m])] = diff.options.thresholds[m];
  Json layers = Json::array();
  Json flips = Json::array();
  auto add_flip = [&](const EntryDiff& entry, bool is_total) {
    if (entry.flipped())
      flips.push_back(Json{{"layer", is_total ? Json(nullptr) : Json(entry.name)},
                           {"old", entry.old_bound},
                           {"new", entry.new_bound},
                           {"failed", entry.verdict_failed}});
  };
  add_flip(diff.totals, true);
  for (const auto& layer : diff.layers) {
    layers.push_back(entry_json(layer));
    add_flip(layer, false);
  }
  Json failures = Json::array();
  for (const auto& failure : diff.failures)
    failures.push_back(Json{{"layer", failure.layer.empty() ? Json(nullptr) : Json(failure.layer)},
                            {"check", failure.check},
                            {"message", failure.message}});
  Json totals = entry_json(diff.totals);
  totals.erase("name");
  Json report{{"schema", "convroof.diff/1"},
              {"tool", Json{{"name", "convroof"}, {"version", std::string(version())}}},
              {"old", side_json(diff.old_report)},
              {"new", side_json(diff.new_report)},
              {"thresholds", thresholds},
              {"ignore_verdict", diff.options.ignore_verdict},
              {"allow_hardware_change", diff.options.allow_hardware_change},
              {"totals", totals},
              {"layers", layers},
              {"added", diff.added},
              {"removed", diff.removed},
              {"flips", flips},
              {"notes", diff.notes},
              {"failures", failures},
              {"passed", diff.passed()}};
  out << json_text(report) << '\n';
}

}  // namespace convroof
