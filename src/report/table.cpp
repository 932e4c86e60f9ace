// Human table: one row per layer in human units, a totals row, then a summary that
// names the binding term and the capacity verdict. Columns are sized to their content.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"

namespace convroof {

using human::kLayerColumns;
using human::LayerRow;

void render_table(const AnalysisResult& result, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Options& options = result.options;
  const Totals& totals = result.totals;
  out << fmt::format("convroof {}: {} on {} ({})\n", version(), result.model_name, hw.id, hw.name);
  out << human::options_text(options) << '\n';
  UnitChoice main_unit = hw.unit_for(OpClass::standard, options.precision);
  const MemoryLevel& activations = hw.activation_level();
  double bandwidth = *activations.bandwidth_bytes_per_s;
  std::vector<std::string> levels;
  for (const auto& level : hw.memory) {
    std::vector<std::string> holds;
    if (&level == &hw.weight_level()) holds.emplace_back("weights");
    if (&level == &activations) holds.emplace_back("activations");
    std::string role = holds.empty() ? "on chip" : join(holds, "+");
    levels.push_back(level.bandwidth_bytes_per_s
                         ? fmt::format("{} {} {}", level.name, format_bandwidth(*level.bandwidth_bytes_per_s), role)
                         : fmt::format("{} {} {}", level.name, format_bytes(level.capacity_bytes), role));
  }
  out << fmt::format("peak {} ({}), ridge {} FLOP/B at {}; memory: {}; L {}\n", format_rate(main_unit.peak_flops_per_s),
                     main_unit.unit->name, format_number(main_unit.peak_flops_per_s / bandwidth), activations.name,
                     join(levels), format_time(options.runtime.kernel_launch_s(hw)));
  for (const auto& assignment : options.overrides) out << "what-if: --set " << assignment << '\n';
  out << '\n';

  std::vector<LayerRow> rows;
  rows.reserve(result.layers.size() + 1);
  for (const auto& layer : result.layers) rows.push_back(human::layer_row(layer, options.time_model));
  LayerRow total_row = human::total_row(totals, options.time_model);

  human::AlignedColumns<kLayerColumns.size()> columns(human::layer_left_aligned);
  LayerRow header;
  for (std::size_t c = 0; c < kLayerColumns.size(); ++c) header[c] = std::string(kLayerColumns[c].title);
  columns.measure(header);
  for (const auto& row : rows) columns.measure(row);
  columns.measure(total_row);
  out << columns.line(header) << '\n';
  for (const auto& row : rows) out << columns.line(row) << '\n';
  out << columns.rule() << '\n' << columns.line(total_row) << '\n';
  out << '\n';

  out << fmt::format("Summary: {} takes {}; {} attained at {} FLOP/B.\n", result.model_name,
                     human::time_summary(totals, options.time_model), format_rate(totals.attainable_flops_per_s),
                     format_number(totals.intensity));
  out << "Memory: " << human::memory_summary(totals) << ".\n";
  if (human::fuses_any(options)) out << "Fusion: " << human::kFusionNote << ".\n";
  for (const auto& note : result.notes) out << "note: " << note << '\n';
}

std::string memory_fit_text(const Totals& totals) {
  return human::memory_summary(totals);
}

}  // namespace convroof
