// Writing a report: to stdout, or atomically to a file (temporary file in the same
// directory, then rename), so an error never leaves a partial or stale-looking file.
#pragma once

#include <string>

namespace convroof::cli {

// Writes `content` to `path` ("-" or "" = stdout). Throws Error naming the path on failure;
// the destination is then untouched.
void write_output(const std::string& path, const std::string& content);

}  // namespace convroof::cli
