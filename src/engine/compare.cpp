// compare(): both forms of every block on every hardware, and the reasons the time ratio
// is not the FLOP ratio (convroof/compare.hpp); the report layer words them (because_text).
#include "convroof/compare.hpp"

#include <algorithm>
#include <cmath>

namespace convroof {

namespace {

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

const LayerCost* first_of_kind(const AnalysisResult& result, OpClass kind) {
  for (const auto& layer : result.layers)
    if (layer.kind == kind) return &layer;
  return nullptr;
}

// Why the time ratio differs from the FLOP ratio, each reason with its figures. `standard`
// and `separable` are the two forms, whichever came first in the model.
std::vector<GapReason> gap_reasons(const AnalysisResult& standard, const AnalysisResult& separable, TimeModel model) {
  std::vector<GapReason> reasons;
  const Totals& s = standard.totals;
  const Totals& d = separable.totals;
  const double d_time = chosen_time(d.time, model);
  const LayerCost* depthwise = first_of_kind(separable, OpClass::depthwise);
  const LayerCost* conv = first_of_kind(standard, OpClass::standard);
  if (!conv) conv = standard.layers.empty() ? nullptr : &standard.layers.front();

  const double s_bytes = static_cast<double>(s.bytes.total()), d_bytes = static_cast<double>(d.bytes.total());
  if (d_time < chosen_time(s.time, model) && s.bound == Bound::memory && s_bytes > d_bytes) {
    // The separable form wins: say why the standard one is slow, not why the separable is.
    GapReason& reason = reasons.emplace_back();
    reason.kind = GapKind::standard_memory_bound;
    reason.memory_share = s.time.memory / std::max(s.time.iron_law, 1e-300);
    reason.bytes = s_bytes;
    reason.other_bytes = d_bytes;
  } else if (d.bound == Bound::memory) {
    GapReason& reason = reasons.emplace_back();
    reason.kind = GapKind::separable_memory_bound;
    reason.memory_share = d.time.memory / std::max(d.time.iron_law, 1e-300);
    reason.bytes = d_bytes;
    reason.other_bytes = s_bytes;
    reason.intermediate_to_memory = depthwise && !depthwise->output_on_chip;
  }
  if (depthwise && conv &&
      depthwise->peak_flops_per_s * depthwise->efficiency < 0.99 * conv->peak_flops_per_s * conv->efficiency) {
    GapReason& reason = reasons.emplace_back();
    reason.kind = GapKind::lower_roof;
    reason.depthwise_unit = depthwise->unit;
    reason.conv_unit = conv->unit;
    reason.depthwise_roof = depthwise->peak_flops_per_s * depthwise->efficiency;
    reason.conv_roof = conv->peak_flops_per_s * conv->efficiency;
    if (depthwise->mac_array) reason.depthwise_utilization = depthwise->mac_array->utilization;
    if (conv->mac_array) reason.conv_utilization = conv->mac_array->utilization;
  }
  if (d.time.overhead > s.time.overhead && d.time.overhead >= 0.1 * d_time) {
    GapReason& reason = reasons.emplace_back();
    reason.kind = GapKind::overhead;
    for (const auto& layer : separable.layers) reason.launches += layer.time.overhead > 0;
    reason.overhead_s = d.time.overhead;
    reason.overhead_share = d.time.overhead / std::max(d_time, 1e-300);
  }
  if (reasons.empty()) {
    GapReason& reason = reasons.emplace_back();
    reason.kind = d.bound == Bound::compute && s.bound == Bound::compute ? GapKind::same_roof : GapKind::bounds_differ;
    reason.separable_bound = d.bound;
    reason.standard_bound = s.bound;
  }
  return reasons;
}

}  // namespace

Comparison compare(const Model& model, const std::vector<Target>& targets) {
  Comparison comparison;
  comparison.model_name = model.name;
  comparison.model_origin = model.origin;
  comparison.pairs = find_pairs(model);
  comparison.targets = targets;
  for (std::size_t p = 0; p < comparison.pairs.size(); ++p) {
    const ConvPair& pair = comparison.pairs[p];
    for (std::size_t t = 0; t < targets.size(); ++t) {
      BlockComparison block;
      block.pair = p;
      block.target = t;
      block.before = analyze(pair.before, targets[t].hardware, targets[t].options);
      block.after = analyze(pair.after, targets[t].hardware, targets[t].options);
      const Totals& before = block.before.totals;
      const Totals& after = block.after.totals;
      const TimeModel time_model = targets[t].options.time_model;
      block.macs_ratio = ratio(static_cast<double>(before.macs), static_cast<double>(after.macs));
      block.flops_ratio = ratio(static_cast<double>(before.flops), static_cast<double>(after.flops));
      block.bytes_ratio = ratio(static_cast<double>(before.bytes.total()), static_cast<double>(after.bytes.total()));
      block.time_ratio = ratio(chosen_time(before.time, time_model), chosen_time(after.time, time_model));
      const bool to_separable = pair.direction == Transform::to_dwsep;
      block.reasons =
          gap_reasons(to_separable ? block.before : block.after, to_separable ? block.after : block.before, time_model);
      comparison.blocks.push_back(std::move(block));
    }
  }
  if (comparison.pairs.empty()) return comparison;
  const Model standard = apply_transform(model, Transform::to_standard);
  const Model separable = apply_transform(model, Transform::to_dwsep);
  for (std::size_t t = 0; t < targets.size(); ++t) {
    ModelVerdict verdict;
    verdict.target = t;
    verdict.standard = analyze(standard, targets[t].hardware, targets[t].options).totals;
    verdict.separable = analyze(separable, targets[t].hardware, targets[t].options).totals;
    const TimeModel time_model = targets[t].options.time_model;
    verdict.standard_time = chosen_time(verdict.standard.time, time_model);
    verdict.separable_time = chosen_time(verdict.separable.time, time_model);
    const Totals &s = verdict.standard, &d = verdict.separable;
    verdict.macs_ratio = ratio(static_cast<double>(s.macs), static_cast<double>(d.macs));
    verdict.flops_ratio = ratio(static_cast<double>(s.flops), static_cast<double>(d.flops));
    verdict.bytes_ratio = ratio(static_cast<double>(s.bytes.total()), static_cast<double>(d.bytes.total()));
    verdict.time_ratio = ratio(verdict.standard_time, verdict.separable_time);
    // Within 0.5 % is a tie: the figures print to three or four digits.
    verdict.winner = std::abs(verdict.time_ratio - 1) < 0.005 ? Winner::tie
                     : verdict.time_ratio > 1                 ? Winner::separable
                                                              : Winner::standard;
    comparison.totals.push_back(std::move(verdict));
  }
  return comparison;
}

}  // namespace convroof
