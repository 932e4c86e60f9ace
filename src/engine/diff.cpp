// convroof diff's comparison (convroof/diff.hpp): pure, on two reports as read.
#include "convroof/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "convroof/cost.hpp"
#include "convroof/units.hpp"
#include "text_checks.hpp"

namespace convroof {

std::string_view diff_field(DiffMetric metric, std::string_view time_model) {
  if (metric == DiffMetric::time && time_model == time_model_name(TimeModel::roofline)) return "time.roofline";
  return kDiffMetrics[static_cast<std::size_t>(metric)].field;
}

bool MetricDelta::changed() const {
  return std::fabs(relative) > kDiffTolerance;
}

bool EntryDiff::changed() const {
  return flipped() || std::any_of(metrics.begin(), metrics.end(), [](const MetricDelta& m) { return m.changed(); });
}

void apply_thresholds(DiffOptions& options, const std::vector<std::string>& values) {
  const Location where{"--threshold", 0, 0};
  std::array<bool, kDiffMetrics.size()> named{};
  // Named metrics first, so a global value fills only the others, before or after them.
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string& text : values) {
      std::string metric;
      std::string_view value = text;
      if (auto equals = text.find('='); equals != std::string::npos) {
        metric = text.substr(0, equals);
        value = std::string_view(text).substr(equals + 1);
      }
      if ((pass == 0) == metric.empty()) continue;
      double fraction = 0, percent = 0;
      if (value == "off") {
        fraction = std::numeric_limits<double>::infinity();
      } else {
        if (value.empty() || value.back() != '%' || !parse_double(value.substr(0, value.size() - 1), percent))
          throw Error(where, fmt::format("invalid threshold '{}' (expected a percentage or off: 5% for every "
                                         "metric, or time=5%, bytes=off, flops=5%)",
                                         text));
        if (percent < 0) throw Error(where, fmt::format("threshold '{}' must not be negative", text));
        fraction = percent / 100;
      }
      if (metric.empty()) {
        for (std::size_t m = 0; m < kDiffMetrics.size(); ++m)
          if (!named[m]) options.thresholds[m] = fraction;
        continue;
      }
      auto known = std::find_if(kDiffMetrics.begin(), kDiffMetrics.end(),
                                [&](const DiffMetricInfo& info) { return info.name == metric; });
      if (known == kDiffMetrics.end()) {
        std::vector<std::string> names;
        for (const auto& info : kDiffMetrics) names.emplace_back(info.name);
        throw Error(where, fmt::format("unknown metric '{}' in threshold '{}' (expected time, bytes or flops){}",
                                       metric, text, did_you_mean(metric, names)));
      }
      const auto m = static_cast<std::size_t>(known - kDiffMetrics.begin());
      options.thresholds[m] = fraction;
      named[m] = true;
    }
}

namespace {

EntryDiff compare_entries(const ReportEntry& old_entry, const ReportEntry& new_entry, const DiffOptions& options) {
  EntryDiff entry;
  entry.name = new_entry.name;
  for (std::size_t m = 0; m < kDiffMetrics.size(); ++m) {
    MetricDelta& delta = entry.metrics[m];
    delta.old_value = old_entry.metric(static_cast<DiffMetric>(m));
    delta.new_value = new_entry.metric(static_cast<DiffMetric>(m));
    if (delta.old_value != 0)
      delta.relative = (delta.new_value - delta.old_value) / delta.old_value;
    else if (delta.new_value != 0)
      delta.relative = std::copysign(std::numeric_limits<double>::infinity(), delta.new_value);
    const double floor = m == static_cast<std::size_t>(DiffMetric::time)    ? options.min_time_s
                         : m == static_cast<std::size_t>(DiffMetric::bytes) ? options.min_bytes
                                                                             : 0.0;
    delta.failed = delta.relative > options.thresholds[m] + kDiffTolerance && delta.absolute() > floor;
  }
  entry.old_bound = old_entry.bound;
  entry.new_bound = new_entry.bound;
  entry.verdict_failed = entry.flipped() && !options.ignore_verdict;
  return entry;
}

void collect_failures(const EntryDiff& entry, bool is_total, const DiffOptions& options,
                      std::vector<DiffFailure>& failures) {
  const std::string layer = is_total ? "" : entry.name;
  for (std::size_t m = 0; m < kDiffMetrics.size(); ++m)
    if (entry.metrics[m].failed)
      failures.push_back(
          DiffFailure{layer, static_cast<DiffMetric>(m), entry.metrics[m], options.thresholds[m], {}, {}});
  if (entry.verdict_failed) failures.push_back(DiffFailure{layer, {}, {}, 0, entry.old_bound, entry.new_bound});
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
    if (options.totals_only) break;
    in_new.insert(layer.name);
    if (auto it = old_layers.find(layer.name); it != old_layers.end())
      diff.layers.push_back(compare_entries(*it->second, layer, options));
    else
      diff.added.push_back(layer.name);
  }
  for (const auto& layer : old_report.layers)
    if (!options.totals_only && !in_new.contains(layer.name)) diff.removed.push_back(layer.name);

  diff.totals = compare_entries(old_report.totals, new_report.totals, options);
  collect_failures(diff.totals, /*is_total=*/true, options, diff.failures);
  // Not fitting is a verdict: losing the fit is a regression, regaining it a note.
  MetricDelta capacity;
  capacity.old_value = old_report.capacity_ratio;
  capacity.new_value = new_report.capacity_ratio;
  if (old_report.fits && !new_report.fits)
    diff.failures.push_back(DiffFailure{"", {}, capacity, 0, {}, {}, /*fit=*/true});
  else if (!old_report.fits && new_report.fits)
    diff.notes.push_back(fmt::format("NEW fits its memory (OLD was {}x over)", format_number(old_report.capacity_ratio, 4)));
  for (const auto& layer : diff.layers) collect_failures(layer, /*is_total=*/false, options, diff.failures);
  return diff;
}

std::size_t ComparisonDiff::failures() const {
  std::size_t count = 0;
  for (const auto& verdict : verdicts) count += verdict.flip_failed + verdict.fit_failed;
  return count;
}

ComparisonDiff diff_comparisons(const LoadedComparison& old_report, const LoadedComparison& new_report,
                                const DiffOptions& options) {
  ComparisonDiff diff;
  diff.old_file = old_report.file;
  diff.new_file = new_report.file;
  diff.old_model = old_report.model_name;
  diff.new_model = new_report.model_name;
  diff.ignore_verdict = options.ignore_verdict;
  auto key = [](const VerdictEntry& v) { return v.block + " on " + v.hardware; };
  std::map<std::string, const VerdictEntry*> old_verdicts;
  for (const auto& verdict : old_report.verdicts) old_verdicts.emplace(key(verdict), &verdict);
  std::set<std::string> in_new;
  for (const auto& verdict : new_report.verdicts) {
    in_new.insert(key(verdict));
    auto it = old_verdicts.find(key(verdict));
    if (it == old_verdicts.end()) {
      diff.added.push_back(key(verdict));
      continue;
    }
    VerdictChange& change = diff.verdicts.emplace_back();
    change.old_verdict = *it->second;
    change.new_verdict = verdict;
    change.flip_failed = change.flipped() && !options.ignore_verdict;
    change.fit_failed = change.old_verdict.fits && !verdict.fits;
  }
  for (const auto& verdict : old_report.verdicts)
    if (!in_new.contains(key(verdict))) diff.removed.push_back(key(verdict));
  return diff;
}

}  // namespace convroof
