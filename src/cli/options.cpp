// Shared analysis flags (options.hpp).
#include "options.hpp"

#include <fmt/format.h>

namespace convroof::cli {

std::string one_of(const std::vector<std::string>& choices) {
  return join(choices, "|");
}

void check_choice(const std::string& flag, const std::string& value, const std::vector<std::string>& valid) {
  for (const auto& choice : valid)
    if (choice == value) return;
  throw Error(Location{flag, 0, 0}, unknown_choice("value", value, valid));
}

void add_analysis_options(CLI::App* command, AnalysisFlags& flags, bool with_transform) {
  command->add_option("model", flags.model, "Built-in workload id (see `workloads list`) or a workload YAML path")
      ->type_name(kModelValue);
  command->add_option("--layer", flags.layers,
                      "A layer instead of a model, e.g. \"conv2d filters=128 kernel=3 input=224x224x128\"; "
                      "repeat it to chain layers (only the first takes input=)");
  command->add_option("--precision", flags.precision, "Number format (default: the hardware's)")
      ->type_name(one_of(precision_names()));
  command->add_option("--batch", flags.batch, "Batch size N (replaces the workload's)")
      ->check(CLI::Range(static_cast<std::int64_t>(1), static_cast<std::int64_t>(1) << 20));
  command
      ->add_option("--time-model", flags.time_model,
                   "iron-law (T = D/BW + O/(R*eta) + L) or roofline (max(D/BW, O/(R*eta)) + L)")
      ->type_name(one_of(kTimeModels));
  command
      ->add_option("--traffic", flags.traffic,
                   "ideal (each tensor crosses memory once) | no-reuse (every MAC fetches its operands) | tiled "
                   "(tiles sized to the on-chip level)")
      ->type_name(one_of(choice_names(kTrafficModels)));
  command
      ->add_option("--fuse", flags.fuse,
                   "none | dw-pw (depthwise + pointwise as one kernel) | conv-bn-act (fold batch-norm and "
                   "activations) | all")
      ->type_name(one_of(choice_names(kFuseModes)));
  if (with_transform)
    command
        ->add_option("--transform", flags.transform,
                     "none | to-dwsep (standard kxk convs -> depthwise + pointwise) | to-standard (the reverse)")
        ->type_name(one_of(choice_names(kTransforms)));
  command->add_option("--set", flags.overrides,
                      "What-if override KEY=VALUE: peak[.UNIT], bandwidth[.LEVEL], capacity[.LEVEL], overhead, "
                      "efficiency[.CLASS]; repeatable");
}

Model load_model(const AnalysisFlags& flags, const std::string& command) {
  if (flags.model.empty() == flags.layers.empty())
    throw Error(Location{command, 0, 0}, flags.model.empty()
                                             ? "give a MODEL (built-in id or YAML path) or --layer \"…\""
                                             : "give a MODEL (built-in id or YAML path) or --layer \"…\", not both");
  check_choice("--time-model", flags.time_model, kTimeModels);
  check_choice("--traffic", flags.traffic, choice_names(kTrafficModels));
  check_choice("--fuse", flags.fuse, choice_names(kFuseModes));
  check_choice("--transform", flags.transform, choice_names(kTransforms));
  if (!flags.precision.empty()) check_choice("--precision", flags.precision, precision_names());
  std::optional<std::int64_t> batch;
  if (flags.batch > 0) batch = flags.batch;
  Model model = flags.layers.empty() ? resolve_workload(flags.model, batch) : parse_layer_lines(flags.layers, batch);
  return apply_transform(model, *parse_choice(kTransforms, flags.transform));
}

Setup load_setup(const AnalysisFlags& flags, const std::string& hardware_id, const Model& model) {
  Setup setup{resolve_hardware(hardware_id), {}};
  Options& options = setup.options;
  options.precision = setup.hardware.default_precision;
  if (!flags.precision.empty()) {
    options.precision = *parse_precision(flags.precision);
    try {
      setup.hardware.unit_for(OpClass::standard, options.precision);  // throws when no unit has the precision
    } catch (const Error& e) {
      throw Error(Location{"--precision", 0, 0}, e.what());
    }
  }
  options.time_model = flags.time_model == "roofline" ? TimeModel::roofline : TimeModel::iron_law;
  options.traffic = *parse_choice(kTrafficModels, flags.traffic);
  options.fuse = *parse_choice(kFuseModes, flags.fuse);
  options.transform = *parse_choice(kTransforms, flags.transform);
  for (const auto& assignment : flags.overrides) apply_override(setup.hardware, assignment, options.precision);
  options.overrides = flags.overrides;
  options.batch = model.input_shape.empty() ? std::max<std::int64_t>(flags.batch, 1) : model.input_shape.front();
  return setup;
}

std::vector<CompareTarget> load_targets(const AnalysisFlags& flags, const Model& model) {
  std::vector<CompareTarget> targets;
  const std::string& list = flags.hardware;
  for (std::size_t start = 0; start <= list.size();) {
    std::size_t comma = std::min(list.find(',', start), list.size());
    std::string id = list.substr(start, comma - start);
    if (id.empty()) throw Error(Location{"--hw", 0, 0}, fmt::format("empty hardware id in '{}'", list));
    Setup setup = load_setup(flags, id, model);
    targets.push_back(CompareTarget{std::move(setup.hardware), std::move(setup.options)});
    start = comma + 1;
  }
  return targets;
}

}  // namespace convroof::cli
