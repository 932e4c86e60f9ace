// Fuzz target: the ONNX importer. The importer reads a path (it mmaps the file and never reads
// weight payloads it does not need), so each input is written to one anonymous in-memory file
// and read through /proc/self/fd. A model it accepts is analyzed on a GPU spec.
//
// Byte-level mutations of a protobuf mostly break its wire format, and the importer then stops
// at the first field: they test the wire reader and little else. LLVMFuzzerCustomMutator below
// is structure-aware: it parses the input into its tree of wire fields (a length-delimited
// payload that parses completely as fields is taken as a sub-message), changes one field, and
// writes the tree back, so the result is still a well-formed protobuf and reaches shape
// inference, value propagation and the mapping. One mutation of:
//   - a varint: a boundary (0, 1, -1, 2^31, 2^62, 2^63 - 1 …) or the old value ± a little
//     (strides, pads, axes, dims, attribute types, data types, opsets);
//   - a fixed32/64: 0, NaN, ±inf, a huge value (float attributes and data);
//   - a short string: another string of the tree (rewires a node to another tensor) or an op
//     type of kOpTypes (another rule on the same operands);
//   - a field: deleted, duplicated, or a copy of another field of the tree inserted;
//   - otherwise libFuzzer's own byte mutation of a leaf's bytes (or of the whole input when it
//     does not parse).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"

using namespace convroof;

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

struct Field {
  std::uint32_t number = 0;
  int wire = 0;                // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  std::uint64_t value = 0;     // wire 0, 1, 5
  std::string bytes;           // wire 2 leaf
  std::vector<Field> children; // wire 2 sub-message
  bool message = false;
};

bool read_varint(std::string_view& in, std::uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// Parses `in` completely as fields; false when it is not a message (then `out` is partial).
bool parse_fields(std::string_view in, std::vector<Field>& out, int depth) {
  while (!in.empty()) {
    std::uint64_t key = 0;
    if (!read_varint(in, key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) return false;
    Field field;
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.wire = static_cast<int>(key & 7);
    if (field.wire == 0) {
      if (!read_varint(in, field.value)) return false;
    } else if (field.wire == 1 || field.wire == 5) {
      std::size_t width = field.wire == 1 ? 8 : 4;
      if (in.size() < width) return false;
      std::memcpy(&field.value, in.data(), width);
      in.remove_prefix(width);
    } else if (field.wire == 2) {
      std::uint64_t length = 0;
      if (!read_varint(in, length) || length > in.size()) return false;
      std::string_view payload = in.substr(0, length);
      in.remove_prefix(length);
      if (depth < 12 && !payload.empty() && parse_fields(payload, field.children, depth + 1)) {
        field.message = true;
      } else {
        field.children.clear();
        field.bytes = std::string(payload);
      }
    } else {
      return false;
    }
    out.push_back(std::move(field));
  }
  return true;
}

void write_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void write_fields(const std::vector<Field>& fields, std::string& out) {
  for (const auto& field : fields) {
    write_varint(out, (static_cast<std::uint64_t>(field.number) << 3) | static_cast<std::uint64_t>(field.wire));
    if (field.wire == 0) {
      write_varint(out, field.value);
    } else if (field.wire == 1 || field.wire == 5) {
      char raw[8];
      std::memcpy(raw, &field.value, 8);
      out.append(raw, field.wire == 1 ? 8 : 4);
    } else {
      std::string payload;
      if (field.message) write_fields(field.children, payload);
      else payload = field.bytes;
      write_varint(out, payload.size());
      out += payload;
    }
  }
}

// Every field of the tree with the list that holds it.
struct Site {
  std::vector<Field>* siblings;
  std::size_t index;
};
void collect(std::vector<Field>& fields, std::vector<Site>& sites, std::vector<std::vector<Field>*>& lists) {
  lists.push_back(&fields);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    sites.push_back(Site{&fields, i});
    if (fields[i].message) collect(fields[i].children, sites, lists);
  }
}

constexpr std::array<std::string_view, 40> kOpTypes{
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum", "BatchNormalization", "LayerNormalization",
    "Relu", "Clip", "Add", "Mul", "Div", "Sub", "Pow", "Softmax", "Reshape", "Flatten", "Squeeze",
    "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Gather", "Shape", "ConstantOfShape", "Range",
    "Expand", "Tile", "Pad", "Resize", "ReduceMean", "ReduceSum", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Constant", "Cast", "QLinearConv", "DequantizeLinear"};

constexpr std::array<std::uint64_t, 14> kVarints{0, 1, 2, 3, 4, 7, 8, 0xffffffffffffffffull, 0xfffffffffffffffeull,
                                                 0x7fffffff, 0x80000000, 1ull << 40, 1ull << 62,
                                                 0x7fffffffffffffffull};

bool mutate_tree(std::vector<Field>& root, std::minstd_rand& random, std::size_t max_size) {
  std::vector<Site> sites;
  std::vector<std::vector<Field>*> lists;
  collect(root, sites, lists);
  if (sites.empty()) return false;
  Site site = sites[random() % sites.size()];
  Field& field = (*site.siblings)[site.index];
  switch (random() % 6) {
    case 0:  // the field's value
      if (field.wire == 0) {
        field.value = random() % 2 ? kVarints[random() % kVarints.size()] : field.value + (random() % 5) - 2;
        return true;
      }
      if (field.wire == 1 || field.wire == 5) {
        const std::array<double, 6> floats{0.0, std::nan(""), 1e300, -1e300, 1e-300, -1.0};
        double chosen = floats[random() % floats.size()];
        if (field.wire == 1) {
          std::memcpy(&field.value, &chosen, 8);
        } else {
          auto narrow = static_cast<float>(chosen);
          std::uint32_t bits = 0;
          std::memcpy(&bits, &narrow, 4);
          field.value = bits;
        }
        return true;
      }
      [[fallthrough]];
    case 1:  // a string: another string of the tree, or an op type
      if (field.wire == 2 && !field.message && field.bytes.size() <= 64) {
        if (random() % 2) {
          field.bytes = std::string(kOpTypes[random() % kOpTypes.size()]);
          return true;
        }
        for (int tries = 0; tries < 8; ++tries) {
          const Site& pick = sites[random() % sites.size()];
          const Field& candidate = (*pick.siblings)[pick.index];
          if (candidate.wire == 2 && !candidate.message && candidate.bytes.size() <= 64) {
            field.bytes = candidate.bytes;
            return true;
          }
        }
      }
      [[fallthrough]];
    case 2:  // a leaf's bytes, by libFuzzer
      if (field.wire == 2 && !field.message) {
        const std::size_t old_size = field.bytes.size();
        const std::size_t capacity = std::max<std::size_t>(old_size * 2, 16);
        if (capacity > max_size) return false;
        field.bytes.resize(capacity);
        field.bytes.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(field.bytes.data()), old_size, capacity));
        return true;
      }
      return false;
    case 3:  // delete the field
      site.siblings->erase(site.siblings->begin() + static_cast<std::ptrdiff_t>(site.index));
      return true;
    case 4:  // duplicate it
      site.siblings->insert(site.siblings->begin() + static_cast<std::ptrdiff_t>(site.index), Field(field));
      return true;
    default: {  // a copy of it in another message
      std::vector<Field>* target = lists[random() % lists.size()];
      Field copy = field;
      target->insert(target->begin() + static_cast<std::ptrdiff_t>(random() % (target->size() + 1)), std::move(copy));
      return true;
    }
  }
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  std::minstd_rand random(seed);
  std::vector<Field> root;
  if (random() % 8 != 0 && parse_fields(std::string_view(reinterpret_cast<const char*>(data), size), root, 0)) {
    for (int tries = 0; tries < 4; ++tries) {
      std::vector<Field> mutated = root;
      if (!mutate_tree(mutated, random, max_size)) continue;
      std::string out;
      write_fields(mutated, out);
      if (out.size() > max_size) continue;
      std::memcpy(data, out.data(), out.size());
      return out.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

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
