// The one error type every loader and the engine throw.
//
// An Error carries where the problem is (file, 1-based line and column; line 0 when
// the problem is not in a file, e.g. a command-line flag) and a message. Only the CLI's
// main() prints it, as `file:line:col: error: message`, and maps it to exit code 2.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace convroof {

struct Location {
  std::string file;  // file path, "builtin:hardware/orin.yaml", "--layer", "--set", …
  int line = 0;      // 1-based; 0 = no line (the whole file / argument)
  int column = 0;    // 1-based; 0 = no column
};

class Error : public std::runtime_error {
 public:
  Error(Location where, const std::string& message) : std::runtime_error(message), where_(std::move(where)) {}
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  const Location& where() const { return where_; }
  // "file:line:col: error: message" (parts that are unknown are left out).
  std::string formatted() const;

 private:
  Location where_;
};

// A warning: not an error, the run goes on and the report carries it as a note,
// "file:line:col: warning: message" (parts that are unknown are left out).
std::string warning_text(const Location& where, const std::string& message);

// Closest candidate by edit distance, or "" when none is close enough to be a likely typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);
// "unknown X 'word' (did you mean 'y'?)" helper text: " (did you mean 'y'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace convroof
