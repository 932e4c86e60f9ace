// Human table: one row per layer in human units, a totals row, then a summary that
// names the binding term and the capacity verdict. Columns are sized to their content.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "convroof/report.hpp"
#include "convroof/units.hpp"

namespace convroof {

namespace {

struct Column {
  std::string_view title;
  bool left_aligned;
};

constexpr std::array kColumns{
    Column{"#", false},    Column{"layer", true},  Column{"kind", true},    Column{"output", true},
    Column{"MACs", false}, Column{"FLOPs", false}, Column{"bytes", false},  Column{"FLOP/B", false},
    Column{"roof", true},  Column{"T_mem", false}, Column{"T_comp", false}, Column{"L", false},
    Column{"T", false},    Column{"bound", true},
};

using Row = std::array<std::string, kColumns.size()>;

// One row: identification columns, then the cost columns every row shares.
Row make_row(std::string index, std::string name, std::string kind, std::string shape, std::uint64_t macs,
             std::uint64_t flops, const ByteCounts& bytes, double intensity, std::string roof, const TimeTerms& time,
             Bound bound, TimeModel model) {
  return Row{std::move(index),
             std::move(name),
             std::move(kind),
             std::move(shape),
             format_count(static_cast<double>(macs)),
             format_count(static_cast<double>(flops)),
             format_bytes(static_cast<double>(bytes.total())),
             format_number(intensity),
             std::move(roof),
             format_time(time.memory),
             format_time(time.compute),
             format_time(time.overhead),
             format_time(chosen_time(time, model)),
             std::string(bound_name(bound))};
}

std::string percent(double part, double whole) {
  double value = whole > 0 ? 100.0 * part / whole : 0.0;
  if (value == 0 || value >= 0.1) return fmt::format("{:.1f} %", value);
  return value >= 0.001 ? fmt::format("{} %", format_number(value, 2)) : std::string("< 0.001 %");
}

}  // namespace

void render_table(const AnalysisResult& result, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Options& options = result.options;
  const Totals& totals = result.totals;
  out << fmt::format("convroof {}: {} on {} ({})\n", version(), result.model_name, hw.id, hw.name);
  out << fmt::format("precision {}, batch {}, time model {}, traffic {}, fuse {}{}\n",
                     precision_name(options.precision), options.batch, time_model_name(options.time_model),
                     choice_name(kTrafficModels, options.traffic), choice_name(kFuseModes, options.fuse),
                     options.transform == Transform::none
                         ? std::string()
                         : fmt::format(", transform {}", transform_name(options.transform)));
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
                     join(levels), format_time(hw.overhead_s));
  for (const auto& assignment : options.overrides) out << "what-if: --set " << assignment << '\n';
  out << '\n';

  std::vector<Row> rows;
  rows.reserve(result.layers.size() + 1);
  for (const auto& layer : result.layers)
    rows.push_back(make_row(std::to_string(layer.index), (layer.runs_in == layer.name ? "" : "+ ") + layer.name,
                            std::string(op_class_name(layer.kind)), shape_text(layer.output_shape), layer.macs,
                            layer.flops, layer.bytes, layer.intensity,
                            fmt::format("{} {}", layer.unit, format_rate(layer.peak_flops_per_s * layer.efficiency)),
                            layer.time, layer.bound, options.time_model));
  Row total_row = make_row("", "total", "", "", totals.macs, totals.flops, totals.bytes, totals.intensity, "",
                           totals.time, totals.bound, options.time_model);

  std::array<std::size_t, kColumns.size()> width{};
  auto measure = [&](const Row& row) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  };
  Row header;
  for (std::size_t c = 0; c < kColumns.size(); ++c) header[c] = std::string(kColumns[c].title);
  measure(header);
  for (const auto& row : rows) measure(row);
  measure(total_row);
  auto print = [&](const Row& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) line += "  ";
      line +=
          kColumns[c].left_aligned ? fmt::format("{:<{}}", row[c], width[c]) : fmt::format("{:>{}}", row[c], width[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print(header);
  for (const auto& row : rows) print(row);
  std::size_t rule = 0;
  for (auto w : width) rule += w + 2;
  out << std::string(rule - 2, '-') << '\n';
  print(total_row);
  out << '\n';

  const double time = chosen_time(totals.time, options.time_model);
  double binding = totals.bound == Bound::memory    ? totals.time.memory
                   : totals.bound == Bound::compute ? totals.time.compute
                                                    : totals.time.overhead;
  std::string_view term = totals.bound == Bound::memory    ? "memory traffic D/BW"
                          : totals.bound == Bound::compute ? "compute O/(R*eta)"
                                                           : "per-layer overhead L";
  std::string terms = fmt::format("{} + {} + {}", format_time(totals.time.memory), format_time(totals.time.compute),
                                  format_time(totals.time.overhead));
  std::string how = options.time_model == TimeModel::iron_law
                        ? fmt::format("Iron Law, T = T_mem + T_comp + L = {}", terms)
                        : fmt::format("roofline, per layer max(T_mem, T_comp) + L; summed terms {}", terms);
  out << fmt::format("Summary: {} takes {} ({}): {}-bound, {} is {} of the Iron-Law sum; {} attained at {} FLOP/B.\n",
                     result.model_name, format_time(time), how, bound_name(totals.bound), term,
                     percent(binding, totals.time.total), format_rate(totals.attainable_flops_per_s),
                     format_number(totals.intensity));
  out << fmt::format("Memory: weights {} + peak activations {} = {} of {}: {}.\n",
                     format_bytes(static_cast<double>(totals.weight_bytes)),
                     format_bytes(static_cast<double>(totals.peak_activation_bytes)),
                     format_bytes(static_cast<double>(totals.peak_memory_bytes)), format_bytes(totals.capacity_bytes),
                     totals.fits ? fmt::format("fits ({} used)", percent(totals.capacity_ratio, 1.0))
                                 : fmt::format("does NOT fit, {}x over", format_number(totals.capacity_ratio)));
  if (options.fuse != Fuse::none)
    out << "Fusion: a name marked '+ ' runs inside the kernel of the layer it reads (no launch of its own; its input "
           "stays on chip).\n";
  for (const auto& note : result.notes) out << "note: " << note << '\n';
}

}  // namespace convroof
