// Fuzz target: the TFLite importer. Like the ONNX one it reads a path (it maps the file), so
// each input is written to one anonymous in-memory file and read through /proc/self/fd. A model
// it accepts is analyzed on a GPU spec (orin) and on the MAC-array NPU (ethos-u55-128), the
// target TFLite models are converted for.
//
// A flatbuffer is offsets and scalars at fixed places: most byte mutations of a scalar field
// (a tensor index, a dimension, a stride, an opcode, a padding or activation enum) leave the
// buffer verifiable and reach the mapping, while a mutated offset or length mostly stops at
// flatbuffers::Verifier. LLVMFuzzerCustomMutator below adds one mutation libFuzzer's do not
// make often: a 4-byte-aligned little-endian word (where flatbuffers keeps int32 scalars,
// vector lengths and offsets) set to a boundary (0, 1, -1, 2^31 - 1 …) or to the old value ± a
// little, the identifier 'TFL3' at byte 4 kept; otherwise libFuzzer's own mutation.
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "fuzz_common.hpp"

using namespace convroof;

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  std::minstd_rand random(seed);
  if (size >= 16 && random() % 2 == 0) {
    constexpr std::array<std::int32_t, 14> kWords{0, 1, 2, 3, 4, 7, 8, -1, -2, 0x7fffffff, -0x7fffffff - 1,
                                                  0xffff, 1 << 24, 64};
    const std::size_t words = size / 4;
    const std::size_t word = random() % words;
    if (word == 1) return LLVMFuzzerMutate(data, size, max_size);  // the identifier
    std::int32_t value = 0;
    std::memcpy(&value, data + word * 4, 4);
    if (random() % 2) value = kWords[random() % kWords.size()];
    else value = static_cast<std::int32_t>(static_cast<std::uint32_t>(value) + (random() % 9) - 4);
    std::memcpy(data + word * 4, &value, 4);
    return size;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int fd = memfd_create("fuzz.tflite", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) fuzz::finding("memfd_create failed");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    fuzz::finding("cannot write the in-memory file");
  Model model;
  try {
    model = import_tflite(path, std::nullopt);
  } catch (const Error&) {
    return 0;
  }
  fuzz::analyze_and_render(model, fuzz::orin());
  fuzz::analyze_and_render(model, fuzz::ethos_u55());
  return 0;
}
