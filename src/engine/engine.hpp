// Internal pieces of analyze(): the fusion plan, the traffic models and the MAC-array
// utilisation model. Each is a pure function of the model, the spec and the options.
#pragma once

#include <string>
#include <vector>

#include "convroof/cost.hpp"

namespace convroof {

// Which intermediates stay on chip. Per layer: the layer whose kernel runs it, which of its
// inputs is a fused intermediate (1 + its position in Layer::inputs; 0: none), whether its
// output is one, whether its weights are folded away.
struct FusionPlan {
  std::vector<int> kernel;
  // Flags as bytes, not vector<bool>: refilling bit vectors per model is a measurable share of
  // a sweep point.
  std::vector<std::uint8_t> input_on_chip;
  std::vector<std::uint8_t> output_on_chip;
  std::vector<std::uint8_t> folded;  // batch-norm folded into the conv before it: no weight traffic
  std::vector<std::string> notes;
  bool fused(std::size_t layer) const { return kernel[layer] != static_cast<int>(layer); }
};

// Fills `plan` (reusing its buffers). `dtypes[i]` is layer i's precision. Capacity checks use
// the first on-chip level.
void plan_fusion(const Model& model, const HardwareSpec& hardware, FusionSet patterns,
                 const std::vector<Precision>& dtypes, FusionPlan& plan);

// Bytes a layer moves across the home memory boundary under a traffic model, at
// `element_bytes` per activation element and `weight_bytes` per weight (HardwareSpec::
// weight_precision); `buffer_bytes` is the on-chip level tiles must fit in (0: none, tiled
// traffic is then ideal).
ByteCounts layer_traffic(const Layer& layer, const OpCounts& counts, std::uint64_t element_bytes,
                         std::uint64_t weight_bytes, Traffic traffic, const FusionPlan& plan, std::size_t index,
                         std::uint64_t buffer_bytes);

// Vela's estimate (src/engine/vela.hpp) for every layer of `model` on the accelerator `spec`'s
// mac_array names (src/engine/npu.cpp): a layer that is an NPU operation (the head of its fused
// kernel) gets one; its fused followers, views and what the port does not cover get none.
// `dtypes[i]` is layer i's precision. Weight DMA hides under the operation before it, in order.
void vela_estimates(const Model& model, const HardwareSpec& spec, const FusionPlan& plan,
                    const std::vector<Precision>& dtypes, std::vector<std::optional<MacArrayCost::Vela>>& out);

// The MAC-array model's cycles for a layer running on the modelled unit.
MacArrayCost mac_array_cost(const MacArrayModel& model, const Layer& layer, const OpCounts& counts,
                            double peak_flops_per_s, double efficiency, double clock_hz, bool fused_epilogue);

}  // namespace convroof
