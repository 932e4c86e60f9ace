// ONNX import: a ModelProto becomes a Model (one Layer per compute node), read by convroof's
// own protobuf reader (src/model/onnx_proto.cpp) with convroof's own shape and value
// propagation (src/model/onnx_shapes.cpp). No ONNX or protobuf library is linked: start-up
// costs nothing, and no library sees a value convroof has not checked.
//
// What it reads: node types and attributes, initializer dims and types, the values of small
// constants (shapes, scales), and the model input's declared shape, which --batch and --input
// may set. Weight payloads are never read: the file is mapped and their pages stay untouched,
// so a model whose weights live in external files analyzes without them.
//
// How nodes map (docs/formats.md lists every op and its rule):
//   - compute nodes become layers; rank-4 NCHW tensors are reported NHWC (convroof's layout),
//     except around dense/matmul layers, whose contraction runs over ONNX's last axis;
//   - nodes that only read constants (initializers, Constant, Shape of an activation) fold
//     away, their values propagated; Identity and Dropout are aliases;
//   - QuantizeLinear/DequantizeLinear pairs fold into their neighbours: a layer that reads
//     a dequantized int8 tensor (or is a QLinear op) runs in int8, so int8 models get int8
//     byte counts; a QuantizeLinear on the model input is a `quantize` layer;
//   - floating-point tensors follow --precision (as a YAML layer without dtype does), integer
//     tensors keep their stored width;
//   - each op's importer is an entry of kOnnxImports (op types, the kinds they import as, a
//     function); a standard op without an entry, or an op of another domain, is an `unmodeled`
//     layer: its bytes and overhead count, its FLOPs cannot;
//   - a node whose sizes the data decides (NonMaxSuppression, NonZero, and every reader of
//     their outputs) is not counted, and a note lists them.
//
// Parameters are counted as PyTorch counts them: each stored tensor once, however many
// layers read it (Layer::shared_params), a batch norm's scale and shift but not its running
// statistics, no scalar and no integer (shape, index) constants.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "convroof/model.hpp"
#include "onnx_proto.hpp"
#include "onnx_shapes.hpp"
#include "text_checks.hpp"

namespace convroof {

bool looks_like_onnx(std::string_view head) {
  return std::any_of(head.begin(), head.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7f;
  });
}

namespace {

// What the importer knows of one ONNX value.
struct Value {
  onnx::Known shape;     // dims (ONNX order), element type, values when known
  int producer = -2;     // layer index, -1 = the model input, -2 = a constant, kNotCounted
  bool quantized = false;  // holds int8 (or int16) data
  bool wide = false;       // quantized as int16
  // A constant's stored tensor (an initializer or a Constant node's value), or the one stored
  // tensor a folded constant is computed from; its elements are what a reader's params count.
  std::string_view storage;
  std::uint64_t storage_elements = 0;
  bool storage_counts = false;  // that tensor is a weight (counts_as_parameters)
};

std::uint64_t elements(const Shape& dims) {
  std::uint64_t count = 1;
  for (auto dim : dims) count *= static_cast<std::uint64_t>(dim);
  return count;
}

// Stored tensors that count as parameters: floating-point or quantized (int8/int16) data with
// more than one element. Scalars, int32/int64 (shapes, indices) and bool are not weights.
bool counts_as_parameters(int type, std::uint64_t count) {
  using namespace onnx;
  return count > 1 && (is_float_type(type) || type == kInt8 || type == kUint8 || type == kInt16 || type == kUint16);
}

// Value::producer of a node's output that is not counted (Importer::not_counted).
constexpr int kNotCounted = -3;

// ONNX element-wise ops beyond the kinds of their own, imported as `elementwise`: FLOPs per
// output element = per_extra_operand · (operands − 1) + fixed (a binary op applies once; the
// variadic Min, Max, Mean of n operands n − 1 times). Transcendentals (exp, erf, sqrt, pow, …)
// count as one FLOP each, as tanh does.
struct OnnxElementwise {
  std::string_view ops;  // space-separated ONNX op types
  int per_extra_operand;
  int fixed;
  OpClass op_class;
  std::string_view rule;
};
constexpr OnnxElementwise kOnnxElementwise[] = {
    {"Sub Div Mod Min Max BitShift BitwiseAnd BitwiseOr BitwiseXor", 1, 0, OpClass::eltwise,
     "one operation per operand beyond the first"},
    {"Mean", 1, 1, OpClass::eltwise, "n - 1 adds and one multiply by 1/n"},
    {"Equal Less LessOrEqual Greater GreaterOrEqual And Or Xor", 1, 0, OpClass::eltwise,
     "one comparison or logical operation"},
    {"Where", 0, 1, OpClass::eltwise, "one select"},
    {"Neg Abs Sign Floor Ceil Round Not BitwiseNot IsNaN IsInf", 0, 1, OpClass::eltwise, "one operation"},
    {"Pow", 1, 0, OpClass::activation, "one power (a transcendental)"},
    {"Sqrt Reciprocal Exp Log Erf Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh", 0, 1, OpClass::activation,
     "one transcendental or divide"},
    {"PRelu", 0, 2, OpClass::activation, "max(x, 0) + slope*min(x, 0) as leaky_relu: mul, max"},
    {"ThresholdedRelu", 0, 2, OpClass::activation, "compare, select"},
    {"Shrink", 0, 3, OpClass::activation, "compare, add or subtract the bias, select"},
    {"Softplus Softsign", 0, 3, OpClass::activation, "log(1 + exp(x)): exp, add, log; x/(1 + |x|): abs, add, div"},
    {"Elu", 0, 4, OpClass::activation, "x < 0 ? a*(exp(x) - 1) : x: compare, exp, sub, mul"},
    {"Selu Celu", 0, 5, OpClass::activation, "Elu's 4 and one more scale"},
    {"Mish", 0, 5, OpClass::activation, "x*tanh(softplus(x)): exp, add, log, tanh, mul"},
    {"LogSoftmax", 0, 5, OpClass::activation, "as softmax: max, sub, exp, sum, and the log's sub"},
    {"Hardmax CumSum", 0, 1, OpClass::activation, "one compare or add per element"},
};

// The kOnnxElementwise row listing `op_type` (every caller's op type is one).
const OnnxElementwise* onnx_elementwise(std::string_view op_type) {
  for (const auto& rule : kOnnxElementwise)
    for (std::string_view name : words(rule.ops))
      if (name == op_type) return &rule;
  return nullptr;
}

// What an op importer fills in: the layer (inputs and shapes set), the kind its kOnnxImports
// entry names first, whether the layer keeps ONNX's axis order, whether it runs in int8.
struct NodeImport {
  Layer& layer;
  LayerOp kind;
  bool channels_last;
  bool quantized;
};

class Importer;
// One row per op or op family: the ONNX op types (space-separated), the kinds they import as
// (the second: another kind the node's attributes or operands may choose; the same kind when
// none), and the importer. `convroof workloads kinds` lists each kind's op types from here.
struct OnnxImport {
  std::string_view ops;
  std::array<LayerOp, 2> kinds;
  void (Importer::*import)(const onnx::Node&, NodeImport&);
};
// The entry for a default-domain op type, nullptr when convroof has no formula for it.
const OnnxImport* onnx_import(std::string_view op_type);

class Importer {
 public:
  Importer(std::string path, std::optional<std::int64_t> batch, const std::vector<InputShape>& inputs)
      : path_(std::move(path)), batch_(batch), input_shapes_(inputs) {}

  Model run() {
    parse();
    const onnx::Graph& graph = proto_.graph;
    index_constants(graph);
    set_inputs(graph);
    if (graph.nodes.size() > kMaxLayers)
      fail(fmt::format("has {} nodes; a model has at most {} layers", graph.nodes.size(), kMaxLayers));
    for (const auto& info : graph.value_info) recorded_[info.name] = &info;
    for (const auto& info : graph.outputs) recorded_[info.name] = &info;
    const std::vector<std::size_t> order = topological_order(graph);
    // Exporters name graphs generically ("torch_jit", "main_graph"): the file names the model.
    model_.name = std::filesystem::path(path_).stem().string();
    model_.origin = path_;
    model_.reference = fmt::format(
        "ONNX graph '{}', ir_version {}, opset {}{}{}", graph.name, proto_.ir_version, opset_,
        proto_.producer_name.empty() ? "" : ", produced by ",
        std::string(proto_.producer_name) +
            (proto_.producer_version.empty() ? std::string() : " " + std::string(proto_.producer_version)));
    if (invalid_utf8_at(model_.reference) != std::string::npos) fail("the graph name or producer is not UTF-8 text");
    for (std::size_t index : order) {
      const onnx::Node& node = graph.nodes[index];
      infer(node);
      add_node(node);
    }
    if (model_.layers.empty()) fail("has no compute node (every node folds to a constant)");
    model_.stored_precision = stored_precision(graph);
    if (folded_ > 0)
      model_.notes.push_back(fmt::format("{} ONNX node{} only compute on constants or shapes and fold away", folded_,
                                         folded_ == 1 ? "" : "s"));
    if (!not_counted_ops_.empty()) {
      int count = 0;
      std::vector<std::string> ops;
      for (const auto& [op, nodes] : not_counted_ops_) {
        count += nodes;
        ops.push_back(nodes == 1 ? op : fmt::format("{} {}", nodes, op));
      }
      model_.notes.push_back(fmt::format("{} ONNX node{} not counted ({}): {} sizes depend on values known only at "
                                         "run time, from {} on",
                                         count, count == 1 ? " is" : "s are", join(ops), count == 1 ? "its" : "their",
                                         join(not_counted_sources_)));
    }
    return std::move(model_);
  }

 private:
  // The floating-point type holding the most initializer elements (nullopt: no float weights).
  static std::optional<Precision> stored_precision(const onnx::Graph& graph) {
    std::map<Precision, double> elements;
    for (const auto& tensor : graph.initializers) {
      const auto precision = tensor.type == onnx::kFloat       ? std::optional{Precision::fp32}
                             : tensor.type == onnx::kFloat16   ? std::optional{Precision::fp16}
                             : tensor.type == onnx::kBfloat16 ? std::optional{Precision::bf16}
                                                               : std::nullopt;
      if (!precision) continue;
      double count = 1;
      for (auto d : tensor.dims) count *= static_cast<double>(std::max<std::int64_t>(d, 0));
      elements[*precision] += count;
    }
    std::optional<Precision> most;
    for (const auto& [precision, count] : elements)
      if (!most || count > elements[*most]) most = precision;
    return most;
  }

  [[noreturn]] void fail(const std::string& message) const { throw Error(Location{path_, 0, 0}, message); }
  [[noreturn]] void fail_node(const onnx::Node& node, const std::string& message) const {
    std::string_view name = !node.name.empty() ? node.name : !node.outputs.empty() ? node.outputs[0] : "";
    throw Error(Location{path_, 0, 0}, fmt::format("node '{}' ({}): {}", name, node.op_type, message));
  }

  // The file mapped and decoded (onnx_proto.cpp); a malformed one names the byte.
  void parse() {
    if (auto problem = file_.open(path_)) fail(*problem);
    if (file_.bytes().size() > std::numeric_limits<std::uint32_t>::max())
      fail("the file is larger than 4 GiB: ONNX keeps larger weights in external data files");
    try {
      proto_ = onnx::parse_model(file_.bytes());
    } catch (const onnx::WireError& e) {
      fail(fmt::format("not a valid ONNX model: {} (at byte {})", e.message, e.offset));
    }
    if (proto_.ir_version <= 0) fail("not an ONNX model: no ir_version");
    if (!proto_.has_graph) fail("not an ONNX model: no graph");
    for (const auto& [domain, version] : proto_.opsets)
      if (domain.empty() || domain == "ai.onnx") opset_ = version;
    if (opset_ <= 0) fail("the model imports no version of the default ONNX opset (opset_import)");
    if (proto_.graph.nodes.empty()) fail("the graph has no nodes");
  }

  void index_constants(const onnx::Graph& graph) {
    for (const auto& tensor : graph.initializers) {
      if (tensor.name.empty()) fail(fmt::format("an initializer at byte {} has no name", tensor.offset));
      for (auto dim : tensor.dims)
        if (dim < 0 || dim > onnx::kMaxPropagatedDimension)
          fail(fmt::format("initializer '{}' (byte {}) has dimension {}, outside 0 to {}", tensor.name, tensor.offset, dim, onnx::kMaxPropagatedDimension));
      Value& value = values_[tensor.name];
      value.shape.dims.assign(tensor.dims.begin(), tensor.dims.end());
      value.shape.known = true;
      value.shape.type = tensor.type;
      value.shape.data = tensor.values;
      if (!tensor.values)
        value.shape.no_values =
            tensor.external    ? "is an initializer whose values are in an external file, which convroof does not read"
            : !tensor.has_data ? fmt::format("is an initializer (byte {}) that holds no values", tensor.offset)
            : onnx::is_float_type(tensor.type)
                ? fmt::format("is a floating-point initializer of more than {} values (a weight, which convroof does not "
                              "read)",
                              onnx::kMaxDecodedFloats)
                : fmt::format("is an initializer of more than {} values", onnx::kMaxDecodedElements);
      store(value, tensor.name);
    }
  }
  void store(Value& value, std::string_view name) {
    value.producer = -2;
    value.storage = name;
    value.storage_elements = elements(value.shape.dims);
    value.storage_counts = counts_as_parameters(value.shape.type, value.storage_elements);
    mark_type(value, value.shape.type);
  }

  static void mark_type(Value& value, int element_type) {
    using namespace onnx;
    value.quantized = element_type == kInt8 || element_type == kUint8 || element_type == kInt16 || element_type == kUint16;
    value.wide = element_type == kInt16 || element_type == kUint16;
  }

  // The run-time inputs (graph inputs that are not initializers), each one's shape set:
  // --input NAME=… (or, for a model's one input, a bare shape) gives it whole, --batch its
  // first dimension; a symbolic batch is 1 with a note; any other symbolic dimension is an
  // error naming the input, the dimension and the flag. The first input is the model's
  // (Model::input_shape); layers reading another one read it from memory like the first.
  void set_inputs(const onnx::Graph& graph) {
    std::vector<const onnx::ValueInfo*> inputs;
    for (const auto& input : graph.inputs)
      if (!values_.count(input.name)) inputs.push_back(&input);
    if (inputs.empty()) fail("the graph has no input (every graph input is an initializer)");
    std::vector<std::string> names;
    for (auto* input : inputs) names.push_back("'" + std::string(input->name) + "'");
    std::map<std::string_view, const InputShape*> given;
    for (const auto& shape : input_shapes_) {
      if (shape.name.empty() && inputs.size() > 1)
        fail(fmt::format("--input {} names no input, and the graph has {} ({}): give NAME=SHAPE", shape_text(shape.dims),
                         inputs.size(), join(names)));
      const std::string_view name = shape.name.empty() ? inputs.front()->name : std::string_view(shape.name);
      if (std::none_of(inputs.begin(), inputs.end(), [&](auto* input) { return input->name == name; }))
        fail(fmt::format("--input names '{}', which is not an input of the graph (its input{}: {})", name,
                         inputs.size() == 1 ? " is" : "s are", join(names)));
      if (!given.emplace(name, &shape).second) fail(fmt::format("--input gives input '{}' twice", name));
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      auto found = given.find(inputs[i]->name);
      Shape dims = set_input(*inputs[i], found == given.end() ? nullptr : found->second);
      if (i == 0) model_.input_shape = nhwc(dims);
      else
        model_.notes.push_back(fmt::format("input '{}' {} is read from memory as a second model input", inputs[i]->name,
                                           shape_text(dims)));
    }
  }

  Shape set_input(const onnx::ValueInfo& input, const InputShape* given) {
    if (!input.is_tensor) fail(fmt::format("input '{}' is not a tensor", input.name));
    if (!input.has_shape && !given)
      fail(fmt::format("input '{}' has no shape: give it with --input {}=NxCxHxW", input.name, input.name));
    Shape dims;
    if (given) {
      dims = given->dims;
      if (input.has_shape && dims.size() != input.dims.size())
        fail(fmt::format("--input gives {} dimensions for input '{}', which has {}", dims.size(), input.name,
                         input.dims.size()));
      if (batch_ && dims.front() != *batch_)
        fail(fmt::format("--input sets the batch of '{}' to {} and --batch to {}: give one", input.name, dims.front(),
                         *batch_));
      input_changed_ = true;
    } else {
      if (input.dims.empty()) fail(fmt::format("input '{}' is a scalar; convroof needs a tensor", input.name));
      std::vector<std::string> example;
      for (std::size_t axis = 0; axis < input.dims.size(); ++axis) {
        const onnx::Dimension& dim = input.dims[axis];
        const bool fixed = dim.has_value && dim.value > 0;
        example.push_back(fixed ? std::to_string(dim.value)
                          : axis == 0 ? std::to_string(batch_.value_or(1))
                                      : "<" + (dim.param.empty() ? std::to_string(axis) : std::string(dim.param)) + ">");
      }
      for (std::size_t axis = 0; axis < input.dims.size(); ++axis) {
        const onnx::Dimension& dim = input.dims[axis];
        const bool fixed = dim.has_value && dim.value > 0;
        if (axis == 0 && (batch_ || !fixed)) {
          if (!fixed && !batch_)
            model_.notes.push_back(fmt::format(
                "input '{}' has a symbolic batch dimension{}: analyzed at batch 1 (set it with --batch)", input.name,
                dim.param.empty() ? "" : " '" + std::string(dim.param) + "'"));
          input_changed_ = input_changed_ || (fixed && dim.value != batch_.value_or(1));
          if (!fixed && !dim.param.empty()) batch_symbols_.insert(dim.param);
          dims.push_back(batch_.value_or(1));
          continue;
        }
        if (!fixed)
          fail(fmt::format("input '{}' dimension {} is {}: set it with --input {}={}", input.name, axis,
                           dim.has_value       ? fmt::format("{}", dim.value)
                           : dim.param.empty() ? std::string("unknown")
                                               : "symbolic ('" + std::string(dim.param) + "')",
                           input.name, fmt::join(example, "x")));
        dims.push_back(dim.value);
      }
    }
    for (auto dim : dims)
      if (dim < 1 || dim > onnx::kMaxPropagatedDimension)
        fail(fmt::format("input '{}' dimension {} must be between 1 and {}", input.name, dim,
                         onnx::kMaxPropagatedDimension));
    Value& value = values_[input.name];
    value.shape.dims = dims;
    value.shape.known = true;
    value.shape.type = input.type;
    value.producer = -1;
    value.shape.run_time = true;
    mark_type(value, input.type);
    return dims;
  }

  // Kahn's algorithm over tensor names: catches inputs nothing produces, values produced
  // twice and cycles before any shape is propagated.
  std::vector<std::size_t> topological_order(const onnx::Graph& graph) const {
    std::unordered_map<std::string_view, std::size_t> producer;  // tensor -> node
    std::unordered_set<std::string_view> graph_inputs;
    for (const auto& input : graph.inputs) graph_inputs.insert(input.name);
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      for (const auto& output : graph.nodes[i].outputs) {
        if (output.empty()) continue;
        if (values_.count(output) || graph_inputs.count(output) || producer.count(output))
          fail_node(graph.nodes[i],
                    fmt::format("output '{}' is already defined (ONNX values are assigned once)", output));
        producer[output] = i;
      }
    std::vector<int> waiting(graph.nodes.size(), 0);
    std::vector<std::vector<std::size_t>> readers(graph.nodes.size());
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
      const auto& node = graph.nodes[i];
      if (node.op_type.empty()) fail_node(node, "has no op_type");
      for (const auto& input : node.inputs) {
        if (input.empty() || values_.count(input) || graph_inputs.count(input)) continue;
        auto found = producer.find(input);
        if (found == producer.end())
          fail_node(node, fmt::format("reads '{}', which no node, initializer or graph input provides", input));
        ++waiting[i];
        readers[found->second].push_back(i);
      }
    }
    // Ready nodes leave in file order (a min-heap): O(nodes log nodes).
    std::vector<std::size_t> order;
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      if (waiting[i] == 0) ready.push(i);
    while (!ready.empty()) {
      std::size_t next = ready.top();
      ready.pop();
      order.push_back(next);
      for (std::size_t reader : readers[next])
        if (--waiting[reader] == 0) ready.push(reader);
    }
    if (order.size() != graph.nodes.size())
      for (std::size_t i = 0; i < graph.nodes.size(); ++i)
        if (waiting[i] > 0) fail_node(graph.nodes[i], "is part of a cycle (its inputs depend on its own output)");
    for (const auto& output : graph.outputs)
      if (!producer.count(output.name) && !values_.count(output.name) && !graph_inputs.count(output.name))
        fail(fmt::format("graph output '{}' is produced by no node", output.name));
    return order;
  }

  // The node's output shapes, types and (small) values, by onnx_shapes.cpp; for an op it has
  // no rule for, the shapes the file records (value_info, graph outputs), when the input
  // shape they were recorded for is the one analyzed.
  void infer(const onnx::Node& node) {
    std::vector<const onnx::Known*> inputs;
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      auto found = values_.find(node.inputs[i]);
      if (found == values_.end())  // a graph input other than the analyzed one
        fail_node(node, fmt::format("reads '{}', which is not a tensor with a known type", node.inputs[i]));
      inputs.push_back(&found->second.shape);
    }
    std::vector<onnx::Known> outputs;
    bool ruled = false;
    try {
      ruled = onnx::infer_node(node, opset_, inputs, outputs);
    } catch (const onnx::InferError& e) {
      fail_node(node, e.message);
    }
    for (std::size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      onnx::Known& out = outputs[k];
      if (!ruled) {
        out.unknown = fmt::format("convroof has no shape rule for {}{}{}", node.domain, node.domain.empty() ? "" : ".",
                                  node.op_type);
        auto recorded = recorded_.find(node.outputs[k]);
        if (recorded != recorded_.end() && recorded->second->has_shape) {
          if (input_changed_) {
            out.unknown += " and the shape the file records was recorded for another input shape";
          } else {
            out.type = recorded->second->type;
            out.known = true;
            for (const auto& dim : recorded->second->dims) {
              if (!dim.has_value && batch_symbols_.count(dim.param)) {  // the inputs' symbolic batch
                out.dims.push_back(batch_.value_or(1));
                continue;
              }
              if (!dim.has_value || dim.value < 0 || dim.value > onnx::kMaxPropagatedDimension) {
                out.known = false;
                out.unknown += " and the shape the file records is not fixed";
                break;
              }
              out.dims.push_back(dim.value);
            }
          }
        } else {
          out.unknown += " and the file records no shape for it (add it to the graph's value_info)";
        }
      }
      Value& value = values_[node.outputs[k]];
      value.shape = std::move(out);
      mark_type(value, value.shape.type);
    }
  }

  // --- per node -----------------------------------------------------------------------

  static std::string_view name_of(const onnx::Node& node, int index) {
    return static_cast<std::size_t>(index) < node.inputs.size() ? node.inputs[static_cast<std::size_t>(index)]
                                                                 : std::string_view();
  }
  static bool has_input(const onnx::Node& node, int index) { return !name_of(node, index).empty(); }
  const Value& input_value(const onnx::Node& node, int index) const {
    if (!has_input(node, index)) fail_node(node, fmt::format("has no input {}", index));
    auto found = values_.find(name_of(node, index));
    if (found == values_.end())
      fail_node(node, fmt::format("reads '{}', which is not a tensor with a known type", name_of(node, index)));
    return found->second;
  }
  const Value& require_constant(const onnx::Node& node, int index, std::string_view what) const {
    if (!has_input(node, index)) fail_node(node, fmt::format("has no {} (input {})", what, index));
    const Value& value = input_value(node, index);
    if (value.producer != -2)
      fail_node(node, fmt::format("its {} '{}' is computed at run time; convroof needs it to be a constant", what,
                                  name_of(node, index)));
    return value;
  }
  const Value& known_value(const onnx::Node& node, std::string_view name) const {
    auto found = values_.find(name);
    if (found == values_.end() || !found->second.shape.known)
      fail_node(node, fmt::format("no shape is known for '{}': {}", name,
                                  found == values_.end() ? std::string("it is never defined") : found->second.shape.unknown));
    return found->second;
  }

  static Shape nhwc(const Shape& dims) {
    if (dims.size() != 4) return dims;
    return {dims[0], dims[2], dims[3], dims[1]};
  }

  static std::vector<std::int64_t> ints(const onnx::Node& node, std::string_view name,
                                        std::vector<std::int64_t> fallback) {
    const onnx::Attribute* attribute = node.attribute(name);
    return attribute ? attribute->ints : fallback;
  }
  static std::int64_t int_attribute(const onnx::Node& node, std::string_view name, std::int64_t fallback) {
    const onnx::Attribute* attribute = node.attribute(name);
    return attribute && attribute->has_i ? attribute->i : fallback;
  }
  static std::string string_attribute(const onnx::Node& node, std::string_view name, std::string fallback) {
    const onnx::Attribute* attribute = node.attribute(name);
    return attribute && attribute->has_s ? std::string(attribute->s) : fallback;
  }
  static std::optional<double> float_attribute(const onnx::Node& node, std::string_view name) {
    const onnx::Attribute* attribute = node.attribute(name);
    if (!attribute || !attribute->has_f) return std::nullopt;
    return attribute->f;
  }

  // The single number a scalar constant holds (Clip bounds).
  static std::optional<double> scalar_of(const Value& value) {
    if (value.producer != -2 || !value.shape.data || value.shape.data->size() != 1) return std::nullopt;
    return value.shape.data->front();
  }

  std::string layer_name(const onnx::Node& node) {
    std::string base(node.name.empty() ? node.outputs[0] : node.name);
    std::string name = base;
    for (int copy = 2; used_names_.count(name); ++copy) name = fmt::format("{}#{}", base, copy);
    used_names_.insert(name);
    return name;
  }

  // Window attributes shared by Conv, ConvTranspose and the pools, as [h, w] pairs and
  // pads [t, b, l, r] (ONNX orders pads [t, l, b, r]). auto_pad SAME_* pads so that
  // out = ceil(in / stride): total = max((out − 1)·s + d·(k − 1) + 1 − in, 0), the odd
  // pixel at the end (SAME_UPPER) or the start (SAME_LOWER).
  void window(const onnx::Node& node, Layer& layer, const Shape& in_nchw, const Shape& out_nchw,
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
  void conv(const onnx::Node& node, Layer& layer, int weight_index, int bias_index) const {
    const Shape& in = layer.input_shapes.front();  // still NCHW here
    const Value& weight = require_constant(node, weight_index, "weight");
    const Shape& w = weight.shape.dims;
    if (in.size() != 4 || w.size() != 4)
      fail_node(node, fmt::format("convroof models 2-D convolutions (4-D tensors); input {} and weight {} are not",
                                  shape_text(in), shape_text(w)));
    layer.groups = int_attribute(node, "group", 1);
    if (layer.groups < 1) fail_node(node, fmt::format("group {} must be >= 1", layer.groups));
    if (in[1] != w[1] * layer.groups)
      fail_node(node,
                fmt::format("input '{}' has {} channels but weight '{}' {} expects {} x group {} = {}", name_of(node, 0),
                            in[1], name_of(node, weight_index), shape_text(w), w[1], layer.groups, w[1] * layer.groups));
    if (w[0] % layer.groups != 0)
      fail_node(node, fmt::format("group {} does not divide the weight's {} output channels", layer.groups, w[0]));
    auto kernel = ints(node, "kernel_shape", {w[2], w[3]});
    if (kernel != std::vector<std::int64_t>{w[2], w[3]})
      fail_node(node, fmt::format("kernel_shape {}x{} differs from weight '{}' {}", kernel.size() > 0 ? kernel[0] : 0,
                                  kernel.size() > 1 ? kernel[1] : 0, name_of(node, weight_index), shape_text(w)));
    layer.op = LayerOp::conv2d;
    layer.filters = w[0];
    layer.bias = has_input(node, bias_index);
    window(node, layer, in, layer.output_shape, {w[2], w[3]}, false);
    layer.op_class = conv_op_class(layer, in[1]);
    if (layer.op_class == OpClass::depthwise) layer.op = LayerOp::depthwise_conv2d;  // as YAML names it
  }

  // ConvTranspose: X [N, C, H, W], W [C, K/g, kh, kw].
  void conv_transpose(const onnx::Node& node, Layer& layer) const {
    const Shape& in = layer.input_shapes.front();
    const Shape& w = require_constant(node, 1, "weight").shape.dims;
    if (in.size() != 4 || w.size() != 4) fail_node(node, "convroof models 2-D transposed convolutions");
    layer.groups = int_attribute(node, "group", 1);
    if (layer.groups < 1 || in[1] != w[0] || w[0] % layer.groups != 0)
      fail_node(node, fmt::format("input '{}' has {} channels but weight '{}' {} (group {}) expects {}", name_of(node, 0),
                                  in[1], name_of(node, 1), shape_text(w), layer.groups, w[0]));
    layer.op = LayerOp::conv_transpose;
    layer.filters = w[1] * layer.groups;
    layer.bias = has_input(node, 2);
    window(node, layer, in, layer.output_shape, {w[2], w[3]}, true);
    layer.op_class = conv_op_class(layer, in[1]);
  }

  // Gemm / MatMul / QLinearMatMul / MatMulInteger with a constant 2-D B: dense over the last
  // axis; otherwise a product of two tensors (`matmul`), each output a dot product of K (A's
  // contracted axis) terms.
  void matrix_product(const onnx::Node& node, Layer& layer, int a_index, int b_index, bool gemm) {
    const Value& a = input_value(node, a_index);
    const Value& b = input_value(node, b_index);
    const bool trans_a = gemm && int_attribute(node, "transA", 0) == 1;
    const Shape& a_dims = a.shape.dims;
    const std::int64_t depth = a_dims.empty() ? 1 : trans_a && a_dims.size() == 2 ? a_dims[0] : a_dims.back();
    if (b.producer == -2 && b.shape.dims.size() == 2 && a.producer != -2) {
      Shape& in = layer.input_shapes.front();
      if (trans_a && in.size() == 2) std::swap(in[0], in[1]);
      const bool transposed = gemm && int_attribute(node, "transB", 0) == 1;
      layer.op = LayerOp::dense;
      layer.units = transposed ? b.shape.dims[0] : b.shape.dims[1];
      layer.bias = gemm && has_input(node, 2);
      param_inputs_ = {b_index, gemm ? 2 : -1};
      return;
    }
    layer.op = LayerOp::matmul;
    layer.contraction = depth;
  }

  // Resize's FLOPs per output element, by mode over the d axes it scales: nearest copies
  // (0); linear interpolates 2^d − 1 times, a lerp a + t·(b − a) being 3 FLOPs; cubic
  // interpolates (4^d − 1)/3 times (4 rows, then 1 across: 5 for d = 2), each a 4-tap dot
  // product of 7 FLOPs (4 mul, 3 add). Upsample's "bilinear" is linear.
  static int resize_flops(const std::string& mode, const Shape& in, const Shape& out) {
    int axes = 0;
    for (std::size_t i = 0; i < in.size() && i < out.size(); ++i) axes += in[i] != out[i];
    axes = std::min(axes, 8);
    if (mode == "linear" || mode == "bilinear") return 3 * ((1 << axes) - 1);
    if (mode == "cubic") return 7 * (((1 << (2 * axes)) - 1) / 3);
    return 0;
  }

  // A constant operand's stored tensor, counted once per layer (two reads of one tensor by a
  // node are one tensor).
  void add_parameter(Layer& layer, const Value& value, std::vector<std::string_view>& seen) {
    if (!value.storage_counts || std::find(seen.begin(), seen.end(), value.storage) != seen.end()) return;
    seen.push_back(value.storage);
    if (!counted_storages_.insert(value.storage).second) layer.shared_params += value.storage_elements;
  }

  // A node computed once from constants or from shapes: no run-time work. A constant computed
  // from one stored tensor (and integer or scalar constants) stands for that tensor.
  void fold(const onnx::Node& node, bool constants_only) {
    ++folded_;
    const Value* source = nullptr;
    int sources = 0;
    if (constants_only)
      for (const auto& input : node.inputs) {
        if (input.empty()) continue;
        const Value& value = values_.at(input);
        if (value.storage_counts && (!source || source->storage != value.storage)) {
          source = &value;
          ++sources;
        }
      }
    const std::string_view storage = sources == 1 ? source->storage : std::string_view();
    const std::uint64_t count = sources == 1 ? source->storage_elements : 0;
    for (const auto& output : node.outputs) {
      Value& value = values_[output];
      value.producer = -2;
      if (sources == 1) {
        value.storage = storage;
        value.storage_elements = count;
        value.storage_counts = true;
      } else if (sources > 1 && value.shape.known) {
        // Computed from several stored tensors: a tensor of its own.
        value.storage = output;
        value.storage_elements = elements(value.shape.dims);
        value.storage_counts = counts_as_parameters(value.shape.type, value.storage_elements);
      }
    }
  }

  // Parameters: the weights a formula counts (param_inputs_), else every constant operand that
  // is a stored weight; each stored tensor counts in the totals once.
  void count_parameters(const onnx::Node& node, Layer& layer) {
    std::vector<std::string_view> seen;
    if (!param_inputs_.empty()) {
      for (int index : param_inputs_)
        if (index >= 0 && has_input(node, index)) add_parameter(layer, values_.at(name_of(node, index)), seen);
    } else {
      for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        if (node.inputs[i].empty()) continue;
        const Value& value = values_.at(node.inputs[i]);
        if (value.producer != -2) continue;
        ++layer.constant_operands;
        std::size_t before = seen.size();
        add_parameter(layer, value, seen);
        if (seen.size() > before) layer.constant_elements += value.storage_elements;
      }
    }
  }

  // A node whose sizes the data decides (downstream of NonMaxSuppression, NonZero, a TopK
  // whose K is computed from the data) is not a layer: no count can follow from the input
  // shape. Its outputs are marked so that every reader is not counted either; run() notes them.
  bool not_counted(const onnx::Node& node) {
    const auto data_dependent = [&](std::string_view name) {
      auto found = values_.find(name);
      return found != values_.end() && !found->second.shape.known && found->second.shape.data_dependent;
    };
    if (std::none_of(node.outputs.begin(), node.outputs.end(), data_dependent)) return false;
    const bool source = std::none_of(node.inputs.begin(), node.inputs.end(), data_dependent);
    if (source)
      not_counted_sources_.push_back(fmt::format("{} '{}'", node.op_type, node.name.empty() ? node.outputs[0] : node.name));
    ++not_counted_ops_[std::string(node.op_type)];
    for (const auto& output : node.outputs)
      if (!output.empty()) values_[output].producer = kNotCounted;
    return true;
  }

  void add_node(const onnx::Node& node) {
    const std::string_view op = node.op_type;
    if (node.outputs.empty() || node.outputs[0].empty()) fail_node(node, "has no output");
    const bool default_domain = node.domain.empty() || node.domain == "ai.onnx";
    // Activation inputs (data from the model input) decide whether this node is a layer.
    std::vector<int> activations;
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].empty()) continue;
      auto found = values_.find(node.inputs[i]);
      if (found == values_.end())
        fail_node(node, fmt::format("reads '{}', which is not a tensor with a known type", node.inputs[i]));
      if (found->second.producer != -2) activations.push_back(static_cast<int>(i));
    }

    auto alias = [&](Value source) {
      for (const auto& output : node.outputs) {
        Value& target = values_[output];
        target.producer = source.producer;
        target.quantized = target.quantized || source.quantized;
        target.wide = target.wide || source.wide;
      }
    };
    if (default_domain && op == "Constant") {
      for (const auto& output : node.outputs) store(values_[output], output);
      return;
    }
    if (not_counted(node)) return;
    if (activations.empty() || (default_domain && (op == "Shape" || op == "Size")))
      return fold(node, activations.empty());
    const Value first = values_.at(node.inputs[static_cast<std::size_t>(activations.front())]);  // a copy
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
    layer.source_op = default_domain ? std::string(op) : std::string(node.domain) + "." + std::string(op);
    if (layer.name.size() > kMaxNameBytes)
      fail_node(node, fmt::format("a layer name has at most {} bytes, this one {}", kMaxNameBytes, layer.name.size()));
    // Names and op types reach the JSON report, which is UTF-8.
    if (invalid_utf8_at(layer.name) != std::string::npos || invalid_utf8_at(layer.source_op) != std::string::npos)
      fail_node(node, "its name or op type is not UTF-8 text");
    layer.where = Location{path_, 0, 0};
    bool quantized = false, wide = false;
    for (int index : activations) {
      const Value& value = known_value(node, node.inputs[static_cast<std::size_t>(index)]);
      layer.inputs.push_back(value.producer);
      layer.input_shapes.push_back(value.shape.dims);
      quantized = quantized || value.quantized;
      wide = wide || value.wide;
    }
    // The op's importer (kOnnxImports); none: an op of another domain or without a formula.
    const OnnxImport* entry = default_domain ? onnx_import(op) : nullptr;
    // Several outputs (Split, TopK, an unmodeled op) are reported as one flat tensor of their
    // sum; other ops' extra outputs (a batch norm's or layer norm's statistics, MaxPool's
    // indices, Dropout's mask) are not written by inference runtimes.
    const bool all_outputs = !entry || op == "Split" || op == "TopK";
    if (node.outputs.size() == 1 || !all_outputs) {
      layer.output_shape = known_value(node, node.outputs[0]).shape.dims;
    } else {
      std::uint64_t total = 0;
      for (const auto& output : node.outputs)
        if (!output.empty()) total += elements(known_value(node, output).shape.dims);
      layer.output_shape = {static_cast<std::int64_t>(total)};
    }

    // Every rank-4 shape is reported N, H, W, C of ONNX's N, C, H, W, so each layer reads the
    // shapes its producer writes; dense and matmul keep ONNX's order, as they contract
    // over its last axis.
    NodeImport mapped{layer, entry ? entry->kinds[0] : LayerOp::unmodeled, true, quantized};
    param_inputs_.clear();
    if (entry)
      (this->*entry->import)(node, mapped);
    else
      layer.op = LayerOp::unmodeled;
    quantized = mapped.quantized;
    // Every kind's op class is its row's in kLayerOps, but a convolution's, which depends on
    // its groups and kernel (conv_op_class, set with its geometry), and an element-wise op's
    // (its rule's).
    if (layer.op != LayerOp::conv2d && layer.op != LayerOp::depthwise_conv2d && layer.op != LayerOp::conv_transpose &&
        layer.op != LayerOp::elementwise)
      layer.op_class = layer_op_info(layer.op).op_class;

    count_parameters(node, layer);
    if (mapped.channels_last) {
      for (auto& shape : layer.input_shapes) shape = nhwc(shape);
      layer.output_shape = nhwc(layer.output_shape);
    }
    if (quantized) layer.dtype = wide ? Precision::int16 : Precision::int8;

    const int index = static_cast<int>(model_.layers.size());
    for (const auto& output : node.outputs) {
      if (output.empty()) continue;
      Value& value = values_[output];
      value.producer = index;
      value.quantized = quantized;
      value.wide = wide && quantized;
    }
    model_.layers.push_back(std::move(layer));
  }

 public:
  // --- the op importers: one per op or op family, each entry of kOnnxImports -------------
  // Each sets layer.op (and what its formula reads: geometry, units, FLOPs per element) from
  // a node whose input and output shapes are set (still ONNX's order); param_inputs_ names the
  // inputs holding the weights a formula counts, when not every constant operand.

  // The entry's kind as it stands (activations, softmax, concat, transpose, pad, add, mul).
  void import_kind(const onnx::Node&, NodeImport& mapped) { mapped.layer.op = mapped.kind; }

  void import_batchnorm(const onnx::Node&, NodeImport& mapped) {
    mapped.layer.op = LayerOp::batchnorm;
    param_inputs_ = {1, 2};  // scale and shift; the running statistics fold into them
  }

  // Conv, ConvInteger (X, W, B at 0, 1, 2) and QLinearConv (W at 3, B at 8).
  void import_conv(const onnx::Node& node, NodeImport& mapped) {
    const bool qlinear = node.op_type == "QLinearConv";
    const int weight = qlinear ? 3 : 1, bias = qlinear ? 8 : 2;
    conv(node, mapped.layer, weight, bias);
    param_inputs_ = {weight, bias};
    mapped.quantized = mapped.quantized || qlinear;
  }

  void import_conv_transpose(const onnx::Node& node, NodeImport& mapped) {
    conv_transpose(node, mapped.layer);
    param_inputs_ = {1, 2};
  }

  // Gemm, MatMul, MatMulInteger (A, B at 0, 1) and QLinearMatMul (B at 3).
  void import_matrix_product(const onnx::Node& node, NodeImport& mapped) {
    const bool qlinear = node.op_type == "QLinearMatMul";
    matrix_product(node, mapped.layer, 0, qlinear ? 3 : 1, node.op_type == "Gemm");
    mapped.quantized = mapped.quantized || qlinear;
    mapped.channels_last = false;
  }

  void import_einsum(const onnx::Node& node, NodeImport& mapped) {
    std::vector<Shape> operands;
    for (std::size_t i = 0; i < node.inputs.size(); ++i) operands.push_back(input_value(node, static_cast<int>(i)).shape.dims);
    mapped.layer.op = LayerOp::matmul;
    mapped.layer.contraction = onnx::einsum_contraction(string_attribute(node, "equation", ""), operands);
    mapped.channels_last = false;
  }

  // MaxPool, AveragePool (their window) and GlobalAveragePool over a 4-D input; other ranks
  // have no formula.
  void import_pool(const onnx::Node& node, NodeImport& mapped) {
    Layer& layer = mapped.layer;
    const Shape& in = layer.input_shapes.front();
    if (in.size() != 4) {
      layer.op = LayerOp::unmodeled;
      return;
    }
    layer.op = mapped.kind;
    if (mapped.kind == LayerOp::global_avgpool) return;
    auto kernel = ints(node, "kernel_shape", {});
    if (kernel.size() != 2) fail_node(node, "kernel_shape must give 2 spatial sizes");
    layer.filters = in[1];
    window(node, layer, in, layer.output_shape, {kernel[0], kernel[1]}, false);
  }

  // Clip from 0 to 6 is relu6; other bounds are clip. Bounds are attributes before opset 11,
  // inputs 1 and 2 from it.
  void import_clip(const onnx::Node& node, NodeImport& mapped) {
    std::optional<double> low = float_attribute(node, "min"), high = float_attribute(node, "max");
    if (has_input(node, 1)) low = scalar_of(values_.at(node.inputs[1]));
    if (has_input(node, 2)) high = scalar_of(values_.at(node.inputs[2]));
    mapped.layer.op = low == 0.0 && high == 6.0 ? LayerOp::relu6 : LayerOp::clip;
  }

  // Flatten, Reshape, Squeeze, Unsqueeze: views; the shape / axes operand is metadata, not data.
  void import_view(const onnx::Node&, NodeImport& mapped) {
    mapped.layer.op = mapped.kind;
    mapped.layer.inputs.resize(1);
    mapped.layer.input_shapes.resize(1);
  }

  void import_resize(const onnx::Node& node, NodeImport& mapped) {
    Layer& layer = mapped.layer;
    layer.op = LayerOp::resize;
    layer.element_flops =
        resize_flops(string_attribute(node, "mode", "nearest"), layer.input_shapes.front(), layer.output_shape);
  }

  // QuantizeLinear of the model input (elsewhere it folds into its producer, in add_node).
  void import_quantize(const onnx::Node&, NodeImport& mapped) {
    mapped.layer.op = LayerOp::quantize;
    mapped.quantized = false;  // reported in the floating-point precision of its wider side
  }

  // A kOnnxElementwise op. FLOPs per output element: its rule's count per application, times
  // operands − 1 for the variadic ones (Min, Max, Mean of n inputs), plus its fixed part.
  void import_elementwise(const onnx::Node& node, NodeImport& mapped) {
    const OnnxElementwise& rule = *onnx_elementwise(node.op_type);
    const auto operands = static_cast<int>(
        std::count_if(node.inputs.begin(), node.inputs.end(), [](std::string_view name) { return !name.empty(); }));
    mapped.layer.op = LayerOp::elementwise;
    mapped.layer.element_flops = rule.per_extra_operand * std::max(operands - 1, 0) + rule.fixed;
    mapped.layer.op_class = rule.op_class;
  }

  // Normalizations over axes: mean (1 add), variance (sub, square, add), normalize (sub, div),
  // scale and shift: 8 FLOPs per element; MeanVarianceNormalization has no scale and shift (6);
  // LRN sums `size` squares across channels, then scales and raises: size + 4.
  void import_normalization(const onnx::Node& node, NodeImport& mapped) {
    Layer& layer = mapped.layer;
    layer.op = LayerOp::normalization;
    if (node.op_type == "LRN")
      layer.element_flops = static_cast<int>(std::clamp<std::int64_t>(int_attribute(node, "size", 1), 1, 1 << 20)) + 4;
    else
      layer.element_flops = node.op_type == "MeanVarianceNormalization" ? 6 : 8;
  }

  // A reduction other than the mean: 1 FLOP per input element; 2 for those that square or
  // take an absolute value or an exponential first.
  void import_reduce(const onnx::Node& node, NodeImport& mapped) {
    const std::string_view op = node.op_type;
    mapped.layer.op = LayerOp::reduce;
    const bool two = op == "ReduceL1" || op == "ReduceL2" || op == "ReduceSumSquare" || op == "ReduceLogSumExp" ||
                     op == "GlobalLpPool";
    mapped.layer.element_flops = two ? 2 : 1;
  }

  // Data movement; Slice and the gathers read only the elements they copy.
  void import_copy(const onnx::Node& node, NodeImport& mapped) {
    mapped.layer.op = LayerOp::copy;
    if (node.op_type == "Slice" || node.op_type.starts_with("Gather"))
      mapped.layer.input_shapes.front() = mapped.layer.output_shape;
  }

 private:

  std::string path_;
  std::optional<std::int64_t> batch_;
  std::vector<InputShape> input_shapes_;
  onnx::OnnxFile file_;
  onnx::ModelProto proto_;
  std::int64_t opset_ = 0;
  bool input_changed_ = false;  // the analyzed input shape is not the one the file declares
  std::unordered_set<std::string_view> batch_symbols_;  // the inputs' symbolic batch dimensions' names
  std::unordered_map<std::string_view, Value> values_;
  std::unordered_map<std::string_view, const onnx::ValueInfo*> recorded_;
  std::unordered_set<std::string> used_names_;
  std::unordered_set<std::string_view> counted_storages_;
  std::vector<int> param_inputs_;  // of the node being added
  int folded_ = 0;
  std::vector<std::string> not_counted_sources_;   // the nodes whose outputs' sizes the data decides
  std::map<std::string, int> not_counted_ops_;     // op type -> nodes not counted
  Model model_;
};

constexpr OnnxImport kOnnxImports[] = {
    {"Conv ConvInteger QLinearConv", {LayerOp::conv2d, LayerOp::depthwise_conv2d}, &Importer::import_conv},
    {"Gemm MatMul MatMulInteger QLinearMatMul", {LayerOp::dense, LayerOp::matmul}, &Importer::import_matrix_product},
    {"Einsum", {LayerOp::matmul, LayerOp::matmul}, &Importer::import_einsum},
    {"MaxPool", {LayerOp::maxpool, LayerOp::maxpool}, &Importer::import_pool},
    {"AveragePool", {LayerOp::avgpool, LayerOp::avgpool}, &Importer::import_pool},
    {"GlobalAveragePool", {LayerOp::global_avgpool, LayerOp::global_avgpool}, &Importer::import_pool},
    {"BatchNormalization", {LayerOp::batchnorm, LayerOp::batchnorm}, &Importer::import_batchnorm},
    {"Relu", {LayerOp::relu, LayerOp::relu}, &Importer::import_kind},
    {"Clip", {LayerOp::relu6, LayerOp::clip}, &Importer::import_clip},
    {"LeakyRelu", {LayerOp::leaky_relu, LayerOp::leaky_relu}, &Importer::import_kind},
    {"HardSwish", {LayerOp::hardswish, LayerOp::hardswish}, &Importer::import_kind},
    {"HardSigmoid", {LayerOp::hardsigmoid, LayerOp::hardsigmoid}, &Importer::import_kind},
    {"Sigmoid", {LayerOp::sigmoid, LayerOp::sigmoid}, &Importer::import_kind},
    {"Tanh", {LayerOp::tanh, LayerOp::tanh}, &Importer::import_kind},
    {"Gelu", {LayerOp::gelu, LayerOp::gelu}, &Importer::import_kind},
    {"Add Sum", {LayerOp::add, LayerOp::add}, &Importer::import_kind},
    {"Mul", {LayerOp::mul, LayerOp::mul}, &Importer::import_kind},
    {"Concat", {LayerOp::concat, LayerOp::concat}, &Importer::import_kind},
    {"Flatten", {LayerOp::flatten, LayerOp::flatten}, &Importer::import_view},
    {"Softmax", {LayerOp::softmax, LayerOp::softmax}, &Importer::import_kind},
    {"ConvTranspose", {LayerOp::conv_transpose, LayerOp::conv_transpose}, &Importer::import_conv_transpose},
    {"Reshape Squeeze Unsqueeze", {LayerOp::reshape, LayerOp::reshape}, &Importer::import_view},
    {"Transpose", {LayerOp::transpose, LayerOp::transpose}, &Importer::import_kind},
    {"Pad", {LayerOp::pad, LayerOp::pad}, &Importer::import_kind},
    {"Resize Upsample", {LayerOp::resize, LayerOp::resize}, &Importer::import_resize},
    {"ReduceMean", {LayerOp::reduce_mean, LayerOp::reduce_mean}, &Importer::import_kind},
    {"QuantizeLinear", {LayerOp::quantize, LayerOp::quantize}, &Importer::import_quantize},
    {"LayerNormalization GroupNormalization InstanceNormalization MeanVarianceNormalization LRN",
     {LayerOp::normalization, LayerOp::normalization}, &Importer::import_normalization},
    {"ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare ArgMax "
     "ArgMin TopK GlobalMaxPool GlobalLpPool",
     {LayerOp::reduce, LayerOp::reduce}, &Importer::import_reduce},
    {"Slice Split Gather GatherElements GatherND Expand Tile Cast CastLike DepthToSpace SpaceToDepth ScatterND "
     "ScatterElements Scatter Trilu OneHot ReverseSequence",
     {LayerOp::copy, LayerOp::copy}, &Importer::import_copy},
};
// The kOnnxElementwise ops' entry.
constexpr OnnxImport kElementwiseImport{"", {LayerOp::elementwise, LayerOp::elementwise}, &Importer::import_elementwise};

// Both tables as a map from op type, built on first use (the importer asks once per node).
const OnnxImport* onnx_import(std::string_view op_type) {
  static const auto* const by_type = [] {
    auto* map = new std::unordered_map<std::string_view, const OnnxImport*>;
    for (const auto& entry : kOnnxImports)
      for (std::string_view name : words(entry.ops)) map->emplace(name, &entry);
    for (const auto& rule : kOnnxElementwise)
      for (std::string_view name : words(rule.ops)) map->emplace(name, &kElementwiseImport);
    return map;
  }();
  auto found = by_type->find(op_type);
  return found == by_type->end() ? nullptr : found->second;
}

}  // namespace

std::vector<std::string_view> onnx_op_types(LayerOp op) {
  std::vector<std::string_view> types;
  for (const auto& entry : kOnnxImports)
    if (entry.kinds[0] == op || entry.kinds[1] == op)
      for (std::string_view name : words(entry.ops)) types.push_back(name);
  if (op == LayerOp::elementwise)
    for (const auto& rule : kOnnxElementwise)
      for (std::string_view name : words(rule.ops)) types.push_back(name);
  return types;
}

Model import_onnx(const std::string& path, std::optional<std::int64_t> batch, const std::vector<InputShape>& inputs) {
  return Importer(path, batch, inputs).run();
}

}  // namespace convroof
