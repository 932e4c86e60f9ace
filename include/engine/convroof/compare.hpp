// Depthwise-separable vs standard, block by block: for every standard kxk convolution and
// every depthwise + pointwise pair of a model (find_pairs), both forms are analyzed on
// each hardware with the same options, and the ratios before/after come with why the time
// ratio is not the FLOP ratio (the time difference split by term, with its figures) and the
// verdict under each plausible alternative (sensitivity). The report layer puts them into
// sentences (because_text, flips_text): "FLOPs drop 8.4x, time drops 1.1x, because …".
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "convroof/cost.hpp"
#include "convroof/transform.hpp"

namespace convroof {

// Why a block's time ratio is not its FLOP ratio, as figures: the time difference of its two
// forms, T_separable - T_standard under the target's time model, split into the three terms
// of T, which add up to it exactly. Under the Iron Law each term is its sum over the layers
// (sum D/BW, sum O/(R*eta), sum L); under the roofline, T = sum (max(D/BW, O/(R*eta)) + L), so a
// layer's larger term counts under its own name and the other not at all. The forms are the
// block's two, whichever came first in the model.
enum class GapTerm { compute, memory, overhead };
inline constexpr std::array kGapTerms{
    NamedChoice<GapTerm>{GapTerm::compute, "compute", "O/(R*eta): the FLOPs at the unit's roof"},
    NamedChoice<GapTerm>{GapTerm::memory, "memory", "D/BW: the bytes at the level's bandwidth"},
    NamedChoice<GapTerm>{GapTerm::overhead, "overhead", "L: the per-kernel and per-inference cost"},
};

struct TermTimes {
  double compute = 0, memory = 0, overhead = 0;
  double of(GapTerm term) const;
  double total() const { return compute + memory + overhead; }  // the form's time
};

struct TimeGap {
  TermTimes standard, separable;  // each form's time by term; each sums to the form's time
  std::array<GapTerm, 3> order{GapTerm::compute, GapTerm::memory, GapTerm::overhead};  // by |difference|
  double difference(GapTerm term) const { return separable.of(term) - standard.of(term); }
  double share(GapTerm term) const;  // |difference| / the sum of the three |difference|s
  // The compute term in two parts: the separable FLOPs at the standard form's compute rate,
  // T_comp,std * (O_sep / O_std - 1), and what the separable form's own rate adds (the rest).
  std::uint64_t standard_flops = 0, separable_flops = 0;
  double flop_change = 0, rate_change = 0;
  // Its depthwise layer's roof (unit, R*eta) against the standard conv's, and the MAC-array
  // utilisation of each where the hardware has the MAC-array model.
  std::string depthwise_unit, conv_unit;
  double depthwise_roof = 0, conv_roof = 0;
  std::optional<double> depthwise_utilization, conv_utilization;
  // The memory term: each form's bytes, and the depthwise output's round trip through the
  // activations' level (written, then read back by the pointwise conv) unless it stays on chip.
  std::uint64_t standard_bytes = 0, separable_bytes = 0;
  std::uint64_t intermediate_bytes = 0;  // written + read; 0 when the pair is fused on chip
  std::string intermediate_level;
  double intermediate_time = 0;
  // The overhead term: the kernels each form launches.
  std::size_t standard_launches = 0, separable_launches = 0;
  Bound standard_bound = Bound::none, separable_bound = Bound::none;
};

// Who is faster. speedup = T_standard / T_separable; within 0.5 % is a tie (the figures print
// to three or four digits).
enum class Winner { separable, standard, tie };
inline constexpr std::array kWinners{
    NamedChoice<Winner>{Winner::separable, "separable", "the depthwise-separable form takes less time"},
    NamedChoice<Winner>{Winner::standard, "standard", "the standard form takes less time"},
    NamedChoice<Winner>{Winner::tie, "tie", "the two times are within 0.5 % of each other"},
};
Winner winner_of(double speedup);

// One plausible alternative to the options a verdict was made under (sensitivity): what was
// changed, and the verdict under it.
struct Alternative {
  std::string change;  // "runtime none", "time model roofline", "depthwise efficiency 0.25 (x0.5)", "precision fp16"
  double speedup = 0;  // T_standard / T_separable
  Winner winner = Winner::tie;
  bool flips = false;  // its winner is not the verdict's
};

struct BlockComparison {
  std::size_t pair = 0;    // index into Comparison::pairs
  std::size_t target = 0;  // index into Comparison::targets
  AnalysisResult before, after;
  // before / after: > 1 means the replacement has less (a "drop"), < 1 more.
  double macs_ratio = 0, flops_ratio = 0, bytes_ratio = 0, time_ratio = 0;
  Winner winner = Winner::tie;
  TimeGap gap;                          // why the time ratio differs from the FLOP ratio
  std::vector<Alternative> depends_on;  // the verdict under each plausible alternative
};

// The whole model in both forms on one hardware, under the same options and runtime:
// `standard` has every depthwise + pointwise pair made one standard conv (apply_transform
// to_standard), `separable` every standard k×k conv made depthwise-separable (to_dwsep), so a
// model of either kind is compared with its all-other-kind self, and a mixed one (MobileNet's
// standard stem) with both pure forms.
struct ModelVerdict {
  std::size_t target = 0;  // index into Comparison::targets
  Totals standard, separable;  // their time.total is under the target's time model
  // standard / separable, as a block's before / after: time > 1, separable is faster.
  double macs_ratio = 0, flops_ratio = 0, bytes_ratio = 0, time_ratio = 0;
  Winner winner = Winner::tie;
  std::vector<Alternative> depends_on;
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
// One block on one hardware (compare()'s unit; its pair and target indices are left 0).
BlockComparison compare_block(const ConvPair& pair, const Target& target);

// The plausible alternatives to a target's options, each as the target it makes: runtime
// `none` (unless it is none), the other time model, the depthwise and the standard conv
// efficiency x0.5 and x2 (at most 1; left out when that changes nothing), and each other
// precision the hardware has a peak for.
std::vector<std::pair<std::string, Target>> alternatives(const Target& target);

}  // namespace convroof
