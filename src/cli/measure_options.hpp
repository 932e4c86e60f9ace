// The flags the measurement commands share: what to measure (`convroof plan`, convroof-bench)
// and what to predict it on (`convroof validate`, `convroof calibrate`, convroof-bench).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "convroof/validate.hpp"
#include "formats.hpp"

namespace convroof::cli {

struct PlanFlags {
  std::vector<std::string> models;  // built-in ids or paths
  std::vector<std::string> layers;  // a --layer chain
  std::string vary;                 // PARAM=RANGE over the --layer chain (sweep.hpp)
  std::string batches = "1";        // comma-separated
  std::string precision = "fp32";
};
// Registers MODEL..., --layer, --vary, --batch, --precision.
void add_plan_options(CLI::App* command, PlanFlags& flags);
// The plan of the flags (build_plan): MODELs, then the --layer chain (once per --vary value,
// named "CHAIN/PARAM=VALUE").
MeasurementSet plan_from(const PlanFlags& flags, const std::string& command);

struct PredictFlags {
  std::string hardware;
  std::string time_model;  // empty: the runtime's time_model, else iron-law
  std::string traffic = "ideal";
  std::string runtime;  // empty: the hardware's default
  std::vector<std::string> overrides;
};
// Registers --hw (required), and --time-model, --traffic, --runtime, --set from kAnalysisOptions.
void add_predict_options(CLI::App* command, PredictFlags& flags);
// `set` gives the precision --set peak= applies to (its first measurement's).
Target load_prediction(const PredictFlags& flags, const MeasurementSet& set);

// The validation report's formats (`convroof validate`, convroof-bench).
struct Validated {
  const Validation& validation;
  const MeasurementSet& set;
};
extern const FormatTable<Validated> kValidationFormats;

// Validates `set` on the prediction's spec and writes the report to `output`.
void write_validation(const Target& prediction, const MeasurementSet& set, const Format<Validated>& format,
                      const std::string& output);

// A measurement file to check against predictions: an error naming the file when nothing in
// it has a time (a plan).
MeasurementSet load_measured(const std::string& path);

}  // namespace convroof::cli
