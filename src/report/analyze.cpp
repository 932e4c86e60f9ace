// `convroof analyze`'s renderers, one per format (the command's format table is in
// src/cli/analyze.cpp); all read the same LayerCost records, so they cannot disagree.
// - table: one row per layer in human units, a totals row, then a summary that names the
//   binding term and the capacity verdict. Columns are sized to their content.
// - JSON: convroof.report/1 (docs/report.md), the layer records streamed (json_writer.hpp).
// - CSV: the fields of convroof/fields.hpp that name a column (csv_writer.hpp):
//     index,name,op,kind,input_shape,output_shape,dtype,macs,flops,params,bytes_input,…,runs_in
//     0,depthwise,depthwise_conv2d,depthwise,1x224x224x128,1x224x224x128,fp16,57802752,…,depthwise
//     1,pointwise,conv2d,pointwise,1x224x224x128,1x224x224x128,fp16,822083584,…,pointwise
//     ,total,,,,,,879886336,1759772672,17536,…,,,,
// - Markdown (markdown_writer.hpp), for a PR comment:
//     ### convroof: blog_dwsep on v100
//
//     - **Time:** 83.96 us (Iron Law, T = T_mem + T_comp + L = 57.13 us + 16.84 us + 10.00 us): memory-bound, …
//     - **Work:** 879.9 M MACs, 1.760 G FLOPs, 51.42 MB moved, 34.23 FLOP/B; 20.96 TFLOP/s attained
//     …
//     | # | layer | kind | output | MACs | FLOPs | bytes | FLOP/B | roof | T_mem | T_comp | L | T | bound |
//     |---:|:---|:---|:---|---:|---:|---:|---:|:---|---:|---:|---:|---:|:---|
//     | 0 | depthwise | depthwise | 1x224x224x128 | 57.80 M | 115.6 M | 25.69 MB | 4.500 | cuda 31.40 TFLOP/s | … |
// - HTML: one page, no network (html_writer.hpp). Sections: summary, roofline (the SVG inline),
//   layers (sortable: a click on a header sorts by it, a second click reverses; numeric
//   columns sort by the raw SI value in data-sort, not by the human text), and the
//   standard vs depthwise-separable blocks on the same hardware.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "convroof/chart.hpp"
#include "convroof/fields.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "csv_writer.hpp"
#include "html_writer.hpp"
#include "human_parts.hpp"
#include "json_writer.hpp"
#include "markdown_writer.hpp"

namespace convroof {

using human::kLayerColumns;
using human::LayerRow;

void render_table(const AnalysisResult& result, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Options& options = result.options;
  const Totals& totals = result.totals;
  out << fmt::format("convroof {}: {} on {} ({})\n", version(), result.model_name, hw.id, hw.name);
  out << human::options_text(options, result.settings) << '\n';
  UnitChoice main_unit = hw.unit_for(OpClass::standard, options.precision);
  const MemoryLevel& activations = hw.activation_level();
  double bandwidth = *activations.bandwidth_bytes_per_s;
  std::vector<std::string> levels;
  for (const auto& level : hw.memory) {
    std::vector<std::string> holds;
    if (&level == &hw.weight_level()) holds.emplace_back("weights");
    if (&level == &activations) holds.emplace_back("activations");
    std::string role = holds.empty() ? "on chip" : join(holds, "+");
    levels.push_back(level.bandwidth_bytes_per_s
                         ? fmt::format("{} {} {}", level.name, format_bandwidth(*level.bandwidth_bytes_per_s), role)
                         : fmt::format("{} {} {}", level.name, format_bytes(level.capacity_bytes), role));
  }
  out << fmt::format("peak {} ({}), ridge {} FLOP/B at {}; memory: {}; L {}\n", format_rate(main_unit.peak_flops_per_s),
                     main_unit.unit->name, format_number(main_unit.peak_flops_per_s / bandwidth), activations.name,
                     join(levels), format_time(options.runtime.kernel_launch_s(hw)));
  for (const auto& assignment : result.settings.overrides) out << "what-if: --set " << assignment << '\n';
  out << '\n';

  std::vector<LayerRow> rows;
  rows.reserve(result.layers.size() + 1);
  for (const auto& layer : result.layers) rows.push_back(human::layer_row(layer, options.time_model));
  LayerRow total_row = human::total_row(totals, options.time_model);

  human::AlignedColumns<kLayerColumns.size()> columns(human::layer_left_aligned);
  LayerRow header;
  for (std::size_t c = 0; c < kLayerColumns.size(); ++c) header[c] = std::string(kLayerColumns[c].title);
  columns.measure(header);
  for (const auto& row : rows) columns.measure(row);
  columns.measure(total_row);
  out << columns.line(header) << '\n';
  for (const auto& row : rows) out << columns.line(row) << '\n';
  out << columns.rule() << '\n' << columns.line(total_row) << '\n';
  out << '\n';

  out << fmt::format("Summary: {} takes {}; {} attained at {} FLOP/B.\n", result.model_name,
                     human::time_summary(totals, options.time_model), format_rate(totals.attainable_flops_per_s),
                     format_number(totals.intensity));
  out << "Memory: " << human::memory_summary(totals) << ".\n";
  if (human::fuses_any(options)) out << "Fusion: " << human::kFusionNote << ".\n";
  for (const auto& note : result.notes) out << "note: " << note << '\n';
}

std::string memory_fit_text(const Totals& totals) {
  return human::memory_summary(totals);
}

// ---- JSON ----

void render_json(const AnalysisResult& result, std::ostream& out) {
  Json notes = Json::array();
  for (const auto& note : result.notes) notes.push_back(note);
  Json unmodeled = Json::array();
  for (const auto& op : result.unmodeled)
    unmodeled.push_back(Json{{"op_type", op.op_type}, {"count", op.layers.size()}, {"layers", op.layers}});
  const std::pair<const char*, Json> head[] = {
      {"schema", "convroof.report/1"},
      {"tool", Json{{"name", "convroof"}, {"version", std::string(version())}}},
      {"hardware", hardware_json(result.hardware, result.options.precision)},
      {"model", Json{{"name", result.model_name}, {"source", result.model_origin}, {"reference", result.model_reference}}},
      {"options", options_json(result.options, result.settings)}};
  const std::pair<const char*, Json> tail[] = {
      {"totals", totals_json(result.totals)}, {"notes", std::move(notes)}, {"unmodeled", std::move(unmodeled)}};
  std::string text = "{\n";
  text.reserve(2048 + 1536 * result.layers.size());
  auto member = [&](const char* name, const Json& value) {
    text += "  ";
    append_string(text, name);
    text += ": ";
    append_dom(text, value, 2);
    text += ",\n";
  };
  for (const auto& [name, value] : head) member(name, value);
  text += "  \"layers\": [";
  for (std::size_t i = 0; i < result.layers.size(); ++i) {
    text += i ? ",\n    " : "\n    ";
    append_layer(text, result.layers[i], 4);
  }
  text += result.layers.empty() ? "],\n" : "\n  ],\n";
  for (const auto& [name, value] : tail) member(name, value);
  text.resize(text.size() - 2);  // the last ",\n"
  text += "\n}\n";
  out << text;
}

// ---- CSV ----

// The columns are the fields of convroof/fields.hpp that name one, in its order; the totals
// row is totals_row_value's.
void render_csv(const AnalysisResult& result, std::ostream& out) {
  std::vector<std::string> cells;
  for (const auto& field : kReportFields)
    if (!field.csv.empty()) cells.emplace_back(field.csv);
  csv::write_row(cells, out);
  for (const auto& layer : result.layers) {
    cells.clear();
    for (const auto& field : kReportFields)
      if (!field.csv.empty()) cells.push_back(field.layer ? csv::cell(field.layer(layer)) : std::string());
    csv::write_row(cells, out);
  }
  cells.clear();
  for (const auto& field : kReportFields) {
    if (field.csv.empty()) continue;
    const auto value = totals_row_value(field, result.totals);
    cells.push_back(value ? csv::cell(*value) : std::string());
  }
  csv::write_row(cells, out);
}

// ---- Markdown ----

namespace {

// Layer tables with more rows than this are folded into <details>.
constexpr std::size_t kCollapseAbove = 40;

void markdown_layer_table(const AnalysisResult& result, std::ostream& out) {
  const auto& columns = human::kLayerColumns;
  human::LayerRow header;
  for (std::size_t c = 0; c < columns.size(); ++c) header[c] = md::escape(columns[c].title);
  md::write_row(header, out);
  md::write_alignment(
      header.size(), [&](std::size_t c) { return columns[c].left_aligned; }, out);
  for (const auto& layer : result.layers) {
    human::LayerRow row = human::layer_row(layer, result.options.time_model);
    for (auto& cell : row) cell = md::escape(cell);
    md::write_row(row, out);
  }
  human::LayerRow total = human::total_row(result.totals, result.options.time_model);
  for (auto& cell : total) cell = md::escape(cell);
  total[1] = "**" + total[1] + "**";
  md::write_row(total, out);
}

}  // namespace

void render_markdown(const AnalysisResult& result, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Options& options = result.options;
  const Totals& totals = result.totals;
  out << fmt::format("### convroof: {} on {}\n\n", md::escape(result.model_name), md::escape(hw.id));

  out << fmt::format("- **Time:** {}\n", md::escape(human::time_summary(totals, options.time_model)));
  out << fmt::format("- **Work:** {} MACs, {} FLOPs, {} moved, {} FLOP/B; {} attained\n",
                     format_count(static_cast<double>(totals.macs)), format_count(static_cast<double>(totals.flops)),
                     format_bytes(static_cast<double>(totals.bytes.total())), format_number(totals.intensity),
                     format_rate(totals.attainable_flops_per_s));
  out << fmt::format("- **Memory:** {}\n", md::escape(human::memory_summary(totals)));
  UnitChoice main_unit = hw.unit_for(OpClass::standard, options.precision);
  const MemoryLevel& activations = hw.activation_level();
  out << fmt::format("- **Hardware:** {} ({}), peak {} ({}), {} {}, L {}\n", md::escape(hw.name), md::escape(hw.origin),
                     format_rate(main_unit.peak_flops_per_s), md::escape(main_unit.unit->name), md::escape(activations.name),
                     format_bandwidth(*activations.bandwidth_bytes_per_s), format_time(options.runtime.kernel_launch_s(hw)));
  out << fmt::format("- **Options:** {}\n", md::escape(human::options_text(options, result.settings)));
  for (const auto& assignment : result.settings.overrides) out << fmt::format("- **What-if:** `--set {}`\n", assignment);
  out << '\n';

  const bool collapse = result.layers.size() > kCollapseAbove;
  if (collapse) out << fmt::format("<details><summary>{} layers</summary>\n\n", result.layers.size());
  markdown_layer_table(result, out);
  if (collapse) out << "\n</details>\n";

  std::vector<std::string> notes;
  if (human::fuses_any(options)) notes.push_back(fmt::format("Fusion: {}.", human::kFusionNote));
  for (const auto& note : result.notes) notes.push_back(note);
  if (!notes.empty()) {
    out << "\n**Notes**\n\n";
    for (const auto& note : notes) out << "- " << md::escape(note) << '\n';
  }
}

// ---- HTML ----

namespace {

// The raw value a column sorts by (SI units), or nothing for text columns.
std::optional<double> sort_value(const LayerCost& layer, std::size_t column) {
  switch (column) {
    case 0:
      return layer.index;
    case 3: {
      double elements = 1;
      for (auto dim : layer.output_shape) elements *= static_cast<double>(dim);
      return elements;
    }
    case 4:
      return static_cast<double>(layer.macs);
    case 5:
      return static_cast<double>(layer.flops);
    case 6:
      return static_cast<double>(layer.bytes.total());
    case 7:
      return layer.intensity;
    case 8:
      return layer.peak_flops_per_s * layer.efficiency;
    case 9:
      return layer.time.memory;
    case 10:
      return layer.time.compute;
    case 11:
      return layer.time.overhead;
    case 12:
      return layer.time.total;
    default:
      return std::nullopt;
  }
}

void html_layer_table(const AnalysisResult& result, std::ostream& out) {
  const TimeModel model = result.options.time_model;
  // The layer name wraps (ONNX names run to 100 characters), so T and bound stay on a 1400 px page.
  auto cell_class = [](std::size_t column) {
    if (column == 1) return std::string(" class=\"left name\"");
    return human::kLayerColumns[column].left_aligned ? std::string(" class=\"left\"") : std::string();
  };
  out << "<table class=\"sortable\" id=\"layer-table\">\n<thead><tr>";
  for (std::size_t c = 0; c < human::kLayerColumns.size(); ++c)
    out << "<th" << cell_class(c) << ">" << escape_markup(human::kLayerColumns[c].title) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& layer : result.layers) {
    human::LayerRow row = human::layer_row(layer, model);
    out << "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      auto value = sort_value(layer, c);
      std::string classes = c + 1 == row.size() ? fmt::format(" class=\"left {}\"", row[c]) : cell_class(c);
      out << "<td" << classes << (value ? fmt::format(" data-sort=\"{}\"", *value) : "") << ">" << escape_markup(row[c])
          << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody>\n<tfoot><tr>";
  human::LayerRow total = human::total_row(result.totals, model);
  for (std::size_t c = 0; c < total.size(); ++c)
    out << "<td" << cell_class(c) << ">" << escape_markup(total[c]) << "</td>";
  out << "</tr></tfoot>\n</table>\n";
}

}  // namespace

void render_html(const AnalysisResult& result, const Comparison& comparison, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Totals& totals = result.totals;
  html::page_head(fmt::format("convroof: {} on {}", result.model_name, hw.id), out);
  out << fmt::format("<p class=\"meta\">convroof {} &middot; {} ({}) &middot; {} &middot; model from {}</p>\n",
                     version(), escape_markup(hw.name), escape_markup(hw.origin),
                     escape_markup(human::options_text(result.options, result.settings)), escape_markup(result.model_origin));

  out << "<section id=\"summary\">\n<h2>Summary</h2>\n<ul class=\"summary\">\n";
  out << "<li><b>" << escape_markup(result.model_name) << "</b> takes "
      << escape_markup(human::time_summary(totals, result.options.time_model)) << ".</li>\n";
  out << fmt::format("<li>{} MACs, {} FLOPs, {} moved: {} FLOP/B, {} attained.</li>\n",
                     format_count(static_cast<double>(totals.macs)), format_count(static_cast<double>(totals.flops)),
                     format_bytes(static_cast<double>(totals.bytes.total())), format_number(totals.intensity),
                     format_rate(totals.attainable_flops_per_s));
  out << "<li>Memory: " << escape_markup(human::memory_summary(totals)) << ".</li>\n";
  for (const auto& assignment : result.settings.overrides)
    out << "<li>what-if: <code>--set " << escape_markup(assignment) << "</code></li>\n";
  for (const auto& note : result.notes) out << "<li>note: " << escape_markup(note) << "</li>\n";
  out << "</ul>\n</section>\n";

  out << "<section id=\"roofline\">\n<h2>Roofline</h2>\n";
  html::inline_svg(roofline_chart(std::vector<AnalysisResult>{result}), out);
  out << "</section>\n";

  out << "<section id=\"layers\">\n<h2>Layers</h2>\n<p>Click a column header to sort; click again to reverse.";
  if (human::fuses_any(result.options)) out << " " << escape_markup(human::kFusionNote) << ".";
  out << "</p>\n";
  html_layer_table(result, out);
  out << "</section>\n";

  out << "<section id=\"compare\">\n<h2>Standard vs depthwise-separable on " << escape_markup(hw.id) << "</h2>\n";
  html::compare_section(comparison, out);
  out << "</section>\n";
  html::page_end(out);
}

}  // namespace convroof
