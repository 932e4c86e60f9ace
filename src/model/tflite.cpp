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
//   - constant tensors (a buffer with data) are weights or parameters; operators that read only
//     constants fold away (a DEQUANTIZE of float16 weights);
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
#include <unordered_set>

#include "convroof/model.hpp"

namespace convroof {

bool looks_like_tflite(std::string_view head) {
  return head.size() >= 8 && head.substr(4, 4) == "TFL3";
}

}  // namespace convroof

#ifndef CONVROOF_HAVE_TFLITE

namespace convroof {

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
    }
    if (activation)
      for (auto dim : info.shape)
        if (dim == 0) fail(fmt::format("{} has shape {}, with no elements", tensor_label(index), shape_text(info.shape)));
    return info;
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

  // A weight or bias the layer's formula counts: counted in the totals once per buffer.
  void add_parameter(Layer& layer, const TensorInfo& info) {
    if (info.storage < 0) return;
    note_weight_type(info);
    if (!counted_buffers_.insert(info.storage).second) layer.shared_params += elements(info.shape);
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

  void add_operator(int index, const tflite::Operator& op) {
    const int code = builtin_codes_[op.opcode_index()];
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
    std::vector<int> outputs;
    for (unsigned k = 0; k < op.outputs()->size(); ++k) outputs.push_back(op.outputs()->Get(k));

    if (operands.activations.empty()) {
      // Computed once from constants (a DEQUANTIZE of stored weights): no run-time work; the
      // output stands for the one stored tensor it comes from.
      ++folded_;
      std::int64_t storage = -1;
      int storage_type = 0, sources = 0;
      for (int t : operands.all) {
        if (t < 0) continue;
        const TensorInfo& info = tensors_[static_cast<std::size_t>(t)];
        if (counts_as_parameter(info)) {
          storage = info.storage;
          storage_type = info.storage_type;
          ++sources;
        }
      }
      for (int t : outputs) {
        TensorInfo& info = use(t, false);
        info.producer = kConstant;
        info.storage = sources == 1 ? storage : -1;
        info.storage_type = sources == 1 ? storage_type : info.type;
      }
      return;
    }

    Layer layer;
    layer.where = Location{path_, 0, 0};
    layer.source_op = op_codes_[static_cast<std::size_t>(index)];
    const TensorInfo& first_input = tensors_[static_cast<std::size_t>(operands.all[static_cast<std::size_t>(operands.activations.front())])];
    layer.dtype = activation_precision(first_input.type);
    for (int position : operands.activations) {
      const TensorInfo& info = tensors_[static_cast<std::size_t>(operands.all[static_cast<std::size_t>(position)])];
      layer.inputs.push_back(info.producer);
      layer.input_shapes.push_back(info.shape);
    }
    const TensorInfo& out = use(outputs.front(), true);
    layer.name = layer_name(index, out);
    if (outputs.size() == 1) {
      layer.output_shape = out.shape;
    } else {  // several outputs (SPLIT, UNPACK, a custom op): one flat tensor of their sum, as ONNX's
      std::uint64_t total = 0;
      for (int t : outputs) total += elements(use(t, true).shape);
      layer.output_shape = {static_cast<std::int64_t>(total)};
    }
    if (layer.output_shape.empty()) layer.output_shape = {1};  // a scalar output

    int fused = tflite::ActivationFunctionType_NONE;
    bool counted_operands = false;  // the constant operands were counted by the op's own rule
    auto keep_first_input = [&] {
      layer.inputs.resize(1);
      layer.input_shapes.resize(1);
    };
    auto elementwise = [&](int flops, OpClass op_class) {
      layer.op = LayerOp::elementwise;
      layer.element_flops = flops;
      layer.op_class = op_class;
    };
    auto binary_flops = [&](int per_operand) {
      int operands_count = 0;
      for (int t : operands.all) operands_count += t >= 0;
      return per_operand * std::max(operands_count - 1, 0);
    };
    auto check_broadcast = [&] {
      std::vector<Shape> shapes;
      for (int t : operands.all)
        if (t >= 0) shapes.push_back(tensors_[static_cast<std::size_t>(t)].shape);
      require_shape(index, layer, broadcast(index, shapes));
    };
    auto check_same_shape = [&] { require_shape(index, layer, layer.input_shapes.front()); };

    using tflite::BuiltinOperator;
    switch (code) {
      case tflite::BuiltinOperator_CONV_2D: {
        const auto* o = options(index, op, op.builtin_options_as_Conv2DOptions(), "Conv2DOptions", true);
        const Shape& in = layer.input_shapes.front();
        if (operands.activations.front() != 0) fail_op(index, "its input (input 0) is a constant");
        const TensorInfo& filter = constant_input(index, operands, 1, "filter");
        require_rank4(index, layer, in, "input");
        require_rank4(index, layer, filter.shape, "filter");
        const Shape& w = filter.shape;  // [O, kh, kw, C / groups]
        if (w[3] < 1 || in[3] % w[3] != 0)
          fail_op(index, fmt::format("its input has {} channels, which the filter's {} in-channels ({} {}) do not divide",
                                     in[3], w[3], tensor_label(at(operands, 1)), shape_text(w)));
        layer.op = LayerOp::conv2d;
        layer.groups = in[3] / w[3];
        layer.filters = w[0];
        if (layer.filters < 1 || layer.filters % layer.groups != 0)
          fail_op(index, fmt::format("groups {} (input channels {} / filter in-channels {}) does not divide the filter's "
                                     "{} out-channels",
                                     layer.groups, in[3], w[3], w[0]));
        layer.kernel = {w[1], w[2]};
        if (w[1] < 1 || w[2] < 1) fail_op(index, fmt::format("its filter {} has an empty kernel", shape_text(w)));
        window(index, layer, o->padding(), o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor());
        layer.bias = at(operands, 2) >= 0;
        if (conv_op_class(layer, in[3]) == OpClass::depthwise && in[3] > 1) {
          layer.op = LayerOp::depthwise_conv2d;  // as ONNX's importer names a conv with groups = C
          layer.depth_multiplier = layer.filters / in[3];
        }
        weights(index, layer, operands, filter);
        infer_and_check(index, layer);
        fused = o->fused_activation_function();
        counted_operands = true;
        break;
      }
      case tflite::BuiltinOperator_DEPTHWISE_CONV_2D: {
        const auto* o =
            options(index, op, op.builtin_options_as_DepthwiseConv2DOptions(), "DepthwiseConv2DOptions", true);
        const Shape& in = layer.input_shapes.front();
        if (operands.activations.front() != 0) fail_op(index, "its input (input 0) is a constant");
        const TensorInfo& filter = constant_input(index, operands, 1, "filter");
        require_rank4(index, layer, in, "input");
        require_rank4(index, layer, filter.shape, "filter");
        const Shape& w = filter.shape;  // [1, kh, kw, C · multiplier]
        if (w[1] < 1 || w[2] < 1) fail_op(index, fmt::format("its filter {} has an empty kernel", shape_text(w)));
        if (w[3] < 1 || w[3] % in[3] != 0)
          fail_op(index, fmt::format("its filter {} has {} channels, not a multiple of the input's {}", shape_text(w),
                                     w[3], in[3]));
        // depth_multiplier is redundant (TensorFlow ignores it since 2.0): the filter decides.
        layer.op = LayerOp::depthwise_conv2d;
        layer.depth_multiplier = w[3] / in[3];
        layer.filters = w[3];
        layer.kernel = {w[1], w[2]};
        window(index, layer, o->padding(), o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor());
        layer.bias = at(operands, 2) >= 0;
        weights(index, layer, operands, filter);
        infer_and_check(index, layer);
        fused = o->fused_activation_function();
        counted_operands = true;
        break;
      }
      case tflite::BuiltinOperator_TRANSPOSE_CONV: {
        const auto* o = options(index, op, op.builtin_options_as_TransposeConvOptions(), "TransposeConvOptions", true);
        // Inputs: output shape (int32), filter [O, kh, kw, C / groups], input, bias.
        if (at(operands, 2) < 0 || tensors_[static_cast<std::size_t>(at(operands, 2))].producer == kConstant)
          fail_op(index, "its input (input 2) is not a run-time tensor");
        const TensorInfo& filter = constant_input(index, operands, 1, "filter");
        layer.inputs = {tensors_[static_cast<std::size_t>(at(operands, 2))].producer};
        layer.input_shapes = {tensors_[static_cast<std::size_t>(at(operands, 2))].shape};
        const Shape& in = layer.input_shapes.front();
        require_rank4(index, layer, in, "input");
        require_rank4(index, layer, filter.shape, "filter");
        require_rank4(index, layer, layer.output_shape, "output");
        const Shape& w = filter.shape;
        if (w[0] < 1 || w[1] < 1 || w[2] < 1 || w[3] < 1 || in[3] % w[3] != 0 || w[0] % (in[3] / w[3]) != 0)
          fail_op(index, fmt::format("its filter {} does not fit the input's {} channels", shape_text(w), in[3]));
        layer.op = LayerOp::conv_transpose;
        layer.groups = in[3] / w[3];
        layer.filters = w[0];
        layer.kernel = {w[1], w[2]};
        if (o->stride_h() < 1 || o->stride_w() < 1)
          fail_op(index, fmt::format("stride {}x{} must be at least 1", o->stride_h(), o->stride_w()));
        if (o->padding() != tflite::Padding_SAME && o->padding() != tflite::Padding_VALID)
          fail_op(index, fmt::format("padding {} is neither SAME (0) nor VALID (1)", static_cast<int>(o->padding())));
        layer.stride = {o->stride_h(), o->stride_w()};
        layer.bias = at(operands, 3) >= 0;
        // The output size the padding allows: SAME, in = ceil(out / s); VALID,
        // in = ceil((out - k + 1) / s).
        for (int axis = 0; axis < 2; ++axis) {
          const std::int64_t o_size = layer.output_shape[1 + axis], i_size = in[1 + axis], s = layer.stride[axis],
                             k = layer.kernel[axis];
          const std::int64_t covered = o->padding() == tflite::Padding_SAME ? o_size : o_size - k + 1;
          if (covered < 1 || (covered + s - 1) / s != i_size)
            fail_op(index, fmt::format("its output {} {} does not follow from input {}, kernel {}, stride {} and {} "
                                       "padding",
                                       axis == 0 ? "height" : "width", o_size, i_size, k, s,
                                       o->padding() == tflite::Padding_SAME ? "SAME" : "VALID"));
        }
        if (layer.output_shape[0] != in[0] || layer.output_shape[3] != layer.filters)
          fail_op(index, fmt::format("its output tensor has shape {}, but batch {} and {} filters give {}x?x?x{}",
                                     shape_text(layer.output_shape), in[0], layer.filters, in[0], layer.filters));
        layer.op_class = conv_op_class(layer, in[3]);
        weights(index, layer, operands, filter, 3);
        fused = o->fused_activation_function();
        counted_operands = true;
        break;
      }
      case tflite::BuiltinOperator_FULLY_CONNECTED: {
        const auto* o = options(index, op, op.builtin_options_as_FullyConnectedOptions(), "FullyConnectedOptions", false);
        if (operands.activations.front() != 0) fail_op(index, "its input (input 0) is a constant");
        const int weight_t = at(operands, 1);
        if (weight_t < 0) fail_op(index, "has no weights (input 1)");
        const TensorInfo& weight = use(weight_t, false);
        if (weight.shape.size() != 2)
          fail_op(index, fmt::format("its weights {} are not 2-D [units, features]", shape_text(weight.shape)));
        const Shape in = layer.input_shapes.front();
        const std::int64_t features = weight.shape[1];
        const std::uint64_t count = elements(in);
        if (features < 1 || weight.shape[0] < 1 || count % static_cast<std::uint64_t>(features) != 0)
          fail_op(index, fmt::format("its input {} does not split into rows of the weights' {} features",
                                     shape_text(in), features));
        const bool keep = o && o->keep_num_dims();
        fused = o ? o->fused_activation_function() : 0;
        if (weight.producer != kConstant) {  // a product of two run-time tensors
          layer.op = LayerOp::matmul;
          layer.contraction = features;
          break;
        }
        if (keep && in.back() != features)
          fail_op(index, fmt::format("keep_num_dims is set but its input {} does not end in the weights' {} features",
                                     shape_text(in), features));
        layer.op = LayerOp::dense;
        layer.units = weight.shape[0];
        layer.input_shapes.front() =
            keep ? in : Shape{static_cast<std::int64_t>(count / static_cast<std::uint64_t>(features)), features};
        layer.bias = at(operands, 2) >= 0;
        weights(index, layer, operands, weight);
        infer_and_check(index, layer);
        counted_operands = true;
        break;
      }
      case tflite::BuiltinOperator_AVERAGE_POOL_2D:
      case tflite::BuiltinOperator_MAX_POOL_2D: {
        const auto* o = options(index, op, op.builtin_options_as_Pool2DOptions(), "Pool2DOptions", true);
        keep_first_input();
        require_rank4(index, layer, layer.input_shapes.front(), "input");
        if (o->filter_height() < 1 || o->filter_width() < 1)
          fail_op(index, fmt::format("filter {}x{} must be at least 1x1", o->filter_height(), o->filter_width()));
        layer.op = code == tflite::BuiltinOperator_MAX_POOL_2D ? LayerOp::maxpool : LayerOp::avgpool;
        layer.kernel = {o->filter_height(), o->filter_width()};
        window(index, layer, o->padding(), o->stride_h(), o->stride_w(), 1, 1);
        infer_and_check(index, layer);
        fused = o->fused_activation_function();
        break;
      }
      case tflite::BuiltinOperator_ADD:
      case tflite::BuiltinOperator_MUL: {
        layer.op = code == tflite::BuiltinOperator_ADD ? LayerOp::add : LayerOp::mul;
        check_broadcast();
        if (code == tflite::BuiltinOperator_ADD) {
          if (const auto* o = op.builtin_options_as_AddOptions()) fused = o->fused_activation_function();
        } else if (const auto* o = op.builtin_options_as_MulOptions()) {
          fused = o->fused_activation_function();
        }
        break;
      }
      case tflite::BuiltinOperator_SUB:
      case tflite::BuiltinOperator_DIV:
        elementwise(binary_flops(1), OpClass::eltwise);  // as ONNX Sub and Div
        check_broadcast();
        if (const auto* o = op.builtin_options_as_SubOptions()) fused = o->fused_activation_function();
        if (const auto* o = op.builtin_options_as_DivOptions()) fused = o->fused_activation_function();
        break;
      case tflite::BuiltinOperator_MAXIMUM:
      case tflite::BuiltinOperator_MINIMUM:
      case tflite::BuiltinOperator_FLOOR_DIV:
      case tflite::BuiltinOperator_FLOOR_MOD:
      case tflite::BuiltinOperator_LESS:
      case tflite::BuiltinOperator_LESS_EQUAL:
      case tflite::BuiltinOperator_GREATER:
      case tflite::BuiltinOperator_GREATER_EQUAL:
      case tflite::BuiltinOperator_EQUAL:
      case tflite::BuiltinOperator_NOT_EQUAL:
      case tflite::BuiltinOperator_LOGICAL_AND:
      case tflite::BuiltinOperator_LOGICAL_OR:
        elementwise(binary_flops(1), OpClass::eltwise);
        check_broadcast();
        break;
      case tflite::BuiltinOperator_SQUARED_DIFFERENCE:
        elementwise(2, OpClass::eltwise);  // sub, mul
        check_broadcast();
        break;
      case tflite::BuiltinOperator_SELECT:
      case tflite::BuiltinOperator_SELECT_V2:
        elementwise(1, OpClass::eltwise);
        check_broadcast();
        break;
      case tflite::BuiltinOperator_ABS:
      case tflite::BuiltinOperator_NEG:
      case tflite::BuiltinOperator_FLOOR:
      case tflite::BuiltinOperator_CEIL:
      case tflite::BuiltinOperator_ROUND:
      case tflite::BuiltinOperator_SIGN:
      case tflite::BuiltinOperator_SQUARE:
      case tflite::BuiltinOperator_LOGICAL_NOT:
        keep_first_input();
        elementwise(1, OpClass::eltwise);
        check_same_shape();
        break;
      case tflite::BuiltinOperator_EXP:
      case tflite::BuiltinOperator_LOG:
      case tflite::BuiltinOperator_SQRT:
      case tflite::BuiltinOperator_RSQRT:
      case tflite::BuiltinOperator_SIN:
      case tflite::BuiltinOperator_COS:
        keep_first_input();
        elementwise(1, OpClass::activation);  // one transcendental
        check_same_shape();
        break;
      case tflite::BuiltinOperator_POW:
        elementwise(1, OpClass::activation);
        check_broadcast();
        break;
      case tflite::BuiltinOperator_PRELU:
        elementwise(2, OpClass::activation);  // as ONNX PRelu: mul, max
        check_broadcast();
        break;
      case tflite::BuiltinOperator_ELU:
        keep_first_input();
        elementwise(4, OpClass::activation);  // as ONNX Elu
        check_same_shape();
        break;
      case tflite::BuiltinOperator_LOG_SOFTMAX:
        keep_first_input();
        elementwise(5, OpClass::activation);  // as ONNX LogSoftmax
        check_same_shape();
        break;
      case tflite::BuiltinOperator_RELU:
      case tflite::BuiltinOperator_RELU6:
      case tflite::BuiltinOperator_LOGISTIC:
      case tflite::BuiltinOperator_TANH:
      case tflite::BuiltinOperator_HARD_SWISH:
      case tflite::BuiltinOperator_LEAKY_RELU:
      case tflite::BuiltinOperator_GELU:
      case tflite::BuiltinOperator_RELU_N1_TO_1:
      case tflite::BuiltinOperator_RELU_0_TO_1:
      case tflite::BuiltinOperator_SOFTMAX:
      case tflite::BuiltinOperator_QUANTIZE:
      case tflite::BuiltinOperator_DEQUANTIZE:
        keep_first_input();
        layer.op = code == tflite::BuiltinOperator_RELU          ? LayerOp::relu
                   : code == tflite::BuiltinOperator_RELU6       ? LayerOp::relu6
                   : code == tflite::BuiltinOperator_LOGISTIC    ? LayerOp::sigmoid
                   : code == tflite::BuiltinOperator_TANH        ? LayerOp::tanh
                   : code == tflite::BuiltinOperator_HARD_SWISH  ? LayerOp::hardswish
                   : code == tflite::BuiltinOperator_LEAKY_RELU  ? LayerOp::leaky_relu
                   : code == tflite::BuiltinOperator_GELU        ? LayerOp::gelu
                   : code == tflite::BuiltinOperator_SOFTMAX     ? LayerOp::softmax
                   : code == tflite::BuiltinOperator_QUANTIZE || code == tflite::BuiltinOperator_DEQUANTIZE
                       ? LayerOp::quantize
                       : LayerOp::clip;  // RELU_N1_TO_1, RELU_0_TO_1
        infer_and_check(index, layer);
        break;
      case tflite::BuiltinOperator_RESHAPE:
      case tflite::BuiltinOperator_SQUEEZE:
      case tflite::BuiltinOperator_EXPAND_DIMS:
        keep_first_input();
        layer.op = LayerOp::reshape;
        if (elements(layer.input_shapes.front()) != elements(layer.output_shape))
          fail_op(index, fmt::format("its output tensor has shape {}, which does not hold the {} elements of its input {}",
                                     shape_text(layer.output_shape), elements(layer.input_shapes.front()),
                                     shape_text(layer.input_shapes.front())));
        counted_operands = true;  // the shape operand is metadata
        break;
      case tflite::BuiltinOperator_PAD:
      case tflite::BuiltinOperator_PADV2:
      case tflite::BuiltinOperator_MIRROR_PAD:
        keep_first_input();
        layer.op = LayerOp::pad;
        counted_operands = true;
        break;
      case tflite::BuiltinOperator_TRANSPOSE:
        keep_first_input();
        layer.op = LayerOp::transpose;
        counted_operands = true;
        break;
      case tflite::BuiltinOperator_CONCATENATION: {
        layer.op = LayerOp::concat;
        const auto* o = op.builtin_options_as_ConcatenationOptions();
        std::vector<Shape> shapes;
        for (int t : operands.all)
          if (t >= 0) shapes.push_back(tensors_[static_cast<std::size_t>(t)].shape);
        const auto rank = static_cast<std::int64_t>(shapes.front().size());
        std::int64_t axis = o ? o->axis() : 0;
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) fail_op(index, fmt::format("axis {} is not an axis of its rank-{} inputs", o ? o->axis() : 0, rank));
        Shape expected = shapes.front();
        for (std::size_t k = 1; k < shapes.size(); ++k) {
          bool fits = static_cast<std::int64_t>(shapes[k].size()) == rank;
          for (std::int64_t d = 0; fits && d < rank; ++d)
            fits = d == axis || shapes[k][static_cast<std::size_t>(d)] == expected[static_cast<std::size_t>(d)];
          if (!fits)
            fail_op(index, fmt::format("input {} has shape {}, which does not concatenate with {} on axis {}", k,
                                       shape_text(shapes[k]), shape_text(shapes.front()), axis));
          expected[static_cast<std::size_t>(axis)] += shapes[k][static_cast<std::size_t>(axis)];
        }
        require_shape(index, layer, expected);
        if (o) fused = o->fused_activation_function();
        break;
      }
      case tflite::BuiltinOperator_MEAN:
        keep_first_input();
        layer.op = LayerOp::reduce_mean;
        counted_operands = true;  // the axes
        break;
      case tflite::BuiltinOperator_SUM:
      case tflite::BuiltinOperator_REDUCE_MAX:
      case tflite::BuiltinOperator_REDUCE_MIN:
      case tflite::BuiltinOperator_REDUCE_PROD:
      case tflite::BuiltinOperator_REDUCE_ANY:
      case tflite::BuiltinOperator_ARG_MAX:
      case tflite::BuiltinOperator_ARG_MIN:
        keep_first_input();
        layer.op = LayerOp::reduce;
        layer.element_flops = 1;
        counted_operands = true;
        break;
      case tflite::BuiltinOperator_RESIZE_BILINEAR:
      case tflite::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR: {
        keep_first_input();
        layer.op = LayerOp::resize;
        // As ONNX Resize: linear interpolation over the d axes it scales is 3·(2^d − 1) FLOPs per
        // output; nearest copies.
        int axes = 0;
        const Shape& in = layer.input_shapes.front();
        for (std::size_t k = 0; k < in.size() && k < layer.output_shape.size(); ++k) axes += in[k] != layer.output_shape[k];
        axes = std::min(axes, 8);
        layer.element_flops = code == tflite::BuiltinOperator_RESIZE_BILINEAR ? 3 * ((1 << axes) - 1) : 0;
        counted_operands = true;
        break;
      }
      case tflite::BuiltinOperator_STRIDED_SLICE:
      case tflite::BuiltinOperator_SLICE:
      case tflite::BuiltinOperator_GATHER:
      case tflite::BuiltinOperator_GATHER_ND:
      case tflite::BuiltinOperator_SPLIT:
      case tflite::BuiltinOperator_SPLIT_V:
      case tflite::BuiltinOperator_TILE:
      case tflite::BuiltinOperator_CAST:
      case tflite::BuiltinOperator_DEPTH_TO_SPACE:
      case tflite::BuiltinOperator_SPACE_TO_DEPTH:
      case tflite::BuiltinOperator_PACK:
      case tflite::BuiltinOperator_UNPACK:
      case tflite::BuiltinOperator_BROADCAST_TO:
      case tflite::BuiltinOperator_REVERSE_V2:
        layer.op = LayerOp::copy;
        if (code != tflite::BuiltinOperator_PACK) keep_first_input();
        // Slices and gathers read only the elements they copy.
        if (code == tflite::BuiltinOperator_STRIDED_SLICE || code == tflite::BuiltinOperator_SLICE ||
            code == tflite::BuiltinOperator_GATHER || code == tflite::BuiltinOperator_GATHER_ND)
          layer.input_shapes.front() = layer.output_shape;
        counted_operands = code != tflite::BuiltinOperator_PACK;
        break;
      case tflite::BuiltinOperator_BATCH_MATMUL:
        layer.op = LayerOp::matmul;
        layer.contraction = layer.input_shapes.front().empty() ? 1 : layer.input_shapes.front().back();
        break;
      default:
        layer.op = LayerOp::unmodeled;
        ++unmodeled_[layer.source_op];
        break;
    }
    if (layer.op != LayerOp::conv2d && layer.op != LayerOp::depthwise_conv2d && layer.op != LayerOp::conv_transpose &&
        layer.op != LayerOp::elementwise)
      layer.op_class = layer_op_info(layer.op).op_class;
    if (!counted_operands) {
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
    push(layer, outputs, out, index, fused);
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

}  // namespace

Model import_tflite(const std::string& path, std::optional<std::int64_t> batch) {
  return Importer(path, batch).run();
}

}  // namespace convroof

#endif
