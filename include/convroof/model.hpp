// Models: an ordered list of layers with resolved NHWC shapes, loaded from a
// `convroof.workload/1` YAML file (docs/formats.md), a built-in id, the one-line
// `--layer "conv2d filters=128 kernel=3 input=224x224x128"` form, an ONNX file
// (src/model/onnx.cpp) or a TFLite file (src/model/tflite.cpp), chosen by content. Branches refer to earlier layers by name;
// shapes are inferred layer by layer and checked.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "convroof/error.hpp"
#include "convroof/kinds.hpp"

namespace convroof {

enum class LayerOp {
  conv2d,
  depthwise_conv2d,
  dense,
  maxpool,
  avgpool,
  global_avgpool,
  batchnorm,
  relu,
  relu6,
  leaky_relu,
  hardswish,
  hardsigmoid,
  sigmoid,
  tanh,
  silu,
  gelu,
  add,
  mul,
  concat,
  flatten,
  softmax,
  lumped,
  // Produced only by the ONNX importer (no YAML form).
  conv_transpose,
  matmul,
  clip,
  reshape,
  transpose,
  pad,
  resize,
  reduce_mean,
  quantize,
  elementwise,
  normalization,
  reduce,
  copy,
  unmodeled,  // stays last: kLayerOps has one row per kind, in this order (src/model/workload.cpp checks)
};

// What the code needs to know of a layer kind beyond its name, as flags of its row.
enum LayerTrait : unsigned {
  kWindowed = 1u << 0,  // a spatial window (kernel, stride, padding): what a kernel/stride sweep varies
  kWeighted = 1u << 1,  // reads a weight tensor: traffic tiles it, conv-bn-act fuses into it
  kEpilogue = 1u << 2,  // element-wise per channel: a conv kernel can apply it to its outputs before
                        // writing them (conv-bn-act fusion; a link of a to-standard chain)
};

// One row per layer type: its name in files, its op class (conv2d's is refined from its groups
// and kernel), its traits, the keys it takes beyond the common ones, and (for element-wise
// layers) FLOPs per output element, with the count's reasoning.
struct LayerOpInfo {
  LayerOp op;
  std::string_view name;
  OpClass op_class;
  unsigned traits;           // LayerTrait flags
  std::string_view keys;     // space-separated extra keys
  int flops_per_element;     // element-wise ops only; -1 = counted by its own formula
  std::string_view summary;  // for `workloads kinds`
  bool in_yaml = true;       // false: produced only by the importers
};

inline constexpr std::array kLayerOps{
    LayerOpInfo{LayerOp::conv2d, "conv2d", OpClass::standard, kWindowed | kWeighted,
                "filters kernel stride padding dilation groups bias", -1,
                "convolution (standard, grouped or depthwise by groups)"},
    LayerOpInfo{LayerOp::depthwise_conv2d, "depthwise_conv2d", OpClass::depthwise, kWindowed | kWeighted,
                "kernel stride padding dilation depth_multiplier bias", -1, "depthwise convolution"},
    LayerOpInfo{LayerOp::dense, "dense", OpClass::dense, kWeighted, "units bias", -1,
                "fully connected over the last axis"},
    LayerOpInfo{LayerOp::maxpool, "maxpool", OpClass::pool, kWindowed, "kernel stride padding", -1, "max pooling"},
    LayerOpInfo{LayerOp::avgpool, "avgpool", OpClass::pool, kWindowed, "kernel stride padding", -1, "average pooling"},
    LayerOpInfo{LayerOp::global_avgpool, "global_avgpool", OpClass::pool, 0, "", -1, "global average pooling to 1x1"},
    LayerOpInfo{LayerOp::batchnorm, "batchnorm", OpClass::norm, kEpilogue, "", 2,
                "inference batch norm, y = x*scale + shift"},
    LayerOpInfo{LayerOp::relu, "relu", OpClass::activation, kEpilogue, "", 1, "max(x, 0)"},
    LayerOpInfo{LayerOp::relu6, "relu6", OpClass::activation, kEpilogue, "", 2, "min(max(x, 0), 6)"},
    LayerOpInfo{LayerOp::leaky_relu, "leaky_relu", OpClass::activation, kEpilogue, "", 2, "max(x, a*x): mul, max"},
    LayerOpInfo{LayerOp::hardswish, "hardswish", OpClass::activation, kEpilogue, "", 5,
                "x*relu6(x+3)/6: add, max, min, mul, mul"},
    LayerOpInfo{LayerOp::hardsigmoid, "hardsigmoid", OpClass::activation, kEpilogue, "", 4,
                "relu6(x+3)/6: add, max, min, mul"},
    LayerOpInfo{LayerOp::sigmoid, "sigmoid", OpClass::activation, kEpilogue, "", 4, "1/(1+exp(-x)): neg, exp, add, div"},
    LayerOpInfo{LayerOp::tanh, "tanh", OpClass::activation, kEpilogue, "", 1, "tanh(x), one transcendental"},
    LayerOpInfo{LayerOp::silu, "silu", OpClass::activation, kEpilogue, "", 5, "x*sigmoid(x): sigmoid (4) + mul"},
    LayerOpInfo{LayerOp::gelu, "gelu", OpClass::activation, kEpilogue, "", 5,
                "0.5*x*(1+erf(x/sqrt2)): mul, erf, add, mul, mul"},
    LayerOpInfo{LayerOp::add, "add", OpClass::eltwise, 0, "", -1, "element-wise sum of >= 2 inputs"},
    LayerOpInfo{LayerOp::mul, "mul", OpClass::eltwise, 0, "", -1, "element-wise product (broadcasts [N,1,1,C])"},
    LayerOpInfo{LayerOp::concat, "concat", OpClass::reshape, 0, "", -1, "concatenation on channels (a copy)"},
    LayerOpInfo{LayerOp::flatten, "flatten", OpClass::reshape, 0, "", -1,
                "reshape to [N, F] (a view: no traffic, no time)"},
    LayerOpInfo{LayerOp::softmax, "softmax", OpClass::activation, 0, "", 5, "per element: max, sub, exp, sum, div"},
    LayerOpInfo{LayerOp::lumped, "lumped", OpClass::lumped, 0, "flops bytes params footprint", -1,
                "a whole model as given FLOPs and bytes (napkin math)"},
    LayerOpInfo{LayerOp::conv_transpose, "conv_transpose", OpClass::standard, 0, "", -1,
                "transposed convolution (ONNX ConvTranspose)", false},
    LayerOpInfo{LayerOp::matmul, "matmul", OpClass::dense, 0, "", -1, "product of two activation tensors (ONNX MatMul)", false},
    LayerOpInfo{LayerOp::clip, "clip", OpClass::activation, kEpilogue, "", 2,
                "min(max(x, lo), hi) other than relu6 (ONNX Clip)", false},
    LayerOpInfo{LayerOp::reshape, "reshape", OpClass::reshape, 0, "", -1, "Reshape / Squeeze / Unsqueeze (a view)", false},
    LayerOpInfo{LayerOp::transpose, "transpose", OpClass::reshape, 0, "", 0, "axis permutation (a copy)",
                false},
    LayerOpInfo{LayerOp::pad, "pad", OpClass::reshape, 0, "", 0, "padding (a copy)", false},
    LayerOpInfo{LayerOp::resize, "resize", OpClass::eltwise, 0, "", -1, "interpolation (ONNX Resize)", false},
    LayerOpInfo{LayerOp::reduce_mean, "reduce_mean", OpClass::pool, 0, "", -1, "mean over axes (ONNX ReduceMean)", false},
    LayerOpInfo{LayerOp::elementwise, "elementwise", OpClass::eltwise, 0, "", -1,
                "another ONNX element-wise op: FLOPs per element by its kOnnxElementwise row", false},
    LayerOpInfo{LayerOp::normalization, "normalization", OpClass::norm, 0, "", -1,
                "normalization over axes (mean, variance, scale, shift): 8 FLOPs per element; LRN size + 4", false},
    LayerOpInfo{LayerOp::reduce, "reduce", OpClass::pool, 0, "", -1,
                "a reduction other than the mean: 1 FLOP per input element (L1, L2, sum of squares, "
                "log-sum-exp: 2)",
                false},
    LayerOpInfo{LayerOp::copy, "copy", OpClass::reshape, 0, "", 0,
                "data movement without arithmetic (Slice and the gathers read only what they copy)",
                false},
    LayerOpInfo{LayerOp::quantize, "quantize", OpClass::activation, kEpilogue, "", 3,
                "QuantizeLinear of the model input: x/scale, round, + zero point", false},
    LayerOpInfo{LayerOp::unmodeled, "unmodeled", OpClass::other, 0, "", 0,
                "an ONNX op without a formula: bytes and overhead counted, FLOPs not", false},
};

const LayerOpInfo& layer_op_info(LayerOp op);
std::vector<std::string> layer_op_names();  // the kinds a YAML workload may use
// The op names each importer's op table maps to `op` (`convroof workloads kinds` prints them):
// ONNX op types (src/model/onnx.cpp) and TFLite builtin or custom operator names
// (src/model/tflite.cpp; empty when TFLite support was not built). In table order.
std::vector<std::string_view> onnx_op_types(LayerOp op);
std::vector<std::string_view> tflite_op_types(LayerOp op);
inline bool has_trait(LayerOp op, LayerTrait trait) {
  return (layer_op_info(op).traits & trait) != 0;
}
// Views (flatten, reshape) alias their input's memory: nothing is read, computed or written.
inline bool is_view(LayerOp op) {
  return op == LayerOp::flatten || op == LayerOp::reshape;
}

using Shape = std::vector<std::int64_t>;                      // NHWC, or [N, F] after flatten
std::string shape_text(std::span<const std::int64_t> shape);  // "1x224x224x3"

struct Layer {
  std::string name;
  LayerOp op = LayerOp::relu;
  OpClass op_class = OpClass::activation;
  Location where;           // where it was defined, for engine errors
  std::vector<int> inputs;  // producing layer indices; -1 = the model input
  std::vector<Shape> input_shapes;
  Shape output_shape;
  std::optional<Precision> dtype;  // unset: the analysis precision

  // Convolution and pooling (kernel, stride, dilation as [h, w]; padding t, b, l, r).
  std::int64_t filters = 0;  // output channels (depthwise: C * depth_multiplier)
  std::array<std::int64_t, 2> kernel{1, 1}, stride{1, 1}, dilation{1, 1};
  std::array<std::int64_t, 4> padding{0, 0, 0, 0};
  std::int64_t groups = 1;
  std::int64_t units = 0;  // dense
  bool bias = false;
  // As declared, where the value above follows the input or another key (infer_shapes
  // recomputes it): `padding: same` (pads from the input, TensorFlow's rule), a depthwise
  // layer's multiplier (filters = C * multiplier), a pool without `stride` (the kernel).
  bool same_padding = false;
  std::int64_t depth_multiplier = 1;
  bool stride_is_kernel = false;

  // ONNX import: the source op type; constant operands of add/mul (counted as weights);
  // resize's FLOPs per output element (its interpolation mode, src/model/onnx.cpp).
  std::string source_op;
  std::uint64_t constant_elements = 0;
  int element_flops = 0;
  // ONNX import: operands that are constants (an add's or mul's constant operand is one more
  // input to combine); a matmul's dot-product length (0: its first input's last axis); params
  // the model's stored weights leave out: tensors an earlier layer already read (the totals
  // count each tensor once), and a sparse weight's dense size beyond what the file stores
  // (TFLite DENSIFY: MACs at the dense size, stored bytes at the sparse size).
  int constant_operands = 0;
  std::int64_t contraction = 0;
  std::uint64_t shared_params = 0;

  // Lumped: given totals for one sample.
  std::uint64_t lumped_flops = 0, lumped_bytes = 0, lumped_params = 0, lumped_footprint = 0;
};

// A convolution's op class from its groups, kernel and input channels: pointwise (1x1) or
// standard with groups 1, depthwise with groups = channels, else grouped.
OpClass conv_op_class(const Layer& layer, std::int64_t channels);

// Limits on what a loader accepts (docs/robustness.md): layers in one model (repeats and
// ONNX nodes included) and bytes in one layer name. Beyond them a model is an error at the
// offending layer, never hours of work or gigabytes of report.
inline constexpr std::size_t kMaxLayers = 100'000;
inline constexpr std::size_t kMaxNameBytes = 1024;

// A layer a conv kernel can apply to its outputs before writing them: an epilogue kind
// reading one tensor.
inline bool is_epilogue(const Layer& layer) {
  return layer.inputs.size() == 1 && has_trait(layer.op, kEpilogue);
}

struct Model {
  std::string name;
  std::string description;
  std::string reference;  // provenance of the architecture (paper, seed); JSON: model.reference
  std::string origin;     // where it was loaded from: "builtin:workloads/x.yaml", a path, "--layer"
  Shape input_shape;      // empty when every layer is lumped
  std::vector<Layer> layers;
  std::vector<std::string> notes;  // loader remarks carried into the report (e.g. a defaulted batch)
  // The precision the file stores its floating-point weights in (ONNX: the float initializers'
  // type, the one holding the most elements); layers without a dtype run at --precision instead,
  // and analyze notes the difference.
  std::optional<Precision> stored_precision;
};

// The largest dimension or size parameter any loader accepts or any shape may reach (YAML,
// --layer, --input, ONNX dimensions read or propagated).
inline constexpr std::int64_t kMaxDimension = 1'000'000'000;

// --input NAME=1x3x512x512: an ONNX input's shape in the file's own axis order (NAME empty:
// the model's one input).
struct InputShape {
  std::string name;
  Shape dims;
};
// Parses "NAME=1x3x512x512" or "1x3x512x512"; an error names the flag and the value.
InputShape parse_input_shape(const std::string& text);

// Parses a workload from YAML text. `batch` (when set) replaces the input's N.
Model parse_workload(const std::string& text, const std::string& file, std::optional<std::int64_t> batch);
// A built-in id or a path (see looks_like_path); unknown ids list the built-in ones. A
// file is read as ONNX when its content is binary (looks_like_onnx), else as YAML.
// `inputs` (--input) applies to ONNX models only.
Model resolve_workload(const std::string& id_or_path, std::optional<std::int64_t> batch,
                       const std::vector<InputShape>& inputs = {});
// The one-line form: "TYPE key=value …" with input=HxWxC (docs/formats.md).
Model parse_layer_line(const std::string& line, std::optional<std::int64_t> batch);
// Several one-line layers chained: the first carries input=HxWxC, each later one reads the
// previous layer's output (repeated --layer). Errors name "--layer" with line = its position.
// `defaults`: a key a line of a kind takes when it does not give it (a channels sweep
// supplies conv2d's filters, which it sets for every value).
struct LayerLineDefault {
  LayerOp op;
  std::string_view key;
  std::int64_t value;
};
Model parse_layer_lines(const std::vector<std::string>& lines, std::optional<std::int64_t> batch,
                        std::span<const LayerLineDefault> defaults = {});
// A layer in the canonical one-line form, every key explicit so a reader needs no defaults
// (pads as numbers, `padding: same` resolved); `with_input` adds input=HxWxC (or F), for a
// chain's first layer. The layer's dtype is left to the caller (a plan entry's precision).
// Throws std::logic_error for a layer with no one-line form in a chain (several inputs,
// lumped, ONNX-only kinds). Both live in src/model/layer_line.cpp.
std::string layer_line(const Layer& layer, bool with_input);
std::vector<std::string> builtin_workload_ids();
// Infers every layer's input and output shapes again from model.input_shape and the layers'
// parameters, as the loaders do (a sweep changes a parameter, then calls this). Throws the
// loaders' Error at the layer whose shape cannot follow. For models the YAML and one-line
// loaders built.
void infer_shapes(Model& model);

// ONNX import (src/model/onnx.cpp). `head` is the file's first bytes: a protobuf starts
// with a field tag and carries length varints, so it holds bytes YAML text cannot (C0
// controls other than tab, LF, CR).
bool looks_like_onnx(std::string_view head);
// Reads dims and types only (weights, inline or external, are never needed). `batch` sets
// a symbolic or fixed batch dimension of the input, `inputs` an input's whole shape; other
// symbolic dimensions are errors naming --input.
Model import_onnx(const std::string& path, std::optional<std::int64_t> batch,
                  const std::vector<InputShape>& inputs = {});

// TFLite import (src/model/tflite.cpp). A TFLite flatbuffer carries the file identifier
// "TFL3" at bytes 4..7 (after the root table offset).
bool looks_like_tflite(std::string_view head);
// Reads subgraph 0: operators, tensor shapes and types, quantization parameters (weight data is
// never read). The file's tensors fix the batch: `batch` other than the input's is an error.
// In a build without flatbuffers (libflatbuffers-dev, flatc) it throws an Error saying TFLite
// support was not built.
Model import_tflite(const std::string& path, std::optional<std::int64_t> batch);

}  // namespace convroof
