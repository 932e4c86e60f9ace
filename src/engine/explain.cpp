// explain(): the analysis of the model, the chosen layer, and the same layer under the
// changes the conclusion discusses (fusion, batch, precision); explain_block(): one block in
// both forms (compare_block) and the separable form under the other fusion choice.
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
  // Fusion, from the flags given: every pattern (--fuse all) when that changes this layer; else,
  // for a layer the flags already fuse, what the fusion buys (--fuse none). A choice that changes
  // nothing is not listed.
  const LayerCost& current = explanation.result.layers[index];
  auto fusion_what_if = [&](Fuse fuse, const char* change) {
    Options other = options;
    other.fuse = fuse;
    LayerCost changed = analyze(model, hardware, other).layers[index];
    if (changed.time.total == current.time.total && changed.bytes.total() == current.bytes.total()) return false;
    explanation.what_ifs.push_back(WhatIf{change, 1, std::move(changed)});
    return true;
  };
  const bool fused_now = current.input_on_chip || current.output_on_chip || current.runs_in != current.name;
  if (!(options.fuse != Fuse::all && fusion_what_if(Fuse::all, "fused with its neighbours (--fuse all)")) &&
      fused_now)
    fusion_what_if(Fuse::none, "without fusion (--fuse none)");
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

BlockExplanation explain_block(const Model& model, const Target& target, std::size_t number) {
  std::vector<ConvPair> pairs = find_pairs(model);
  if (pairs.empty())
    throw Error(Location{"--block", 0, 0},
                fmt::format("'{}' has no block (no standard kxk conv, no depthwise + pointwise pair)", model.name));
  if (number == 0 || number > pairs.size())
    throw Error(Location{"--block", 0, 0},
                fmt::format("block {} does not exist: '{}' has blocks 1 to {} (`convroof compare` lists them)", number,
                            model.name, pairs.size()));
  BlockExplanation explanation;
  explanation.number = number;
  explanation.pair = std::move(pairs[number - 1]);
  explanation.target = target;
  explanation.block = compare_block(explanation.pair, target);
  const AnalysisResult& separable = explanation.separable();
  explanation.fused = std::any_of(separable.layers.begin(), separable.layers.end(), [](const LayerCost& layer) {
    return layer.kind == OpClass::depthwise && layer.output_on_chip;
  });
  const Model& separable_model =
      explanation.pair.direction == Transform::to_dwsep ? explanation.pair.after : explanation.pair.before;
  // Already every pattern and still not on chip: no other choice keeps it there.
  if (!explanation.fused && target.options.fuse == Fuse::all) {
    explanation.other = separable;
    return explanation;
  }
  Options other = target.options;
  other.fuse = explanation.fused ? Fuse::none : Fuse::all;
  explanation.other_fusion = explanation.fused ? "--fuse none" : "--fuse all";
  explanation.other = analyze(separable_model, target.hardware, other);
  return explanation;
}

}  // namespace convroof
