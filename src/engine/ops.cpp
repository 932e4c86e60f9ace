// Operation counting: one formula per layer kind. Notation: N batch, H×W input size,
// C input channels, Ho×Wo output size, K output channels, kh×kw kernel, g groups.
// 1 MAC = 2 FLOP (docs/architecture.md, Conventions). MACs count only multiply-accumulates with weights
// (convolution, dense); everything else adds FLOPs but no MACs, so the MAC totals
// match the figures papers quote ("mult-adds").
#include "checked.hpp"
#include "convroof/cost.hpp"

namespace convroof {

namespace {

// A layer whose every output element is a dot product of `per_output` inputs with
// weights, over `channels` output channels: MACs = outputs·per_output,
// params = per_output·channels (+ channels biases), FLOPs = 2·MACs (+ outputs bias adds).
void weighted(const Checked& checked, bool bias, OpCounts& counts, std::uint64_t per_output, std::uint64_t channels) {
  counts.macs = checked.mul(counts.output_elements, per_output);
  counts.params = checked.mul(per_output, channels);
  counts.flops = checked.mul(2, counts.macs);
  if (bias) {
    counts.params = checked.add(counts.params, channels);
    counts.flops = checked.add(counts.flops, counts.output_elements);
  }
}

}  // namespace

OpCounts count_ops(const Layer& layer) {
  const Checked checked = Checked::for_layer(layer);
  OpCounts counts;
  if (layer.op == LayerOp::lumped) {
    // Given directly (totals for one run): FLOPs and bytes; MACs = FLOPs / 2 by the convention.
    counts.flops = layer.lumped_flops;
    counts.macs = layer.lumped_flops / 2;
    counts.params = layer.lumped_params;
    return counts;  // bytes are given, not derived from elements (see analyze.cpp)
  }
  for (const auto& shape : layer.input_shapes)
    counts.input_elements = checked.add(counts.input_elements, checked.elements(shape));
  counts.output_elements = checked.elements(layer.output_shape);
  if (is_view(layer.op)) {
    // A view of the same memory (flatten, reshape): nothing is read, computed or written.
    counts.input_elements = counts.output_elements = 0;
    counts.is_view = true;
    return counts;
  }
  const std::uint64_t out = counts.output_elements;
  const Shape& in = layer.input_shapes.front();

  switch (layer.op) {
    case LayerOp::conv2d:
    case LayerOp::depthwise_conv2d: {
      // Each output element sums (C/g)·kh·kw products:
      //   MACs   = N·Ho·Wo·K · (C/g)·kh·kw
      //   params = kh·kw·(C/g)·K (+ K biases)
      //   FLOPs  = 2·MACs (+ one add per output for the bias)
      // Depthwise: g = C, K = C·multiplier, so MACs = N·Ho·Wo·K·kh·kw.
      std::uint64_t per_group_channels = static_cast<std::uint64_t>(in[3] / layer.groups);
      std::uint64_t taps =
          checked.mul(static_cast<std::uint64_t>(layer.kernel[0]), static_cast<std::uint64_t>(layer.kernel[1]));
      weighted(checked, layer.bias, counts, checked.mul(per_group_channels, taps),
               static_cast<std::uint64_t>(layer.filters));
      break;
    }
    case LayerOp::conv_transpose: {
      // Each input element is scattered to kh·kw positions of each of its group's K/g
      // output channels: MACs = N·H·W·C · (K/g)·kh·kw; params = C·(K/g)·kh·kw (+ K biases);
      // FLOPs = 2·MACs (+ one add per output for the bias).
      std::uint64_t per_input = checked.mul(
          static_cast<std::uint64_t>(layer.filters / layer.groups),
          checked.mul(static_cast<std::uint64_t>(layer.kernel[0]), static_cast<std::uint64_t>(layer.kernel[1])));
      counts.macs = checked.mul(checked.elements(in), per_input);
      counts.params = checked.mul(static_cast<std::uint64_t>(in[3]), per_input);
      counts.flops = checked.mul(2, counts.macs);
      if (layer.bias) {
        counts.params = checked.add(counts.params, static_cast<std::uint64_t>(layer.filters));
        counts.flops = checked.add(counts.flops, out);
      }
      break;
    }
    case LayerOp::matmul:
      // A[…, M, K] · B[…, K, Nc] of two activations: each output is a K-long dot product,
      // MACs = out_elements·K, FLOPs = 2·MACs; no weights (constant operands: params). K is
      // the importer's `contraction` (A's last axis, or an Einsum's summed indices), else the
      // first input's last axis.
      counts.macs = checked.mul(
          out, static_cast<std::uint64_t>(layer.contraction > 0 ? layer.contraction : in.back()));
      counts.flops = checked.mul(2, counts.macs);
      counts.params = layer.constant_elements;
      break;
    case LayerOp::dense:
      // Over the last axis F → U: MACs = (elements/F)·F·U = out_elements·F;
      // params = F·U (+ U); FLOPs = 2·MACs (+ out for the bias).
      weighted(checked, layer.bias, counts, static_cast<std::uint64_t>(in.back()),
               static_cast<std::uint64_t>(layer.units));
      break;
    case LayerOp::maxpool:
      // max of kh·kw values: kh·kw − 1 comparisons per output.
      counts.flops = checked.mul(out, static_cast<std::uint64_t>(layer.kernel[0] * layer.kernel[1] - 1));
      break;
    case LayerOp::avgpool:
      // kh·kw − 1 adds and 1 multiply by 1/(kh·kw) per output = kh·kw FLOPs.
      counts.flops = checked.mul(out, static_cast<std::uint64_t>(layer.kernel[0] * layer.kernel[1]));
      break;
    case LayerOp::global_avgpool:
      // Per channel H·W − 1 adds + 1 multiply = H·W FLOPs, so N·H·W·C = input elements.
      counts.flops = counts.input_elements;
      break;
    case LayerOp::batchnorm:
      // Inference form y = x·scale + shift (mean and variance folded in): 2 FLOPs per
      // element; params = 2·C (γ and β, as frameworks count trainable parameters).
      counts.flops = checked.mul(2, out);
      counts.params = checked.mul(2, static_cast<std::uint64_t>(in.back()));
      break;
    case LayerOp::add:
    case LayerOp::mul:
      // n operands combine with n − 1 operations per output element. A constant operand
      // (ONNX import) is one more operand; a stored one is read like weights: params = its
      // elements (a scalar is not a parameter).
      counts.flops = checked.mul(out, layer.inputs.size() + static_cast<std::size_t>(layer.constant_operands) - 1);
      counts.params = layer.constant_elements;
      break;
    case LayerOp::elementwise:
    case LayerOp::normalization:
      // A fixed count per output element set by the importer: an element-wise op's row in
      // kOnnxElementwise (src/model/onnx.cpp) or the TFLite operator table; a normalization's
      // mean (1 add), variance (sub, square, add), normalize (sub, multiply by 1/sigma) and scale and shift (2) = 8, 6 without scale and shift (MVN),
      // LRN size + 4 (square, the window's size - 1 adds, scale and bias, pow, divide). Params:
      // its stored constant operands (a layer norm's scale and shift).
      counts.flops = checked.mul(out, static_cast<std::uint64_t>(layer.element_flops));
      counts.params = layer.constant_elements;
      break;
    case LayerOp::reduce:
      // Each input element is combined once (compare or add; L1, L2, sum of squares and
      // log-sum-exp first transform it: 2); the per-output finish (sqrt, log) is not counted.
      counts.flops = checked.mul(counts.input_elements, static_cast<std::uint64_t>(layer.element_flops));
      break;
    case LayerOp::reduce_mean:
      // Each output sums its in/out inputs (in/out − 1 adds) and divides once: in/out FLOPs,
      // so input elements in all.
      counts.flops = counts.input_elements;
      break;
    case LayerOp::resize:
      // A fixed count per output element by interpolation mode (set by the importer).
      counts.flops = checked.mul(out, static_cast<std::uint64_t>(layer.element_flops));
      break;
    case LayerOp::concat:
    case LayerOp::copy:
      // A copy: no arithmetic. A stored constant it copies (a class token) is a parameter.
      counts.params = layer.constant_elements;
      break;
    case LayerOp::relu:
    case LayerOp::relu6:
    case LayerOp::leaky_relu:
    case LayerOp::hardswish:
    case LayerOp::hardsigmoid:
    case LayerOp::sigmoid:
    case LayerOp::tanh:
    case LayerOp::silu:
    case LayerOp::gelu:
    case LayerOp::clip:
    case LayerOp::softmax:
    case LayerOp::quantize:
    case LayerOp::transpose:
    case LayerOp::pad:
    case LayerOp::unmodeled:
      // Element-wise activations, softmax, quantize, copies (transpose, pad: 0) and unmodeled
      // ops (0, bytes only): a fixed FLOP count per element (kLayerOps).
      counts.flops = checked.mul(out, static_cast<std::uint64_t>(layer_op_info(layer.op).flops_per_element));
      break;
    case LayerOp::lumped:
    case LayerOp::flatten:
    case LayerOp::reshape:
      break;  // counted above (given totals; views)
  }
  return counts;
}

}  // namespace convroof
