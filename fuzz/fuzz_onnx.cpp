// Fuzz target: the ONNX importer. The importer reads a path (it seeks over weight payloads),
// so each input is written to one anonymous in-memory file and read through /proc/self/fd.
// A model it accepts is analyzed on a GPU spec.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int fd = memfd_create("fuzz.onnx", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) fuzz::finding("memfd_create failed");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    fuzz::finding("cannot write the in-memory file");
  Model model;
  try {
    model = import_onnx(path, std::nullopt);
  } catch (const Error&) {
    return 0;
  }
  fuzz::analyze_and_render(model, fuzz::orin());
  return 0;
}
