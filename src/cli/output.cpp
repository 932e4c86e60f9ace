// Writing reports (output.hpp). A regular file (or a new one) is replaced atomically: a
// temporary file beside it, then rename. Anything else that exists at the path (/dev/null, a
// FIFO, a terminal) is written in place: renaming over it would replace the device with a file
// (as root, /dev/null itself).
#include "output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

#include "convroof/error.hpp"

namespace convroof::cli {

namespace {

// Writes all of `content` to `fd`; false (errno set) on failure.
bool write_all(int fd, const std::string& content) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  return true;
}

}  // namespace

void write_output(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::cout << content;
    std::cout.flush();
    return;
  }
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode) && !S_ISDIR(existing.st_mode)) {
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
    bool ok = fd >= 0 && write_all(fd, content);
    int saved = errno;
    if (fd >= 0) ok = ::close(fd) == 0 && ok;
    if (!ok) throw Error(Location{path, 0, 0}, std::string("cannot write output file: ") + std::strerror(saved));
    return;
  }
  std::string pattern = path + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) throw Error(Location{path, 0, 0}, std::string("cannot create output file: ") + std::strerror(errno));
  bool ok = write_all(fd, content);
  int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (ok) {
    // mkstemp creates 0600; give the report the usual 0666 & ~umask.
    mode_t mask = umask(0);
    umask(mask);
    chmod(name.data(), 0666 & ~mask);
    ok = std::rename(name.data(), path.c_str()) == 0;
    saved = errno;
  }
  if (!ok) {
    std::remove(name.data());
    throw Error(Location{path, 0, 0}, std::string("cannot write output file: ") + std::strerror(saved));
  }
}

}  // namespace convroof::cli
