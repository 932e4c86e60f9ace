// convroof diff's three renderers (table, Markdown, JSON convroof.diff/1), all from one
// ReportDiff (convroof/diff.hpp).
#include "convroof/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"
#include "text_checks.hpp"

namespace convroof {

std::string format_metric(DiffMetric metric, double value) {
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

std::string format_threshold(double fraction) {
  if (std::isinf(fraction)) return "off";
  return fmt::format("{:.6g} %", fraction * 100);
}

std::string format_relative(double relative) {
  if (std::isinf(relative)) return relative > 0 ? "+inf %" : "-inf %";
  if (std::fabs(relative) <= kDiffTolerance) return "0 %";
  return fmt::format("{}{} %", relative > 0 ? "+" : "-", format_number(std::fabs(relative) * 100, 3));
}

std::string diff_failure_text(const DiffFailure& failure) {
  const std::string where = failure.layer.empty() ? "total" : fmt::format("layer '{}'", failure.layer);
  if (failure.fit)
    return fmt::format("{} no longer fits its memory: need / capacity {} -> {} (> 1: does not fit)", where,
                       format_number(failure.delta.old_value, 4), format_number(failure.delta.new_value, 4));
  if (!failure.metric) return fmt::format("{} verdict flipped: {} -> {}", where, failure.old_bound, failure.new_bound);
  return fmt::format("{} {} {} > {} ({} -> {})", where, failure.check(), format_relative(failure.delta.relative),
                     format_threshold(failure.threshold), format_metric(*failure.metric, failure.delta.old_value),
                     format_metric(*failure.metric, failure.delta.new_value));
}

namespace {

using Json = nlohmann::ordered_json;

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
  for (std::size_t m = 0; m < kDiffMetrics.size(); ++m) {
    const MetricDelta& delta = entry.metrics[m];
    auto metric = static_cast<DiffMetric>(m);
    bool is_flops = metric == DiffMetric::flops;
    row[1 + 3 * m] = is_flops ? format_count(delta.old_value) : format_metric(metric, delta.old_value);
    row[2 + 3 * m] = is_flops ? format_count(delta.new_value) : format_metric(metric, delta.new_value);
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
  for (std::size_t m = 0; m < kDiffMetrics.size(); ++m)
    parts.push_back(fmt::format("{} {}", kDiffMetrics[m].name, format_threshold(options.thresholds[m])));
  std::string floors;
  if (options.min_time_s > 0) floors += fmt::format(", time growth under {} ignored", format_time(options.min_time_s));
  if (options.min_bytes > 0) floors += fmt::format(", bytes growth under {} ignored", format_bytes(options.min_bytes));
  return fmt::format("{}{}; {}{}", fmt::join(parts, ", "), floors,
                     options.ignore_verdict ? "verdict flips are ignored" : "a verdict flip fails",
                     options.totals_only ? "; totals only" : "");
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
    for (const auto& failure : diff.failures) out << "FAIL " << diff_failure_text(failure) << '\n';
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
    for (std::size_t i = 0; i < shown; ++i)
      out << "- FAIL " << markdown_cell(diff_failure_text(diff.failures[i])) << '\n';
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
                       format_threshold(diff.options.thresholds[m]));
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
    for (std::size_t m = 0; m < kDiffMetrics.size(); ++m) {
      const MetricDelta& delta = entry.metrics[m];
      out_entry[std::string(kDiffMetrics[m].name)] =
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
  for (std::size_t m = 0; m < kDiffMetrics.size(); ++m)
    thresholds[std::string(kDiffMetrics[m].name)] = diff.options.thresholds[m];
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
                            {"check", std::string(failure.check())},
                            {"message", diff_failure_text(failure)}});
  Json totals = entry_json(diff.totals);
  totals.erase("name");
  Json report{{"schema", "convroof.diff/1"},
              {"tool", Json{{"name", "convroof"}, {"version", std::string(version())}}},
              {"old", side_json(diff.old_report)},
              {"new", side_json(diff.new_report)},
              {"thresholds", thresholds},
              {"min_time_s", diff.options.min_time_s},
              {"min_bytes", diff.options.min_bytes},
              {"totals_only", diff.options.totals_only},
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

// ---- two compare reports ----

namespace {

constexpr std::array<std::string_view, 7> kVerdictColumns{"block",     "hardware",  "winner OLD", "winner NEW",
                                                          "ratio OLD", "ratio NEW", "check"};
using VerdictDiffRow = std::array<std::string, kVerdictColumns.size()>;

std::string verdict_check(const VerdictChange& change) {
  std::vector<std::string> failed;
  if (change.flip_failed) failed.emplace_back("FAIL winner flipped");
  if (change.fit_failed) failed.emplace_back("FAIL no longer fits");
  if (failed.empty()) return change.flipped() ? "flipped (ignored)" : "";
  return fmt::format("{}", fmt::join(failed, ", "));
}

bool verdict_changed(const VerdictChange& change) {
  return change.flipped() || change.fit_failed ||
         std::fabs(change.new_verdict.speedup - change.old_verdict.speedup) > 1e-9 * change.old_verdict.speedup;
}

std::vector<VerdictDiffRow> verdict_rows(const ComparisonDiff& diff, bool all) {
  std::vector<VerdictDiffRow> rows;
  for (const auto& change : diff.verdicts)
    if (all || verdict_changed(change))
      rows.push_back({change.new_verdict.block, change.new_verdict.hardware, change.old_verdict.winner,
                      change.new_verdict.winner, format_number(change.old_verdict.speedup, 4) + "x",
                      format_number(change.new_verdict.speedup, 4) + "x", verdict_check(change)});
  return rows;
}

std::string compare_verdict_text(const ComparisonDiff& diff) {
  const std::size_t failed = diff.failures();
  return failed == 0 ? "no regressions" : fmt::format("{} check{} failed", failed, failed == 1 ? "" : "s");
}

constexpr std::string_view kRatioLegend =
    "ratio = T standard / T separable (> 1: the separable form is faster); a winner flip or a lost fit fails";

}  // namespace

void render_compare_diff_table(const ComparisonDiff& diff, bool all, std::ostream& out) {
  out << fmt::format("convroof diff (compare reports): {} -> {}\n", diff.old_file, diff.new_file);
  out << fmt::format("  OLD  {}\n  NEW  {}\n", diff.old_model, diff.new_model);
  out << "  " << kRatioLegend << (diff.ignore_verdict ? " (winner flips ignored)" : "") << "\n\n";
  std::vector<VerdictDiffRow> rows{{}};
  std::copy(kVerdictColumns.begin(), kVerdictColumns.end(), rows.front().begin());
  for (auto& row : verdict_rows(diff, all)) rows.push_back(std::move(row));
  human::AlignedColumns<kVerdictColumns.size()>::print(
      rows, [](std::size_t c) { return c < 4 || c == 6; }, out);
  out << fmt::format("\n{} of {} verdicts changed\n", verdict_rows(diff, false).size(), diff.verdicts.size());
  if (!diff.added.empty()) out << fmt::format("added ({}): {}\n", diff.added.size(), fmt::join(diff.added, "; "));
  if (!diff.removed.empty())
    out << fmt::format("removed ({}): {}\n", diff.removed.size(), fmt::join(diff.removed, "; "));
  out << "diff: " << compare_verdict_text(diff) << '\n';
}

void render_compare_diff_markdown(const ComparisonDiff& diff, bool all, std::ostream& out) {
  out << fmt::format("### convroof diff (compare reports): {}\n\n", compare_verdict_text(diff));
  out << fmt::format("`{}` -> `{}` ({} -> {}). {}.\n\n", diff.old_file, diff.new_file, markdown_cell(diff.old_model),
                     markdown_cell(diff.new_model), kRatioLegend);
  out << "| " << fmt::format("{}", fmt::join(kVerdictColumns, " | ")) << " |\n";
  out << "|:---|:---|:---|:---|---:|---:|:---|\n";
  for (const auto& row : verdict_rows(diff, all)) {
    std::vector<std::string> cells;
    for (const auto& cell : row) cells.push_back(markdown_cell(cell));
    out << "| " << fmt::format("{}", fmt::join(cells, " | ")) << " |\n";
  }
}

void render_compare_diff_json(const ComparisonDiff& diff, std::ostream& out) {
  Json verdicts = Json::array();
  for (const auto& change : diff.verdicts)
    verdicts.push_back(Json{{"block", change.new_verdict.block},
                            {"hardware", change.new_verdict.hardware},
                            {"old", {{"winner", change.old_verdict.winner},
                                     {"ratio", change.old_verdict.speedup},
                                     {"fits", change.old_verdict.fits}}},
                            {"new", {{"winner", change.new_verdict.winner},
                                     {"ratio", change.new_verdict.speedup},
                                     {"fits", change.new_verdict.fits}}},
                            {"flipped", change.flipped()},
                            {"failed", change.flip_failed || change.fit_failed}});
  Json report{{"schema", "convroof.compare-diff/1"},
              {"tool", Json{{"name", "convroof"}, {"version", std::string(version())}}},
              {"old", {{"file", diff.old_file}, {"model", diff.old_model}}},
              {"new", {{"file", diff.new_file}, {"model", diff.new_model}}},
              {"ignore_verdict", diff.ignore_verdict},
              {"verdicts", verdicts},
              {"added", diff.added},
              {"removed", diff.removed},
              {"failures", diff.failures()},
              {"passed", diff.passed()}};
  out << json_text(report) << '\n';
}

}  // namespace convroof
