// Model transforms (include/convroof/transform.hpp): standard kxk convolutions to their
// depthwise-separable form and depthwise + pointwise pairs to their standard equivalent.
#include "convroof/transform.hpp"

#include <fmt/format.h>

namespace convroof {

std::string_view transform_name(Transform transform) {
  for (const auto& info : kTransforms)
    if (info.transform == transform) return info.name;
  return kTransforms.front().name;
}

std::optional<Transform> parse_transform(std::string_view name) {
  for (const auto& info : kTransforms)
    if (info.name == name) return info.transform;
  return std::nullopt;
}

std::vector<std::string> transform_names() {
  std::vector<std::string> names;
  for (const auto& info : kTransforms) names.emplace_back(info.name);
  return names;
}

namespace {

bool is_chain_link(const Layer& layer) {
  return layer.inputs.size() == 1 && (layer.op_class == OpClass::norm || layer.op_class == OpClass::activation) &&
         layer.op != LayerOp::softmax;
}

// A block found in the model: its layers' indices and its replacement layers (whose
// `inputs` are filled in by the caller).
struct Block {
  Transform direction;
  std::vector<int> layers;
  std::vector<Layer> replacement;
};

std::string geometry(const Layer& layer, std::int64_t filters) {
  const Shape& in = layer.input_shapes.front();
  return fmt::format("{}x{} s{}, {}->{}, {}x{}", layer.kernel[0], layer.kernel[1], layer.stride[0], in[3], filters,
                     in[1], in[2]);
}

// Standard kxk -> depthwise kxk (same stride, padding, dilation) + pointwise 1x1.
Block separable_of(const Model& model, int index) {
  const Layer& conv = model.layers[static_cast<std::size_t>(index)];
  const Shape& in = conv.input_shapes.front();
  Layer depthwise = conv;
  depthwise.name = conv.name + "/dw";
  depthwise.op = LayerOp::depthwise_conv2d;
  depthwise.op_class = OpClass::depthwise;
  depthwise.groups = in[3];
  depthwise.filters = in[3];
  depthwise.bias = false;
  depthwise.output_shape = {conv.output_shape[0], conv.output_shape[1], conv.output_shape[2], in[3]};
  Layer pointwise = conv;
  pointwise.name = conv.name + "/pw";
  pointwise.op_class = OpClass::pointwise;
  pointwise.kernel = {1, 1};
  pointwise.stride = {1, 1};
  pointwise.dilation = {1, 1};
  pointwise.padding = {0, 0, 0, 0};
  pointwise.groups = 1;
  pointwise.input_shapes = {depthwise.output_shape};
  return Block{Transform::to_dwsep, {index}, {depthwise, pointwise}};
}

// The blocks of the model in layer order. A depthwise + pointwise pair: a depthwise layer,
// then zero or more batch-norm/activation layers, then a pointwise conv, each read only by
// the next (so the intermediate exists only inside the block).
std::vector<Block> find_blocks(const Model& model) {
  const std::size_t count = model.layers.size();
  std::vector<int> consumers(count, 0);
  for (const auto& layer : model.layers)
    for (int source : layer.inputs)
      if (source >= 0) ++consumers[static_cast<std::size_t>(source)];
  auto only_reader = [&](std::size_t producer) -> int {
    if (producer + 1 >= count || consumers[producer] != 1) return -1;
    const Layer& next = model.layers[producer + 1];
    return next.inputs.size() == 1 && next.inputs.front() == static_cast<int>(producer) ? static_cast<int>(producer + 1)
                                                                                        : -1;
  };
  std::vector<Block> blocks;
  for (std::size_t i = 0; i < count; ++i) {
    const Layer& layer = model.layers[i];
    if (layer.op == LayerOp::conv2d && layer.op_class == OpClass::standard) {
      blocks.push_back(separable_of(model, static_cast<int>(i)));
      continue;
    }
    if (layer.op_class != OpClass::depthwise) continue;
    std::vector<int> members{static_cast<int>(i)};
    int next = only_reader(i);
    while (next >= 0 && is_chain_link(model.layers[static_cast<std::size_t>(next)])) {
      members.push_back(next);
      next = only_reader(static_cast<std::size_t>(next));
    }
    if (next < 0 || model.layers[static_cast<std::size_t>(next)].op_class != OpClass::pointwise) continue;
    members.push_back(next);
    const Layer& pointwise = model.layers[static_cast<std::size_t>(next)];
    Layer standard = layer;
    standard.name = layer.name + "+" + pointwise.name;
    standard.op = LayerOp::conv2d;
    standard.groups = 1;
    standard.filters = pointwise.filters;
    standard.bias = pointwise.bias;
    standard.op_class = layer.kernel[0] == 1 && layer.kernel[1] == 1 ? OpClass::pointwise : OpClass::standard;
    standard.output_shape = pointwise.output_shape;
    blocks.push_back(Block{Transform::to_standard, members, {standard}});
    i = static_cast<std::size_t>(next);
  }
  return blocks;
}

// `layers` as a model of their own: the first reads the model input, each next its predecessor.
Model chain_model(const Model& model, std::vector<Layer> layers, const std::string& name) {
  Model out;
  out.name = name;
  out.description = model.description;
  out.source = model.source;
  out.origin = model.origin;
  out.input_shape = layers.front().input_shapes.front();
  for (std::size_t i = 0; i < layers.size(); ++i) layers[i].inputs = {static_cast<int>(i) - 1};
  out.layers = std::move(layers);
  return out;
}

}  // namespace

std::vector<ConvPair> find_pairs(const Model& model) {
  std::vector<ConvPair> pairs;
  for (auto& block : find_blocks(model)) {
    const Layer& first = model.layers[static_cast<std::size_t>(block.layers.front())];
    const Layer& last = model.layers[static_cast<std::size_t>(block.layers.back())];
    ConvPair pair;
    pair.direction = block.direction;
    pair.layers = block.layers;
    pair.label = block.direction == Transform::to_dwsep
                     ? fmt::format("{} ({})", first.name, geometry(first, first.filters))
                     : fmt::format("{}+{} ({})", first.name, last.name, geometry(first, last.filters));
    std::vector<Layer> original;
    for (int index : block.layers) original.push_back(model.layers[static_cast<std::size_t>(index)]);
    const std::string name = fmt::format("{}:{}", model.name, first.name);
    pair.before = chain_model(model, std::move(original), name);
    pair.after = chain_model(model, std::move(block.replacement), name);
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

Model apply_transform(const Model& model, Transform transform) {
  if (transform == Transform::none) return model;
  std::vector<Block> blocks;
  for (auto& block : find_blocks(model))
    if (block.direction == transform) blocks.push_back(std::move(block));
  if (blocks.empty()) return model;

  Model out = model;
  out.layers.clear();
  std::vector<int> new_index(model.layers.size(), -1);  // old layer -> the new layer holding its output
  std::size_t next_block = 0;
  auto remap = [&](std::vector<int> inputs) {
    for (int& source : inputs)
      if (source >= 0) source = new_index[static_cast<std::size_t>(source)];
    return inputs;
  };
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    if (next_block < blocks.size() && static_cast<int>(i) == blocks[next_block].layers.front()) {
      Block& block = blocks[next_block++];
      std::vector<int> inputs = remap(model.layers[i].inputs);
      for (auto& layer : block.replacement) {
        layer.inputs = inputs;
        out.layers.push_back(std::move(layer));
        inputs = {static_cast<int>(out.layers.size()) - 1};
      }
      for (int member : block.layers) new_index[static_cast<std::size_t>(member)] = inputs.front();
      i = static_cast<std::size_t>(block.layers.back());
      continue;
    }
    Layer layer = model.layers[i];
    layer.inputs = remap(layer.inputs);
    out.layers.push_back(std::move(layer));
    new_index[i] = static_cast<int>(out.layers.size()) - 1;
  }
  return out;
}

}  // namespace convroof
