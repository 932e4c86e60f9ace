// Fuzz target: the runtime loader (convroof.runtime/1 YAML). A runtime it accepts analyzes a
// residual network on a GPU with an L2 (fusion patterns, residency, launch costs) and a
// depthwise-separable block on the NPU, whose clock turns costs in cycles into seconds.
#include <cstdint>
#include <string>

#include "convroof/runtime.hpp"
#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Model resnet = resolve_workload("resnet50", std::nullopt);
  static const Model u55 = resolve_workload("u55_dwsep", std::nullopt);
  const std::string text(reinterpret_cast<const char*>(data), size);
  Runtime runtime;
  try {
    runtime = parse_runtime(text, "fuzz.runtime.yaml");
  } catch (const Error&) {
    return 0;
  }
  for (const auto& [model, hardware] : {std::pair{&resnet, &fuzz::orin()}, std::pair{&u55, &fuzz::ethos_u55()}}) {
    try {
      check_runtime_for(runtime, *hardware, "fuzz");
    } catch (const Error&) {
      continue;
    }
    fuzz::analyze_and_render(*model, *hardware, runtime);
  }
  return 0;
}
