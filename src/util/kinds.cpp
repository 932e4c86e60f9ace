#include "convroof/kinds.hpp"

#include <algorithm>

#include "convroof/error.hpp"

namespace convroof {

std::string_view precision_name(Precision precision) {
  for (const auto& info : kPrecisions)
    if (info.precision == precision) return info.name;
  return "?";
}

int precision_bytes(Precision precision) {
  for (const auto& info : kPrecisions)
    if (info.precision == precision) return info.bytes;
  return 0;
}

std::optional<Precision> parse_precision(std::string_view name) {
  for (const auto& info : kPrecisions)
    if (info.name == name) return info.precision;
  return std::nullopt;
}

std::vector<std::string> precision_names() {
  std::vector<std::string> names;
  for (const auto& info : kPrecisions) names.emplace_back(info.name);
  return names;
}

std::string_view op_class_name(OpClass op_class) {
  for (const auto& info : kOpClasses)
    if (info.op_class == op_class) return info.name;
  return "?";
}

std::optional<OpClass> parse_op_class(std::string_view name) {
  for (const auto& info : kOpClasses)
    if (info.name == name) return info.op_class;
  return std::nullopt;
}

std::vector<std::string> op_class_names() {
  std::vector<std::string> names;
  for (const auto& info : kOpClasses) names.emplace_back(info.name);
  return names;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += separator;
    out += names[i];
  }
  return out;
}

std::string unknown_choice(std::string_view what, const std::string& value, const std::vector<std::string>& valid) {
  return "unknown " + std::string(what) + " '" + value + "'" + did_you_mean(value, valid) + "; valid: " + join(valid);
}

}  // namespace convroof
