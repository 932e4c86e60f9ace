// compare(): both forms of every block on every hardware, why the time ratio is not the FLOP
// ratio (the time difference split by term) and the verdict under each plausible alternative
// (convroof/compare.hpp); the report layer words them (because_text, flips_text).
#include "convroof/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "convroof/units.hpp"

namespace convroof {

double TermTimes::of(GapTerm term) const {
  switch (term) {
    case GapTerm::compute:
      return compute;
    case GapTerm::memory:
      return memory;
    case GapTerm::overhead:
      return overhead;
  }
  return 0;
}

double TimeGap::share(GapTerm term) const {
  double sum = 0;
  for (const auto& t : kGapTerms) sum += std::abs(difference(t.value));
  return sum > 0 ? std::abs(difference(term)) / sum : 0.0;
}

Winner winner_of(double speedup) {
  return std::abs(speedup - 1) < 0.005 ? Winner::tie : speedup > 1 ? Winner::separable : Winner::standard;
}

namespace {

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

const LayerCost* first_of_kind(const AnalysisResult& result, OpClass kind) {
  for (const auto& layer : result.layers)
    if (layer.kind == kind) return &layer;
  return nullptr;
}

// A form's time by term (TimeGap): the Iron Law's sums, or under the roofline each layer's
// larger term; the per-inference launch is overhead. The three add up to totals.time.total.
TermTimes term_times(const AnalysisResult& result, TimeModel model) {
  TermTimes terms;
  if (model == TimeModel::iron_law) {
    terms.memory = result.totals.time.memory;
    terms.compute = result.totals.time.compute;
    terms.overhead = result.totals.time.overhead;
    return terms;
  }
  for (const auto& layer : result.layers) {
    (layer.time.memory >= layer.time.compute ? terms.memory : terms.compute) +=
        std::max(layer.time.memory, layer.time.compute);
    terms.overhead += layer.time.overhead;
  }
  terms.overhead += result.totals.launch_per_inference;
  return terms;
}

std::size_t launches(const AnalysisResult& result) {
  std::size_t count = 0;
  for (const auto& layer : result.layers) count += layer.time.overhead > 0;
  return count;
}

TimeGap time_gap(const AnalysisResult& standard, const AnalysisResult& separable, const HardwareSpec& hardware,
                 TimeModel model) {
  TimeGap gap;
  gap.standard = term_times(standard, model);
  gap.separable = term_times(separable, model);
  std::stable_sort(gap.order.begin(), gap.order.end(), [&](GapTerm a, GapTerm b) {
    return std::abs(gap.difference(a)) > std::abs(gap.difference(b));
  });
  gap.standard_flops = standard.totals.flops;
  gap.separable_flops = separable.totals.flops;
  const double flop_ratio = ratio(static_cast<double>(gap.separable_flops), static_cast<double>(gap.standard_flops));
  gap.flop_change = gap.standard.compute * (flop_ratio - 1);
  gap.rate_change = gap.difference(GapTerm::compute) - gap.flop_change;

  const LayerCost* depthwise = first_of_kind(separable, OpClass::depthwise);
  const LayerCost* conv = first_of_kind(standard, OpClass::standard);
  if (!conv) conv = standard.layers.empty() ? nullptr : &standard.layers.front();
  if (depthwise && conv) {
    gap.depthwise_unit = depthwise->unit;
    gap.conv_unit = conv->unit;
    gap.depthwise_roof = depthwise->peak_flops_per_s * depthwise->efficiency;
    gap.conv_roof = conv->peak_flops_per_s * conv->efficiency;
    if (depthwise->mac_array) gap.depthwise_utilization = depthwise->mac_array->utilization;
    if (conv->mac_array) gap.conv_utilization = conv->mac_array->utilization;
  }
  gap.standard_bytes = standard.totals.bytes.total();
  gap.separable_bytes = separable.totals.bytes.total();
  // The intermediate: the depthwise output written to the activations' level and the pointwise
  // conv's read of it (its home-level input bytes: residency already took out what it served).
  const LayerCost* pointwise = first_of_kind(separable, OpClass::pointwise);
  if (depthwise && pointwise && !depthwise->output_on_chip) {
    const MemoryLevel& level = hardware.activation_level();
    gap.intermediate_bytes = depthwise->bytes.output + pointwise->bytes.input;
    gap.intermediate_level = level.name;
    gap.intermediate_time = static_cast<double>(gap.intermediate_bytes) / *level.bandwidth_bytes_per_s;
  }
  gap.standard_launches = launches(standard);
  gap.separable_launches = launches(separable);
  gap.standard_bound = standard.totals.bound;
  gap.separable_bound = separable.totals.bound;
  return gap;
}

// `factor` times the op class's efficiency, at most 1; nullopt when that is no change.
std::optional<Target> scaled_efficiency(const Target& target, OpClass op_class, double factor, std::string& change) {
  const double eta = target.hardware.efficiency_for(op_class);
  const double scaled = std::min(1.0, eta * factor);
  if (std::abs(scaled - eta) < 1e-12) return std::nullopt;
  Target alternative = target;
  alternative.hardware.efficiency[op_class] = scaled;
  change = fmt::format("{} efficiency {:.3g} (x{:g})", op_class_name(op_class), scaled, factor);
  return alternative;
}

// The verdict under each alternative; `time_of(target)` gives {T_standard, T_separable}.
template <typename TimeOf>
std::vector<Alternative> depends_on(const Target& target, Winner winner, TimeOf time_of) {
  std::vector<Alternative> result;
  for (auto& [change, alternative] : alternatives(target)) {
    const auto [standard, separable] = time_of(alternative);
    Alternative& a = result.emplace_back();
    a.change = change;
    a.speedup = ratio(standard, separable);
    a.winner = winner_of(a.speedup);
    a.flips = a.winner != winner;
  }
  return result;
}

}  // namespace

std::vector<std::pair<std::string, Target>> alternatives(const Target& target) {
  std::vector<std::pair<std::string, Target>> result;
  if (target.options.runtime.id != "none") {
    Target alternative = target;
    alternative.options.runtime = Runtime{};
    result.emplace_back("runtime none", std::move(alternative));
  }
  {
    Target alternative = target;
    alternative.options.time_model =
        target.options.time_model == TimeModel::iron_law ? TimeModel::roofline : TimeModel::iron_law;
    result.emplace_back(fmt::format("time model {}", time_model_name(alternative.options.time_model)),
                        std::move(alternative));
  }
  for (OpClass op_class : {OpClass::depthwise, OpClass::standard})
    for (double factor : {0.5, 2.0}) {
      std::string change;
      if (auto alternative = scaled_efficiency(target, op_class, factor, change))
        result.emplace_back(std::move(change), std::move(*alternative));
    }
  for (Precision precision : target.hardware.precisions()) {
    if (precision == target.options.precision) continue;
    Target alternative = target;
    alternative.options.precision = precision;
    result.emplace_back(fmt::format("precision {}", precision_name(precision)), std::move(alternative));
  }
  return result;
}

BlockComparison compare_block(const ConvPair& pair, const Target& target) {
  const bool to_separable = pair.direction == Transform::to_dwsep;
  const Model& standard = to_separable ? pair.before : pair.after;
  const Model& separable = to_separable ? pair.after : pair.before;
  BlockComparison block;
  block.before = analyze(pair.before, target.hardware, target.options);
  block.after = analyze(pair.after, target.hardware, target.options);
  const Totals& before = block.before.totals;
  const Totals& after = block.after.totals;
  block.macs_ratio = ratio(static_cast<double>(before.macs), static_cast<double>(after.macs));
  block.flops_ratio = ratio(static_cast<double>(before.flops), static_cast<double>(after.flops));
  block.bytes_ratio = ratio(static_cast<double>(before.bytes.total()), static_cast<double>(after.bytes.total()));
  block.time_ratio = ratio(before.time.total, after.time.total);
  block.winner = winner_of(to_separable ? block.time_ratio : 1 / block.time_ratio);
  block.gap = time_gap(to_separable ? block.before : block.after, to_separable ? block.after : block.before,
                       target.hardware, target.options.time_model);
  block.depends_on = depends_on(target, block.winner, [&](const Target& alternative) {
    return std::pair{analyze_totals(standard, alternative.hardware, alternative.options).time.total,
                     analyze_totals(separable, alternative.hardware, alternative.options).time.total};
  });
  return block;
}

Comparison compare(const Model& model, const std::vector<Target>& targets) {
  Comparison comparison;
  comparison.model_name = model.name;
  comparison.model_origin = model.origin;
  comparison.pairs = find_pairs(model);
  comparison.targets = targets;
  for (std::size_t p = 0; p < comparison.pairs.size(); ++p)
    for (std::size_t t = 0; t < targets.size(); ++t) {
      BlockComparison block = compare_block(comparison.pairs[p], targets[t]);
      block.pair = p;
      block.target = t;
      comparison.blocks.push_back(std::move(block));
    }
  if (comparison.pairs.empty()) return comparison;
  const Model standard = apply_transform(model, Transform::to_standard);
  const Model separable = apply_transform(model, Transform::to_dwsep);
  for (std::size_t t = 0; t < targets.size(); ++t) {
    ModelVerdict verdict;
    verdict.target = t;
    verdict.standard = analyze_totals(standard, targets[t].hardware, targets[t].options);
    verdict.separable = analyze_totals(separable, targets[t].hardware, targets[t].options);
    const Totals &s = verdict.standard, &d = verdict.separable;
    verdict.macs_ratio = ratio(static_cast<double>(s.macs), static_cast<double>(d.macs));
    verdict.flops_ratio = ratio(static_cast<double>(s.flops), static_cast<double>(d.flops));
    verdict.bytes_ratio = ratio(static_cast<double>(s.bytes.total()), static_cast<double>(d.bytes.total()));
    verdict.time_ratio = ratio(s.time.total, d.time.total);
    verdict.winner = winner_of(verdict.time_ratio);
    verdict.depends_on = depends_on(targets[t], verdict.winner, [&](const Target& alternative) {
      TotalsEvaluator evaluate(alternative.hardware, alternative.options);
      return std::pair{evaluate(standard).time.total, evaluate(separable).time.total};
    });
    comparison.totals.push_back(std::move(verdict));
  }
  return comparison;
}

}  // namespace convroof
