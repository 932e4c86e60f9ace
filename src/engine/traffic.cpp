// Fusion planning and the traffic models (include/convroof/traffic.hpp). Notation: b bytes
// per element (weights at their own precision's bytes where the spec's weight_precision says), I / W / O the input, weight and output bytes of a layer as compulsory
// (ideal) traffic, S the capacity of the on-chip level (the first level inside the ones
// weights and activations live in: a GPU's L2, an NPU's SHRAM).
#include <fmt/format.h>

#include <algorithm>

#include "checked.hpp"
#include "convroof/units.hpp"
#include "engine.hpp"

namespace convroof {

namespace {

bool is_weighted(const Layer& layer) {
  return has_trait(layer.op, kWeighted);
}

std::uint64_t dilated_kernel_height(const Layer& layer) {
  return static_cast<std::uint64_t>(layer.dilation[0] * (layer.kernel[0] - 1) + 1);
}

}  // namespace

// The patterns (convroof/runtime.hpp), each fusing a layer into the kernel that produces one of
// its inputs (the producer feeds only it and is not the model's output); the fused input is not
// written by the producer nor read by the layer, and the layer pays no launch (L) of its own:
//
// conv-bn-act: a batch-norm or activation layer whose producer is a weighted layer or already
// part of one's kernel runs in that kernel's epilogue; a batch norm's scale and shift fold into
// the conv's weights and bias (no weight traffic).
//
// residual: an add with one input from a weighted layer's kernel (the latest such input when
// several are) runs in that kernel's epilogue; its other inputs (the skip) are read from memory
// by the kernel. An activation after it then folds by conv-bn-act (TensorRT's conv + add + relu).
//
// eltwise-chain / pool-epilogue: an epilogue layer (activation, batch norm) whose producer is an
// element-wise or activation layer / a pooling layer runs in the producer's kernel.
//
// dw-pw: a pointwise conv reading, as its only consumer, the (last layer of the) kernel of
// a depthwise layer runs in that kernel, so the H·W·C intermediate stays on chip, when a
// tile of the pair fits the on-chip level. The tile that streams the pair row by row:
//   kh_eff input rows of the depthwise (kh_eff·W_in·C) + one intermediate row (Wo·C)
//   + one output row (Wo·K) elements, plus both layers' weights, at b bytes per element.
// Without conv-bn-act, only a depthwise layer read directly by the pointwise conv qualifies.
void plan_fusion(const Model& model, const HardwareSpec& hardware, FusionSet patterns,
                 const std::vector<Precision>& dtypes, FusionPlan& plan) {
  const std::size_t count = model.layers.size();
  plan.kernel.resize(count);
  for (std::size_t i = 0; i < count; ++i) plan.kernel[i] = static_cast<int>(i);
  plan.input_on_chip.assign(count, 0);
  plan.output_on_chip.assign(count, false);
  plan.folded.assign(count, false);
  plan.notes.clear();
  if (patterns == 0 || count == 0) return;
  std::vector<int> consumers(count, 0);
  for (const auto& layer : model.layers)
    for (int source : layer.inputs)
      if (source >= 0) ++consumers[static_cast<std::size_t>(source)];

  auto on_chip = hardware.on_chip_levels();
  const MemoryLevel* buffer = on_chip.empty() ? nullptr : on_chip.front();
  std::vector<std::string> too_big, unbuffered;
  std::size_t indirect_pairs = 0;
  // A producer only this layer reads, and not the model's output.
  auto only_reader = [&](int source) {
    return source >= 0 && consumers[static_cast<std::size_t>(source)] == 1 &&
           static_cast<std::size_t>(source) != count - 1;
  };
  auto sole_producer = [&](const Layer& layer) -> int {
    if (layer.inputs.size() != 1 || !only_reader(layer.inputs.front())) return -1;
    return layer.inputs.front();
  };
  auto head_of = [&](int source) -> const Layer& {
    return model.layers[static_cast<std::size_t>(plan.kernel[static_cast<std::size_t>(source)])];
  };
  auto fuse_into = [&](std::size_t layer, int source, std::size_t position) {
    plan.kernel[layer] = plan.kernel[static_cast<std::size_t>(source)];
    plan.input_on_chip[layer] = static_cast<std::uint8_t>(position + 1);
    plan.output_on_chip[static_cast<std::size_t>(source)] = true;
  };
  const bool conv_bn_act = has_pattern(patterns, FusionPattern::conv_bn_act);

  for (std::size_t i = 0; i < count; ++i) {
    const Layer& layer = model.layers[i];
    if (layer.op == LayerOp::add && layer.inputs.size() >= 2) {
      if (!has_pattern(patterns, FusionPattern::residual) || layer.inputs.size() > 255) continue;
      int best = -1;
      std::size_t position = 0;
      for (std::size_t k = 0; k < layer.inputs.size(); ++k) {
        int source = layer.inputs[k];
        if (source > best && only_reader(source) && is_weighted(head_of(source))) {
          best = source;
          position = k;
        }
      }
      if (best >= 0) fuse_into(i, best, position);
      continue;
    }
    int source = sole_producer(layer);
    if (source < 0) continue;
    const Layer& head = head_of(source);
    if (is_epilogue(layer)) {
      const OpClass producer = model.layers[static_cast<std::size_t>(source)].op_class;
      if (conv_bn_act && is_weighted(head)) {
        fuse_into(i, source, 0);
        plan.folded[i] = layer.op == LayerOp::batchnorm;
        continue;
      }
      const bool elementwise = producer == OpClass::eltwise || producer == OpClass::activation;
      if ((has_pattern(patterns, FusionPattern::eltwise_chain) && elementwise) ||
          (has_pattern(patterns, FusionPattern::pool_epilogue) && producer == OpClass::pool)) {
        fuse_into(i, source, 0);
        continue;
      }
    }
    if (layer.op_class != OpClass::pointwise || head.op_class != OpClass::depthwise) continue;
    if (!has_pattern(patterns, FusionPattern::dw_pw)) continue;
    if (!conv_bn_act && &head != &model.layers[static_cast<std::size_t>(source)]) {
      ++indirect_pairs;
      continue;
    }
    std::string pair = fmt::format("{}->{}", head.name, layer.name);
    if (!buffer) {
      unbuffered.push_back(pair);
      continue;
    }
    const Shape& in = head.input_shapes.front();
    const Shape& mid = head.output_shape;
    const Shape& out = layer.output_shape;
    const auto b_head =
        static_cast<std::uint64_t>(precision_bytes(dtypes[static_cast<std::size_t>(plan.kernel[source])]));
    const auto b_layer = static_cast<std::uint64_t>(precision_bytes(dtypes[i]));
    const Checked checked = Checked::for_layer(layer);
    std::uint64_t tile =
        checked.mul(b_head, checked.add(checked.mul(dilated_kernel_height(head), checked.elements({in[2], in[3]})),
                                        checked.elements({mid[2], mid[3]})));
    tile = checked.add(tile, checked.mul(b_layer, checked.elements({out[2], out[3]})));
    tile = checked.add(tile, checked.mul(b_head, count_ops(head).params));
    tile = checked.add(tile, checked.mul(b_layer, count_ops(layer).params));
    if (static_cast<double>(tile) > buffer->capacity_bytes) {
      too_big.push_back(fmt::format("{} ({})", pair, format_bytes(static_cast<double>(tile))));
      continue;
    }
    fuse_into(i, source, 0);
  }
  if (!unbuffered.empty())
    plan.notes.push_back(fmt::format("dw-pw fusion needs an on-chip memory level and '{}' lists none; not fused: {}",
                                     hardware.id, join(unbuffered)));
  if (!too_big.empty())
    plan.notes.push_back(
        fmt::format("dw-pw not fused where a tile (kh input rows + 1 intermediate row + 1 output row "
                    "+ both layers' weights) exceeds '{}' ({}): {}",
                    buffer->name, format_bytes(buffer->capacity_bytes), join(too_big)));
  if (indirect_pairs > 0)
    plan.notes.push_back(
        fmt::format("{} depthwise->pointwise pair(s) have batch-norm/activation layers between them; --fuse all "
                    "folds those and fuses the pair",
                    indirect_pairs));
}

// Per layer, with fused inputs and outputs contributing nothing (they stay on chip):
//
// ideal:    I = input elements·b, W = params·b, O = output elements·b.
//
// no-reuse: convolution and dense layers fetch both operands of every MAC from memory:
//           I = MACs·b, W = (MACs + one bias per output)·b, O as ideal. A 3x3 depthwise
//           output then costs 9 + 9 + 1 bytes at int8 for 18 ops (seed 000). Pooling reads
//           its kh·kw window per output: I = outputs·kh·kw·b. Element-wise layers have no
//           reuse to lose: ideal.
//
// tiled:    per group of a convolution (g groups: depthwise g = C; I, W, O divided by g),
//           with the on-chip level's S bytes:
//             fits:  I + W + O <= S                  -> I + W + O (compulsory)
//             otherwise, half of S holds a resident operand, half streams the other and the
//             output tiles (double buffering), and the cheaper loop order wins:
//             (a) weight-stationary: W in ceil(W / (S/2)) chunks of output channels, each
//                 with its full reduction, so outputs finish on chip and are written once;
//                 the input streams once per chunk. Streaming needs a line buffer of kh_eff
//                 input rows (kh_eff = dilation·(kh−1)+1, a row = W_in·C/g elements); if it
//                 does not fit S/2, each input row is re-read for every output row that uses
//                 it, ceil(kh_eff / stride) times:
//                 D_a = W + I·chunks·rereads + O
//             (b) input-stationary: I in ceil(I / (S/2)) bands of rows; all weights stream
//                 once per band; neighbouring bands share kh_eff − stride halo rows, read twice:
//                 D_b = I + (bands − 1)·max(0, kh_eff − stride)·row bytes + W·bands + O
//             D = min(D_a, D_b) >= I + W + O: never below ideal. Dense layers are the 1-row
//           case (kh_eff = stride = 1, a row = the F input features). Other layers stream
//           with at most a window of rows: ideal. No on-chip level (S = 0): ideal.
ByteCounts layer_traffic(const Layer& layer, const OpCounts& counts, std::uint64_t element_bytes,
                         std::uint64_t weight_bytes, Traffic traffic, const FusionPlan& plan, std::size_t index,
                         std::uint64_t buffer_bytes) {
  const Checked checked = Checked::for_layer(layer);
  ByteCounts bytes;
  if (layer.op == LayerOp::lumped) {
    bytes.input = layer.lumped_bytes;  // given; a lumped layer has no split
    return bytes;
  }
  if (!counts.is_view)
    for (std::size_t k = 0; k < layer.input_shapes.size(); ++k)
      if (plan.input_on_chip[index] != k + 1)  // a fused input stays on chip
        bytes.input =
            checked.add(bytes.input, checked.mul(checked.elements(layer.input_shapes[k]), element_bytes));
  bytes.weights = plan.folded[index] ? 0 : checked.mul(counts.params, weight_bytes);
  bytes.output = plan.output_on_chip[index] ? 0 : checked.mul(counts.output_elements, element_bytes);
  const bool input_in_memory = bytes.input > 0;

  if (traffic == Traffic::no_reuse) {
    if (is_weighted(layer)) {
      if (input_in_memory) bytes.input = checked.mul(counts.macs, element_bytes);
      std::uint64_t bias_reads = layer.bias ? counts.output_elements : 0;
      bytes.weights = checked.mul(checked.add(counts.macs, bias_reads), weight_bytes);
    } else if ((layer.op == LayerOp::maxpool || layer.op == LayerOp::avgpool) && input_in_memory) {
      bytes.input = checked.mul(checked.mul(counts.output_elements, static_cast<std::uint64_t>(layer.kernel[0])),
                                checked.mul(static_cast<std::uint64_t>(layer.kernel[1]), element_bytes));
    }
    return bytes;
  }
  if (traffic == Traffic::ideal || !is_weighted(layer) || buffer_bytes == 0) return bytes;

  // Tiled, per group.
  const std::uint64_t groups = layer.op == LayerOp::dense ? 1 : static_cast<std::uint64_t>(layer.groups);
  const std::uint64_t input = bytes.input / groups, weights = bytes.weights / groups, output = bytes.output / groups;
  if (checked.add(checked.add(input, weights), output) <= buffer_bytes) return bytes;
  const Shape& in = layer.input_shapes.front();
  const bool dense = layer.op == LayerOp::dense;
  const std::uint64_t window = dense ? 1 : dilated_kernel_height(layer);
  const std::uint64_t stride = dense ? 1 : static_cast<std::uint64_t>(layer.stride[0]);
  const std::uint64_t rows =
      dense ? counts.input_elements / static_cast<std::uint64_t>(in.back()) : static_cast<std::uint64_t>(in[0] * in[1]);
  const std::uint64_t row_bytes = input_in_memory ? input / std::max<std::uint64_t>(rows, 1) : 0;
  const std::uint64_t half = std::max<std::uint64_t>(buffer_bytes / 2, 1);

  const std::uint64_t chunks = std::max<std::uint64_t>(ceil_div(weights, half), 1);
  const std::uint64_t rereads = checked.mul(window, row_bytes) <= half ? 1 : ceil_div(window, stride);
  const std::uint64_t weight_stationary =
      checked.add(checked.add(weights, checked.mul(checked.mul(input, chunks), rereads)), output);
  const std::uint64_t bands = std::max<std::uint64_t>(ceil_div(input, half), 1);
  const std::uint64_t halo = checked.mul(checked.mul(bands - 1, window > stride ? window - stride : 0), row_bytes);
  const std::uint64_t input_stationary =
      checked.add(checked.add(checked.add(input, halo), checked.mul(weights, bands)), output);
  if (weight_stationary <= input_stationary) {
    bytes.input = checked.mul(checked.mul(input, chunks), rereads);
    bytes.weights = weights;
  } else {
    bytes.input = checked.add(input, halo);
    bytes.weights = checked.mul(weights, bands);
  }
  bytes.input = checked.mul(bytes.input, groups);
  bytes.weights = checked.mul(bytes.weights, groups);
  bytes.output = checked.mul(output, groups);
  return bytes;
}

}  // namespace convroof
