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

// One reason in words, naming its figures.
std::string reason_text(const GapReason& r) {
  switch (r.kind) {
    case GapKind::standard_memory_bound:
      return fmt::format(
          "the standard form is memory-bound ({} of its time is D/BW) and moves {} more bytes ({} vs {})",
          percent(r.memory_share, "{:.0f}"), factor(r.bytes / std::max(r.other_bytes, 1.0)), format_bytes(r.bytes),
          format_bytes(r.other_bytes));
    case GapKind::separable_memory_bound:
      return fmt::format(
          "the separable form is memory-bound ({} of its time is D/BW) and moves {} ({} vs {}){}",
          percent(r.memory_share, "{:.0f}"),
          r.bytes > r.other_bytes ? fmt::format("{} more bytes", factor(r.bytes / r.other_bytes))
                                  : fmt::format("only {} fewer bytes", factor(r.other_bytes / std::max(r.bytes, 1.0))),
          format_bytes(r.bytes), format_bytes(r.other_bytes),
          r.intermediate_to_memory ? ": the activations do not shrink, and the intermediate is written and read back"
                                   : ": the activations do not shrink");
    case GapKind::lower_roof: {
      std::string why = r.depthwise_utilization
                            ? fmt::format(" ({} of the MAC array busy, against {} for the standard conv)",
                                          percent(*r.depthwise_utilization, "{:.4g}"),
                                          r.conv_utilization ? percent(*r.conv_utilization, "{:.4g}") : "?")
                            : std::string();
      return fmt::format("its depthwise layer meets a {} lower roof: {} instead of {}{}",
                         factor(r.conv_roof / r.depthwise_roof), roof_text(r.depthwise_unit, r.depthwise_roof),
                         roof_text(r.conv_unit, r.conv_roof), why);
    }
    case GapKind::overhead:
      return fmt::format("it pays the per-layer overhead {} times ({}, {} of its time)", r.launches,
                         format_time(r.overhead_s), percent(r.overhead_share, "{:.0f}"));
    case GapKind::same_roof:
      return "both forms are compute-bound on the same roof, so time follows FLOPs";
    case GapKind::bounds_differ:
      return fmt::format("the separable form is {}-bound and the standard one {}-bound", bound_name(r.separable_bound),
                         bound_name(r.standard_bound));
  }
  return "";
}

}  // namespace

std::string because_text(const BlockComparison& block) {
  std::vector<std::string> reasons;
  for (const GapReason& reason : block.reasons) reasons.push_back(reason_text(reason));
  return fmt::format("{}, {}, because {}", drop_or_rise("FLOPs", block.flops_ratio, true),
                     drop_or_rise("time", block.time_ratio, false), join(reasons, "; "));
}

std::string verdict_text(const ModelVerdict& verdict) {
  switch (verdict.winner) {
    case Winner::separable:
      return fmt::format("separable is {}x faster", format_number(verdict.time_ratio, 3));
    case Winner::standard:
      return fmt::format("standard is {}x faster", format_number(1 / verdict.time_ratio, 3));
    case Winner::tie:
      break;
  }
  return "both take the same time (within 0.5 %)";
}

void render_compare_table(const Comparison& comparison, std::ostream& out) {
  out << fmt::format("convroof {} compare: {} ({})\n", version(), comparison.model_name, comparison.model_origin);
  if (!comparison.targets.empty()) out << human::compare_options_text(comparison.targets.front().options) << '\n';
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
      reasons.push_back(because_text(block));
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
                             {"because", because_text(block)},
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
                          {"time", {{"standard", verdict.standard_time}, {"separable", verdict.separable_time}}},
                          {"ratio", verdict.time_ratio},
                          {"winner", std::string(choice_name(kWinners, verdict.winner))},
                          {"verdict", verdict_text(verdict)}});
  report["totals"] = totals;
  out << json_text(report) << '\n';
}

}  // namespace convroof
