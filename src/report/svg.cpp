// SVG drawing of the charts in chart.hpp: one self-contained file (no scripts, no external
// fonts or images), coordinates with two decimals, so the same chart gives the same bytes.
// Browsers and rsvg-convert both render it; hover titles are <title> children.
// clang-format off
//   <svg xmlns="http://www.w3.org/2000/svg" width="960" height="600" viewBox="0 0 960 600" …>
//   <g class="roofs"><line class="roof" data-hardware="orin" data-unit="tensor" …/>…
//   <path class="point" data-layer="conv1" data-kind="standard" data-x="39.21" data-y="1.674e+12" d="…"><title>…</title></path>
// clang-format on
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "convroof/chart.hpp"
#include "convroof/units.hpp"
#include "html_writer.hpp"

namespace convroof {

namespace {

// One per row of kPlotKinds, in its order.
constexpr std::array<std::string_view, kPlotKinds.size()> kKindColours{"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                                                       "#7f7f7f"};
constexpr std::array<std::string_view, 6> kHardwareColours{"#222222", "#e6550d", "#17becf",
                                                           "#8c564b", "#e377c2", "#bcbd22"};
constexpr std::string_view kFont = "DejaVu Sans, Arial, Helvetica, sans-serif";

std::string_view hardware_colour(std::size_t index) {
  return kHardwareColours[index % kHardwareColours.size()];
}

std::string px(double value) {
  std::string text = fmt::format("{:.2f}", value);
  return text == "-0.00" ? "0.00" : text;
}

// "1 GFLOP/s", "10 us", "100k": a power of ten with an SI prefix (u for micro).
std::string decade_label(double value, std::string_view unit) {
  static constexpr std::array<std::string_view, 11> kPrefixes{"p", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  int exponent = static_cast<int>(std::lround(std::log10(value)));
  int group = static_cast<int>(std::floor(exponent / 3.0));
  group = std::clamp(group, -4, 6);
  int mantissa_exponent = exponent - 3 * group;
  std::string mantissa = mantissa_exponent >= 0
                             ? std::to_string(static_cast<long long>(std::pow(10, mantissa_exponent)))
                             : fmt::format("{:g}", std::pow(10.0, mantissa_exponent));
  std::string_view prefix = kPrefixes[static_cast<std::size_t>(group + 4)];
  if (unit.empty()) return mantissa + std::string(prefix);
  return fmt::format("{} {}{}", mantissa, prefix, unit);
}

// A marker of shape `shape` (per hardware) centred at (x, y): circle, square, triangle,
// diamond, inverted triangle.
std::string marker_path(std::size_t shape, double x, double y, double r) {
  switch (shape % 5) {
    case 0:
      return fmt::format("M{},{} a{},{} 0 1,0 {},0 a{},{} 0 1,0 {},0 z", px(x - r), px(y), px(r), px(r), px(2 * r),
                         px(r), px(r), px(-2 * r));
    case 1:
      return fmt::format("M{},{} h{} v{} h{} z", px(x - r), px(y - r), px(2 * r), px(2 * r), px(-2 * r));
    case 2:
      return fmt::format("M{},{} L{},{} L{},{} z", px(x), px(y - r * 1.2), px(x + r * 1.1), px(y + r * 0.8),
                         px(x - r * 1.1), px(y + r * 0.8));
    case 3:
      return fmt::format("M{},{} L{},{} L{},{} L{},{} z", px(x), px(y - r * 1.3), px(x + r * 1.3), px(y), px(x),
                         px(y + r * 1.3), px(x - r * 1.3), px(y));
    default:
      return fmt::format("M{},{} L{},{} L{},{} z", px(x), px(y + r * 1.2), px(x + r * 1.1), px(y - r * 0.8),
                         px(x - r * 1.1), px(y - r * 0.8));
  }
}

// One axis: a data range drawn over a pixel span, log10 or linear.
struct Axis {
  double lo = 1, hi = 10;
  bool log = true;
  double start = 0, span = 1;  // pixel of lo, pixels from lo to hi (negative: upwards)
  double at(double value) const {
    return start + (log ? log_position(value, lo, hi, span) : (value - lo) / (hi - lo) * span);
  }
};

// Powers of ten from lo to hi: major ticks; 2..9 times them: minor ones.
std::vector<double> decades(double lo, double hi) {
  std::vector<double> out;
  for (int e = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
       e <= static_cast<int>(std::floor(std::log10(hi) + 1e-9)); ++e)
    out.push_back(std::pow(10.0, e));
  return out;
}

class Svg {
 public:
  Svg(int width, int height, std::string_view title) {
    out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out_ << fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"{2}\" font-size=\"12\">\n",
        width, height, kFont);
    out_ << "<title>" << escape_markup(title) << "</title>\n";
    out_ << "<defs>\n<marker id=\"convroof-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
            "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444444\"/>"
            "</marker>\n";
  }
  std::ostringstream& raw() { return out_; }
  void text(double x, double y, std::string_view content, std::string_view extra = "") {
    out_ << fmt::format("<text x=\"{}\" y=\"{}\"{}{}>{}</text>\n", px(x), px(y), extra.empty() ? "" : " ", extra,
                        escape_markup(content));
  }
  void line(double x1, double y1, double x2, double y2, std::string_view extra) {
    out_ << fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>\n", px(x1), px(y1), px(x2), px(y2), extra);
  }
  // Grid, frame, ticks and labels of a log-log (or lin-log) panel.
  void axes(const Axis& x, const Axis& y, const std::vector<std::pair<double, std::string>>& x_ticks,
            std::string_view y_unit, std::string_view x_title, std::string_view y_title) {
    const double left = x.start, right = x.start + x.span, bottom = y.start, top = y.start + y.span;
    out_ << "<g class=\"axes\">\n";
    for (const auto& [value, label] : x_ticks) {
      double at = x.at(value);
      line(at, top, at, bottom, "stroke=\"#e4e4e4\"");
      line(at, bottom, at, bottom + 5, "stroke=\"#333333\"");
      text(at, bottom + 18, label, "text-anchor=\"middle\" class=\"x-tick\"");
    }
    if (x.log)
      for (double decade : decades(x.lo, x.hi))
        for (int m = 2; m <= 9 && decade * m < x.hi; ++m)
          line(x.at(decade * m), bottom, x.at(decade * m), bottom + 3, "stroke=\"#999999\"");
    for (double decade : decades(y.lo, y.hi)) {
      double at = y.at(decade);
      line(left, at, right, at, "stroke=\"#e4e4e4\"");
      line(left - 5, at, left, at, "stroke=\"#333333\"");
      text(left - 8, at + 4, decade_label(decade, y_unit), "text-anchor=\"end\" class=\"y-tick\"");
      for (int m = 2; m <= 9 && decade * m < y.hi; ++m)
        line(left - 3, y.at(decade * m), left, y.at(decade * m), "stroke=\"#999999\"");
    }
    out_ << fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333333\"/>\n",
                        px(left), px(top), px(right - left), px(bottom - top));
    text((left + right) / 2, bottom + 38, x_title, "text-anchor=\"middle\" class=\"x-title\"");
    text(0, 0, y_title,
         fmt::format("text-anchor=\"middle\" class=\"y-title\" transform=\"translate({},{}) rotate(-90)\"",
                     px(left - 84), px((top + bottom) / 2)));
    out_ << "</g>\n";
  }
  // A clip rectangle for what is drawn inside a panel.
  void clip(std::string_view id, double left, double top, double width, double height) {
    out_ << fmt::format("<clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n", id,
                        px(left), px(top), px(width), px(height));
  }
  std::string finish() {
    out_ << "</svg>\n";
    return out_.str();
  }

 private:
  std::ostringstream out_;
};

// Text labels placed so that none overlaps another: each takes the first free row at or near
// where it wants to be, trying y, then y + step, y - step, y + 2 step, … up to 6 rows away
// (then it stays where it wanted to be); boxes from an estimate of 6.5 px per character.
class LabelPlacer {
 public:
  // `anchor_right`: x is the label's right end (text-anchor end), else its left end.
  double place(double x, double y, std::size_t characters, bool anchor_right, double step = 13) {
    const double width = 6.5 * static_cast<double>(characters), height = 11;
    const double left = anchor_right ? x - width : x;
    for (int attempt = 0; attempt < 13; ++attempt) {  // at most 6 rows away: still next to its line
      const int k = (attempt + 1) / 2;
      const double candidate = y + (attempt % 2 == 1 ? k : -k) * step;
      if (free(left, candidate - height, width, height)) {
        boxes_.push_back({left, candidate - height, width, height});
        return candidate;
      }
    }
    boxes_.push_back({left, y - height, width, height});
    return y;
  }

 private:
  struct Box {
    double x, y, w, h;
  };
  bool free(double x, double y, double w, double h) const {
    return std::none_of(boxes_.begin(), boxes_.end(), [&](const Box& b) {
      return x < b.x + b.w && b.x < x + w && y < b.y + b.h && b.y < y + h;
    });
  }
  std::vector<Box> boxes_;
};

}  // namespace

void render_roofline_svg(const RooflineChart& chart, std::ostream& out) {
  const PlotArea area;
  Svg svg(960, 600, chart.title);
  svg.clip("convroof-plot-area", area.left, area.top, area.width, area.height);
  svg.raw() << "</defs>\n<rect width=\"960\" height=\"600\" fill=\"#ffffff\"/>\n";
  svg.text(area.left + area.width / 2, 28, chart.title,
           "text-anchor=\"middle\" font-size=\"15\" class=\"chart-title\"");
  const Axis x{chart.x_min, chart.x_max, true, area.left, area.width};
  const Axis y{chart.y_min, chart.y_max, true, area.top + area.height, -area.height};
  std::vector<std::pair<double, std::string>> x_ticks;
  for (double decade : decades(chart.x_min, chart.x_max)) x_ticks.emplace_back(decade, decade_label(decade, ""));
  svg.axes(x, y, x_ticks, "FLOP/s", "arithmetic intensity (FLOP/B)",
           "attained FLOP/s = FLOPs / T (integer precisions: ops/s)");

  auto& s = svg.raw();
  s << "<g clip-path=\"url(#convroof-plot-area)\">\n<g class=\"slopes\">\n";
  for (const auto& slope : chart.slopes) {
    // y = bandwidth · x from the left edge (or where it enters the panel) to its ridge.
    double x_start = std::max(chart.x_min, chart.y_min / slope.bytes_per_s);
    double x_end = std::min(slope.ridge_intensity, chart.x_max);
    std::string_view colour = hardware_colour(slope.hardware);
    s << fmt::format(
        "<line class=\"slope\" data-hardware=\"{}\" data-level=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
        "stroke=\"{}\" stroke-width=\"2\"{}><title>{} {}: {} (slope: attained = intensity x "
        "bandwidth)</title></line>\n",
        escape_markup(chart.hardware[slope.hardware]), escape_markup(slope.level), px(x.at(x_start)),
        px(y.at(x_start * slope.bytes_per_s)), px(x.at(x_end)), px(y.at(x_end * slope.bytes_per_s)), colour,
        slope.activation_level ? "" : " stroke-dasharray=\"6 3\"", escape_markup(chart.hardware[slope.hardware]),
        escape_markup(slope.level), format_bandwidth(slope.bytes_per_s));
    // Label along the slope, a third of the way up its visible part.
    double label_x = std::pow(10.0, (2 * std::log10(x_start) + std::log10(x_end)) / 3);
    double angle =
        std::atan2(y.at(x_end * slope.bytes_per_s) - y.at(x_start * slope.bytes_per_s), x.at(x_end) - x.at(x_start)) *
        180 / M_PI;
    svg.text(0, 0,
             fmt::format("{} {} {}", chart.hardware[slope.hardware], slope.level, format_bandwidth(slope.bytes_per_s)),
             fmt::format("class=\"slope-label\" fill=\"{}\" transform=\"translate({},{}) rotate({})\"", colour,
                         px(x.at(label_x)), px(y.at(label_x * slope.bytes_per_s) - 6), px(angle)));
  }
  s << "</g>\n<g class=\"roofs\">\n";
  LabelPlacer labels;  // roof, ridge and arrow labels: none on top of another
  for (const auto& roof : chart.roofs) {
    std::string_view colour = hardware_colour(roof.hardware);
    double at = y.at(roof.flops_per_s);
    std::string name = fmt::format("{} {} {}: {}", chart.hardware[roof.hardware], roof.unit,
                                   precision_name(roof.precision), format_rate(roof.flops_per_s));
    s << fmt::format(
        "<line class=\"roof\" data-hardware=\"{}\" data-unit=\"{}\" data-precision=\"{}\" x1=\"{}\" y1=\"{}\" "
        "x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"><title>{}</title></line>\n",
        escape_markup(chart.hardware[roof.hardware]), escape_markup(roof.unit), precision_name(roof.precision),
        px(x.at(std::max(roof.ridge_intensity, chart.x_min))), px(at), px(x.at(chart.x_max)), px(at), colour,
        escape_markup(name));
    // Above the line, or below it where the line runs along the top of the panel; moved off
    // another roof's label (two hardware with the same peak).
    const double label_y =
        labels.place(area.left + area.width - 4, at - area.top < 18 ? at + 15 : at - 5, name.size(), true);
    svg.text(area.left + area.width - 4, label_y, name,
             fmt::format("text-anchor=\"end\" class=\"roof-label\" fill=\"{}\"", colour));
  }
  s << "</g>\n<g class=\"ridges\">\n";
  for (const auto& roof : chart.roofs) {
    double cx = x.at(roof.ridge_intensity), cy = y.at(roof.flops_per_s);
    s << fmt::format(
        "<circle class=\"ridge\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"1.5\">"
        "<title>ridge of {} {} {}: {} FLOP/B</title></circle>\n",
        px(cx), px(cy), hardware_colour(roof.hardware), escape_markup(chart.hardware[roof.hardware]),
        escape_markup(roof.unit), precision_name(roof.precision), format_number(roof.ridge_intensity));
    // Right of the point, or left of it near the right edge (about 6 px a character).
    std::string label = fmt::format("ridge {}", format_number(roof.ridge_intensity));
    const bool room = cx + 6 + 6.0 * static_cast<double>(label.size()) < area.left + area.width;
    svg.text(room ? cx + 6 : cx - 6, labels.place(room ? cx + 6 : cx - 6, cy + 14, label.size(), !room, 11), label,
             fmt::format("class=\"ridge-label\" font-size=\"10\" fill=\"{}\"{}", hardware_colour(roof.hardware),
                         room ? "" : " text-anchor=\"end\""));
  }
  s << "</g>\n<g class=\"arrows\">\n";
  for (const auto& arrow : chart.arrows) {
    const ChartPoint& from = chart.points[arrow.from];
    const ChartPoint& to = chart.points[arrow.to];
    s << fmt::format(
        "<line class=\"arrow\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444444\" stroke-width=\"1.2\" "
        "marker-end=\"url(#convroof-arrow)\"><title>{} -> {}</title></line>\n",
        px(x.at(from.intensity)), px(y.at(from.flops_per_s)), px(x.at(to.intensity)), px(y.at(to.flops_per_s)),
        escape_markup(from.label), escape_markup(to.label));
    // Every arrow is labelled with its block, at its middle, off the other labels.
    if (!arrow.label.empty()) {
      const double mx = (x.at(from.intensity) + x.at(to.intensity)) / 2 + 4;
      const double my = (y.at(from.flops_per_s) + y.at(to.flops_per_s)) / 2;
      svg.text(mx, labels.place(mx, my, arrow.label.size(), false, 11), arrow.label,
               "class=\"arrow-label\" font-size=\"10\" fill=\"#444444\"");
    }
  }
  s << "</g>\n<g class=\"points\">\n";
  for (const auto& point : chart.points) {
    std::string_view colour = kKindColours[static_cast<std::size_t>(point.kind)];
    s << fmt::format(
        "<path class=\"{}\" data-hardware=\"{}\" data-layer=\"{}\" data-kind=\"{}\" data-x=\"{}\" data-y=\"{}\" "
        "d=\"{}\" {}><title>{}</title></path>\n",
        point.block ? "block" : "point", escape_markup(chart.hardware[point.hardware]), escape_markup(point.label),
        plot_kind_name(point.kind), fmt::format("{}", point.intensity), fmt::format("{}", point.flops_per_s),
        marker_path(point.hardware, x.at(point.intensity), y.at(point.flops_per_s), point.block ? 6 : 4.5),
        point.block ? "fill=\"none\" stroke=\"#444444\" stroke-width=\"1.5\""
                    : fmt::format("fill=\"{}\" fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.6\"", colour),
        escape_markup(point.title));
  }
  s << "</g>\n</g>\n";

  // Legend: kinds by colour, hardware by marker and line colour.
  const double legend_x = area.left + area.width + 24;
  double legend_y = area.top + 8;
  s << "<g class=\"legend\">\n";
  svg.text(legend_x, legend_y, "layer kind", "font-weight=\"bold\"");
  for (std::size_t k = 0; k < kPlotKinds.size(); ++k) {
    legend_y += 18;
    s << fmt::format("<path d=\"{}\" fill=\"{}\"/>\n", marker_path(0, legend_x + 5, legend_y - 4, 4.5),
                     kKindColours[k]);
    svg.text(legend_x + 16, legend_y, kPlotKinds[k].name);
  }
  legend_y += 30;
  svg.text(legend_x, legend_y, "hardware (marker, lines)", "font-weight=\"bold\"");
  for (std::size_t h = 0; h < chart.hardware.size(); ++h) {
    legend_y += 18;
    s << fmt::format("<path d=\"{}\" fill=\"#555555\"/>\n", marker_path(h, legend_x + 5, legend_y - 4, 4.5));
    svg.line(legend_x + 14, legend_y - 4, legend_x + 34, legend_y - 4,
             fmt::format("stroke=\"{}\" stroke-width=\"2\"", hardware_colour(h)));
    svg.text(legend_x + 40, legend_y, chart.hardware[h]);
  }
  if (std::any_of(chart.slopes.begin(), chart.slopes.end(),
                  [](const ChartSlope& slope) { return !slope.activation_level; })) {
    legend_y += 18;
    svg.line(legend_x + 14, legend_y - 4, legend_x + 34, legend_y - 4, "stroke=\"#555555\" stroke-dasharray=\"6 3\"");
    svg.text(legend_x + 40, legend_y, "other memory level");
  }
  if (!chart.arrows.empty()) {
    legend_y += 30;
    svg.line(legend_x, legend_y - 4, legend_x + 34, legend_y - 4,
             "stroke=\"#444444\" stroke-width=\"1.2\" marker-end=\"url(#convroof-arrow)\"");
    svg.text(legend_x + 40, legend_y, "standard -> separable");
    legend_y += 18;
    s << fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1.5\"/>\n",
                     marker_path(0, legend_x + 5, legend_y - 4, 6));
    svg.text(legend_x + 16, legend_y, "separable block total");
  }
  legend_y += 30;
  svg.text(legend_x, legend_y, fmt::format("{} points", chart.points.size()), "class=\"point-count\"");
  if (chart.hidden_layers > 0) {
    legend_y += 16;
    svg.text(legend_x, legend_y, fmt::format("{} layers not shown:", chart.hidden_layers),
             "class=\"hidden-count\" font-size=\"11\"");
    legend_y += 14;
    svg.text(legend_x, legend_y, "no FLOPs, bytes or time of", "font-size=\"11\"");
    legend_y += 14;
    svg.text(legend_x, legend_y, "their own (views, fused)", "font-size=\"11\"");
  }
  s << "</g>\n";
  out << svg.finish();
}

void render_sweep_svg(const Sweep& sweep, std::ostream& out) {
  const std::string parameter(choice_name(kSweepParameters, sweep.range.parameter));
  const std::string title = fmt::format("Sweep: {} over {} on {} (standard vs depthwise-separable)", sweep.model_name,
                                        parameter, join(sweep.hardware));
  constexpr double kLeft = 110, kWidth = 580, kPanelHeight = 240, kTops[2] = {50, 360};
  Svg svg(960, 660, title);
  svg.clip("convroof-panel-0", kLeft, kTops[0], kWidth, kPanelHeight);
  svg.clip("convroof-panel-1", kLeft, kTops[1], kWidth, kPanelHeight);
  svg.raw() << "</defs>\n<rect width=\"960\" height=\"660\" fill=\"#ffffff\"/>\n";
  svg.text(kLeft + kWidth / 2, 28, title, "text-anchor=\"middle\" font-size=\"15\" class=\"chart-title\"");
  const auto& values = sweep.range.values;
  const bool log_x = sweep.range.geometric || (values.size() > 1 && values.back() >= 16 * values.front());
  Axis x{static_cast<double>(values.front()), static_cast<double>(values.back()), log_x, kLeft, kWidth};
  if (x.lo == x.hi) x.lo /= 2, x.hi *= 2;  // one value: centred
  std::vector<std::pair<double, std::string>> x_ticks;
  std::size_t every = (values.size() + 11) / 12;  // at most 12 labels
  for (std::size_t i = 0; i < values.size(); i += every)
    x_ticks.emplace_back(static_cast<double>(values[i]), std::to_string(values[i]));

  auto& s = svg.raw();
  for (int panel = 0; panel < 2; ++panel) {
    // A batch sweep plots per image: the time per image and images/s (N / T), what a batch buys.
    const bool per_image = sweep.range.parameter == SweepParameter::batch;
    auto metric = [panel, per_image](const SweepPoint& point) {
      if (per_image) return panel == 0 ? point.time_per_image : point.images_per_s;
      return panel == 0 ? point.time : point.attained_flops_per_s;
    };
    double lo = INFINITY, hi = 0;
    for (const auto& point : sweep.points)
      if (metric(point) > 0) lo = std::min(lo, metric(point)), hi = std::max(hi, metric(point));
    if (!(hi > 0)) lo = 1, hi = 10;
    Axis y{std::pow(10.0, std::floor(std::log10(lo))), std::pow(10.0, std::ceil(std::log10(hi * 1.0001))), true,
           kTops[panel] + kPanelHeight, -kPanelHeight};
    if (y.hi <= y.lo) y.hi = y.lo * 10;
    svg.axes(x, y, x_ticks, panel == 0 ? "s" : per_image ? "img/s" : "FLOP/s", parameter,
             panel == 0 ? (per_image ? "time per image T/N (log)" : "time T (log)")
                        : (per_image ? "images/s N/T (log)" : "attained FLOP/s (log)"));
    s << fmt::format("<g class=\"series\" data-panel=\"{}\" clip-path=\"url(#convroof-panel-{})\">\n",
                     panel == 0 ? "time" : "attained", panel);
    for (std::size_t t = 0; t < sweep.hardware.size(); ++t)
      for (SweepForm form : {SweepForm::standard, SweepForm::separable}) {
        std::vector<const SweepPoint*> series;
        for (const auto& point : sweep.points)
          if (point.target == t && point.form == form && metric(point) > 0) series.push_back(&point);
        std::string_view colour = hardware_colour(t);
        std::string name = fmt::format("{} {}", sweep.hardware[t], sweep_form_name(form));
        std::string path;
        for (const auto* point : series)
          path += fmt::format("{}{},{} ", path.empty() ? "M" : "L", px(x.at(static_cast<double>(point->value))),
                              px(y.at(metric(*point))));
        if (!path.empty()) path.pop_back();
        s << fmt::format(
            "<path class=\"line\" data-series=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n",
            escape_markup(name), path, colour, form == SweepForm::separable ? " stroke-dasharray=\"7 4\"" : "");
        const SweepPoint* previous = nullptr;
        for (const auto* point : series) {
          double cx = x.at(static_cast<double>(point->value)), cy = y.at(metric(*point));
          const bool flip = previous && previous->bound != point->bound;
          s << fmt::format(
              "<circle class=\"{}\" data-series=\"{}\" data-value=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" "
              "stroke=\"{}\" stroke-width=\"{}\"><title>{}, {}={}: T {}, {} attained, {}-bound{}{}{}</title></circle>\n",
              flip ? "point verdict-change" : "point", escape_markup(name), point->value, px(cx), px(cy), flip ? 6 : 3,
              flip ? "#ffffff" : colour, colour, flip ? 2 : 1, escape_markup(name), parameter, point->value,
              format_time(point->time), format_rate(point->attained_flops_per_s), bound_name(point->bound),
              flip ? fmt::format(" (was {}-bound)", bound_name(previous->bound)) : "",
              point->batch > 1 ? fmt::format("; {} per image, {} images/s", format_time(point->time_per_image),
                                             format_number(point->images_per_s))
                               : "",
              point->fits ? "" : fmt::format("; does NOT fit ({}x over)", format_number(point->capacity_ratio, 3)));
          if (flip) {  // standard labelled above, separable below; left of the point near the right edge
            const bool room = cx + 90 < kLeft + kWidth;
            svg.text(room ? cx + 8 : cx - 8, form == SweepForm::standard ? cy - 8 : cy + 16,
                     fmt::format("{}-bound", bound_name(point->bound)),
                     fmt::format("class=\"verdict-label\" font-size=\"10\" fill=\"{}\"{}", colour,
                                 room ? "" : " text-anchor=\"end\""));
          }
          previous = point;
        }
      }
    s << "</g>\n";
  }

  const double legend_x = kLeft + kWidth + 30;
  double legend_y = kTops[0] + 8;
  s << "<g class=\"legend\">\n";
  svg.text(legend_x, legend_y, "hardware, form", "font-weight=\"bold\"");
  for (std::size_t t = 0; t < sweep.hardware.size(); ++t)
    for (SweepForm form : {SweepForm::standard, SweepForm::separable}) {
      legend_y += 18;
      svg.line(legend_x, legend_y - 4, legend_x + 30, legend_y - 4,
               fmt::format("stroke=\"{}\" stroke-width=\"2\"{}", hardware_colour(t),
                           form == SweepForm::separable ? " stroke-dasharray=\"7 4\"" : ""));
      svg.text(legend_x + 36, legend_y, fmt::format("{} {}", sweep.hardware[t], sweep_form_name(form)));
    }
  legend_y += 26;
  s << fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"#ffffff\" stroke=\"#222222\" stroke-width=\"2\"/>\n",
                   px(legend_x + 15), px(legend_y - 4));
  svg.text(legend_x + 36, legend_y, "verdict changes here");
  legend_y += 26;
  svg.text(legend_x, legend_y, fmt::format("{} time model", time_model_name(sweep.time_model)), "font-size=\"11\"");
  s << "</g>\n";
  out << svg.finish();
}

}  // namespace convroof
