// `convroof plan` writes what to measure (convroof.measured/1 without times) for models or a
// --layer chain; `convroof validate MEASURED.json --hw SPEC` checks every measurement and
// every standard-vs-separable pair against the prediction (docs/validation.md).
#include <fmt/format.h>

#include <memory>

#include "commands.hpp"
#include "convroof/io.hpp"
#include "convroof/report.hpp"
#include "formats.hpp"
#include "measure_options.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct PlanCommand {
  PlanFlags plan;
  std::string output;
};

struct ValidateFlags {
  std::string measured;
  PredictFlags predict;
  std::string format;
  std::string output;
};

int run_plan(const PlanCommand& flags) {
  MeasurementSet set = plan_from(flags.plan, "plan");
  set.tool = fmt::format("convroof plan {}", version());
  StringStream rendered;
  render_measured_json(set, rendered);
  write_output(flags.output, rendered.take());
  return 0;
}

int run_validate(const ValidateFlags& flags) {
  const auto& format = find_format(kValidationFormats, flags.format, flags.output);
  MeasurementSet set = load_measured(flags.measured);
  write_validation(load_prediction(flags.predict, set), set, format, flags.output);
  return 0;
}

}  // namespace

Run add_plan(CLI::App& app) {
  auto flags = std::make_shared<PlanCommand>();
  CLI::App* command = app.add_subcommand(
      "plan", "What to measure for a validation: every block's standard and separable convolutions, as JSON");
  add_plan_options(command, flags->plan);
  command->add_option("-o,--output", flags->output, "Write the plan to FILE (atomically)")->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_plan(*flags) : -1; };
}

Run add_validate(CLI::App& app) {
  auto flags = std::make_shared<ValidateFlags>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Measured times (convroof-bench, tools/measure_torch.py) against predictions: error per layer and pair");
  command->add_option("MEASURED", flags->measured, "A convroof.measured/1 JSON file")
      ->required()
      ->type_name(kFileValue);
  add_predict_options(command, flags->predict);
  add_format_option(command, flags->format, kValidationFormats);
  command->add_option("-o,--output", flags->output, "Write the report to FILE (atomically)")->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_validate(*flags) : -1; };
}

}  // namespace convroof::cli
