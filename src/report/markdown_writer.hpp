// The Markdown renderers' primitives (GitHub-flavoured, for a PR comment): a heading, a short summary in
// bullets, then pipe tables in human units with the same columns and cells as the text
// table (human_parts.hpp), numbers right-aligned. Free text (names, reasons, notes) is
// escaped so a `|` cannot split a cell and a `*` or `<` cannot turn into markup. A layer
// table longer than kCollapseAbove rows (analyze.cpp) is folded into <details> to keep the comment short.
#pragma once

#include <cctype>
#include <ostream>
#include <string>
#include <string_view>

namespace convroof::md {

// Text as literal Markdown: backslash-escapes `|` (it would end a table cell) and the
// characters that would start markup: `\ * ` [ ]`, `_` at a word's edge (inside a word GFM
// never reads it as emphasis, so `mobilenet_v1` keeps its spelling) and `<` before what
// could be an HTML tag. A line break becomes a space: it would end the table row.
inline std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto word_char_at = [&](std::size_t i) {
    return i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    bool special = c == '\\' || c == '|' || c == '*' || c == '`' || c == '[' || c == ']';
    if (c == '_') special = !(i > 0 && word_char_at(i - 1) && word_char_at(i + 1));
    if (c == '<')
      special = i + 1 < text.size() && (std::isalpha(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '/' ||
                                        text[i + 1] == '!' || text[i + 1] == '?');
    if (special) out += '\\';
    out += c;
  }
  return out;
}

template <typename Cells>
inline void write_row(const Cells& cells, std::ostream& out) {
  out << '|';
  for (const auto& cell : cells) out << ' ' << cell << " |";
  out << '\n';
}

// The delimiter row: `:---` for text, `---:` for numbers.
template <typename IsLeft>
inline void write_alignment(std::size_t columns, IsLeft is_left, std::ostream& out) {
  out << '|';
  for (std::size_t c = 0; c < columns; ++c) out << (is_left(c) ? ":---|" : "---:|");
  out << '\n';
}

}  // namespace convroof::md
