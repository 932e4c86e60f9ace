// Checks on text read from files and arguments, and JSON written back out.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "convroof/error.hpp"

namespace convroof {

// The offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or npos when all of it is.
std::size_t invalid_utf8_at(std::string_view text);

// Throws Error at the line and column of the first byte of `text` that is not UTF-8 (the
// reports are JSON, which is UTF-8). `where` is the position of text[0]; lines count from it.
void require_utf8(std::string_view text, Location where);

// True when `text` is an id of a built-in spec or runtime: [a-z0-9][a-z0-9._-]* (what a file
// name, a shell word and a plain YAML scalar can all hold).
bool is_identifier(std::string_view text);

// JSON text of a report, indented by 2. Strings that are not UTF-8 (a file name given on the
// command line, which Linux does not constrain) get U+FFFD for each bad byte instead of failing.
template <class Json>
std::string json_text(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace convroof
