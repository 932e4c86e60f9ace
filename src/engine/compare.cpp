// compare(): both forms of every block on every hardware, and the reason the time ratio
// is not the FLOP ratio (include/convroof/compare.hpp).
#include "convroof/compare.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "convroof/units.hpp"

namespace convroof {

namespace {

std::string factor(double ratio) {
  return fmt::format("{}x", format_number(ratio >= 1 ? ratio : 1 / ratio, 3));
}

std::string drop_or_rise(std::string_view what, double ratio, bool plural) {
  if (ratio >= 0.995 && ratio <= 1.005) return fmt::format("{} {} the same", what, plural ? "stay" : "stays");
  return fmt::format("{} {} {}", what, ratio > 1 ? (plural ? "drop" : "drops") : (plural ? "rise" : "rises"),
                     factor(ratio));
}

const LayerCost* first_of_kind(const AnalysisResult& result, OpClass kind) {
  for (const auto& layer : result.layers)
    if (layer.kind == kind) return &layer;
  return nullptr;
}

std::string roof_text(const LayerCost& layer) {
  return fmt::format("'{}' at {}", layer.unit, format_rate(layer.peak_flops_per_s * layer.efficiency));
}

// Why the time ratio differs from the FLOP ratio: each reason names its numbers. `standard`
// and `separable` are the two forms, whichever came first in the model.
std::string explain_gap(const AnalysisResult& standard, const AnalysisResult& separable, TimeModel model) {
  std::vector<std::string> reasons;
  const Totals& s = standard.totals;
  const Totals& d = separable.totals;
  const double d_time = chosen_time(d.time, model);
  const LayerCost* depthwise = first_of_kind(separable, OpClass::depthwise);
  const LayerCost* conv = first_of_kind(standard, OpClass::standard);
  if (!conv) conv = standard.layers.empty() ? nullptr : &standard.layers.front();

  const double s_bytes = static_cast<double>(s.bytes.total()), d_bytes = static_cast<double>(d.bytes.total());
  if (d_time < chosen_time(s.time, model) && s.bound == Bound::memory && s_bytes > d_bytes) {
    // The separable form wins: say why the standard one is slow, not why the separable is.
    reasons.push_back(fmt::format(
        "the standard form is memory-bound ({:.0f} % of its time is D/BW) and moves {} more bytes ({} vs {})",
        100 * s.time.memory / std::max(s.time.total, 1e-300), factor(s_bytes / std::max(d_bytes, 1.0)),
        format_bytes(s_bytes), format_bytes(d_bytes)));
  } else if (d.bound == Bound::memory) {
    const bool intermediate = depthwise && !depthwise->output_on_chip;
    reasons.push_back(
        fmt::format("the separable form is memory-bound ({:.0f} % of its time is D/BW) and moves {} ({} vs {}){}",
                    100 * d.time.memory / std::max(d.time.total, 1e-300),
                    d_bytes > s_bytes ? fmt::format("{} more bytes", factor(d_bytes / s_bytes))
                                      : fmt::format("only {} fewer bytes", factor(s_bytes / std::max(d_bytes, 1.0))),
                    format_bytes(d_bytes), format_bytes(s_bytes),
                    intermediate ? ": the activations do not shrink, and the intermediate is written and read back"
                                 : ": the activations do not shrink"));
  }
  if (depthwise && conv &&
      depthwise->peak_flops_per_s * depthwise->efficiency < 0.99 * conv->peak_flops_per_s * conv->efficiency) {
    std::string why = depthwise->mac_array
                          ? fmt::format(" ({} of the MAC array busy, against {} for the standard conv)",
                                        fmt::format("{:.4g} %", 100 * depthwise->mac_array->utilization),
                                        conv->mac_array ? fmt::format("{:.4g} %", 100 * conv->mac_array->utilization)
                                                        : std::string("?"))
                          : std::string();
    reasons.push_back(fmt::format(
        "its depthwise layer meets a {} lower roof: {} instead of {}{}",
        factor(conv->peak_flops_per_s * conv->efficiency / (depthwise->peak_flops_per_s * depthwise->efficiency)),
        roof_text(*depthwise), roof_text(*conv), why));
  }
  if (d.time.overhead > s.time.overhead && d.time.overhead >= 0.1 * d_time) {
    std::size_t launches = 0;
    for (const auto& layer : separable.layers) launches += layer.time.overhead > 0;
    reasons.push_back(fmt::format("it pays the per-layer overhead {} times ({}, {} of its time)", launches,
                                  format_time(d.time.overhead),
                                  fmt::format("{:.0f} %", 100 * d.time.overhead / std::max(d_time, 1e-300))));
  }
  if (reasons.empty()) {
    if (d.bound == Bound::compute && s.bound == Bound::compute)
      return "both forms are compute-bound on the same roof, so time follows FLOPs";
    return fmt::format("the separable form is {}-bound and the standard one {}-bound", bound_name(d.bound),
                       bound_name(s.bound));
  }
  return join(reasons, "; ");
}

}  // namespace

Comparison compare(const Model& model, const std::vector<Target>& targets) {
  Comparison comparison;
  comparison.model_name = model.name;
  comparison.model_source = model.origin;
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
      auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
      const TimeModel time_model = targets[t].options.time_model;
      block.macs_ratio = ratio(static_cast<double>(before.macs), static_cast<double>(after.macs));
      block.flops_ratio = ratio(static_cast<double>(before.flops), static_cast<double>(after.flops));
      block.bytes_ratio = ratio(static_cast<double>(before.bytes.total()), static_cast<double>(after.bytes.total()));
      block.time_ratio = ratio(chosen_time(before.time, time_model), chosen_time(after.time, time_model));
      const bool to_separable = pair.direction == Transform::to_dwsep;
      block.because = fmt::format("{}, {}, because {}", drop_or_rise("FLOPs", block.flops_ratio, true),
                                  drop_or_rise("time", block.time_ratio, false),
                                  explain_gap(to_separable ? block.before : block.after,
                                              to_separable ? block.after : block.before, time_model));
      comparison.blocks.push_back(std::move(block));
    }
  }
  return comparison;
}

}  // namespace convroof
