// A reader of the protobuf wire format for the ONNX messages convroof needs (onnx.proto,
// the field numbers below are the schema's).
//
// Wire format: a message is a sequence of fields, each a varint key (field number << 3 | wire
// type) and a value: 0 varint, 1 eight bytes, 2 a varint length and that many bytes (strings,
// nested messages, packed repeated numbers), 5 four bytes. Groups (3, 4) are not used by ONNX.
// Unknown fields are skipped, as protobuf does; a known field with another wire type, a
// truncated value or a length past its message's end is an error at its byte offset.
#include "onnx_proto.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace convroof::onnx {

bool is_integer_type(int type) {
  return type == kUint8 || type == kInt8 || type == kUint16 || type == kInt16 || type == kInt32 || type == kInt64 ||
         type == kBool || type == kUint32 || type == kUint64;
}
bool is_float_type(int type) {
  return type == kFloat || type == kFloat16 || type == kDouble || type == kBfloat16;
}

const Attribute* Node::attribute(std::string_view attribute_name) const {
  for (const auto& entry : attributes)
    if (entry.name == attribute_name) return &entry;
  return nullptr;
}

OnnxFile::~OnnxFile() {
  if (data_ && size_ > 0) ::munmap(const_cast<char*>(data_), size_);
}

std::optional<std::string> OnnxFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::string("cannot open file");
  struct stat file {};
  if (::fstat(fd, &file) != 0) {
    ::close(fd);
    return std::string("cannot read file");
  }
  size_ = static_cast<std::size_t>(file.st_size);
  if (size_ == 0) {
    ::close(fd);
    return std::nullopt;
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) {
    size_ = 0;
    return std::string("cannot read file");
  }
  data_ = static_cast<const char*>(mapped);
  return std::nullopt;
}

namespace {

enum Wire : int { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

// One message's bytes, [pos, end) of the file starting at `base`.
class Reader {
 public:
  Reader(const char* base, std::size_t pos, std::size_t end) : base_(base), pos_(pos), end_(end) {}

  bool done() const { return pos_ >= end_; }
  std::size_t offset() const { return pos_; }

  [[noreturn]] void fail(const std::string& message, std::size_t at) const { throw WireError{message, at}; }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    const std::size_t start = pos_;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= end_) fail("a number runs past the end of its message (a truncated file?)", start);
      auto byte = static_cast<unsigned char>(base_[pos_++]);
      if (shift == 63 && byte > 1) fail("a number is longer than 64 bits", start);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("a number is longer than 10 bytes", start);
  }

  // The next field's number and wire type; false at the end of the message.
  bool next(std::uint32_t& field, int& wire) {
    if (done()) return false;
    field_start_ = pos_;
    std::uint64_t key = varint();
    field = static_cast<std::uint32_t>(key >> 3);
    wire = static_cast<int>(key & 7);
    if (key >> 3 == 0 || key >> 32 != 0) fail(fmt::format("field number {} is not valid", key >> 3), field_start_);
    if (wire != kVarint && wire != kFixed64 && wire != kBytes && wire != kFixed32)
      fail(fmt::format("wire type {} is not one protobuf uses (corrupt data, or not an ONNX file)", wire),
           field_start_);
    return true;
  }
  std::size_t field_start() const { return field_start_; }

  // A length-delimited value: [start, end) of the file.
  std::pair<std::size_t, std::size_t> span() {
    std::uint64_t length = varint();
    if (length > end_ - pos_)
      fail(fmt::format("a field of {} bytes runs past the end of its message, {} bytes on (a truncated file?)",
                       length, end_ - pos_),
           field_start_);
    std::size_t start = pos_;
    pos_ += static_cast<std::size_t>(length);
    return {start, pos_};
  }
  std::string_view bytes() {
    auto [start, end] = span();
    return {base_ + start, end - start};
  }
  Reader nested() {
    auto [start, end] = span();
    return Reader(base_, start, end);
  }
  std::uint32_t fixed32() {
    if (end_ - pos_ < 4) fail("a 4-byte value runs past the end of its message", pos_);
    std::uint32_t value;
    std::memcpy(&value, base_ + pos_, 4);
    pos_ += 4;
    return value;
  }
  std::uint64_t fixed64() {
    if (end_ - pos_ < 8) fail("an 8-byte value runs past the end of its message", pos_);
    std::uint64_t value;
    std::memcpy(&value, base_ + pos_, 8);
    pos_ += 8;
    return value;
  }
  void skip(int wire) {
    switch (wire) {
      case kVarint: varint(); break;
      case kFixed64: fixed64(); break;
      case kFixed32: fixed32(); break;
      default: span(); break;
    }
  }
  void expect(int wire, int wanted, std::string_view what) const {
    if (wire != wanted)
      fail(fmt::format("{} has wire type {} where ONNX's schema has {} (corrupt data, or not an ONNX file)", what, wire,
                       wanted),
           field_start_);
  }
  const char* base() const { return base_; }

 private:
  const char* base_;
  std::size_t pos_, end_;
  std::size_t field_start_ = 0;
};

float half_to_float(std::uint16_t half) {
  const int exponent = (half >> 10) & 0x1f, mantissa = half & 0x3ff;
  const float sign = (half & 0x8000) ? -1.0f : 1.0f;
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);
  if (exponent == 31) return mantissa ? std::numeric_limits<float>::quiet_NaN() : sign * INFINITY;
  return sign * std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
}

double float_of(std::uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}
double double_of(std::uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, 8);
  return value;
}

// A repeated number field: its packed chunks and single values, decoded on demand.
struct Repeated {
  std::vector<std::pair<int, std::pair<std::size_t, std::size_t>>> chunks;  // wire type, span
  bool overflow = false;  // more single values than kept: decoding them would be refused
  void add(Reader& in, int wire) {
    std::size_t start = in.offset();
    if (wire == kBytes) {
      auto where = in.span();
      keep(wire, where);
      return;
    }
    in.skip(wire);
    keep(wire, {start, in.offset()});
  }
  void keep(int wire, std::pair<std::size_t, std::size_t> where) {
    if (chunks.size() < kMaxChunks)
      chunks.push_back({wire, where});
    else
      overflow = true;
  }
  static constexpr std::size_t kMaxChunks = 1 << 16;
  bool empty() const { return chunks.empty() && !overflow; }
  // Every value, read as `element` (kVarint, kFixed32 or kFixed64 items).
  template <class Convert>
  std::vector<double> decode(const char* base, int element, Convert convert, std::size_t limit) const {
    std::vector<double> values;
    for (const auto& [wire, where] : chunks) {
      Reader in(base, where.first, where.second);
      if (wire != kBytes && wire != element) in.fail("a repeated number has another wire type than its field", where.first);
      while (!in.done()) {
        if (values.size() > limit) return values;
        std::uint64_t raw = element == kVarint ? in.varint() : element == kFixed32 ? in.fixed32() : in.fixed64();
        values.push_back(convert(raw));
      }
    }
    return values;
  }
};

std::vector<std::int64_t> int64s(const char* base, const Repeated& repeated, std::size_t limit) {
  std::vector<std::int64_t> values;
  if (repeated.overflow && !repeated.chunks.empty())
    throw WireError{fmt::format("more than {} integers in one field", Repeated::kMaxChunks),
                    repeated.chunks.front().second.first};
  for (const auto& [wire, where] : repeated.chunks) {
    Reader in(base, where.first, where.second);
    if (wire != kBytes && wire != kVarint) in.fail("a repeated integer is not a varint", where.first);
    while (!in.done()) {
      if (values.size() >= limit) in.fail(fmt::format("more than {} integers in one field", limit), where.first);
      values.push_back(static_cast<std::int64_t>(in.varint()));
    }
  }
  return values;
}

constexpr std::size_t kMaxDims = 64;        // dims of one tensor (ONNX ranks are small)
constexpr std::size_t kMaxListed = 1 << 20; // entries of one ints/floats attribute

// The values of a small inline tensor, or nothing (large, external, or inconsistent data).
std::optional<std::vector<double>> decode_values(const char* base, const Tensor& tensor, std::string_view raw,
                                                 const Repeated& floats, const Repeated& int32s,
                                                 const Repeated& int64s_field, const Repeated& doubles,
                                                 const Repeated& uint64s) {
  std::uint64_t elements = 1;
  for (auto dim : tensor.dims) {
    if (dim < 0) return std::nullopt;
    if (dim > 0 && elements > kMaxDecodedElements / static_cast<std::uint64_t>(dim)) return std::nullopt;
    elements *= static_cast<std::uint64_t>(dim);
  }
  if (elements > kMaxDecodedElements || tensor.external) return std::nullopt;
  if (is_float_type(tensor.type) && elements > kMaxDecodedFloats) return std::nullopt;
  std::vector<double> values;
  const int type = tensor.type;
  if (!raw.empty()) {
    std::size_t width = 0;
    switch (type) {
      case kInt8: case kUint8: case kBool: width = 1; break;
      case kInt16: case kUint16: case kFloat16: case kBfloat16: width = 2; break;
      case kFloat: case kInt32: case kUint32: width = 4; break;
      case kInt64: case kUint64: case kDouble: width = 8; break;
      default: return std::nullopt;
    }
    if (raw.size() != elements * width) return std::nullopt;
    for (std::size_t i = 0; i < elements; ++i) {
      const char* at = raw.data() + i * width;
      std::uint64_t bits = 0;
      std::memcpy(&bits, at, width);  // little-endian, as ONNX stores raw_data
      double value = 0;
      switch (type) {
        case kInt8: value = static_cast<std::int8_t>(bits); break;
        case kInt16: value = static_cast<std::int16_t>(bits); break;
        case kInt32: value = static_cast<std::int32_t>(bits); break;
        case kInt64: value = static_cast<double>(static_cast<std::int64_t>(bits)); break;
        case kFloat16: value = half_to_float(static_cast<std::uint16_t>(bits)); break;
        case kBfloat16: value = float_of(static_cast<std::uint32_t>(bits) << 16); break;
        case kFloat: value = float_of(static_cast<std::uint32_t>(bits)); break;
        case kDouble: value = double_of(bits); break;
        default: value = static_cast<double>(bits); break;  // unsigned and bool
      }
      values.push_back(value);
    }
    return values;
  }
  const std::size_t limit = kMaxDecodedElements;
  if (type == kFloat && !floats.empty()) {
    values = floats.decode(base, kFixed32, [](std::uint64_t raw_bits) { return float_of(static_cast<std::uint32_t>(raw_bits)); }, limit);
  } else if (type == kDouble && !doubles.empty()) {
    values = doubles.decode(base, kFixed64, [](std::uint64_t raw_bits) { return double_of(raw_bits); }, limit);
  } else if (type == kInt64 && !int64s_field.empty()) {
    values = int64s_field.decode(base, kVarint, [](std::uint64_t v) { return static_cast<double>(static_cast<std::int64_t>(v)); }, limit);
  } else if ((type == kUint32 || type == kUint64) && !uint64s.empty()) {
    values = uint64s.decode(base, kVarint, [](std::uint64_t v) { return static_cast<double>(v); }, limit);
  } else if (!int32s.empty()) {
    values = int32s.decode(base, kVarint, [type](std::uint64_t v) -> double {
      if (type == kFloat16) return half_to_float(static_cast<std::uint16_t>(v));
      if (type == kBfloat16) return float_of(static_cast<std::uint32_t>(v) << 16);
      return static_cast<std::int32_t>(v);
    }, limit);
  } else if (elements == 0) {
    return values;
  } else {
    return std::nullopt;
  }
  if (values.size() != elements) return std::nullopt;
  return values;
}

// TensorProto: dims 1, data_type 2, float_data 4, int32_data 5, string_data 6, int64_data 7,
// name 8, raw_data 9, double_data 10, uint64_data 11, data_location 14.
Tensor parse_tensor(Reader in, std::size_t offset) {
  Tensor tensor;
  tensor.offset = offset;
  Repeated dims, floats, int32s, int64s_field, doubles, uint64s;
  std::string_view raw;
  std::uint32_t field;
  int wire;
  while (in.next(field, wire)) {
    switch (field) {
      case 1: dims.add(in, wire); break;
      case 2: in.expect(wire, kVarint, "TensorProto.data_type"); tensor.type = static_cast<int>(in.varint()); break;
      case 4: floats.add(in, wire); tensor.has_data = true; break;
      case 5: int32s.add(in, wire); tensor.has_data = true; break;
      case 6: in.skip(wire); tensor.has_data = true; break;
      case 7: int64s_field.add(in, wire); tensor.has_data = true; break;
      case 8: in.expect(wire, kBytes, "TensorProto.name"); tensor.name = in.bytes(); break;
      case 9: in.expect(wire, kBytes, "TensorProto.raw_data"); raw = in.bytes(); tensor.has_data = true; break;
      case 10: doubles.add(in, wire); tensor.has_data = true; break;
      case 11: uint64s.add(in, wire); tensor.has_data = true; break;
      case 14:
        in.expect(wire, kVarint, "TensorProto.data_location");
        tensor.external = in.varint() == 1;
        break;
      default: in.skip(wire); break;
    }
  }
  tensor.dims = int64s(in.base(), dims, kMaxDims + 1);
  if (tensor.dims.size() > kMaxDims)
    in.fail(fmt::format("tensor '{}' has more than {} dimensions", tensor.name, kMaxDims), offset);
  tensor.values = decode_values(in.base(), tensor, raw, floats, int32s, int64s_field, doubles, uint64s);
  return tensor;
}

// ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 ->
// TensorShapeProto.dim 1 -> dim_value 1 | dim_param 2.
ValueInfo parse_value_info(Reader in, std::size_t offset) {
  ValueInfo info;
  info.offset = offset;
  std::uint32_t field;
  int wire;
  while (in.next(field, wire)) {
    if (field == 1) {
      in.expect(wire, kBytes, "ValueInfoProto.name");
      info.name = in.bytes();
    } else if (field == 2) {
      in.expect(wire, kBytes, "ValueInfoProto.type");
      Reader type = in.nested();
      while (type.next(field, wire)) {
        if (field != 1 || wire != kBytes) {
          type.skip(wire);
          continue;
        }
        info.is_tensor = true;
        Reader tensor = type.nested();
        while (tensor.next(field, wire)) {
          if (field == 1) {
            tensor.expect(wire, kVarint, "TypeProto.Tensor.elem_type");
            info.type = static_cast<int>(tensor.varint());
          } else if (field == 2) {
            tensor.expect(wire, kBytes, "TypeProto.Tensor.shape");
            info.has_shape = true;
            info.dims.clear();
            Reader shape = tensor.nested();
            while (shape.next(field, wire)) {
              if (field != 1) {
                shape.skip(wire);
                continue;
              }
              shape.expect(wire, kBytes, "TensorShapeProto.dim");
              if (info.dims.size() >= kMaxDims)
                shape.fail(fmt::format("value '{}' has more than {} dimensions", info.name, kMaxDims),
                           shape.field_start());
              Dimension dim;
              Reader entry = shape.nested();
              while (entry.next(field, wire)) {
                if (field == 1) {
                  entry.expect(wire, kVarint, "Dimension.dim_value");
                  dim.value = static_cast<std::int64_t>(entry.varint());
                  dim.has_value = true;
                } else if (field == 2) {
                  entry.expect(wire, kBytes, "Dimension.dim_param");
                  dim.param = entry.bytes();
                } else {
                  entry.skip(wire);
                }
              }
              info.dims.push_back(dim);
            }
          } else {
            tensor.skip(wire);
          }
        }
      }
    } else {
      in.skip(wire);
    }
  }
  return info;
}

// AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20 (subgraphs, strings
// lists and sparse tensors are skipped: no op convroof models reads them).
Attribute parse_attribute(Reader in) {
  Attribute attribute;
  Repeated floats, ints;
  std::uint32_t field;
  int wire;
  while (in.next(field, wire)) {
    switch (field) {
      case 1: in.expect(wire, kBytes, "AttributeProto.name"); attribute.name = in.bytes(); break;
      case 2:
        in.expect(wire, kFixed32, "AttributeProto.f");
        attribute.f = float_of(in.fixed32());
        attribute.has_f = true;
        break;
      case 3:
        in.expect(wire, kVarint, "AttributeProto.i");
        attribute.i = static_cast<std::int64_t>(in.varint());
        attribute.has_i = true;
        break;
      case 4:
        in.expect(wire, kBytes, "AttributeProto.s");
        attribute.s = in.bytes();
        attribute.has_s = true;
        break;
      case 5: {
        in.expect(wire, kBytes, "AttributeProto.t");
        std::size_t at = in.field_start();
        attribute.t = parse_tensor(in.nested(), at);
        break;
      }
      case 7: floats.add(in, wire); break;
      case 8: ints.add(in, wire); break;
      case 20: in.expect(wire, kVarint, "AttributeProto.type"); attribute.kind = static_cast<int>(in.varint()); break;
      default: in.skip(wire); break;
    }
  }
  attribute.ints = int64s(in.base(), ints, kMaxListed);
  if (floats.overflow) throw WireError{fmt::format("attribute '{}' lists too many numbers", attribute.name), in.offset()};
  attribute.floats = floats.decode(in.base(), kFixed32,
                                   [](std::uint64_t bits) { return float_of(static_cast<std::uint32_t>(bits)); },
                                   kMaxListed);
  return attribute;
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
Node parse_node(Reader in, std::size_t offset) {
  Node node;
  node.offset = offset;
  std::uint32_t field;
  int wire;
  while (in.next(field, wire)) {
    switch (field) {
      case 1: in.expect(wire, kBytes, "NodeProto.input"); node.inputs.push_back(in.bytes()); break;
      case 2: in.expect(wire, kBytes, "NodeProto.output"); node.outputs.push_back(in.bytes()); break;
      case 3: in.expect(wire, kBytes, "NodeProto.name"); node.name = in.bytes(); break;
      case 4: in.expect(wire, kBytes, "NodeProto.op_type"); node.op_type = in.bytes(); break;
      case 5: in.expect(wire, kBytes, "NodeProto.attribute"); node.attributes.push_back(parse_attribute(in.nested())); break;
      case 7: in.expect(wire, kBytes, "NodeProto.domain"); node.domain = in.bytes(); break;
      default: in.skip(wire); break;
    }
  }
  return node;
}

// GraphProto: node 1, name 2, initializer 5, input 11, output 12, value_info 13.
Graph parse_graph(Reader in) {
  Graph graph;
  std::uint32_t field;
  int wire;
  while (in.next(field, wire)) {
    std::size_t at = in.field_start();
    switch (field) {
      case 1: in.expect(wire, kBytes, "GraphProto.node"); graph.nodes.push_back(parse_node(in.nested(), at)); break;
      case 2: in.expect(wire, kBytes, "GraphProto.name"); graph.name = in.bytes(); break;
      case 5:
        in.expect(wire, kBytes, "GraphProto.initializer");
        graph.initializers.push_back(parse_tensor(in.nested(), at));
        break;
      case 11: in.expect(wire, kBytes, "GraphProto.input"); graph.inputs.push_back(parse_value_info(in.nested(), at)); break;
      case 12:
        in.expect(wire, kBytes, "GraphProto.output");
        graph.outputs.push_back(parse_value_info(in.nested(), at));
        break;
      case 13:
        in.expect(wire, kBytes, "GraphProto.value_info");
        graph.value_info.push_back(parse_value_info(in.nested(), at));
        break;
      default: in.skip(wire); break;
    }
  }
  return graph;
}

}  // namespace

// ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
// (OperatorSetIdProto: domain 1, version 2).
ModelProto parse_model(std::string_view bytes) {
  ModelProto model;
  Reader in(bytes.data(), 0, bytes.size());
  std::uint32_t field;
  int wire;
  while (in.next(field, wire)) {
    switch (field) {
      case 1: in.expect(wire, kVarint, "ModelProto.ir_version"); model.ir_version = static_cast<std::int64_t>(in.varint()); break;
      case 2: in.expect(wire, kBytes, "ModelProto.producer_name"); model.producer_name = in.bytes(); break;
      case 3: in.expect(wire, kBytes, "ModelProto.producer_version"); model.producer_version = in.bytes(); break;
      case 7:
        in.expect(wire, kBytes, "ModelProto.graph");
        model.graph = parse_graph(in.nested());
        model.has_graph = true;
        break;
      case 8: {
        in.expect(wire, kBytes, "ModelProto.opset_import");
        Reader opset = in.nested();
        std::string_view domain;
        std::int64_t version = 0;
        while (opset.next(field, wire)) {
          if (field == 1) {
            opset.expect(wire, kBytes, "OperatorSetIdProto.domain");
            domain = opset.bytes();
          } else if (field == 2) {
            opset.expect(wire, kVarint, "OperatorSetIdProto.version");
            version = static_cast<std::int64_t>(opset.varint());
          } else {
            opset.skip(wire);
          }
        }
        model.opsets.emplace_back(domain, version);
        break;
      }
      default: in.skip(wire); break;
    }
  }
  return model;
}

}  // namespace convroof::onnx
