// Loads `convroof.workload/1` files and the one-line --layer form into a Model, resolving
// branch names and inferring every layer's output shape (NHWC) as it goes.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "convroof/model.hpp"
#include "convroof/units.hpp"
#include "embedded.hpp"
#include "text_checks.hpp"
#include "yaml_reader.hpp"

namespace convroof {

const LayerOpInfo& layer_op_info(LayerOp op) {
  for (const auto& info : kLayerOps)
    if (info.op == op) return info;
  return kLayerOps.front();
}

std::vector<std::string> layer_op_names() {
  std::vector<std::string> names;
  for (const auto& info : kLayerOps)
    if (info.in_yaml) names.emplace_back(info.name);
  return names;
}

OpClass conv_op_class(const Layer& layer, std::int64_t channels) {
  if (layer.groups == 1) return layer.kernel[0] == 1 && layer.kernel[1] == 1 ? OpClass::pointwise : OpClass::standard;
  if (layer.groups == channels && layer.filters % channels == 0) return OpClass::depthwise;
  return OpClass::grouped;
}

std::string shape_text(const Shape& shape) {
  std::vector<std::string> dims;
  for (auto dim : shape) dims.push_back(std::to_string(dim));
  return shape.empty() ? "-" : join(dims, "x");
}

std::vector<std::string> builtin_workload_ids() {
  return embedded_ids("workloads");
}

namespace {

constexpr std::string_view kSchema = "convroof.workload/1";
constexpr std::int64_t kMaxDimension = 1'000'000'000;  // any single dimension or size parameter
constexpr std::int64_t kMaxRepeat = 100'000;           // copies of one layer (each copy is a layer in memory)
const std::vector<std::string> kCommonKeys{"name", "type", "inputs", "dtype", "repeat"};

// One key=value of a layer, from a YAML mapping or from the one-line form. For the
// one-line form, `value` was parsed from the value text alone, so nested marks are
// offsets into that text and `at()` adds the field's column.
struct Field {
  std::string key;
  YAML::Node value;
  Location where;     // the key
  Location value_at;  // the value
};

class LayerFields {
 public:
  LayerFields(std::vector<Field> fields, Location where, bool one_line)
      : fields_(std::move(fields)), where_(std::move(where)), one_line_(one_line) {}

  const Field* find(std::string_view key) const {
    for (const auto& field : fields_)
      if (field.key == key) return &field;
    return nullptr;
  }
  const std::vector<Field>& all() const { return fields_; }
  const Location& where() const { return where_; }

  Location at(const Field& field, const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    if (mark.line < 0 || one_line_)
      return Location{field.value_at.file, field.value_at.line, field.value_at.column + std::max(mark.column, 0)};
    return Location{field.where.file, mark.line + 1, mark.column + 1};
  }

 private:
  std::vector<Field> fields_;
  Location where_;
  bool one_line_;
};

std::int64_t field_integer(const LayerFields& fields, const Field& field, const YAML::Node& node,
                           std::int64_t minimum) {
  long long value = 0;
  if (!node.IsScalar() || !parse_int(node.Scalar(), value))
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
  const YAML::Node& node = field->value;
  if (node.IsSequence()) {
    if (node.size() != 2) throw Error(fields.at(*field, node), fmt::format("'{}' must be one integer or [h, w]", key));
    return {field_integer(fields, *field, node[0], minimum), field_integer(fields, *field, node[1], minimum)};
  }
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
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
  if (field->value.IsScalar() && (field->value.Scalar() == "true" || field->value.Scalar() == "false"))
    return field->value.Scalar() == "true";
  throw Error(fields.at(*field, field->value),
              fmt::format("'{}' must be true or false, got {}", key, yaml::describe(field->value)));
}

Quantity field_quantity(const LayerFields& fields, std::string_view key, Dimension dimension,
                        const std::string& layer) {
  const Field* field = fields.find(key);
  if (!field) throw Error(fields.where(), fmt::format("layer '{}' is missing required key '{}'", layer, key));
  if (!field->value.IsScalar())
    throw Error(fields.at(*field, field->value),
                fmt::format("'{}' must be a quantity like {}", key, example_units(dimension)));
  return parse_quantity(field->value.Scalar(), {dimension}, fields.at(*field, field->value));
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
  const YAML::Node& node = field->value;
  if (node.IsScalar()) {
    if (node.Scalar() == "same") return {PaddingMode::same, {0, 0, 0, 0}};
    if (node.Scalar() == "valid") return {};
    long long all = 0;
    if (parse_int(node.Scalar(), all) && all >= 0 && all <= kMaxDimension)
      return {PaddingMode::explicit_pads, {all, all, all, all}};
  } else if (node.IsSequence() && node.size() == 4) {
    Padding padding;
    for (std::size_t i = 0; i < 4; ++i) padding.pads[i] = field_integer(fields, *field, node[i], 0);
    return padding;
  }
  throw Error(fields.at(*field, node),
              fmt::format("'padding' must be same, valid, an integer or [top, bottom, left, right], got {}",
                          yaml::describe(node)));
}

struct ModelBuilder {
  Model model;
  std::string file;
  std::optional<std::int64_t> batch_override;   // --batch, which lumped layers cannot follow
  std::map<std::string, std::size_t> index_of;  // layer name -> index
  std::map<std::string, Location> defined_at;

  const Shape& shape_of(int index) const { return index < 0 ? model.input_shape : model.layers[index].output_shape; }
  std::string producer_name(int index) const { return index < 0 ? "input" : model.layers[index].name; }

  [[noreturn]] void shape_error(const Layer& layer, const std::string& message) const {
    throw Error(layer.where, fmt::format("layer '{}' ({}): {}", layer.name, layer_op_info(layer.op).name, message));
  }

  // Output extent of a sliding window: floor((in + pads - dilated_kernel) / stride) + 1.
  std::int64_t window_out(const Layer& layer, std::int64_t in, std::int64_t pad_a, std::int64_t pad_b,
                          std::int64_t kernel, std::int64_t dilation, std::int64_t stride, const char* axis) const {
    std::int64_t dilated = dilation * (kernel - 1) + 1;
    std::int64_t padded = in + pad_a + pad_b;
    if (dilated > padded)
      shape_error(layer, fmt::format("kernel {} (dilated {}) is larger than the padded input {} {} from layer '{}'",
                                     kernel, dilated, axis, padded, producer_name(layer.inputs.front())));
    return (padded - dilated) / stride + 1;
  }

  // TensorFlow 'same': out = ceil(in / stride); total pad = max((out-1)*stride + dilated - in, 0),
  // the odd pixel going to the bottom / right.
  static std::array<std::int64_t, 2> same_pads(std::int64_t in, std::int64_t kernel, std::int64_t dilation,
                                               std::int64_t stride) {
    std::int64_t out = (in + stride - 1) / stride;
    std::int64_t dilated = dilation * (kernel - 1) + 1;
    std::int64_t total = std::max<std::int64_t>((out - 1) * stride + dilated - in, 0);
    return {total / 2, total - total / 2};
  }

  static double shape_elements(const Shape& shape) {
    double elements = 1;
    for (auto dim : shape) elements *= static_cast<double>(dim);
    return elements;
  }

  void require_rank4(const Layer& layer) const {
    const Shape& in = layer.input_shapes.front();
    if (in.size() != 4)
      shape_error(layer, fmt::format("needs a 4-D NHWC input, but '{}' gives {}", producer_name(layer.inputs.front()),
                                     shape_text(in)));
  }

  void windowed(Layer& layer, const Padding& padding) const {
    require_rank4(layer);
    const Shape& in = layer.input_shapes.front();
    if (padding.mode == PaddingMode::same) {
      auto vertical = same_pads(in[1], layer.kernel[0], layer.dilation[0], layer.stride[0]);
      auto horizontal = same_pads(in[2], layer.kernel[1], layer.dilation[1], layer.stride[1]);
      layer.padding = {vertical[0], vertical[1], horizontal[0], horizontal[1]};
    } else {
      layer.padding = padding.pads;
    }
    std::int64_t out_h = window_out(layer, in[1], layer.padding[0], layer.padding[1], layer.kernel[0],
                                    layer.dilation[0], layer.stride[0], "height");
    std::int64_t out_w = window_out(layer, in[2], layer.padding[2], layer.padding[3], layer.kernel[1],
                                    layer.dilation[1], layer.stride[1], "width");
    layer.output_shape = {in[0], out_h, out_w, layer.filters};
  }

  void infer(Layer& layer, const LayerFields& fields, const Padding& padding) const {
    const Shape& in = layer.input_shapes.empty() ? model.input_shape : layer.input_shapes.front();
    layer.op_class = layer_op_info(layer.op).op_class;  // conv2d's is refined below
    switch (layer.op) {
      case LayerOp::conv2d: {
        require_rank4(layer);
        std::int64_t channels = in[3];
        if (channels % layer.groups != 0)
          shape_error(layer, fmt::format("groups {} does not divide the {} input channels from layer '{}'",
                                         layer.groups, channels, producer_name(layer.inputs.front())));
        if (layer.filters % layer.groups != 0)
          shape_error(layer, fmt::format("groups {} does not divide filters {}", layer.groups, layer.filters));
        windowed(layer, padding);
        layer.op_class = conv_op_class(layer, channels);
        break;
      }
      case LayerOp::depthwise_conv2d: {
        require_rank4(layer);
        layer.groups = in[3];
        layer.filters = in[3] * integer_or(fields, "depth_multiplier", 1, 1);
        windowed(layer, padding);
        break;
      }
      case LayerOp::maxpool:
      case LayerOp::avgpool:
        require_rank4(layer);
        layer.filters = in[3];
        windowed(layer, padding);
        break;
      case LayerOp::global_avgpool:
        require_rank4(layer);
        layer.output_shape = {in[0], 1, 1, in[3]};
        break;
      case LayerOp::dense:
        if (in.size() < 2) shape_error(layer, "needs an input with at least 2 dimensions");
        layer.output_shape = in;
        layer.output_shape.back() = layer.units;
        break;
      case LayerOp::batchnorm:
        layer.output_shape = in;
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
        require_rank4(layer);
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
      default:  // element-wise activations and softmax keep the shape
        layer.output_shape = in;
        break;
    }
  }

  void add_layer(const LayerFields& fields, const std::string& position) {
    // type first: it decides which keys are valid.
    const Field* type_field = fields.find("type");
    if (!type_field) throw Error(fields.where(), fmt::format("{} has no 'type'", position));
    if (!type_field->value.IsScalar())
      throw Error(type_field->value_at,
                  fmt::format("'type' must be a layer kind, got {}", yaml::describe(type_field->value)));
    std::string type = type_field->value.Scalar();
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
    for (std::size_t start = 0; start < info->keys.size();) {
      std::size_t end = info->keys.find(' ', start);
      if (end == std::string_view::npos) end = info->keys.size();
      allowed.emplace_back(info->keys.substr(start, end - start));
      start = end + 1;
    }
    for (const auto& field : fields.all())
      if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end())
        throw Error(field.where, fmt::format("unknown key '{}' for a {} layer{}; valid keys: {}", field.key, type,
                                             did_you_mean(field.key, allowed), join(allowed)));

    Layer layer;
    layer.op = info->op;
    layer.where = fields.where();
    if (const Field* name = fields.find("name")) {
      if (!name->value.IsScalar() || name->value.Scalar().empty())
        throw Error(name->value_at,
                    fmt::format("'name' must be a non-empty string, got {}", yaml::describe(name->value)));
      layer.name = name->value.Scalar();
      if (layer.name == "input") throw Error(name->value_at, "'input' is reserved for the model input");
      if (layer.name.size() > kMaxNameBytes)
        throw Error(name->value_at,
                    fmt::format("a layer name has at most {} bytes, this one {}", kMaxNameBytes, layer.name.size()));
    } else {
      layer.name = fmt::format("{}_{}", type, model.layers.size());
    }
    if (const Field* dtype = fields.find("dtype")) {
      if (!dtype->value.IsScalar())
        throw Error(
            fields.at(*dtype, dtype->value),
            fmt::format("'dtype' must be one of {}, got {}", join(precision_names()), yaml::describe(dtype->value)));
      auto precision = parse_precision(dtype->value.Scalar());
      if (!precision)
        throw Error(fields.at(*dtype, dtype->value), unknown_choice("dtype", dtype->value.Scalar(), precision_names()));
      layer.dtype = precision;
    }

    // Inputs: named earlier layers, "input" for the model input, default the previous layer.
    std::vector<int> inputs;
    if (const Field* list = fields.find("inputs")) {
      if (!list->value.IsSequence() || list->value.size() == 0)
        throw Error(list->value_at, "'inputs' must be a non-empty list of earlier layer names");
      for (const auto& item : list->value) {
        Location where = fields.at(*list, item);
        if (!item.IsScalar()) throw Error(where, "an entry of 'inputs' must be a layer name");
        const std::string& name = item.Scalar();
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
        break;
      case LayerOp::dense:
        layer.units = required_integer(fields, "units", 1, layer.name);
        layer.bias = boolean_or(fields, "bias", false);
        break;
      case LayerOp::lumped: {
        // Given numbers cannot be split into a per-sample part and a shared (weights) part.
        if (batch_override && *batch_override != 1)
          throw Error(fields.where(),
                      fmt::format("layer '{}' is lumped: its flops and bytes are given for one run "
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
      default:
        break;
    }
    Padding padding = padding_or_valid(fields);

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
          throw Error(instance.where,
                      fmt::format("layer '{}' takes its input from lumped layer '{}', which has no shape",
                                  instance.name, model.layers[source].name));
        instance.input_shapes.push_back(shape_of(source));
      }
      infer(instance, fields, padding);
      index_of[instance.name] = model.layers.size();
      defined_at[instance.name] = instance.where;
      model.layers.push_back(std::move(instance));
    }
  }
};

Shape parse_input_shape(const yaml::MapReader& workload, std::optional<std::int64_t> batch) {
  yaml::MapReader input(workload.required("input"), workload.file(), "'input'", {"shape", "layout"});
  if (auto layout = input.optional_string("layout"); layout && *layout != "NHWC")
    throw Error(input.where("layout"), fmt::format("unsupported layout '{}' (convroof workloads are NHWC)", *layout));
  YAML::Node dims = input.required("shape");
  if (!dims.IsSequence() || (dims.size() != 4 && dims.size() != 2))
    throw Error(input.where("shape"), "'shape' must be [N, H, W, C] (or [N, F])");
  Shape shape;
  for (const auto& dim : dims) {
    shape.push_back(yaml::as_integer(dim, workload.file(), "a dimension of 'shape'", 1));
    if (shape.back() > kMaxDimension)
      throw Error(yaml::location(dim, workload.file()), fmt::format("dimension {} is too large", shape.back()));
  }
  if (batch) shape[0] = *batch;
  return shape;
}

}  // namespace

Model parse_workload(const std::string& text, const std::string& file, std::optional<std::int64_t> batch) {
  YAML::Node root = yaml::parse_document(text, file);
  yaml::check_schema(root, file, kSchema);
  yaml::MapReader workload(root, file, "workload", {"schema", "name", "description", "source", "input", "layers"});
  workload.string("schema");  // required; its value was checked by check_schema
  ModelBuilder builder;
  builder.file = file;
  builder.batch_override = batch;
  builder.model.origin = file;
  builder.model.name = workload.string("name");
  builder.model.description = workload.optional_string("description").value_or("");
  builder.model.reference = workload.optional_string("source").value_or("");
  if (workload.has("input")) builder.model.input_shape = parse_input_shape(workload, batch);
  YAML::Node layers = workload.required("layers");
  if (!layers.IsSequence() || layers.size() == 0)
    throw Error(workload.where("layers"), "'layers' must be a non-empty list");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const YAML::Node& node = layers[i];
    if (!node.IsMap())
      throw Error(yaml::location(node, file),
                  fmt::format("layer {} must be a mapping, got {}", i, yaml::describe(node)));
    std::vector<Field> fields;
    for (const auto& entry : node) {
      const std::string& key = entry.first.Scalar();
      for (const auto& seen : fields)
        if (seen.key == key)
          throw Error(yaml::location(entry.first, file), fmt::format("duplicate key '{}' in layer {}", key, i));
      fields.push_back(Field{key, entry.second, yaml::location(entry.first, file), yaml::location(entry.second, file)});
    }
    builder.add_layer(LayerFields(std::move(fields), yaml::location(node, file), false), fmt::format("layer {}", i));
  }
  return builder.model;
}

Model resolve_workload(const std::string& id_or_path, std::optional<std::int64_t> batch) {
  if (const EmbeddedFile* file = find_embedded("workloads", id_or_path))
    return parse_workload(std::string(file->content), "builtin:" + std::string(file->path), batch);
  if (looks_like_path(id_or_path)) {
    // The content decides: a protobuf is binary from its first bytes, YAML is text.
    if (looks_like_onnx(read_text_file(id_or_path, 512))) return import_onnx(id_or_path, batch);
    return parse_workload(read_text_file(id_or_path), id_or_path, batch);
  }
  auto ids = builtin_workload_ids();
  throw Error(Location{"MODEL", 0, 0},
              fmt::format("unknown workload '{}'{}; built-in: {} (or give a path to a YAML or ONNX file)", id_or_path,
                          did_you_mean(id_or_path, ids), join(ids)));
}

namespace {

// One line of the one-line form: its fields (the first token is the type) and, when it
// carries input=HxWxC, that shape with N in front. Locations are --layer:LINE:COLUMN.
struct LayerLine {
  std::vector<Field> fields;
  Shape input;
  Location input_at;
};

LayerLine tokenize_layer_line(const std::string& line, int line_number, std::optional<std::int64_t> batch) {
  const std::string file = "--layer";
  require_utf8(line, Location{file, line_number, 1});
  LayerLine result;
  std::vector<Field>& fields = result.fields;
  Shape& input = result.input;
  std::size_t position = 0;
  bool first = true;
  while (position < line.size()) {
    while (position < line.size() && line[position] == ' ') ++position;
    if (position >= line.size()) break;
    std::size_t end = position;
    int depth = 0;  // spaces inside [...] belong to the value
    while (end < line.size() && (line[end] != ' ' || depth > 0)) {
      if (line[end] == '[') ++depth;
      if (line[end] == ']') --depth;
      ++end;
    }
    std::string token = line.substr(position, end - position);
    Location where{file, line_number, static_cast<int>(position) + 1};
    if (first) {
      if (token.find('=') != std::string::npos)
        throw Error(where, fmt::format("the one-line form starts with the layer kind (e.g. conv2d), got '{}'", token));
      fields.push_back(Field{"type", YAML::Node(token), where, where});
      first = false;
    } else {
      auto equals = token.find('=');
      if (equals == std::string::npos || equals == 0)
        throw Error(where, fmt::format("expected key=value, got '{}'", token));
      std::string key = token.substr(0, equals);
      std::string value = token.substr(equals + 1);
      Location value_at{file, line_number, static_cast<int>(position + equals) + 2};
      if (key == "input") {
        if (!input.empty()) throw Error(where, "duplicate key 'input'");
        result.input_at = where;
        std::size_t start = 0;
        while (start <= value.size()) {
          std::size_t x = value.find('x', start);
          if (x == std::string::npos) x = value.size();
          long long dim = 0;
          if (!parse_int(value.substr(start, x - start), dim) || dim < 1 || dim > kMaxDimension)
            throw Error(value_at, fmt::format("'input' must be HxWxC (or F) with positive integers, got '{}'", value));
          input.push_back(dim);
          start = x + 1;
        }
        if (input.size() != 3 && input.size() != 1)
          throw Error(value_at, fmt::format("'input' must be HxWxC (or F), got '{}'", value));
        input.insert(input.begin(), batch.value_or(1));
        position = end;
        continue;
      }
      for (const auto& seen : fields)
        if (seen.key == key) throw Error(where, fmt::format("duplicate key '{}'", key));
      // A plain word or number is a YAML scalar as it stands; only lists, maps, quoted and
      // null-like values need YAML's parser (constructing one per token dominated sweeps).
      const bool plain = !value.empty() && value.find_first_of("[]{}\"'~#:,&*!|>%@`") == std::string::npos &&
                         value != "null" && value != "Null" && value != "NULL";
      YAML::Node node;
      try {
        node = plain ? YAML::Node(value) : YAML::Load(value);
      } catch (const YAML::Exception&) {
        throw Error(value_at, fmt::format("cannot read the value of '{}': '{}'", key, value));
      }
      fields.push_back(Field{key, node, where, value_at});
    }
    position = end;
  }
  if (fields.empty())
    throw Error(Location{file, line_number, 1}, "empty layer; e.g. \"conv2d filters=128 kernel=3 input=224x224x128\"");
  return result;
}

}  // namespace

// Each line is one layer (or `repeat` copies); line i > 1 must not carry input= and reads
// the previous line's last layer (add_layer's default input). Default names are
// "<type>_<index>", so two lines of one type differ; a repeated name= is add_layer's
// "duplicate layer name" error. One line gives exactly what parse_layer_line always gave
// (the model is named after its first layer even when `repeat` makes several).
Model parse_layer_lines(const std::vector<std::string>& lines, std::optional<std::int64_t> batch) {
  const std::string file = "--layer";
  if (lines.empty())
    throw Error(Location{file, 0, 0}, "no layer given; e.g. \"conv2d filters=128 kernel=3 input=224x224x128\"");
  ModelBuilder builder;
  builder.file = file;
  builder.batch_override = batch;
  builder.model.origin = file;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int line_number = static_cast<int>(i) + 1;
    LayerLine line = tokenize_layer_line(lines[i], line_number, batch);
    if (i == 0)
      builder.model.input_shape = line.input;
    else if (!line.input.empty())
      throw Error(line.input_at,
                  "input= goes on the first --layer only; later layers read the previous layer's output");
    builder.add_layer(LayerFields(std::move(line.fields), Location{file, line_number, 1}, true),
                      lines.size() == 1 ? std::string("the layer") : fmt::format("layer {}", line_number));
  }
  const auto& layers = builder.model.layers;
  builder.model.name = lines.size() == 1 ? layers.front().name : layers.front().name + ".." + layers.back().name;
  builder.model.reference = join(lines, " | ");
  return builder.model;
}

Model parse_layer_line(const std::string& line, std::optional<std::int64_t> batch) {
  return parse_layer_lines({line}, batch);
}

}  // namespace convroof
