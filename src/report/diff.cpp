// convroof diff: reading reports with source positions, the pure comparison, and its
// three renderers (table, Markdown, JSON convroof.diff/1), all from one ReportDiff.
//
// Positions: nlohmann's DOM has none, so the text is parsed with sax_parse through an iterator
// that records how many bytes the parser has consumed. Each SAX event comes right after its
// token was read, so the token's start is found by looking back from there (a string: to its
// unescaped opening quote; a number: over its characters, past the one look-ahead byte).
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

namespace convroof {

namespace {

using Dom = nlohmann::json;
using Json = nlohmann::ordered_json;

constexpr std::string_view kReportSchema = "convroof.report/1";

// ---------------------------------------------------------------------------------------------
// Reading: text -> DOM with the offset of every value, keyed by its path ("layers[3].time").

// Byte offset -> 1-based line and column.
class SourceMap {
 public:
  SourceMap(std::string_view text, std::string file) : file_(std::move(file)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
  Location at(std::size_t offset) const {
    auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    auto line = static_cast<int>(next_line - line_starts_.begin());
    return Location{file_, line, static_cast<int>(offset - line_starts_[line - 1]) + 1};
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::size_t> line_starts_;
};

// A forward iterator over the text whose dereference records the bytes consumed so far.
class CountingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator() = default;
  CountingIterator(const char* begin, const char* at, std::size_t* consumed)
      : begin_(begin), at_(at), consumed_(consumed) {}
  reference operator*() const {
    *consumed_ = static_cast<std::size_t>(at_ - begin_) + 1;
    return *at_;
  }
  CountingIterator& operator++() {
    ++at_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++at_;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }

 private:
  const char* begin_ = nullptr;
  const char* at_ = nullptr;
  std::size_t* consumed_ = nullptr;
};

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// nlohmann's message without its "[json.exception…] parse error at line L, column C: " prefix.
std::string parse_error_text(const std::string& what) {
  std::size_t column = what.find("column ");
  std::size_t colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
  if (colon != std::string::npos) return what.substr(colon + 2);
  std::size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// The SAX handler: builds the DOM and records where each value starts.
class PositionedDom {
 public:
  PositionedDom(std::string_view text, const std::size_t& consumed, const SourceMap& source)
      : text_(text), consumed_(consumed), source_(source) {}

  Dom root;
  std::map<std::string, std::size_t> offsets;  // path -> byte offset of the value

  bool null() { return add(nullptr, consumed_ - 4); }
  bool boolean(bool value) { return add(value, consumed_ - (value ? 4 : 5)); }
  bool number_integer(Dom::number_integer_t value) { return add(value, number_start()); }
  bool number_unsigned(Dom::number_unsigned_t value) { return add(value, number_start()); }
  bool number_float(Dom::number_float_t value, const Dom::string_t&) { return add(value, number_start()); }
  bool string(Dom::string_t& value) { return add(value, string_start()); }
  bool binary(Dom::binary_t& value) { return add(Dom::binary(value), consumed_); }  // not in JSON text
  bool start_object(std::size_t) { return open(Dom::object()); }
  bool start_array(std::size_t) { return open(Dom::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Dom::string_t& name) {
    const Frame& parent = stack_.back();
    if (parent.value->contains(name)) {
      throw Error(source_.at(string_start()), fmt::format("duplicate key '{}'", child_path(parent.path, name)));
    }
    key_ = name;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
    // `position` counts the bytes read, the offending one included.
    throw Error(source_.at(position > 0 ? position - 1 : 0), "invalid JSON: " + parse_error_text(error.what()));
  }

 private:
  struct Frame {
    Dom* value;
    std::string path;
  };

  Frame place(Dom value, std::size_t offset) {
    Frame placed{&root, ""};
    if (stack_.empty()) {
      root = std::move(value);
    } else if (Frame& parent = stack_.back(); parent.value->is_array()) {
      placed.path = fmt::format("{}[{}]", parent.path, parent.value->size());
      parent.value->push_back(std::move(value));
      placed.value = &parent.value->back();
    } else {
      placed.path = child_path(parent.path, key_);
      placed.value = &((*parent.value)[key_] = std::move(value));
    }
    offsets[placed.path] = offset;
    return placed;
  }
  bool add(Dom value, std::size_t offset) {
    place(std::move(value), offset);
    return true;
  }
  bool open(Dom container) {
    stack_.push_back(place(std::move(container), consumed_ - 1));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  // The string token ends at consumed_ - 1 (its closing quote): look back for the opening quote,
  // the first one not escaped (preceded by an even number of backslashes).
  std::size_t string_start() const {
    for (std::size_t i = consumed_ - 1; i-- > 0;) {
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return 0;
  }
  // A number is read with one byte of look-ahead (unless it ends the text).
  std::size_t number_start() const {
    auto in_number = [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || std::string_view("+-.eE").find(c) != std::string_view::npos;
    };
    std::size_t i = consumed_;
    if (i > 0 && !in_number(text_[i - 1])) --i;
    while (i > 0 && in_number(text_[i - 1])) --i;
    return i;
  }

  std::string_view text_;
  const std::size_t& consumed_;
  const SourceMap& source_;
  std::vector<Frame> stack_;
  std::string key_;
};

// Checked access to the fields diff needs; every error points at the value or its object.
enum class Kind { object, array, string, number, integer };

class ReportReader {
 public:
  ReportReader(const PositionedDom& dom, const SourceMap& source) : dom_(dom), source_(source) {}

  Location at(const std::string& path) const {
    auto it = dom_.offsets.find(path);
    return it == dom_.offsets.end() ? Location{source_.file(), 0, 0} : source_.at(it->second);
  }

  const Dom& require(const Dom& object, const std::string& object_path, const std::string& key, Kind kind) const {
    std::string path = child_path(object_path, key);
    auto it = object.find(key);
    if (it == object.end()) throw Error(at(object_path), fmt::format("missing field '{}'", path));
    check(*it, path, kind);
    return *it;
  }

  void check(const Dom& value, const std::string& path, Kind kind) const {
    bool matches = (kind == Kind::object && value.is_object()) || (kind == Kind::array && value.is_array()) ||
                   (kind == Kind::string && value.is_string()) || (kind == Kind::number && value.is_number()) ||
                   (kind == Kind::integer && value.is_number_integer());
    if (!matches) throw Error(at(path), fmt::format("'{}' must be {}, got {}", path, kind_name(kind), describe(value)));
    if (value.is_number() && value.get<double>() < 0)
      throw Error(at(path), fmt::format("'{}' must not be negative, got {}", path, value.dump()));
  }

  std::string text(const Dom& object, const std::string& object_path, const std::string& key, Kind kind) const {
    const Dom& value = require(object, object_path, key, kind);
    return value.is_string() ? value.get<std::string>() : value.dump();
  }

  double number(const Dom& object, const std::string& object_path, const std::string& key) const {
    return require(object, object_path, key, Kind::number).get<double>();
  }

 private:
  static std::string_view kind_name(Kind kind) {
    switch (kind) {
      case Kind::object:
        return "an object";
      case Kind::array:
        return "an array";
      case Kind::string:
        return "a string";
      case Kind::number:
        return "a number";
      case Kind::integer:
        return "an integer";
    }
    return "";
  }
  static std::string describe(const Dom& value) {
    if (value.is_object() || value.is_array() || value.is_null()) return value.type_name();
    return fmt::format("{} {}", value.type_name(), value.dump());
  }

  const PositionedDom& dom_;
  const SourceMap& source_;
};

void check_schema(const Dom& root, const ReportReader& reader) {
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
                       const ReportReader& reader) {
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
  SourceMap source(text, file);
  std::size_t consumed = 0;
  PositionedDom dom(text, consumed, source);
  CountingIterator first(text.data(), text.data(), &consumed);
  CountingIterator last(text.data(), text.data() + text.size(), &consumed);
  Dom::sax_parse(first, last, &dom);

  ReportReader reader(dom, source);
  const Dom& root = dom.root;
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
  out << report.dump(2) << '\n';
}

}  // namespace convroof
