// Sweeps: parsing "PARAM=RANGE", setting the parameter in a --layer chain, and running
// analyze_totals() once per value, hardware and form (sweep.hpp).
#include "convroof/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>

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

// The tokens of a one-line layer: the kind, then key=value (spaces inside [...] kept).
std::vector<std::string> tokens_of(const std::string& line) {
  std::vector<std::string> tokens;
  std::string token;
  int depth = 0;
  for (char c : line) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ' ' && depth <= 0) {
      if (!token.empty()) tokens.push_back(std::move(token));
      token.clear();
    } else {
      token += c;
    }
  }
  if (!token.empty()) tokens.push_back(std::move(token));
  return tokens;
}

// The token index holding key=…, or -1.
int find_key(const std::vector<std::string>& tokens, std::string_view key) {
  for (std::size_t i = 1; i < tokens.size(); ++i)
    if (tokens[i].size() > key.size() && tokens[i].compare(0, key.size(), key) == 0 && tokens[i][key.size()] == '=')
      return static_cast<int>(i);
  return -1;
}

void set_key(std::vector<std::string>& tokens, std::string_view key, std::int64_t value) {
  std::string token = fmt::format("{}={}", key, value);
  if (int at = find_key(tokens, key); at >= 0)
    tokens[static_cast<std::size_t>(at)] = std::move(token);
  else
    tokens.push_back(std::move(token));
}

// A layer with a spatial window larger than 1x1: the one a kernel or stride sweep changes.
bool has_spatial_kernel(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return false;
  auto kind = std::find_if(kLayerOps.begin(), kLayerOps.end(),
                           [&](const LayerOpInfo& info) { return info.in_yaml && info.name == tokens[0]; });
  if (kind == kLayerOps.end() || !(kind->traits & kWindowed)) return false;
  int at = find_key(tokens, "kernel");
  if (at < 0) return false;  // every windowed kind requires a kernel: the loader says so
  std::int64_t number = 0;   // kernel=3 or kernel=[1,3]: any extent above 1
  for (char c : tokens[static_cast<std::size_t>(at)].substr(7)) {
    if (c >= '0' && c <= '9') {
      number = std::min<std::int64_t>(number * 10 + (c - '0'), 1000);
      continue;
    }
    if (number > 1) return true;
    number = 0;
  }
  return number > 1;
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

std::vector<std::string> vary_layer_lines(const std::vector<std::string>& lines, SweepParameter parameter,
                                          std::int64_t value) {
  const Location where{"--vary", 0, 0};
  std::vector<std::vector<std::string>> layers;
  for (const auto& line : lines) layers.push_back(tokens_of(line));
  bool changed = false;
  if (parameter == SweepParameter::channels || parameter == SweepParameter::size) {
    int at = layers.empty() ? -1 : find_key(layers[0], "input");
    auto dims = at < 0 ? std::vector<std::string>{} : split(layers[0][std::size_t(at)].substr(6), 'x');
    if (dims.size() != 3)
      throw Error(where,
                  fmt::format("'{}' needs the first --layer's input=HxWxC", choice_name(kSweepParameters, parameter)));
    if (parameter == SweepParameter::channels)
      dims[2] = std::to_string(value);
    else
      dims[0] = dims[1] = std::to_string(value);
    layers[0][std::size_t(at)] = "input=" + join(dims, "x");
    changed = true;
    if (parameter == SweepParameter::channels)  // K = C: every standard convolution keeps the width
      for (auto& tokens : layers)
        if (!tokens.empty() && tokens[0] == "conv2d") set_key(tokens, "filters", value);
  } else if (parameter == SweepParameter::kernel || parameter == SweepParameter::stride) {
    for (auto& tokens : layers)
      if (has_spatial_kernel(tokens)) {
        set_key(tokens, parameter == SweepParameter::kernel ? "kernel" : "stride", value);
        changed = true;
      }
    if (!changed)
      throw Error(where, fmt::format("'{}' changes layers with a kernel > 1, and no --layer has one",
                                     choice_name(kSweepParameters, parameter)));
  }
  std::vector<std::string> varied;
  for (const auto& tokens : layers) varied.push_back(join(tokens, " "));
  return varied;
}

Sweep run_sweep(const SweepRange& range, const SweepModel& model_for, const std::vector<Target>& targets,
                const SweepProgress& progress) {
  Sweep sweep;
  sweep.range = range;
  for (const auto& target : targets) {
    sweep.hardware.push_back(target.hardware.id);
    sweep.options.push_back(target.options);
  }
  if (!targets.empty()) sweep.time_model = targets.front().options.time_model;
  const std::size_t total = range.values.size() * targets.size() * 2;
  std::vector<TotalsEvaluator> evaluators;  // per target: the options differ by form only in what they echo
  for (const auto& target : targets) evaluators.emplace_back(target.hardware, target.options);
  for (std::int64_t value : range.values) {
    Model model = model_for(value);
    if (sweep.model_name.empty()) sweep.model_name = model.name;
    const std::array forms{std::pair{SweepForm::standard, apply_transform(model, Transform::to_standard)},
                           std::pair{SweepForm::separable, apply_transform(model, Transform::to_dwsep)}};
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
        point.time = chosen_time(totals.time, targets[t].options.time_model);
        point.attained_flops_per_s = point.time > 0 ? static_cast<double>(point.flops) / point.time : 0;
        point.bound = totals.bound;
        sweep.points.push_back(point);
        if (progress) progress(sweep.points.size(), total);
      }
  }
  return sweep;
}

}  // namespace convroof
