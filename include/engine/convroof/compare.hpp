// Depthwise-separable vs standard, block by block: for every standard kxk convolution and
// every depthwise + pointwise pair of a model (find_pairs), both forms are analyzed on
// each hardware with the same options, and the ratios before/after come with the reasons
// the time ratio is not the FLOP ratio, each a kind and its figures. The report layer puts
// them into one sentence (because_text): "FLOPs drop 8.4x, time drops 1.1x, because …".
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "convroof/cost.hpp"
#include "convroof/transform.hpp"

namespace convroof {

// Why a block's time ratio differs from its FLOP ratio. "Standard" and "separable" are the
// block's two forms, whichever came first in the model.
enum class GapKind {
  standard_memory_bound,   // the separable form wins because the standard one is memory-bound
  separable_memory_bound,  // the separable form is memory-bound: its activations do not shrink
  lower_roof,              // its depthwise layer meets a lower roof than the standard conv
  overhead,                // it pays the per-layer overhead more often
  same_roof,               // (alone) both compute-bound on the same roof: time follows FLOPs
  bounds_differ,           // (alone) the forms are bound by different terms
};

// One reason with the figures it names; which fields apply depends on the kind.
struct GapReason {
  GapKind kind = GapKind::same_roof;
  double memory_share = 0;              // *_memory_bound: D/BW over the form's total time
  double bytes = 0, other_bytes = 0;    // *_memory_bound: the bound form's bytes, the other form's
  bool intermediate_to_memory = false;  // separable_memory_bound: the dw->pw intermediate is not on chip
  // lower_roof: each layer's roof (unit and peak x eta), and the MAC-array utilisation when
  // the depthwise layer has the MAC-array model (the conv's may be absent).
  std::string depthwise_unit, conv_unit;
  double depthwise_roof = 0, conv_roof = 0;
  std::optional<double> depthwise_utilization, conv_utilization;
  // overhead: the separable form's launches, its overhead time and share of its time.
  std::size_t launches = 0;
  double overhead_s = 0, overhead_share = 0;
  Bound separable_bound = Bound::none, standard_bound = Bound::none;  // bounds_differ
};

struct BlockComparison {
  std::size_t pair = 0;    // index into Comparison::pairs
  std::size_t target = 0;  // index into Comparison::targets
  AnalysisResult before, after;
  // before / after: > 1 means the replacement has less (a "drop"), < 1 more.
  double macs_ratio = 0, flops_ratio = 0, bytes_ratio = 0, time_ratio = 0;
  std::vector<GapReason> reasons;  // why the time ratio differs from the FLOP ratio; never empty
};

// The whole model in both forms on one hardware, under the same options and runtime:
// `standard` has every depthwise + pointwise pair made one standard conv (apply_transform
// to_standard), `separable` every standard k×k conv made depthwise-separable (to_dwsep), so a
// model of either kind is compared with its all-other-kind self, and a mixed one (MobileNet's
// standard stem) with both pure forms.
enum class Winner { separable, standard, tie };
inline constexpr std::array kWinners{
    NamedChoice<Winner>{Winner::separable, "separable", "the depthwise-separable form takes less time"},
    NamedChoice<Winner>{Winner::standard, "standard", "the standard form takes less time"},
    NamedChoice<Winner>{Winner::tie, "tie", "the two times are within 0.5 % of each other"},
};

struct ModelVerdict {
  std::size_t target = 0;  // index into Comparison::targets
  Totals standard, separable;
  double standard_time = 0, separable_time = 0;  // under the target's time model
  // standard / separable, as a block's before / after: time > 1, separable is faster.
  double macs_ratio = 0, flops_ratio = 0, bytes_ratio = 0, time_ratio = 0;
  Winner winner = Winner::tie;
};

struct Comparison {
  std::string model_name;
  std::string model_origin;  // where the model was loaded from (JSON: model.source)
  std::vector<ConvPair> pairs;
  std::vector<Target> targets;
  std::vector<BlockComparison> blocks;  // pair-major: every target for pair 0, then pair 1, …
  std::vector<ModelVerdict> totals;     // one per target, in target order (none without blocks)
};

Comparison compare(const Model& model, const std::vector<Target>& targets);

}  // namespace convroof
