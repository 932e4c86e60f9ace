// The HTML page's parts (html_writer.hpp): the style every page carries inline, the sort
// script, the head and the end, and a chart inline.
#include <sstream>

#include "html_writer.hpp"

namespace convroof::html {

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

}  // namespace

void page_head(const std::string& title, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << escape_markup(title)
      << "</title>\n<style>\n"
      << kStyle << "\n</style>\n</head>\n<body>\n";
  out << "<h1>" << escape_markup(title) << "</h1>\n";
}

void inline_svg(const RooflineChart& chart, std::ostream& out) {
  std::ostringstream svg;
  render_roofline_svg(chart, svg);
  std::string drawing = svg.str();
  drawing.erase(0, drawing.find("<svg"));
  out << drawing;
}

void page_end(std::ostream& out) {
  out << "<script>\n" << kSortScript << "\n</script>\n</body>\n</html>\n";
}

}  // namespace convroof::html
