// The part of ONNX's protobuf schema (onnx.proto) the importer reads, decoded by convroof's
// own reader of the protobuf wire format (src/model/onnx_proto.cpp) straight from the mapped
// file. No protobuf or ONNX library is involved: a model costs its parsing, not those
// libraries' start-up, and no library code ever sees an unchecked value.
//
// Strings are views into the mapped file (OnnxFile owns the mapping). Weight payloads are
// never decoded: a tensor records its dims, type, where its data is and, for small tensors
// (shape constants, Resize scales, Clip bounds), its values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace convroof::onnx {

// TensorProto.DataType (onnx.proto).
enum ElementType : int {
  kUndefined = 0, kFloat = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6, kInt64 = 7,
  kString = 8, kBool = 9, kFloat16 = 10, kDouble = 11, kUint32 = 12, kUint64 = 13, kBfloat16 = 16,
};
bool is_integer_type(int type);  // integers and bool
bool is_float_type(int type);

// Values decoded from integer tensors of at most kMaxDecodedElements elements, and from
// floating-point ones of at most kMaxDecodedFloats: the values the shape rules read (shapes,
// axes, pads, Resize scales, Clip bounds) are small, and a float tensor beyond that is a
// weight, whose payload is then never touched (what decoding them cost: docs/performance.md,
// "Figures behind code choices").
inline constexpr std::size_t kMaxDecodedElements = 4096;
inline constexpr std::size_t kMaxDecodedFloats = 64;

struct Tensor {
  std::string_view name;
  std::vector<std::int64_t> dims;
  int type = kUndefined;
  bool external = false;        // data_location EXTERNAL: the payload lives in another file
  bool has_data = false;        // some payload field is present (inline)
  std::optional<std::vector<double>> values;  // decoded when small and inline
  std::size_t offset = 0;       // byte offset of the tensor in the file
};

struct Dimension {
  std::int64_t value = 0;       // > 0 when fixed
  bool has_value = false;
  std::string_view param;       // a symbolic name
};

struct ValueInfo {
  std::string_view name;
  bool is_tensor = false;       // TypeProto.tensor_type is set
  int type = kUndefined;
  bool has_shape = false;
  std::vector<Dimension> dims;
  std::size_t offset = 0;
};

struct Attribute {
  std::string_view name;
  int kind = 0;                 // AttributeProto.AttributeType: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS …
  double f = 0;
  std::int64_t i = 0;
  std::string_view s;
  std::optional<Tensor> t;
  std::vector<double> floats;
  std::vector<std::int64_t> ints;
  bool has_f = false, has_i = false, has_s = false;
};

struct Node {
  std::string_view name, op_type, domain;
  std::vector<std::string_view> inputs, outputs;
  std::vector<Attribute> attributes;
  std::size_t offset = 0;

  const Attribute* attribute(std::string_view attribute_name) const;
};

struct Graph {
  std::string_view name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs, value_info;
};

struct ModelProto {
  std::int64_t ir_version = 0;
  std::string_view producer_name, producer_version;
  std::vector<std::pair<std::string_view, std::int64_t>> opsets;  // domain, version
  bool has_graph = false;
  Graph graph;
};

// A malformed file: what is wrong and at which byte.
struct WireError {
  std::string message;
  std::size_t offset;
};

// The file mapped read-only (MAP_PRIVATE): payload pages are never touched, so a 100 MB
// model costs the pages of its structure.
class OnnxFile {
 public:
  OnnxFile() = default;
  OnnxFile(const OnnxFile&) = delete;
  OnnxFile& operator=(const OnnxFile&) = delete;
  ~OnnxFile();
  // Maps `path`; an error message on failure ("cannot open file", …).
  std::optional<std::string> open(const std::string& path);
  std::string_view bytes() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Decodes a ModelProto; throws WireError.
ModelProto parse_model(std::string_view bytes);

}  // namespace convroof::onnx
