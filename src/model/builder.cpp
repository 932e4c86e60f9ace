// The model builder (builder.hpp): a layer's keys checked and read into a Layer, branch names
// resolved, and every layer's output shape (NHWC) inferred as it is added.
#include "builder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "convroof/units.hpp"
#include "text_checks.hpp"

namespace convroof::loader {

// A warning (a model note) for an NHWC input shape that reads like NCHW: [N, C, H, W] with 1, 3
// or 4 "rows" and a width and channel count of 16 or more, as [1, 3, 224, 224] (3 rows of 224 x
// 224 channels) is; real NHWC inputs that small in H are not that wide in both W and C.
void warn_if_nchw(const Shape& shape, const Location& where, std::vector<std::string>& notes) {
  if (shape.size() != 4 || shape[1] > 4 || shape[2] < 16 || shape[3] < 16) return;
  notes.push_back(warning_text(
      where, fmt::format("input shape {} looks like NCHW ({} channels first?): convroof reads NHWC, so this is {} "
                         "row{} of {} x {} channels; NHWC would be {}x{}x{}x{}",
                         shape_text(shape), shape[1], shape[1], shape[1] == 1 ? "" : "s", shape[2], shape[3], shape[0],
                         shape[2], shape[3], shape[1])));
}

Location LayerFields::at(const Field& field, const yaml::Node& node) const {
  if (node.line() == 0 || one_line_)
    return Location{field.value_at.file, field.value_at.line, field.value_at.column + std::max(node.column() - 1, 0)};
  return Location{field.where.file, node.line(), node.column()};
}

namespace {

constexpr std::int64_t kMaxRepeat = 100'000;  // copies of one layer (each copy is a layer in memory)
const std::vector<std::string> kCommonKeys{"name", "type", "inputs", "dtype", "repeat"};

std::int64_t field_integer(const LayerFields& fields, const Field& field, const yaml::Node& node,
                           std::int64_t minimum) {
  long long value = 0;
  if (!node.is_scalar() || !parse_int(node.scalar(), value))
    throw Error(fields.at(field, node),
                fmt::format("'{}' must be an integer, got {}", field.key, yaml::describe(node)));
  if (value < minimum || value > kMaxDimension)
    throw Error(fields.at(field, node),
                fmt::format("'{}' must be between {} and {}, got {}", field.key, minimum, kMaxDimension, value));
  return value;
}

std::int64_t integer_or(const LayerFields& fields, std::string_view key, std::int64_t fallback, std::int64_t minimum) {
  const Field* field = fields.find(key);
  return field ? field_integer(fields, *field, field->value, minimum) : fallback;
}

std::int64_t required_integer(const LayerFields& fields, std::string_view key, std::int64_t minimum,
                              const std::string& layer) {
  const Field* field = fields.find(key);
  if (!field) throw Error(fields.where(), fmt::format("layer '{}' is missing required key '{}'", layer, key));
  return field_integer(fields, *field, field->value, minimum);
}

// An [h, w] pair: `3`, `[3, 3]` or `"3x3"`.
std::array<std::int64_t, 2> pair_or(const LayerFields& fields, std::string_view key,
                                    std::array<std::int64_t, 2> fallback, std::int64_t minimum) {
  const Field* field = fields.find(key);
  if (!field) return fallback;
  const yaml::Node& node = field->value;
  if (node.is_sequence()) {
    if (node.size() != 2) throw Error(fields.at(*field, node), fmt::format("'{}' must be one integer or [h, w]", key));
    return {field_integer(fields, *field, node[0], minimum), field_integer(fields, *field, node[1], minimum)};
  }
  if (node.is_scalar()) {
    const std::string& text = node.scalar();
    auto x = text.find('x');
    long long h = 0, w = 0;
    if (x != std::string::npos && parse_int(text.substr(0, x), h) && parse_int(text.substr(x + 1), w)) {
      if (h < minimum || w < minimum || h > kMaxDimension || w > kMaxDimension)
        throw Error(fields.at(*field, node),
                    fmt::format("'{}' values must be at least {}, got {}", key, minimum, text));
      return {h, w};
    }
    std::int64_t both = field_integer(fields, *field, node, minimum);
    return {both, both};
  }
  throw Error(fields.at(*field, node),
              fmt::format("'{}' must be one integer or [h, w], got {}", key, yaml::describe(node)));
}

bool boolean_or(const LayerFields& fields, std::string_view key, bool fallback) {
  const Field* field = fields.find(key);
  if (!field) return fallback;
  if (field->value.is_scalar() && (field->value.scalar() == "true" || field->value.scalar() == "false"))
    return field->value.scalar() == "true";
  throw Error(fields.at(*field, field->value),
              fmt::format("'{}' must be true or false, got {}", key, yaml::describe(field->value)));
}

Quantity field_quantity(const LayerFields& fields, std::string_view key, Dimension dimension,
                        const std::string& layer) {
  const Field* field = fields.find(key);
  if (!field) throw Error(fields.where(), fmt::format("layer '{}' is missing required key '{}'", layer, key));
  if (!field->value.is_scalar())
    throw Error(fields.at(*field, field->value),
                fmt::format("'{}' must be a quantity like {}", key, example_units(dimension)));
  return parse_quantity(field->value.scalar(), {dimension}, fields.at(*field, field->value));
}

std::uint64_t to_count(double value, const Location& where, std::string_view key) {
  if (value >= 9.2e18) throw Error(where, fmt::format("'{}' is too large (over 2^63)", key));
  return static_cast<std::uint64_t>(std::llround(value));
}

enum class PaddingMode { explicit_pads, same };

struct Padding {
  PaddingMode mode = PaddingMode::explicit_pads;
  std::array<std::int64_t, 4> pads{0, 0, 0, 0};
};

Padding padding_or_valid(const LayerFields& fields) {
  const Field* field = fields.find("padding");
  if (!field) return {};
  const yaml::Node& node = field->value;
  if (node.is_scalar()) {
    if (node.scalar() == "same") return {PaddingMode::same, {0, 0, 0, 0}};
    if (node.scalar() == "valid") return {};
    long long all = 0;
    if (parse_int(node.scalar(), all) && all >= 0 && all <= kMaxDimension)
      return {PaddingMode::explicit_pads, {all, all, all, all}};
  } else if (node.is_sequence() && node.size() == 4) {
    Padding padding;
    for (std::size_t i = 0; i < 4; ++i) padding.pads[i] = field_integer(fields, *field, node[i], 0);
    return padding;
  }
  throw Error(fields.at(*field, node),
              fmt::format("'padding' must be same, valid, an integer or [top, bottom, left, right], got {}",
                          yaml::describe(node)));
}

[[noreturn]] void shape_error(const Layer& layer, const std::string& message) {
  throw Error(layer.where, fmt::format("layer '{}' ({}): {}", layer.name, layer_op_info(layer.op).name, message));
}

// Output extent of a sliding window: floor((in + pads - dilated_kernel) / stride) + 1.
std::int64_t window_out(const ModelBuilder& builder, const Layer& layer, std::int64_t in, std::int64_t pad_a,
                        std::int64_t pad_b, std::int64_t kernel, std::int64_t dilation, std::int64_t stride,
                        const char* axis) {
  std::int64_t dilated = dilation * (kernel - 1) + 1;
  std::int64_t padded = in + pad_a + pad_b;
  if (dilated > padded)
    shape_error(layer, fmt::format("kernel {} (dilated {}) is larger than the padded input {} {} from layer '{}'",
                                   kernel, dilated, axis, padded, builder.producer_name(layer.inputs.front())));
  return (padded - dilated) / stride + 1;
}

// TensorFlow 'same': out = ceil(in / stride); total pad = max((out-1)*stride + dilated - in, 0),
// the odd pixel going to the bottom / right.
std::array<std::int64_t, 2> same_pads(std::int64_t in, std::int64_t kernel, std::int64_t dilation,
                                      std::int64_t stride) {
  std::int64_t out = (in + stride - 1) / stride;
  std::int64_t dilated = dilation * (kernel - 1) + 1;
  std::int64_t total = std::max<std::int64_t>((out - 1) * stride + dilated - in, 0);
  return {total / 2, total - total / 2};
}

double shape_elements(const Shape& shape) {
  double elements = 1;
  for (auto dim : shape) elements *= static_cast<double>(dim);
  return elements;
}

void require_rank4(const ModelBuilder& builder, const Layer& layer) {
  const Shape& in = layer.input_shapes.front();
  if (in.size() != 4)
    shape_error(layer, fmt::format("needs a 4-D NHWC input, but '{}' gives {}",
                                   builder.producer_name(layer.inputs.front()), shape_text(in)));
}

void windowed(const ModelBuilder& builder, Layer& layer) {
  require_rank4(builder, layer);
  const Shape& in = layer.input_shapes.front();
  if (layer.stride_is_kernel) layer.stride = layer.kernel;
  if (layer.same_padding) {
    auto vertical = same_pads(in[1], layer.kernel[0], layer.dilation[0], layer.stride[0]);
    auto horizontal = same_pads(in[2], layer.kernel[1], layer.dilation[1], layer.stride[1]);
    layer.padding = {vertical[0], vertical[1], horizontal[0], horizontal[1]};
  }
  std::int64_t out_h = window_out(builder, layer, in[1], layer.padding[0], layer.padding[1], layer.kernel[0],
                                  layer.dilation[0], layer.stride[0], "height");
  std::int64_t out_w = window_out(builder, layer, in[2], layer.padding[2], layer.padding[3], layer.kernel[1],
                                  layer.dilation[1], layer.stride[1], "width");
  layer.output_shape = {in[0], out_h, out_w, layer.filters};
}

}  // namespace

void ModelBuilder::infer(Layer& layer) const {
  const Shape& in = layer.input_shapes.empty() ? model.input_shape : layer.input_shapes.front();
  layer.op_class = layer_op_info(layer.op).op_class;  // conv2d's is refined below
  switch (layer.op) {
    case LayerOp::conv2d: {
      require_rank4(*this, layer);
      std::int64_t channels = in[3];
      if (channels % layer.groups != 0)
        shape_error(layer, fmt::format("groups {} does not divide the {} input channels from layer '{}'", layer.groups,
                                       channels, producer_name(layer.inputs.front())));
      if (layer.filters % layer.groups != 0)
        shape_error(layer, fmt::format("groups {} does not divide filters {}", layer.groups, layer.filters));
      windowed(*this, layer);
      layer.op_class = conv_op_class(layer, channels);
      break;
    }
    case LayerOp::depthwise_conv2d: {
      require_rank4(*this, layer);
      layer.groups = in[3];
      layer.filters = in[3] * layer.depth_multiplier;
      windowed(*this, layer);
      break;
    }
    case LayerOp::maxpool:
    case LayerOp::avgpool:
      require_rank4(*this, layer);
      layer.filters = in[3];
      windowed(*this, layer);
      break;
    case LayerOp::global_avgpool:
      require_rank4(*this, layer);
      layer.output_shape = {in[0], 1, 1, in[3]};
      break;
    case LayerOp::dense:
      if (in.size() < 2) shape_error(layer, "needs an input with at least 2 dimensions");
      layer.output_shape = in;
      layer.output_shape.back() = layer.units;
      break;
    case LayerOp::add:
    case LayerOp::mul: {
      if (layer.inputs.size() < 2) shape_error(layer, "needs at least 2 'inputs'");
      // The output has the shape of the largest input; mul also broadcasts per-channel
      // [N,1,1,C] operands (squeeze-and-excitation), in any position.
      std::size_t full = 0;
      for (std::size_t i = 1; i < layer.inputs.size(); ++i)
        if (shape_elements(layer.input_shapes[i]) > shape_elements(layer.input_shapes[full])) full = i;
      layer.output_shape = layer.input_shapes[full];
      const Shape& out = layer.output_shape;
      for (std::size_t i = 0; i < layer.inputs.size(); ++i) {
        const Shape& other = layer.input_shapes[i];
        bool broadcast = layer.op == LayerOp::mul && other.size() == 4 && out.size() == 4 && other[0] == out[0] &&
                         other[1] == 1 && other[2] == 1 && other[3] == out[3];
        if (other != out && !broadcast)
          shape_error(layer, fmt::format("input '{}' has shape {} but input '{}' has shape {}",
                                         producer_name(layer.inputs[full]), shape_text(out),
                                         producer_name(layer.inputs[i]), shape_text(other)));
      }
      break;
    }
    case LayerOp::concat: {
      if (layer.inputs.size() < 2) shape_error(layer, "needs at least 2 'inputs'");
      require_rank4(*this, layer);
      layer.output_shape = in;
      for (std::size_t i = 1; i < layer.inputs.size(); ++i) {
        const Shape& other = layer.input_shapes[i];
        if (other.size() != 4 || other[0] != in[0] || other[1] != in[1] || other[2] != in[2])
          shape_error(layer,
                      fmt::format("input '{}' has shape {} but input '{}' has shape {} (only channels may differ)",
                                  producer_name(layer.inputs[0]), shape_text(in), producer_name(layer.inputs[i]),
                                  shape_text(other)));
        layer.output_shape[3] += other[3];
      }
      break;
    }
    case LayerOp::flatten: {
      std::int64_t features = 1;
      for (std::size_t i = 1; i < in.size(); ++i) features *= in[i];
      layer.output_shape = {in.front(), features};
      break;
    }
    case LayerOp::lumped:
      break;
    // Element-wise kinds keep the shape.
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
    case LayerOp::softmax:
    case LayerOp::clip:
    case LayerOp::quantize:
    case LayerOp::elementwise:
    // The importers' other kinds: their importers set their shapes and do not ask the builder
    // (infer_shapes is for models the YAML loaders built); like the above, the input's shape.
    case LayerOp::conv_transpose:
    case LayerOp::matmul:
    case LayerOp::reshape:
    case LayerOp::transpose:
    case LayerOp::pad:
    case LayerOp::resize:
    case LayerOp::reduce_mean:
    case LayerOp::normalization:
    case LayerOp::reduce:
    case LayerOp::copy:
    case LayerOp::unmodeled:
      layer.output_shape = in;
      break;
  }
}

void ModelBuilder::add_layer(const LayerFields& fields, const std::string& position) {
  // type first: it decides which keys are valid.
  const Field* type_field = fields.find("type");
  if (!type_field) throw Error(fields.where(), fmt::format("{} has no 'type'", position));
  if (!type_field->value.is_scalar())
    throw Error(type_field->value_at,
                fmt::format("'type' must be a layer kind, got {}", yaml::describe(type_field->value)));
  std::string type = type_field->value.scalar();
  const LayerOpInfo* info = nullptr;
  for (const auto& candidate : kLayerOps)
    if (candidate.name == type && candidate.in_yaml) info = &candidate;
  if (!info) {
    bool imported_only = std::any_of(kLayerOps.begin(), kLayerOps.end(),
                                     [&](const LayerOpInfo& candidate) { return candidate.name == type; });
    throw Error(type_field->value_at, unknown_choice("layer kind", type, layer_op_names()) +
                                          (imported_only ? " ('" + type + "' comes only from ONNX import)" : ""));
  }
  std::vector<std::string> allowed = kCommonKeys;
  for (std::string_view key : words(info->keys)) allowed.emplace_back(key);
  for (const auto& field : fields.all())
    if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end())
      throw Error(field.where, fmt::format("unknown key '{}' for a {} layer{}; valid keys: {}", field.key, type,
                                           did_you_mean(field.key, allowed), join(allowed)));

  Layer layer;
  layer.op = info->op;
  layer.where = fields.where();
  if (const Field* name = fields.find("name")) {
    if (!name->value.is_scalar() || name->value.scalar().empty())
      throw Error(name->value_at,
                  fmt::format("'name' must be a non-empty string, got {}", yaml::describe(name->value)));
    layer.name = name->value.scalar();
    if (layer.name == "input") throw Error(name->value_at, "'input' is reserved for the model input");
    if (layer.name.size() > kMaxNameBytes)
      throw Error(name->value_at,
                  fmt::format("a layer name has at most {} bytes, this one {}", kMaxNameBytes, layer.name.size()));
  } else {
    layer.name = fmt::format("{}_{}", type, model.layers.size());
  }
  if (const Field* dtype = fields.find("dtype")) {
    if (!dtype->value.is_scalar())
      throw Error(fields.at(*dtype, dtype->value), fmt::format("'dtype' must be one of {}, got {}",
                                                               join(precision_names()), yaml::describe(dtype->value)));
    auto precision = parse_precision(dtype->value.scalar());
    if (!precision)
      throw Error(fields.at(*dtype, dtype->value), unknown_choice("dtype", dtype->value.scalar(), precision_names()));
    layer.dtype = precision;
  }

  // Inputs: named earlier layers, "input" for the model input, default the previous layer.
  std::vector<int> inputs;
  if (const Field* list = fields.find("inputs")) {
    if (!list->value.is_sequence() || list->value.size() == 0)
      throw Error(list->value_at, "'inputs' must be a non-empty list of earlier layer names");
    for (const auto& item : list->value.items()) {
      Location where = fields.at(*list, item);
      if (!item.is_scalar()) throw Error(where, "an entry of 'inputs' must be a layer name");
      const std::string& name = item.scalar();
      if (name == "input") {
        inputs.push_back(-1);
        continue;
      }
      auto found = index_of.find(name);
      if (found == index_of.end()) {
        std::vector<std::string> names;
        for (const auto& entry : index_of) names.push_back(entry.first);
        throw Error(where,
                    fmt::format("layer '{}' takes input from unknown layer '{}'{} (inputs must be defined earlier)",
                                layer.name, name, did_you_mean(name, names)));
      }
      inputs.push_back(static_cast<int>(found->second));
    }
  } else if (layer.op != LayerOp::lumped) {
    inputs.push_back(static_cast<int>(model.layers.size()) - 1);
  }

  // Operator parameters.
  switch (layer.op) {
    case LayerOp::conv2d:
      layer.filters = required_integer(fields, "filters", 1, layer.name);
      layer.groups = integer_or(fields, "groups", 1, 1);
      [[fallthrough]];
    case LayerOp::depthwise_conv2d:
      if (layer.op == LayerOp::depthwise_conv2d) layer.depth_multiplier = integer_or(fields, "depth_multiplier", 1, 1);
      if (!fields.find("kernel"))
        throw Error(fields.where(), fmt::format("layer '{}' is missing required key 'kernel'", layer.name));
      layer.kernel = pair_or(fields, "kernel", {1, 1}, 1);
      layer.stride = pair_or(fields, "stride", {1, 1}, 1);
      layer.dilation = pair_or(fields, "dilation", {1, 1}, 1);
      layer.bias = boolean_or(fields, "bias", false);
      break;
    case LayerOp::maxpool:
    case LayerOp::avgpool:
      if (!fields.find("kernel"))
        throw Error(fields.where(), fmt::format("layer '{}' is missing required key 'kernel'", layer.name));
      layer.kernel = pair_or(fields, "kernel", {1, 1}, 1);
      layer.stride = pair_or(fields, "stride", layer.kernel, 1);
      layer.stride_is_kernel = !fields.find("stride");
      break;
    case LayerOp::dense:
      layer.units = required_integer(fields, "units", 1, layer.name);
      layer.bias = boolean_or(fields, "bias", false);
      break;
    case LayerOp::lumped: {
      // Given numbers cannot be split into a per-sample part and a shared (weights) part.
      if (batch_override && *batch_override != 1)
        throw Error(fields.where(), fmt::format("layer '{}' is lumped: its flops and bytes are given for one run "
                                                "and cannot be scaled to --batch {}; write the batch's totals instead",
                                                layer.name, *batch_override));
      auto flops = field_quantity(fields, "flops", Dimension::work, layer.name);
      auto bytes = field_quantity(fields, "bytes", Dimension::size, layer.name);
      layer.lumped_flops = to_count(flops.value, fields.find("flops")->value_at, "flops");
      layer.lumped_bytes = to_count(bytes.value, fields.find("bytes")->value_at, "bytes");
      layer.lumped_params = static_cast<std::uint64_t>(integer_or(fields, "params", 0, 0));
      layer.lumped_footprint = fields.find("footprint")
                                   ? to_count(field_quantity(fields, "footprint", Dimension::size, layer.name).value,
                                              fields.find("footprint")->value_at, "footprint")
                                   : layer.lumped_bytes;
      break;
    }
    // No keys beyond the common ones.
    case LayerOp::global_avgpool:
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
    case LayerOp::add:
    case LayerOp::mul:
    case LayerOp::concat:
    case LayerOp::flatten:
    case LayerOp::softmax:
    // Imported only (in_yaml false): refused above.
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
      break;
  }
  const Padding padding = padding_or_valid(fields);
  layer.same_padding = padding.mode == PaddingMode::same;
  layer.padding = padding.pads;

  std::int64_t repeat = integer_or(fields, "repeat", 1, 1);
  if (repeat > kMaxRepeat)
    throw Error(fields.find("repeat")->value_at,
                fmt::format("'repeat' must be at most {}, got {}", kMaxRepeat, repeat));
  std::string base_name = layer.name;
  if (model.layers.size() + static_cast<std::size_t>(repeat) > kMaxLayers)
    throw Error(fields.where(), fmt::format("a model has at most {} layers (repeats included); this layer would "
                                            "make it {}",
                                            kMaxLayers, model.layers.size() + static_cast<std::size_t>(repeat)));
  for (std::int64_t copy = 1; copy <= repeat; ++copy) {
    Layer instance = layer;
    if (repeat > 1) instance.name = fmt::format("{}_{}", base_name, copy);
    if (copy > 1)
      instance.inputs = {static_cast<int>(model.layers.size()) - 1};
    else
      instance.inputs = inputs;
    if (auto previous = defined_at.find(instance.name); previous != defined_at.end())
      throw Error(fields.where(), fmt::format("duplicate layer name '{}' (first defined at line {})", instance.name,
                                              previous->second.line));
    for (int source : instance.inputs) {
      if (source < 0 && model.input_shape.empty())
        throw Error(instance.where, fmt::format("layer '{}' needs an input shape, but {}", instance.name,
                                                file == "--layer" ? "there is no input=HxWxC (or input=F)"
                                                                  : "the workload has no 'input'"));
      if (source >= 0 && model.layers[source].op == LayerOp::lumped)
        throw Error(instance.where, fmt::format("layer '{}' takes its input from lumped layer '{}', which has no shape",
                                                instance.name, model.layers[source].name));
      instance.input_shapes.push_back(shape_of(source));
    }
    infer(instance);
    index_of[instance.name] = model.layers.size();
    defined_at[instance.name] = instance.where;
    model.layers.push_back(std::move(instance));
  }
}

}  // namespace convroof::loader
