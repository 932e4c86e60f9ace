// Traffic models and fusion modes: how many bytes a layer moves across each memory level.
//   ideal     each tensor crosses the memory boundary once (compulsory traffic; the naive
//             estimate of seed 002's blog)
//   no-reuse  every multiply-accumulate fetches its input and weight operands from memory
//             (the lower-bound arithmetic of seed 000: 9 + 9 + 1 bytes per 3x3 depthwise output)
//   tiled     tiles sized to the on-chip level: compulsory traffic when the working set fits,
//             re-fetches by the cheaper of two loop orders otherwise (src/engine/traffic.cpp)
// Fusion keeps intermediates on chip. `--fuse` picks the patterns (convroof/runtime.hpp):
// runtime (the default) applies the runtime's; none, dw-pw and conv-bn-act one set each; all
// every pattern. conv-bn-act folds batch-norm and activation layers into the layer before them;
// dw-pw runs a depthwise layer and the pointwise conv after it as one kernel when a tile of the
// pair fits the on-chip level; residual, eltwise-chain and pool-epilogue are in runtime.hpp.
#pragma once

#include "convroof/kinds.hpp"
#include "convroof/runtime.hpp"

namespace convroof {

enum class Traffic { ideal, no_reuse, tiled };
enum class Fuse { runtime, none, dw_pw, conv_bn_act, all };

inline constexpr std::array kTrafficModels{
    NamedChoice<Traffic>{Traffic::ideal, "ideal", "each tensor crosses the memory boundary once"},
    NamedChoice<Traffic>{Traffic::no_reuse, "no-reuse", "every MAC fetches its input and weight operands"},
    NamedChoice<Traffic>{Traffic::tiled, "tiled", "tiles sized to the on-chip level; re-fetches when they do not fit"},
};
inline constexpr std::array kFuseModes{
    NamedChoice<Fuse>{Fuse::runtime, "runtime", "the patterns the runtime applies (--runtime; the default)"},
    NamedChoice<Fuse>{Fuse::none, "none", "every layer is its own kernel; intermediates go to memory"},
    NamedChoice<Fuse>{Fuse::dw_pw, "dw-pw", "a depthwise layer and the pointwise conv reading it run as one kernel"},
    NamedChoice<Fuse>{Fuse::conv_bn_act, "conv-bn-act", "batch-norm and activation layers fold into the layer before"},
    NamedChoice<Fuse>{Fuse::all, "all", "every pattern: conv-bn-act, residual, dw-pw, eltwise-chain, pool-epilogue"},
};

// The patterns `fuse` applies under `runtime`.
inline FusionSet fusion_set(Fuse fuse, const Runtime& runtime) {
  switch (fuse) {
    case Fuse::runtime:
      return runtime.fusion;
    case Fuse::none:
      return 0;
    case Fuse::dw_pw:
      return static_cast<unsigned>(FusionPattern::dw_pw);
    case Fuse::conv_bn_act:
      return static_cast<unsigned>(FusionPattern::conv_bn_act);
    case Fuse::all:
      return kAllPatterns;
  }
  return 0;
}

}  // namespace convroof
