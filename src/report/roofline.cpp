// The roofline chart as data (chart.hpp): roofs, slopes, ridge points, one point per layer
// and the compare arrows, with decade-aligned axis ranges. render_roofline_svg draws it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "convroof/chart.hpp"
#include "convroof/units.hpp"

namespace convroof {

// Linear position between the decades lo and hi: log10(value / lo) / log10(hi / lo) of the span.
double log_position(double value, double lo, double hi, double pixels) {
  return (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * pixels;
}

namespace {

// The smallest of 1, 2 or 5 times a power of ten that is >= value.
double nice_ceiling(double value) {
  double decade = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (decade * step >= value * (1 - 1e-12)) return decade * step;
  return decade * 10;
}

class ChartBuilder {
 public:
  std::size_t hardware_index(const HardwareSpec& hardware) {
    auto found = std::find(chart.hardware.begin(), chart.hardware.end(), hardware.id);
    if (found != chart.hardware.end()) return static_cast<std::size_t>(found - chart.hardware.begin());
    chart.hardware.push_back(hardware.id);
    const double activation_bandwidth = *hardware.activation_level().bandwidth_bytes_per_s;
    for (const auto& level : hardware.memory)
      if (level.bandwidth_bytes_per_s)
        chart.slopes.push_back(ChartSlope{chart.hardware.size() - 1, level.name, *level.bandwidth_bytes_per_s, 0,
                                          &level == &hardware.activation_level()});
    bandwidth_.push_back(activation_bandwidth);
    return chart.hardware.size() - 1;
  }

  // The roof of `unit` at `precision` on hardware `hw` (once each).
  void add_roof(std::size_t hw, const std::string& unit, Precision precision, double peak) {
    for (const auto& roof : chart.roofs)
      if (roof.hardware == hw && roof.unit == unit && roof.precision == precision) return;
    chart.roofs.push_back(ChartRoof{hw, unit, precision, peak, peak / bandwidth_[hw]});
  }

  // Every layer's roof; its point when it has FLOPs, bytes and time of its own. Returns the
  // first standard conv's point, if one was plotted (where a compare arrow starts).
  std::optional<std::size_t> add_result(const AnalysisResult& result) {
    const std::size_t hw = hardware_index(result.hardware);
    UnitChoice main = result.hardware.unit_for(OpClass::standard, result.options.precision);
    add_roof(hw, main.unit->name, result.options.precision, main.peak_flops_per_s);
    std::optional<std::size_t> first;
    for (const auto& layer : result.layers) {
      if (layer.flops > 0) add_roof(hw, layer.unit, layer.dtype, layer.peak_flops_per_s);
      auto index = add_layer_point(hw, result, layer);
      if (index && layer.kind == OpClass::standard && !first) first = index;
    }
    return first;
  }

  std::optional<std::size_t> add_layer_point(std::size_t hw, const AnalysisResult& result, const LayerCost& layer) {
    const double time = layer.time.total;
    if (layer.flops == 0 || layer.bytes.total() == 0 || time <= 0) {
      ++chart.hidden_layers;
      return std::nullopt;
    }
    ChartPoint point;
    point.hardware = hw;
    point.label = layer.name;
    point.kind = plot_kind(layer.kind);
    point.intensity = layer.intensity;
    point.flops_per_s = static_cast<double>(layer.flops) / time;
    point.title = fmt::format(
        "{} ({}, {}) on {}\n{} FLOPs, {} moved: {} FLOP/B\nattained {} of the {} roof {} ({} x eta {})\nT {}: "
        "{}-bound",
        layer.name, op_class_name(layer.kind), layer_op_info(layer.op).name, result.hardware.id,
        format_count(static_cast<double>(layer.flops)), format_bytes(static_cast<double>(layer.bytes.total())),
        format_number(layer.intensity), format_rate(point.flops_per_s), layer.unit,
        format_rate(layer.peak_flops_per_s * layer.efficiency), precision_name(layer.dtype),
        format_number(layer.efficiency), format_time(time), bound_name(layer.bound));
    chart.points.push_back(std::move(point));
    return chart.points.size() - 1;
  }

  // A compare block's totals: the hollow marker its arrow points at.
  std::size_t add_block_point(std::size_t hw, const AnalysisResult& result, const std::string& label) {
    const Totals& totals = result.totals;
    const double time = totals.time.total;
    ChartPoint point;
    point.hardware = hw;
    point.label = label;
    point.kind = PlotKind::other;
    point.block = true;
    point.intensity = totals.intensity;
    point.flops_per_s = time > 0 ? static_cast<double>(totals.flops) / time : 0;
    point.title = fmt::format("{} on {}: {} FLOPs, {} moved: {} FLOP/B\nattained {}, T {}: {}-bound", label,
                              result.hardware.id, format_count(static_cast<double>(totals.flops)),
                              format_bytes(static_cast<double>(totals.bytes.total())), format_number(totals.intensity),
                              format_rate(point.flops_per_s), format_time(time), bound_name(totals.bound));
    chart.points.push_back(std::move(point));
    return chart.points.size() - 1;
  }

  void add_arrow(std::size_t from, std::size_t to, std::string label) {
    chart.arrows.push_back(ChartArrow{from, to, std::move(label)});
  }

  // Slope ridges, then axis ranges that hold every point, roof and ridge: from a power of
  // ten up to 1, 2 or 5 times one, with room right of the last ridge (x2.5) so each roof
  // shows as a line, and above the highest roof (x1.4) for its label.
  RooflineChart finish(std::string title) {
    chart.title = std::move(title);
    double top_roof = 0;
    for (auto& slope : chart.slopes) {
      double highest = 0;
      for (const auto& roof : chart.roofs)
        if (roof.hardware == slope.hardware) highest = std::max(highest, roof.flops_per_s);
      slope.ridge_intensity = highest / slope.bytes_per_s;
    }
    double x_low = INFINITY, x_high = 0, y_low = INFINITY;
    auto take_x = [&](double x) {
      if (x > 0 && std::isfinite(x)) x_low = std::min(x_low, x), x_high = std::max(x_high, x);
    };
    for (const auto& roof : chart.roofs) take_x(roof.ridge_intensity), top_roof = std::max(top_roof, roof.flops_per_s);
    for (const auto& slope : chart.slopes) take_x(slope.ridge_intensity);
    for (const auto& point : chart.points) {
      if (point.flops_per_s <= 0 || point.intensity <= 0) continue;
      take_x(point.intensity);
      y_low = std::min(y_low, point.flops_per_s);
    }
    y_low = std::min(y_low, top_roof / 100);
    chart.x_min = std::pow(10.0, std::floor(std::log10(x_low)));
    chart.x_max = std::max(nice_ceiling(x_high * 2.5), chart.x_min * 100);
    chart.y_max = nice_ceiling(top_roof * 1.4);
    chart.y_min = std::pow(10.0, std::floor(std::log10(y_low)));
    return std::move(chart);
  }

 private:
  RooflineChart chart;
  std::vector<double> bandwidth_;  // per hardware: the activation level's, for roof ridges
};

}  // namespace

RooflineChart roofline_chart(const std::vector<AnalysisResult>& results) {
  ChartBuilder builder;
  std::vector<std::string> ids;  // "v100 (fp16)": each hardware has its own default precision
  for (const auto& result : results) {
    builder.add_result(result);
    ids.push_back(fmt::format("{} ({})", result.hardware.id, precision_name(result.options.precision)));
  }
  const AnalysisResult& first = results.front();
  return builder.finish(fmt::format("Roofline: {} on {}; batch {}, {} time", first.model_name, join(ids),
                                    first.options.batch, time_model_name(first.options.time_model)));
}

RooflineChart roofline_chart(const Comparison& comparison) {
  ChartBuilder builder;
  std::vector<std::string> ids;
  for (const auto& target : comparison.targets) {
    builder.hardware_index(target.hardware);
    ids.push_back(target.hardware.id);
  }
  for (const auto& block : comparison.blocks) {
    const ConvPair& pair = comparison.pairs[block.pair];
    // Standard -> separable: `before` is the standard conv when the block goes to_dwsep.
    const bool standard_first = pair.direction == Transform::to_dwsep;
    const AnalysisResult& standard = standard_first ? block.before : block.after;
    const AnalysisResult& separable = standard_first ? block.after : block.before;
    builder.add_result(separable);
    std::optional<std::size_t> from = builder.add_result(standard);
    const std::size_t hw = builder.hardware_index(standard.hardware);
    std::size_t to = builder.add_block_point(hw, separable, fmt::format("{} (separable)", pair.label));
    if (from) builder.add_arrow(*from, to, fmt::format("[{}]", block.pair + 1));
  }
  return builder.finish(
      fmt::format("Roofline: {}, standard -> depthwise-separable on {}", comparison.model_name, join(ids)));
}

}  // namespace convroof
