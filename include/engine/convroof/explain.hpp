// `convroof explain`: one layer's cost derived the way a student writes it down:
// Assumptions & Constraints (conventions, peak, bandwidth, ridge), Calculations (each count
// with its formula and the numbers substituted, units on every line) and a Conclusion (the
// verdict, by what factor, and what would change it). Every number comes from the same
// LayerCost that `analyze` reports, so the two cannot disagree.
#pragma once

#include <string>
#include <vector>

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

}  // namespace convroof
