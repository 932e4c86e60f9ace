// `convroof hw list|show ID`, `convroof runtimes list|show ID` and `convroof workloads list`: the built-in catalogue.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "convroof/cost.hpp"
#include "convroof/hardware.hpp"
#include "convroof/model.hpp"
#include "convroof/runtime.hpp"
#include "convroof/units.hpp"
#include "options.hpp"

namespace convroof::cli {

Run add_hw(CLI::App& app) {
  CLI::App* hw = app.add_subcommand("hw", "Built-in hardware specs");
  hw->require_subcommand(1);
  CLI::App* list = hw->add_subcommand("list", "List built-in hardware ids with their peaks and bandwidths");
  CLI::App* show = hw->add_subcommand("show", "Print a spec (with the source of every number)");
  auto id = std::make_shared<std::string>();
  show->add_option("id", *id, "Hardware id or YAML path")->required()->type_name(kHardwareValue);
  return [list, show, id]() -> int {
    if (list->parsed()) {
      std::cout << fmt::format("{:<16}  {:<7}  {:<5}  {:>14}  {:>12}  {:>9}  {:<12}  {}\n", "id", "class", "prec.",
                               "peak", "bandwidth", "L", "runtime", "name");
      for (const auto& hw_id : builtin_hardware_ids()) {
        HardwareSpec spec = resolve_hardware(hw_id);
        UnitChoice unit = spec.unit_for(OpClass::standard, spec.default_precision);
        std::cout << fmt::format("{:<16}  {:<7}  {:<5}  {:>14}  {:>12}  {:>9}  {:<12}  {}\n", spec.id,
                                 spec.device_class, precision_name(spec.default_precision),
                                 format_rate(unit.peak_flops_per_s),
                                 format_bandwidth(*spec.memory.front().bandwidth_bytes_per_s),
                                 format_time(spec.overhead_s), default_runtime_id(spec), spec.name);
      }
      return 0;
    }
    if (show->parsed()) {
      HardwareSpec spec = resolve_hardware(*id, "hw show");  // validates, and errors on unknown ids
      std::cout << hardware_text(*id);
      return 0;
    }
    return -1;
  };
}

Run add_runtimes(CLI::App& app) {
  CLI::App* runtimes = app.add_subcommand("runtimes", "Built-in deployment runtimes");
  runtimes->require_subcommand(1);
  CLI::App* list = runtimes->add_subcommand(
      "list", "List built-in runtime ids with what they fuse, their launch costs and the hardware that defaults to them");
  CLI::App* show = runtimes->add_subcommand("show", "Print a runtime (with the source of every number)");
  auto id = std::make_shared<std::string>();
  show->add_option("id", *id, "Runtime id or YAML path")->required()->type_name(kRuntimeValue);
  return [list, show, id]() -> int {
    if (show->parsed()) {
      resolve_runtime(*id, "runtimes show");  // validates, and errors on unknown ids
      std::cout << runtime_text(*id);
      return 0;
    }
    if (!list->parsed()) return -1;
    std::vector<HardwareSpec> specs;
    for (const auto& hw_id : builtin_hardware_ids()) specs.push_back(resolve_hardware(hw_id));
    auto cost = [](const std::optional<LaunchCost>& c, const char* absent) -> std::string {
      if (!c) return absent;
      return c->cycles > 0 ? fmt::format("{} cycles", format_number(c->cycles)) : format_time(c->seconds);
    };
    std::cout << fmt::format("{:<13}  {:<9}  {:>12}  {:<9}  {:<54}  {}\n", "id", "residency", "L per kernel",
                             "per inf.", "fuses", "default for");
    for (const auto& runtime_id : builtin_runtime_ids()) {
      Runtime runtime = resolve_runtime(runtime_id);
      std::vector<std::string> users;
      for (const auto& spec : specs)
        if (default_runtime_id(spec) == runtime_id) users.push_back(spec.id);
      auto patterns = fusion_pattern_names(runtime.fusion);
      std::cout << fmt::format("{:<13}  {:<9}  {:>12}  {:<9}  {:<54}  {}\n", runtime.id,
                               runtime.residency ? "yes" : "no", cost(runtime.figures.per_kernel, "spec's"),
                               cost(runtime.figures.per_inference, "0"), patterns.empty() ? "-" : join(patterns, ","),
                               users.empty() ? "-" : join(users, ","));
    }
    return 0;
  };
}

Run add_workloads(CLI::App& app) {
  CLI::App* workloads = app.add_subcommand("workloads", "Built-in workloads");
  workloads->require_subcommand(1);
  CLI::App* list = workloads->add_subcommand("list", "List built-in workload ids with layers, MACs and params");
  CLI::App* kinds = workloads->add_subcommand(
      "kinds",
      "List the layer kinds a workload may use, with their keys, those the importers add, and the ONNX and TFLite "
      "ops each kind imports");
  return [list, kinds]() -> int {
    if (kinds->parsed()) {
      // Under each kind, the op names the importers' op tables map to it ("-": none).
      auto ops = [](LayerOp op) {
        auto names = [](const std::vector<std::string_view>& list) {
          return list.empty() ? std::string("-") : fmt::format("{}", fmt::join(list, " "));
        };
        return fmt::format("{:<17}   ONNX: {}\n{:<17}   TFLite: {}\n", "", names(onnx_op_types(op)), "",
                           names(tflite_op_types(op)));
      };
      std::cout << "Every layer also takes: name, type, inputs, dtype, repeat (docs/formats.md).\n";
      for (const auto& info : kLayerOps)
        if (info.in_yaml)
          std::cout << fmt::format("{:<17} {:<52} {}\n", info.name, info.keys.empty() ? "-" : info.keys, info.summary)
                    << ops(info.op);
      std::cout << "\nKinds an ONNX or TFLite import also produces (docs/formats.md lists the op mapping):\n";
      for (const auto& info : kLayerOps)
        if (!info.in_yaml) std::cout << fmt::format("{:<17} {}\n", info.name, info.summary) << ops(info.op);
      return 0;
    }
    if (!list->parsed()) return -1;
    std::cout << fmt::format("{:<16}  {:>6}  {:>9}  {:>9}  {:<16}  {}\n", "id", "layers", "MACs", "params", "input",
                             "description");
    for (const auto& workload_id : builtin_workload_ids()) {
      Model model = resolve_workload(workload_id, std::nullopt);
      std::uint64_t macs = 0, params = 0;
      for (const auto& layer : model.layers) {
        OpCounts counts = count_ops(layer);
        macs += counts.macs;
        params += counts.params;
      }
      std::cout << fmt::format("{:<16}  {:>6}  {:>9}  {:>9}  {:<16}  {}\n", workload_id, model.layers.size(),
                               format_count(static_cast<double>(macs)), format_count(static_cast<double>(params)),
                               shape_text(model.input_shape), model.description);
    }
    return 0;
  };
}

}  // namespace convroof::cli
