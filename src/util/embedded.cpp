#include "embedded.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "convroof/error.hpp"

namespace convroof {

std::vector<std::string> embedded_ids(std::string_view folder) {
  std::vector<std::string> ids;
  std::string prefix = std::string(folder) + "/";
  for (const auto& file : embedded_files()) {
    if (file.path.substr(0, prefix.size()) != prefix) continue;
    std::string_view name = file.path.substr(prefix.size());
    if (name.size() > 5 && name.substr(name.size() - 5) == ".yaml") ids.emplace_back(name.substr(0, name.size() - 5));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

const EmbeddedFile* find_embedded(std::string_view folder, std::string_view id) {
  std::string path = std::string(folder) + "/" + std::string(id) + ".yaml";
  for (const auto& file : embedded_files())
    if (file.path == path) return &file;
  return nullptr;
}

std::string read_text_file(const std::string& path, std::size_t limit, std::string_view kind) {
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw Error(Location{path, 0, 0}, "no such file");
  if (std::filesystem::is_directory(status))
    throw Error(Location{path, 0, 0}, fmt::format("is a directory, not {}", kind));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Location{path, 0, 0}, "cannot open file (permission denied?)");
  // At most one byte past the limit is read, so /dev/zero or an endless FIFO ends too. The
  // text grows by chunks: a buffer of the limit's size up front (64 MiB, zero-filled) cost more
  // than the analysis itself (docs/performance.md, "Figures behind code choices").
  const std::size_t bound = std::min(limit, kMaxTextFileBytes + 1);
  std::string text;
  for (std::size_t chunk = 64 << 10; text.size() < bound && in; chunk *= 2) {
    const std::size_t at = text.size();
    text.resize(std::min(bound, at + chunk));
    in.read(text.data() + at, static_cast<std::streamsize>(text.size() - at));
    text.resize(at + static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(Location{path, 0, 0}, "cannot read file");
  if (text.size() > kMaxTextFileBytes)
    throw Error(Location{path, 0, 0},
                fmt::format("is larger than {} MiB, the limit for {}", kMaxTextFileBytes >> 20, kind));
  return text;
}

bool looks_like_path(const std::string& argument) {
  auto ends_with = [&](std::string_view suffix) {
    return argument.size() >= suffix.size() &&
           argument.compare(argument.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return argument.find('/') != std::string::npos || ends_with(".yaml") || ends_with(".yml") || ends_with(".onnx");
}

}  // namespace convroof
