// Loads `convroof.workload/1` files and the one-line --layer form into a Model, resolving
// branch names and inferring every layer's output shape (NHWC) as it goes.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "builder.hpp"
#include "convroof/model.hpp"
#include "embedded.hpp"
#include "text_checks.hpp"

namespace convroof {

// kLayerOps holds one row per kind, so that layer_op_info finds each kind's: as many rows as
// kinds from conv2d to unmodeled (the last), and each of these kinds in exactly one row.
constexpr bool one_row_per_kind() {
  constexpr auto kinds = static_cast<std::size_t>(LayerOp::unmodeled) + 1;
  if (kLayerOps.size() != kinds) return false;
  for (std::size_t kind = 0; kind < kinds; ++kind)
    if (std::count_if(kLayerOps.begin(), kLayerOps.end(), [kind](const LayerOpInfo& info) {
          return static_cast<std::size_t>(info.op) == kind;
        }) != 1)
      return false;
  return true;
}
static_assert(one_row_per_kind(), "kLayerOps (model.hpp) needs exactly one row per LayerOp, unmodeled last");

const LayerOpInfo& layer_op_info(LayerOp op) {
  for (const auto& info : kLayerOps)
    if (info.op == op) return info;
  return kLayerOps.front();
}

InputShape parse_input_shape(const std::string& text) {
  InputShape shape;
  std::string dims = text;
  if (auto equals = text.rfind('='); equals != std::string::npos) {
    shape.name = text.substr(0, equals);
    dims = text.substr(equals + 1);
    if (shape.name.empty())
      throw Error(Location{"--input", 0, 0}, fmt::format("'{}' names no input before '='", text));
  }
  for (std::size_t start = 0;;) {
    std::size_t x = dims.find('x', start);
    std::string part = dims.substr(start, x == std::string::npos ? std::string::npos : x - start);
    long long dim = 0;
    if (!parse_int(part, dim) || dim < 1 || dim > loader::kMaxDimension)
      throw Error(Location{"--input", 0, 0},
                  fmt::format("'{}': dimension '{}' is not a whole number between 1 and {} (the form is "
                              "NAME=1x3x224x224, or 1x3x224x224 for a model's one input)",
                              text, part, loader::kMaxDimension));
    shape.dims.push_back(dim);
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return shape;
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

std::string shape_text(std::span<const std::int64_t> shape) {
  std::vector<std::string> dims;
  for (auto dim : shape) dims.push_back(std::to_string(dim));
  return shape.empty() ? "-" : join(dims, "x");
}

std::vector<std::string> builtin_workload_ids() {
  return embedded_ids("workloads");
}

namespace {

using namespace loader;

constexpr std::string_view kSchema = "convroof.workload/1";

Shape parse_input_shape(const yaml::MapReader& workload, std::optional<std::int64_t> batch) {
  yaml::MapReader input(workload.required("input"), workload.file(), "'input'", {"shape", "layout"});
  if (auto layout = input.optional_string("layout"); layout && *layout != "NHWC")
    throw Error(input.where("layout"), fmt::format("unsupported layout '{}' (convroof workloads are NHWC)", *layout));
  const yaml::Node& dims = input.required("shape");
  if (!dims.is_sequence() || (dims.size() != 4 && dims.size() != 2))
    throw Error(input.where("shape"), "'shape' must be [N, H, W, C] (or [N, F])");
  Shape shape;
  for (const auto& dim : dims.items()) {
    shape.push_back(yaml::as_integer(dim, workload.file(), "a dimension of 'shape'", 1));
    if (shape.back() > kMaxDimension)
      throw Error(yaml::location(dim, workload.file()), fmt::format("dimension {} is too large", shape.back()));
  }
  if (batch) shape[0] = *batch;
  return shape;
}

// The input's location, for the NCHW warning.
Location input_shape_at(const yaml::MapReader& workload) {
  return yaml::MapReader(workload.required("input"), workload.file(), "'input'", {"shape", "layout"}).where("shape");
}

}  // namespace

Model parse_workload(const std::string& text, const std::string& file, std::optional<std::int64_t> batch) {
  const yaml::Node root = yaml::parse_document(text, file);
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
  if (workload.has("input")) {
    builder.model.input_shape = parse_input_shape(workload, batch);
    warn_if_nchw(builder.model.input_shape, input_shape_at(workload), builder.model.notes);
  }
  const yaml::Node& layers = workload.required("layers");
  if (!layers.is_sequence() || layers.size() == 0)
    throw Error(workload.where("layers"), "'layers' must be a non-empty list");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const yaml::Node& node = layers[i];
    if (!node.is_map())
      throw Error(yaml::location(node, file),
                  fmt::format("layer {} must be a mapping, got {}", i, yaml::describe(node)));
    std::vector<Field> fields;
    for (const auto& entry : node.entries()) {
      const std::string& key = entry.key.scalar();
      for (const auto& seen : fields)
        if (seen.key == key)
          throw Error(yaml::location(entry.key, file), fmt::format("duplicate key '{}' in layer {}", key, i));
      fields.push_back(Field{key, entry.value, yaml::location(entry.key, file), yaml::location(entry.value, file)});
    }
    builder.add_layer(LayerFields(std::move(fields), yaml::location(node, file), false), fmt::format("layer {}", i));
  }
  return builder.model;
}

Model resolve_workload(const std::string& id_or_path, std::optional<std::int64_t> batch,
                       const std::vector<InputShape>& inputs) {
  auto yaml_only = [&](const std::string& file) {
    if (!inputs.empty())
      throw Error(Location{"--input", 0, 0},
                  fmt::format("--input sets an ONNX model's input shape; '{}' is a YAML workload, whose input is its "
                              "'input:' (use --batch for N)",
                              file));
  };
  if (const EmbeddedFile* file = find_embedded("workloads", id_or_path)) {
    yaml_only(id_or_path);
    return parse_workload(std::string(file->content), "builtin:" + std::string(file->path), batch);
  }
  if (looks_like_path(id_or_path)) {
    // The content decides: a TFLite flatbuffer carries "TFL3" at byte 4 (a .tflite file
    // without it is an error naming its identifier), a protobuf is binary from its first bytes,
    // YAML is text.
    const std::string head = read_text_file(id_or_path, 512);
    const bool tflite_name = id_or_path.size() > 7 && id_or_path.ends_with(".tflite");
    if (looks_like_tflite(head) || tflite_name) {
      if (!inputs.empty())
        throw Error(Location{"--input", 0, 0},
                    fmt::format("--input sets an ONNX model's input shape; '{}' is a TFLite model, whose tensors fix "
                                "their shapes",
                                id_or_path));
      return import_tflite(id_or_path, batch);
    }
    if (looks_like_onnx(head)) return import_onnx(id_or_path, batch, inputs);
    yaml_only(id_or_path);
    return parse_workload(read_text_file(id_or_path), id_or_path, batch);
  }
  auto ids = builtin_workload_ids();
  throw Error(Location{"MODEL", 0, 0},
              fmt::format("unknown workload '{}'{}; built-in: {} (or give a path to a YAML, ONNX or TFLite file)", id_or_path,
                          did_you_mean(id_or_path, ids), join(ids)));
}

void infer_shapes(Model& model) {
  loader::ModelBuilder builder;
  builder.model = std::move(model);
  struct GiveBack {  // the model returns to the caller whether or not inference throws
    Model& to;
    Model& from;
    ~GiveBack() { to = std::move(from); }
  } give_back{model, builder.model};
  for (auto& layer : builder.model.layers) {
    layer.input_shapes.resize(layer.inputs.size());
    for (std::size_t k = 0; k < layer.inputs.size(); ++k) layer.input_shapes[k] = builder.shape_of(layer.inputs[k]);
    builder.infer(layer);
  }
}

}  // namespace convroof
