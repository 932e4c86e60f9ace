// Shared flags of the measurement commands (measure_options.hpp).
#include "measure_options.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "convroof/io.hpp"
#include "convroof/report.hpp"
#include "convroof/sweep.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

std::vector<std::int64_t> parse_batches(const std::string& text) {
  return parse_sweep_range("batch=" + text, Location{"--batch", 0, 0}).values;
}

}  // namespace

void add_plan_options(CLI::App* command, PlanFlags& flags) {
  command->add_option("model", flags.models, "Built-in workload ids or workload paths (YAML or ONNX)")
      ->type_name(kModelValue);
  command->add_option("--layer", flags.layers,
                      "A layer chain instead of (or besides) models, e.g. \"conv2d filters=128 kernel=3 "
                      "padding=same input=224x224x128\"; repeat it to chain layers");
  command->add_option("--vary", flags.vary,
                      "Plan the --layer chain once per value: channels|size|kernel|stride=FIRST:LAST:xFACTOR, "
                      "FIRST:LAST:+STEP or a,b,c");
  command->add_option("--batch", flags.batches, "Batch sizes, e.g. 1,16 (default 1)");
  command->add_option("--precision", flags.precision, "Number format (default fp32)")
      ->type_name(one_of(precision_names()));
}

MeasurementSet plan_from(const PlanFlags& flags, const std::string& command) {
  if (flags.models.empty() && flags.layers.empty())
    throw Error(Location{command, 0, 0}, "give MODELs (built-in ids or paths) and/or --layer \"…\"");
  if (!flags.vary.empty() && flags.layers.empty())
    throw Error(Location{"--vary", 0, 0}, "--vary changes the --layer chain; give --layer \"…\"");
  check_choice("--precision", flags.precision, precision_names());
  std::vector<std::int64_t> batches = parse_batches(flags.batches);
  std::vector<Model> models;
  for (const auto& id : flags.models) models.push_back(resolve_workload(id, std::nullopt));
  if (!flags.layers.empty() && flags.vary.empty()) models.push_back(parse_layer_lines(flags.layers, std::nullopt));
  if (!flags.vary.empty()) {
    SweepRange range = parse_sweep_range(flags.vary, Location{"--vary", 0, 0});
    if (range.parameter == SweepParameter::batch)
      throw Error(Location{"--vary", 0, 0}, "plan batches with --batch 1,16, not --vary batch=…");
    const Model base = parse_layer_lines(flags.layers, std::nullopt, sweep_line_defaults(range));
    for (std::int64_t value : range.values) {
      Model model;
      vary_model(base, range.parameter, value, model);
      model.name = fmt::format("{}/{}={}", model.name, choice_name(kSweepParameters, range.parameter), value);
      models.push_back(std::move(model));
    }
  }
  MeasurementSet set = build_plan(models, batches, *parse_precision(flags.precision));
  if (set.measurements.empty())
    throw Error(Location{command, 0, 0},
                "nothing to measure: no standard convolution or depthwise + pointwise pair in the models");
  return set;
}

void add_predict_options(CLI::App* command, PredictFlags& flags) {
  command->add_option("--hw", flags.hardware, "Hardware to predict on: a built-in id or a spec YAML (convroof probe)")
      ->required()
      ->type_name(kHardwareValue);
  add_option_choice(command, "time_model", flags.time_model);
  add_option_choice(command, "traffic", flags.traffic);
  add_runtime_option(command, flags.runtime);
  command->add_option(flag_of("overrides"), flags.overrides, help_of("overrides"));
}

Target load_prediction(const PredictFlags& flags, const MeasurementSet& set) {
  time_model_for(flags.time_model, Runtime{});  // checked before the spec is read
  const Traffic traffic = parse_flag(flag_of("traffic"), flags.traffic, kTrafficModels);
  Target prediction{resolve_hardware(flags.hardware), {}, {}};
  prediction.options.traffic = traffic;
  Precision precision = set.measurements.empty() ? Precision::fp32 : set.measurements.front().precision;
  prediction.options.precision = precision;
  for (const auto& assignment : flags.overrides) apply_override(prediction.hardware, assignment, precision);
  prediction.options.runtime = load_runtime(flags.runtime, prediction.hardware);
  prediction.options.time_model = time_model_for(flags.time_model, prediction.options.runtime);
  return prediction;
}

const FormatTable<Validated> kValidationFormats{
    {kTable, "per layer and pair, with the summary",
     [](const Validated& v, std::ostream& out) { render_validation_table(v.validation, v.set, out); }},
    {kJson, "convroof.validation/1",
     [](const Validated& v, std::ostream& out) { render_validation_json(v.validation, v.set, out); }},
};

void write_validation(const Target& prediction, const MeasurementSet& set, const Format<Validated>& format,
                      const std::string& output) {
  Validation validation = validate(set, prediction.hardware, prediction.options);
  write_output(output, render(format, Validated{validation, set}));
}

MeasurementSet load_measured(const std::string& path) {
  MeasurementSet set = load_measurements(path);
  if (std::none_of(set.measurements.begin(), set.measurements.end(), [](const Measurement& m) { return m.time; }))
    throw Error(Location{path, 0, 0},
                "no measurement has a time: this is a plan (time it with convroof-bench --plan or "
                "tools/measure_torch.py)");
  return set;
}

}  // namespace convroof::cli
