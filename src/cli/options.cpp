// Shared analysis flags (options.hpp).
#include "options.hpp"

#include "formats.hpp"

#include <fmt/format.h>

#include <iostream>

namespace convroof::cli {

std::string one_of(const std::vector<std::string>& choices) {
  return join(choices, "|");
}

void unknown_value(const std::string& flag, const std::string& value, const std::vector<std::string>& valid) {
  throw Error(Location{flag, 0, 0}, unknown_choice("value", value, valid));
}

void check_choice(const std::string& flag, const std::string& value, const std::vector<std::string>& valid) {
  for (const auto& choice : valid)
    if (choice == value) return;
  unknown_value(flag, value, valid);
}

CLI::Option* add_described_option(CLI::App* command, const std::string& flag, std::string& value,
                                  const std::vector<std::pair<std::string, std::string>>& choices) {
  std::vector<std::string> names, described;
  for (const auto& [name, summary] : choices) {
    names.push_back(name);
    described.push_back(fmt::format("{} ({})", name, summary));
  }
  return command->add_option(flag, value, join(described, " | "))->type_name(one_of(names));
}

std::string flag_of(std::string_view key) {
  return std::string(analysis_option(key).flag);
}
std::string help_of(std::string_view key) {
  return std::string(analysis_option(key).help);
}

CLI::Option* add_option_choice(CLI::App* command, std::string_view key, std::string& value) {
  const AnalysisOption& row = analysis_option(key);
  std::vector<std::pair<std::string, std::string>> choices;
  for (const auto& [name, summary] : row.choices()) choices.emplace_back(name, summary);
  CLI::Option* option = add_described_option(command, std::string(row.flag), value, choices);
  if (!row.help.empty()) option->description(option->get_description() + "; " + std::string(row.help));
  return option;
}

namespace {
// Applies each `set` row's value to `options`; unknown_value's Error naming the flag for a value
// that is none of its choices.
void apply_choices(const AnalysisFlags& flags, Options& options) {
  for (const auto& option : kAnalysisOptions) {
    if (!option.set) continue;
    const auto it = flags.choices.find(option.key);
    if (it == flags.choices.end() || option.set(options, it->second)) continue;
    std::vector<std::string> names;
    for (const auto& [name, summary] : option.choices()) names.emplace_back(name);
    unknown_value(std::string(option.flag), it->second, names);
  }
}
}  // namespace

void add_analysis_options(CLI::App* command, AnalysisFlags& flags, bool with_transform) {
  command->add_option("model", flags.model,
                      "Built-in workload id (see `workloads list`), or the path of a workload YAML, an ONNX or a "
                      "TFLite model")
      ->type_name(kModelValue);
  command->add_option("--layer", flags.layers,
                      "A layer instead of a model, e.g. \"conv2d filters=128 kernel=3 input=224x224x128\"; "
                      "repeat it to chain layers (only the first takes input=)");
  command->add_option(flag_of("precision"), flags.precision, help_of("precision"))->type_name(one_of(precision_names()));
  command->add_option(flag_of("batch"), flags.batch, help_of("batch"))
      ->check(CLI::Range(static_cast<std::int64_t>(1), static_cast<std::int64_t>(1) << 20));
  command->add_option("--input", flags.inputs,
                      "An ONNX model input's shape, NAME=1x3x512x512 (NCHW, as the file declares it), or "
                      "1x3x512x512 for a model's one input; sets its symbolic dimensions; repeatable")
      ->type_name("[NAME=]SHAPE");
  add_option_choice(command, "time_model", flags.time_model);
  for (const auto& option : kAnalysisOptions) {
    if (!option.set) continue;
    std::string& value = flags.choices[std::string(option.key)];
    value = std::get<std::string>(option.value(Options{}, ReportSettings{}));
    add_option_choice(command, option.key, value);
  }
  add_runtime_option(command, flags.runtime);
  if (with_transform) add_option_choice(command, "transform", flags.transform);
  command->add_option(flag_of("overrides"), flags.overrides, help_of("overrides"));
}

void add_runtime_option(CLI::App* command, std::string& value) {
  command->add_option(flag_of("runtime"), value, fmt::format(fmt::runtime(help_of("runtime")), join(builtin_runtime_ids())))
      ->type_name(kRuntimeValue);
}

Runtime load_runtime(const std::string& flag, const HardwareSpec& spec) {
  Runtime runtime = flag.empty() ? resolve_runtime(default_runtime_id(spec), fmt::format("hardware '{}' runtime", spec.id))
                                 : resolve_runtime(flag);
  check_runtime_for(runtime, spec, flag.empty() ? spec.origin : "--runtime");
  return runtime;
}

Model load_model(const AnalysisFlags& flags, const std::string& command, std::span<const LayerLineDefault> defaults) {
  if (flags.model.empty() == flags.layers.empty())
    throw Error(Location{command, 0, 0},
                fmt::format("give a MODEL (a built-in id, or a YAML, ONNX or TFLite path) or --layer \"…\"{}",
                            flags.model.empty() ? "" : ", not both"));
  time_model_for(flags.time_model, Runtime{});  // checked before the model is read
  Options checked;
  apply_choices(flags, checked);  // checked before the model is read
  const Transform transform = parse_flag("--transform", flags.transform, kTransforms);
  if (!flags.precision.empty()) check_choice("--precision", flags.precision, precision_names());
  std::optional<std::int64_t> batch;
  if (flags.batch > 0) batch = flags.batch;
  if (!flags.inputs.empty() && !flags.layers.empty())
    throw Error(Location{"--input", 0, 0}, "--input sets an ONNX model's input shapes; a --layer chain takes input=HxWxC");
  std::vector<InputShape> inputs;
  for (const auto& text : flags.inputs) inputs.push_back(parse_input_shape(text));
  Model model = flags.layers.empty() ? resolve_workload(flags.model, batch, inputs)
                                     : parse_layer_lines(flags.layers, batch, defaults);
  return apply_transform(model, transform);
}

TimeModel time_model_for(const std::string& flag, const Runtime& runtime) {
  if (!flag.empty()) return parse_flag("--time-model", flag, kTimeModels);
  return runtime.time_model.value_or(TimeModel::iron_law);
}

Target load_setup(const AnalysisFlags& flags, const std::string& hardware_id, const Model& model) {
  Target setup{resolve_hardware(hardware_id), {}, {}};
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
  apply_choices(flags, options);
  setup.settings.transform = parse_flag("--transform", flags.transform, kTransforms);
  for (const auto& assignment : flags.overrides) apply_override(setup.hardware, assignment, options.precision);
  setup.settings.overrides = flags.overrides;
  options.runtime = load_runtime(flags.runtime, setup.hardware);
  options.time_model = time_model_for(flags.time_model, options.runtime);
  options.batch = model.input_shape.empty() ? std::max<std::int64_t>(flags.batch, 1) : model.input_shape.front();
  return setup;
}

std::vector<Target> load_targets(const AnalysisFlags& flags, const Model& model) {
  std::vector<Target> targets;
  const std::string& list = flags.hardware;
  for (std::size_t start = 0; start <= list.size();) {
    std::size_t comma = std::min(list.find(',', start), list.size());
    std::string id = list.substr(start, comma - start);
    if (id.empty()) throw Error(Location{"--hw", 0, 0}, fmt::format("empty hardware id in '{}'", list));
    Target setup = load_setup(flags, id, model);
    targets.push_back(std::move(setup));
    start = comma + 1;
  }
  return targets;
}

std::string format_of_extension(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string extension = path.substr(dot + 1);
  for (char& c : extension) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (extension == "txt") return std::string(kTable.name);
  if (extension == "htm") return std::string(kHtml.name);
  for (const auto& format : kFormatVocabulary)
    if (extension == format.name || (!format.alias.empty() && extension == format.alias)) return std::string(format.name);
  return "";
}

void add_require_fit_flag(CLI::App* command, bool& value) {
  command->add_flag("--require-fit", value,
                    "Exit 1 when the weights or the peak activations do not fit the memory level that holds them");
}

int require_fit(std::string_view command, const std::vector<std::string>& misfits) {
  for (const auto& misfit : misfits) std::cerr << fmt::format("{}: --require-fit: {}\n", command, misfit);
  return misfits.empty() ? 0 : 1;
}

}  // namespace convroof::cli
