// compare renderers: the paradox table and convroof.compare/1 JSON (docs/report.md).
//
//   [1] conv (3x3 s1, 128->128, 224x224): standard -> depthwise-separable
//   hardware        prec  MACs   bytes  time   before              after
//   v100            fp16  8.44x  1.00x  1.81x  152.3 us compute    83.96 us memory
//     FLOPs drop 8.44x, time drops 1.81x, because …
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"
#include "json_parts.hpp"
#include "text_checks.hpp"

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

std::string percent(double fraction, std::string_view spec) {
  return fmt::format(fmt::runtime(spec), 100 * fraction) + " %";
}

std::string roof_text(std::string_view unit, double roof) {
  return fmt::format("'{}' at {}", unit, format_rate(roof));
}

std::string signed_time(double seconds) {
  return fmt::format("{}{}", seconds < 0 ? "-" : "+", format_time(std::abs(seconds)));
}

// "3.98x more" / "1.50x fewer" of something the separable form has `ratio` (sep / std) of.
std::string more_or_fewer(double ratio) {
  return ratio >= 1 ? fmt::format("{} more", factor(ratio)) : fmt::format("{} fewer", factor(ratio));
}

// The compute term: the FLOP change at the standard form's rate, and what the separable
// form's own rate (its depthwise layer's roof) adds.
std::string compute_text(const TimeGap& g, double flop_ratio) {
  std::string text = fmt::format("its {} FLOPs {} {} at the standard form's rate", more_or_fewer(flop_ratio),
                                 g.flop_change <= 0 ? "save" : "cost", format_time(std::abs(g.flop_change)));
  if (std::abs(g.rate_change) < 0.01 * std::abs(g.flop_change)) return text;
  if (g.depthwise_roof > 0 && g.depthwise_roof < 0.99 * g.conv_roof) {
    std::string busy = g.depthwise_utilization
                           ? fmt::format(", {} of the MAC array busy against {}",
                                         percent(*g.depthwise_utilization, "{:.4g}"),
                                         g.conv_utilization ? percent(*g.conv_utilization, "{:.4g}") : "?")
                           : std::string();
    return text + fmt::format(", and its depthwise layer meets a {} lower roof ({} instead of {}{}): {}",
                              factor(g.conv_roof / g.depthwise_roof), roof_text(g.depthwise_unit, g.depthwise_roof),
                              roof_text(g.conv_unit, g.conv_roof), busy, signed_time(g.rate_change));
  }
  return text + fmt::format(", and its layers run at a {} rate: {}", g.rate_change > 0 ? "lower" : "higher",
                            signed_time(g.rate_change));
}

std::string memory_bound_text(std::string_view form, const TermTimes& terms, Bound bound) {
  if (bound != Bound::memory) return "";
  return fmt::format("; the {} form is memory-bound ({} of its time is D/BW)", form,
                     percent(terms.memory / std::max(terms.total(), 1e-300), "{:.0f}"));
}

std::string memory_text(const TimeGap& g) {
  const double bytes_ratio = static_cast<double>(g.separable_bytes) / std::max<double>(g.standard_bytes, 1);
  std::string text = fmt::format("it moves {} bytes ({} vs {})", more_or_fewer(bytes_ratio),
                                 format_bytes(static_cast<double>(g.separable_bytes)),
                                 format_bytes(static_cast<double>(g.standard_bytes)));
  if (g.intermediate_bytes > 0)
    text += fmt::format(", the dw->pw intermediate written to {} and read back ({}: {})", g.intermediate_level,
                        format_bytes(static_cast<double>(g.intermediate_bytes)), signed_time(g.intermediate_time));
  return text + memory_bound_text("separable", g.separable, g.separable_bound) +
         memory_bound_text("standard", g.standard, g.standard_bound);
}

std::string term_text(const TimeGap& g, GapTerm term, double flop_ratio) {
  std::string head = fmt::format("{} {} ({})", choice_name(kGapTerms, term), signed_time(g.difference(term)),
                                 percent(g.share(term), "{:.0f}"));
  switch (term) {
    case GapTerm::compute:
      return head + ": " + compute_text(g, flop_ratio);
    case GapTerm::memory:
      return head + ": " + memory_text(g);
    case GapTerm::overhead:
      return head + fmt::format(": {} kernel launches against {}", g.separable_launches, g.standard_launches);
  }
  return head;
}

}  // namespace

std::string because_text(const BlockComparison& block) {
  const TimeGap& g = block.gap;
  const double separable_time = g.separable.total(), standard_time = g.standard.total();
  const double flop_ratio =
      static_cast<double>(g.separable_flops) / std::max<double>(static_cast<double>(g.standard_flops), 1);
  std::string why;
  if (g.separable_bound == Bound::overhead && g.standard_bound == Bound::overhead)
    why = fmt::format(
        "both forms are overhead-bound (L is {} of the separable form's time and {} of the standard's), so "
        "FLOPs and bytes hardly move the time, and ",
        percent(g.separable.overhead / std::max(separable_time, 1e-300), "{:.0f}"),
        percent(g.standard.overhead / std::max(standard_time, 1e-300), "{:.0f}"));
  why += fmt::format("the separable form's time differs by {}: ", signed_time(separable_time - standard_time));
  std::vector<std::string> terms;
  for (GapTerm term : g.order)
    if (terms.empty() || g.share(term) >= 0.01) terms.push_back(term_text(g, term, flop_ratio));
  // The two largest terms pulling opposite ways and leaving less than a tenth of the larger.
  const double first = g.difference(g.order[0]), second = g.difference(g.order[1]);
  const char* cancel = first * second < 0 && std::abs(separable_time - standard_time) < 0.1 * std::abs(first)
                           ? ": the two nearly cancel"
                           : "";
  return fmt::format("{}, {}, because {}{}{}", drop_or_rise("FLOPs", block.flops_ratio, true),
                     drop_or_rise("time", block.time_ratio, false), why, join(terms, "; "), cancel);
}

std::string flips_text(Winner winner, const std::vector<Alternative>& depends_on) {
  std::vector<std::string> flips;
  for (const Alternative& a : depends_on)
    if (a.flips)
      flips.push_back(fmt::format("{} ({})", a.change,
                                  a.winner == Winner::tie        ? std::string("a tie")
                                  : a.winner == Winner::separable ? "separable " + factor(a.speedup) + " faster"
                                                                  : "standard " + factor(a.speedup) + " faster"));
  if (flips.empty()) return "";
  return (winner == Winner::tie ? "the tie breaks under " : "the winner flips under ") + join(flips, ", ");
}

std::string winner_text(Winner winner, double speedup) {
  switch (winner) {
    case Winner::separable:
      return fmt::format("separable is {}x faster", format_number(speedup, 3));
    case Winner::standard:
      return fmt::format("standard is {}x faster", format_number(1 / speedup, 3));
    case Winner::tie:
      break;
  }
  return "both take the same time (within 0.5 %)";
}

std::string verdict_text(const ModelVerdict& verdict) {
  const std::string text = winner_text(verdict.winner, verdict.time_ratio);
  // Not fitting is a verdict too: a faster form that does not fit is not an option.
  const bool standard = verdict.standard.fits, separable = verdict.separable.fits;
  if (!standard && !separable) return text + "; neither form fits";
  if (!standard) return text + "; the standard form does not fit";
  if (!separable) return text + "; the separable form does not fit";
  return text;
}

void render_compare_table(const Comparison& comparison, std::ostream& out) {
  out << fmt::format("convroof {} compare: {} ({})\n", version(), comparison.model_name, comparison.model_origin);
  if (!comparison.targets.empty()) out << human::compare_options_text(comparison.targets) << '\n';
  if (comparison.pairs.empty()) {
    out << '\n' << human::kNoPairs << '\n';
    return;
  }
  {
    out << '\n' << human::kWholeModelTitle << '\n';
    human::AlignedColumns<human::kVerdictHeader.size()> columns(human::verdict_left_aligned);
    std::vector<human::VerdictRow> rows;
    for (const auto& verdict : comparison.totals) rows.push_back(human::verdict_row(comparison, verdict));
    columns.measure(human::kVerdictHeader);
    for (const auto& row : rows) columns.measure(row);
    out << columns.line(human::kVerdictHeader) << '\n';
    for (const auto& row : rows) out << columns.line(row) << '\n';
    for (const auto& line : human::verdict_flips(comparison)) out << "  " << line << ".\n";
  }
  const auto& kHeader = human::kCompareHeader;
  for (std::size_t p = 0; p < comparison.pairs.size(); ++p) {
    const ConvPair& pair = comparison.pairs[p];
    out << fmt::format("\n[{}] {}: {}\n", p + 1, pair.label, human::direction_text(pair.direction));
    std::vector<human::CompareRow> rows;
    std::vector<std::string> reasons;
    for (const auto& block : comparison.blocks) {
      if (block.pair != p) continue;
      rows.push_back(human::compare_row(comparison, block));
      reasons.push_back(human::block_reasons(block));
    }
    human::AlignedColumns<kHeader.size()> columns(human::compare_left_aligned);
    columns.measure(kHeader);
    for (const auto& row : rows) columns.measure(row);
    out << columns.line(kHeader) << '\n';
    for (std::size_t r = 0; r < rows.size(); ++r) {
      out << columns.line(rows[r]) << '\n';
      out << "  " << reasons[r] << ".\n";
    }
  }
  const auto notes = human::compare_notes(comparison);
  if (!notes.empty()) out << '\n';
  for (const auto& note : notes) out << "note: " << note << '\n';
}

void render_compare_json(const Comparison& comparison, std::ostream& out) {
  Json report;
  report["schema"] = "convroof.compare/1";
  report["tool"] = Json{{"name", "convroof"}, {"version", std::string(version())}};
  report["model"] = Json{{"name", comparison.model_name}, {"source", comparison.model_origin}};
  Json targets = Json::array();
  for (const auto& target : comparison.targets)
    targets.push_back(Json{{"hardware", hardware_json(target.hardware, target.options.precision)},
                           {"options", options_json(target.options)}});
  report["targets"] = targets;
  auto depends_on = [](const std::vector<Alternative>& alternatives) {
    Json list = Json::array();
    for (const auto& a : alternatives)
      list.push_back(Json{{"change", a.change},
                          {"ratio", a.speedup},
                          {"winner", std::string(choice_name(kWinners, a.winner))},
                          {"flips", a.flips}});
    return list;
  };
  auto gap_json = [](const TimeGap& g) {
    Json terms = Json::array();
    for (GapTerm term : g.order)
      terms.push_back(Json{{"term", std::string(choice_name(kGapTerms, term))},
                           {"standard", g.standard.of(term)},
                           {"separable", g.separable.of(term)},
                           {"difference", g.difference(term)},
                           {"share", g.share(term)}});
    return Json{{"terms", terms},
                {"flop_change", g.flop_change},
                {"rate_change", g.rate_change},
                {"intermediate", {{"bytes", g.intermediate_bytes},
                                  {"level", g.intermediate_bytes ? Json(g.intermediate_level) : Json(nullptr)},
                                  {"time", g.intermediate_time}}},
                {"launches", {{"standard", g.standard_launches}, {"separable", g.separable_launches}}}};
  };
  auto side = [](const AnalysisResult& result) {
    Json layers = Json::array();
    for (const auto& layer : result.layers) layers.push_back(layer_json(layer));
    Json notes = Json::array();
    for (const auto& note : result.notes) notes.push_back(note);
    return Json{{"layers", layers}, {"totals", totals_json(result.totals)}, {"notes", notes}};
  };
  Json blocks = Json::array();
  for (std::size_t p = 0; p < comparison.pairs.size(); ++p) {
    const ConvPair& pair = comparison.pairs[p];
    Json names = Json::array();
    for (const auto& layer : pair.before.layers) names.push_back(layer.name);
    Json results = Json::array();
    for (const auto& block : comparison.blocks) {
      if (block.pair != p) continue;
      results.push_back(Json{{"hardware", comparison.targets[block.target].hardware.id},
                             {"ratios",
                              {{"macs", block.macs_ratio},
                               {"flops", block.flops_ratio},
                               {"bytes", block.bytes_ratio},
                               {"time", block.time_ratio}}},
                             {"winner", std::string(choice_name(kWinners, block.winner))},
                             {"because", because_text(block)},
                             {"gap", gap_json(block.gap)},
                             {"depends_on", depends_on(block.depends_on)},
                             {"before", side(block.before)},
                             {"after", side(block.after)}});
    }
    blocks.push_back(Json{{"label", pair.label},
                          {"direction", std::string(transform_name(pair.direction))},
                          {"layers", names},
                          {"results", results}});
  }
  report["blocks"] = blocks;
  Json totals = Json::array();
  for (const auto& verdict : comparison.totals)
    totals.push_back(Json{{"hardware", comparison.targets[verdict.target].hardware.id},
                          {"standard", totals_json(verdict.standard)},
                          {"separable", totals_json(verdict.separable)},
                          {"time", {{"standard", verdict.standard.time.total}, {"separable", verdict.separable.time.total}}},
                          {"ratio", verdict.time_ratio},
                          {"winner", std::string(choice_name(kWinners, verdict.winner))},
                          {"verdict", verdict_text(verdict)},
                          {"depends_on", depends_on(verdict.depends_on)}});
  report["totals"] = totals;
  out << json_text(report) << '\n';
}

}  // namespace convroof
