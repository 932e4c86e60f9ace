// The pieces of the human-unit renderers that more than one of them prints: the layer
// table's columns and cells (text table and Markdown), the summary sentences (time and
// binding term, memory verdict, options) and the compare table's row. Each is defined
// once here so the text table and the Markdown of the same result say the same thing.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "convroof/analysis_options.hpp"
#include "convroof/compare.hpp"
#include "convroof/fields.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"

namespace convroof::human {

// ---- text columns ----

// Columns sized to their content: measure() every row first, then line() prints one with two
// spaces between columns and no trailing spaces. `left(c)` says which columns are left-aligned.
template <std::size_t N>
class AlignedColumns {
 public:
  explicit AlignedColumns(bool (*left)(std::size_t)) : left_(left) {}
  template <typename Row>
  void measure(const Row& row) {
    for (std::size_t c = 0; c < N; ++c) width_[c] = std::max(width_[c], std::string_view(row[c]).size());
  }
  template <typename Row>
  std::string line(const Row& row) const {
    std::string text;
    for (std::size_t c = 0; c < N; ++c) {
      if (c) text += "  ";
      text += left_(c) ? fmt::format("{:<{}}", row[c], width_[c]) : fmt::format("{:>{}}", row[c], width_[c]);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
  }
  // The common case: every row measured, then printed one per line (the first usually the header).
  template <typename Row>
  static void print(const std::vector<Row>& rows, bool (*left)(std::size_t), std::ostream& out) {
    AlignedColumns columns(left);
    for (const auto& row : rows) columns.measure(row);
    for (const auto& row : rows) out << columns.line(row) << '\n';
  }
  // A rule as wide as the widest line.
  std::string rule() const {
    std::size_t width = 2 * (N - 1);
    for (auto w : width_) width += w;
    return std::string(width, '-');
  }

 private:
  bool (*left_)(std::size_t);
  std::array<std::size_t, N> width_{};
};

// ---- the layer table ----

// A column shows one report field (convroof/fields.hpp), formatted by its unit; `time` is the
// total under the chosen time model.
struct Column {
  std::string_view title;
  bool left_aligned;
  std::string_view field;
};

inline constexpr std::array kLayerColumns{
    Column{"#", false, "index"},
    Column{"layer", true, "name"},
    Column{"kind", true, "kind"},
    Column{"output", true, "output_shape"},
    Column{"MACs", false, "macs"},
    Column{"FLOPs", false, "flops"},
    Column{"bytes", false, "bytes.total"},
    Column{"FLOP/B", false, "intensity"},
    Column{"roof", true, "roof_flops_per_s"},
    Column{"T_mem", false, "time.memory"},
    Column{"T_comp", false, "time.compute"},
    Column{"L", false, "time.overhead"},
    Column{"T", false, "time"},
    Column{"bound", true, "bound"},
};

using LayerRow = std::array<std::string, kLayerColumns.size()>;
inline bool layer_left_aligned(std::size_t column) {
  return kLayerColumns[column].left_aligned;
}

// A field's value in human units: "4.231 M", "25.69 MB", "12.49 us", "1x112x112x32".
inline std::string human_value(FieldUnit unit, const FieldValue& value) {
  return std::visit(
      [unit](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          return std::string(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "yes" : "no";
        } else if constexpr (std::is_same_v<T, std::span<const std::int64_t>>) {
          return shape_text(v);
        } else if constexpr (std::is_pointer_v<T>) {
          return {};
        } else {
          const auto number = static_cast<double>(v);
          switch (unit) {
            case FieldUnit::count:
            case FieldUnit::flops:
              return format_count(number);
            case FieldUnit::bytes:
              return format_bytes(number);
            case FieldUnit::seconds:
              return format_time(number);
            case FieldUnit::flops_per_s:
              return format_rate(number);
            case FieldUnit::bytes_per_s:
              return format_bytes(number) + "/s";
            case FieldUnit::integer:
              return std::to_string(static_cast<std::int64_t>(v));
            default:
              return format_number(number);
          }
        }
      },
      value);
}

// The field each column shows under `model` (looked up once).
inline const std::array<const ReportField*, kLayerColumns.size()>& column_fields(TimeModel model) {
  using Fields = std::array<const ReportField*, kLayerColumns.size()>;
  static const std::array<Fields, 2> resolved = [] {
    std::array<Fields, 2> out{};
    for (std::size_t c = 0; c < kLayerColumns.size(); ++c) {
      const std::string_view field = kLayerColumns[c].field;
      out[0][c] = &report_field(field == "time" ? "time.total" : field);
      out[1][c] = &report_field(field == "time" ? "time.roofline" : field);
    }
    return out;
  }();
  return resolved[model == TimeModel::iron_law ? 0 : 1];
}

// A layer's row; a layer that runs inside another's kernel (fused) is marked "+ name", and the
// roof names the unit it is of.
inline LayerRow layer_row(const LayerCost& layer, TimeModel model) {
  LayerRow row;
  for (std::size_t c = 0; c < kLayerColumns.size(); ++c) {
    const ReportField& field = *column_fields(model)[c];
    row[c] = human_value(field.unit, field.layer(layer));
    if (field.path == "name" && layer.runs_in != layer.name) row[c] = "+ " + row[c];
    if (field.path == "roof_flops_per_s") row[c] = fmt::format("{} {}", layer.unit, row[c]);
  }
  return row;
}

// The totals row (totals_row_value: the fields with a total, named "total").
inline LayerRow total_row(const Totals& totals, TimeModel model) {
  LayerRow row;
  for (std::size_t c = 0; c < kLayerColumns.size(); ++c) {
    const ReportField& field = *column_fields(model)[c];
    const auto value = totals_row_value(field, totals);
    if (value) row[c] = human_value(field.unit, *value);
  }
  return row;
}

// ---- summary sentences ----

// "12.5 %", "0.05 %", "< 0.001 %" of part / whole.
inline std::string percent(double part, double whole) {
  double value = whole > 0 ? 100.0 * part / whole : 0.0;
  if (value == 0 || value >= 0.1) return fmt::format("{:.1f} %", value);
  return value >= 0.001 ? fmt::format("{} %", format_number(value, 2)) : std::string("< 0.001 %");
}

inline bool fuses_any(const Options& options) {
  return fusion_set(options.fuse, options.runtime) != 0;
}

// The options line, from kAnalysisOptions (convroof/analysis_options.hpp): each row with a
// label, in the table's order, "label text", joined by ", "; `compare`: only the rows on the
// compare line. `replace(row)` may word a row otherwise (compare's several runtimes).
// "precision int8, batch 1, runtime tensorrt, time model iron-law, traffic ideal, fuse none[, transform to-dwsep]"
template <typename Replace>
std::string options_line(const Options& options, const ReportSettings& settings, bool compare, Replace replace) {
  std::vector<std::string> parts;
  for (const auto& option : kAnalysisOptions) {
    if (option.label.empty() || (compare && !option.on_compare_line)) continue;
    std::string text = option_text(option, options, settings);
    if (!option.unprinted_default.empty() && text == option.unprinted_default) continue;
    if (auto other = replace(option)) text = std::move(*other);
    parts.push_back(fmt::format("{} {}", option.label, text));
  }
  return join(parts);
}
inline std::string options_text(const Options& options, const ReportSettings& settings) {
  return options_line(options, settings, false, [](const AnalysisOption&) { return std::optional<std::string>(); });
}

// "1.026 ms (Iron Law, T = T_mem + T_comp + L = …): overhead-bound, per-layer overhead L is
// 82.9 % of the Iron-Law sum": the total time under the chosen model and the term that binds.
inline std::string time_summary(const Totals& totals, TimeModel model) {
  const double time = chosen_time(totals.time, model);
  double binding = totals.bound == Bound::memory    ? totals.time.memory
                   : totals.bound == Bound::compute ? totals.time.compute
                                                    : totals.time.overhead;
  std::string_view term = totals.bound == Bound::memory    ? "memory traffic D/BW"
                          : totals.bound == Bound::compute ? "compute O/(R*eta)"
                                                           : "per-layer overhead L";
  std::string terms = fmt::format("{} + {} + {}", format_time(totals.time.memory), format_time(totals.time.compute),
                                  format_time(totals.time.overhead));
  std::string how = model == TimeModel::iron_law
                        ? fmt::format("Iron Law, T = T_mem + T_comp + L = {}", terms)
                        : fmt::format("roofline, per layer max(T_mem, T_comp) + L; summed terms {}", terms);
  const std::string per_image = totals.batch > 1 ? fmt::format(" for {} images, {} per image, {} images/s", totals.batch,
                                                               format_time(totals.time_per_image),
                                                               format_number(totals.images_per_s))
                                                 : "";
  return fmt::format("{}{} ({}): {}-bound, {} is {} of the Iron-Law sum", format_time(time), per_image, how,
                     bound_name(totals.bound), term, percent(binding, totals.time.iron_law));
}

// Each need against the level that holds it. One level for both:
//   "weights 35.07 KB + peak activations 25.69 MB = 25.73 MB of hbm2's 16.00 GB: fits (0.2 % used)"
// two (an NPU's flash and SRAM), each with its own ratio:
//   "weights 25.56 MB of flash's 2.097 MB: do NOT fit, 12.19x over; peak activations 2.408 MB of
//    sram's 1.016 MB: do NOT fit, 2.370x over"
inline std::string fit_text(double ratio, bool plural) {
  return ratio <= 1.0 ? fmt::format("{} ({} used)", plural ? "fit" : "fits", percent(ratio, 1.0))
                      : fmt::format("{} NOT fit, {}x over", plural ? "do" : "does", format_number(ratio));
}
inline std::string memory_summary(const Totals& totals) {
  auto of = [](std::string_view level, double capacity) {
    return fmt::format("{}'s {}", level, format_bytes(capacity));
  };
  const std::string weights = format_bytes(static_cast<double>(totals.weight_bytes));
  const std::string activations = format_bytes(static_cast<double>(totals.peak_activation_bytes));
  if (totals.weight_level == totals.activation_level)
    return fmt::format("weights {} + peak activations {} = {} of {}: {}", weights, activations,
                       format_bytes(static_cast<double>(totals.peak_memory_bytes)),
                       of(totals.weight_level, totals.weight_capacity_bytes), fit_text(totals.capacity_ratio, false));
  return fmt::format("weights {} of {}: {}; peak activations {} of {}: {}", weights,
                     of(totals.weight_level, totals.weight_capacity_bytes), fit_text(totals.weight_ratio, true),
                     activations, of(totals.activation_level, totals.activation_capacity_bytes),
                     fit_text(totals.activation_ratio, true));
}

inline constexpr std::string_view kFusionNote =
    "a name marked '+ ' runs inside the kernel of the layer it reads (no launch of its own; its input stays on chip)";

// ---- compare ----

inline constexpr std::array<std::string_view, 7> kCompareHeader{"hardware", "prec",   "MACs", "bytes",
                                                                "time",     "before", "after"};
using CompareRow = std::array<std::string, kCompareHeader.size()>;
// Columns 0-1 and 5-6 are text (left-aligned), 2-4 numbers.
inline bool compare_left_aligned(std::size_t column) {
  return column < 2 || column > 4;
}

inline std::string ratio_text(double ratio) {
  return fmt::format("{}x", format_number(ratio, 3));
}

// "152.3 us compute": a side's total under the chosen time model and its verdict.
inline std::string side_text(const AnalysisResult& result) {
  return fmt::format("{} {}", format_time(result.totals.time.total), bound_name(result.totals.bound));
}

inline std::string direction_text(Transform direction) {
  return direction == Transform::to_dwsep ? "standard -> depthwise-separable" : "depthwise-separable -> standard";
}

inline CompareRow compare_row(const Comparison& comparison, const BlockComparison& block) {
  const Target& target = comparison.targets[block.target];
  return {target.hardware.id,           std::string(precision_name(target.options.precision)),
          ratio_text(block.macs_ratio), ratio_text(block.bytes_ratio),
          ratio_text(block.time_ratio), side_text(block.before),
          side_text(block.after)};
}

// The line above the compare tables: "runtime none, time model iron-law, traffic ideal, fuse none; ratios
// are before/after (> 1: the replacement has less)".
inline constexpr std::string_view kRatiosNote = "; ratios are before/after (> 1: the replacement has less)";
inline std::string compare_options_text(const Options& options) {
  return options_line(options, {}, true, [](const AnalysisOption&) { return std::optional<std::string>(); }) +
         std::string(kRatiosNote);
}

// The same line for every target of a comparison: one runtime, or which target runs which
// ("runtime tensorrt on orin, h100; ethos-u on ethos-u55-128"), and the fusion each runtime
// implies when those differ.
inline std::string compare_options_text(const std::vector<Target>& targets) {
  if (targets.empty()) return "";
  const Options& options = targets.front().options;
  std::vector<std::pair<std::string, std::vector<std::string>>> runtimes;  // id -> hardware, in order
  bool same_fusion = true;
  for (const auto& target : targets) {
    same_fusion = same_fusion && option_text("fuse", target.options) == option_text("fuse", options);
    auto it = std::find_if(runtimes.begin(), runtimes.end(),
                           [&](const auto& entry) { return entry.first == target.options.runtime.id; });
    if (it == runtimes.end()) it = runtimes.insert(runtimes.end(), {target.options.runtime.id, {}});
    it->second.push_back(target.hardware.id);
  }
  if (runtimes.size() == 1 && same_fusion) return compare_options_text(options);
  std::vector<std::string> parts;
  for (const auto& [id, hardware] : runtimes) parts.push_back(fmt::format("{} on {}", id, join(hardware, ", ")));
  return options_line(options, {}, true,
                      [&](const AnalysisOption& option) -> std::optional<std::string> {
                        if (option.key == "runtime") return join(parts, "; ");
                        if (option.key == "fuse" && !same_fusion) return "each runtime's patterns";
                        return std::nullopt;
                      }) +
         std::string(kRatiosNote);
}

// ---- compare: the whole model ----

inline constexpr std::string_view kWholeModelTitle =
    "Whole model: every block standard vs every block depthwise-separable (same runtime and options)";
inline constexpr std::array<std::string_view, 7> kVerdictHeader{"hardware", "prec",  "standard", "separable",
                                                                "MACs",     "time",  "verdict"};
using VerdictRow = std::array<std::string, kVerdictHeader.size()>;
// Columns 0-1 and 6 are text, 2-5 numbers.
inline bool verdict_left_aligned(std::size_t column) {
  return column < 2 || column > 5;
}

// One hardware's whole-model row: each form's time and verdict, the MAC and time ratios
// standard / separable, and the verdict in words.
inline VerdictRow verdict_row(const Comparison& comparison, const ModelVerdict& verdict) {
  const Target& target = comparison.targets[verdict.target];
  return {target.hardware.id,
          std::string(precision_name(target.options.precision)),
          fmt::format("{} {}", format_time(verdict.standard.time.total), bound_name(verdict.standard.bound)),
          fmt::format("{} {}", format_time(verdict.separable.time.total), bound_name(verdict.separable.bound)),
          ratio_text(verdict.macs_ratio),
          ratio_text(verdict.time_ratio),
          verdict_text(verdict)};
}

// A block's reasons and, when some alternative flips its winner, which ones (sensitivity).
inline std::string block_reasons(const BlockComparison& block) {
  std::string flips = flips_text(block.winner, block.depends_on);
  return because_text(block) + (flips.empty() ? "" : "; " + flips);
}

// Under the verdict table: "orin: the winner flips under precision fp32 (separable 1.49x faster)"
// per hardware whose whole-model verdict some alternative flips.
inline std::vector<std::string> verdict_flips(const Comparison& comparison) {
  std::vector<std::string> lines;
  for (const auto& verdict : comparison.totals)
    if (std::string flips = flips_text(verdict.winner, verdict.depends_on); !flips.empty())
      lines.push_back(fmt::format("{}: {}", comparison.targets[verdict.target].hardware.id, flips));
  return lines;
}

// Every note of the blocks' analyses (a precision fallback, a stored precision, a narrower weight
// precision), once each, prefixed with the hardware it came from.
inline std::vector<std::string> compare_notes(const Comparison& comparison) {
  std::vector<std::string> lines;
  for (const auto& block : comparison.blocks)
    for (const AnalysisResult* side : {&block.before, &block.after})
      for (const auto& note : side->notes) {
        std::string line = fmt::format("{}: {}", comparison.targets[block.target].hardware.id, note);
        if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(std::move(line));
      }
  return lines;
}

inline constexpr std::string_view kNoPairs =
    "No standard kxk convolution (k > 1, groups 1) and no depthwise + pointwise pair in this model.";

}  // namespace convroof::human
