// Strict, location-aware reading of YAML for the loaders.
//
// A document is parsed by yaml-cpp's event API (YAML::Parser feeding an EventHandler; Debian's
// libyaml-cpp-dev) into a tree of Nodes that keep their 1-based line and column (columns in
// characters). Every accessor throws convroof::Error at the node's file:line:col. A MapReader
// checks a mapping once for unknown keys (with a "did you mean") and duplicate keys before any
// value is read, so the first error a user sees is the first problem in the file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "convroof/error.hpp"
#include "convroof/kinds.hpp"
#include "convroof/units.hpp"

namespace convroof::yaml {

struct Entry;

// One node of a document: null, a scalar (its text as written, quotes removed), a sequence
// or a mapping (its entries in file order, duplicates kept for MapReader to report).
// A plain `~`, `null`, `Null`, `NULL` or nothing is null; quoted, they are strings.
class Node {
 public:
  enum class Type { null, scalar, sequence, map };

  Node() = default;  // null, at no position
  // A scalar the program makes (a one-line layer's word): at no position unless given one.
  explicit Node(std::string scalar, int line = 0, int column = 0);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_scalar() const { return type_ == Type::scalar; }
  bool is_sequence() const { return type_ == Type::sequence; }
  bool is_map() const { return type_ == Type::map; }
  const std::string& scalar() const { return scalar_; }  // "" unless a scalar
  std::size_t size() const;  // items of a sequence, entries of a mapping
  const Node& operator[](std::size_t i) const { return items_[i]; }  // sequence item i < size()
  const std::vector<Node>& items() const { return items_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // 1-based; 0 for a node the program made.
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  friend class TreeBuilder;
  Type type_ = Type::null;
  std::string scalar_;
  std::vector<Node> items_;
  std::vector<Entry> entries_;
  int line_ = 0;
  int column_ = 0;
};

struct Entry {
  Node key;
  Node value;
};

// Defined once Entry is complete (a member's vector<Entry> needs it).
inline Node::Node(std::string scalar, int line, int column)
    : type_(Type::scalar), scalar_(std::move(scalar)), line_(line), column_(column) {}
inline std::size_t Node::size() const { return is_map() ? entries_.size() : items_.size(); }

// Parses one whole document; a syntax error, a second document, an alias or nesting deeper
// than kMaxDepth is an Error at its position.
inline constexpr int kMaxDepth = 64;
Node parse_document(const std::string& text, const std::string& file);

Location location(const Node& node, const std::string& file);

// When the document is a mapping whose `schema` is a string other than `expected`, throws
// at that value: a workload given as a hardware spec (or the reverse) says so first.
void check_schema(const Node& root, const std::string& file, std::string_view expected);

// A short description of the node's type for messages: "a mapping", "a list", "a string".
std::string describe(const Node& node);

class MapReader {
 public:
  // `what` names the map for messages ("hardware spec", "layer 'conv1'").
  MapReader(const Node& node, std::string file, std::string what, const std::vector<std::string>& allowed_keys);

  bool has(const std::string& key) const;
  const Node* optional(const std::string& key) const;  // nullptr when absent
  const Node& required(const std::string& key) const;  // present and not null
  const Node& node() const { return *node_; }
  const std::string& file() const { return file_; }
  Location where() const { return location(*node_, file_); }
  Location where(const std::string& key) const;      // location of the key's value
  Location key_where(const std::string& key) const;  // location of the key itself

  std::string string(const std::string& key) const;  // required, non-empty string
  std::optional<std::string> optional_string(const std::string& key) const;
  long long integer(const std::string& key, long long minimum) const;  // required
  long long integer_or(const std::string& key, long long fallback, long long minimum) const;
  bool boolean_or(const std::string& key, bool fallback) const;
  Quantity quantity(const std::string& key, const std::vector<Dimension>& expected, bool allow_zero = false) const;

 private:
  const Node* node_;  // into a document that outlives the reader
  std::string file_;
  std::string what_;
};

std::string as_string(const Node& node, const std::string& file, const std::string& what);
long long as_integer(const Node& node, const std::string& file, const std::string& what, long long minimum);
Quantity as_quantity(const Node& node, const std::string& file, const std::vector<Dimension>& expected,
                     bool allow_zero = false);

// An op class named by a map key (`routing`, `efficiency`); `where` names the map in the error.
OpClass op_class_key(const Node& key, const std::string& file, const std::string& where);

}  // namespace convroof::yaml
