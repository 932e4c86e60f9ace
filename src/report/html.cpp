// The HTML report: one page, no network. Sections: summary, roofline (the SVG inline),
// layers (sortable: a click on a header sorts by it, a second click reverses; numeric
// columns sort by the raw SI value in data-sort, not by the human text), and the
// standard vs depthwise-separable blocks on the same hardware.
#include <fmt/format.h>

#include <optional>
#include <sstream>

#include "convroof/chart.hpp"
#include "convroof/report.hpp"
#include "human_parts.hpp"
#include "markup.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

constexpr std::string_view kStyle =
    R"(body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px 32px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:3px}
.meta{color:#555;margin:0 0 12px}ul.summary li{margin:3px 0}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e2e2e2;text-align:right;white-space:nowrap}
th{background:#f2f2f2;position:sticky;top:0}th.sortable{cursor:pointer;user-select:none}th.sortable:hover{background:#e4e4e4}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
.left{text-align:left}tfoot td{font-weight:bold;border-top:2px solid #999}
.memory{color:#1f77b4}.compute{color:#2ca02c}.overhead{color:#d62728}td.because{white-space:normal;text-align:left;min-width:260px;max-width:520px;color:#444}
td.label{white-space:normal;overflow-wrap:anywhere;min-width:220px;max-width:320px}td.name{white-space:normal;overflow-wrap:anywhere;min-width:120px;max-width:240px}
li,p{overflow-wrap:anywhere}td.direction{white-space:normal;max-width:150px}
svg{max-width:100%;height:auto;border:1px solid #eee})";

// Sorts the table a header belongs to by that column: numbers by data-sort, else text.
constexpr std::string_view kSortScript = R"(document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, column) {
    th.classList.add("sortable");
    th.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[column];
        var sort = cell.getAttribute("data-sort");
        return sort !== null ? parseFloat(sort) : cell.textContent;
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});)";

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

void layer_table(const AnalysisResult& result, std::ostream& out) {
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

void compare_section(const Comparison& comparison, std::ostream& out) {
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

// The page up to its heading: the inline style, the title as <title> and <h1>.
void page_head(const std::string& title, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << escape_markup(title)
      << "</title>\n<style>\n"
      << kStyle << "\n</style>\n</head>\n<body>\n";
  out << "<h1>" << escape_markup(title) << "</h1>\n";
}

// A chart inline: no XML declaration.
void inline_svg(const RooflineChart& chart, std::ostream& out) {
  std::ostringstream svg;
  render_roofline_svg(chart, svg);
  std::string drawing = svg.str();
  drawing.erase(0, drawing.find("<svg"));
  out << drawing;
}

// The sort script and the page's end.
void page_end(std::ostream& out) {
  out << "<script>\n" << kSortScript << "\n</script>\n</body>\n</html>\n";
}

}  // namespace

void render_html(const AnalysisResult& result, const Comparison& comparison, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Totals& totals = result.totals;
  page_head(fmt::format("convroof: {} on {}", result.model_name, hw.id), out);
  out << fmt::format("<p class=\"meta\">convroof {} &middot; {} ({}) &middot; {} &middot; model from {}</p>\n",
                     version(), escape_markup(hw.name), escape_markup(hw.origin),
                     escape_markup(human::options_text(result.options)), escape_markup(result.model_origin));

  out << "<section id=\"summary\">\n<h2>Summary</h2>\n<ul class=\"summary\">\n";
  out << "<li><b>" << escape_markup(result.model_name) << "</b> takes "
      << escape_markup(human::time_summary(totals, result.options.time_model)) << ".</li>\n";
  out << fmt::format("<li>{} MACs, {} FLOPs, {} moved: {} FLOP/B, {} attained.</li>\n",
                     format_count(static_cast<double>(totals.macs)), format_count(static_cast<double>(totals.flops)),
                     format_bytes(static_cast<double>(totals.bytes.total())), format_number(totals.intensity),
                     format_rate(totals.attainable_flops_per_s));
  out << "<li>Memory: " << escape_markup(human::memory_summary(totals)) << ".</li>\n";
  for (const auto& assignment : result.options.overrides)
    out << "<li>what-if: <code>--set " << escape_markup(assignment) << "</code></li>\n";
  for (const auto& note : result.notes) out << "<li>note: " << escape_markup(note) << "</li>\n";
  out << "</ul>\n</section>\n";

  out << "<section id=\"roofline\">\n<h2>Roofline</h2>\n";
  inline_svg(roofline_chart(std::vector<AnalysisResult>{result}), out);
  out << "</section>\n";

  out << "<section id=\"layers\">\n<h2>Layers</h2>\n<p>Click a column header to sort; click again to reverse.";
  if (human::fuses_any(result.options)) out << " " << escape_markup(human::kFusionNote) << ".";
  out << "</p>\n";
  layer_table(result, out);
  out << "</section>\n";

  out << "<section id=\"compare\">\n<h2>Standard vs depthwise-separable on " << escape_markup(hw.id) << "</h2>\n";
  compare_section(comparison, out);
  out << "</section>\n";
  page_end(out);
}

void render_compare_html(const Comparison& comparison, std::ostream& out) {
  page_head(fmt::format("convroof compare: {}", comparison.model_name), out);
  std::vector<std::string> hardware;
  for (const auto& target : comparison.targets) hardware.push_back(target.hardware.id);
  out << fmt::format("<p class=\"meta\">convroof {} &middot; {} &middot; model from {}</p>\n", version(),
                     escape_markup(join(hardware, ", ")), escape_markup(comparison.model_origin));
  out << "<section id=\"compare\">\n<h2>Standard vs depthwise-separable</h2>\n";
  compare_section(comparison, out);
  out << "</section>\n";
  if (!comparison.blocks.empty()) {
    out << "<section id=\"roofline\">\n<h2>Roofline: each block before and after</h2>\n";
    inline_svg(roofline_chart(comparison), out);
    out << "</section>\n";
  }
  page_end(out);
}

}  // namespace convroof
