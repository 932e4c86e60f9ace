// Deployment runtimes (`schema: convroof.runtime/1`, docs/formats.md): what the software that
// runs a model decides and the hardware spec cannot say. The fusion patterns it applies, what
// launching a kernel and an inference costs (CUDA graphs against eager dispatch, an MCU
// interpreter), how close its kernels come to the spec's peak per op class (optionally per
// device class), and whether a tensor one layer writes may stay in the on-chip level for the
// next to read. Every number in a runtime file carries its source, as in a hardware spec.
// A spec names its default runtime (`runtime:`, else one by its device class); `--runtime`
// picks another; `none` is the behaviour before runtimes existed.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "convroof/hardware.hpp"
#include "convroof/kinds.hpp"

namespace convroof {

// The fusion patterns a runtime may apply, as bits of a FusionSet. Each keeps the intermediate
// it removes on chip and saves the fused layer's launch (rules: src/engine/traffic.cpp).
enum class FusionPattern : unsigned {
  conv_bn_act = 1u << 0,    // batch norm and activations fold into the weighted layer before them
  residual = 1u << 1,       // an add reading a weighted kernel's output runs in that kernel's epilogue
  dw_pw = 1u << 2,          // depthwise then pointwise as one kernel, when a tile of the pair fits on chip
  eltwise_chain = 1u << 3,  // an activation after an element-wise layer runs in its kernel
  pool_epilogue = 1u << 4,  // an activation after a pooling layer runs in its kernel
};
using FusionSet = unsigned;
inline constexpr std::array kFusionPatterns{
    NamedChoice<FusionPattern>{FusionPattern::conv_bn_act, "conv-bn-act",
                               "batch-norm and activation layers fold into the layer before"},
    NamedChoice<FusionPattern>{FusionPattern::residual, "residual",
                               "a residual add (and what conv-bn-act folds after it) runs in the conv's epilogue"},
    NamedChoice<FusionPattern>{FusionPattern::dw_pw, "dw-pw",
                               "a depthwise layer and the pointwise conv reading it run as one kernel"},
    NamedChoice<FusionPattern>{FusionPattern::eltwise_chain, "eltwise-chain",
                               "an activation after an add or mul runs in that kernel"},
    NamedChoice<FusionPattern>{FusionPattern::pool_epilogue, "pool-epilogue",
                               "an activation after a pooling layer runs in that kernel"},
};
inline bool has_pattern(FusionSet set, FusionPattern pattern) {
  return (set & static_cast<unsigned>(pattern)) != 0;
}
inline constexpr FusionSet kAllPatterns = 0x1f;
// The names of the patterns in `set`, in table order.
std::vector<std::string> fusion_pattern_names(FusionSet set);

// How a runtime computes k×k convolutions (standard, groups 1), where it changes the work or the
// bytes (src/engine/analyze.cpp has the rules):
enum class ConvAlgorithm { direct, im2col, winograd };
inline constexpr std::array kConvAlgorithms{
    NamedChoice<ConvAlgorithm>{ConvAlgorithm::direct, "direct",
                               "the convolution as counted (implicit GEMM, direct loops): no extra work or bytes"},
    NamedChoice<ConvAlgorithm>{ConvAlgorithm::im2col, "im2col",
                               "k×k convolutions write and read back an im2col matrix of kh·kw·C rows per output pixel"},
    NamedChoice<ConvAlgorithm>{ConvAlgorithm::winograd, "winograd",
                               "3×3 stride-1 convolutions as Winograd F(2×2,3×3): 16 multiplies per 36 (2.25× fewer)"},
};

// A cost given in seconds or in clock cycles of the hardware (an interpreter's dispatch
// scales with the core clock): seconds + cycles / clock.
struct LaunchCost {
  double seconds = 0;
  double cycles = 0;
};

// The figures a runtime sets, for every device class or (under `classes:`) for one.
struct RuntimeFigures {
  std::optional<LaunchCost> per_kernel;     // each kernel launched; absent: the spec's `overhead`
  std::optional<LaunchCost> per_inference;  // once per inference (a graph launch, invoke()); absent: 0
  std::optional<double> default_efficiency;
  std::map<OpClass, double> efficiency;              // factors on the spec's η per op class
  std::map<Precision, double> precision_efficiency;  // and per precision (multiplied in)
};

struct Runtime {
  std::string id = "none";
  std::string name = "no runtime: nothing fused, the spec's overhead per layer";
  std::string origin;  // "builtin:runtimes/tensorrt.yaml" or a path; empty for the default record
  FusionSet fusion = 0;
  bool residency = false;  // a tensor may stay in the first on-chip level for its readers
  ConvAlgorithm conv_algorithm = ConvAlgorithm::direct;
  // How the terms combine when --time-model is not given (`time_model:`): an NPU runtime whose
  // DMA overlaps compute (Vela's max of NPU and memory cycles) sets roofline. Absent: iron-law.
  std::optional<TimeModel> time_model;
  RuntimeFigures figures;
  std::map<std::string, RuntimeFigures> classes;  // device class -> figures that replace the above
  std::vector<std::string> sources;

  // The figures for `spec`: its device class's where given, else the runtime's. Launch costs
  // in cycles need the spec's clock (checked by check_runtime_for).
  double kernel_launch_s(const HardwareSpec& spec) const;
  double inference_launch_s(const HardwareSpec& spec) const;
  // η_runtime = (the op class's factor, else the default) × (the precision's factor, else 1).
  double efficiency_factor(OpClass op_class, Precision precision, const HardwareSpec& spec) const;
};

// The default runtime for a spec: its `runtime:` field, else by device class (cloud, edge and
// mobile GPUs: tensorrt; tinyml: tflite-micro; npu: ethos-u; cpu: onednn).
std::string default_runtime_id(const HardwareSpec& spec);
// Parses a runtime from YAML text; `file` names it in errors.
Runtime parse_runtime(const std::string& text, const std::string& file);
// A built-in id or a YAML path; unknown ids list the built-in ones.
Runtime resolve_runtime(const std::string& id_or_path, const std::string& argument = "--runtime");
std::vector<std::string> builtin_runtime_ids();
std::string runtime_text(const std::string& id_or_path);  // the file as written (`runtimes show`)
// Throws Error (naming `argument`) when the runtime gives a cost in cycles and the spec has no clock.
void check_runtime_for(const Runtime& runtime, const HardwareSpec& spec, const std::string& argument);

}  // namespace convroof
