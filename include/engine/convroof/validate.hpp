// Predictions checked against measurements (docs/validation.md).
//
// A measurement set (`convroof.measured/1`, docs/report.md) lists what was timed: each
// measurement is a chain of one-line layer specs (parse_layer_lines) at a batch and precision,
// optionally fused, with the median and spread of its timed runs; pairs name the
// measurements that make up the standard and the depthwise-separable form of one block. A
// plan is the same file before anything was timed (no `time_s`): build_plan makes one from
// models, convroof-bench (oneDNN, CPU) and tools/measure_torch.py (PyTorch, GPU) fill it.
//
// validate() predicts every measurement on a spec (analyze() of its chain) and reports the
// error per measurement, its median / 90th percentile, the share within ±10 % / ±25 %, and
// for every pair the speedup predicted vs measured. calibrate() fits per-op-class efficiency
// η and the per-layer overhead L to the measurements by least squares on log-time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "convroof/cost.hpp"
#include "convroof/error.hpp"
#include "convroof/hardware.hpp"
#include "convroof/model.hpp"

namespace convroof {

// Order statistics of the timed runs of one measurement, in seconds.
struct TimeStats {
  double median_s = 0;
  double min_s = 0;
  double p10_s = 0;
  double p90_s = 0;
  int runs = 0;
};
// The statistics of a list of run times (not empty): median, min, 10th and 90th percentile
// (linear interpolation between order statistics).
TimeStats time_stats(std::vector<double> times_s);

struct Measurement {
  std::string name;                 // unique within the set, e.g. "mobilenet_v1/b1/conv_dw_1"
  std::vector<std::string> layers;  // one-line specs, chained: the first carries input=HxWxC
  std::int64_t batch = 1;
  Precision precision = Precision::fp32;
  Fuse fuse = Fuse::none;         // how the chain ran: none, or dw-pw as one kernel
  std::optional<TimeStats> time;  // absent in a plan
  std::string implementation;     // what ran it, e.g. oneDNN's "brg:avx512_core"
};

// One standard-vs-separable block: the measurements whose times add up to each form.
struct MeasuredPair {
  std::string name;
  std::vector<std::string> standard;
  std::vector<std::string> separable;
};

struct MeasurementSet {
  std::string tool;                                          // who measured: "convroof-bench 0.1.0"
  std::vector<std::pair<std::string, std::string>> machine;  // free-form facts, in order
  std::vector<Measurement> measurements;
  std::vector<MeasuredPair> pairs;
};

// The chain of a measurement as a model (input N = its batch).
Model measurement_model(const Measurement& measurement);

// What to measure for models: for every block find_pairs() gives, at every batch, the
// convolution and dense layers of both forms (batch norm and activations are left out: a
// real deployment folds them in), a pair naming them, and for blocks whose separable form
// is depthwise then pointwise with C = K, that form fused (dw-pw) as a second pair.
// Measurements of identical chains are shared. Names: "MODEL/bB/LAYER".
MeasurementSet build_plan(const std::vector<Model>& models, const std::vector<std::int64_t>& batches,
                          Precision precision);

// One measurement against its prediction. error = predicted / measured - 1.
struct MeasurementCheck {
  std::size_t measurement = 0;  // index into the set
  std::string kind;             // its layers' op classes: "standard", "depthwise+pointwise"
  std::uint64_t flops = 0, bytes = 0;
  double measured_s = 0, predicted_s = 0, error = 0;
  Bound bound = Bound::none;  // the prediction's verdict
};
struct PairCheck {
  std::size_t pair = 0;
  double measured_speedup = 0;   // standard time / separable time, measured
  double predicted_speedup = 0;  // the same, predicted
  double error = 0;              // predicted / measured - 1
  bool winner_agrees = false;    // both > 1 or both < 1
};
// Error statistics over a set of checks: median and 90th percentile of |error|, the share
// within ±10 % and ±25 %.
struct ErrorSummary {
  std::size_t count = 0;
  double median_abs = 0, p90_abs = 0, within_10 = 0, within_25 = 0;
};
ErrorSummary summarize_errors(const std::vector<double>& errors);

struct Validation {
  std::string hardware_id;
  Options options;
  std::vector<MeasurementCheck> checks;  // measurements with a time, in set order
  std::vector<PairCheck> pairs;
  std::vector<std::size_t> unmeasured_pairs;  // pairs with a member without a time (skipped)
  ErrorSummary summary;
  ErrorSummary pair_summary;
};
// Throws Error when no measurement has a time (a plan). Measurements without a time and the
// pairs that use them are skipped.
Validation validate(const MeasurementSet& set, const HardwareSpec& spec, const Options& options);
// The parts of validate(), for calibrate(), which predicts the same measurements many times:
// every measurement's chain as a model (measurement_model, in set order; parsed once), the
// prediction of each (`results` receives each analysis when given), and the checks of given
// predictions (hardware_id and options left empty).
std::vector<Model> measurement_models(const MeasurementSet& set);
std::vector<double> predict_measurements(const MeasurementSet& set, const std::vector<Model>& models,
                                         const HardwareSpec& spec, const Options& options,
                                         std::vector<AnalysisResult>* results = nullptr);
Validation validate_predictions(const MeasurementSet& set, const std::vector<double>& predicted,
                                const std::vector<AnalysisResult>& results);

// Calibration: per-op-class efficiency η and the per-layer overhead L fitted to measured
// times by least squares on log-time, min Σ (log T_predicted − log T_measured)², with
// Levenberg–Marquardt over log η and log L (src/engine/calibrate.cpp). Judged out of sample
// too: measurements are split into `folds` groups (a pair's measurements stay together), and
// each group is predicted by the fit to the others.
struct CalibrationOptions {
  int folds = 3;  // >= 2
};
struct FittedParameter {
  std::string name;  // "efficiency.depthwise", "overhead"
  double before = 0, after = 0;
};
struct Calibration {
  HardwareSpec calibrated;  // the spec with the parameters fitted to every measurement; id ID-calibrated
  std::vector<FittedParameter> parameters;
  std::vector<int> folds;  // per measurement: its fold, -1 when it has no time
  Validation before;       // the spec as given
  Validation after;        // the calibrated spec (in sample: judged on its own training points)
  Validation held_out;     // each measurement predicted by the fit without its fold
  int iterations = 0;      // of the fit to every measurement
};
Calibration calibrate(const MeasurementSet& set, const HardwareSpec& spec, const Options& options,
                      const CalibrationOptions& calibration_options);

}  // namespace convroof
