// ONNX import: a ModelProto becomes a Model (one Layer per compute node), using ONNX's
// own protobuf types and onnx::shape_inference (Debian's libonnx-dev).
//
// What it reads: node types and attributes, initializer dims and types, and the shapes
// shape inference gives every value. Weight payloads are never read: a model whose weights
// live in external files analyzes without them, and inline payloads are stepped over. The file
// is read once, straight from its descriptor, by one pass over its protobuf wire format
// (strip_payloads) that copies every field but the large data fields of initializers, which it
// seeks over: that copy (72 KB for ResNet-50's 102 MB) is what protobuf parses.
//
// How nodes map (docs/formats.md lists every op):
//   - compute nodes become layers; rank-4 NCHW tensors are reported NHWC (convroof's layout),
//     except around dense/matmul layers, whose contraction runs over ONNX's last axis;
//   - nodes that only read constants (initializers, Constant, Shape) fold away, as does
//     shape arithmetic; Identity and Dropout are aliases;
//   - QuantizeLinear/DequantizeLinear pairs fold into their neighbours: a layer that reads
//     a dequantized int8 tensor (or is a QLinear op) runs in int8, so int8 models get int8
//     byte counts; a QuantizeLinear on the model input is a `quantize` layer;
//   - floating-point tensors follow --precision (as a YAML layer without dtype does), integer
//     tensors keep their stored width;
//   - any other op is an `unmodeled` layer: its bytes and overhead count, its FLOPs cannot.
#include <fcntl.h>
#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <queue>
#include <unordered_map>

#include "convroof/model.hpp"
#include "text_checks.hpp"

namespace convroof {

bool looks_like_onnx(std::string_view head) {
  return std::any_of(head.begin(), head.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7f;
  });
}

namespace {

// ---- Stepping over weight payloads --------------------------------------------------------
// Protobuf wire format: each field is a varint key (number << 3 | wire type) and a value:
// varint (0), 8 bytes (1), a varint length and that many bytes (2), 4 bytes (5). The nesting
// followed: ModelProto.graph = 7 -> GraphProto.initializer = 5 -> TensorProto data fields:
// float_data 4, int32_data 5, string_data 6, int64_data 7, raw_data 9, double_data 10,
// uint64_data 11 (onnx.proto). Payloads up to kKeptPayloadBytes are kept: shape inference
// reads small constant tensors (Reshape's shape, Resize's scales).
constexpr std::uint32_t kKeptPayloadBytes = 4096;

enum class WireLevel { model, graph, tensor };

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool is_tensor_payload(std::uint32_t field) {
  return field == 4 || field == 5 || field == 6 || field == 7 || field == 9 || field == 10 || field == 11;
}

void put_bytes(std::string& out, std::uint64_t value, int bytes) {  // little-endian, as on the wire
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Appends the fields of the message `in` holds up to its current limit, at `level`, to `out`,
// without the large payloads, which are skipped by seeking (never read); false when the bytes
// are not a well-formed message (truncated, or not protobuf).
bool strip_payloads(google::protobuf::io::CodedInputStream& in, WireLevel level, std::string& out) {
  while (in.BytesUntilLimit() > 0) {
    const std::uint32_t tag = in.ReadTag();
    const std::uint32_t field = tag >> 3;
    if (field == 0) return false;
    switch (tag & 7) {
      case 0: {
        std::uint64_t value = 0;
        if (!in.ReadVarint64(&value)) return false;
        put_varint(out, tag);
        put_varint(out, value);
        break;
      }
      case 1: {
        std::uint64_t value = 0;
        if (!in.ReadLittleEndian64(&value)) return false;
        put_varint(out, tag);
        put_bytes(out, value, 8);
        break;
      }
      case 5: {
        std::uint32_t value = 0;
        if (!in.ReadLittleEndian32(&value)) return false;
        put_varint(out, tag);
        put_bytes(out, value, 4);
        break;
      }
      case 2: {
        std::uint32_t length = 0;
        if (!in.ReadVarint32(&length) || length > static_cast<std::uint32_t>(in.BytesUntilLimit())) return false;
        const bool nested = (level == WireLevel::model && field == 7) || (level == WireLevel::graph && field == 5);
        if (nested) {
          std::string inner;
          auto limit = in.PushLimit(static_cast<int>(length));
          if (!strip_payloads(in, level == WireLevel::model ? WireLevel::graph : WireLevel::tensor, inner))
            return false;
          in.PopLimit(limit);
          put_varint(out, tag);
          put_varint(out, inner.size());
          out += inner;
        } else if (level == WireLevel::tensor && is_tensor_payload(field) && length > kKeptPayloadBytes) {
          if (!in.Skip(static_cast<int>(length))) return false;
        } else {
          std::string bytes;
          if (!in.ReadString(&bytes, static_cast<int>(length))) return false;
          put_varint(out, tag);
          put_varint(out, length);
          out += bytes;
        }
        break;
      }
      default:  // groups (3, 4) are not used by ONNX; 6 and 7 do not exist
        return false;
    }
  }
  return true;
}

// What the importer knows of one ONNX value.
struct Value {
  Shape dims;                                   // ONNX order; valid when `known`
  bool known = false;                           // every dimension is a positive number
  std::string symbolic;                         // the first symbolic dimension's name, when not known
  int producer = -2;                            // layer index, -1 = the model input, -2 = a constant
  bool quantized = false;                       // holds int8 (or int16) data
  bool wide = false;                            // quantized as int16
  const onnx::TensorProto* constant = nullptr;  // initializer or Constant value, when inline
};

class Importer {
 public:
  Importer(std::string path, std::optional<std::int64_t> batch) : path_(std::move(path)), batch_(batch) {}

  Model run() {
    parse();
    const onnx::GraphProto& graph = proto_.graph();
    index_constants(graph);
    const onnx::ValueInfoProto& input = set_input_dims();
    if (static_cast<std::size_t>(graph.node_size()) > kMaxLayers)
      fail(fmt::format("has {} nodes; a model has at most {} layers", graph.node_size(), kMaxLayers));
    const std::vector<int> order = topological_order(graph);
    check_window_ranks(graph, order);
    infer_shapes();
    collect_shapes(proto_.graph());
    // Exporters name graphs generically ("torch_jit", "main_graph"): the file names the model.
    model_.name = std::filesystem::path(path_).stem().string();
    model_.origin = path_;
    model_.reference = fmt::format(
        "ONNX graph '{}', ir_version {}, opset {}{}{}", graph.name(), proto_.ir_version(), opset_,
        proto_.producer_name().empty() ? "" : ", produced by ",
        proto_.producer_name() + (proto_.producer_version().empty() ? std::string() : " " + proto_.producer_version()));
    if (invalid_utf8_at(model_.reference) != std::string::npos) fail("the graph name or producer is not UTF-8 text");
    Value& model_input = values_[input.name()];
    model_input.producer = -1;
    model_.input_shape = nhwc(model_input.dims);
    for (int index : order) add_node(graph.node(index));
    if (model_.layers.empty()) fail("has no compute node (every node folds to a constant)");
    if (folded_ > 0)
      model_.notes.push_back(fmt::format("{} ONNX node{} only compute on constants or shapes and fold away", folded_,
                                         folded_ == 1 ? "" : "s"));
    return std::move(model_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw Error(Location{path_, 0, 0}, message); }
  [[noreturn]] void fail_node(const onnx::NodeProto& node, const std::string& message) const {
    std::string name = !node.name().empty() ? node.name() : node.output_size() > 0 ? node.output(0) : "";
    throw Error(Location{path_, 0, 0}, fmt::format("node '{}' ({}): {}", name, node.op_type(), message));
  }

  // The file mapped, its structure copied without weight payloads (strip_payloads), parsed.
  void parse() {
    int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd < 0) fail("cannot open file");
    struct stat file {};
    if (::fstat(fd, &file) != 0) {
      ::close(fd);
      fail("cannot read file");
    }
    if (file.st_size > std::numeric_limits<int>::max()) {
      ::close(fd);
      fail("the file is larger than 2 GiB: ONNX keeps larger weights in external data files");
    }
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(std::numeric_limits<int>::max());
    coded.PushLimit(static_cast<int>(file.st_size));
    std::string structure;
    const bool well_formed = strip_payloads(coded, WireLevel::model, structure);
    if (stream.GetErrno() != 0) fail("cannot read file");
    if (!well_formed || !proto_.ParseFromString(structure))
      fail("not a valid ONNX model: the protobuf does not parse (a truncated file, or not ONNX)");
    if (proto_.ir_version() <= 0) fail("not an ONNX model: no ir_version");
    if (!proto_.has_graph()) fail("not an ONNX model: no graph");
    for (const auto& opset : proto_.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") opset_ = opset.version();
    if (opset_ <= 0) fail("the model imports no version of the default ONNX opset (opset_import)");
    if (proto_.graph().node_size() == 0) fail("the graph has no nodes");
  }

  void index_constants(const onnx::GraphProto& graph) {
    for (const auto& tensor : graph.initializer()) {
      Value& value = values_[tensor.name()];
      value.dims.assign(tensor.dims().begin(), tensor.dims().end());
      value.known = true;
      value.constant = tensor.data_location() == onnx::TensorProto::EXTERNAL ? nullptr : &tensor;
      mark_type(value, tensor.data_type());
    }
  }

  static void mark_type(Value& value, int element_type) {
    using T = onnx::TensorProto;
    value.quantized =
        element_type == T::INT8 || element_type == T::UINT8 || element_type == T::INT16 || element_type == T::UINT16;
    value.wide = element_type == T::INT16 || element_type == T::UINT16;
  }

  // The one real input (graph inputs that are not initializers). Its batch dimension takes
  // --batch (or 1 when symbolic and not given); any other symbolic dimension is an error.
  const onnx::ValueInfoProto& set_input_dims() {
    onnx::GraphProto& graph = *proto_.mutable_graph();
    std::vector<onnx::ValueInfoProto*> inputs;
    for (auto& input : *graph.mutable_input())
      if (!values_.count(input.name())) inputs.push_back(&input);
    if (inputs.empty()) fail("the graph has no input (every graph input is an initializer)");
    if (inputs.size() > 1) {
      std::vector<std::string> names;
      for (auto* input : inputs) names.push_back("'" + input->name() + "'");
      fail(fmt::format("the graph has {} inputs ({}); convroof analyzes models with one input", inputs.size(),
                       fmt::join(names, ", ")));
    }
    onnx::ValueInfoProto& input = *inputs.front();
    if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape())
      fail(fmt::format("input '{}' has no tensor shape", input.name()));
    auto& shape = *input.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape.dim_size() == 0) fail(fmt::format("input '{}' is a scalar; convroof needs a tensor", input.name()));
    bool changed = false;
    for (int axis = 0; axis < shape.dim_size(); ++axis) {
      auto& dim = *shape.mutable_dim(axis);
      bool fixed = dim.has_dim_value() && dim.dim_value() > 0;
      if (axis == 0 && (batch_ || !fixed)) {
        if (!fixed && !batch_)
          model_.notes.push_back(
              fmt::format("input '{}' has a symbolic batch dimension{}: analyzed at batch 1 "
                          "(set it with --batch)",
                          input.name(), dim.dim_param().empty() ? "" : " '" + dim.dim_param() + "'"));
        changed = changed || !fixed || dim.dim_value() != batch_.value_or(1);
        dim.set_dim_value(batch_.value_or(1));
        continue;
      }
      if (!fixed)
        fail(
            fmt::format("input '{}' dimension {} is {}; convroof needs fixed sizes (only the batch dimension, 0, "
                        "can be set, with --batch)",
                        input.name(), axis,
                        dim.has_dim_value()       ? fmt::format("{}", dim.dim_value())
                        : dim.dim_param().empty() ? std::string("unknown")
                                                  : "symbolic ('" + dim.dim_param() + "')"));
    }
    if (changed) {
      // Shapes recorded for the old batch would contradict the new one: infer them afresh.
      graph.clear_value_info();
      for (auto& output : *graph.mutable_output())
        if (output.type().has_tensor_type()) output.mutable_type()->mutable_tensor_type()->clear_shape();
    }
    return input;
  }

  // Kahn's algorithm over tensor names: catches inputs nothing produces, values produced
  // twice and cycles before shape inference sees them.
  std::vector<int> topological_order(const onnx::GraphProto& graph) const {
    std::unordered_map<std::string, int> producer;  // tensor -> node
    for (int i = 0; i < graph.node_size(); ++i)
      for (const auto& output : graph.node(i).output()) {
        if (output.empty()) continue;
        if (values_.count(output) || producer.count(output))
          fail_node(graph.node(i),
                    fmt::format("output '{}' is already defined (ONNX values are assigned once)", output));
        producer[output] = i;
      }
    std::unordered_map<std::string, bool> graph_inputs;
    for (const auto& input : graph.input()) graph_inputs[input.name()] = true;
    std::vector<int> waiting(static_cast<std::size_t>(graph.node_size()), 0);
    std::vector<std::vector<int>> readers(static_cast<std::size_t>(graph.node_size()));
    for (int i = 0; i < graph.node_size(); ++i) {
      const auto& node = graph.node(i);
      if (node.op_type().empty()) fail_node(node, "has no op_type");
      for (const auto& input : node.input()) {
        if (input.empty() || values_.count(input) || graph_inputs.count(input)) continue;
        auto found = producer.find(input);
        if (found == producer.end())
          fail_node(node, fmt::format("reads '{}', which no node, initializer or graph input provides", input));
        ++waiting[static_cast<std::size_t>(i)];
        readers[static_cast<std::size_t>(found->second)].push_back(i);
      }
    }
    // Ready nodes leave in file order (a min-heap): O(nodes log nodes).
    std::vector<int> order;
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int i = 0; i < graph.node_size(); ++i)
      if (waiting[static_cast<std::size_t>(i)] == 0) ready.push(i);
    while (!ready.empty()) {
      int next = ready.top();
      ready.pop();
      order.push_back(next);
      for (int reader : readers[static_cast<std::size_t>(next)])
        if (--waiting[static_cast<std::size_t>(reader)] == 0) ready.push(reader);
    }
    if (order.size() != static_cast<std::size_t>(graph.node_size())) {
      for (int i = 0; i < graph.node_size(); ++i)
        if (waiting[static_cast<std::size_t>(i)] > 0)
          fail_node(graph.node(i), "is part of a cycle (its inputs depend on its own output)");
    }
    for (const auto& output : graph.output())
      if (!producer.count(output.name()) && !values_.count(output.name()) && !graph_inputs.count(output.name()))
        fail(fmt::format("graph output '{}' is produced by no node", output.name()));
    return order;
  }

  // libonnx 1.12 (Debian 12) reads past a tensor's dims in onnx::convPoolShapeInference when a
  // Conv's input has another rank than its weight (a SEGV, found by fuzz_onnx), so ranks are
  // checked first where they are known without inference: declared in the file (graph
  // inputs, initializers, value_info) or carried through ops that keep their input's rank.
  void check_window_ranks(const onnx::GraphProto& graph, const std::vector<int>& order) const {
    static constexpr std::array<std::string_view, 16> kRankKeeping{
        "Relu",      "Clip",        "BatchNormalization", "LRN",          "Sigmoid", "Tanh",
        "LeakyRelu", "HardSwish",   "HardSigmoid",        "Identity",     "Dropout", "Conv",
        "MaxPool",   "AveragePool", "GlobalAveragePool",  "ConvTranspose"};
    std::unordered_map<std::string, int> rank;
    auto declare = [&](const onnx::ValueInfoProto& info) {
      if (info.type().has_tensor_type() && info.type().tensor_type().has_shape())
        rank[info.name()] = info.type().tensor_type().shape().dim_size();
    };
    for (const auto& input : graph.input()) declare(input);
    for (const auto& info : graph.value_info()) declare(info);
    for (const auto& tensor : graph.initializer()) rank[tensor.name()] = tensor.dims_size();
    for (int index : order) {
      const onnx::NodeProto& node = graph.node(index);
      if (node.input_size() == 0 || node.output_size() == 0) continue;
      auto x = rank.find(node.input(0));
      if (x == rank.end()) continue;
      const std::string& op = node.op_type();
      if ((op == "Conv" || op == "ConvTranspose") && node.input_size() > 1)
        if (auto w = rank.find(node.input(1)); w != rank.end() && w->second != x->second)
          fail_node(node, fmt::format("input '{}' has {} dimensions but weight '{}' has {}", node.input(0), x->second,
                                      node.input(1), w->second));
      if (std::find(kRankKeeping.begin(), kRankKeeping.end(), op) != kRankKeeping.end() && !rank.count(node.output(0)))
        rank[node.output(0)] = x->second;
    }
  }

  void infer_shapes() {
    try {
      onnx::ShapeInferenceOptions options(/*check_type=*/true, /*error_mode=*/1, /*data_propagation=*/true);
      onnx::shape_inference::InferShapes(proto_, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception& e) {
      std::string message = e.what();
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      fail("shape inference failed: " + message);
    }
  }

  void collect_shapes(const onnx::GraphProto& graph) {
    auto record = [&](const onnx::ValueInfoProto& info) {
      if (!info.type().has_tensor_type()) return;
      Value& value = values_[info.name()];
      if (value.producer == -2 && value.known) return;  // an initializer's own dims
      mark_type(value, info.type().tensor_type().elem_type());
      if (!info.type().tensor_type().has_shape()) return;
      value.dims.clear();
      value.known = true;
      for (const auto& dim : info.type().tensor_type().shape().dim()) {
        if (dim.has_dim_value() && dim.dim_value() > 0) {
          value.dims.push_back(dim.dim_value());
          continue;
        }
        value.known = false;
        if (value.symbolic.empty()) value.symbolic = dim.has_dim_value() ? "0" : dim.dim_param();
        value.dims.push_back(0);
      }
    };
    for (const auto& info : graph.input()) record(info);
    for (const auto& info : graph.value_info()) record(info);
    for (const auto& info : graph.output()) record(info);
  }

  // --- per node -----------------------------------------------------------------------

  const Value& input_value(const onnx::NodeProto& node, int index) const {
    if (!has_input(node, index)) fail_node(node, fmt::format("has no input {}", index));
    auto found = values_.find(node.input(index));
    if (found == values_.end())
      fail_node(node, fmt::format("reads '{}', which is not a tensor with a known type", node.input(index)));
    return found->second;
  }
  bool has_input(const onnx::NodeProto& node, int index) const {
    return node.input_size() > index && !node.input(index).empty();
  }
  const Value& require_constant(const onnx::NodeProto& node, int index, std::string_view what) const {
    if (!has_input(node, index)) fail_node(node, fmt::format("has no {} (input {})", what, index));
    const Value& value = input_value(node, index);
    if (value.producer != -2)
      fail_node(node, fmt::format("its {} '{}' is computed at run time; convroof needs it to be a constant", what,
                                  node.input(index)));
    return value;
  }
  const Value& known_value(const onnx::NodeProto& node, const std::string& name) const {
    auto found = values_.find(name);
    if (found == values_.end() || (!found->second.known && found->second.symbolic.empty())) {
      // Ops without a registered schema (custom domains) have no shape function.
      bool registered = onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset_), node.domain());
      fail_node(node, fmt::format("shape inference gave no shape for '{}'{}", name,
                                  registered ? ""
                                             : " (ONNX knows no shape function for this op: record the "
                                               "shape in the graph's value_info)"));
    }
    if (!found->second.known)
      fail_node(node,
                fmt::format("'{}' has a dimension that is not a fixed size ('{}')", name, found->second.symbolic));
    return found->second;
  }

  static Shape nhwc(const Shape& dims) {
    if (dims.size() != 4) return dims;
    return {dims[0], dims[2], dims[3], dims[1]};
  }

  static std::vector<std::int64_t> ints(const onnx::NodeProto& node, std::string_view name,
                                        std::vector<std::int64_t> fallback) {
    for (const auto& attribute : node.attribute())
      if (attribute.name() == name) return {attribute.ints().begin(), attribute.ints().end()};
    return fallback;
  }
  static std::int64_t int_attribute(const onnx::NodeProto& node, std::string_view name, std::int64_t fallback) {
    for (const auto& attribute : node.attribute())
      if (attribute.name() == name) return attribute.i();
    return fallback;
  }
  static std::string string_attribute(const onnx::NodeProto& node, std::string_view name, std::string fallback) {
    for (const auto& attribute : node.attribute())
      if (attribute.name() == name) return attribute.s();
    return fallback;
  }
  static std::optional<double> float_attribute(const onnx::NodeProto& node, std::string_view name) {
    for (const auto& attribute : node.attribute())
      if (attribute.name() == name) return attribute.f();
    return std::nullopt;
  }

  // The single number an inline scalar constant holds (Clip bounds).
  static std::optional<double> scalar_of(const Value& value) {
    const onnx::TensorProto* tensor = value.constant;
    if (!tensor) return std::nullopt;
    if (tensor->float_data_size() == 1) return tensor->float_data(0);
    if (tensor->data_type() == onnx::TensorProto::FLOAT && tensor->raw_data().size() == sizeof(float)) {
      float number;
      std::memcpy(&number, tensor->raw_data().data(), sizeof number);
      return number;
    }
    return std::nullopt;
  }

  std::string layer_name(const onnx::NodeProto& node) {
    std::string base = node.name().empty() ? node.output(0) : node.name();
    std::string name = base;
    for (int copy = 2; used_names_.count(name); ++copy) name = fmt::format("{}#{}", base, copy);
    used_names_[name] = true;
    return name;
  }

  // Window attributes shared by Conv, ConvTranspose and the pools, as [h, w] pairs and
  // pads [t, b, l, r] (ONNX orders pads [t, l, b, r]). auto_pad SAME_* pads so that
  // out = ceil(in / stride): total = max((out − 1)·s + d·(k − 1) + 1 − in, 0), the odd
  // pixel at the end (SAME_UPPER) or the start (SAME_LOWER).
  void window(const onnx::NodeProto& node, Layer& layer, const Shape& in_nchw, const Shape& out_nchw,
              std::array<std::int64_t, 2> kernel, bool transposed) const {
    // Shape inference may give any rank for a malformed node; the formulas below read 4 axes.
    if (in_nchw.size() != 4 || out_nchw.size() != 4)
      fail_node(node, fmt::format("a 2-D window needs a 4-D input and output, got {} and {}", shape_text(in_nchw),
                                  shape_text(out_nchw)));
    layer.kernel = kernel;
    auto strides = ints(node, "strides", {1, 1});
    auto dilations = ints(node, "dilations", {1, 1});
    auto pads = ints(node, "pads", {0, 0, 0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
      fail_node(node, "strides, dilations and pads must describe 2 spatial axes");
    for (int axis = 0; axis < 2; ++axis) {
      if (strides[axis] < 1 || dilations[axis] < 1 || pads[axis] < 0 || pads[axis + 2] < 0)
        fail_node(node, "strides and dilations must be >= 1 and pads >= 0");
      layer.stride[axis] = strides[axis];
      layer.dilation[axis] = dilations[axis];
    }
    layer.padding = {pads[0], pads[2], pads[1], pads[3]};
    std::string auto_pad = string_attribute(node, "auto_pad", "NOTSET");
    if (transposed) {
      // A transposed convolution's padding trims its output; its MACs do not depend on it.
      if (auto_pad != "NOTSET") layer.padding = {0, 0, 0, 0};
      return;
    }
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      for (int axis = 0; axis < 2; ++axis) {
        std::int64_t in = in_nchw[2 + axis], out = out_nchw[2 + axis];
        std::int64_t dilated = layer.dilation[axis] * (layer.kernel[axis] - 1) + 1;
        std::int64_t total = std::max<std::int64_t>((out - 1) * layer.stride[axis] + dilated - in, 0);
        std::int64_t small = total / 2, large = total - small;
        layer.padding[2 * axis] = auto_pad == "SAME_UPPER" ? small : large;
        layer.padding[2 * axis + 1] = auto_pad == "SAME_UPPER" ? large : small;
      }
    } else if (auto_pad == "VALID") {
      layer.padding = {0, 0, 0, 0};
    }
    // The floor formula must give ONNX's output; a pool's ceil_mode adds end padding.
    for (int axis = 0; axis < 2; ++axis) {
      std::int64_t dilated = layer.dilation[axis] * (layer.kernel[axis] - 1) + 1;
      std::int64_t padded = in_nchw[2 + axis] + layer.padding[2 * axis] + layer.padding[2 * axis + 1];
      std::int64_t want = out_nchw[2 + axis];
      if (int_attribute(node, "ceil_mode", 0) == 1) {
        std::int64_t extra = (want - 1) * layer.stride[axis] + dilated - padded;
        if (extra > 0) {
          layer.padding[2 * axis + 1] += extra;
          padded += extra;
        }
      }
      if (padded < dilated || (padded - dilated) / layer.stride[axis] + 1 != want)
        fail_node(node, fmt::format("output {} {} does not follow from input {}, kernel {}, stride {}, dilation {} "
                                    "and pads {}+{}",
                                    axis == 0 ? "height" : "width", want, in_nchw[2 + axis], layer.kernel[axis],
                                    layer.stride[axis], layer.dilation[axis], layer.padding[2 * axis],
                                    layer.padding[2 * axis + 1]));
    }
  }

  // Conv and QLinearConv: X [N, C, H, W], W [K, C/g, kh, kw], optional bias.
  void conv(const onnx::NodeProto& node, Layer& layer, int weight_index, int bias_index) const {
    const Shape& in = layer.input_shapes.front();  // still NCHW here
    const Value& weight = require_constant(node, weight_index, "weight");
    const Shape& w = weight.dims;
    if (in.size() != 4 || w.size() != 4)
      fail_node(node, fmt::format("convroof models 2-D convolutions (4-D tensors); input {} and weight {} are not",
                                  shape_text(in), shape_text(w)));
    layer.groups = int_attribute(node, "group", 1);
    if (layer.groups < 1) fail_node(node, fmt::format("group {} must be >= 1", layer.groups));
    if (in[1] != w[1] * layer.groups)
      fail_node(node,
                fmt::format("input '{}' has {} channels but weight '{}' {} expects {} x group {} = {}", node.input(0),
                            in[1], node.input(weight_index), shape_text(w), w[1], layer.groups, w[1] * layer.groups));
    if (w[0] % layer.groups != 0)
      fail_node(node, fmt::format("group {} does not divide the weight's {} output channels", layer.groups, w[0]));
    auto kernel = ints(node, "kernel_shape", {w[2], w[3]});
    if (kernel != std::vector<std::int64_t>{w[2], w[3]})
      fail_node(node, fmt::format("kernel_shape {}x{} differs from weight '{}' {}", kernel.size() > 0 ? kernel[0] : 0,
                                  kernel.size() > 1 ? kernel[1] : 0, node.input(weight_index), shape_text(w)));
    layer.op = LayerOp::conv2d;
    layer.filters = w[0];
    layer.bias = has_input(node, bias_index);
    window(node, layer, in, layer.output_shape, {w[2], w[3]}, false);
    layer.op_class = conv_op_class(layer, in[1]);
    if (layer.op_class == OpClass::depthwise) layer.op = LayerOp::depthwise_conv2d;  // as YAML names it
  }

  // ConvTranspose: X [N, C, H, W], W [C, K/g, kh, kw].
  void conv_transpose(const onnx::NodeProto& node, Layer& layer) const {
    const Shape& in = layer.input_shapes.front();
    const Shape& w = require_constant(node, 1, "weight").dims;
    if (in.size() != 4 || w.size() != 4) fail_node(node, "convroof models 2-D transposed convolutions");
    layer.groups = int_attribute(node, "group", 1);
    if (layer.groups < 1 || in[1] != w[0] || w[0] % layer.groups != 0)
      fail_node(node, fmt::format("input '{}' has {} channels but weight '{}' {} (group {}) expects {}", node.input(0),
                                  in[1], node.input(1), shape_text(w), layer.groups, w[0]));
    layer.op = LayerOp::conv_transpose;
    layer.filters = w[1] * layer.groups;
    layer.bias = has_input(node, 2);
    window(node, layer, in, layer.output_shape, {w[2], w[3]}, true);
    layer.op_class = conv_op_class(layer, in[1]);
  }

  // Gemm / MatMul / QLinearMatMul with a constant 2-D B: dense over the last axis;
  // otherwise a product of two activations.
  void matrix_product(const onnx::NodeProto& node, Layer& layer, int b_index, bool gemm) const {
    Shape& a = layer.input_shapes.front();
    if (gemm && int_attribute(node, "transA", 0) == 1 && a.size() == 2) std::swap(a[0], a[1]);
    const Value& b = input_value(node, b_index);
    if (b.producer == -2 && b.dims.size() == 2) {
      bool transposed = gemm && int_attribute(node, "transB", 0) == 1;
      layer.op = LayerOp::dense;
      layer.units = transposed ? b.dims[0] : b.dims[1];
      std::int64_t depth = transposed ? b.dims[1] : b.dims[0];
      if (a.empty() || a.back() != depth)
        fail_node(node, fmt::format("input '{}' {} does not match weight '{}' {}", node.input(0), shape_text(a),
                                    node.input(b_index), shape_text(b.dims)));
      layer.bias = gemm && has_input(node, 2);
      return;
    }
    layer.op = LayerOp::matmul;
    if (b.producer == -2) layer.constant_elements = elements(b.dims);
  }

  static std::uint64_t elements(const Shape& dims) {
    std::uint64_t count = 1;
    for (auto dim : dims) count *= static_cast<std::uint64_t>(dim);
    return count;
  }

  // Resize's FLOPs per output element, by mode over the d axes it scales: nearest copies
  // (0); linear interpolates 2^d − 1 times, a lerp a + t·(b − a) being 3 FLOPs; cubic
  // interpolates (4^d − 1)/3 times (4 rows, then 1 across: 5 for d = 2), each a 4-tap dot
  // product of 7 FLOPs (4 mul, 3 add).
  static int resize_flops(const std::string& mode, const Shape& in, const Shape& out) {
    int axes = 0;
    for (std::size_t i = 0; i < in.size() && i < out.size(); ++i) axes += in[i] != out[i];
    if (mode == "linear") return 3 * ((1 << axes) - 1);
    if (mode == "cubic") return 7 * (((1 << (2 * axes)) - 1) / 3);
    return 0;
  }

  void add_node(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (node.output_size() == 0 || node.output(0).empty()) fail_node(node, "has no output");
    bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    // Activation inputs (data from the model input) decide whether this node is a layer.
    std::vector<int> activations;
    for (int i = 0; i < node.input_size(); ++i) {
      if (node.input(i).empty()) continue;
      auto found = values_.find(node.input(i));
      if (found == values_.end())  // a graph input declared without a tensor type
        fail_node(node, fmt::format("reads '{}', which is not a tensor with a known type", node.input(i)));
      if (found->second.producer != -2) activations.push_back(i);
    }

    auto alias = [&](Value source) {
      for (const auto& output : node.output()) {
        Value& target = values_[output];
        target.producer = source.producer;
        target.quantized = target.quantized || source.quantized;
        target.wide = target.wide || source.wide;
      }
    };
    if (default_domain && op == "Constant") {
      for (const auto& attribute : node.attribute())
        if (attribute.name() == "value") {
          Value& value = values_[node.output(0)];
          value.constant = &attribute.t();
          value.dims.assign(attribute.t().dims().begin(), attribute.t().dims().end());
          value.known = true;
        }
      return;
    }
    if (activations.empty() || (default_domain && (op == "Shape" || op == "Size"))) {
      ++folded_;  // computed once from constants or from shapes: no run-time work
      for (const auto& output : node.output()) values_[output].producer = -2;
      return;
    }
    const Value first = values_.at(node.input(activations.front()));  // a copy: values_ grows below
    if (default_domain && (op == "Identity" || op == "Dropout")) return alias(first);
    if (default_domain && op == "DequantizeLinear") {
      // Its reader runs on the int8 data (the dequantization fused on read), the model
      // output's last one included.
      Value source = first;
      source.quantized = true;
      return alias(source);
    }
    if (default_domain && op == "QuantizeLinear" && first.producer >= 0) {
      // The producing layer writes int8 directly (its requantization is fused).
      Value source = first;
      source.quantized = true;
      return alias(source);
    }

    Layer layer;
    layer.name = layer_name(node);
    layer.source_op = default_domain ? op : node.domain() + "." + op;
    if (layer.name.size() > kMaxNameBytes)
      fail_node(node, fmt::format("a layer name has at most {} bytes, this one {}", kMaxNameBytes, layer.name.size()));
    // Names and op types reach the JSON report, which is UTF-8.
    if (invalid_utf8_at(layer.name) != std::string::npos || invalid_utf8_at(layer.source_op) != std::string::npos)
      fail_node(node, "its name or op type is not UTF-8 text");
    layer.where = Location{path_, 0, 0};
    bool quantized = false, wide = false;
    for (int index : activations) {
      const Value& value = known_value(node, node.input(index));
      layer.inputs.push_back(value.producer);
      layer.input_shapes.push_back(value.dims);
      quantized = quantized || value.quantized;
      wide = wide || value.wide;
    }
    // Several outputs (an unmodeled Split, say) are reported as one flat tensor of their sum.
    if (node.output_size() == 1) {
      layer.output_shape = known_value(node, node.output(0)).dims;
    } else {
      std::uint64_t total = 0;
      for (const auto& output : node.output())
        if (!output.empty()) total += elements(known_value(node, output).dims);
      layer.output_shape = {static_cast<std::int64_t>(total)};
    }

    // Every rank-4 shape is reported N, H, W, C of ONNX's N, C, H, W, so each layer reads the
    // shapes its producer writes; dense and matmul keep ONNX's order, as they contract
    // over its last axis.
    bool channels_last = true;
    const std::string mapped = default_domain ? op : std::string();
    if (mapped == "Conv") {
      conv(node, layer, 1, 2);
    } else if (mapped == "QLinearConv") {
      conv(node, layer, 3, 8);
      quantized = true;
    } else if (mapped == "ConvTranspose") {
      conv_transpose(node, layer);
    } else if (mapped == "Gemm" || mapped == "MatMul" || mapped == "QLinearMatMul") {
      matrix_product(node, layer, mapped == "QLinearMatMul" ? 3 : 1, mapped == "Gemm");
      quantized = quantized || mapped == "QLinearMatMul";
      channels_last = false;
    } else if ((mapped == "MaxPool" || mapped == "AveragePool") && layer.input_shapes.front().size() == 4) {
      const Shape& in = layer.input_shapes.front();
      auto kernel = ints(node, "kernel_shape", {});
      if (kernel.size() != 2) fail_node(node, "kernel_shape must give 2 spatial sizes");
      layer.op = mapped == "MaxPool" ? LayerOp::maxpool : LayerOp::avgpool;
      layer.filters = in[1];
      window(node, layer, in, layer.output_shape, {kernel[0], kernel[1]}, false);
    } else if (mapped == "GlobalAveragePool" && layer.input_shapes.front().size() == 4) {
      layer.op = LayerOp::global_avgpool;
    } else if (mapped == "Add" || mapped == "Mul") {
      layer.op = onnx_layer_op(mapped);
      for (int i = 0; i < node.input_size(); ++i)
        if (!node.input(i).empty() && values_.at(node.input(i)).producer == -2)
          layer.constant_elements += elements(values_.at(node.input(i)).dims);
    } else if (mapped == "Clip") {
      std::optional<double> low = float_attribute(node, "min"), high = float_attribute(node, "max");
      if (has_input(node, 1)) low = scalar_of(values_.at(node.input(1)));
      if (has_input(node, 2)) high = scalar_of(values_.at(node.input(2)));
      layer.op = low == 0.0 && high == 6.0 ? LayerOp::relu6 : LayerOp::clip;
    } else if (mapped == "Flatten" || mapped == "Reshape" || mapped == "Squeeze" || mapped == "Unsqueeze") {
      layer.op = onnx_layer_op(mapped);
      layer.inputs.resize(1);  // the shape / axes operand is metadata, not data
      layer.input_shapes.resize(1);
    } else if (mapped == "Resize") {
      layer.op = LayerOp::resize;
      layer.element_flops =
          resize_flops(string_attribute(node, "mode", "nearest"), layer.input_shapes.front(), layer.output_shape);
    } else if (mapped == "QuantizeLinear") {  // on the model input (elsewhere it folds, above)
      layer.op = LayerOp::quantize;
      quantized = false;  // reported in the floating-point precision of its wider side
    } else if (mapped == "MaxPool" || mapped == "AveragePool" || mapped == "GlobalAveragePool") {
      layer.op = LayerOp::unmodeled;  // not 4-D: no formula
    } else {
      layer.op = onnx_layer_op(mapped);  // batch norm, activations, softmax, concat, transpose, pad, reduce mean
    }
    // Every kind's op class is its row's in kLayerOps, but a convolution's, which depends on
    // its groups and kernel (conv_op_class, set with its geometry above).
    if (layer.op != LayerOp::conv2d && layer.op != LayerOp::depthwise_conv2d && layer.op != LayerOp::conv_transpose)
      layer.op_class = layer_op_info(layer.op).op_class;
    if (channels_last) {
      for (auto& shape : layer.input_shapes) shape = nhwc(shape);
      layer.output_shape = nhwc(layer.output_shape);
    }
    if (quantized) layer.dtype = wide ? Precision::int16 : Precision::int8;

    const int index = static_cast<int>(model_.layers.size());
    for (const auto& output : node.output()) {
      if (output.empty()) continue;
      Value& value = values_[output];
      value.producer = index;
      value.quantized = quantized;
      value.wide = wide && quantized;
    }
    model_.layers.push_back(std::move(layer));
  }

  std::string path_;
  std::optional<std::int64_t> batch_;
  onnx::ModelProto proto_;
  std::int64_t opset_ = 0;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, bool> used_names_;
  int folded_ = 0;
  Model model_;
};

}  // namespace

Model import_onnx(const std::string& path, std::optional<std::int64_t> batch) {
  return Importer(path, batch).run();
}

}  // namespace convroof
