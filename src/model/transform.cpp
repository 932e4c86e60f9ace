// Model transforms (include/convroof/transform.hpp): standard kxk convolutions to their
// depthwise-separable form and depthwise + pointwise pairs to their standard equivalent.
// The transform names (kTransforms, transform_name) live in the header.
#include "convroof/transform.hpp"

#include <fmt/format.h>

namespace convroof {

namespace {

// The pointwise end of a to_standard block: a 1x1 conv2d with groups 1, stride 1 and no
// padding, so the merged conv (with the depthwise's geometry) writes exactly its output shape.
bool is_pair_end(const Layer& layer) {
  return layer.op == LayerOp::conv2d && layer.op_class == OpClass::pointwise && layer.inputs.size() == 1 &&
         layer.stride == std::array<std::int64_t, 2>{1, 1} && layer.padding == std::array<std::int64_t, 4>{0, 0, 0, 0};
}

// A block found in the model: its layers' indices and its replacement layers (whose
// `inputs` are filled in by the caller).
struct Block {
  Transform direction;
  std::vector<int> layers;
  std::vector<Layer> replacement;
};

// "3x3 s1, 128->128, 224x224": kernel, stride (one number when square), channels C->K and
// the input's HxW, for labels.
std::string geometry(const Layer& layer, std::int64_t filters) {
  const Shape& in = layer.input_shapes.front();
  std::string stride = layer.stride[0] == layer.stride[1] ? fmt::format("{}", layer.stride[0])
                                                          : fmt::format("{}x{}", layer.stride[0], layer.stride[1]);
  return fmt::format("{}x{} s{}, {}->{}, {}x{}", layer.kernel[0], layer.kernel[1], stride, in[3], filters, in[1],
                     in[2]);
}

// Standard kxk -> depthwise kxk (same stride, padding, dilation, dtype; no bias) writing
// [N, Ho, Wo, C], then pointwise 1x1 to K with the original's bias and output shape.
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
  pointwise.op = LayerOp::conv2d;
  pointwise.op_class = OpClass::pointwise;
  pointwise.kernel = {1, 1};
  pointwise.stride = {1, 1};
  pointwise.dilation = {1, 1};
  pointwise.padding = {0, 0, 0, 0};
  pointwise.groups = 1;
  pointwise.input_shapes = {depthwise.output_shape};
  Block block{Transform::to_dwsep, {index}, {}};
  block.replacement.reserve(2);
  block.replacement.push_back(std::move(depthwise));
  block.replacement.push_back(std::move(pointwise));
  return block;
}

// Depthwise D (+ chain) + pointwise P -> one conv2d with D's kernel, stride, dilation,
// padding, dtype and input, P's filters, bias and output shape (pointwise class when D is 1x1).
Block standard_of(const Model& model, std::vector<int> members) {
  const Layer& depthwise = model.layers[static_cast<std::size_t>(members.front())];
  const Layer& pointwise = model.layers[static_cast<std::size_t>(members.back())];
  Layer standard = depthwise;
  standard.name = depthwise.name + "+" + pointwise.name;
  standard.op = LayerOp::conv2d;
  standard.groups = 1;
  standard.filters = pointwise.filters;
  standard.bias = pointwise.bias;
  standard.op_class = depthwise.kernel[0] == 1 && depthwise.kernel[1] == 1 ? OpClass::pointwise : OpClass::standard;
  standard.output_shape = pointwise.output_shape;
  Block block{Transform::to_standard, std::move(members), {}};
  block.replacement.push_back(std::move(standard));
  return block;
}

// The blocks of the model, ordered by their first layer. A depthwise + pointwise pair: a
// depthwise layer, then zero or more batch-norm/activation layers, then a pointwise conv,
// each layer before P read by exactly one layer in the whole model (the next of the block,
// which reads nothing else), so the intermediates exist only inside the block. A layer
// with no reader (the model's output) therefore never starts or continues a chain. The
// members need not be adjacent in the layer list (another branch may be listed between).
// `only`: the blocks of one direction (none: both).
std::vector<Block> find_blocks(const Model& model, Transform only) {
  const std::size_t count = model.layers.size();
  std::vector<std::vector<int>> readers(count);  // one entry per reading input
  for (std::size_t i = 0; i < count; ++i)
    for (int source : model.layers[i].inputs)
      if (source >= 0) readers[static_cast<std::size_t>(source)].push_back(static_cast<int>(i));
  auto sole_reader = [&](int producer) -> int {
    const auto& list = readers[static_cast<std::size_t>(producer)];
    if (list.size() != 1) return -1;
    return model.layers[static_cast<std::size_t>(list.front())].inputs.size() == 1 ? list.front() : -1;
  };
  std::vector<Block> blocks;
  for (std::size_t i = 0; i < count; ++i) {
    const Layer& layer = model.layers[i];
    if (layer.op == LayerOp::conv2d && layer.op_class == OpClass::standard) {
      if (only != Transform::to_standard) blocks.push_back(separable_of(model, static_cast<int>(i)));
      continue;
    }
    if (layer.op_class != OpClass::depthwise || only == Transform::to_dwsep) continue;
    std::vector<int> members{static_cast<int>(i)};
    int next = sole_reader(static_cast<int>(i));
    while (next >= 0 && is_epilogue(model.layers[static_cast<std::size_t>(next)])) {
      members.push_back(next);
      next = sole_reader(next);
    }
    if (next < 0 || !is_pair_end(model.layers[static_cast<std::size_t>(next)])) continue;
    members.push_back(next);
    blocks.push_back(standard_of(model, std::move(members)));
  }
  return blocks;
}

// `layers` as a model of their own: the first reads the model input, each next its
// predecessor; input_shapes are kept, and description, source, origin and stored precision
// are the model's.
Model chain_model(const Model& model, std::vector<Layer> layers, const std::string& name) {
  Model out;
  out.name = name;
  out.description = model.description;
  out.reference = model.reference;
  out.origin = model.origin;
  out.stored_precision = model.stored_precision;
  out.input_shape = layers.front().input_shapes.front();
  for (std::size_t i = 0; i < layers.size(); ++i) layers[i].inputs = {static_cast<int>(i) - 1};
  out.layers = std::move(layers);
  return out;
}

}  // namespace

std::vector<ConvPair> find_pairs(const Model& model) {
  std::vector<ConvPair> pairs;
  for (auto& block : find_blocks(model, Transform::none)) {
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
    // Both named "<model>:<first layer of the original block>", so before and after match.
    const std::string name = fmt::format("{}:{}", model.name, first.name);
    pair.before = chain_model(model, std::move(original), name);
    pair.after = chain_model(model, std::move(block.replacement), name);
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

// Each block's replacement goes where its first layer was (every input of the block is
// read by that layer, so it is defined by then); its other members are dropped. Every
// later reference to any member is remapped to the replacement's last layer (only the
// block's last layer has readers outside it), every other reference to the layer's new index.
void apply_transform(const Model& model, Transform transform, Model& out) {
  std::vector<Block> blocks;
  if (transform != Transform::none) blocks = find_blocks(model, transform);
  if (blocks.empty()) {
    out = model;  // assigned: out's storage is reused
    return;
  }
  const std::size_t count = model.layers.size();
  std::vector<int> starts(count, -1);  // layer -> the block it starts
  std::vector<bool> member(count, false);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    starts[static_cast<std::size_t>(blocks[b].layers.front())] = static_cast<int>(b);
    for (int index : blocks[b].layers) member[static_cast<std::size_t>(index)] = true;
  }
  out = model;  // the model's own fields; its layers follow one by one
  out.layers.clear();
  out.layers.reserve(count + blocks.size());
  std::vector<int> new_index(count, -1);  // old layer -> the new layer holding its output
  auto remap = [&](std::vector<int> inputs) {
    for (int& source : inputs)
      if (source >= 0) source = new_index[static_cast<std::size_t>(source)];
    return inputs;
  };
  for (std::size_t i = 0; i < count; ++i) {
    if (starts[i] >= 0) {
      Block& block = blocks[static_cast<std::size_t>(starts[i])];
      std::vector<int> inputs = remap(model.layers[i].inputs);
      for (auto& layer : block.replacement) {
        layer.inputs = inputs;
        out.layers.push_back(std::move(layer));
        inputs = {static_cast<int>(out.layers.size()) - 1};
      }
      for (int index : block.layers) new_index[static_cast<std::size_t>(index)] = inputs.front();
      continue;
    }
    if (member[i]) continue;  // emitted with its block's first layer
    Layer layer = model.layers[i];
    layer.inputs = remap(layer.inputs);
    out.layers.push_back(std::move(layer));
    new_index[i] = static_cast<int>(out.layers.size()) - 1;
  }
}

Model apply_transform(const Model& model, Transform transform) {
  Model out;
  apply_transform(model, transform, out);
  return out;
}

}  // namespace convroof
