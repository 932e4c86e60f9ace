#include "yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <set>

#include "convroof/kinds.hpp"
#include "text_checks.hpp"

namespace convroof::yaml {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Where a second document starts (a byte offset), or npos. yaml-cpp 0.7's LoadAll loops
// forever, allocating, when a ',' follows a document's root node (yaml-cpp issue #1040, fixed
// after 0.7), so the first document is read with Load, which stops after one, and a second one
// is found by its marker: a line that starts with '---' or '...' (a marker cannot start a line
// inside a block or quoted scalar), once content came before it. The position is that of the
// second document's first content, as yaml-cpp would give it.
std::size_t second_document(const std::string& text) {
  bool content = false, ended = false;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view row(text.data() + start, end - start);
    const std::size_t row_start = start;
    start = end + 1;
    std::size_t first = 0;  // the row's first byte of content
    if ((row.substr(0, 3) == "---" || row.substr(0, 3) == "...") && (row.size() == 3 || is_blank(row[3]))) {
      if (row[0] == '.' || content) ended = true;  // '...', or '---' after content, ends the first document
      first = 3;
    }
    while (first < row.size() && is_blank(row[first])) ++first;
    if (first == row.size() || row[first] == '#' || (row[first] == '%' && first == 0)) continue;
    if (ended) return row_start + first;
    content = true;
  }
  return std::string::npos;
}

// Load stops after the root node, so text after a flow root ("{…} , x") would go unread:
// the offset of the first content after the bracket that closes the root, or npos.
// Quoted scalars are skipped ('' and \" escapes); a comment starts at '#' after a blank.
std::size_t after_flow_root(const std::string& text, const YAML::Mark& mark) {
  std::size_t i = static_cast<std::size_t>(mark.pos);
  int depth = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c; ++i)
        if (c == '"' && text[i] == '\\')
          ++i;
        else if (c == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'')
          ++i;
    } else if (c == '#' && (i == 0 || is_blank(text[i - 1]) || text[i - 1] == '\n')) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && --depth == 0) {
      break;
    }
  }
  for (++i; i < text.size(); ++i) {
    if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      if (i == text.size()) break;
    }
    if (text[i] != '\n' && !is_blank(text[i])) return i;
  }
  return std::string::npos;
}

// The 1-based line and column of a byte offset, columns in bytes as yaml-cpp counts them.
Location location_at(const std::string& file, const std::string& text, std::size_t offset) {
  const std::string_view before(text.data(), offset);
  const std::size_t last_newline = before.rfind('\n');
  const auto line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const auto column = static_cast<int>(last_newline == std::string_view::npos ? offset : offset - last_newline - 1);
  return Location{file, line, column + 1};
}

}  // namespace

YAML::Node parse_document(const std::string& text, const std::string& file) {
  require_utf8(text, Location{file, 1, 1});
  try {
    YAML::Node root = YAML::Load(text);
    if (std::size_t at = second_document(text); at != std::string::npos)
      throw Error(location_at(file, text, at), "a second YAML document ('---'): one file holds one spec or workload");
    if ((root.IsMap() || root.IsSequence()) && root.Style() == YAML::EmitterStyle::Flow)
      if (std::size_t at = after_flow_root(text, root.Mark()); at != std::string::npos)
        throw Error(location_at(file, text, at), "YAML syntax: text after the document's closing bracket");
    return root;
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own bound; its message is "bad file"
    throw Error(Location{file, e.mark.line + 1, e.mark.column + 1},
                "YAML nested too deeply (convroof files are a few levels deep; the parser stops at about 500)");
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

OpClass op_class_key(const YAML::Node& key, const std::string& file, const std::string& where) {
  auto op_class = parse_op_class(key.Scalar());
  if (!op_class)
    throw Error(location(key, file), fmt::format("unknown op class '{}' in '{}'{}; valid: {}", key.Scalar(), where,
                                                 did_you_mean(key.Scalar(), op_class_names()), join(op_class_names())));
  return *op_class;
}

}  // namespace convroof::yaml
