#include "yaml_reader.hpp"

#include <fmt/format.h>

#include <set>

#include "convroof/kinds.hpp"

namespace convroof::yaml {

YAML::Node parse_document(const std::string& text, const std::string& file) {
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    if (documents.size() > 1)
      throw Error(location(documents[1], file), "a second YAML document ('---'): one file holds one spec or workload");
    return documents.empty() ? YAML::Node() : documents.front();
  } catch (const YAML::ParserException& e) {
    throw Error(Location{file, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw Error(Location{file, 0, 0}, std::string("YAML: ") + e.what());
  }
}

Location location(const YAML::Node& node, const std::string& file) {
  YAML::Mark mark = node.Mark();
  if (mark.line < 0) return Location{file, 0, 0};
  return Location{file, mark.line + 1, mark.column + 1};
}

void check_schema(const YAML::Node& root, const std::string& file, std::string_view expected) {
  if (!root.IsMap()) return;
  for (const auto& entry : root)
    if (entry.first.IsScalar() && entry.first.Scalar() == "schema" && entry.second.IsScalar() &&
        entry.second.Scalar() != expected)
      throw Error(location(entry.second, file),
                  fmt::format("unsupported schema '{}' (expected '{}')", entry.second.Scalar(), expected));
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null:
      return "nothing (null)";
    default:
      return "an undefined value";
  }
}

MapReader::MapReader(const YAML::Node& node, std::string file, std::string what,
                     const std::vector<std::string>& allowed_keys)
    : node_(node), file_(std::move(file)), what_(std::move(what)) {
  if (!node_.IsMap())
    throw Error(location(node_, file_), fmt::format("{} must be a mapping, got {}", what_, describe(node_)));
  std::set<std::string> seen;
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar())
      throw Error(location(entry.first, file_), fmt::format("{}: keys must be plain names", what_));
    const std::string& key = entry.first.Scalar();
    bool known = false;
    for (const auto& allowed : allowed_keys) known = known || allowed == key;
    if (!known)
      throw Error(location(entry.first, file_), fmt::format("unknown key '{}' in {}{}; valid keys: {}", key, what_,
                                                            did_you_mean(key, allowed_keys), join(allowed_keys)));
    if (!seen.insert(key).second)
      throw Error(location(entry.first, file_), fmt::format("duplicate key '{}' in {}", key, what_));
  }
}

bool MapReader::has(const std::string& key) const {
  return optional(key).has_value();
}

std::optional<YAML::Node> MapReader::optional(const std::string& key) const {
  for (const auto& entry : node_)
    if (entry.first.Scalar() == key) return entry.second;
  return std::nullopt;
}

YAML::Node MapReader::required(const std::string& key) const {
  auto value = optional(key);
  if (!value) throw Error(where(), fmt::format("{} is missing required key '{}'", what_, key));
  // A null's mark is the next token, often on the next line: name the key instead.
  if (value->IsNull()) throw Error(key_where(key), fmt::format("'{}' in {} has no value", key, what_));
  return *value;
}

Location MapReader::where(const std::string& key) const {
  auto value = optional(key);
  return value ? location(*value, file_) : where();
}

Location MapReader::key_where(const std::string& key) const {
  for (const auto& entry : node_)
    if (entry.first.Scalar() == key) return location(entry.first, file_);
  return where();
}

std::string MapReader::string(const std::string& key) const {
  std::string value = as_string(required(key), file_, fmt::format("'{}' in {}", key, what_));
  if (value.empty()) throw Error(where(key), fmt::format("'{}' in {} must not be empty", key, what_));
  return value;
}

std::optional<std::string> MapReader::optional_string(const std::string& key) const {
  auto value = optional(key);
  if (!value) return std::nullopt;
  return as_string(*value, file_, fmt::format("'{}' in {}", key, what_));
}

long long MapReader::integer(const std::string& key, long long minimum) const {
  return as_integer(required(key), file_, fmt::format("'{}' in {}", key, what_), minimum);
}

long long MapReader::integer_or(const std::string& key, long long fallback, long long minimum) const {
  auto value = optional(key);
  if (!value) return fallback;
  return as_integer(*value, file_, fmt::format("'{}' in {}", key, what_), minimum);
}

bool MapReader::boolean_or(const std::string& key, bool fallback) const {
  auto value = optional(key);
  if (!value) return fallback;
  if (value->IsScalar()) {
    const std::string& text = value->Scalar();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  throw Error(location(*value, file_),
              fmt::format("'{}' in {} must be true or false, got {}", key, what_, describe(*value)));
}

Quantity MapReader::quantity(const std::string& key, const std::vector<Dimension>& expected, bool allow_zero) const {
  return as_quantity(required(key), file_, expected, allow_zero);
}

std::string as_string(const YAML::Node& node, const std::string& file, const std::string& what) {
  if (!node.IsScalar())
    throw Error(location(node, file), fmt::format("{} must be a string, got {}", what, describe(node)));
  return node.Scalar();
}

long long as_integer(const YAML::Node& node, const std::string& file, const std::string& what, long long minimum) {
  long long value = 0;
  if (!node.IsScalar() || !parse_int(node.Scalar(), value))
    throw Error(location(node, file), fmt::format("{} must be an integer, got {}", what, describe(node)));
  if (value < minimum)
    throw Error(location(node, file), fmt::format("{} must be at least {}, got {}", what, minimum, value));
  return value;
}

Quantity as_quantity(const YAML::Node& node, const std::string& file, const std::vector<Dimension>& expected,
                     bool allow_zero) {
  if (!node.IsScalar())
    throw Error(location(node, file), fmt::format("expected a quantity with a unit, got {}", describe(node)));
  return parse_quantity(node.Scalar(), expected, location(node, file), allow_zero);
}

}  // namespace convroof::yaml
