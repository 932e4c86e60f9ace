// The markup primitives of the SVG and HTML renderers: escaping text for XML and HTML (& < > "
// as entities), and the HTML page every HTML report is (one page, no network: the inline style,
// the sort script, a chart inline). html_writer.cpp defines the page's parts.
#pragma once

#include <string>
#include <ostream>
#include <string_view>

#include "convroof/chart.hpp"
#include "convroof/compare.hpp"

namespace convroof {

inline std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace html {

// The page up to its heading: the inline style, `title` as <title> and <h1>.
void page_head(const std::string& title, std::ostream& out);
// A chart inline: no XML declaration.
void inline_svg(const RooflineChart& chart, std::ostream& out);
// The sort script (a click on a `sortable` table's header sorts by that column: numbers by
// data-sort, else text) and the page's end.
void page_end(std::ostream& out);
// The standard vs depthwise-separable section (compare.cpp): the whole-model verdict, then the
// blocks, sortable; the analyze page and the compare page both show it.
void compare_section(const Comparison& comparison, std::ostream& out);

}  // namespace html

}  // namespace convroof
