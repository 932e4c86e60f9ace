// Sweeps: parsing "PARAM=RANGE", setting the parameter in a parsed --layer chain, and running
// analyze_totals() once per value, hardware and form (sweep.hpp).
#include "convroof/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "convroof/transform.hpp"
#include "convroof/units.hpp"

namespace convroof {

namespace {

constexpr std::size_t kMaxSweepValues = 1'000'000;  // a 10^6-point sweep (bench/e2e.sh); each point is ~80 bytes
constexpr long long kMaxSweepValue = 1'000'000'000;

// A positive integer of the range text starting at column `column` (1-based) of `where`.
std::int64_t sweep_value(const std::string& text, const std::string& what, Location where, int column) {
  long long value = 0;
  where.line = 1;  // the argument is one line
  where.column = column;
  if (!parse_int(text, value) || value < 1 || value > kMaxSweepValue)
    throw Error(where, fmt::format("{} must be a positive integer (at most {}), got '{}'", what, kMaxSweepValue, text));
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// A layer with a spatial window larger than 1x1: the one a kernel or stride sweep changes.
bool has_spatial_kernel(const Layer& layer) {
  return has_trait(layer.op, kWindowed) && (layer.kernel[0] > 1 || layer.kernel[1] > 1);
}

}  // namespace

std::string_view sweep_form_name(SweepForm form) {
  return form == SweepForm::standard ? "standard" : "separable";
}

SweepRange parse_sweep_range(const std::string& text, const Location& where) {
  auto equals = text.find('=');
  auto names = choice_names(kSweepParameters);
  if (equals == std::string::npos)
    throw Error(where, fmt::format("expected PARAMETER=RANGE (e.g. channels=8:2048:x2), got '{}'", text));
  SweepRange range;
  std::string name = text.substr(0, equals);
  auto parameter = parse_choice(kSweepParameters, name);
  if (!parameter) throw Error(where, unknown_choice("sweep parameter", name, names));
  range.parameter = *parameter;
  const std::string spec = text.substr(equals + 1);
  const int base = static_cast<int>(equals) + 2;  // column of the range's first character
  if (spec.find(':') != std::string::npos) {
    auto parts = split(spec, ':');
    if (parts.size() < 2 || parts.size() > 3)
      throw Error(where, fmt::format("a range is FIRST:LAST[:xFACTOR|:+STEP], got '{}'", spec));
    std::int64_t first = sweep_value(parts[0], "the range's first value", where, base);
    std::int64_t last = sweep_value(parts[1], "the range's last value", where, base + int(parts[0].size()) + 1);
    if (last < first) throw Error(where, fmt::format("the range {}:{} runs backwards", first, last));
    std::string step = parts.size() == 3 ? parts[2] : "+1";
    int step_column = base + int(parts[0].size() + parts[1].size()) + 2;
    if (step.empty() || (step[0] != 'x' && step[0] != '+'))
      throw Error(Location{where.file, 1, step_column},
                  fmt::format("a range's step is xFACTOR or +STEP (e.g. x2, +32), got '{}'", step));
    range.geometric = step[0] == 'x';
    std::int64_t amount = sweep_value(step.substr(1), "the step", where, step_column + 1);
    if (range.geometric && amount < 2)
      throw Error(Location{where.file, 1, step_column}, "a geometric step must be x2 or more");
    for (std::int64_t value = first; value <= last;) {
      range.values.push_back(value);
      if (range.values.size() > kMaxSweepValues)
        throw Error(where, fmt::format("the range '{}' has more than {} values", spec, kMaxSweepValues));
      value = range.geometric ? value * amount : value + amount;  // both stay below 2^63: value, amount <= 1e9
    }
  } else {
    int column = base;
    for (const auto& part : split(spec, ',')) {
      range.values.push_back(sweep_value(part, "a sweep value", where, column));
      if (range.values.size() > 1 && range.values.back() <= range.values[range.values.size() - 2])
        throw Error(Location{where.file, 1, column},
                    fmt::format("sweep values must increase, got {} after {}", range.values.back(),
                                range.values[range.values.size() - 2]));
      column += static_cast<int>(part.size()) + 1;
    }
    if (range.values.size() > kMaxSweepValues)
      throw Error(where, fmt::format("more than {} sweep values", kMaxSweepValues));
    // A list is geometric when each value is the same multiple of the previous one:
    // v[i] / v[i-1] = v[1] / v[0] (products stay below 1e18).
    range.geometric = range.values.size() >= 3;
    for (std::size_t i = 2; i < range.values.size() && range.geometric; ++i)
      range.geometric = range.values[i] * range.values[0] == range.values[i - 1] * range.values[1];
  }
  return range;
}

std::vector<LayerLineDefault> sweep_line_defaults(const SweepRange& range) {
  if (range.parameter != SweepParameter::channels || range.values.empty()) return {};
  return {LayerLineDefault{LayerOp::conv2d, "filters", range.values.front()}};
}

void vary_model(const Model& base, SweepParameter parameter, std::int64_t value, Model& model) {
  const Location where{"--vary", 0, 0};
  model = base;  // assigned, not constructed: the layers' strings and shapes keep their storage
  switch (parameter) {
    case SweepParameter::channels:
    case SweepParameter::size:
      if (model.input_shape.size() != 4)
        throw Error(
            where, fmt::format("'{}' needs the first --layer's input=HxWxC", choice_name(kSweepParameters, parameter)));
      if (parameter == SweepParameter::size) {
        model.input_shape[1] = model.input_shape[2] = value;
        break;
      }
      model.input_shape[3] = value;
      for (auto& layer : model.layers)  // K = C: every standard convolution keeps the width
        if (layer.op == LayerOp::conv2d) layer.filters = value;
      break;
    case SweepParameter::kernel:
    case SweepParameter::stride: {
      bool changed = false;
      for (std::size_t i = 0; i < model.layers.size(); ++i) {
        if (!has_spatial_kernel(base.layers[i])) continue;  // as given, not as varied
        Layer& layer = model.layers[i];
        if (parameter == SweepParameter::kernel) {
          layer.kernel = {value, value};
        } else {
          layer.stride = {value, value};
          layer.stride_is_kernel = false;  // given now
        }
        changed = true;
      }
      if (!changed)
        throw Error(where, fmt::format("'{}' changes layers with a kernel > 1, and no --layer has one",
                                       choice_name(kSweepParameters, parameter)));
      break;
    }
    case SweepParameter::batch:  // the loaders set N, and refuse it for lumped layers
      throw std::logic_error("vary_model: a batch sweep loads its model with --batch");
  }
  infer_shapes(model);
}

Sweep run_sweep(const SweepRange& range, const SweepModel& model_for, const std::vector<Target>& targets,
                const SweepProgress& progress) {
  Sweep sweep;
  sweep.range = range;
  for (const auto& target : targets) {
    sweep.hardware.push_back(target.hardware.id);
    sweep.options.push_back(target.options);
    sweep.settings.push_back(target.settings);
  }
  if (!targets.empty()) sweep.time_model = targets.front().options.time_model;
  const std::size_t total = range.values.size() * targets.size() * 2;
  sweep.points.reserve(total);
  std::vector<TotalsEvaluator> evaluators;  // per target: the options differ by form only in what they echo
  for (const auto& target : targets) evaluators.emplace_back(target.hardware, target.options);
  // One model and one of each form for every value, so their storage is reused.
  Model model;
  std::array forms{std::pair{SweepForm::standard, Model()}, std::pair{SweepForm::separable, Model()}};
  for (std::int64_t value : range.values) {
    model_for(value, model);
    if (sweep.model_name.empty()) sweep.model_name = model.name;
    apply_transform(model, Transform::to_standard, forms[0].second);
    apply_transform(model, Transform::to_dwsep, forms[1].second);
    // A block changes the layer count of one form (a standard conv becomes dw + pw; dw (+ chain)
    // + pw becomes one conv), so equal counts mean find_pairs() is empty: nothing to compare.
    if (forms[0].second.layers.size() == model.layers.size() && forms[1].second.layers.size() == model.layers.size())
      throw Error(Location{model.origin, 0, 0},
                  fmt::format("'{}' has no standard kxk convolution and no depthwise + pointwise pair: a sweep "
                              "compares the two forms, so there is nothing to compare",
                              model.name));
    for (std::size_t t = 0; t < targets.size(); ++t)
      for (const auto& [form, form_model] : forms) {
        const Totals totals = evaluators[t](form_model);
        SweepPoint point;
        point.value = value;
        point.target = t;
        point.form = form;
        point.macs = totals.macs;
        point.flops = totals.flops;
        point.bytes = totals.bytes.total();
        point.time = totals.time.total;
        point.attained_flops_per_s = point.time > 0 ? static_cast<double>(point.flops) / point.time : 0;
        point.bound = totals.bound;
        point.batch = totals.batch;
        point.time_per_image = totals.time_per_image;
        point.images_per_s = totals.images_per_s;
        point.fits = totals.fits;
        point.capacity_ratio = totals.capacity_ratio;
        sweep.points.push_back(point);
        if (progress) progress(sweep.points.size(), total);
      }
  }
  return sweep;
}

}  // namespace convroof
