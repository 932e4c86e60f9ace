// `convroof explain`: one layer's cost derived the way a student writes it down:
// Assumptions & Constraints (conventions, peak, bandwidth, ridge), Calculations (each count
// with its formula and the numbers substituted, units on every line) and a Conclusion (the
// verdict, by what factor, and what would change it). Every number comes from the same
// LayerCost that `analyze` reports, so the two cannot disagree.
#pragma once

#include <string>
#include <vector>

#include "convroof/compare.hpp"
#include "convroof/cost.hpp"

namespace convroof {

// The same layer with one option changed, for the conclusion's "what would change it".
struct WhatIf {
  std::string change;    // "fused (--fuse all)", "batch 8 (--batch 8)", "fp16 (--precision fp16)"
  std::int64_t per = 1;  // divide times by this for a per-sample figure (the batch what-if)
  LayerCost layer;
};

struct Explanation {
  AnalysisResult result;  // the whole analysis the layer is part of (fusion sees its neighbours)
  std::size_t layer = 0;  // the explained layer's index in result.layers
  std::vector<WhatIf> what_ifs;
};

// `layer_name` empty: the model must have exactly one layer. Throws Error otherwise, or for
// an unknown name (with a "did you mean").
Explanation explain(const Model& model, const HardwareSpec& hardware, const Options& options,
                    const std::string& layer_name);

// `explain MODEL --block N`: block N (1-based, as compare numbers them) in its two forms side by
// side: compare's record of it (both analyses, the time difference by term, the verdict under
// each alternative) and, for the fused pair's intensity, the separable form with the other
// fusion choice: every pattern (--fuse all: the batch-norm and activation between fold in, so
// the dw->pw intermediate can stay on chip) when the given options write it to memory, or
// nothing fused (--fuse none) when they already keep it on chip.
struct BlockExplanation {
  std::size_t number = 0;  // 1-based
  ConvPair pair;
  Target target;
  BlockComparison block;
  std::string other_fusion;  // the other fusion choice as a flag: "--fuse all" or "--fuse none"; empty: none
                             // (--fuse all given and the intermediate still does not fit on chip)
  AnalysisResult other;      // the separable form under it (the given one when there is none)
  bool fused = false;        // the given options keep the intermediate on chip
  const AnalysisResult& standard() const { return pair.direction == Transform::to_dwsep ? block.before : block.after; }
  const AnalysisResult& separable() const { return pair.direction == Transform::to_dwsep ? block.after : block.before; }
};
// Throws Error at "--block" when N is 0 or past the model's blocks.
BlockExplanation explain_block(const Model& model, const Target& target, std::size_t number);

}  // namespace convroof
