// Strict, location-aware reading of yaml-cpp nodes for the loaders.
//
// Every accessor throws convroof::Error at the node's file:line:col. A MapReader checks a
// mapping once for unknown keys (with a "did you mean") and duplicate keys before any
// value is read, so the first error a user sees is the first problem in the file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "convroof/error.hpp"
#include "convroof/kinds.hpp"
#include "convroof/units.hpp"

namespace convroof::yaml {

// Parses a whole document; syntax errors become Error with the parser's location.
YAML::Node parse_document(const std::string& text, const std::string& file);

Location location(const YAML::Node& node, const std::string& file);

// When the document is a mapping whose `schema` is a string other than `expected`, throws
// at that value: a workload given as a hardware spec (or the reverse) says so first.
void check_schema(const YAML::Node& root, const std::string& file, std::string_view expected);

// A short description of the node's type for messages: "a mapping", "a list", "a string".
std::string describe(const YAML::Node& node);

class MapReader {
 public:
  // `what` names the map for messages ("hardware spec", "layer 'conv1'").
  MapReader(const YAML::Node& node, std::string file, std::string what, const std::vector<std::string>& allowed_keys);

  bool has(const std::string& key) const;
  std::optional<YAML::Node> optional(const std::string& key) const;
  YAML::Node required(const std::string& key) const;
  const YAML::Node& node() const { return node_; }
  const std::string& file() const { return file_; }
  Location where() const { return location(node_, file_); }
  Location where(const std::string& key) const;      // location of the key's value
  Location key_where(const std::string& key) const;  // location of the key itself

  std::string string(const std::string& key) const;  // required, non-empty string
  std::optional<std::string> optional_string(const std::string& key) const;
  long long integer(const std::string& key, long long minimum) const;  // required
  long long integer_or(const std::string& key, long long fallback, long long minimum) const;
  bool boolean_or(const std::string& key, bool fallback) const;
  Quantity quantity(const std::string& key, const std::vector<Dimension>& expected, bool allow_zero = false) const;

 private:
  YAML::Node node_;
  std::string file_;
  std::string what_;
};

std::string as_string(const YAML::Node& node, const std::string& file, const std::string& what);
long long as_integer(const YAML::Node& node, const std::string& file, const std::string& what, long long minimum);
Quantity as_quantity(const YAML::Node& node, const std::string& file, const std::vector<Dimension>& expected,
                     bool allow_zero = false);

// An op class named by a map key (`routing`, `efficiency`); `where` names the map in the error.
OpClass op_class_key(const YAML::Node& key, const std::string& file, const std::string& where);

}  // namespace convroof::yaml
