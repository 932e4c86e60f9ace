// compare renderers: the paradox table and convroof.compare/1 JSON (docs/report.md).
//
//   [1] conv (3x3 s1, 128->128, 224x224): standard -> depthwise-separable
//   hardware        prec  MACs   bytes  time   before              after
//   v100            fp16  8.44x  1.00x  1.81x  152.3 us compute    83.96 us memory
//     FLOPs drop 8.44x, time drops 1.81x, because …
#include "convroof/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "convroof/units.hpp"
#include "human_parts.hpp"
#include "json_parts.hpp"
#include "text_checks.hpp"

namespace convroof {

void render_compare_table(const Comparison& comparison, std::ostream& out) {
  out << fmt::format("convroof {} compare: {} ({})\n", version(), comparison.model_name, comparison.model_source);
  if (!comparison.targets.empty()) out << human::compare_options_text(comparison.targets.front().options) << '\n';
  if (comparison.pairs.empty()) {
    out << '\n' << human::kNoPairs << '\n';
    return;
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
      reasons.push_back(block.because);
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
  report["model"] = Json{{"name", comparison.model_name}, {"source", comparison.model_source}};
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
                             {"because", block.because},
                             {"before", side(block.before)},
                             {"after", side(block.after)}});
    }
    blocks.push_back(Json{{"label", pair.label},
                          {"direction", std::string(transform_name(pair.direction))},
                          {"layers", names},
                          {"results", results}});
  }
  report["blocks"] = blocks;
  out << json_text(report) << '\n';
}

}  // namespace convroof
