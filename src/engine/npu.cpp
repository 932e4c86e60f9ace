// Layers as the NPU operations of Vela's command stream, estimated by the port of Vela 3.10's
// performance model (src/engine/vela.hpp): what a spec gets when its mac_array names a Vela
// accelerator configuration (docs/formats.md, "Vela's estimator").
//
// How a model becomes Vela's operations:
//   - one operation per kernel of the fusion plan: the ethos-u runtime's conv-bn-act,
//     eltwise-chain and pool-epilogue patterns are Vela's (batch norm folded by the converter,
//     the activation run in the output stage of the operation before it); a fused ReLU-family
//     activation adds its output-stage cycles (Op::fused_activation);
//   - conv2d (groups 1) -> CONV_2D, depthwise -> DEPTHWISE_CONV_2D, dense -> FULLY_CONNECTED
//     (IFM 1x1xF), max/average pooling -> MAX/AVERAGE_POOL (global: the input's HxW window),
//     add/mul -> binary element-wise, a stand-alone activation -> unary element-wise;
//   - tensor formats as Vela lays them out: NHWC at the model's inputs and outputs, NHCWB16
//     (bricks of 16 channels) between NPU operations (scheduler.py,
//     create_scheduler_representation), which sets the SRAM burst efficiency;
//   - weight DMA in order: an operation's weight transfer hides under the one before it;
//   - batch N: Vela runs the N images one after another; the cycles of one are multiplied by N.
// Views (flatten, reshape) are free (Vela aliases them); grouped convolutions, transposed
// convolutions, concatenation, softmax and the other kinds, and operations whose shapes Vela
// places on the CPU (on_npu), have no Vela estimate here and keep the granularity model
// (src/engine/mac_array.cpp).
#include <algorithm>

#include "engine.hpp"
#include "vela.hpp"

namespace convroof {

namespace {

int bits(Precision precision) { return precision_bytes(precision) * 8; }

// Whether Vela places the operation on the NPU at all, by the generic constraints of Vela
// 3.10's tflite_supported_operators.py that shapes decide: every tensor dimension in
// tens_dim_range [1, 65535]; stride in stride_range [1, 3]; a convolution's dilated kernel height
// in dilated_height_range [1, 64] and its dilated area in dilated_product_range [1, 64 x 64]; a
// pooling window's height in filter_height_range [1, 256] and its area in filter_product_range
// [1, 256 x 256], and both sides in filter_range [1, 8] for a padded average pool. An operation
// outside them runs on the CPU in Vela, so it has no Vela estimate here (the granularity rules
// give its cycles).
bool on_npu(const Layer& layer) {
  auto dims_ok = [](const Shape& shape) {
    return !shape.empty() && std::all_of(shape.begin(), shape.end(), [](std::int64_t d) { return d >= 1 && d <= 65535; });
  };
  if (layer.input_shapes.empty() || !dims_ok(layer.output_shape)) return false;
  if (!std::all_of(layer.input_shapes.begin(), layer.input_shapes.end(), dims_ok)) return false;
  if (!has_trait(layer.op, kWindowed)) return true;
  const auto in_range = [](std::int64_t v, std::int64_t low, std::int64_t high) { return v >= low && v <= high; };
  if (!in_range(layer.stride[0], 1, 3) || !in_range(layer.stride[1], 1, 3)) return false;
  if (layer.op == LayerOp::maxpool || layer.op == LayerOp::avgpool) {
    const bool padded = std::any_of(layer.padding.begin(), layer.padding.end(), [](std::int64_t p) { return p > 0; });
    if (layer.op == LayerOp::avgpool && padded)
      return in_range(layer.kernel[0], 1, 8) && in_range(layer.kernel[1], 1, 8);
    return in_range(layer.kernel[0], 1, 256) && in_range(layer.kernel[1], 1, 65536 / std::max<std::int64_t>(layer.kernel[0], 1));
  }
  const std::int64_t height = (layer.kernel[0] - 1) * layer.dilation[0] + 1;
  const std::int64_t width = (layer.kernel[1] - 1) * layer.dilation[1] + 1;
  return in_range(height, 1, 64) && in_range(width, 1, 64 * 64 / height);
}

// The Vela operation for the kernel headed by `layer`, or nullopt when the port has none.
std::optional<vela::Op> vela_op(const Layer& layer) {
  if (!on_npu(layer)) return std::nullopt;
  const Shape& in = layer.input_shapes.front();
  const Shape& out = layer.output_shape;
  vela::Op op{};
  auto spatial = [&](const Shape& shape, int& h, int& w, int& c) {
    if (shape.size() == 4) {
      h = static_cast<int>(shape[1]), w = static_cast<int>(shape[2]), c = static_cast<int>(shape[3]);
    } else {
      h = w = 1, c = static_cast<int>(shape.back());
    }
  };
  spatial(in, op.ifm_h, op.ifm_w, op.ifm_c);
  spatial(out, op.ofm_h, op.ofm_w, op.ofm_c);
  auto window = [&]() {
    op.kernel_h = static_cast<int>(layer.kernel[0]), op.kernel_w = static_cast<int>(layer.kernel[1]);
    op.stride_h = static_cast<int>(layer.stride[0]), op.stride_w = static_cast<int>(layer.stride[1]);
    op.dilation_h = static_cast<int>(layer.dilation[0]), op.dilation_w = static_cast<int>(layer.dilation[1]);
    // Layer::padding is [top, bottom, left, right].
    op.pad_top = static_cast<int>(layer.padding[0]), op.pad_bottom = static_cast<int>(layer.padding[1]);
    op.pad_left = static_cast<int>(layer.padding[2]), op.pad_right = static_cast<int>(layer.padding[3]);
  };
  switch (layer.op) {
    case LayerOp::conv2d:
      if (layer.op_class == OpClass::depthwise) {
        op.kind = vela::OpKind::depthwise;
      } else if (layer.groups == 1) {
        op.kind = vela::OpKind::conv2d;
      } else {
        return std::nullopt;  // Vela runs grouped convolutions on the CPU
      }
      window();
      break;
    case LayerOp::depthwise_conv2d:
      op.kind = vela::OpKind::depthwise;
      window();
      break;
    case LayerOp::dense:
      if (in.size() != 2) return std::nullopt;
      op.kind = vela::OpKind::fully_connected;
      break;
    case LayerOp::maxpool:
    case LayerOp::avgpool:
      op.kind = layer.op == LayerOp::maxpool ? vela::OpKind::pool_max : vela::OpKind::pool_avg;
      window();
      break;
    case LayerOp::global_avgpool:
      if (in.size() != 4) return std::nullopt;
      op.kind = vela::OpKind::pool_avg;
      op.kernel_h = op.stride_h = op.ifm_h, op.kernel_w = op.stride_w = op.ifm_w;
      break;
    case LayerOp::add:
    case LayerOp::mul:
      if (layer.input_shapes.size() + static_cast<std::size_t>(layer.constant_operands) != 2) return std::nullopt;
      op.kind = layer.op == LayerOp::add ? vela::OpKind::add : vela::OpKind::mul;
      op.ifm2 = true;
      break;
    // An activation is a Vela elementwise op, softmax excepted; the port has none for the
    // others. The op class decides, not the kind: an importer's `elementwise` op may be one.
    case LayerOp::batchnorm:
    case LayerOp::relu:
    case LayerOp::relu6:
    case LayerOp::leaky_relu:
    case LayerOp::hardswish:
    case LayerOp::hardsigmoid:
    case LayerOp::sigmoid:
    case LayerOp::tanh:
    case LayerOp::silu:
    case LayerOp::gelu:
    case LayerOp::concat:
    case LayerOp::flatten:
    case LayerOp::softmax:
    case LayerOp::lumped:
    case LayerOp::conv_transpose:
    case LayerOp::matmul:
    case LayerOp::clip:
    case LayerOp::reshape:
    case LayerOp::transpose:
    case LayerOp::pad:
    case LayerOp::resize:
    case LayerOp::reduce_mean:
    case LayerOp::quantize:
    case LayerOp::elementwise:
    case LayerOp::normalization:
    case LayerOp::reduce:
    case LayerOp::copy:
    case LayerOp::unmodeled:
      if (layer.op_class != OpClass::activation || layer.op == LayerOp::softmax) return std::nullopt;
      op.kind = vela::OpKind::other_elementwise;
      break;
  }
  // Vela encodes a scale and bias per output channel whether or not the layer has a bias
  // (the requantization needs the scale): weight_compressor.py, encode_weight_and_scale_tensor.
  op.has_bias = true;
  return op;
}

bool relu_family(LayerOp op) { return op == LayerOp::relu || op == LayerOp::relu6 || op == LayerOp::clip; }

}  // namespace

void vela_estimates(const Model& model, const HardwareSpec& spec, const FusionPlan& plan,
                    const std::vector<Precision>& dtypes, std::vector<std::optional<MacArrayCost::Vela>>& out) {
  const std::size_t count = model.layers.size();
  out.assign(count, std::nullopt);
  const vela::Accelerator* accelerator = vela::find_accelerator(spec.mac_array->vela);
  vela::Memory memory;
  memory.core_clock_hz = *spec.clock_hz;
  // Who reads each layer: a layer nobody reads is a model output (stored NHWC). A view passes
  // its readers on to the layer it aliases.
  std::vector<int> readers(count, 0);
  for (const auto& layer : model.layers)
    for (int source : layer.inputs)
      if (source >= 0) ++readers[static_cast<std::size_t>(source)];
  auto aliased = [&](int index) {
    while (index >= 0 && is_view(model.layers[static_cast<std::size_t>(index)].op))
      index = model.layers[static_cast<std::size_t>(index)].inputs.front();
    return index;
  };
  std::vector<vela::Op> ops;
  std::vector<std::size_t> heads;
  for (std::size_t i = 0; i < count; ++i) {
    const Layer& layer = model.layers[i];
    if (plan.fused(i) || is_view(layer.op)) continue;
    auto op = vela_op(layer);
    if (!op) continue;
    // The kernel's last layer writes its output; a ReLU-family activation among its followers
    // runs in the output stage.
    std::size_t last = i;
    for (std::size_t j = i + 1; j < count && plan.kernel[j] == static_cast<int>(i); ++j) {
      last = j;
      if (relu_family(model.layers[j].op)) op->fused_activation = true;
    }
    const int source = layer.inputs.empty() ? -1 : aliased(layer.inputs.front());
    op->ifm_format = source < 0 ? vela::Format::nhwc : vela::Format::nhcwb16;
    bool model_output = readers[last] == 0;
    for (std::size_t j = last + 1; j < count && !model_output; ++j)  // read only through views nobody reads
      if (is_view(model.layers[j].op) && aliased(static_cast<int>(j)) == static_cast<int>(last) && readers[j] == 0)
        model_output = true;
    op->ofm_format = model_output ? vela::Format::nhwc : vela::Format::nhcwb16;
    op->ifm_bits = op->ofm_bits = bits(dtypes[i]);
    op->weight_bits = bits(spec.weight_precision_for(dtypes[i]));
    ops.push_back(*op);
    heads.push_back(i);
  }
  const std::vector<vela::Estimate> estimates = vela::estimate_chain(*accelerator, memory, ops);
  for (std::size_t k = 0; k < heads.size(); ++k) {
    const vela::Estimate& e = estimates[k];
    const Layer& layer = model.layers[heads[k]];
    const double images = static_cast<double>(std::max<std::int64_t>(layer.output_shape.front(), 1));
    MacArrayCost::Vela figures;
    figures.block = {e.block_h, e.block_w, e.block_ifm_c, e.block_ofm_c};
    figures.traversal = e.traversal;
    figures.op_cycles = e.op_cycles * images;
    figures.npu_cycles = e.npu_cycles * images;
    figures.sram_access_cycles = e.sram_access_cycles * images;
    figures.flash_access_cycles = e.flash_access_cycles * images;
    figures.weight_bytes = e.weight_bytes_encoded;
    figures.weight_buffering = e.weight_buffering;
    out[heads[k]] = std::move(figures);
  }
}

}  // namespace convroof
