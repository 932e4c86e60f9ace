// UTF-8 validation (text_checks.hpp).
#include "text_checks.hpp"

#include <fmt/format.h>

namespace convroof {

// Well-formed sequences (RFC 3629, table 3-7 of the Unicode standard):
//   00..7F | C2..DF 80..BF | E0 A0..BF 80..BF | E1..EC 80..BF 80..BF | ED 80..9F 80..BF
//   | EE..EF 80..BF 80..BF | F0 90..BF 80..BF 80..BF | F1..F3 80..BF 80..BF 80..BF
//   | F4 80..8F 80..BF 80..BF
std::size_t invalid_utf8_at(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the second byte's range
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + static_cast<std::size_t>(length) > size) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (int k = 2; k < length; ++k)
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) return i;
    i += static_cast<std::size_t>(length);
  }
  return std::string_view::npos;
}

void require_utf8(std::string_view text, Location where) {
  const std::size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos) return;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++where.line;
      where.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++where.column;  // columns count characters, not continuation bytes
    }
  }
  throw Error(where, fmt::format("byte 0x{:02X} is not UTF-8 (files and arguments must be UTF-8 text)",
                                 static_cast<unsigned char>(text[at])));
}

bool is_identifier(std::string_view text) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (text.empty() || !lower_or_digit(text.front())) return false;
  for (char c : text.substr(1))
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

}  // namespace convroof
