// TFLite import: subgraph 0 of a `.tflite` flatbuffer becomes a Model (one Layer per operator,
// plus one per fused activation). The reader is generated at build time by flatc from the
// schema subset src/model/tflite_schema.fbs (field ids as in TensorFlow's schema.fbs); the
// whole buffer is verified by flatbuffers::Verifier before anything is read, and every index
// (opcode, tensor, buffer, subgraph) is checked before use. Without libflatbuffers-dev and
// flatc at build time, import_tflite is an error saying so (CONVROOF_HAVE_TFLITE unset).
//
// How operators map (docs/formats.md, "TFLite models", has the table):
//   - TFLite is NHWC already: every shape is the file's own; convroof infers the output of the
//     kinds it has a formula for (convolutions, pools, dense, element-wise, concat, reshape)
//     and checks it against the output tensor the file records;
//   - SAME / VALID padding becomes explicit pads by TensorFlow's rule, stride and dilation
//     are the options', a convolution's groups are input channels / the filter's in-channels;
//   - a fused activation (RELU, RELU6, RELU_N1_TO_1, TANH) is a separate activation layer
//     reading the op's layer, which the runtimes' conv-bn-act / pool-epilogue / eltwise-chain
//     patterns fuse back;
//   - each operator is imported by its row of the operator table (Importer::rules(): TFLite
//     names, the layer kinds they become, the function importing them), which tflite_op_types
//     lists; MediaPipe's custom Convolution2DTransposeBias is a row too;
//   - constant tensors (a buffer with data) are weights or parameters; operators that read only
//     constants fold away (a DEQUANTIZE of float16 weights, a DENSIFY of sparse ones: the layer
//     reading a sparse weight counts it dense for MACs, and the model stores it at its sparse size);
//   - integer activation tensors set the layer's dtype (int8, int16); floating-point layers
//     follow --precision, as ONNX ones do, with Model::stored_precision the weights' type.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <unordered_set>

#include "convroof/model.hpp"

namespace convroof {

bool looks_like_tflite(std::string_view head) {
  return head.size() >= 8 && head.substr(4, 4) == "TFL3";
}

}  // namespace convroof

#ifndef CONVROOF_HAVE_TFLITE

namespace convroof {

// The operator table is the importer's (below): without TFLite support there is none.
std::vector<std::string_view> tflite_op_types(LayerOp) {
  return {};
}

Model import_tflite(const std::string& path, std::optional<std::int64_t>) {
  throw Error(Location{path, 0, 0},
              "TFLite support was not built into this convroof: building it needs Debian's libflatbuffers-dev and "
              "flatbuffers-compiler (bash scripts/dev.sh installs them), then a fresh cmake configure");
}

}  // namespace convroof

#else

#include "builder.hpp"
#include "onnx_proto.hpp"  // onnx::OnnxFile: the file mapped read-only
#include "text_checks.hpp"
#include "tflite_schema_generated.h"

namespace convroof {

namespace {

constexpr int kUnwritten = -3;  // a tensor no operator has written yet
constexpr int kConstant = -2;
constexpr int kModelInput = -1;
constexpr int kMaxTensorType = 18;  // BFLOAT16, the last TensorType value convroof knows
// Verifier limits: nesting (a model is Model > SubGraph > Tensor > QuantizationParameters >
// vectors: 6 deep) and tables (a model of kMaxLayers operators has fewer than 2 million).
constexpr unsigned kMaxDepth = 64;
constexpr unsigned kMaxTables = 2'000'000;

std::string op_name(int code) {
  if (code >= static_cast<int>(tflite::BuiltinOperator_MIN) && code <= static_cast<int>(tflite::BuiltinOperator_MAX)) {
    const char* name = tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(code));
    if (name && *name) return name;
  }
  return fmt::format("builtin operator {}", code);
}

// Bytes per element of a tensor type; 0 for types not a whole number of bytes or without a
// fixed size (INT4, STRING, RESOURCE, VARIANT, BOOL's packing is a byte: 1).
std::uint64_t type_bytes(int type) {
  switch (type) {
    case tflite::TensorType_UINT8:
    case tflite::TensorType_INT8:
    case tflite::TensorType_BOOL:
      return 1;
    case tflite::TensorType_FLOAT16:
    case tflite::TensorType_INT16:
    case tflite::TensorType_UINT16:
    case tflite::TensorType_BFLOAT16:
      return 2;
    case tflite::TensorType_FLOAT32:
    case tflite::TensorType_INT32:
    case tflite::TensorType_UINT32:
      return 4;
    case tflite::TensorType_INT64:
    case tflite::TensorType_UINT64:
    case tflite::TensorType_FLOAT64:
    case tflite::TensorType_COMPLEX64:
      return 8;
    case tflite::TensorType_COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

const char* type_name(int type) {
  if (type < 0 || type > kMaxTensorType) return "unknown";
  return tflite::EnumNameTensorType(static_cast<tflite::TensorType>(type));
}

// The layer precision of an activation tensor's type: integers keep their width; floats
// follow --precision (nullopt), as a YAML layer without dtype does.
std::optional<Precision> activation_precision(int type) {
  switch (type) {
    case tflite::TensorType_INT8:
    case tflite::TensorType_UINT8:
      return Precision::int8;
    case tflite::TensorType_INT16:
    case tflite::TensorType_UINT16:
      return Precision::int16;
    default:
      return std::nullopt;
  }
}

// A weight tensor's stored precision (for Model::stored_precision); nullopt for others (int32
// biases, shapes, indices).
std::optional<Precision> weight_precision(int type) {
  switch (type) {
    case tflite::TensorType_FLOAT32:
      return Precision::fp32;
    case tflite::TensorType_FLOAT16:
      return Precision::fp16;
    case tflite::TensorType_BFLOAT16:
      return Precision::bf16;
    default:
      return activation_precision(type);
  }
}

struct TensorInfo {
  const tflite::Tensor* tensor = nullptr;
  std::string name;
  Shape shape;
  int type = 0;
  bool checked = false;   // shape, type and quantization validated
  int producer = kUnwritten;
  int writer = -1;        // the operator writing it (-1: none)
  // A constant: its buffer (or, folded, the buffer it is computed from; -1 none) and the
  // element type stored there.
  std::int64_t storage = -1;
  int storage_type = 0;
  bool per_channel = false;
  // A sparse constant (Tensor.sparsity): what it stores, in elements of its type (values plus
  // index arrays; read_sparsity). Its shape stays the dense one.
  std::optional<std::uint64_t> sparse_params;
};

std::uint64_t elements(const Shape& shape) {
  std::uint64_t count = 1;
  for (auto dim : shape) count *= static_cast<std::uint64_t>(std::max<std::int64_t>(dim, 0));
  return count;
}

// TensorFlow's SAME: out = ceil(in / s); total = max((out - 1)·s + (k - 1)·d + 1 - in, 0),
// top (left) = total / 2, the odd pixel at the bottom (right).
std::array<std::int64_t, 2> same_pads(std::int64_t in, std::int64_t kernel, std::int64_t dilation, std::int64_t stride) {
  const std::int64_t out = (in + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
  return {total / 2, total - total / 2};
}

// Where a buffer that fails verification goes wrong, top down: the first part of the model (a
// vector of the model or of subgraph 0, an operator code, a subgraph, a tensor, an operator, a
// buffer) that does not verify on its own, with its byte offset. Each check runs a fresh
// Verifier, and a table's fields are read only after its vtable and the field's offset verify
// (as the generated Verify functions order them). Empty when every part verifies alone (the
// whole is then over a limit: nesting depth or number of tables).
std::string locate_corruption(const std::uint8_t* data, std::size_t size) {
  auto ok = [&](auto&& check) {
    flatbuffers::Verifier verifier(data, size, kMaxDepth, kMaxTables);
    return check(verifier);
  };
  auto byte = [&](const void* p) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(data));
  };
  // The vector field `field` of `parent`, from `get` once the offset verifies, then each table
  // of it (named `what` i); `inside(i, table)` looks into a table that does not verify.
  auto tables = [&](const auto* parent, flatbuffers::voffset_t field, auto get, const std::string& what,
                    auto inside) -> std::string {
    const auto* base = reinterpret_cast<const flatbuffers::Table*>(parent);
    if (!ok([&](auto& v) { return base->VerifyOffset(v, field); }))
      return fmt::format("{} list: its offset (field {} of the table at byte {}) points outside the file", what,
                         (field - 4) / 2, byte(parent));
    const auto* vector = get();
    if (!vector) return {};
    if (!ok([&](auto& v) { return v.VerifyVector(vector); }))
      return fmt::format("{} list (the vector at byte {}) runs past the end of the file", what, byte(vector));
    for (flatbuffers::uoffset_t i = 0; i < vector->size(); ++i) {
      const auto* element = vector->Get(i);
      if (ok([&](auto& v) { return element->Verify(v); })) continue;
      const auto* table = reinterpret_cast<const flatbuffers::Table*>(element);
      std::string deeper;
      if (ok([&](auto& v) { return table->VerifyTableStart(v); })) deeper = inside(i, element);
      if (!deeper.empty()) return deeper;
      return byte(element) >= size
                 ? fmt::format("{} {}: its table at byte {} lies past the end of the file", what, i, byte(element))
                 : fmt::format("{} {} (the table at byte {}) has a field that points outside the file or is misaligned",
                               what, i, byte(element));
    }
    return {};
  };
  auto none = [](flatbuffers::uoffset_t, const auto*) { return std::string(); };
  const tflite::Model* model = tflite::GetModel(data);
  if (!ok([&](auto& v) { return reinterpret_cast<const flatbuffers::Table*>(model)->VerifyTableStart(v); }))
    return fmt::format("the model table at byte {} (or its vtable) lies outside the file", byte(model));
  auto subgraph = [&](flatbuffers::uoffset_t index, const tflite::SubGraph* graph) {
    const std::string name = fmt::format("subgraph {}'s", index);
    std::string found = tables(
        graph, tflite::SubGraph::VT_TENSORS, [&] { return graph->tensors(); }, name + " tensor", none);
    if (found.empty())
      found = tables(
          graph, tflite::SubGraph::VT_OPERATORS, [&] { return graph->operators(); }, name + " operator", none);
    return found;
  };
  std::string found = tables(
      model, tflite::Model::VT_OPERATOR_CODES, [&] { return model->operator_codes(); }, "operator code", none);
  if (found.empty())
    found = tables(
        model, tflite::Model::VT_SUBGRAPHS, [&] { return model->subgraphs(); }, "subgraph", subgraph);
  if (found.empty())
    found = tables(
        model, tflite::Model::VT_BUFFERS, [&] { return model->buffers(); }, "buffer", none);
  return found;
}

// "A B C" -> {"A", "B", "C"}: the names of an operator table row.
std::vector<std::string_view> split_names(std::string_view names) {
  std::vector<std::string_view> out;
  while (!names.empty()) {
    const std::size_t space = names.find(' ');
    if (space != 0) out.push_back(names.substr(0, space));
    if (space == std::string_view::npos) break;
    names.remove_prefix(space + 1);
  }
  return out;
}

class Importer {
 public:
  Importer(std::string path, std::optional<std::int64_t> batch) : path_(std::move(path)), batch_(batch) {}

  Model run() {
    open();
    const auto* subgraphs = root_->subgraphs();
    if (!subgraphs || subgraphs->size() == 0) fail("the model has no subgraph");
    graph_ = subgraphs->Get(0);
    if (subgraphs->size() > 1)
      model_.notes.push_back(fmt::format("the file has {} subgraphs; convroof analyzes subgraph 0, the main graph (the "
                                         "others run only through control-flow operators, which are unmodeled)",
                                         subgraphs->size()));
    read_opcodes();
    find_rules();
    read_tensors();
    model_.name = std::filesystem::path(path_).stem().string();
    model_.origin = path_;
    std::string description = root_->description() ? root_->description()->str() : std::string();
    std::string graph_name = graph_->name() ? graph_->name()->str() : std::string();
    if (invalid_utf8_at(description) != std::string::npos) description.clear();
    if (invalid_utf8_at(graph_name) != std::string::npos) graph_name.clear();
    model_.reference = fmt::format("TFLite model, schema version {}{}{}", root_->version(),
                                   description.empty() ? "" : ", '" + description + "'",
                                   graph_name.empty() ? "" : ", subgraph '" + graph_name + "'");
    set_inputs();
    const auto* operators = graph_->operators();
    const std::size_t count = operators ? operators->size() : 0;
    if (count == 0) fail("subgraph 0 has no operators");
    if (count > kMaxLayers) fail(fmt::format("has {} operators; a model has at most {} layers", count, kMaxLayers));
    find_writers(*operators);
    for (std::size_t i = 0; i < count; ++i) add_operator(static_cast<int>(i), *operators->Get(static_cast<unsigned>(i)));
    if (model_.layers.empty()) fail("has no operator on run-time data (every operator folds to a constant)");
    check_outputs();
    finish_notes();
    return std::move(model_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw Error(Location{path_, 0, 0}, message); }
  [[noreturn]] void fail_op(int index, const std::string& message) const {
    throw Error(Location{path_, 0, 0}, fmt::format("operator {} ({}): {}", index, op_label(index), message));
  }
  std::string op_label(int index) const {
    if (index < 0 || static_cast<std::size_t>(index) >= op_codes_.size()) return "?";
    return op_codes_[static_cast<std::size_t>(index)];
  }
  std::string tensor_label(int index) const {
    return fmt::format("tensor {} '{}'", index, tensors_[static_cast<std::size_t>(index)].name);
  }

  // The file mapped, its size and identifier checked, and the whole buffer verified.
  void open() {
    if (auto problem = file_.open(path_)) fail(*problem);
    const std::string_view bytes = file_.bytes();
    if (bytes.size() < 8)
      fail(fmt::format("truncated TFLite file: {} bytes; a TFLite flatbuffer starts with a 4-byte root offset and the "
                       "identifier 'TFL3' at byte 4",
                       bytes.size()));
    if (!looks_like_tflite(bytes)) {
      std::string shown;
      for (char c : bytes.substr(4, 4)) {
        auto byte = static_cast<unsigned char>(c);
        shown += byte >= 0x20 && byte < 0x7f && byte != '\'' && byte != '\\' ? std::string(1, c)
                                                                          : fmt::format("\\x{:02x}", byte);
      }
      fail(fmt::format("not a TFLite file: identifier '{}' at byte 4, expected 'TFL3'", shown));
    }
    if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE)
      fail(fmt::format("the file has {} bytes; a flatbuffer (and so a TFLite file) is smaller than 2 GiB", bytes.size()));
    std::uint32_t root = 0;
    std::memcpy(&root, bytes.data(), 4);
    root = flatbuffers::EndianScalar(root);
    if (root >= bytes.size())
      fail(fmt::format("truncated TFLite file: the root table offset at byte 0 is {}, past the end of the {}-byte file",
                       root, bytes.size()));
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    flatbuffers::Verifier verifier(data, bytes.size(), kMaxDepth, kMaxTables);
    if (!tflite::VerifyModelBuffer(verifier)) {
      const std::string where = locate_corruption(data, bytes.size());
      fail(where.empty()
               ? fmt::format("flatbuffer verification failed: the {}-byte file is truncated or corrupt (a table nests "
                             "deeper than {}, there are more than {} tables, or a field is misaligned)",
                             bytes.size(), kMaxDepth, kMaxTables)
               : fmt::format("flatbuffer verification failed: {}; the {}-byte file is truncated or corrupt", where,
                             bytes.size()));
    }
    root_ = tflite::GetModel(data);
  }

  // Each operator code's name: the builtin (the larger of builtin_code and the int8
  // deprecated_builtin_code, as TFLite's schema_utils reads it) or the custom op's code.
  void read_opcodes() {
    const auto* codes = root_->operator_codes();
    if (!codes) return;
    for (unsigned i = 0; i < codes->size(); ++i) {
      const tflite::OperatorCode* code = codes->Get(i);
      const int builtin =
          std::max(static_cast<int>(code->builtin_code()), static_cast<int>(code->deprecated_builtin_code()));
      builtin_codes_.push_back(builtin);
      std::string name = op_name(builtin);
      if (builtin == tflite::BuiltinOperator_CUSTOM) {
        name = code->custom_code() && code->custom_code()->size() > 0 ? code->custom_code()->str() : "CUSTOM";
        if (invalid_utf8_at(name) != std::string::npos || name.size() > kMaxNameBytes)
          fail(fmt::format("operator code {}: its custom_code is not UTF-8 text of at most {} bytes", i, kMaxNameBytes));
      }
      code_names_.push_back(std::move(name));
    }
  }

  void read_tensors() {
    const auto* tensors = graph_->tensors();
    const auto* buffers = root_->buffers();
    const unsigned buffer_count = buffers ? buffers->size() : 0;
    if (!tensors) return;
    tensors_.resize(tensors->size());
    for (unsigned i = 0; i < tensors->size(); ++i) {
      TensorInfo& info = tensors_[i];
      info.tensor = tensors->Get(i);
      info.name = info.tensor->name() ? info.tensor->name()->str() : std::string();
      if (invalid_utf8_at(info.name) != std::string::npos) info.name = fmt::format("#{}", i);
      info.type = static_cast<int>(info.tensor->type());
      const std::uint32_t buffer = info.tensor->buffer();
      if (buffer != 0) {
        if (buffer >= buffer_count)
          fail(fmt::format("{}: buffer {} is out of range (the model has {} buffers)", tensor_label(static_cast<int>(i)),
                           buffer, buffer_count));
        const tflite::Buffer* data = buffers->Get(buffer);
        const bool inline_data = data->data() && data->data()->size() > 0;
        const bool outside = data->offset() > 1 && data->size() > 0;  // schema 3c: data after the flatbuffer
        if (inline_data || outside) {
          info.producer = kConstant;
          info.storage = buffer;
          info.storage_type = info.type;
        }
      }
    }
  }

  // A tensor index read from an operator (or the subgraph's inputs and outputs), range-checked;
  // `where` names the field in the error.
  int tensor_index(std::int32_t index, const std::string& where) const {
    if (index < 0 || static_cast<std::size_t>(index) >= tensors_.size())
      fail(fmt::format("{} is tensor {}, out of range (subgraph 0 has {} tensors)", where, index, tensors_.size()));
    return index;
  }

  // The tensor's shape, type and quantization, validated on first use.
  TensorInfo& use(int index, bool activation) {
    TensorInfo& info = tensors_[static_cast<std::size_t>(index)];
    if (!info.checked) {
      info.checked = true;
      if (info.type < 0 || info.type > kMaxTensorType)
        fail(fmt::format("{} has unknown type {} (TensorType values are 0 to {})", tensor_label(index), info.type,
                         kMaxTensorType));
      if (const auto* shape = info.tensor->shape()) {
        if (shape->size() > 8)
          fail(fmt::format("{} has {} dimensions; convroof reads at most 8", tensor_label(index), shape->size()));
        double product = 1;
        for (unsigned d = 0; d < shape->size(); ++d) {
          const std::int64_t dim = shape->Get(d);
          if (dim < 0 || dim > kMaxDimension)
            fail(fmt::format("{} has dimension {} = {}; convroof needs the fixed shapes (0 to {}) a converted model "
                             "records",
                             tensor_label(index), d, dim, kMaxDimension));
          info.shape.push_back(dim);
          product *= static_cast<double>(dim);
        }
        if (product > 1e15)
          fail(fmt::format("{} has shape {}: over 10^15 elements", tensor_label(index), shape_text(info.shape)));
      }
      check_quantization(index, info);
      read_sparsity(index, info);
    }
    if (activation)
      for (auto dim : info.shape)
        if (dim == 0) fail(fmt::format("{} has shape {}, with no elements", tensor_label(index), shape_text(info.shape)));
    return info;
  }

  // A sparse constant's stored size (TensorFlow's SparsityParameters, a TACO-style format):
  // the dense shape (d0 … dn-1) is traversed in traversal_order, whose last k entries are the
  // dimensions of a block (block_map: the dense dimension each blocks; a blocked dimension d
  // is then traversed as shape[d] / block extents). Each traversed level is DENSE (all of its
  // dense_size coordinates) or SPARSE_CSR (array_segments: one more entry than the elements of
  // the levels before, rising from 0; array_indices: the coordinates kept, as many as the last
  // segment). The values stored are the elements the last level keeps; the buffer holds them,
  // and the index arrays sit in the flatbuffer. Stored size in elements of the tensor's type:
  //   values + ceil(bytes of every array_segments and array_indices / element bytes).
  void read_sparsity(int index, TensorInfo& info) const {
    const tflite::SparsityParameters* sparsity = info.tensor->sparsity();
    if (!sparsity) return;
    const Sparse at{index, reinterpret_cast<std::uintptr_t>(sparsity) - reinterpret_cast<std::uintptr_t>(file_.bytes().data())};
    if (info.producer != kConstant) sparse_fail(at, "the tensor has no data; only a constant is stored sparse");
    const std::uint64_t value_bytes = type_bytes(info.type);
    if (value_bytes == 0)
      sparse_fail(at, fmt::format("convroof reads sparse tensors of whole-byte types, not {}", type_name(info.type)));
    const auto* order = sparsity->traversal_order();
    const auto* levels = sparsity->dim_metadata();
    const std::vector<std::int64_t> extent = sparse_extents(at, info.shape, *sparsity);
    std::uint64_t kept = 1, index_bytes = 0;
    for (unsigned m = 0; m < levels->size(); ++m) {
      const tflite::DimensionMetadata* level = levels->Get(m);
      const std::int64_t size = extent[static_cast<std::size_t>(order->Get(m))];
      if (level->format() == tflite::DimensionType_DENSE) {
        if (level->dense_size() != size)
          sparse_fail(at, fmt::format("dim_metadata {} is DENSE with dense_size {}, but its dimension has {}", m,
                                      level->dense_size(), size));
        kept *= static_cast<std::uint64_t>(size);
      } else if (level->format() == tflite::DimensionType_SPARSE_CSR) {
        index_bytes += sparse_level(at, m, *level, size, kept);
      } else {
        sparse_fail(at, fmt::format("dim_metadata {} has format {}, neither DENSE (0) nor SPARSE_CSR (1)", m,
                                    static_cast<int>(level->format())));
      }
    }
    const tflite::Buffer* buffer = root_->buffers()->Get(static_cast<unsigned>(info.storage));
    const std::uint64_t stored = buffer->data() && buffer->data()->size() > 0 ? buffer->data()->size() : buffer->size();
    if (stored != kept * value_bytes)
      sparse_fail(at, fmt::format("its buffer {} holds {} bytes, not the {} {} values ({} bytes) its dim_metadata keeps",
                                  info.storage, stored, kept, type_name(info.type), kept * value_bytes));
    info.sparse_params = kept + (index_bytes + value_bytes - 1) / value_bytes;
  }

  struct Sparse {  // a sparse tensor being read: its index and its sparsity table's byte
    int tensor;
    std::uint64_t byte;
  };
  [[noreturn]] void sparse_fail(const Sparse& at, const std::string& what) const {
    fail(fmt::format("{}: its sparsity parameters (the table at byte {}): {}", tensor_label(at.tensor), at.byte, what));
  }

  // Each traversed dimension's extent, once traversal_order is checked to be a permutation of the
  // n dimensions, then of the k block dimensions: a block dimension's is its dense_size (a DENSE
  // level), a blocked dimension's its shape extent divided by that.
  std::vector<std::int64_t> sparse_extents(const Sparse& at, const Shape& shape,
                                           const tflite::SparsityParameters& sparsity) const {
    const std::size_t n = shape.size();
    const auto* order = sparsity.traversal_order();
    const auto* block_map = sparsity.block_map();
    const auto* levels = sparsity.dim_metadata();
    const std::size_t k = block_map ? block_map->size() : 0;
    if (!order || order->size() != n + k)
      sparse_fail(at, fmt::format("traversal_order has {} entries, not the shape's {} dimensions plus {} block "
                                  "dimensions",
                                  order ? order->size() : 0, n, k));
    if (!levels || levels->size() != n + k)
      sparse_fail(at, fmt::format("dim_metadata has {} entries, not one per traversal_order entry ({})",
                                  levels ? levels->size() : 0, n + k));
    std::vector<bool> seen(n + k);
    for (unsigned m = 0; m < order->size(); ++m) {
      const std::int32_t d = order->Get(m);
      const bool fits = m < n ? d >= 0 && static_cast<std::size_t>(d) < n
                              : static_cast<std::size_t>(d) >= n && static_cast<std::size_t>(d) < n + k;
      if (!fits || seen[static_cast<std::size_t>(d)])
        sparse_fail(at, fmt::format("traversal_order entry {} is {}: not a permutation of {} (then of the block "
                                    "dimensions)",
                                    m, d, n == 0 ? std::string("none") : fmt::format("0 to {}", n - 1)));
      seen[static_cast<std::size_t>(d)] = true;
    }
    std::vector<std::int64_t> extent(shape.begin(), shape.end());
    extent.resize(n + k);
    for (unsigned m = 0; m < order->size(); ++m) {
      const auto d = static_cast<std::size_t>(order->Get(m));
      if (d < n) continue;
      const std::int32_t blocked = block_map->Get(static_cast<unsigned>(d - n));
      const std::int32_t block = levels->Get(m)->dense_size();
      if (blocked < 0 || static_cast<std::size_t>(blocked) >= n)
        sparse_fail(at, fmt::format("block_map entry {} is {}, not a dimension of its shape {}", d - n, blocked,
                                    shape_text(shape)));
      if (levels->Get(m)->format() != tflite::DimensionType_DENSE || block < 1 ||
          extent[static_cast<std::size_t>(blocked)] % block != 0)
        sparse_fail(at, fmt::format("block dimension {} (dim_metadata {}) is not DENSE with a dense_size that "
                                    "divides dimension {} ({})",
                                    d, m, blocked, shape[static_cast<std::size_t>(blocked)]));
      extent[d] = block;
      extent[static_cast<std::size_t>(blocked)] /= block;
    }
    return extent;
  }

  // A SPARSE_CSR level over a dimension of `size` after levels keeping `kept` elements: checks
  // its arrays, sets `kept` to the elements it keeps, and returns the bytes its arrays store.
  std::uint64_t sparse_level(const Sparse& at, unsigned m, const tflite::DimensionMetadata& level, std::int64_t size,
                             std::uint64_t& kept) const {
    const auto [segments, segment_bytes] =
        index_vector(level.array_segments_type(), level.array_segments(), [&](const char* what) {
          sparse_fail(at, fmt::format("dim_metadata {} (SPARSE_CSR) has no array_segments {}", m, what));
        });
    const auto [indices, indices_bytes] =
        index_vector(level.array_indices_type(), level.array_indices(), [&](const char* what) {
          sparse_fail(at, fmt::format("dim_metadata {} (SPARSE_CSR) has no array_indices {}", m, what));
        });
    if (segments.size() != kept + 1)
      sparse_fail(at, fmt::format("dim_metadata {}: array_segments has {} entries, not one more than the {} elements "
                                  "of the levels before",
                                  m, segments.size(), kept));
    if (segments.front() != 0)
      sparse_fail(at, fmt::format("dim_metadata {}: array_segments starts at {}, not 0", m, segments[0]));
    for (std::size_t s = 1; s < segments.size(); ++s)
      if (segments[s] < segments[s - 1])
        sparse_fail(at, fmt::format("dim_metadata {}: array_segments entry {} is {}, below entry {} ({}): segments "
                                    "never decrease",
                                    m, s, segments[s], s - 1, segments[s - 1]));
    if (static_cast<std::uint64_t>(segments.back()) != indices.size())
      sparse_fail(at, fmt::format("dim_metadata {}: array_segments ends at {}, but array_indices has {} entries", m,
                                  segments.back(), indices.size()));
    for (std::size_t s = 0; s < indices.size(); ++s)
      if (indices[s] < 0 || indices[s] >= size)
        sparse_fail(at, fmt::format("dim_metadata {}: array_indices entry {} is {}, outside its dimension's {}", m, s,
                                    indices[s], size));
    kept = indices.size();
    return segment_bytes + indices_bytes;
  }

  // A SparseIndexVector's values and their stored bytes; `missing` reports one absent.
  template <typename Missing>
  static std::pair<std::vector<std::int64_t>, std::uint64_t> index_vector(tflite::SparseIndexVector type,
                                                                         const void* table, Missing missing) {
    std::vector<std::int64_t> values;
    auto take = [&](const auto* vector, std::uint64_t bytes) {
      if (!vector || !vector->values()) missing("values");
      values.assign(vector->values()->begin(), vector->values()->end());
      return std::pair{values, bytes * values.size()};
    };
    if (!table) missing("table");
    switch (type) {
      case tflite::SparseIndexVector_Int32Vector:
        return take(static_cast<const tflite::Int32Vector*>(table), 4);
      case tflite::SparseIndexVector_Uint16Vector:
        return take(static_cast<const tflite::Uint16Vector*>(table), 2);
      case tflite::SparseIndexVector_Uint8Vector:
        return take(static_cast<const tflite::Uint8Vector*>(table), 1);
      default:
        missing("of a known type (Int32Vector, Uint16Vector or Uint8Vector)");
    }
    return {};
  }

  void check_quantization(int index, TensorInfo& info) const {
    const tflite::QuantizationParameters* q = info.tensor->quantization();
    if (!q || !q->scale()) return;
    const unsigned scales = q->scale()->size();
    const unsigned zero_points = q->zero_point() ? q->zero_point()->size() : 0;
    if (zero_points != 0 && zero_points != scales)
      fail(fmt::format("{}: its quantization has {} scales but {} zero points", tensor_label(index), scales,
                       zero_points));
    if (scales <= 1) return;
    const std::int32_t axis = q->quantized_dimension();
    if (axis < 0 || static_cast<std::size_t>(axis) >= info.shape.size())
      fail(fmt::format("{}: quantized_dimension {} is not an axis of its shape {}", tensor_label(index), axis,
                       shape_text(info.shape)));
    if (info.shape[static_cast<std::size_t>(axis)] != static_cast<std::int64_t>(scales))
      fail(fmt::format("{}: {} per-channel scales, but dimension {} (its quantized_dimension) of its shape {} is {}",
                       tensor_label(index), scales, axis, shape_text(info.shape),
                       info.shape[static_cast<std::size_t>(axis)]));
    info.per_channel = true;
  }

  void set_inputs() {
    const auto* inputs = graph_->inputs();
    std::vector<int> runtime;
    if (inputs)
      for (unsigned i = 0; i < inputs->size(); ++i) {
        int index = tensor_index(inputs->Get(i), fmt::format("subgraph input {}", i));
        if (tensors_[static_cast<std::size_t>(index)].producer == kConstant) continue;
        runtime.push_back(index);
      }
    if (runtime.empty()) fail("subgraph 0 has no input tensor");
    for (std::size_t i = 0; i < runtime.size(); ++i) {
      TensorInfo& info = use(runtime[i], true);
      if (info.producer == kModelInput) fail(fmt::format("{} is listed twice as a subgraph input", tensor_label(runtime[i])));
      info.producer = kModelInput;
      if (info.shape.empty()) fail(fmt::format("input {} is a scalar; convroof needs a tensor", tensor_label(runtime[i])));
      if (batch_ && info.shape.front() != *batch_)
        fail(fmt::format("--batch {} is not supported for a TFLite model: its tensors record batch {} (input {}), and "
                         "convroof analyzes the shapes the file records",
                         *batch_, info.shape.front(), tensor_label(runtime[i])));
      if (i == 0) {
        model_.input_shape = info.shape;
      } else {
        model_.notes.push_back(fmt::format("input '{}' {} is read from memory as a second model input", info.name,
                                           shape_text(info.shape)));
      }
    }
  }

  // Which operator writes each tensor (a tensor is written once), every index checked first.
  void find_writers(const flatbuffers::Vector<flatbuffers::Offset<tflite::Operator>>& operators) {
    const auto* codes = root_->operator_codes();
    const unsigned code_count = codes ? codes->size() : 0;
    for (unsigned i = 0; i < operators.size(); ++i) {
      const tflite::Operator* op = operators.Get(i);
      if (op->opcode_index() >= code_count)
        fail(fmt::format("operator {}: opcode_index {} is out of range (the model has {} operator codes)", i,
                         op->opcode_index(), code_count));
      op_codes_.push_back(code_names_[op->opcode_index()]);
      const int index = static_cast<int>(i);
      if (op->inputs())
        for (unsigned k = 0; k < op->inputs()->size(); ++k)
          if (op->inputs()->Get(k) != -1)
            tensor_index(op->inputs()->Get(k), fmt::format("operator {} ({}): input {}", i, op_label(index), k));
      if (!op->outputs() || op->outputs()->size() == 0) fail_op(index, "has no output");
      for (unsigned k = 0; k < op->outputs()->size(); ++k) {
        const int t = tensor_index(op->outputs()->Get(k), fmt::format("operator {} ({}): output {}", i, op_label(index), k));
        TensorInfo& info = tensors_[static_cast<std::size_t>(t)];
        if (info.writer >= 0)
          fail_op(index, fmt::format("writes {}, which operator {} writes already (a tensor is written once)",
                                     tensor_label(t), info.writer));
        if (info.producer == kModelInput) fail_op(index, fmt::format("writes {}, a model input", tensor_label(t)));
        if (info.producer == kConstant) fail_op(index, fmt::format("writes {}, a constant", tensor_label(t)));
        info.writer = index;
      }
    }
  }

  void check_outputs() const {
    const auto* outputs = graph_->outputs();
    if (!outputs) return;
    for (unsigned i = 0; i < outputs->size(); ++i) {
      const int index = tensor_index(outputs->Get(i), fmt::format("subgraph output {}", i));
      if (tensors_[static_cast<std::size_t>(index)].producer == kUnwritten)
        fail(fmt::format("subgraph output {} is {}, which no operator writes", i, tensor_label(index)));
    }
  }

  // --- per operator -----------------------------------------------------------------------

  struct Operands {
    std::vector<int> all;          // tensor index per input position (-1: omitted)
    std::vector<int> activations;  // positions of run-time inputs
  };

  // An input position's tensor, or -1.
  static int at(const Operands& operands, std::size_t position) {
    return position < operands.all.size() ? operands.all[position] : -1;
  }

  const TensorInfo& constant_input(int op_index, const Operands& operands, std::size_t position, const char* what) {
    const int t = at(operands, position);
    if (t < 0) fail_op(op_index, fmt::format("has no {} (input {})", what, position));
    const TensorInfo& info = use(t, false);
    if (info.producer != kConstant)
      fail_op(op_index, fmt::format("its {} ({}) is computed at run time; convroof needs a constant {}", what,
                                    tensor_label(t), what));
    return info;
  }

  std::string layer_name(int op_index, const TensorInfo& output) {
    // Converters name a tensor by every op fused into it, ';'-separated: the first is the op's.
    std::string base = output.name.substr(0, output.name.find(';'));
    if (base.empty()) base = fmt::format("op{}", op_index);
    if (base.size() > kMaxNameBytes) base = fmt::format("op{}", op_index);
    std::string name = base;
    for (int copy = 2; used_names_.count(name); ++copy) name = fmt::format("{}#{}", base, copy);
    used_names_.insert(name);
    return name;
  }

  // A weight or bias the layer's formula counts: counted in the totals once per buffer. The
  // formula counts a sparse weight at its dense shape (MACs, and the weights the layer reads:
  // TFLite's DENSIFY writes them dense); the totals count what the file stores, so the
  // difference joins Layer::shared_params, the params the model's stored weights leave out.
  void add_parameter(Layer& layer, const TensorInfo& info) {
    if (info.storage < 0) return;
    note_weight_type(info);
    if (!counted_buffers_.insert(info.storage).second) layer.shared_params += elements(info.shape);
    else if (info.sparse_params) layer.shared_params += elements(info.shape) - std::min(*info.sparse_params, elements(info.shape));
  }
  void note_weight_type(const TensorInfo& info) {
    if (auto precision = weight_precision(info.storage_type))
      weight_elements_[*precision] += static_cast<double>(elements(info.shape));
  }

  // Whether a constant operand of an element-wise op is a parameter: float or quantized data
  // of more than one element (not a scalar, not int32 shapes or indices).
  static bool counts_as_parameter(const TensorInfo& info) {
    return elements(info.shape) > 1 && weight_precision(info.storage_type).has_value();
  }

  void require_shape(int op_index, const Layer& layer, const Shape& expected) const {
    if (expected != layer.output_shape)
      fail_op(op_index, fmt::format("its output tensor has shape {}, but convroof infers {} from its inputs",
                                    shape_text(layer.output_shape), shape_text(expected)));
  }

  // The builder's shape rule for a YAML kind, checked against the file's output shape.
  void infer_and_check(int op_index, Layer& layer) {
    const Shape file_shape = layer.output_shape;
    // The builder names producers from its own (empty) model: it sees the model input.
    const std::vector<int> inputs = layer.inputs;
    std::fill(layer.inputs.begin(), layer.inputs.end(), kModelInput);
    try {
      builder_.infer(layer);
    } catch (const Error& e) {
      fail_op(op_index, e.what());
    }
    layer.inputs = inputs;
    const Shape inferred = layer.output_shape;
    layer.output_shape = file_shape;
    require_shape(op_index, layer, inferred);
  }

  // NumPy broadcasting of the operands' shapes (TFLite's element-wise rule).
  Shape broadcast(int op_index, const std::vector<Shape>& shapes) const {
    Shape out;
    for (const auto& shape : shapes) {
      if (shape.size() > out.size()) out.insert(out.begin(), shape.size() - out.size(), 1);
      for (std::size_t k = 0; k < shape.size(); ++k) {
        std::int64_t& target = out[out.size() - shape.size() + k];
        const std::int64_t dim = shape[k];
        if (dim == target || dim == 1) continue;
        if (target == 1) {
          target = dim;
          continue;
        }
        std::vector<std::string> texts;
        for (const auto& s : shapes) texts.push_back(shape_text(s));
        fail_op(op_index, fmt::format("its operands' shapes {} do not broadcast", join(texts)));
      }
    }
    return out;
  }

  // Window options shared by convolutions and pools: stride, dilation, SAME/VALID as explicit
  // pads [top, bottom, left, right].
  void window(int op_index, Layer& layer, int padding, std::int32_t stride_h, std::int32_t stride_w,
              std::int32_t dilation_h, std::int32_t dilation_w) const {
    if (stride_h < 1 || stride_w < 1 || dilation_h < 1 || dilation_w < 1)
      fail_op(op_index, fmt::format("stride {}x{} and dilation {}x{} must be at least 1", stride_h, stride_w,
                                    dilation_h, dilation_w));
    if (padding != tflite::Padding_SAME && padding != tflite::Padding_VALID)
      fail_op(op_index, fmt::format("padding {} is neither SAME (0) nor VALID (1)", padding));
    layer.stride = {stride_h, stride_w};
    layer.dilation = {dilation_h, dilation_w};
    layer.padding = {0, 0, 0, 0};
    if (padding == tflite::Padding_SAME) {
      const Shape& in = layer.input_shapes.front();
      auto vertical = same_pads(in[1], layer.kernel[0], layer.dilation[0], layer.stride[0]);
      auto horizontal = same_pads(in[2], layer.kernel[1], layer.dilation[1], layer.stride[1]);
      layer.padding = {vertical[0], vertical[1], horizontal[0], horizontal[1]};
    }
  }

  void require_rank4(int op_index, const Layer& layer, const Shape& shape, const char* what) const {
    (void)layer;
    if (shape.size() != 4)
      fail_op(op_index, fmt::format("its {} has shape {}; convroof models 2-D operators on 4-D NHWC tensors", what,
                                    shape_text(shape)));
  }

  template <typename Options>
  const Options* options(int op_index, const tflite::Operator& op, const Options* found, const char* name,
                         bool required) const {
    if (!found && required && op.builtin_options_type() != tflite::BuiltinOptions_NONE)
      fail_op(op_index, fmt::format("its builtin_options are of type {}, not {}", static_cast<int>(op.builtin_options_type()), name));
    if (!found && required) fail_op(op_index, fmt::format("has no builtin_options ({})", name));
    return found;
  }

  // --- the operator table ------------------------------------------------------------------
  //
  // add_operator reads an operator's operands, folds it when it computes only on constants,
  // and starts its layer (name, inputs, output shape, dtype); the operator's row of rules()
  // then makes the layer its kind, each row a function of its own. After it, the constant
  // operands the row did not count are parameters, and the layer (and its fused activation)
  // joins the model. An operator no row names is unmodeled.

 public:
  struct OpContext;
  using Handler = void (Importer::*)(OpContext&);
  // A row: TFLite operator names (as TensorFlow's schema.fbs spells them, or a custom op's
  // custom_code), the layer kinds they import as (tflite_op_types lists them), the function
  // that imports them, and the numbers an element-wise row passes it.
  struct OpRule {
    std::string_view names;  // space-separated
    std::vector<LayerOp> kinds;
    Handler import;
    bool custom = false;  // a custom operator (OperatorCode.custom_code), not a builtin
    int flops = 0;        // element-wise rows: FLOPs per output element, or per extra operand
    OpClass op_class = OpClass::eltwise;
    Handler fold = nullptr;  // also run when every input is a constant and the operator folds away
  };
  static const std::vector<OpRule>& rules();

  // One operator being imported.
  struct OpContext {
    int index;
    const tflite::Operator& op;
    const OpRule& rule;
    Operands operands;
    std::vector<int> outputs;
    Layer layer;
    int fused = tflite::ActivationFunctionType_NONE;
    bool counted_operands = false;  // the row counted the constant operands itself
  };

 private:

  // Each operator code's row (nullptr: none), by builtin name or custom_code.
  void find_rules() {
    std::map<std::pair<bool, std::string_view>, const OpRule*> by_name;
    for (const OpRule& rule : rules())
      for (std::string_view name : split_names(rule.names)) by_name.emplace(std::pair{rule.custom, name}, &rule);
    for (std::size_t i = 0; i < code_names_.size(); ++i) {
      const bool custom = builtin_codes_[i] == tflite::BuiltinOperator_CUSTOM;
      const auto found = by_name.find(std::pair{custom, std::string_view(code_names_[i])});
      code_rules_.push_back(found == by_name.end() ? nullptr : found->second);
    }
  }

  // The operator's inputs, each written before it (or a constant or model input); the
  // run-time ones' positions in `activations`.
  Operands read_operands(int index, const tflite::Operator& op) {
    Operands operands;
    if (op.inputs())
      for (unsigned k = 0; k < op.inputs()->size(); ++k) {
        const int t = op.inputs()->Get(k);
        operands.all.push_back(t);
        if (t < 0) continue;
        TensorInfo& info = use(t, false);
        if (info.producer == kUnwritten) {
          if (info.writer > index)
            fail_op(index, fmt::format("reads {} before it is written: operator {} writes it later (TFLite runs "
                                       "operators in file order; a cycle has no such order)",
                                       tensor_label(t), info.writer));
          fail_op(index, fmt::format("reads {}, which {}", tensor_label(t),
                                     info.writer == index ? "it writes itself (a cycle)"
                                                          : "no operator writes and is not a constant or a model input"));
        }
        if (info.producer != kConstant) {
          use(t, true);
          operands.activations.push_back(static_cast<int>(k));
        }
      }
    return operands;
  }

  void add_operator(int index, const tflite::Operator& op) {
    static const OpRule kUnmodeledRule{"", {LayerOp::unmodeled}, &Importer::unmodeled};
    const OpRule* found = code_rules_[op.opcode_index()];
    OpContext c{index, op, found ? *found : kUnmodeledRule, {}, {}, {}};
    c.operands = read_operands(index, op);
    const Operands& operands = c.operands;
    for (unsigned k = 0; k < op.outputs()->size(); ++k) c.outputs.push_back(op.outputs()->Get(k));
    if (operands.activations.empty()) return fold(c);

    Layer& layer = c.layer;
    layer.where = Location{path_, 0, 0};
    layer.source_op = op_codes_[static_cast<std::size_t>(index)];
    const TensorInfo& first_input =
        tensors_[static_cast<std::size_t>(operands.all[static_cast<std::size_t>(operands.activations.front())])];
    layer.dtype = activation_precision(first_input.type);
    for (int position : operands.activations) {
      const TensorInfo& info = tensors_[static_cast<std::size_t>(operands.all[static_cast<std::size_t>(position)])];
      layer.inputs.push_back(info.producer);
      layer.input_shapes.push_back(info.shape);
    }
    const TensorInfo& out = use(c.outputs.front(), true);
    layer.name = layer_name(index, out);
    if (c.outputs.size() == 1) {
      layer.output_shape = out.shape;
    } else {  // several outputs (SPLIT, UNPACK, a custom op): one flat tensor of their sum, as ONNX's
      std::uint64_t total = 0;
      for (int t : c.outputs) total += elements(use(t, true).shape);
      layer.output_shape = {static_cast<std::int64_t>(total)};
    }
    if (layer.output_shape.empty()) layer.output_shape = {1};  // a scalar output

    (this->*c.rule.import)(c);

    if (layer.op != LayerOp::conv2d && layer.op != LayerOp::depthwise_conv2d && layer.op != LayerOp::conv_transpose &&
        layer.op != LayerOp::elementwise)
      layer.op_class = layer_op_info(layer.op).op_class;
    if (!c.counted_operands) {
      // Constant operands of element-wise ops, concat, matmul: one more operand each, and the
      // stored ones are parameters (each buffer counted once).
      for (int t : operands.all) {
        if (t < 0) continue;
        const TensorInfo& info = tensors_[static_cast<std::size_t>(t)];
        if (info.producer != kConstant) continue;
        ++layer.constant_operands;
        if (!counts_as_parameter(info) || info.storage < 0) continue;
        note_weight_type(info);
        if (counted_buffers_.insert(info.storage).second) layer.constant_elements += elements(info.shape);
      }
    }
    push(layer, c.outputs, out, index, c.fused);
  }

  // Computed once from constants (a DEQUANTIZE of stored weights, a DENSIFY of sparse ones):
  // no run-time work; the output stands for the one stored tensor it comes from.
  void fold(OpContext& c) {
    if (c.rule.fold) (this->*c.rule.fold)(c);
    ++folded_;
    const TensorInfo* source = nullptr;
    int sources = 0;
    for (int t : c.operands.all) {
      if (t < 0) continue;
      const TensorInfo& info = tensors_[static_cast<std::size_t>(t)];
      if (counts_as_parameter(info)) {
        source = &info;
        ++sources;
      }
    }
    for (int t : c.outputs) {
      TensorInfo& info = use(t, false);
      info.producer = kConstant;
      info.storage = sources == 1 ? source->storage : -1;
      info.storage_type = sources == 1 ? source->storage_type : info.type;
      if (sources == 1) info.sparse_params = source->sparse_params;
    }
  }

  // --- helpers the rows share ----------------------------------------------------------------

  static void keep_first_input(OpContext& c) {
    c.layer.inputs.resize(1);
    c.layer.input_shapes.resize(1);
  }
  static void elementwise(OpContext& c, int flops, OpClass op_class) {
    c.layer.op = LayerOp::elementwise;
    c.layer.element_flops = flops;
    c.layer.op_class = op_class;
  }
  // NumPy broadcasting of every operand (constants too) gives the output tensor's shape.
  void check_broadcast(OpContext& c) const {
    std::vector<Shape> shapes;
    for (int t : c.operands.all)
      if (t >= 0) shapes.push_back(tensors_[static_cast<std::size_t>(t)].shape);
    require_shape(c.index, c.layer, broadcast(c.index, shapes));
  }
  void check_same_shape(OpContext& c) const { require_shape(c.index, c.layer, c.layer.input_shapes.front()); }
  // The input at position 0 is a run-time tensor (a convolution's or dense layer's data).
  void require_runtime_input0(const OpContext& c) const {
    if (c.operands.activations.front() != 0) fail_op(c.index, "its input (input 0) is a constant");
  }

  // A convolution's filter (input 1, a constant) and its run-time input 0, both 4-D.
  const TensorInfo& conv_filter(OpContext& c) {
    require_runtime_input0(c);
    const TensorInfo& filter = constant_input(c.index, c.operands, 1, "filter");
    require_rank4(c.index, c.layer, c.layer.input_shapes.front(), "input");
    require_rank4(c.index, c.layer, filter.shape, "filter");
    return filter;
  }
  // A convolution's weights and bias counted, its output shape checked, its fused activation.
  void finish_conv(OpContext& c, const TensorInfo& filter, int fused) {
    weights(c.index, c.layer, c.operands, filter);
    infer_and_check(c.index, c.layer);
    c.fused = fused;
    c.counted_operands = true;
  }

  // --- the rows' functions -------------------------------------------------------------------

  // CONV_2D: filter [O, kh, kw, C / groups]; groups = C / the filter's in-channels; a conv with
  // groups = C is a depthwise layer, as ONNX's importer names it.
  void conv2d(OpContext& c) {
    const auto* o = options(c.index, c.op, c.op.builtin_options_as_Conv2DOptions(), "Conv2DOptions", true);
    Layer& layer = c.layer;
    const Shape& in = layer.input_shapes.front();
    const TensorInfo& filter = conv_filter(c);
    const Shape& w = filter.shape;
    if (w[3] < 1 || in[3] % w[3] != 0)
      fail_op(c.index, fmt::format("its input has {} channels, which the filter's {} in-channels ({} {}) do not divide",
                                   in[3], w[3], tensor_label(at(c.operands, 1)), shape_text(w)));
    layer.op = LayerOp::conv2d;
    layer.groups = in[3] / w[3];
    layer.filters = w[0];
    if (layer.filters < 1 || layer.filters % layer.groups != 0)
      fail_op(c.index, fmt::format("groups {} (input channels {} / filter in-channels {}) does not divide the filter's "
                                   "{} out-channels",
                                   layer.groups, in[3], w[3], w[0]));
    layer.kernel = {w[1], w[2]};
    if (w[1] < 1 || w[2] < 1) fail_op(c.index, fmt::format("its filter {} has an empty kernel", shape_text(w)));
    window(c.index, layer, o->padding(), o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor());
    layer.bias = at(c.operands, 2) >= 0;
    if (conv_op_class(layer, in[3]) == OpClass::depthwise && in[3] > 1) {
      layer.op = LayerOp::depthwise_conv2d;
      layer.depth_multiplier = layer.filters / in[3];
    }
    finish_conv(c, filter, o->fused_activation_function());
  }

  // DEPTHWISE_CONV_2D: filter [1, kh, kw, C · multiplier]. depth_multiplier is redundant
  // (TensorFlow ignores it since 2.0): the filter decides.
  void depthwise_conv2d(OpContext& c) {
    const auto* o =
        options(c.index, c.op, c.op.builtin_options_as_DepthwiseConv2DOptions(), "DepthwiseConv2DOptions", true);
    Layer& layer = c.layer;
    const Shape& in = layer.input_shapes.front();
    const TensorInfo& filter = conv_filter(c);
    const Shape& w = filter.shape;
    if (w[1] < 1 || w[2] < 1) fail_op(c.index, fmt::format("its filter {} has an empty kernel", shape_text(w)));
    if (w[3] < 1 || w[3] % in[3] != 0)
      fail_op(c.index, fmt::format("its filter {} has {} channels, not a multiple of the input's {}", shape_text(w),
                                   w[3], in[3]));
    layer.op = LayerOp::depthwise_conv2d;
    layer.depth_multiplier = w[3] / in[3];
    layer.filters = w[3];
    layer.kernel = {w[1], w[2]};
    window(c.index, layer, o->padding(), o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor());
    layer.bias = at(c.operands, 2) >= 0;
    finish_conv(c, filter, o->fused_activation_function());
  }

  // A transposed convolution's layer from its input (position `input`), filter [O, kh, kw,
  // C / groups] (position 1) and stride: returns the filter. The caller checks the output size
  // its padding gives, then calls transposed_output.
  const TensorInfo& transposed(OpContext& c, std::size_t input, std::int32_t stride_h, std::int32_t stride_w) {
    Layer& layer = c.layer;
    const int input_t = at(c.operands, input);
    if (input_t < 0 || tensors_[static_cast<std::size_t>(input_t)].producer == kConstant)
      fail_op(c.index, fmt::format("its input (input {}) is not a run-time tensor", input));
    const TensorInfo& filter = constant_input(c.index, c.operands, 1, "filter");
    layer.inputs = {tensors_[static_cast<std::size_t>(input_t)].producer};
    layer.input_shapes = {tensors_[static_cast<std::size_t>(input_t)].shape};
    const Shape& in = layer.input_shapes.front();
    require_rank4(c.index, layer, in, "input");
    require_rank4(c.index, layer, filter.shape, "filter");
    require_rank4(c.index, layer, layer.output_shape, "output");
    const Shape& w = filter.shape;
    if (w[0] < 1 || w[1] < 1 || w[2] < 1 || w[3] < 1 || in[3] % w[3] != 0 || w[0] % (in[3] / w[3]) != 0)
      fail_op(c.index, fmt::format("its filter {} does not fit the input's {} channels", shape_text(w), in[3]));
    layer.op = LayerOp::conv_transpose;
    layer.groups = in[3] / w[3];
    layer.filters = w[0];
    layer.kernel = {w[1], w[2]};
    if (stride_h < 1 || stride_w < 1) fail_op(c.index, fmt::format("stride {}x{} must be at least 1", stride_h, stride_w));
    layer.stride = {stride_h, stride_w};
    return filter;
  }
  void transposed_output(OpContext& c) {
    Layer& layer = c.layer;
    const Shape& in = layer.input_shapes.front();
    if (layer.output_shape[0] != in[0] || layer.output_shape[3] != layer.filters)
      fail_op(c.index, fmt::format("its output tensor has shape {}, but batch {} and {} filters give {}x?x?x{}",
                                   shape_text(layer.output_shape), in[0], layer.filters, in[0], layer.filters));
    layer.op_class = conv_op_class(layer, in[3]);
    c.counted_operands = true;
  }

  // TRANSPOSE_CONV: inputs output shape (int32), filter, input, bias. The output size the
  // padding allows: SAME, in = ceil(out / s); VALID, in = ceil((out - k + 1) / s).
  void transpose_conv(OpContext& c) {
    const auto* o = options(c.index, c.op, c.op.builtin_options_as_TransposeConvOptions(), "TransposeConvOptions", true);
    const TensorInfo& filter = transposed(c, 2, o->stride_h(), o->stride_w());
    if (o->padding() != tflite::Padding_SAME && o->padding() != tflite::Padding_VALID)
      fail_op(c.index, fmt::format("padding {} is neither SAME (0) nor VALID (1)", static_cast<int>(o->padding())));
    Layer& layer = c.layer;
    layer.bias = at(c.operands, 3) >= 0;
    const bool same = o->padding() == tflite::Padding_SAME;
    for (int axis = 0; axis < 2; ++axis) {
      const std::int64_t o_size = layer.output_shape[1 + axis], i_size = layer.input_shapes.front()[1 + axis],
                         s = layer.stride[axis], k = layer.kernel[axis];
      const std::int64_t covered = same ? o_size : o_size - k + 1;
      if (covered < 1 || (covered + s - 1) / s != i_size)
        fail_op(c.index, fmt::format("its output {} {} does not follow from input {}, kernel {}, stride {} and {} "
                                     "padding",
                                     axis == 0 ? "height" : "width", o_size, i_size, k, s, same ? "SAME" : "VALID"));
    }
    transposed_output(c);
    weights(c.index, layer, c.operands, filter, 3);
    c.fused = o->fused_activation_function();
  }

  // MediaPipe's Convolution2DTransposeBias (mediapipe/util/tflite/operations/
  // transpose_conv_bias.cc): inputs input, filter [O, kh, kw, C] (OHWI), bias [O]. Its
  // custom_options are not a flexbuffer but the raw bytes of TensorFlow Lite's C struct
  // TfLiteTransposeConvParams as MediaPipe's kernel reads them (node->custom_initial_data cast
  // to the struct): three little-endian int32, padding (TfLitePadding: 1 SAME, 2 VALID),
  // stride_width, stride_height; 12 bytes. Its output size is MediaPipe's Prepare's:
  // s·(in - 1) + k, less max(0, k - (in - 1) mod s - 1) for SAME.
  void transpose_conv_bias(OpContext& c) {
    // Not a structured binding: clang 14 (the sanitizer build) cannot capture one in a lambda.
    const auto options = custom_options(c, 12);
    const std::vector<std::uint8_t>& bytes = options.first;
    const std::uint64_t at_byte = options.second;
    auto word = [&](std::size_t at) {
      std::uint32_t value = 0;
      for (std::size_t k = 0; k < 4; ++k) value |= static_cast<std::uint32_t>(bytes[at + k]) << (8 * k);
      return static_cast<std::int32_t>(value);
    };
    const std::int32_t padding = word(0), stride_w = word(4), stride_h = word(8);
    if (padding != 1 && padding != 2)
      fail_op(c.index, fmt::format("custom_options: padding {} (the int32 at byte {}) is neither SAME (1) nor VALID "
                                   "(2) (TfLitePadding)",
                                   padding, at_byte));
    for (auto [value, name, offset] : {std::tuple{stride_w, "stride_width", 4}, std::tuple{stride_h, "stride_height", 8}})
      if (value < 1)
        fail_op(c.index, fmt::format("custom_options: {} {} (the int32 at byte {}) must be at least 1", name, value,
                                     at_byte + static_cast<std::uint64_t>(offset)));
    const TensorInfo& filter = transposed(c, 0, stride_h, stride_w);
    Layer& layer = c.layer;
    for (int axis = 0; axis < 2; ++axis) {
      const std::int64_t i_size = layer.input_shapes.front()[1 + axis], s = layer.stride[axis], k = layer.kernel[axis];
      const std::int64_t trim = padding == 1 ? std::max<std::int64_t>(0, k - (i_size - 1) % s - 1) : 0;
      const std::int64_t expected = s * (i_size - 1) + k - trim;
      if (layer.output_shape[1 + axis] != expected)
        fail_op(c.index, fmt::format("its output {} {} is not the {} that input {}, kernel {}, stride {} and {} "
                                     "padding give",
                                     axis == 0 ? "height" : "width", layer.output_shape[1 + axis], expected, i_size, k,
                                     s, padding == 1 ? "SAME" : "VALID"));
    }
    transposed_output(c);
    if (at(c.operands, 2) < 0) fail_op(c.index, "has no bias (input 2)");
    layer.bias = true;
    weights(c.index, layer, c.operands, filter, 2);
  }

  // A custom operator's custom_options, which must hold exactly `size` bytes, and the byte of
  // the file they start at.
  std::pair<std::vector<std::uint8_t>, std::uint64_t> custom_options(const OpContext& c, std::size_t size) const {
    const auto* options = c.op.custom_options();
    if (!options) fail_op(c.index, fmt::format("has no custom_options (it reads {} bytes of them)", size));
    const std::uint64_t at_byte = reinterpret_cast<std::uintptr_t>(options->data()) -
                                  reinterpret_cast<std::uintptr_t>(file_.bytes().data());
    if (options->size() != size)
      fail_op(c.index, fmt::format("its custom_options are {} bytes (at byte {}), not the {} it reads",
                                   options->size(), at_byte, size));
    return {std::vector<std::uint8_t>(options->begin(), options->end()), at_byte};
  }

  // FULLY_CONNECTED: weights [units, features]; the input is rows of `features` (all but the
  // last axis kept with keep_num_dims). Weights computed at run time make it a matmul.
  void fully_connected(OpContext& c) {
    const auto* o =
        options(c.index, c.op, c.op.builtin_options_as_FullyConnectedOptions(), "FullyConnectedOptions", false);
    Layer& layer = c.layer;
    require_runtime_input0(c);
    const int weight_t = at(c.operands, 1);
    if (weight_t < 0) fail_op(c.index, "has no weights (input 1)");
    const TensorInfo& weight = use(weight_t, false);
    if (weight.shape.size() != 2)
      fail_op(c.index, fmt::format("its weights {} are not 2-D [units, features]", shape_text(weight.shape)));
    const Shape in = layer.input_shapes.front();
    const std::int64_t features = weight.shape[1];
    const std::uint64_t count = elements(in);
    if (features < 1 || weight.shape[0] < 1 || count % static_cast<std::uint64_t>(features) != 0)
      fail_op(c.index, fmt::format("its input {} does not split into rows of the weights' {} features", shape_text(in),
                                   features));
    const bool keep = o && o->keep_num_dims();
    c.fused = o ? o->fused_activation_function() : 0;
    if (weight.producer != kConstant) {  // a product of two run-time tensors
      layer.op = LayerOp::matmul;
      layer.contraction = features;
      return;
    }
    if (keep && in.back() != features)
      fail_op(c.index, fmt::format("keep_num_dims is set but its input {} does not end in the weights' {} features",
                                   shape_text(in), features));
    layer.op = LayerOp::dense;
    layer.units = weight.shape[0];
    layer.input_shapes.front() =
        keep ? in : Shape{static_cast<std::int64_t>(count / static_cast<std::uint64_t>(features)), features};
    layer.bias = at(c.operands, 2) >= 0;
    weights(c.index, layer, c.operands, weight);
    infer_and_check(c.index, layer);
    c.counted_operands = true;
  }

  // AVERAGE_POOL_2D, MAX_POOL_2D (the row's kind).
  void pool(OpContext& c) {
    const auto* o = options(c.index, c.op, c.op.builtin_options_as_Pool2DOptions(), "Pool2DOptions", true);
    keep_first_input(c);
    require_rank4(c.index, c.layer, c.layer.input_shapes.front(), "input");
    if (o->filter_height() < 1 || o->filter_width() < 1)
      fail_op(c.index, fmt::format("filter {}x{} must be at least 1x1", o->filter_height(), o->filter_width()));
    c.layer.op = c.rule.kinds.front();
    c.layer.kernel = {o->filter_height(), o->filter_width()};
    window(c.index, c.layer, o->padding(), o->stride_h(), o->stride_w(), 1, 1);
    infer_and_check(c.index, c.layer);
    c.fused = o->fused_activation_function();
  }

  // ADD, MUL: add and mul layers of their (broadcast) operands.
  void add(OpContext& c) {
    c.layer.op = LayerOp::add;
    check_broadcast(c);
    if (const auto* o = c.op.builtin_options_as_AddOptions()) c.fused = o->fused_activation_function();
  }
  void mul(OpContext& c) {
    c.layer.op = LayerOp::mul;
    check_broadcast(c);
    if (const auto* o = c.op.builtin_options_as_MulOptions()) c.fused = o->fused_activation_function();
  }

  // Element-wise ops of several operands: the row's FLOPs for each operand beyond the first
  // (as ONNX Sub, Div, Min, Max, comparisons).
  void binary(OpContext& c) {
    int operands = 0;
    for (int t : c.operands.all) operands += t >= 0;
    elementwise(c, c.rule.flops * std::max(operands - 1, 0), c.rule.op_class);
    check_broadcast(c);
  }
  // SUB and DIV also carry a fused activation.
  void sub_div(OpContext& c) {
    binary(c);
    if (const auto* o = c.op.builtin_options_as_SubOptions()) c.fused = o->fused_activation_function();
    if (const auto* o = c.op.builtin_options_as_DivOptions()) c.fused = o->fused_activation_function();
  }
  // Element-wise ops with the row's fixed FLOPs per output, operands broadcast.
  void broadcast_fixed(OpContext& c) {
    elementwise(c, c.rule.flops, c.rule.op_class);
    check_broadcast(c);
  }
  // Element-wise ops of one operand, with the row's FLOPs per output.
  void unary(OpContext& c) {
    keep_first_input(c);
    elementwise(c, c.rule.flops, c.rule.op_class);
    check_same_shape(c);
  }

  // Activations and (de)quantization: the row's kind, shape by the YAML kind's rule.
  void activation(OpContext& c) {
    keep_first_input(c);
    c.layer.op = c.rule.kinds.front();
    infer_and_check(c.index, c.layer);
  }

  // RESHAPE, SQUEEZE, EXPAND_DIMS: a view; the shape operand is metadata.
  void reshape(OpContext& c) {
    keep_first_input(c);
    c.layer.op = LayerOp::reshape;
    const Shape& in = c.layer.input_shapes.front();
    if (elements(in) != elements(c.layer.output_shape))
      fail_op(c.index, fmt::format("its output tensor has shape {}, which does not hold the {} elements of its input {}",
                                   shape_text(c.layer.output_shape), elements(in), shape_text(in)));
    c.counted_operands = true;
  }

  // Copies of the first input whose other operands are metadata (pads, a permutation, axes):
  // the row's kind.
  void first_input_only(OpContext& c) {
    keep_first_input(c);
    c.layer.op = c.rule.kinds.front();
    c.counted_operands = true;
  }

  // CONCATENATION on `axis` of every operand: the others' dimensions must match.
  void concatenation(OpContext& c) {
    c.layer.op = LayerOp::concat;
    const auto* o = c.op.builtin_options_as_ConcatenationOptions();
    std::vector<Shape> shapes;
    for (int t : c.operands.all)
      if (t >= 0) shapes.push_back(tensors_[static_cast<std::size_t>(t)].shape);
    const auto rank = static_cast<std::int64_t>(shapes.front().size());
    std::int64_t axis = o ? o->axis() : 0;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank)
      fail_op(c.index, fmt::format("axis {} is not an axis of its rank-{} inputs", o ? o->axis() : 0, rank));
    Shape expected = shapes.front();
    for (std::size_t k = 1; k < shapes.size(); ++k) {
      bool fits = static_cast<std::int64_t>(shapes[k].size()) == rank;
      for (std::int64_t d = 0; fits && d < rank; ++d)
        fits = d == axis || shapes[k][static_cast<std::size_t>(d)] == expected[static_cast<std::size_t>(d)];
      if (!fits)
        fail_op(c.index, fmt::format("input {} has shape {}, which does not concatenate with {} on axis {}", k,
                                     shape_text(shapes[k]), shape_text(shapes.front()), axis));
      expected[static_cast<std::size_t>(axis)] += shapes[k][static_cast<std::size_t>(axis)];
    }
    require_shape(c.index, c.layer, expected);
    if (o) c.fused = o->fused_activation_function();
  }

  // Reductions other than MEAN: 1 FLOP per input element; the axes operand is metadata.
  void reduce(OpContext& c) {
    first_input_only(c);
    c.layer.element_flops = 1;
  }

  // As ONNX Resize: linear interpolation over the d axes it scales is 3·(2^d − 1) FLOPs per
  // output (the row's flops: 1 linear, 0 nearest, which copies).
  void resize(OpContext& c) {
    first_input_only(c);
    int axes = 0;
    const Shape& in = c.layer.input_shapes.front();
    for (std::size_t k = 0; k < in.size() && k < c.layer.output_shape.size(); ++k) axes += in[k] != c.layer.output_shape[k];
    axes = std::min(axes, 8);
    c.layer.element_flops = c.rule.flops * 3 * ((1 << axes) - 1);
  }

  // Slices and gathers read only the elements they copy.
  void slice(OpContext& c) {
    first_input_only(c);
    c.layer.input_shapes.front() = c.layer.output_shape;
  }
  // PACK copies every operand into one tensor.
  void pack(OpContext& c) { c.layer.op = LayerOp::copy; }

  // BATCH_MATMUL of two run-time tensors: dot products along the first input's last axis.
  void batch_matmul(OpContext& c) {
    c.layer.op = LayerOp::matmul;
    c.layer.contraction = c.layer.input_shapes.front().empty() ? 1 : c.layer.input_shapes.front().back();
  }

  // DENSIFY turns a constant sparse tensor into its dense form once (TFLite runs it at the
  // first inference into a persistent tensor): it folds away, and the layer reading its output
  // counts the dense weight for MACs and the stored sparse tensor for bytes (TensorInfo::
  // sparse_params). On a run-time tensor it is an error, as it is for TFLite's kernel.
  void densify(OpContext& c) {
    fail_op(c.index, fmt::format("its input {} is computed at run time; DENSIFY densifies a constant sparse tensor",
                                 tensor_label(c.operands.all[static_cast<std::size_t>(c.operands.activations.front())])));
  }
  void densify_fold(OpContext& c) {
    const int t = at(c.operands, 0);
    if (t < 0 || !tensors_[static_cast<std::size_t>(t)].sparse_params)
      fail_op(c.index, t < 0 ? std::string("has no input")
                             : fmt::format("its input {} has no sparsity parameters: DENSIFY reads a sparse tensor",
                                           tensor_label(t)));
  }

  void unmodeled(OpContext& c) {
    c.layer.op = LayerOp::unmodeled;
    ++unmodeled_[c.layer.source_op];
  }

  // The weight and the bias (input `bias_position`) of a weighted layer: each stored tensor
  // counted once; per-channel quantization noted.
  void weights(int op_index, Layer& layer, const Operands& operands, const TensorInfo& weight,
               std::size_t bias_position = 2) {
    add_parameter(layer, weight);
    ++weighted_layers_;
    if (weight.per_channel) ++per_channel_layers_;
    if (auto precision = weight_precision(weight.storage_type)) weight_types_.emplace(precision_name(*precision));
    if (const int bias = at(operands, bias_position); bias >= 0) {
      const TensorInfo& info = use(bias, false);
      if (info.producer != kConstant)
        fail_op(op_index, fmt::format("its bias ({}) is computed at run time; convroof needs a constant bias",
                                      tensor_label(bias)));
      if (elements(info.shape) != static_cast<std::uint64_t>(layer.filters > 0 ? layer.filters : layer.units))
        fail_op(op_index, fmt::format("its bias {} has {} elements, not one per output channel ({})", tensor_label(bias),
                                      elements(info.shape), layer.filters > 0 ? layer.filters : layer.units));
      if (info.storage >= 0 && !counted_buffers_.insert(info.storage).second) layer.shared_params += elements(info.shape);
    }
  }

  // The layer, then its fused activation as a layer of its own reading it.
  void push(Layer& layer, const std::vector<int>& outputs, const TensorInfo& out, int op_index, int fused) {
    if (invalid_utf8_at(layer.source_op) != std::string::npos) fail_op(op_index, "its op name is not UTF-8 text");
    if (model_.layers.size() + 2 > kMaxLayers)
      fail_op(op_index, fmt::format("a model has at most {} layers (fused activations included)", kMaxLayers));
    if (layer.dtype) activation_types_.emplace(precision_name(*layer.dtype));
    else activation_types_.insert(type_name(tensors_[static_cast<std::size_t>(outputs.front())].type));
    model_.layers.push_back(layer);
    int producer = static_cast<int>(model_.layers.size()) - 1;
    if (fused != tflite::ActivationFunctionType_NONE) {
      Layer activation;
      activation.where = layer.where;
      activation.inputs = {producer};
      activation.input_shapes = {layer.output_shape};
      activation.output_shape = layer.output_shape;
      activation.dtype = activation_precision(out.type);
      switch (fused) {
        case tflite::ActivationFunctionType_RELU:
          activation.op = LayerOp::relu;
          break;
        case tflite::ActivationFunctionType_RELU6:
          activation.op = LayerOp::relu6;
          break;
        case tflite::ActivationFunctionType_RELU_N1_TO_1:
          activation.op = LayerOp::clip;
          break;
        case tflite::ActivationFunctionType_TANH:
          activation.op = LayerOp::tanh;
          break;
        case tflite::ActivationFunctionType_SIGN_BIT:
          activation.op = LayerOp::elementwise;
          activation.element_flops = 1;
          break;
        default:
          fail_op(op_index, fmt::format("fused_activation_function {} is not one TFLite defines (0 to 5)", fused));
      }
      activation.op_class = layer_op_info(activation.op).op_class;
      const char* act_name =
          tflite::EnumNameActivationFunctionType(static_cast<tflite::ActivationFunctionType>(fused));
      activation.source_op = layer.source_op + "+" + act_name;
      activation.name = layer.name + "/" + std::string(layer_op_info(activation.op).name);
      for (int copy = 2; used_names_.count(activation.name); ++copy)
        activation.name = fmt::format("{}/{}#{}", layer.name, layer_op_info(activation.op).name, copy);
      used_names_.insert(activation.name);
      model_.layers.push_back(std::move(activation));
      producer = static_cast<int>(model_.layers.size()) - 1;
      ++fused_;
    }
    for (int t : outputs) tensors_[static_cast<std::size_t>(t)].producer = producer;
  }

  void finish_notes() {
    // The precision the weights are stored in: the type holding the most weight elements.
    std::optional<Precision> most;
    for (const auto& [precision, count] : weight_elements_)
      if (!most || count > weight_elements_[*most]) most = precision;
    model_.stored_precision = most;
    if (!weight_types_.empty() || activation_types_.count("int8") || activation_types_.count("int16")) {
      std::vector<std::string> activations(activation_types_.begin(), activation_types_.end());
      std::vector<std::string> weights(weight_types_.begin(), weight_types_.end());
      std::string quantization =
          per_channel_layers_ > 0
              ? fmt::format("per-channel weight quantization on {} of {} weighted layer{}", per_channel_layers_,
                            weighted_layers_, weighted_layers_ == 1 ? "" : "s")
              : std::string("no per-channel weight quantization");
      model_.notes.push_back(fmt::format("TFLite tensor types: activations {}, weights {}; {}", join(activations),
                                         weights.empty() ? std::string("none") : join(weights), quantization));
    }
    if (fused_ > 0)
      model_.notes.push_back(fmt::format("{} fused activation{} of TFLite operators {} separate layer{} after {} op{}",
                                         fused_, fused_ == 1 ? "" : "s", fused_ == 1 ? "is a" : "are",
                                         fused_ == 1 ? "" : "s", fused_ == 1 ? "its" : "their", fused_ == 1 ? "" : "s"));
    if (folded_ > 0)
      model_.notes.push_back(fmt::format("{} TFLite operator{} only compute on constants and fold away", folded_,
                                         folded_ == 1 ? "" : "s"));
    if (!unmodeled_.empty()) {
      std::vector<std::string> parts;
      for (const auto& [name, count] : unmodeled_) parts.push_back(fmt::format("{} x{}", name, count));
      model_.notes.push_back(fmt::format("TFLite operators convroof has no formula for (unmodeled: bytes and overhead "
                                         "counted, FLOPs not): {}",
                                         join(parts)));
    }
  }

  std::string path_;
  std::optional<std::int64_t> batch_;
  onnx::OnnxFile file_;
  const tflite::Model* root_ = nullptr;
  const tflite::SubGraph* graph_ = nullptr;
  std::vector<int> builtin_codes_;       // per operator code
  std::vector<std::string> code_names_;  // per operator code
  std::vector<std::string> op_codes_;    // per operator: its op's name
  std::vector<const OpRule*> code_rules_;  // per operator code: its row of rules(), or nullptr
  std::vector<TensorInfo> tensors_;
  std::unordered_set<std::string> used_names_;
  std::set<std::int64_t> counted_buffers_;
  std::map<Precision, double> weight_elements_;
  std::set<std::string> activation_types_, weight_types_;
  std::map<std::string, int> unmodeled_;
  int weighted_layers_ = 0, per_channel_layers_ = 0, folded_ = 0, fused_ = 0;
  loader::ModelBuilder builder_;
  Model model_;
};


const std::vector<Importer::OpRule>& Importer::rules() {
  using L = LayerOp;
  using I = Importer;
  constexpr OpClass act = OpClass::activation;
  static const std::vector<OpRule> table{
      {"CONV_2D", {L::conv2d, L::depthwise_conv2d}, &I::conv2d},
      {"DEPTHWISE_CONV_2D", {L::depthwise_conv2d}, &I::depthwise_conv2d},
      {"TRANSPOSE_CONV", {L::conv_transpose}, &I::transpose_conv},
      {"Convolution2DTransposeBias", {L::conv_transpose}, &I::transpose_conv_bias, true},
      {"FULLY_CONNECTED", {L::dense, L::matmul}, &I::fully_connected},
      {"AVERAGE_POOL_2D", {L::avgpool}, &I::pool},
      {"MAX_POOL_2D", {L::maxpool}, &I::pool},
      {"ADD", {L::add}, &I::add},
      {"MUL", {L::mul}, &I::mul},
      {"SUB DIV", {L::elementwise}, &I::sub_div, false, 1},  // as ONNX Sub and Div
      {"MAXIMUM MINIMUM FLOOR_DIV FLOOR_MOD LESS LESS_EQUAL GREATER GREATER_EQUAL EQUAL NOT_EQUAL LOGICAL_AND "
       "LOGICAL_OR",
       {L::elementwise}, &I::binary, false, 1},
      {"SQUARED_DIFFERENCE", {L::elementwise}, &I::broadcast_fixed, false, 2},  // sub, mul
      {"SELECT SELECT_V2", {L::elementwise}, &I::broadcast_fixed, false, 1},
      {"ABS NEG FLOOR CEIL ROUND SIGN SQUARE LOGICAL_NOT", {L::elementwise}, &I::unary, false, 1},
      {"EXP LOG SQRT RSQRT SIN COS", {L::elementwise}, &I::unary, false, 1, act},  // one transcendental
      {"POW", {L::elementwise}, &I::broadcast_fixed, false, 1, act},
      {"PRELU", {L::elementwise}, &I::broadcast_fixed, false, 2, act},  // as ONNX PRelu: mul, max
      {"ELU", {L::elementwise}, &I::unary, false, 4, act},              // as ONNX Elu
      {"LOG_SOFTMAX", {L::elementwise}, &I::unary, false, 5, act},      // as ONNX LogSoftmax
      {"RELU", {L::relu}, &I::activation},
      {"RELU6", {L::relu6}, &I::activation},
      {"LOGISTIC", {L::sigmoid}, &I::activation},
      {"TANH", {L::tanh}, &I::activation},
      {"HARD_SWISH", {L::hardswish}, &I::activation},
      {"LEAKY_RELU", {L::leaky_relu}, &I::activation},
      {"GELU", {L::gelu}, &I::activation},
      {"RELU_N1_TO_1 RELU_0_TO_1", {L::clip}, &I::activation},
      {"SOFTMAX", {L::softmax}, &I::activation},
      {"QUANTIZE DEQUANTIZE", {L::quantize}, &I::activation},
      {"RESHAPE SQUEEZE EXPAND_DIMS", {L::reshape}, &I::reshape},
      {"PAD PADV2 MIRROR_PAD", {L::pad}, &I::first_input_only},
      {"TRANSPOSE", {L::transpose}, &I::first_input_only},
      {"CONCATENATION", {L::concat}, &I::concatenation},
      {"MEAN", {L::reduce_mean}, &I::first_input_only},
      {"SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD REDUCE_ANY ARG_MAX ARG_MIN", {L::reduce}, &I::reduce},
      {"RESIZE_BILINEAR", {L::resize}, &I::resize, false, 1},
      {"RESIZE_NEAREST_NEIGHBOR", {L::resize}, &I::resize, false, 0},
      {"STRIDED_SLICE SLICE GATHER GATHER_ND", {L::copy}, &I::slice},
      {"SPLIT SPLIT_V TILE CAST DEPTH_TO_SPACE SPACE_TO_DEPTH UNPACK BROADCAST_TO REVERSE_V2", {L::copy},
       &I::first_input_only},
      {"PACK", {L::copy}, &I::pack},
      {"BATCH_MATMUL", {L::matmul}, &I::batch_matmul},
      {"DENSIFY", {}, &I::densify, false, 0, OpClass::eltwise, &I::densify_fold},
  };
  return table;
}

}  // namespace

Model import_tflite(const std::string& path, std::optional<std::int64_t> batch) {
  return Importer(path, batch).run();
}

std::vector<std::string_view> tflite_op_types(LayerOp op) {
  std::vector<std::string_view> names;
  for (const auto& rule : Importer::rules())
    if (std::find(rule.kinds.begin(), rule.kinds.end(), op) != rule.kinds.end())
      for (std::string_view name : split_names(rule.names))
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  return names;
}

}  // namespace convroof

#endif
