// The built-in hardware specs and workloads, embedded in the binary at build time by
// cmake/embed.cmake from hardware/*.yaml and workloads/*.yaml (so the tool works from
// any directory and never touches the file system to find them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace convroof {

struct EmbeddedFile {
  std::string_view path;     // "hardware/orin.yaml"
  std::string_view content;  // the file's bytes
};

const std::vector<EmbeddedFile>& embedded_files();

// Ids (file stems) of the embedded files under `folder` ("hardware" or "workloads"), sorted.
std::vector<std::string> embedded_ids(std::string_view folder);
// The file hardware/<id>.yaml (or workloads/<id>.yaml), or nullptr.
const EmbeddedFile* find_embedded(std::string_view folder, std::string_view id);
// The largest text file convroof reads (a spec, a workload, a report, measurements): a
// 100,000-layer workload is about 8 MB.
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{64} << 20;
// Reads a whole file (at most `limit` bytes of it); throws Error naming the path when it
// is missing, a directory ("not KIND"), unreadable or larger than kMaxTextFileBytes.
std::string read_text_file(const std::string& path, std::size_t limit = std::string::npos,
                           std::string_view kind = "a YAML file");
// True when the argument names a file rather than a built-in id.
bool looks_like_path(const std::string& argument);

}  // namespace convroof
