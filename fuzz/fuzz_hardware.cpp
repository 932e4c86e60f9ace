// Fuzz target: the hardware loader (convroof.hardware/1 YAML). A spec it accepts analyzes
// two built-in models (one plain, one where the MAC-array model and fusion apply).
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Model blog = resolve_workload("blog_dwsep", std::nullopt);
  static const Model u55 = resolve_workload("u55_dwsep", std::nullopt);
  const std::string text(reinterpret_cast<const char*>(data), size);
  HardwareSpec spec;
  try {
    spec = parse_hardware(text, "fuzz.hw.yaml");
  } catch (const Error&) {
    return 0;
  }
  fuzz::analyze_and_render(blog, spec);
  fuzz::analyze_and_render(u55, spec);
  return 0;
}
