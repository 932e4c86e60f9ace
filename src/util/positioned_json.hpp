// Reading JSON with source positions: nlohmann's DOM has none, so the text is parsed with
// sax_parse through an iterator that records how many bytes the parser has consumed. Each SAX
// event comes right after its token was read, so the token's start is found by looking back
// from there (a string: to its unescaped opening quote; a number: over its characters, past
// the one look-ahead byte). Used by the readers of reports (diff) and measurements (validate):
// every error names file:line:col and the JSON path of the offending value.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "convroof/error.hpp"

namespace convroof::json_input {

using Dom = nlohmann::ordered_json;  // keys in file order (machine facts keep theirs)

// Byte offset -> 1-based line and column.
class SourceMap {
 public:
  SourceMap(std::string_view text, std::string file) : file_(std::move(file)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
  Location at(std::size_t offset) const {
    auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    auto line = static_cast<int>(next_line - line_starts_.begin());
    return Location{file_, line, static_cast<int>(offset - line_starts_[line - 1]) + 1};
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::size_t> line_starts_;
};

// A forward iterator over the text whose dereference records the bytes consumed so far.
class CountingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator() = default;
  CountingIterator(const char* begin, const char* at, std::size_t* consumed)
      : begin_(begin), at_(at), consumed_(consumed) {}
  reference operator*() const {
    *consumed_ = static_cast<std::size_t>(at_ - begin_) + 1;
    return *at_;
  }
  CountingIterator& operator++() {
    ++at_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++at_;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }

 private:
  const char* begin_ = nullptr;
  const char* at_ = nullptr;
  std::size_t* consumed_ = nullptr;
};

inline std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// nlohmann's message without its "[json.exception…] parse error at line L, column C: " prefix.
inline std::string parse_error_text(const std::string& what) {
  std::size_t column = what.find("column ");
  std::size_t colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
  if (colon != std::string::npos) return what.substr(colon + 2);
  std::size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// The SAX handler: builds the DOM and records where each value starts.
class PositionedDom {
 public:
  static constexpr std::size_t kMaxDepth = 64;

  PositionedDom(std::string_view text, const std::size_t& consumed, const SourceMap& source)
      : text_(text), consumed_(consumed), source_(source) {}

  Dom root;
  std::map<std::string, std::size_t> offsets;  // path -> byte offset of the value

  bool null() { return add(nullptr, consumed_ - 4); }
  bool boolean(bool value) { return add(value, consumed_ - (value ? 4 : 5)); }
  bool number_integer(Dom::number_integer_t value) { return add(value, number_start()); }
  bool number_unsigned(Dom::number_unsigned_t value) { return add(value, number_start()); }
  bool number_float(Dom::number_float_t value, const Dom::string_t&) { return add(value, number_start()); }
  bool string(Dom::string_t& value) { return add(value, string_start()); }
  bool binary(Dom::binary_t& value) { return add(Dom::binary(value), consumed_); }  // not in JSON text
  bool start_object(std::size_t) { return open(Dom::object()); }
  bool start_array(std::size_t) { return open(Dom::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Dom::string_t& name) {
    const Frame& parent = stack_.back();
    if (parent.value->contains(name)) {
      throw Error(source_.at(string_start()), fmt::format("duplicate key '{}'", child_path(parent.path, name)));
    }
    key_ = name;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
    // `position` counts the bytes read, the offending one included.
    throw Error(source_.at(position > 0 ? position - 1 : 0), "invalid JSON: " + parse_error_text(error.what()));
  }

 private:
  struct Frame {
    Dom* value;
    std::string path;
  };

  Frame place(Dom value, std::size_t offset) {
    Frame placed{&root, ""};
    if (stack_.empty()) {
      root = std::move(value);
    } else if (Frame& parent = stack_.back(); parent.value->is_array()) {
      placed.path = fmt::format("{}[{}]", parent.path, parent.value->size());
      parent.value->push_back(std::move(value));
      placed.value = &parent.value->back();
    } else {
      placed.path = child_path(parent.path, key_);
      placed.value = &((*parent.value)[key_] = std::move(value));
    }
    offsets[placed.path] = offset;
    return placed;
  }
  bool add(Dom value, std::size_t offset) {
    place(std::move(value), offset);
    return true;
  }
  bool open(Dom container) {
    // Reports and measurement files are 5 levels deep; a bound keeps a hostile file's
    // nesting (and the JSON paths kept per level) from taking the memory.
    if (stack_.size() >= kMaxDepth)
      throw Error(source_.at(consumed_ - 1), fmt::format("JSON nested deeper than {} levels", kMaxDepth));
    stack_.push_back(place(std::move(container), consumed_ - 1));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  // The string token ends at consumed_ - 1 (its closing quote): look back for the opening quote,
  // the first one not escaped (preceded by an even number of backslashes).
  std::size_t string_start() const {
    for (std::size_t i = consumed_ - 1; i-- > 0;) {
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return 0;
  }
  // A number is read with one byte of look-ahead (unless it ends the text).
  std::size_t number_start() const {
    auto in_number = [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || std::string_view("+-.eE").find(c) != std::string_view::npos;
    };
    std::size_t i = consumed_;
    if (i > 0 && !in_number(text_[i - 1])) --i;
    while (i > 0 && in_number(text_[i - 1])) --i;
    return i;
  }

  std::string_view text_;
  const std::size_t& consumed_;
  const SourceMap& source_;
  std::vector<Frame> stack_;
  std::string key_;
};

// Checked access to fields; every error points at the value or, for a missing one, its object.
enum class Kind { object, array, string, number, integer, boolean };

class JsonReader {
 public:
  JsonReader(const PositionedDom& dom, const SourceMap& source) : dom_(dom), source_(source) {}

  Location at(const std::string& path) const {
    auto it = dom_.offsets.find(path);
    return it == dom_.offsets.end() ? Location{source_.file(), 0, 0} : source_.at(it->second);
  }

  const Dom& require(const Dom& object, const std::string& object_path, const std::string& key, Kind kind) const {
    std::string path = child_path(object_path, key);
    auto it = object.find(key);
    if (it == object.end()) throw Error(at(object_path), fmt::format("missing field '{}'", path));
    check(*it, path, kind);
    return *it;
  }

  void check(const Dom& value, const std::string& path, Kind kind) const {
    bool matches = (kind == Kind::object && value.is_object()) || (kind == Kind::array && value.is_array()) ||
                   (kind == Kind::string && value.is_string()) || (kind == Kind::number && value.is_number()) ||
                   (kind == Kind::integer && value.is_number_integer()) ||
                   (kind == Kind::boolean && value.is_boolean());
    if (!matches) throw Error(at(path), fmt::format("'{}' must be {}, got {}", path, kind_name(kind), describe(value)));
    if (value.is_number() && value.get<double>() < 0)
      throw Error(at(path), fmt::format("'{}' must not be negative, got {}", path, value.dump()));
  }

  std::string text(const Dom& object, const std::string& object_path, const std::string& key, Kind kind) const {
    const Dom& value = require(object, object_path, key, kind);
    return value.is_string() ? value.get<std::string>() : value.dump();
  }

  double number(const Dom& object, const std::string& object_path, const std::string& key) const {
    return require(object, object_path, key, Kind::number).get<double>();
  }

  bool boolean(const Dom& object, const std::string& object_path, const std::string& key) const {
    return require(object, object_path, key, Kind::boolean).get<bool>();
  }

 private:
  static std::string_view kind_name(Kind kind) {
    switch (kind) {
      case Kind::object:
        return "an object";
      case Kind::array:
        return "an array";
      case Kind::string:
        return "a string";
      case Kind::number:
        return "a number";
      case Kind::integer:
        return "an integer";
      case Kind::boolean:
        return "true or false";
    }
    return "";
  }
  static std::string describe(const Dom& value) {
    if (value.is_object() || value.is_array() || value.is_null()) return value.type_name();
    return fmt::format("{} {}", value.type_name(), value.dump());
  }

  const PositionedDom& dom_;
  const SourceMap& source_;
};

// A text parsed once, with its reader. Not copyable: the reader refers into it.
class PositionedJson {
 public:
  PositionedJson(std::string_view text, std::string file)
      : source_(text, std::move(file)), dom_(text, consumed_, source_) {
    CountingIterator first(text.data(), text.data(), &consumed_);
    CountingIterator last(text.data(), text.data() + text.size(), &consumed_);
    Dom::sax_parse(first, last, &dom_);
  }
  PositionedJson(const PositionedJson&) = delete;
  PositionedJson& operator=(const PositionedJson&) = delete;

  const Dom& root() const { return dom_.root; }
  JsonReader reader() const { return JsonReader(dom_, source_); }

 private:
  std::size_t consumed_ = 0;
  SourceMap source_;
  PositionedDom dom_;
};

}  // namespace convroof::json_input
