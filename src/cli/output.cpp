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

void write_output(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::cout << content;
    std::cout.flush();
    return;
  }
  std::string pattern = path + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  if (fd < 0) throw Error(Location{path, 0, 0}, std::string("cannot create output file: ") + std::strerror(errno));
  const char* data = content.data();
  std::size_t left = content.size();
  bool ok = true;
  while (left > 0 && ok) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    ok = written > 0;
    if (ok) {
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }
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
