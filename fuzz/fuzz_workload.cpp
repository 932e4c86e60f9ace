// Fuzz target: the workload loader (convroof.workload/1 YAML). A model it accepts is analyzed
// on a GPU and an NPU spec, and transformed both ways.
#include <cstdint>
#include <string>

#include "convroof/transform.hpp"
#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Model model;
  try {
    model = parse_workload(text, "fuzz.workload.yaml", std::nullopt);
  } catch (const Error&) {
    return 0;
  }
  // A legal model of 20,000 to 100,000 layers (a few `repeat`s) analyzed eight times and
  // transformed twice went over the 10 s limit under ASan (even once: 7 s for 80,000 layers), so
  // such a model is only parsed; the engine's scaling to 100,000 layers is bench/'s.
  if (model.layers.size() > 20000) return 0;
  fuzz::analyze_and_render(model, fuzz::orin());
  fuzz::analyze_and_render(model, fuzz::ethos_u55());
  for (Transform transform : {Transform::to_dwsep, Transform::to_standard}) {
    try {
      fuzz::analyze_and_render(apply_transform(model, transform), fuzz::orin());
    } catch (const Error&) {
    }
  }
  return 0;
}
