// Shared by the libFuzzer targets (fuzz/README.md). Bad input must end in convroof::Error,
// the exception every loader throws with a file:line:col location; anything else that escapes
// (another exception, a crash, a sanitizer report, a hang) is a finding. Whatever a loader
// accepts is analyzed and rendered too, so the engine and the JSON renderer see strangers'
// models and specs, and every number they print must be finite.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

#include "convroof/cost.hpp"
#include "convroof/error.hpp"
#include "convroof/hardware.hpp"
#include "convroof/model.hpp"
#include "convroof/report.hpp"
#include "convroof/runtime.hpp"

namespace convroof::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

inline void require_finite(double value, const char* what) {
  if (!std::isfinite(value) || value < 0) finding(std::string(what) + " is not a finite non-negative number");
}

// Every printed number of an analysis is finite and non-negative.
inline void check_result(const AnalysisResult& result) {
  const Totals& t = result.totals;
  for (double v : {t.time.memory, t.time.compute, t.time.overhead, t.time.total, t.time.roofline, t.intensity,
                   t.attainable_flops_per_s, t.utilization, t.capacity_ratio})
    require_finite(v, "a model total");
  for (const LayerCost& layer : result.layers)
    for (double v : {layer.time.memory, layer.time.compute, layer.time.overhead, layer.time.total, layer.intensity,
                     layer.attainable_flops_per_s, layer.utilization, layer.peak_flops_per_s, layer.efficiency,
                     layer.bandwidth_bytes_per_s})
      require_finite(v, "a layer's figure");
}

// analyze() under two option sets (the second under `runtime`, by default the TensorRT-like one:
// its fusion patterns, residency and launch costs), each rendered as JSON and as the table (for models up to
// 2,000 layers: rendering is linear in layers and a 100,000-layer report would only use up
// the time limit); convroof::Error (an overflowing count, a precision the spec lacks) is a
// fine outcome.
inline void analyze_and_render(const Model& model, const HardwareSpec& hardware,
                               const std::optional<Runtime>& runtime = std::nullopt) {
  static const Runtime tensorrt = resolve_runtime("tensorrt");
  for (int variant = 0; variant < 2; ++variant) {
    Options options;
    options.precision = hardware.default_precision;
    if (variant == 1) {
      options.traffic = Traffic::tiled;
      options.time_model = TimeModel::roofline;
      options.runtime = runtime.value_or(tensorrt);
      if (!runtime) options.fuse = Fuse::all;
    }
    try {
      AnalysisResult result = analyze(model, hardware, options);
      check_result(result);
      if (model.layers.size() > 2000) continue;
      std::ostringstream out;
      render_json(result, out);
      render_table(result, out);
    } catch (const Error&) {
    }
  }
}

// A GPU with an L2 (orin) and an NPU with the MAC-array model (ethos-u55-128).
inline const HardwareSpec& orin() {
  static const HardwareSpec spec = resolve_hardware("orin", "--hw");
  return spec;
}
inline const HardwareSpec& ethos_u55() {
  static const HardwareSpec spec = resolve_hardware("ethos-u55-128", "--hw");
  return spec;
}

}  // namespace convroof::fuzz
