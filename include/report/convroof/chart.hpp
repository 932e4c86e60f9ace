// Charts: first computed as data (every position in data units, log-log), then drawn as a
// self-contained SVG. Tests check the data and the drawn coordinates without a browser.
//
// Roofline (`analyze --format svg`, `compare --format svg`, `convroof plot`):
//   x = arithmetic intensity (FLOP/B), y = attained FLOP/s = FLOPs / T (the time model's T);
//   one horizontal roof per execution unit and precision the layers use, starting at its
//   ridge with the activation memory level; one slope per memory level with a bandwidth,
//   up to its ridge with the highest roof; every layer a point coloured by kind, shaped by
//   hardware, with a hover title; compare charts add an arrow from each standard layer to
//   its depthwise-separable replacement (the block's totals, a hollow marker).
// Sweep (`convroof sweep --format svg`): time and attained FLOP/s against the swept
//   parameter, one line per hardware and form, points where the verdict changes ringed.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "convroof/compare.hpp"
#include "convroof/cost.hpp"
#include "convroof/sweep.hpp"

namespace convroof {

// The five colour groups of the legend: the four op classes of the same name, and the rest.
enum class PlotKind { standard, depthwise, pointwise, dense, other };
inline constexpr std::array kPlotKinds{
    NamedChoice<PlotKind>{PlotKind::standard, "standard", "standard kxk convolutions"},
    NamedChoice<PlotKind>{PlotKind::depthwise, "depthwise", "depthwise convolutions"},
    NamedChoice<PlotKind>{PlotKind::pointwise, "pointwise", "1x1 convolutions"},
    NamedChoice<PlotKind>{PlotKind::dense, "dense", "fully connected layers"},
    NamedChoice<PlotKind>{PlotKind::other, "other", "every other op class"},
};
inline PlotKind plot_kind(OpClass kind) {
  return parse_choice(kPlotKinds, op_class_name(kind)).value_or(PlotKind::other);
}
inline std::string_view plot_kind_name(PlotKind kind) {
  return choice_name(kPlotKinds, kind);
}

struct ChartRoof {
  std::size_t hardware = 0;  // index into RooflineChart::hardware
  std::string unit;
  Precision precision = Precision::fp32;
  double flops_per_s = 0;      // R, the unit's peak at that precision (eta shows in the points)
  double ridge_intensity = 0;  // R / bandwidth of the activation level: where the roof starts
};

struct ChartSlope {
  std::size_t hardware = 0;
  std::string level;
  double bytes_per_s = 0;
  double ridge_intensity = 0;  // highest roof of its hardware / bandwidth: where the slope ends
  bool activation_level = false;
};

struct ChartPoint {
  std::size_t hardware = 0;
  std::string label;  // layer name, or "NAME (block)" for a compare block's totals
  PlotKind kind = PlotKind::other;
  double intensity = 0;    // FLOP/B
  double flops_per_s = 0;  // attained
  std::string title;       // hover text
  bool block = false;      // a compare block's totals (hollow marker)
};

struct ChartArrow {
  std::size_t from = 0, to = 0;  // indices into RooflineChart::points: standard -> separable
  std::string label;             // drawn beside it: the block's number as compare prints it, "[3]"
};

struct RooflineChart {
  std::string title;
  std::vector<std::string> hardware;  // ids, in order
  std::vector<ChartRoof> roofs;
  std::vector<ChartSlope> slopes;
  std::vector<ChartPoint> points;
  std::vector<ChartArrow> arrows;
  std::size_t hidden_layers = 0;  // no FLOPs, no bytes or no time of their own: not on a log-log chart
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;  // axis ranges: powers of ten
};

// One chart for one or more analyses of the same model (one per hardware).
RooflineChart roofline_chart(const std::vector<AnalysisResult>& results);
// Every block of a comparison: both forms' layers, and an arrow per block and hardware.
RooflineChart roofline_chart(const Comparison& comparison);

// Pixel geometry shared by the renderer and the tests: the plot area of the 960x600 canvas.
struct PlotArea {
  double left = 110, top = 50, width = 600, height = 480;
};
// Position of a data value on a log axis from `lo` to `hi` (powers of ten) spanning `pixels`.
double log_position(double value, double lo, double hi, double pixels);

void render_roofline_svg(const RooflineChart& chart, std::ostream& out);
void render_sweep_svg(const Sweep& sweep, std::ostream& out);

}  // namespace convroof
