// Calibration: per-op-class efficiency η and the per-layer overhead L fitted to measurements.
//
// Model. A measurement's prediction is analyze() of its chain on the spec, so the fit uses the
// engine's own formulas (T = D/BW + O/(R·η) + L, or max(D/BW, O/(R·η)) + L), not a copy.
// Parameters θ = (log η_c for every op class the measured layers use, log L): logs keep them
// positive and make relative changes equal steps.
//
// Objective. Least squares on log-time, S(θ) = Σ_i r_i², r_i = log T_pred,i(θ) − log T_meas,i:
// a 10 % miss weighs the same on a 5 µs layer and a 50 ms one.
//
// Method. Levenberg–Marquardt: with J = ∂r/∂θ (forward differences, step 1e-6 in log space),
// solve (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr; accept θ + δ when S drops (λ /= 3), else retry with
// λ *= 4. Stops when S changes by less than 1e-12 relative or after 200 iterations. θ is kept
// within η ∈ [1e-4, 1e2], L ∈ [1e-9 s, 1 s] so a class the data cannot see stays finite.
//
// The fitted values are rounded to 4 significant digits (the spread of the measurements is
// wider than that) before the calibrated spec is made and judged.
//
// Held out. Measurements are grouped by the first pair that names them (otherwise alone),
// groups are dealt round-robin into `folds` folds, and each fold is predicted by the fit to
// the other folds: no measurement is judged by a fit it trained.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "convroof/validate.hpp"

namespace convroof {

namespace {

constexpr double kMinEfficiency = 1e-4, kMaxEfficiency = 1e2;
constexpr double kMinOverhead = 1e-9, kMaxOverhead = 1;
constexpr double kStartOverhead = 1e-6;  // a spec without overhead starts the fit here

struct Parameters {
  std::vector<OpClass> classes;  // θ[0 .. n-1] = log η of these; θ[n] = log L
};

// The spec with values = (η per class, L).
HardwareSpec with_values(const HardwareSpec& spec, const Parameters& parameters, const std::vector<double>& values) {
  HardwareSpec fitted = spec;
  for (std::size_t c = 0; c < parameters.classes.size(); ++c) fitted.efficiency[parameters.classes[c]] = values[c];
  fitted.overhead_s = values.back();
  return fitted;
}
HardwareSpec with_parameters(const HardwareSpec& spec, const Parameters& parameters, const std::vector<double>& theta) {
  std::vector<double> values;
  for (double value : theta) values.push_back(std::exp(value));
  return with_values(spec, parameters, values);
}

// The values of θ, each rounded to 4 significant digits.
std::vector<double> rounded_values(const std::vector<double>& theta) {
  std::vector<double> values;
  for (double value : theta) values.push_back(std::stod(fmt::format("{:.4g}", std::exp(value))));
  return values;
}

std::vector<double> clamp_theta(std::vector<double> theta) {
  for (std::size_t i = 0; i + 1 < theta.size(); ++i)
    theta[i] = std::clamp(theta[i], std::log(kMinEfficiency), std::log(kMaxEfficiency));
  theta.back() = std::clamp(theta.back(), std::log(kMinOverhead), std::log(kMaxOverhead));
  return theta;
}

// Solves A x = b (A square, small) by Gaussian elimination with partial pivoting; a zero pivot
// leaves that unknown at 0 (a parameter the data does not constrain does not move).
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const std::size_t n = b.size();
  std::vector<std::size_t> pivot_row(n);
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t best = col;
    for (std::size_t row = col + 1; row < n; ++row)
      if (std::fabs(a[row][col]) > std::fabs(a[best][col])) best = row;
    std::swap(a[col], a[best]);
    std::swap(b[col], b[best]);
    if (std::fabs(a[col][col]) < 1e-300) continue;
    for (std::size_t row = col + 1; row < n; ++row) {
      double factor = a[row][col] / a[col][col];
      for (std::size_t k = col; k < n; ++k) a[row][k] -= factor * a[col][k];
      b[row] -= factor * b[col];
    }
  }
  std::vector<double> x(n, 0);
  for (std::size_t col = n; col-- > 0;) {
    if (std::fabs(a[col][col]) < 1e-300) continue;
    double sum = b[col];
    for (std::size_t k = col + 1; k < n; ++k) sum -= a[col][k] * x[k];
    x[col] = sum / a[col][col];
  }
  return x;
}

// The fit on the measurements whose `train` flag is set.
class Fit {
 public:
  Fit(const MeasurementSet& set, const std::vector<Model>& models, const HardwareSpec& spec, const Options& options,
      const Parameters& parameters, std::vector<bool> train)
      : set_(set), models_(models), spec_(spec), options_(options), parameters_(parameters), train_(std::move(train)) {}

  std::vector<double> residuals(const std::vector<double>& theta) const {
    std::vector<double> predicted =
        predict_measurements(set_, models_, with_parameters(spec_, parameters_, theta), options_);
    std::vector<double> r;
    for (std::size_t i = 0; i < predicted.size(); ++i)
      if (train_[i]) r.push_back(std::log(predicted[i]) - std::log(set_.measurements[i].time->median_s));
    return r;
  }

  // Levenberg–Marquardt from theta; returns the fitted theta, counting iterations.
  std::vector<double> run(std::vector<double> theta, int& iterations) const {
    auto cost_of = [](const std::vector<double>& r) {
      double sum = 0;
      for (double value : r) sum += value * value;
      return sum;
    };
    const std::size_t p = theta.size();
    std::vector<double> r = residuals(theta);
    double cost = cost_of(r);
    double lambda = 1e-3;
    for (iterations = 0; iterations < 200; ++iterations) {
      std::vector<std::vector<double>> jacobian(p);  // jacobian[k][i] = ∂r_i/∂θ_k
      for (std::size_t k = 0; k < p; ++k) {
        std::vector<double> stepped = theta;
        stepped[k] += 1e-6;
        std::vector<double> r_k = residuals(stepped);
        for (std::size_t i = 0; i < r.size(); ++i) jacobian[k].push_back((r_k[i] - r[i]) / 1e-6);
      }
      std::vector<std::vector<double>> normal(p, std::vector<double>(p, 0));
      std::vector<double> gradient(p, 0);
      for (std::size_t j = 0; j < p; ++j) {
        for (std::size_t k = 0; k < p; ++k)
          for (std::size_t i = 0; i < r.size(); ++i) normal[j][k] += jacobian[j][i] * jacobian[k][i];
        for (std::size_t i = 0; i < r.size(); ++i) gradient[j] -= jacobian[j][i] * r[i];
      }
      bool improved = false;
      double new_cost = cost;
      while (lambda < 1e12) {
        std::vector<std::vector<double>> damped = normal;
        for (std::size_t k = 0; k < p; ++k) damped[k][k] += lambda * normal[k][k];
        std::vector<double> delta = solve(damped, gradient);
        std::vector<double> candidate = theta;
        for (std::size_t k = 0; k < p; ++k) candidate[k] += delta[k];
        candidate = clamp_theta(candidate);
        std::vector<double> r_candidate = residuals(candidate);
        new_cost = cost_of(r_candidate);
        if (new_cost < cost) {
          theta = candidate;
          r = std::move(r_candidate);
          lambda = std::max(lambda / 3, 1e-12);
          improved = true;
          break;
        }
        lambda *= 4;
      }
      if (!improved) break;
      bool converged = cost - new_cost <= 1e-12 * std::max(cost, 1e-300);
      cost = new_cost;
      if (converged) break;
    }
    return theta;
  }

 private:
  const MeasurementSet& set_;
  const std::vector<Model>& models_;
  const HardwareSpec& spec_;
  const Options& options_;
  const Parameters& parameters_;
  std::vector<bool> train_;
};

// Fold of every measurement with a time (-1 without): groups by first pair, round-robin.
std::vector<int> assign_folds(const MeasurementSet& set, int folds) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < set.measurements.size(); ++i) index.emplace(set.measurements[i].name, i);
  std::vector<int> group(set.measurements.size(), -1);
  int groups = 0;
  for (const MeasuredPair& pair : set.pairs) {
    bool opened = false;
    for (const auto* names : {&pair.standard, &pair.separable})
      for (const auto& name : *names) {
        std::size_t i = index.at(name);
        if (group[i] >= 0) continue;
        if (!opened) ++groups, opened = true;
        group[i] = groups - 1;
      }
  }
  for (auto& g : group)
    if (g < 0) g = groups++;
  std::vector<int> fold(set.measurements.size(), -1);
  for (std::size_t i = 0; i < set.measurements.size(); ++i)
    if (set.measurements[i].time) fold[i] = group[i] % folds;
  return fold;
}

}  // namespace

Calibration calibrate(const MeasurementSet& set, const HardwareSpec& spec, const Options& options,
                      const CalibrationOptions& calibration_options) {
  if (calibration_options.folds < 2)
    throw Error(Location{"--folds", 0, 0},
                fmt::format("--folds must be at least 2, got {}", calibration_options.folds));
  // L is fitted into the spec's overhead, which a runtime with its own launch cost overrides.
  if (const double launch = options.runtime.kernel_launch_s(spec); launch != spec.overhead_s)
    throw Error(Location{"--runtime", 0, 0},
                fmt::format("runtime '{}' sets its own launch cost per kernel ({:.4g} us on '{}'), so the spec's overhead "
                            "that calibrate fits would not be used; calibrate under a runtime without "
                            "launch.per_kernel (--runtime none, onednn)",
                            options.runtime.id, launch * 1e6, spec.id));
  Calibration calibration;
  std::vector<AnalysisResult> results;
  const std::vector<Model> models = measurement_models(set);  // parsed once, predicted many times
  std::vector<double> predicted = predict_measurements(set, models, spec, options, &results);
  calibration.before = validate_predictions(set, predicted, results);

  // The parameters: the op classes of measured layers, in kOpClasses order, then L.
  Parameters parameters;
  for (const auto& info : kOpClasses)
    for (std::size_t i = 0; i < set.measurements.size(); ++i)
      if (set.measurements[i].time &&
          std::any_of(results[i].layers.begin(), results[i].layers.end(),
                      [&](const LayerCost& layer) { return layer.kind == info.op_class; })) {
        parameters.classes.push_back(info.op_class);
        break;
      }
  std::vector<double> start;
  for (OpClass op_class : parameters.classes) start.push_back(std::log(spec.efficiency_for(op_class)));
  start.push_back(std::log(spec.overhead_s > 0 ? spec.overhead_s : kStartOverhead));
  start = clamp_theta(start);

  calibration.folds = assign_folds(set, calibration_options.folds);
  std::vector<bool> measured(set.measurements.size());
  for (std::size_t i = 0; i < measured.size(); ++i) measured[i] = calibration.folds[i] >= 0;
  std::vector<double> values =
      rounded_values(Fit(set, models, spec, options, parameters, measured).run(start, calibration.iterations));
  calibration.calibrated = with_values(spec, parameters, values);
  calibration.calibrated.id = spec.id + "-calibrated";
  calibration.calibrated.name = spec.name + " (calibrated)";
  for (std::size_t c = 0; c < parameters.classes.size(); ++c)
    calibration.parameters.push_back(FittedParameter{"efficiency." + std::string(op_class_name(parameters.classes[c])),
                                                     spec.efficiency_for(parameters.classes[c]), values[c]});
  calibration.parameters.push_back(FittedParameter{"overhead", spec.overhead_s, values.back()});
  std::vector<AnalysisResult> after_results;
  std::vector<double> after = predict_measurements(set, models, calibration.calibrated, options, &after_results);
  calibration.after = validate_predictions(set, after, after_results);

  // Held out: fold f's measurements predicted by the fit to the other folds.
  std::vector<double> held_out = predicted;
  for (int f = 0; f < calibration_options.folds; ++f) {
    std::vector<bool> train(set.measurements.size());
    bool any_test = false, any_train = false;
    for (std::size_t i = 0; i < train.size(); ++i) {
      train[i] = calibration.folds[i] >= 0 && calibration.folds[i] != f;
      any_train = any_train || train[i];
      any_test = any_test || calibration.folds[i] == f;
    }
    if (!any_test) continue;
    if (!any_train)
      throw Error(Location{"--folds", 0, 0},
                  fmt::format("fold {} leaves nothing to fit on: too few measured groups for {} folds", f,
                              calibration_options.folds));
    int fold_iterations = 0;
    std::vector<double> fold_values =
        rounded_values(Fit(set, models, spec, options, parameters, train).run(start, fold_iterations));
    std::vector<double> fold_predicted =
        predict_measurements(set, models, with_values(spec, parameters, fold_values), options);
    for (std::size_t i = 0; i < held_out.size(); ++i)
      if (calibration.folds[i] == f) held_out[i] = fold_predicted[i];
  }
  calibration.held_out = validate_predictions(set, held_out, after_results);
  for (Validation* validation : {&calibration.before, &calibration.after, &calibration.held_out}) {
    validation->hardware_id = spec.id;
    validation->options = options;
  }
  calibration.after.hardware_id = calibration.calibrated.id;
  return calibration;
}

}  // namespace convroof
