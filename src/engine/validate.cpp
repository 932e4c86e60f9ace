// Measurement sets: the plan of what to time (from find_pairs), the `convroof.measured/1`
// JSON both ways, and the check of every measurement against its prediction.
#include "convroof/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "convroof/transform.hpp"

namespace convroof {

namespace {

// The value at fraction q of sorted values, interpolating linearly between order statistics
// (the "R-7" definition: position q·(n-1)).
double quantile(const std::vector<double>& sorted, double q) {
  double position = q * static_cast<double>(sorted.size() - 1);
  auto below = static_cast<std::size_t>(std::floor(position));
  std::size_t above = std::min(below + 1, sorted.size() - 1);
  double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

bool is_convolution(LayerOp op) {
  return has_trait(op, kWindowed) && has_trait(op, kWeighted);
}

// Plans measurements, sharing identical chains.
class PlanBuilder {
 public:
  PlanBuilder(std::int64_t batch, Precision precision) : batch_(batch), precision_(precision) {}

  // The measurement of `lines` (fused or not) named `name`, or the earlier identical one.
  std::string add(const std::string& name, std::vector<std::string> lines, Fuse fuse, MeasurementSet& set) {
    std::string key = fmt::format("{}|{}", choice_name(kFuseModes, fuse), join(lines, " | "));
    if (auto it = names_.find(key); it != names_.end()) return it->second;
    std::string unique = name;
    for (int copy = 2; taken_.contains(unique); ++copy) unique = fmt::format("{}#{}", name, copy);
    taken_.insert(unique);
    names_.emplace(key, unique);
    Measurement measurement;
    measurement.name = unique;
    measurement.layers = std::move(lines);
    measurement.batch = batch_;
    measurement.precision = precision_;
    measurement.fuse = fuse;
    set.measurements.push_back(std::move(measurement));
    return unique;
  }

 private:
  std::int64_t batch_;
  Precision precision_;
  std::map<std::string, std::string> names_;
  std::set<std::string> taken_;
};

// The convolutions of one form of a block, each measured alone.
std::vector<std::string> plan_form(const Model& form, const std::string& prefix, PlanBuilder& builder,
                                   MeasurementSet& set) {
  std::vector<std::string> names;
  for (const Layer& layer : form.layers)
    if (is_convolution(layer.op))
      names.push_back(builder.add(prefix + layer.name, {layer_line(layer, true)}, Fuse::none, set));
  return names;
}

// A depthwise (multiplier 1) then pointwise form with C = K, as one dw-pw measurement; empty
// when the form is anything else (oneDNN and convroof fuse only this shape).
std::vector<std::string> plan_fused(const Model& form, const std::string& prefix, PlanBuilder& builder,
                                    MeasurementSet& set) {
  std::vector<const Layer*> convolutions;
  for (const Layer& layer : form.layers)
    if (is_convolution(layer.op)) convolutions.push_back(&layer);
  if (convolutions.size() != 2) return {};
  const Layer& depthwise = *convolutions[0];
  const Layer& pointwise = *convolutions[1];
  std::int64_t channels = depthwise.input_shapes.front()[3];
  if (depthwise.op_class != OpClass::depthwise || depthwise.filters != channels ||
      pointwise.op_class != OpClass::pointwise || pointwise.filters != channels)
    return {};
  return {builder.add(prefix + depthwise.name + "+" + pointwise.name,
                      {layer_line(depthwise, true), layer_line(pointwise, false)}, Fuse::dw_pw, set)};
}

}  // namespace

TimeStats time_stats(std::vector<double> times_s) {
  if (times_s.empty()) throw Error("time_stats: no run times");
  std::sort(times_s.begin(), times_s.end());
  TimeStats stats;
  stats.median_s = quantile(times_s, 0.5);
  stats.min_s = times_s.front();
  stats.p10_s = quantile(times_s, 0.1);
  stats.p90_s = quantile(times_s, 0.9);
  stats.runs = static_cast<int>(times_s.size());
  return stats;
}

Model measurement_model(const Measurement& measurement) {
  try {
    return parse_layer_lines(measurement.layers, measurement.batch);
  } catch (const Error& error) {
    throw Error(error.where(), fmt::format("measurement '{}': {}", measurement.name, error.what()));
  }
}

MeasurementSet build_plan(const std::vector<Model>& models, const std::vector<std::int64_t>& batches,
                          Precision precision) {
  MeasurementSet set;
  for (std::int64_t batch : batches) {
    PlanBuilder builder(batch, precision);
    for (const Model& model : models) {
      std::string prefix = fmt::format("{}/b{}/", model.name, batch);
      for (const ConvPair& block : find_pairs(model)) {
        bool before_is_standard = block.direction == Transform::to_dwsep;
        const Model& standard = before_is_standard ? block.before : block.after;
        const Model& separable = before_is_standard ? block.after : block.before;
        MeasuredPair pair;
        pair.name = fmt::format("{}{}", prefix, block.label);
        pair.standard = plan_form(standard, prefix, builder, set);
        pair.separable = plan_form(separable, prefix, builder, set);
        std::vector<std::string> fused = plan_fused(separable, prefix, builder, set);
        if (!fused.empty()) {
          MeasuredPair fused_pair{pair.name + " fused", pair.standard, fused};
          set.pairs.push_back(std::move(pair));
          set.pairs.push_back(std::move(fused_pair));
        } else {
          set.pairs.push_back(std::move(pair));
        }
      }
    }
  }
  return set;
}

// ---------------------------------------------------------------------------------------------
// Validation.

ErrorSummary summarize_errors(const std::vector<double>& errors) {
  ErrorSummary summary;
  summary.count = errors.size();
  if (errors.empty()) return summary;
  std::vector<double> absolute;
  for (double error : errors) absolute.push_back(std::fabs(error));
  std::sort(absolute.begin(), absolute.end());
  summary.median_abs = quantile(absolute, 0.5);
  summary.p90_abs = quantile(absolute, 0.9);
  auto share_within = [&](double bound) {
    auto inside = std::upper_bound(absolute.begin(), absolute.end(), bound) - absolute.begin();
    return static_cast<double>(inside) / static_cast<double>(absolute.size());
  };
  summary.within_10 = share_within(0.10);
  summary.within_25 = share_within(0.25);
  return summary;
}

std::vector<Model> measurement_models(const MeasurementSet& set) {
  std::vector<Model> models;
  for (const Measurement& m : set.measurements) models.push_back(measurement_model(m));
  return models;
}

std::vector<double> predict_measurements(const MeasurementSet& set, const std::vector<Model>& models,
                                         const HardwareSpec& spec, const Options& options,
                                         std::vector<AnalysisResult>* results) {
  std::vector<double> predicted;
  for (std::size_t i = 0; i < set.measurements.size(); ++i) {
    const Measurement& m = set.measurements[i];
    Options measured_options = options;
    measured_options.precision = m.precision;
    measured_options.batch = m.batch;
    measured_options.fuse = m.fuse;
    if (results) {
      results->push_back(analyze(models[i], spec, measured_options));
      predicted.push_back(chosen_time(results->back().totals.time, options.time_model));
    } else {  // calibration evaluates every measurement at every step: the totals suffice
      predicted.push_back(chosen_time(analyze_totals(models[i], spec, measured_options).time, options.time_model));
    }
  }
  return predicted;
}

Validation validate_predictions(const MeasurementSet& set, const std::vector<double>& predicted,
                                const std::vector<AnalysisResult>& results) {
  Validation validation;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < set.measurements.size(); ++i) index.emplace(set.measurements[i].name, i);
  std::vector<double> errors;
  for (std::size_t i = 0; i < set.measurements.size(); ++i) {
    const Measurement& m = set.measurements[i];
    if (!m.time) continue;
    MeasurementCheck check;
    check.measurement = i;
    const AnalysisResult& result = results[i];
    std::vector<std::string> kinds;
    for (const LayerCost& layer : result.layers) {
      std::string kind(op_class_name(layer.kind));
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
    }
    check.kind = join(kinds, "+");
    check.flops = result.totals.flops;
    check.bytes = result.totals.bytes.total();
    check.measured_s = m.time->median_s;
    check.predicted_s = predicted[i];
    check.error = check.predicted_s / check.measured_s - 1;
    check.bound = result.totals.bound;
    errors.push_back(check.error);
    validation.checks.push_back(std::move(check));
  }
  if (validation.checks.empty())
    throw Error("no measurement has a time: this is a plan (run convroof-bench or tools/measure_torch.py on it)");
  validation.summary = summarize_errors(errors);

  std::vector<double> pair_errors;
  for (std::size_t p = 0; p < set.pairs.size(); ++p) {
    const MeasuredPair& pair = set.pairs[p];
    auto sum = [&](const std::vector<std::string>& names, bool measured) -> std::optional<double> {
      double total = 0;
      for (const auto& name : names) {
        std::size_t i = index.at(name);
        if (!set.measurements[i].time) return std::nullopt;
        total += measured ? set.measurements[i].time->median_s : predicted[i];
      }
      return total;
    };
    auto measured_standard = sum(pair.standard, true), measured_separable = sum(pair.separable, true);
    if (!measured_standard || !measured_separable) {
      validation.unmeasured_pairs.push_back(p);
      continue;
    }
    PairCheck check;
    check.pair = p;
    check.measured_speedup = *measured_standard / *measured_separable;
    check.predicted_speedup = *sum(pair.standard, false) / *sum(pair.separable, false);
    check.error = check.predicted_speedup / check.measured_speedup - 1;
    check.winner_agrees = (check.measured_speedup > 1) == (check.predicted_speedup > 1);
    pair_errors.push_back(check.error);
    validation.pairs.push_back(check);
  }
  validation.pair_summary = summarize_errors(pair_errors);
  return validation;
}

Validation validate(const MeasurementSet& set, const HardwareSpec& spec, const Options& options) {
  std::vector<AnalysisResult> results;
  std::vector<double> predicted = predict_measurements(set, measurement_models(set), spec, options, &results);
  Validation validation = validate_predictions(set, predicted, results);
  validation.hardware_id = spec.id;
  validation.options = options;
  return validation;
}

}  // namespace convroof
