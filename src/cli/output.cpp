// Writing reports (output.hpp). A regular file (or a new one) is replaced atomically: a
// temporary file beside it, then rename. Anything else that exists at the path (/dev/null, a
// FIFO, a terminal) is written in place: renaming over it would replace the device with a file
// (as root, /dev/null itself). SIGINT, SIGTERM or SIGHUP while the temporary file exists
// removes it, then ends the process as the signal would have.
#include "output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "convroof/error.hpp"

namespace convroof::cli {

namespace {

// The temporary file being written, for the signal handler (which may only use
// async-signal-safe calls: unlink, signal, raise).
char g_temporary[4096];
volatile std::sig_atomic_t g_temporary_exists = 0;
constexpr std::array kCleanupSignals{SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temporary_and_reraise(int signal_number) {
  if (g_temporary_exists) ::unlink(g_temporary);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Installs the handler for the lifetime of one write, restoring the previous ones after.
class TemporaryFileGuard {
 public:
  explicit TemporaryFileGuard(const std::string& pattern) {
    std::memcpy(g_temporary, pattern.c_str(), pattern.size() + 1);
    struct sigaction action {};
    action.sa_handler = remove_temporary_and_reraise;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kCleanupSignals.size(); ++i) sigaction(kCleanupSignals[i], &action, &previous_[i]);
  }
  ~TemporaryFileGuard() {
    g_temporary_exists = 0;
    for (std::size_t i = 0; i < kCleanupSignals.size(); ++i) sigaction(kCleanupSignals[i], &previous_[i], nullptr);
  }
  TemporaryFileGuard(const TemporaryFileGuard&) = delete;
  TemporaryFileGuard& operator=(const TemporaryFileGuard&) = delete;

 private:
  std::array<struct sigaction, kCleanupSignals.size()> previous_{};
};

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
  const std::string pattern = path + ".tmp.XXXXXX";
  if (pattern.size() >= sizeof g_temporary) throw Error(Location{path, 0, 0}, "the output path is too long");
  TemporaryFileGuard guard(pattern);
  g_temporary_exists = 1;  // before mkstemp: the handler's unlink of a name not yet made is harmless
  int fd = mkstemp(g_temporary);
  if (fd < 0) throw Error(Location{path, 0, 0}, std::string("cannot create output file: ") + std::strerror(errno));
  bool ok = write_all(fd, content);
  int saved = errno;
  ok = ::close(fd) == 0 && ok;
  // Fault injection for tests/cli/commands.sh: a SIGINT after the content is written, before
  // the rename, must leave neither the destination changed nor the temporary file behind.
  if (const char* interrupt = std::getenv("CONVROOF_TEST_INTERRUPT_WRITE"); interrupt && *interrupt) std::raise(SIGINT);
  if (ok) {
    // mkstemp creates 0600; give the report the usual 0666 & ~umask.
    mode_t mask = umask(0);
    umask(mask);
    chmod(g_temporary, 0666 & ~mask);
    ok = std::rename(g_temporary, path.c_str()) == 0;
    saved = errno;
  }
  if (!ok) {
    std::remove(g_temporary);
    throw Error(Location{path, 0, 0}, std::string("cannot write output file: ") + std::strerror(saved));
  }
}

}  // namespace convroof::cli
