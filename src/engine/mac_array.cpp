// The MAC-array utilisation model (hardware `mac_array`, docs/formats.md), after Arm's Vela
// performance estimator for the Ethos-U55 (npu_performance.py, weight_compressor.py):
//
//   MACs per cycle  m = R / (2·clock)            (R: the unit's peak at the layer's precision;
//                                                  16-bit rates are listed at half the 8-bit one)
//   taps            t = kh·kw (dense: 1);  input depth d = C/g (dense: F)
//   depthwise:      share s = class_share[depthwise] (1/8 on the U55: 16 of 128 MACs),
//                   tap utilisation u_t = t / roundup(t, tap_group), depth utilisation u_d = 1
//   other convs:    kernel-first (part-kernel-first): u_t = t / roundup(t, tap_group),
//                                                     u_d = d / roundup(d, kernel_first_depth)
//                   depth-first:                      u_t = 1, u_d = d / roundup(d, depth_first_depth)
//                   kernel-first when its u_t·u_d >= depth-first's, or when d <= kernel_first_max_depth
//   MAC cycles      = MACs / (m · s · u_t · u_d · η)
//   output cycles   = output elements · output_cycles_per_element (an epilogue fused into the
//                     kernel before it adds none: that kernel's output stage already ran)
//   cycles          = max(MAC cycles, output cycles);  T_comp = cycles / clock
//   utilisation     = MACs / (cycles · m);  MACs wasted to granularity = MACs/(u_t·u_d) − MACs
// Layers without MACs (pooling, element-wise) take max(FLOPs / (R·η) · clock, output cycles).
// Seed 004 (U55-128, int8): 3x3 conv at depth 16: kernel-first 1 x 9/12 = 75 % (depth-first
// 50 %); 3x3 depthwise: 1/8 x 75 % = 9.375 %; 1x1 conv at depth 16: kernel-first 25 %,
// depth-first 16/32 = 50 % (Vela picks it), then bound by the output stage at 0.5 cycles per
// output: 25 % of the array over the layer either way.
#include <algorithm>
#include <cmath>

#include "checked.hpp"
#include "engine.hpp"

namespace convroof {

namespace {

double fill(std::int64_t used, std::int64_t granularity) {
  return static_cast<double>(used) /
         static_cast<double>(ceil_div(static_cast<std::uint64_t>(used), static_cast<std::uint64_t>(granularity)) *
                             static_cast<std::uint64_t>(granularity));
}

}  // namespace

MacArrayCost mac_array_cost(const MacArrayModel& model, const Layer& layer, const OpCounts& counts,
                            double peak_flops_per_s, double efficiency, double clock_hz, bool fused_epilogue) {
  MacArrayCost cost;
  cost.macs_per_cycle = peak_flops_per_s / (2.0 * clock_hz);
  cost.output_cycles =
      fused_epilogue ? 0.0 : static_cast<double>(counts.output_elements) * model.output_cycles_per_element;
  if (counts.macs == 0) {
    cost.mode = "elementwise";
    cost.mac_cycles = static_cast<double>(counts.flops) / (peak_flops_per_s * efficiency) * clock_hz;
  } else {
    if (auto share = model.class_share.find(layer.op_class); share != model.class_share.end())
      cost.class_share = share->second;
    const bool dense = layer.op == LayerOp::dense;
    const std::int64_t taps = dense ? 1 : layer.kernel[0] * layer.kernel[1];
    const Shape& in = layer.input_shapes.front();
    const std::int64_t depth = dense ? in.back() : in[3] / layer.groups;
    if (layer.op_class == OpClass::depthwise) {
      cost.mode = "depthwise";
      cost.tap_utilization = fill(taps, model.tap_group);
    } else {
      const double kernel_first = fill(taps, model.tap_group) * fill(depth, model.kernel_first_depth);
      const double depth_first = fill(depth, model.depth_first_depth);
      if (kernel_first >= depth_first || depth <= model.kernel_first_max_depth) {
        cost.mode = "kernel-first";
        cost.tap_utilization = fill(taps, model.tap_group);
        cost.depth_utilization = fill(depth, model.kernel_first_depth);
      } else {
        cost.mode = "depth-first";
        cost.depth_utilization = depth_first;
      }
    }
    const double granular = cost.tap_utilization * cost.depth_utilization;
    cost.mac_cycles =
        static_cast<double>(counts.macs) / (cost.macs_per_cycle * cost.class_share * granular * efficiency);
    const double wasted = std::round(static_cast<double>(counts.macs) / granular - static_cast<double>(counts.macs));
    cost.wasted_macs = wasted < 1.8e19 ? static_cast<std::uint64_t>(wasted) : UINT64_MAX;
  }
  cost.cycles = std::max(cost.mac_cycles, cost.output_cycles);
  cost.utilization = cost.cycles > 0 ? static_cast<double>(counts.macs) / (cost.cycles * cost.macs_per_cycle) : 0.0;
  return cost;
}

}  // namespace convroof
