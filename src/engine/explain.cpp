// explain(): the analysis of the model, the chosen layer, and the same layer under the
// changes the conclusion discusses (fusion, batch, precision).
#include "convroof/explain.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace convroof {

namespace {

// The model at batch N·factor: every shape carries N first (NHWC, or [N, F]).
Model scaled_batch(Model model, std::int64_t factor) {
  auto scale = [&](Shape& shape) {
    if (!shape.empty()) shape.front() *= factor;
  };
  scale(model.input_shape);
  for (auto& layer : model.layers) {
    for (auto& shape : layer.input_shapes) scale(shape);
    scale(layer.output_shape);
  }
  return model;
}

}  // namespace

Explanation explain(const Model& model, const HardwareSpec& hardware, const Options& options,
                    const std::string& layer_name) {
  std::vector<std::string> names;
  for (const auto& layer : model.layers) names.push_back(layer.name);
  std::size_t index = 0;
  if (layer_name.empty()) {
    if (model.layers.size() != 1)
      throw Error(
          Location{"--name", 0, 0},
          fmt::format(
              "'{}' has {} layers: pick one with --name LAYER (first ones: {})", model.name, model.layers.size(),
              join(std::vector<std::string>(names.begin(), names.begin() + std::min<std::size_t>(names.size(), 5)))));
  } else {
    auto found = std::find(names.begin(), names.end(), layer_name);
    if (found == names.end())
      throw Error(Location{"--name", 0, 0},
                  fmt::format("no layer '{}' in '{}'{}", layer_name, model.name, did_you_mean(layer_name, names)));
    index = static_cast<std::size_t>(found - names.begin());
  }

  Explanation explanation{analyze(model, hardware, options), index, {}};
  const Layer& layer = model.layers[index];
  if (options.fuse != Fuse::all) {
    Options fused = options;
    fused.fuse = Fuse::all;
    explanation.what_ifs.push_back(
        WhatIf{"fused with its neighbours (--fuse all)", 1, analyze(model, hardware, fused).layers[index]});
  }
  if (layer.op != LayerOp::lumped) {
    constexpr std::int64_t kBatch = 8;
    Options batched = options;
    batched.batch = options.batch * kBatch;
    explanation.what_ifs.push_back(
        WhatIf{fmt::format("batch {} (--batch {}), per sample", batched.batch, batched.batch), kBatch,
               analyze(scaled_batch(model, kBatch), hardware, batched).layers[index]});
  }
  // The hardware's other precision with the fewest bytes per element.
  std::optional<Precision> other;
  for (Precision precision : hardware.precisions())
    if (precision != options.precision && (!other || precision_bytes(precision) < precision_bytes(*other)))
      other = precision;
  if (other && !layer.dtype) {
    Options changed = options;
    changed.precision = *other;
    explanation.what_ifs.push_back(
        WhatIf{fmt::format("{} (--precision {})", precision_name(*other), precision_name(*other)), 1,
               analyze(model, hardware, changed).layers[index]});
  }
  return explanation;
}

}  // namespace convroof
