// Loads `convroof.runtime/1` files (include/convroof/runtime.hpp, docs/formats.md) and
// resolves built-in ids (runtimes/*.yaml, embedded at build time).
#include "convroof/runtime.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "convroof/error.hpp"
#include "convroof/units.hpp"
#include "embedded.hpp"
#include "text_checks.hpp"
#include "yaml_reader.hpp"

namespace convroof {

namespace {

constexpr std::string_view kSchema = "convroof.runtime/1";

LaunchCost parse_cost(const yaml::Node& node, const std::string& file) {
  Quantity cost = yaml::as_quantity(node, file, {Dimension::time, Dimension::cycles}, /*allow_zero=*/true);
  LaunchCost result;
  (cost.dimension == Dimension::time ? result.seconds : result.cycles) = cost.value;
  return result;
}

// `launch:` and `efficiency:` of the runtime or of one device class under `classes:`.
RuntimeFigures parse_figures(const yaml::MapReader& map, const std::string& file) {
  RuntimeFigures figures;
  if (auto launch = map.optional("launch")) {
    yaml::MapReader costs(*launch, file, "launch", {"per_kernel", "per_inference"});
    if (auto kernel = costs.optional("per_kernel")) figures.per_kernel = parse_cost(*kernel, file);
    if (auto inference = costs.optional("per_inference")) figures.per_inference = parse_cost(*inference, file);
  }
  if (auto efficiency = map.optional("efficiency")) {
    std::vector<std::string> keys = op_class_names(), precisions = precision_names();
    keys.insert(keys.begin(), "default");
    keys.insert(keys.end(), precisions.begin(), precisions.end());
    yaml::MapReader(*efficiency, file, "efficiency", keys);
    for (const auto& entry : efficiency->entries()) {
      double factor = parse_efficiency(yaml::as_string(entry.value, file, "an efficiency factor"),
                                       yaml::location(entry.value, file));
      if (entry.key.scalar() == "default")
        figures.default_efficiency = factor;
      else if (auto precision = parse_precision(entry.key.scalar()))
        figures.precision_efficiency[*precision] = factor;
      else
        figures.efficiency[yaml::op_class_key(entry.key, file, "efficiency")] = factor;
    }
  }
  return figures;
}

const RuntimeFigures& figures_for(const Runtime& runtime, const HardwareSpec& spec) {
  auto it = runtime.classes.find(spec.device_class);
  return it == runtime.classes.end() ? runtime.figures : it->second;
}

double seconds_of(const LaunchCost& cost, const HardwareSpec& spec) {
  return cost.seconds + (cost.cycles > 0 ? cost.cycles / spec.clock_hz.value_or(1) : 0.0);
}

}  // namespace

std::vector<std::string> fusion_pattern_names(FusionSet set) {
  std::vector<std::string> names;
  for (const auto& pattern : kFusionPatterns)
    if (has_pattern(set, pattern.value)) names.emplace_back(pattern.name);
  return names;
}

double Runtime::kernel_launch_s(const HardwareSpec& spec) const {
  const RuntimeFigures& f = figures_for(*this, spec);
  return f.per_kernel ? seconds_of(*f.per_kernel, spec) : spec.overhead_s;
}

double Runtime::inference_launch_s(const HardwareSpec& spec) const {
  const RuntimeFigures& f = figures_for(*this, spec);
  return f.per_inference ? seconds_of(*f.per_inference, spec) : 0.0;
}

double Runtime::efficiency_factor(OpClass op_class, Precision precision, const HardwareSpec& spec) const {
  const RuntimeFigures& f = figures_for(*this, spec);
  auto it = f.efficiency.find(op_class);
  auto by_precision = f.precision_efficiency.find(precision);
  return (it != f.efficiency.end() ? it->second : f.default_efficiency.value_or(1.0)) *
         (by_precision != f.precision_efficiency.end() ? by_precision->second : 1.0);
}

std::string default_runtime_id(const HardwareSpec& spec) {
  if (!spec.runtime.empty()) return spec.runtime;
  if (spec.device_class == "tinyml") return "tflite-micro";
  if (spec.device_class == "npu") return "ethos-u";
  if (spec.device_class == "cpu") return "onednn";
  return "tensorrt";  // cloud, edge, mobile: GPUs
}

Runtime parse_runtime(const std::string& text, const std::string& file) {
  const yaml::Node root = yaml::parse_document(text, file);
  yaml::check_schema(root, file, kSchema);
  yaml::MapReader map(root, file, "runtime",
                      {"schema", "id", "name", "fuse", "residency", "conv_algorithm", "time_model", "launch", "efficiency",
                       "classes", "sources"});
  Runtime runtime;
  runtime.origin = file;
  map.string("schema");
  runtime.id = map.string("id");
  if (!is_identifier(runtime.id))
    throw Error(map.where("id"),
                fmt::format("id '{}' must be lowercase letters, digits, '.', '_' or '-'", runtime.id));
  runtime.name = map.string("name");
  if (auto fuse = map.optional("fuse")) {
    if (!fuse->is_sequence())
      throw Error(yaml::location(*fuse, file),
                  fmt::format("'fuse' must be a list of patterns ({})", join(choice_names(kFusionPatterns))));
    for (const auto& item : fuse->items()) {
      std::string name = yaml::as_string(item, file, "a fusion pattern");
      auto pattern = parse_choice(kFusionPatterns, name);
      if (!pattern)
        throw Error(yaml::location(item, file), unknown_choice("fusion pattern", name, choice_names(kFusionPatterns)));
      runtime.fusion |= static_cast<unsigned>(*pattern);
    }
  }
  runtime.residency = map.boolean_or("residency", false);
  if (auto algorithm = map.optional_string("conv_algorithm")) {
    auto parsed = parse_choice(kConvAlgorithms, *algorithm);
    if (!parsed)
      throw Error(map.where("conv_algorithm"),
                  unknown_choice("convolution algorithm", *algorithm, choice_names(kConvAlgorithms)));
    runtime.conv_algorithm = *parsed;
  }
  if (auto model = map.optional_string("time_model")) {
    auto parsed = parse_choice(kTimeModels, *model);
    if (!parsed)
      throw Error(map.where("time_model"), unknown_choice("time model", *model, choice_names(kTimeModels)));
    runtime.time_model = *parsed;
  }
  runtime.figures = parse_figures(map, file);
  if (auto classes = map.optional("classes")) {
    std::vector<std::string> names(kDeviceClasses.begin(), kDeviceClasses.end());
    yaml::MapReader(*classes, file, "classes", names);
    for (const auto& entry : classes->entries()) {
      yaml::MapReader figures(entry.value, file, fmt::format("class '{}'", entry.key.scalar()),
                              {"launch", "efficiency"});
      // A class's figures start from the runtime's and replace what they give.
      RuntimeFigures merged = runtime.figures;
      RuntimeFigures own = parse_figures(figures, file);
      if (own.per_kernel) merged.per_kernel = own.per_kernel;
      if (own.per_inference) merged.per_inference = own.per_inference;
      if (own.default_efficiency) merged.default_efficiency = own.default_efficiency;
      for (const auto& [op_class, factor] : own.efficiency) merged.efficiency[op_class] = factor;
      for (const auto& [precision, factor] : own.precision_efficiency) merged.precision_efficiency[precision] = factor;
      runtime.classes[entry.key.scalar()] = std::move(merged);
    }
  }
  const yaml::Node& sources = map.required("sources");
  if (!sources.is_sequence() || sources.size() == 0)
    throw Error(map.where("sources"), "'sources' must be a non-empty list saying where each number comes from");
  for (const auto& source : sources.items()) runtime.sources.push_back(yaml::as_string(source, file, "a source"));
  return runtime;
}

std::vector<std::string> builtin_runtime_ids() {
  return embedded_ids("runtimes");
}

Runtime resolve_runtime(const std::string& id_or_path, const std::string& argument) {
  if (const EmbeddedFile* file = find_embedded("runtimes", id_or_path))
    return parse_runtime(std::string(file->content), "builtin:" + std::string(file->path));
  if (looks_like_path(id_or_path)) return parse_runtime(read_text_file(id_or_path), id_or_path);
  auto ids = builtin_runtime_ids();
  throw Error(Location{argument, 0, 0},
              fmt::format("unknown runtime '{}'{}; built-in: {} (or give a path to a YAML file)", id_or_path,
                          did_you_mean(id_or_path, ids), join(ids)));
}

std::string runtime_text(const std::string& id_or_path) {
  if (const EmbeddedFile* file = find_embedded("runtimes", id_or_path)) return std::string(file->content);
  return read_text_file(id_or_path);
}

void check_runtime_for(const Runtime& runtime, const HardwareSpec& spec, const std::string& argument) {
  if (spec.clock_hz) return;
  const RuntimeFigures& f = figures_for(runtime, spec);
  for (const auto* cost : {&f.per_kernel, &f.per_inference})
    if (*cost && (*cost)->cycles > 0)
      throw Error(Location{argument, 0, 0},
                  fmt::format("runtime '{}' gives a launch cost in cycles, but hardware '{}' has no 'clock'",
                              runtime.id, spec.id));
}

}  // namespace convroof
