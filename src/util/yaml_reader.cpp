#include "yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <set>

#include "convroof/kinds.hpp"
#include "text_checks.hpp"

namespace convroof::yaml {

namespace {

// The 1-based line and column of a byte offset (libyaml's reader errors give offsets).
Location location_at(const std::string& file, const std::string& text, std::size_t offset) {
  const std::string_view before(text.data(), std::min(offset, text.size()));
  const std::size_t last_newline = before.rfind('\n');
  const auto line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const auto column = static_cast<int>(last_newline == std::string_view::npos ? before.size()
                                                                               : before.size() - last_newline - 1);
  return Location{file, line, column + 1};
}

Location location_at(const std::string& file, const yaml_mark_t& mark) {
  return Location{file, static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
}

bool is_null_word(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

}  // namespace

// Builds the tree from libyaml's events. The open collections are a stack of pointers: each
// is the last element of its parent, and a parent gains no element while its child is open,
// so the pointers stay valid. libyaml keeps its own state on a heap stack, not recursion;
// kMaxDepth bounds the tree (and the recursion of its destructor).
class TreeBuilder {
 public:
  TreeBuilder(const std::string& text, const std::string& file) : text_(text), file_(file) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~TreeBuilder() { yaml_parser_delete(&parser_); }
  TreeBuilder(const TreeBuilder&) = delete;
  TreeBuilder& operator=(const TreeBuilder&) = delete;

  Node build() {
    Node root;
    int documents = 0;
    for (;;) {
      Event event(parser_);
      if (!event.ok) syntax_error();
      const yaml_event_t& e = event.event;
      const Location at = location_at(file_, e.start_mark);
      switch (e.type) {
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1) throw Error(at, "a second YAML document ('---'): one file holds one spec or workload");
          break;
        case YAML_STREAM_END_EVENT:
          return root;
        case YAML_ALIAS_EVENT:
          throw Error(at, "YAML aliases ('*name') are not supported: write the value out");
        case YAML_SCALAR_EVENT: {
          const std::string_view text(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
          Node node;
          if (!(e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && is_null_word(text))) {
            node.type_ = Node::Type::scalar;
            node.scalar_ = std::string(text);
          }
          add(root, std::move(node), at);
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          if (open_.size() >= static_cast<std::size_t>(kMaxDepth))
            throw Error(at, fmt::format("YAML nested more than {} levels deep (convroof files are a few levels deep)",
                                        kMaxDepth));
          Node node;
          node.type_ = e.type == YAML_SEQUENCE_START_EVENT ? Node::Type::sequence : Node::Type::map;
          open_.push_back(Open{add(root, std::move(node), at)});
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          open_.pop_back();
          break;
        default:  // stream start, document end
          break;
      }
    }
  }

 private:
  struct Event {
    explicit Event(yaml_parser_t& parser) : ok(yaml_parser_parse(&parser, &event) != 0) {}
    ~Event() {
      if (ok) yaml_event_delete(&event);
    }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    yaml_event_t event{};
    bool ok;
  };

  // Places a node at `at` in the innermost open collection (or as the root); returns it.
  Node* add(Node& root, Node node, const Location& at) {
    node.line_ = at.line;
    node.column_ = at.column;
    if (open_.empty()) {
      root = std::move(node);
      return &root;
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

  [[noreturn]] void syntax_error() const {
    const std::string problem = parser_.problem ? parser_.problem : "unreadable input";
    if (parser_.error == YAML_READER_ERROR)
      throw Error(location_at(file_, text_, parser_.problem_offset), "YAML: " + problem);
    std::string message = "YAML syntax: " + problem;
    if (parser_.context)
      message += fmt::format(" ({} at line {}, column {})", parser_.context, parser_.context_mark.line + 1,
                             parser_.context_mark.column + 1);
    throw Error(location_at(file_, parser_.problem_mark), message);
  }

  const std::string& text_;
  const std::string& file_;
  yaml_parser_t parser_{};
  struct Open {
    Node* node;
    bool value_next = false;  // a mapping whose last entry waits for its value
  };
  std::vector<Open> open_;
};

Node parse_document(const std::string& text, const std::string& file) {
  require_utf8(text, Location{file, 1, 1});
  return TreeBuilder(text, file).build();
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
