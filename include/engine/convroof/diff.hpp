// `convroof diff OLD.json NEW.json`: compares two analyze reports (convroof.report/1).
//
// Three parts, in three layers:
// - load_diff_inputs / parse_report (report layer, convroof/io.hpp) read a report, checking its
//   schema and every field diff uses; every problem is an Error at file:line:col naming the key
//   or value (positions come from a SAX pass over the text, src/report/report_reader.cpp);
// - diff_reports (here) is pure: it matches layers by name and computes the per-layer and total
//   deltas of time (the report's chosen time model), bytes, FLOPs and the verdict, and which
//   checks fail;
// - the renderers (convroof/report.hpp) word that one ReportDiff as a table, Markdown (for a
//   PR comment) or JSON (convroof.diff/1, docs/report.md).
// A check fails when a metric grows by more than its threshold (relative to OLD) in the totals or
// in a matched layer, or when a verdict flips (unless ignored). Improvements never fail.
// clang-format off
// Table (excerpt):
//   convroof diff: old.json -> new.json
//     OLD  mobilenet_v1 on orin (NVIDIA Jetson AGX Orin 64GB (GPU, dense)), iron-law time
//     NEW  mobilenet_v1 on orin (NVIDIA Jetson AGX Orin 64GB (GPU, dense)), iron-law time
//     thresholds: time 5 %, bytes 5 %, flops 5 %; a verdict flip fails
//   layer         time OLD   time NEW    change  bytes OLD  bytes NEW  change  FLOPs OLD  FLOPs NEW  change  bound
//   conv_dw_2     12.49 us   14.99 us  +20.0 %!   509.2 KB   509.2 KB       0    3.614 M    3.614 M       0  overhead
//   …
//   FAIL total time +12.3 % > 5 %
//   diff: 1 check failed
// clang-format on
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "convroof/error.hpp"

namespace convroof {

// The metrics diff compares, in output order, and the report field each reads
// (convroof/fields.hpp); time reads `time.roofline` instead in a roofline report.
enum class DiffMetric { time, bytes, flops };
struct DiffMetricInfo {
  DiffMetric metric;
  std::string_view name;
  std::string_view field;
};
inline constexpr std::array kDiffMetrics{
    DiffMetricInfo{DiffMetric::time, "time", "time.total"},
    DiffMetricInfo{DiffMetric::bytes, "bytes", "bytes.total"},
    DiffMetricInfo{DiffMetric::flops, "flops", "flops"},
};
// The field `metric` reads in a report of `time_model` (iron-law | roofline).
std::string_view diff_field(DiffMetric metric, std::string_view time_model);

// What diff reads of one layer or of the totals.
struct ReportEntry {
  std::string name;                                // layer name ("total" for the totals)
  std::array<double, kDiffMetrics.size()> values;  // per DiffMetric, read from its diff_field
  std::string bound;                               // memory | compute | overhead | none

  double metric(DiffMetric metric) const { return values[static_cast<std::size_t>(metric)]; }
};

// A report as diff sees it, read and checked.
struct LoadedReport {
  std::string file;  // the path as given (for messages)
  std::string model_name;
  std::string hardware_id;
  std::string hardware_name;
  Location hardware_id_at;  // where hardware.id is (for the hardware-change error)
  std::string time_model;   // iron-law | roofline
  // The options diff compares (kAnalysisOptions' `diffed` rows: precision, batch, time_model,
  // traffic, fuse, transform, overrides) as JSON text, in the table's order; an optional key the
  // report lacks has the value "(absent)".
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<ReportEntry> layers;  // in the report's order
  ReportEntry totals;
  bool fits = true;           // totals.fits: weights and peak activations fit their levels
  double capacity_ratio = 0;  // totals.capacity_ratio: need / capacity of the worse level
};

struct DiffOptions {
  std::array<double, 3> thresholds{0, 0, 0};  // per DiffMetric, as fractions (0.05 = 5 %); +inf: off
  // A metric fails only when it also grew by more than its floor (seconds, bytes; FLOPs have none).
  double min_time_s = 0, min_bytes = 0;
  bool totals_only = false;  // only the totals are checked and listed
  bool ignore_verdict = false;
  bool allow_hardware_change = false;
};
// Relative tolerance added to every threshold, so floating-point noise never fails a check.
inline constexpr double kDiffTolerance = 1e-9;

// Applies the --threshold values: "5%" (every metric not named in another value, wherever it
// stands), "time=5%", "bytes=10%", "flops=0%", and "off" or "bytes=off" (not checked). Throws
// Error at "--threshold" naming the value when one is not of that form.
void apply_thresholds(DiffOptions& options, const std::vector<std::string>& values);

struct MetricDelta {
  double old_value = 0;
  double new_value = 0;
  double relative = 0;  // (new - old) / old; +inf when old is 0 and new > 0; 0 when both are 0
  bool failed = false;  // grew by more than its threshold

  double absolute() const { return new_value - old_value; }
  bool changed() const;  // differs by more than floating noise
};

// One matched layer, or the totals.
struct EntryDiff {
  std::string name;
  std::array<MetricDelta, 3> metrics;  // per DiffMetric
  std::string old_bound;
  std::string new_bound;
  bool verdict_failed = false;  // flipped and not ignored

  bool flipped() const { return old_bound != new_bound; }
  bool changed() const;  // any metric changed or the verdict flipped
};

// One failed check: a metric that grew past its threshold, a verdict that flipped, or a model
// that fit and no longer does (the renderers word it: "total time +12.3 % > 5 % (…)",
// diff_failure_text in convroof/report.hpp).
struct DiffFailure {
  std::string layer;                 // "" for the totals
  std::optional<DiffMetric> metric;  // unset: the verdict flipped, or the fit was lost
  MetricDelta delta;                 // the metric's (the fit: the capacity ratios)
  double threshold = 0;              // the metric's, as a fraction
  std::string old_bound, new_bound;  // the verdict's
  bool fit = false;                  // the totals fit in OLD and do not in NEW

  std::string_view check() const {
    return metric ? kDiffMetrics[static_cast<std::size_t>(*metric)].name : fit ? "fit" : "verdict";
  }
};

struct ReportSide {
  std::string file;
  std::string model_name;
  std::string hardware_id;
  std::string hardware_name;
  std::string time_model;
};

struct ReportDiff {
  ReportSide old_report;
  ReportSide new_report;
  DiffOptions options;
  EntryDiff totals;
  std::vector<EntryDiff> layers;     // matched by name, in NEW's order
  std::vector<std::string> added;    // only in NEW, in NEW's order
  std::vector<std::string> removed;  // only in OLD, in OLD's order
  std::vector<std::string> notes;    // hardware, model and option differences
  std::vector<DiffFailure> failures;

  bool passed() const { return failures.empty(); }
};

// Pure: compares OLD and NEW. Throws Error at NEW's hardware.id when the hardware differs and
// options.allow_hardware_change is false.
ReportDiff diff_reports(const LoadedReport& old_report, const LoadedReport& new_report, const DiffOptions& options);

// ---- two compare reports (convroof.compare/1) ----
// Each verdict: per hardware the whole model's ("whole model") and each block's (its label).
struct VerdictEntry {
  std::string block;     // "whole model" or the block's label
  std::string hardware;  // the target's hardware id
  double speedup = 0;    // T_standard / T_separable (> 1: separable faster)
  std::string winner;    // separable | standard | tie
  bool fits = true;      // whole model: both forms fit their memory (blocks: true)
};
struct LoadedComparison {
  std::string file;
  std::string model_name;
  std::vector<VerdictEntry> verdicts;  // whole-model ones first, then block by block
};

struct VerdictChange {
  VerdictEntry old_verdict, new_verdict;
  bool flip_failed = false;  // the winner changed (and verdicts are not ignored)
  bool fit_failed = false;   // the whole model fit in OLD and does not in NEW
  bool flipped() const { return old_verdict.winner != new_verdict.winner; }
};

// A winner flip is a regression (unless options.ignore_verdict), as is a lost fit; the ratio
// changes are listed. Verdicts are matched by block and hardware.
struct ComparisonDiff {
  std::string old_file, new_file, old_model, new_model;
  bool ignore_verdict = false;
  std::vector<VerdictChange> verdicts;  // matched, in NEW's order
  std::vector<std::string> added, removed;  // "block on hardware" only in NEW / only in OLD
  std::size_t failures() const;
  bool passed() const { return failures() == 0; }
};
ComparisonDiff diff_comparisons(const LoadedComparison& old_report, const LoadedComparison& new_report,
                                const DiffOptions& options);

}  // namespace convroof
