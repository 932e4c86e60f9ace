// The one-line layer form (docs/formats.md), in one place: "TYPE key=value … [input=HxWxC]",
// one layer (or `repeat` copies) per line, later lines reading the previous one's output.
// Parsing tokenizes a line and hands its keys to the model builder the YAML loader uses
// (builder.hpp), so both forms check and infer layers alike; layer_line() prints a layer back
// in the canonical form. Sweeps do not come back here per value: they vary the parsed Layer
// and call infer_shapes (src/engine/sweep.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "builder.hpp"
#include "convroof/model.hpp"
#include "text_checks.hpp"

namespace convroof {

using namespace loader;

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
      fields.push_back(Field{"type", yaml::Node(token), where, where});
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
      yaml::Node node;
      try {
        node = plain ? yaml::Node(value) : yaml::parse_document(value, file);
      } catch (const Error&) {
        throw Error(value_at, fmt::format("cannot read the value of '{}': '{}'", key, value));
      }
      fields.push_back(Field{key, std::move(node), where, value_at});
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
Model parse_layer_lines(const std::vector<std::string>& lines, std::optional<std::int64_t> batch,
                        std::span<const LayerLineDefault> defaults) {
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
    for (const auto& fallback : defaults) {
      const auto given = [&](const Field& field) { return field.key == fallback.key; };
      if (line.fields.front().value.scalar() == layer_op_info(fallback.op).name &&
          std::none_of(line.fields.begin(), line.fields.end(), given)) {
        const Location start{file, line_number, 1};
        line.fields.push_back(Field{std::string(fallback.key), yaml::Node(std::to_string(fallback.value)), start, start});
      }
    }
    if (i == 0) {
      builder.model.input_shape = line.input;
      if (!line.input.empty()) warn_if_nchw(line.input, line.input_at, builder.model.notes);
    } else if (!line.input.empty())
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

namespace {

std::string pair_text(const std::array<std::int64_t, 2>& pair) {
  return fmt::format("{}x{}", pair[0], pair[1]);
}

std::string padding_text(const Layer& layer) {
  return fmt::format("[{},{},{},{}]", layer.padding[0], layer.padding[1], layer.padding[2], layer.padding[3]);
}

}  // namespace

std::string layer_line(const Layer& layer, bool with_input) {
  if (layer.inputs.size() > 1 || layer.op == LayerOp::lumped || !layer_op_info(layer.op).in_yaml)
    throw std::logic_error(
        fmt::format("layer '{}' ({}) has no one-line form in a chain", layer.name, layer_op_info(layer.op).name));
  const Shape& input = layer.input_shapes.front();  // NHWC, or [N, F]
  std::string line;
  switch (layer.op) {
    case LayerOp::depthwise_conv2d:
      line = fmt::format("depthwise_conv2d kernel={} stride={} padding={} dilation={} depth_multiplier={}",
                         pair_text(layer.kernel), pair_text(layer.stride), padding_text(layer),
                         pair_text(layer.dilation), layer.filters / input[3]);
      break;
    case LayerOp::conv2d:
      line = fmt::format("conv2d filters={} kernel={} stride={} padding={} dilation={} groups={}", layer.filters,
                         pair_text(layer.kernel), pair_text(layer.stride), padding_text(layer),
                         pair_text(layer.dilation), layer.groups);
      break;
    case LayerOp::maxpool:
    case LayerOp::avgpool:
      line = fmt::format("{} kernel={} stride={} padding={}", layer_op_info(layer.op).name, pair_text(layer.kernel),
                         pair_text(layer.stride), padding_text(layer));
      break;
    case LayerOp::dense:
      line = fmt::format("dense units={}", layer.units);
      break;
    // No keys beyond the common ones: the kind's name.
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
    // Lumped and the imported-only kinds were refused above.
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
      line = std::string(layer_op_info(layer.op).name);
      break;
  }
  if (has_trait(layer.op, kWeighted)) line += fmt::format(" bias={}", layer.bias ? "true" : "false");
  if (with_input) {
    std::vector<std::string> dims;
    for (std::size_t i = 1; i < input.size(); ++i) dims.push_back(std::to_string(input[i]));
    line += " input=" + join(dims, "x");
  }
  return line;
}

}  // namespace convroof
