#include "yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdint>
#include <istream>
#include <set>
#include <streambuf>

#include "convroof/kinds.hpp"
#include "text_checks.hpp"

namespace convroof::yaml {

namespace {

// The text as a stream without copying it: yaml-cpp's Parser reads an std::istream (by
// sgetn, in 2 KiB chunks), and an istringstream would first copy the whole document.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // only read: no put area, no putback of other bytes
    setg(begin, begin, begin + text.size());
  }
};

// The byte offset of a document's content: yaml-cpp's marks start after a UTF-8 byte order mark.
std::size_t content_start(std::string_view text) {
  return text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

// The 1-based line and column of a yaml-cpp mark. yaml-cpp counts columns in bytes; convroof
// counts characters (as its other readers and require_utf8 do), so in a text that is not all
// ASCII the line's continuation bytes before the mark are taken off.
Location location_at(const std::string& file, std::string_view text, bool ascii, const YAML::Mark& mark) {
  if (mark.line < 0) return Location{file, 0, 0};
  if (ascii) return Location{file, mark.line + 1, mark.column + 1};
  const std::size_t end = std::min(content_start(text) + static_cast<std::size_t>(mark.pos), text.size());
  const std::size_t begin = end - std::min(end, static_cast<std::size_t>(mark.column));
  int column = mark.column;
  for (std::size_t i = begin; i < end; ++i) column -= (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  return Location{file, mark.line + 1, column + 1};
}

// The 1-based line and column of a byte offset, columns in characters.
Location location_at(const std::string& file, std::string_view text, std::size_t offset) {
  Location at{file, 1, 1};
  for (std::size_t i = content_start(text); i < offset; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++at.column;
    }
  }
  return at;
}

// The first character YAML does not allow in a file (YAML 1.1's c-printable: tab, line breaks,
// printable ASCII, NEL and the printable Unicode ranges; the reader before yaml-cpp refused the
// rest too), as its offset and code point: yaml-cpp would read a NUL or an escape sequence into a
// scalar. The text is well-formed UTF-8 (require_utf8 ran first). `ascii` says whether every
// byte was below 0x80.
struct Unprintable {
  std::size_t offset = std::string_view::npos;
  char32_t code = 0;
  bool ascii = true;
};
Unprintable first_unprintable(std::string_view text) {
  bool ascii = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) continue;
    char32_t code = byte;
    if (byte >= 0x80) {
      ascii = false;
      const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
      code = byte & (0x7F >> length);
      for (std::size_t k = 1; k < length; ++k) code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      if ((code >= 0xA0 && code != 0xFFFE && code != 0xFFFF) || code == 0x85) {
        i += length - 1;
        continue;
      }
    } else if (byte == '\t' || byte == '\n' || byte == '\r') {
      continue;
    }
    return Unprintable{i, code, ascii};
  }
  return Unprintable{std::string_view::npos, 0, ascii};
}

bool is_null_word(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

// Thrown by the handler when the parser starts a document after the first; the builder then
// says whether it is a second document or text after the first.
struct MoreText {
  YAML::Mark mark;
};

}  // namespace

// Builds the tree from yaml-cpp's events. The open collections are a stack of pointers: each
// is the last element of its parent, and a parent gains no element while its child is open,
// so the pointers stay valid. yaml-cpp's parser recurses per level (and stops at 500 levels);
// kMaxDepth refuses the 65th open collection first, which also bounds the tree (and the
// recursion of its destructor).
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view text, const std::string& file, bool ascii) : text_(text), file_(file), ascii_(ascii) {}

  Node build() {
    ViewBuffer buffer(text_.substr(0));
    std::istream in(&buffer);
    try {
      YAML::Parser parser(in);
      if (!parser.HandleNextDocument(*this)) return Node();  // nothing, or only comments
      // Read on: whatever starts a document now is more than one. (yaml-cpp's LoadAll looped
      // forever on text it cannot start a document with, such as ',': issue #1040, fixed after
      // 0.7. Here the next document's first event ends the reading, so nothing loops.)
      parser.HandleNextDocument(*this);
    } catch (const MoreText& more) {
      more_text(more.mark);
    } catch (const YAML::ParserException& e) {
      // An alias names an anchor yaml-cpp checks first: an undefined one is still an alias.
      if (e.msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) alias(e.mark);
      throw Error(location_at(file_, text_, ascii_, e.mark), "YAML syntax: " + e.msg);
    }
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_) throw MoreText{mark};
    started_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { add(Node(), mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { alias(mark); }
  // yaml-cpp tags a plain scalar "?" and a quoted or block one "!" (an explicit tag replaces
  // either, and its scalar is read as written): only a plain null word is null.
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string& value) override {
    Node node;
    if (!(tag == "?" && is_null_word(value))) {
      node.type_ = Node::Type::scalar;
      node.scalar_ = value;
    }
    add(std::move(node), mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value style) override {
    open(Node::Type::sequence, mark, style);
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value style) override {
    open(Node::Type::map, mark, style);
  }
  void OnMapEnd() override { open_.pop_back(); }

 private:
  void open(Node::Type type, const YAML::Mark& mark, YAML::EmitterStyle::value style) {
    if (open_.size() >= static_cast<std::size_t>(kMaxDepth))
      throw Error(
          location_at(file_, text_, ascii_, mark),
          fmt::format("YAML nested more than {} levels deep (convroof files are a few levels deep)", kMaxDepth));
    if (open_.empty()) flow_root_ = style == YAML::EmitterStyle::Flow;
    Node node;
    node.type_ = type;
    open_.push_back(Open{add(std::move(node), mark)});
  }

  // Places a node at `mark` in the innermost open collection (or as the root); returns it.
  Node* add(Node node, const YAML::Mark& mark) {
    const Location at = location_at(file_, text_, ascii_, mark);
    node.line_ = at.line;
    node.column_ = at.column;
    if (open_.empty()) {
      root_ = std::move(node);
      return &root_;
    }
    Open& parent = open_.back();
    if (parent.node->is_sequence()) {
      parent.node->items_.push_back(std::move(node));
      return &parent.node->items_.back();
    }
    std::vector<Entry>& entries = parent.node->entries_;
    parent.value_next = !parent.value_next;
    if (parent.value_next) {  // it was a key's turn
      entries.push_back(Entry{std::move(node), Node()});
      return &entries.back().key;
    }
    entries.back().value = std::move(node);
    return &entries.back().value;
  }

  [[noreturn]] void alias(const YAML::Mark& mark) const {
    throw Error(location_at(file_, text_, ascii_, mark),
                "YAML aliases ('*name') are not supported: write the value out");
  }

  // Text after the first document's root, at `mark`: a second document when it starts with
  // '---' or follows a '...' (which ends a document), else a syntax error.
  [[noreturn]] void more_text(const YAML::Mark& mark) const {
    const std::size_t at = std::min(content_start(text_) + static_cast<std::size_t>(mark.pos), text_.size());
    const std::string_view rest = text_.substr(at);
    const bool marker = rest.substr(0, 3) == "---" || after_document_end(at);
    const Location where = location_at(file_, text_, ascii_, mark);
    if (marker) throw Error(where, "a second YAML document ('---'): one file holds one spec or workload");
    if (flow_root_) throw Error(where, "YAML syntax: text after the document's closing bracket");
    throw Error(where, fmt::format("YAML syntax: unexpected '{}'", rest.substr(0, rest.find_first_of(" \t\r\n"))));
  }

  // True when the last line with content before offset `at` is a document end marker '...'.
  bool after_document_end(std::size_t at) const {
    std::size_t end = text_.rfind('\n', at == 0 ? 0 : at - 1);  // the line break before `at`'s line
    while (end != std::string_view::npos && end > 0) {
      const std::size_t start = text_.rfind('\n', end - 1) + 1;  // npos + 1 == 0
      std::string_view line = text_.substr(start, end - start);
      end = start == 0 ? std::string_view::npos : start - 1;
      if (const std::size_t hash = line.find(" #"); hash != std::string_view::npos) line = line.substr(0, hash);
      line = line.substr(0, line.find_last_not_of(" \t\r") + 1);  // npos + 1 == 0: all blank
      if (line.empty() || line.front() == '#') continue;
      return line == "...";
    }
    return false;
  }

  std::string_view text_;
  const std::string& file_;
  bool ascii_;  // no byte above 0x7F: yaml-cpp's byte columns are character columns
  Node root_;
  bool started_ = false;
  bool flow_root_ = false;
  struct Open {
    Node* node;
    bool value_next = false;  // a mapping whose last entry waits for its value
  };
  std::vector<Open> open_;
};

Node parse_document(const std::string& text, const std::string& file) {
  require_utf8(text, Location{file, 1, 1});
  const Unprintable bad = first_unprintable(text);
  if (bad.offset != std::string_view::npos)
    throw Error(location_at(file, text, bad.offset), fmt::format("YAML: control characters are not allowed (U+{:04X})",
                                                                 static_cast<std::uint32_t>(bad.code)));
  return TreeBuilder(text, file, bad.ascii).build();
}

Location location(const Node& node, const std::string& file) {
  return Location{file, node.line(), node.column()};
}

void check_schema(const Node& root, const std::string& file, std::string_view expected) {
  if (root.is_null())
    throw Error(Location{file, 0, 0},
                fmt::format("the file is empty (or only comments); expected a document with 'schema: {}'", expected));
  if (root.is_scalar() && root.scalar().rfind("version https://git-lfs.github.com/spec/", 0) == 0)
    throw Error(location(root, file), "this is a Git LFS pointer, not the file it stands for: fetch it with "
                                      "`git lfs pull` (or download the file itself)");
  for (const auto& entry : root.entries())
    if (entry.key.scalar() == "schema" && entry.value.is_scalar() && entry.value.scalar() != expected)
      throw Error(location(entry.value, file),
                  fmt::format("unsupported schema '{}' (expected '{}')", entry.value.scalar(), expected));
}

std::string describe(const Node& node) {
  switch (node.type()) {
    case Node::Type::map:
      return "a mapping";
    case Node::Type::sequence:
      return "a list";
    case Node::Type::scalar:
      return fmt::format("'{}'", node.scalar());
    case Node::Type::null:
      break;
  }
  return "nothing (null)";
}

MapReader::MapReader(const Node& node, std::string file, std::string what,
                     const std::vector<std::string>& allowed_keys)
    : node_(&node), file_(std::move(file)), what_(std::move(what)) {
  if (!node.is_map())
    throw Error(location(node, file_), fmt::format("{} must be a mapping, got {}", what_, describe(node)));
  std::set<std::string> seen;
  for (const auto& entry : node.entries()) {
    if (!entry.key.is_scalar())
      throw Error(location(entry.key, file_), fmt::format("{}: keys must be plain names", what_));
    const std::string& key = entry.key.scalar();
    bool known = false;
    for (const auto& allowed : allowed_keys) known = known || allowed == key;
    if (!known)
      throw Error(location(entry.key, file_), fmt::format("unknown key '{}' in {}{}; valid keys: {}", key, what_,
                                                            did_you_mean(key, allowed_keys), join(allowed_keys)));
    if (!seen.insert(key).second)
      throw Error(location(entry.key, file_), fmt::format("duplicate key '{}' in {}", key, what_));
  }
}

bool MapReader::has(const std::string& key) const {
  return optional(key) != nullptr;
}

const Node* MapReader::optional(const std::string& key) const {
  for (const auto& entry : node_->entries())
    if (entry.key.scalar() == key) return &entry.value;
  return nullptr;
}

const Node& MapReader::required(const std::string& key) const {
  const Node* value = optional(key);
  if (!value) throw Error(where(), fmt::format("{} is missing required key '{}'", what_, key));
  // An empty value's position is where the next token starts, often the next line: name the key.
  if (value->is_null()) throw Error(key_where(key), fmt::format("'{}' in {} has no value", key, what_));
  return *value;
}

Location MapReader::where(const std::string& key) const {
  const Node* value = optional(key);
  return value ? location(*value, file_) : where();
}

Location MapReader::key_where(const std::string& key) const {
  for (const auto& entry : node_->entries())
    if (entry.key.scalar() == key) return location(entry.key, file_);
  return where();
}

std::string MapReader::string(const std::string& key) const {
  std::string value = as_string(required(key), file_, fmt::format("'{}' in {}", key, what_));
  if (value.empty()) throw Error(where(key), fmt::format("'{}' in {} must not be empty", key, what_));
  return value;
}

std::optional<std::string> MapReader::optional_string(const std::string& key) const {
  const Node* value = optional(key);
  if (!value) return std::nullopt;
  return as_string(*value, file_, fmt::format("'{}' in {}", key, what_));
}

long long MapReader::integer(const std::string& key, long long minimum) const {
  return as_integer(required(key), file_, fmt::format("'{}' in {}", key, what_), minimum);
}

long long MapReader::integer_or(const std::string& key, long long fallback, long long minimum) const {
  const Node* value = optional(key);
  if (!value) return fallback;
  return as_integer(*value, file_, fmt::format("'{}' in {}", key, what_), minimum);
}

bool MapReader::boolean_or(const std::string& key, bool fallback) const {
  const Node* value = optional(key);
  if (!value) return fallback;
  if (value->is_scalar()) {
    const std::string& text = value->scalar();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  throw Error(location(*value, file_),
              fmt::format("'{}' in {} must be true or false, got {}", key, what_, describe(*value)));
}

Quantity MapReader::quantity(const std::string& key, const std::vector<Dimension>& expected, bool allow_zero) const {
  return as_quantity(required(key), file_, expected, allow_zero);
}

std::string as_string(const Node& node, const std::string& file, const std::string& what) {
  if (!node.is_scalar())
    throw Error(location(node, file), fmt::format("{} must be a string, got {}", what, describe(node)));
  return node.scalar();
}

long long as_integer(const Node& node, const std::string& file, const std::string& what, long long minimum) {
  long long value = 0;
  if (!node.is_scalar() || !parse_int(node.scalar(), value))
    throw Error(location(node, file), fmt::format("{} must be an integer, got {}", what, describe(node)));
  if (value < minimum)
    throw Error(location(node, file), fmt::format("{} must be at least {}, got {}", what, minimum, value));
  return value;
}

Quantity as_quantity(const Node& node, const std::string& file, const std::vector<Dimension>& expected,
                     bool allow_zero) {
  if (!node.is_scalar())
    throw Error(location(node, file), fmt::format("expected a quantity with a unit, got {}", describe(node)));
  return parse_quantity(node.scalar(), expected, location(node, file), allow_zero);
}

OpClass op_class_key(const Node& key, const std::string& file, const std::string& where) {
  auto op_class = parse_op_class(key.scalar());
  if (!op_class)
    throw Error(location(key, file), fmt::format("unknown op class '{}' in '{}'{}; valid: {}", key.scalar(), where,
                                                 did_you_mean(key.scalar(), op_class_names()), join(op_class_names())));
  return *op_class;
}

}  // namespace convroof::yaml
