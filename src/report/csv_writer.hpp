// The CSV renderers' primitives (RFC 4180: comma-separated, `\n` line ends, a header row; a field holding
// a comma, a quote or a line break is quoted with its quotes doubled). Values are in SI
// base units, raw: integers as integers, doubles in the shortest form that reads back to
// the same double (as the JSON writes them), so a CSV cell and the JSON field it mirrors
// parse to the same number. Columns are documented in docs/report.md.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "convroof/fields.hpp"

namespace convroof::csv {

// One field, quoted when it must be (RFC 4180 §2.6-2.7).
inline std::string field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

inline void write_row(const std::vector<std::string>& cells, std::ostream& out) {
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (c) out << ',';
    out << field(cells[c]);
  }
  out << '\n';
}

// Shortest round-trip form, locale-independent (fmt's `{}`); empty where JSON has null.
inline std::string number(double value) {
  return std::isfinite(value) ? fmt::format("{}", value) : std::string();
}
inline std::string number(std::uint64_t value) {
  return std::to_string(value);
}

// A field's cell: numbers as the JSON writes them, shapes as `1x224x224x3` (several joined
// with `;`), flags as true/false.
inline std::string cell(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          return std::string(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::span<const std::int64_t>>) {
          return shape_text(v);
        } else if constexpr (std::is_same_v<T, const std::vector<Shape>*>) {
          std::vector<std::string> texts;
          for (const auto& shape : *v) texts.push_back(shape_text(shape));
          return join(texts, ";");
        } else if constexpr (std::is_pointer_v<T>) {
          return {};  // memory levels and the MAC-array account have no column
        } else if constexpr (std::is_same_v<T, double>) {
          return number(v);
        } else {
          return std::to_string(v);
        }
      },
      value);
}

}  // namespace convroof::csv
