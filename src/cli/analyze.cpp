// `convroof analyze MODEL|--layer "…" --hw ID|PATH [options]`
#include <fmt/format.h>

#include <memory>
#include <sstream>

#include "commands.hpp"
#include "convroof/cost.hpp"
#include "convroof/report.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct AnalyzeFlags {
  std::string model;
  std::string layer;
  std::string hardware;
  std::string precision;
  std::int64_t batch = 0;  // 0 = the workload's own
  std::string time_model = "iron-law";
  std::vector<std::string> overrides;
  std::string format = "table";
  std::string output;
};

const std::vector<std::string> kFormats{"table", "json"};
const std::vector<std::string> kTimeModels{"iron-law", "roofline"};

void check_choice(const std::string& flag, const std::string& value, const std::vector<std::string>& valid) {
  for (const auto& choice : valid)
    if (choice == value) return;
  throw Error(Location{flag, 0, 0}, unknown_choice("value", value, valid));
}

int run_analyze(const AnalyzeFlags& flags) {
  if (flags.model.empty() == flags.layer.empty())
    throw Error(Location{"analyze", 0, 0}, flags.model.empty()
                                               ? "give a MODEL (built-in id or YAML path) or --layer \"…\""
                                               : "give a MODEL (built-in id or YAML path) or --layer \"…\", not both");
  check_choice("--format", flags.format, kFormats);
  check_choice("--time-model", flags.time_model, kTimeModels);

  HardwareSpec hardware = resolve_hardware(flags.hardware);
  Options options;
  options.precision = hardware.default_precision;
  if (!flags.precision.empty()) {
    check_choice("--precision", flags.precision, precision_names());
    options.precision = *parse_precision(flags.precision);
    try {
      hardware.unit_for(OpClass::standard, options.precision);  // throws when no unit has the precision
    } catch (const Error& e) {
      throw Error(Location{"--precision", 0, 0}, e.what());
    }
  }
  options.time_model = flags.time_model == "roofline" ? TimeModel::roofline : TimeModel::iron_law;
  for (const auto& assignment : flags.overrides) apply_override(hardware, assignment, options.precision);
  options.overrides = flags.overrides;

  std::optional<std::int64_t> batch;
  if (flags.batch > 0) batch = flags.batch;
  Model model = flags.layer.empty() ? resolve_workload(flags.model, batch) : parse_layer_line(flags.layer, batch);
  options.batch = model.input_shape.empty() ? batch.value_or(1) : model.input_shape.front();

  AnalysisResult result = analyze(model, hardware, options);
  std::ostringstream rendered;
  if (flags.format == "json")
    render_json(result, rendered);
  else
    render_table(result, rendered);
  write_output(flags.output, rendered.str());
  return 0;
}

}  // namespace

Run add_analyze(CLI::App& app) {
  auto flags = std::make_shared<AnalyzeFlags>();
  CLI::App* command =
      app.add_subcommand("analyze", "Per-layer FLOPs, bytes, intensity and Iron-Law time with a verdict");
  command->add_option("model", flags->model, "Built-in workload id (see `workloads list`) or a workload YAML path");
  command->add_option("--layer", flags->layer,
                      "One layer instead of a model, e.g. \"conv2d filters=128 kernel=3 input=224x224x128\"");
  command->add_option("--hw", flags->hardware, "Built-in hardware id (see `hw list`) or a hardware YAML path")
      ->required();
  command->add_option("--precision", flags->precision, "fp32|fp16|bf16|int8 (default: the hardware's)");
  command->add_option("--batch", flags->batch, "Batch size N (replaces the workload's)")
      ->check(CLI::Range(static_cast<std::int64_t>(1), static_cast<std::int64_t>(1) << 20));
  command->add_option("--time-model", flags->time_model,
                      "iron-law (T = D/BW + O/(R*eta) + L) or roofline (max(D/BW, O/(R*eta)) + L)");
  command->add_option("--set", flags->overrides,
                      "What-if override KEY=VALUE: peak[.UNIT], bandwidth[.LEVEL], capacity[.LEVEL], overhead, "
                      "efficiency[.CLASS]; repeatable");
  command->add_option("--format", flags->format, "table|json");
  command->add_option("-o,--output", flags->output, "Write the report to FILE (atomically)");
  return [command, flags]() { return command->parsed() ? run_analyze(*flags) : -1; };
}

}  // namespace convroof::cli
