// `convroof compare`'s renderers, one per format (the command's format table is in
// src/cli/compare.cpp), and the sentences that explain a block (because_text, flips_text): the
// paradox table, convroof.compare/1 JSON (docs/report.md), the CSV (one row per block and
// hardware, then the whole-model rows), the Markdown and the HTML page.
//
//   [1] conv (3x3 s1, 128->128, 224x224): standard -> depthwise-separable
//   hardware        prec  MACs   bytes  time   before              after
//   v100            fp16  8.44x  1.00x  1.81x  152.3 us compute    83.96 us memory
//     FLOPs drop 8.44x, time drops 1.81x, because …
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "convroof/chart.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "csv_writer.hpp"
#include "html_writer.hpp"
#include "human_parts.hpp"
#include "json_writer.hpp"
#include "markdown_writer.hpp"
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

// How much of a form's memory time Vela's estimator gave (hardware `mac_array: vela:`): there,
// a layer's T_mem is its SRAM/flash access cycles / clock, not the traffic model's D / BW.
enum class VelaMemory { none, some, all };

std::string memory_bound_text(std::string_view form, const TermTimes& terms, Bound bound, VelaMemory vela) {
  if (bound != Bound::memory) return "";
  return fmt::format("; the {} form is memory-bound ({} of its time is {})", form,
                     percent(terms.memory / std::max(terms.total(), 1e-300), "{:.0f}"),
                     vela == VelaMemory::none ? "D/BW" : "T_mem");
}
VelaMemory vela_memory(const BlockComparison& block) {
  std::size_t vela = 0, timed = 0;
  for (const AnalysisResult* side : {&block.before, &block.after})
    for (const auto& layer : side->layers) {
      if (layer.time.memory <= 0 && !(layer.mac_array && layer.mac_array->vela)) continue;
      ++timed;
      vela += layer.mac_array && layer.mac_array->vela;
    }
  return vela == 0 ? VelaMemory::none : vela == timed ? VelaMemory::all : VelaMemory::some;
}

// The memory term in the figures that gave it: the bytes the traffic model moves (T_mem = D / BW),
// or, on a Vela-modelled NPU, the memory times from Vela's access cycles.
std::string memory_text(const TimeGap& g, VelaMemory vela) {
  std::string text;
  if (vela == VelaMemory::none) {
    const double bytes_ratio = static_cast<double>(g.separable_bytes) / std::max<double>(g.standard_bytes, 1);
    text = fmt::format("it moves {} bytes ({} vs {})", more_or_fewer(bytes_ratio),
                       format_bytes(static_cast<double>(g.separable_bytes)),
                       format_bytes(static_cast<double>(g.standard_bytes)));
  } else {
    const double ratio = g.separable.memory / std::max(g.standard.memory, 1e-300);
    text = fmt::format("{} take {} {} (T_mem {} vs {})",
                       vela == VelaMemory::all ? "Vela's SRAM/flash access cycles"
                                               : "its memory accesses (Vela's SRAM/flash cycles where Vela runs the "
                                                 "layer, D / BW elsewhere)",
                       factor(ratio), ratio >= 1 ? "longer" : "less time", format_time(g.separable.memory),
                       format_time(g.standard.memory));
  }
  if (g.intermediate_bytes > 0)
    text += vela == VelaMemory::none
                ? fmt::format(", the dw->pw intermediate written to {} and read back ({}: {})", g.intermediate_level,
                              format_bytes(static_cast<double>(g.intermediate_bytes)), signed_time(g.intermediate_time))
                : fmt::format(", the dw->pw intermediate written to {} and read back ({})", g.intermediate_level,
                              format_bytes(static_cast<double>(g.intermediate_bytes)));
  return text + memory_bound_text("separable", g.separable, g.separable_bound, vela) +
         memory_bound_text("standard", g.standard, g.standard_bound, vela);
}

std::string term_text(const TimeGap& g, GapTerm term, double flop_ratio, VelaMemory vela) {
  std::string head = fmt::format("{} {} ({})", choice_name(kGapTerms, term), signed_time(g.difference(term)),
                                 percent(g.share(term), "{:.0f}"));
  switch (term) {
    case GapTerm::compute:
      return head + ": " + compute_text(g, flop_ratio);
    case GapTerm::memory:
      return head + ": " + memory_text(g, vela);
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
    if (terms.empty() || g.share(term) >= 0.01) terms.push_back(term_text(g, term, flop_ratio, vela_memory(block)));
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
                           {"options", options_json(target.options, target.settings)}});
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

// ---- CSV ----

namespace {

std::string layer_names(const AnalysisResult& side) {
  std::vector<std::string> names;
  for (const auto& layer : side.layers) names.push_back(layer.name);
  return join(names, "+");
}

// A column of the compare CSV: its header, its cell for one block on one hardware, and its cell
// in the whole-model rows (block `total`: the standard form as "before", the separable as "after").
struct CompareColumn {
  std::string_view header;
  std::string (*cell)(const Comparison&, const BlockComparison&);
  std::string (*total)(const Comparison&, const ModelVerdict&);
};

const Totals& before_of(const BlockComparison& b) { return b.before.totals; }
const Totals& after_of(const BlockComparison& b) { return b.after.totals; }

// The `…_before` and `…_after` columns: `read` (a captureless lambda) of either side.
template <typename Read>
CompareColumn before(std::string_view header, Read) {
  return {header, [](const Comparison&, const BlockComparison& block) { return Read{}(before_of(block)); },
          [](const Comparison&, const ModelVerdict& v) { return Read{}(v.standard); }};
}
template <typename Read>
CompareColumn after(std::string_view header, Read) {
  return {header, [](const Comparison&, const BlockComparison& block) { return Read{}(after_of(block)); },
          [](const Comparison&, const ModelVerdict& v) { return Read{}(v.separable); }};
}
// A ratio column: the block's before / after, the whole model's standard / separable.
template <double BlockComparison::*Block, double ModelVerdict::*Verdict>
CompareColumn ratio(std::string_view header) {
  return {header, [](const Comparison&, const BlockComparison& b) { return csv::number(b.*Block); },
          [](const Comparison&, const ModelVerdict& v) { return csv::number(v.*Verdict); }};
}

constexpr auto side_macs = [](const Totals& side) { return csv::number(side.macs); };
constexpr auto side_flops = [](const Totals& side) { return csv::number(side.flops); };
constexpr auto side_bytes = [](const Totals& side) { return csv::number(side.bytes.total()); };
// The time under the time_model column's model.
constexpr auto side_time = [](const Totals& side) { return csv::number(side.time.total); };
constexpr auto side_bound = [](const Totals& side) { return std::string(bound_name(side.bound)); };
constexpr auto side_fits = [](const Totals& side) { return std::string(side.fits ? "true" : "false"); };
constexpr auto side_capacity_ratio = [](const Totals& side) { return csv::number(side.capacity_ratio); };

const Target& target_of(const Comparison& c, const BlockComparison& b) { return c.targets[b.target]; }
const Target& target_of(const Comparison& c, const ModelVerdict& v) { return c.targets[v.target]; }

// A column whose cell reads the target (hardware, precision, time model): the same for both rows.
template <typename Read>
CompareColumn per_target(std::string_view header, Read) {
  return {header, [](const Comparison& c, const BlockComparison& b) { return Read{}(target_of(c, b)); },
          [](const Comparison& c, const ModelVerdict& v) { return Read{}(target_of(c, v)); }};
}

const std::array kCompareColumns{
    CompareColumn{"block", [](const Comparison&, const BlockComparison& b) { return std::to_string(b.pair + 1); },
                  [](const Comparison&, const ModelVerdict&) { return std::string("total"); }},
    CompareColumn{"label", [](const Comparison& cmp, const BlockComparison& b) { return cmp.pairs[b.pair].label; },
                  [](const Comparison& cmp, const ModelVerdict&) { return cmp.model_name; }},
    CompareColumn{"direction",
                  [](const Comparison& cmp, const BlockComparison& b) {
                    return std::string(transform_name(cmp.pairs[b.pair].direction));
                  },
                  [](const Comparison&, const ModelVerdict&) { return std::string("whole-model"); }},
    per_target("hardware", [](const Target& t) { return t.hardware.id; }),
    per_target("precision", [](const Target& t) { return std::string(precision_name(t.options.precision)); }),
    per_target("time_model", [](const Target& t) { return std::string(time_model_name(t.options.time_model)); }),
    CompareColumn{"before", [](const Comparison&, const BlockComparison& b) { return layer_names(b.before); },
                  [](const Comparison&, const ModelVerdict&) { return std::string("standard"); }},
    CompareColumn{"after", [](const Comparison&, const BlockComparison& b) { return layer_names(b.after); },
                  [](const Comparison&, const ModelVerdict&) { return std::string("separable"); }},
    before("macs_before", side_macs),
    after("macs_after", side_macs),
    before("flops_before", side_flops),
    after("flops_after", side_flops),
    before("bytes_before", side_bytes),
    after("bytes_after", side_bytes),
    before("time_before_s", side_time),
    after("time_after_s", side_time),
    ratio<&BlockComparison::macs_ratio, &ModelVerdict::macs_ratio>("macs_ratio"),
    ratio<&BlockComparison::flops_ratio, &ModelVerdict::flops_ratio>("flops_ratio"),
    ratio<&BlockComparison::bytes_ratio, &ModelVerdict::bytes_ratio>("bytes_ratio"),
    ratio<&BlockComparison::time_ratio, &ModelVerdict::time_ratio>("time_ratio"),
    before("bound_before", side_bound),
    after("bound_after", side_bound),
    CompareColumn{"because", [](const Comparison&, const BlockComparison& b) { return because_text(b); },
                  [](const Comparison&, const ModelVerdict& v) { return verdict_text(v); }},
    before("fits_before", side_fits),
    after("fits_after", side_fits),
    before("capacity_ratio_before", side_capacity_ratio),
    after("capacity_ratio_after", side_capacity_ratio),
    CompareColumn{"winner",
                  [](const Comparison&, const BlockComparison& b) { return std::string(choice_name(kWinners, b.winner)); },
                  [](const Comparison&, const ModelVerdict& v) { return std::string(choice_name(kWinners, v.winner)); }},
    CompareColumn{"flips_under",
                  [](const Comparison&, const BlockComparison& b) { return flips_text(b.winner, b.depends_on); },
                  [](const Comparison&, const ModelVerdict& v) { return flips_text(v.winner, v.depends_on); }},
};

}  // namespace

void render_compare_csv(const Comparison& comparison, std::ostream& out) {
  std::vector<std::string> cells;
  for (const auto& column : kCompareColumns) cells.emplace_back(column.header);
  csv::write_row(cells, out);
  // Pair-major, as the table and the JSON list them.
  for (std::size_t pair = 0; pair < comparison.pairs.size(); ++pair)
    for (const auto& block : comparison.blocks) {
      if (block.pair != pair) continue;
      cells.clear();
      for (const auto& column : kCompareColumns) cells.push_back(column.cell(comparison, block));
      csv::write_row(cells, out);
    }
  for (const auto& verdict : comparison.totals) {
    cells.clear();
    for (const auto& column : kCompareColumns) cells.push_back(column.total(comparison, verdict));
    csv::write_row(cells, out);
  }
}

// ---- Markdown ----

void render_compare_markdown(const Comparison& comparison, std::ostream& out) {
  out << fmt::format("### convroof compare: {}\n\n", md::escape(comparison.model_name));
  if (!comparison.targets.empty())
    out << md::escape(human::compare_options_text(comparison.targets)) << ".\n";
  if (comparison.pairs.empty()) {
    out << '\n' << md::escape(human::kNoPairs) << '\n';
    return;
  }
  out << fmt::format("\n#### {}\n\n", md::escape(human::kWholeModelTitle));
  md::write_row(human::kVerdictHeader, out);
  md::write_alignment(human::kVerdictHeader.size(), human::verdict_left_aligned, out);
  for (const auto& verdict : comparison.totals) {
    human::VerdictRow row = human::verdict_row(comparison, verdict);
    for (auto& cell : row) cell = md::escape(cell);
    md::write_row(row, out);
  }
  if (const auto flips = human::verdict_flips(comparison); !flips.empty()) {
    out << '\n';
    for (const auto& line : flips) out << "- " << md::escape(line) << ".\n";
  }
  for (std::size_t p = 0; p < comparison.pairs.size(); ++p) {
    const ConvPair& pair = comparison.pairs[p];
    out << fmt::format("\n#### [{}] {}: {}\n\n", p + 1, md::escape(pair.label),
                       md::escape(human::direction_text(pair.direction)));
    md::write_row(human::kCompareHeader, out);
    md::write_alignment(human::kCompareHeader.size(), human::compare_left_aligned, out);
    std::vector<std::string> reasons;
    for (const auto& block : comparison.blocks) {
      if (block.pair != p) continue;
      human::CompareRow row = human::compare_row(comparison, block);
      for (auto& cell : row) cell = md::escape(cell);
      md::write_row(row, out);
      reasons.push_back(fmt::format("- **{}:** {}.", row[0], md::escape(human::block_reasons(block))));
    }
    out << '\n';
    for (const auto& reason : reasons) out << reason << '\n';
  }
  if (const auto notes = human::compare_notes(comparison); !notes.empty()) {
    out << "\n**Notes**\n\n";
    for (const auto& note : notes) out << "- " << md::escape(note) << '\n';
  }
}

// ---- HTML ----

namespace {

// The whole-model verdict, one row per hardware (`convroof compare`'s first table).
void verdict_table(const Comparison& comparison, std::ostream& out) {
  out << "<p>" << escape_markup(human::kWholeModelTitle) << ".</p>\n<table id=\"verdict-table\">\n<thead><tr>";
  for (std::size_t c = 0; c < human::kVerdictHeader.size(); ++c)
    out << "<th" << (human::verdict_left_aligned(c) ? " class=\"left\"" : "") << ">" << human::kVerdictHeader[c]
        << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& verdict : comparison.totals) {
    const human::VerdictRow row = human::verdict_row(comparison, verdict);
    out << "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c)
      out << "<td" << (human::verdict_left_aligned(c) ? " class=\"left\"" : "") << ">" << escape_markup(row[c])
          << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody>\n</table>\n";
  for (const auto& line : human::verdict_flips(comparison)) out << "<p>" << escape_markup(line) << ".</p>\n";
}

}  // namespace

void html::compare_section(const Comparison& comparison, std::ostream& out) {
  if (comparison.blocks.empty()) {
    out << "<p>" << escape_markup(human::kNoPairs) << "</p>\n";
    return;
  }
  out << "<p>" << escape_markup(human::compare_options_text(comparison.targets)) << "</p>\n";
  verdict_table(comparison, out);
  out << "<p>Block by block:</p>\n";
  out << "<table class=\"sortable\" id=\"compare-table\">\n<thead><tr><th>#</th>"
         "<th class=\"left\">block</th><th class=\"left\">direction</th>";
  for (std::size_t c = 0; c < human::kCompareHeader.size(); ++c)
    out << "<th" << (human::compare_left_aligned(c) ? " class=\"left\"" : "") << ">" << human::kCompareHeader[c]
        << "</th>";
  out << "<th class=\"left\">because</th></tr></thead>\n<tbody>\n";
  for (const auto& block : comparison.blocks) {
    const ConvPair& pair = comparison.pairs[block.pair];
    human::CompareRow row = human::compare_row(comparison, block);
    const double ratios[] = {block.macs_ratio, block.bytes_ratio, block.time_ratio};
    out << fmt::format(
        "<tr><td data-sort=\"{}\">{}</td><td class=\"left label\">{}</td><td class=\"left direction\">{}</td>", block.pair + 1,
        block.pair + 1, escape_markup(pair.label), escape_markup(human::direction_text(pair.direction)));
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c < 2)
        out << "<td class=\"left\">" << escape_markup(row[c]) << "</td>";
      else if (c <= 4)
        out << fmt::format("<td data-sort=\"{}\">{}</td>", ratios[c - 2], escape_markup(row[c]));
      else
        out << "<td class=\"left\">" << escape_markup(row[c]) << "</td>";
    }
    out << "<td class=\"because\">" << escape_markup(human::block_reasons(block)) << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n";
  for (const auto& note : human::compare_notes(comparison)) out << "<p class=\"note\">note: " << escape_markup(note) << "</p>\n";
}

void render_compare_html(const Comparison& comparison, std::ostream& out) {
  html::page_head(fmt::format("convroof compare: {}", comparison.model_name), out);
  std::vector<std::string> hardware;
  for (const auto& target : comparison.targets) hardware.push_back(target.hardware.id);
  out << fmt::format("<p class=\"meta\">convroof {} &middot; {} &middot; model from {}</p>\n", version(),
                     escape_markup(join(hardware, ", ")), escape_markup(comparison.model_origin));
  out << "<section id=\"compare\">\n<h2>Standard vs depthwise-separable</h2>\n";
  html::compare_section(comparison, out);
  out << "</section>\n";
  if (!comparison.blocks.empty()) {
    out << "<section id=\"roofline\">\n<h2>Roofline: each block before and after</h2>\n";
    html::inline_svg(roofline_chart(comparison), out);
    out << "</section>\n";
  }
  html::page_end(out);
}

}  // namespace convroof
