#include "convroof/error.hpp"

#include <algorithm>
#include <cctype>

namespace convroof {

namespace {
// "file:line:col: " with the unknown parts left out.
std::string location_prefix(const Location& where) {
  std::string prefix;
  if (!where.file.empty()) {
    prefix = where.file;
    if (where.line > 0) {
      prefix.append(":").append(std::to_string(where.line));
      if (where.column > 0) prefix.append(":").append(std::to_string(where.column));
    }
    prefix.append(": ");
  }
  return prefix;
}
}  // namespace

std::string Error::formatted() const {
  return location_prefix(where_).append("error: ").append(what());
}

std::string warning_text(const Location& where, const std::string& message) {
  return location_prefix(where).append("warning: ").append(message);
}

namespace {
// Levenshtein distance, case-insensitive (a typo in case is still a typo).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    std::size_t d = edit_distance(word, candidate);
    if (best.empty() || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // Accept up to a third of the word's length as typos (at least 1, at most 3).
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  return (!best.empty() && best_distance <= limit) ? best : std::string{};
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string match = closest_match(word, candidates);
  return match.empty() ? std::string{} : " (did you mean '" + match + "'?)";
}

}  // namespace convroof
