// Shape and value propagation for ONNX ops, following the operator specification
// (onnx/docs/Operators.md) opset by opset where an attribute became an input: Squeeze,
// Unsqueeze, Split and ReduceSum take axes/split as inputs from opset 13, the other Reduce ops
// from 18, Slice its starts/ends from 10, Pad its pads from 11, Clip its bounds from 11,
// Resize (10+) and Upsample (9) their scales.
//
// Values are propagated for tensors of at most kMaxDecodedElements elements, as doubles (exact
// for the integers shapes hold), float32 results rounded to float32; integer division
// truncates as ONNX's integer Div does, and a Cast to an integer truncates toward zero.
//
// Each op's rule is a function of its own, found by op type in kShapeRules (an op family may
// share one); the rules that compute values are those shape subgraphs use: Shape, Size, Cast,
// the element-wise arithmetic (Add, Sub, Mul, Div, Mod, Pow, Min, Max, Floor, Ceil, Round,
// Sqrt, Neg, Abs, Reciprocal, comparisons, Where), Range, Concat, Slice, Gather, Reshape,
// Flatten, Squeeze, Unsqueeze, Transpose, Expand, ConstantOfShape and ReduceSum, ReduceProd,
// ReduceMax, ReduceMin, ReduceMean.
#include "onnx_shapes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace convroof::onnx {

namespace {

using Dims = std::vector<std::int64_t>;
using Values = std::vector<double>;

[[noreturn]] void fail(std::string message) { throw InferError{std::move(message)}; }

std::string dims_text(const Dims& dims) { return fmt::format("[{}]", fmt::join(dims, ", ")); }

// Elements of a shape, saturating at 2^63 (a shape that large is refused by check_dims).
std::uint64_t elements(const Dims& dims) {
  std::uint64_t count = 1;
  for (auto dim : dims) {
    auto d = static_cast<std::uint64_t>(std::max<std::int64_t>(dim, 0));
    if (d != 0 && count > (std::uint64_t{1} << 63) / d) return std::uint64_t{1} << 63;
    count *= d;
  }
  return count;
}

void check_dims(const Dims& dims, std::string_view what) {
  for (auto dim : dims)
    if (dim < 0 || dim > kMaxPropagatedDimension)
      fail(fmt::format("{} would be {}: a dimension must be between 0 and {}", what, dims_text(dims),
                       kMaxPropagatedDimension));
  if (elements(dims) > (std::uint64_t{1} << 53))
    fail(fmt::format("{} would be {}, more than 2^53 elements", what, dims_text(dims)));
}

// A value as a 64-bit integer; huge or non-finite values are errors (an index or a size).
std::int64_t to_int(double value, std::string_view what) {
  if (!std::isfinite(value)) fail(fmt::format("{} is {}, not a finite number", what, value));
  constexpr double kLimit = 4.611686018427388e18;  // 2^62: INT64_MAX-like sentinels clamp here
  if (value >= kLimit) return static_cast<std::int64_t>(kLimit);
  if (value <= -kLimit) return -static_cast<std::int64_t>(kLimit);
  return static_cast<std::int64_t>(value);
}

std::int64_t axis_of(std::int64_t axis, std::int64_t rank, std::string_view what) {
  if (axis < -rank || axis >= rank)
    fail(fmt::format("{} {} is outside a rank-{} tensor", what, axis, rank));
  return axis < 0 ? axis + rank : axis;
}

// Multidirectional (numpy) broadcasting.
Dims broadcast(const Dims& a, const Dims& b) {
  Dims out(std::max(a.size(), b.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    std::int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (x != y && x != 1 && y != 1)
      fail(fmt::format("shapes {} and {} do not broadcast", dims_text(a), dims_text(b)));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

// The flat index in `from` (broadcast to `to`) of each element of `to`.
std::vector<std::size_t> broadcast_index(const Dims& from, const Dims& to) {
  std::size_t total = elements(to);
  std::vector<std::size_t> index(total, 0);
  const std::size_t rank = to.size(), offset = rank - from.size();
  std::vector<std::size_t> stride(rank, 0);
  std::size_t step = 1;
  for (std::size_t i = rank; i-- > offset;) {
    stride[i] = from[i - offset] == 1 ? 0 : step;
    step *= static_cast<std::size_t>(from[i - offset]);
  }
  std::vector<std::int64_t> position(rank, 0);
  for (std::size_t flat = 0; flat < total; ++flat) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < rank; ++i) at += static_cast<std::size_t>(position[i]) * stride[i];
    index[flat] = at;
    for (std::size_t i = rank; i-- > 0;) {
      if (++position[i] < to[i]) break;
      position[i] = 0;
    }
  }
  return index;
}

bool small(const Dims& dims) { return elements(dims) <= kMaxDecodedElements; }

class Rule {
 public:
  Rule(const Node& node, std::int64_t opset, std::span<const Known* const> inputs, std::vector<Known>& outputs)
      : node_(node), opset_(opset), inputs_(inputs), outputs_(outputs) {}

  const Known* in(std::size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  const Known& need(std::size_t i, std::string_view what) const {
    const Known* value = in(i);
    if (!value) fail(fmt::format("has no {} (input {})", what, i));
    return *value;
  }
  std::string input_name(std::size_t i) const {
    return i < node_.inputs.size() ? std::string(node_.inputs[i]) : std::string();
  }
  // The values of input i, needed for the output's shape: without them the shape is unknown.
  const Values* values(std::size_t i) const {
    const Known* value = in(i);
    return value && value->data ? &*value->data : nullptr;
  }
  std::vector<std::int64_t> ints_of(const Values& values, std::string_view what) const {
    std::vector<std::int64_t> out;
    out.reserve(values.size());
    for (double v : values) out.push_back(to_int(v, what));
    return out;
  }
  std::optional<std::vector<std::int64_t>> ints(std::string_view name) const {
    const Attribute* attribute = node_.attribute(name);
    if (!attribute) return std::nullopt;
    return attribute->ints;
  }
  std::int64_t integer(std::string_view name, std::int64_t fallback) const {
    const Attribute* attribute = node_.attribute(name);
    return attribute && attribute->has_i ? attribute->i : fallback;
  }
  std::optional<double> real(std::string_view name) const {
    const Attribute* attribute = node_.attribute(name);
    if (!attribute || !attribute->has_f) return std::nullopt;
    return attribute->f;
  }
  std::string text(std::string_view name, std::string_view fallback) const {
    const Attribute* attribute = node_.attribute(name);
    return std::string(attribute && attribute->has_s ? attribute->s : fallback);
  }

  void set(std::size_t k, Dims dims, int type, std::optional<Values> data = std::nullopt) {
    if (k >= outputs_.size()) return;
    check_dims(dims, fmt::format("output '{}'", node_.outputs[k]));
    Known& out = outputs_[k];
    out.dims = std::move(dims);
    out.known = true;
    out.type = type;
    if (data && data->size() == elements(out.dims)) {
      // A float32 result is the nearest float32 (ONNX computes in the tensor's type): 480 ·
      // (320/480) floors to 320 in float32, where a double product could land just below.
      if (type == kFloat)
        for (double& v : *data) v = static_cast<double>(static_cast<float>(v));
      out.data = std::move(data);
    } else {
      out.data.reset();
    }
  }
  // The output's shape depends on values only run time knows: a size the model's data
  // decides (input i is computed from the model's inputs) or values convroof lacks.
  void unknown_from(std::size_t i, std::string_view what) {
    for (auto& out : outputs_) {
      out.known = false;
      const Known* input = in(i);
      out.data_dependent = input && input->run_time && !input->data;
      out.unknown = fmt::format("{} ({}) {}, and '{}' ({}) takes its shape from its values", input_name(i), what,
                                input && !input->no_values.empty() ? input->no_values : "is computed at run time",
                                node_.name.empty() ? node_.outputs[0] : node_.name, node_.op_type);
    }
  }
  // The output sizes are the data's (NonZero, NonMaxSuppression).
  void data_dependent(std::string_view reason) {
    for (auto& out : outputs_) {
      out.known = false;
      out.data_dependent = true;
      out.unknown = fmt::format("{} '{}' {}, known only at run time", node_.op_type, node_.name, reason);
    }
  }
  std::int64_t opset() const { return opset_; }
  const Node& node() const { return node_; }
  std::string_view op() const { return node_.op_type; }
  int type() const { return in(0) ? in(0)->type : kUndefined; }  // the first input's element type
  std::size_t output_count() const { return outputs_.size(); }

 private:
  const Node& node_;
  std::int64_t opset_;
  std::span<const Known* const> inputs_;
  std::vector<Known>& outputs_;
};

bool one_of(std::string_view op, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), op) != names.end();
}

double apply_unary(std::string_view op, double x, bool integer) {
  if (op == "Neg") return -x;
  if (op == "Abs") return std::fabs(x);
  if (op == "Floor") return std::floor(x);
  if (op == "Ceil") return std::ceil(x);
  if (op == "Round") return std::nearbyint(x);
  if (op == "Sqrt") return std::sqrt(x);
  if (op == "Reciprocal") return integer ? (x == 0 ? 0 : std::trunc(1 / x)) : 1 / x;
  if (op == "Relu") return std::max(x, 0.0);
  if (op == "Not") return x == 0 ? 1 : 0;
  if (op == "Sign") return x > 0 ? 1 : x < 0 ? -1 : 0;
  return x;  // Identity
}
bool has_unary_value(std::string_view op) {
  return one_of(op, {"Neg", "Abs", "Floor", "Ceil", "Round", "Sqrt", "Reciprocal", "Relu", "Not", "Sign", "Identity"});
}

std::optional<double> apply_binary(std::string_view op, double a, double b, bool integer) {
  if (op == "Add" || op == "Sum") return a + b;
  if (op == "Sub") return a - b;
  if (op == "Mul") return a * b;
  if (op == "Div") {
    if (integer) return b == 0 ? std::optional<double>() : std::trunc(a / b);
    return a / b;
  }
  if (op == "Mod") {
    if (b == 0) return std::nullopt;
    double r = std::fmod(a, b);
    if (integer && r != 0 && ((r < 0) != (b < 0))) r += b;  // fmod = 0: the divisor's sign
    return r;
  }
  if (op == "Pow") return std::pow(a, b);
  if (op == "Min") return std::min(a, b);
  if (op == "Max") return std::max(a, b);
  if (op == "Equal") return a == b ? 1 : 0;
  if (op == "Less") return a < b ? 1 : 0;
  if (op == "LessOrEqual") return a <= b ? 1 : 0;
  if (op == "Greater") return a > b ? 1 : 0;
  if (op == "GreaterOrEqual") return a >= b ? 1 : 0;
  if (op == "And") return (a != 0 && b != 0) ? 1 : 0;
  if (op == "Or") return (a != 0 || b != 0) ? 1 : 0;
  if (op == "Xor") return ((a != 0) != (b != 0)) ? 1 : 0;
  return std::nullopt;
}

// ---- windows: Conv, ConvTranspose, pools ----------------------------------------------------
struct Window {
  Dims kernel, strides, dilations, pads;  // pads: begins then ends
};

Window window_of(const Rule& rule, const Dims& kernel, std::size_t spatial) {
  Window w;
  w.kernel = kernel;
  w.strides = rule.ints("strides").value_or(Dims(spatial, 1));
  w.dilations = rule.ints("dilations").value_or(Dims(spatial, 1));
  w.pads = rule.ints("pads").value_or(Dims(2 * spatial, 0));
  if (w.kernel.size() != spatial)
    fail(fmt::format("kernel_shape {} has {} sizes for {} spatial dimensions", dims_text(w.kernel), w.kernel.size(),
                     spatial));
  if (w.strides.size() != spatial) fail(fmt::format("strides {} do not give {} sizes", dims_text(w.strides), spatial));
  if (w.dilations.size() != spatial)
    fail(fmt::format("dilations {} do not give {} sizes", dims_text(w.dilations), spatial));
  if (w.pads.size() != 2 * spatial) fail(fmt::format("pads {} do not give {} sizes", dims_text(w.pads), 2 * spatial));
  for (std::size_t i = 0; i < spatial; ++i) {
    if (w.kernel[i] < 1 || w.kernel[i] > kMaxPropagatedDimension)
      fail(fmt::format("kernel size {} must be between 1 and {}", w.kernel[i], kMaxPropagatedDimension));
    if (w.strides[i] < 1 || w.strides[i] > kMaxPropagatedDimension)
      fail(fmt::format("stride {} must be between 1 and {}", w.strides[i], kMaxPropagatedDimension));
    if (w.dilations[i] < 1 || w.dilations[i] > kMaxPropagatedDimension)
      fail(fmt::format("dilation {} must be between 1 and {}", w.dilations[i], kMaxPropagatedDimension));
  }
  for (auto pad : w.pads)
    if (pad < 0 || pad > kMaxPropagatedDimension)
      fail(fmt::format("pad {} must be between 0 and {}", pad, kMaxPropagatedDimension));
  return w;
}

// Output sizes of a sliding window (Conv, pools): floor((in + pads − dilated)/stride) + 1,
// or ceil with ceil_mode, where a last window starting in the end padding is dropped (as
// PyTorch computes, and ONNX from opset 19); auto_pad SAME_* gives ceil(in/stride), VALID no pads.
Dims window_output(const Rule& rule, const Dims& in_spatial, Window& w, bool ceil_mode) {
  const std::string auto_pad = rule.text("auto_pad", "NOTSET");
  const std::size_t spatial = in_spatial.size();
  Dims out(spatial);
  for (std::size_t i = 0; i < spatial; ++i) {
    const std::int64_t dilated = w.dilations[i] * (w.kernel[i] - 1) + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[i] = (in_spatial[i] + w.strides[i] - 1) / w.strides[i];
      std::int64_t total = std::max<std::int64_t>((out[i] - 1) * w.strides[i] + dilated - in_spatial[i], 0);
      std::int64_t smaller = total / 2, larger = total - smaller;
      w.pads[i] = auto_pad == "SAME_UPPER" ? smaller : larger;
      w.pads[i + spatial] = auto_pad == "SAME_UPPER" ? larger : smaller;
      continue;
    }
    if (auto_pad == "VALID") w.pads[i] = w.pads[i + spatial] = 0;
    else if (auto_pad != "NOTSET") fail(fmt::format("auto_pad '{}' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", auto_pad));
    const std::int64_t padded = in_spatial[i] + w.pads[i] + w.pads[i + spatial];
    if (padded < dilated)
      fail(fmt::format("the window {} (dilated {}) is larger than the padded input {}", w.kernel[i], dilated, padded));
    std::int64_t span = padded - dilated;
    out[i] = (ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] : span / w.strides[i]) + 1;
    if (ceil_mode && (out[i] - 1) * w.strides[i] >= in_spatial[i] + w.pads[i]) --out[i];
  }
  return out;
}

// ---- the rules ----------------------------------------------------------------------------
void conv(Rule& rule, std::size_t x_index, std::size_t w_index, int type) {
  const Known& x = rule.need(x_index, "input");
  const Known& w = rule.need(w_index, "weight");
  if (x.dims.size() < 3 || w.dims.size() != x.dims.size())
    fail(fmt::format("input {} and weight {} must have the same rank, at least 3", dims_text(x.dims),
                     dims_text(w.dims)));
  const std::int64_t group = rule.integer("group", 1);
  if (group < 1 || group > kMaxPropagatedDimension) fail(fmt::format("group {} must be >= 1", group));
  if (x.dims[1] != w.dims[1] * group)
    fail(fmt::format("input has {} channels but weight {} expects {} x group {}", x.dims[1], dims_text(w.dims),
                     w.dims[1], group));
  if (w.dims[0] % group != 0) fail(fmt::format("group {} does not divide the weight's {} filters", group, w.dims[0]));
  const std::size_t spatial = x.dims.size() - 2;
  Dims kernel(w.dims.begin() + 2, w.dims.end());
  if (auto given = rule.ints("kernel_shape"); given && *given != kernel)
    fail(fmt::format("kernel_shape {} differs from the weight's {}", dims_text(*given), dims_text(kernel)));
  Window win = window_of(rule, kernel, spatial);
  Dims out{x.dims[0], w.dims[0]};
  Dims sizes = window_output(rule, Dims(x.dims.begin() + 2, x.dims.end()), win, false);
  out.insert(out.end(), sizes.begin(), sizes.end());
  rule.set(0, out, type);
}

void conv_transpose(Rule& rule) {
  const Known& x = rule.need(0, "input");
  const Known& w = rule.need(1, "weight");
  if (x.dims.size() < 3 || w.dims.size() != x.dims.size())
    fail(fmt::format("input {} and weight {} must have the same rank, at least 3", dims_text(x.dims),
                     dims_text(w.dims)));
  const std::int64_t group = rule.integer("group", 1);
  if (group < 1 || group > kMaxPropagatedDimension) fail(fmt::format("group {} must be >= 1", group));
  if (x.dims[1] != w.dims[0] || w.dims[0] % group != 0)
    fail(fmt::format("input has {} channels but weight {} (group {}) expects {}", x.dims[1], dims_text(w.dims), group,
                     w.dims[0]));
  const std::size_t spatial = x.dims.size() - 2;
  Window win = window_of(rule, Dims(w.dims.begin() + 2, w.dims.end()), spatial);
  Dims output_padding = rule.ints("output_padding").value_or(Dims(spatial, 0));
  if (output_padding.size() != spatial) fail("output_padding does not give one size per spatial dimension");
  Dims out{x.dims[0], w.dims[1] * group};
  if (auto shape = rule.ints("output_shape")) {
    if (shape->size() != spatial) fail("output_shape does not give one size per spatial dimension");
    out.insert(out.end(), shape->begin(), shape->end());
  } else {
    const std::string auto_pad = rule.text("auto_pad", "NOTSET");
    for (std::size_t i = 0; i < spatial; ++i) {
      if (output_padding[i] < 0 || output_padding[i] >= std::max(win.strides[i], win.dilations[i]))
        fail(fmt::format("output_padding {} must be below the stride or dilation", output_padding[i]));
      const std::int64_t dilated = win.dilations[i] * (win.kernel[i] - 1) + 1;
      std::int64_t size = win.strides[i] * (x.dims[2 + i] - 1) + output_padding[i] + dilated;
      if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")
        size = x.dims[2 + i] * win.strides[i];
      else if (auto_pad != "VALID")
        size -= win.pads[i] + win.pads[i + spatial];
      if (size < 1) fail(fmt::format("the output size {} is not positive", size));
      out.push_back(size);
    }
  }
  rule.set(0, out, rule.need(0, "input").type);
}

void pool(Rule& rule, bool global) {
  const Known& x = rule.need(0, "input");
  if (x.dims.size() < 3) fail(fmt::format("input {} must have a batch, channels and spatial dimensions", dims_text(x.dims)));
  Dims out{x.dims[0], x.dims[1]};
  const std::size_t spatial = x.dims.size() - 2;
  if (global) {
    out.insert(out.end(), spatial, 1);
  } else {
    auto kernel = rule.ints("kernel_shape");
    if (!kernel) fail("has no kernel_shape");
    Window win = window_of(rule, *kernel, spatial);
    Dims sizes = window_output(rule, Dims(x.dims.begin() + 2, x.dims.end()), win, rule.integer("ceil_mode", 0) == 1);
    out.insert(out.end(), sizes.begin(), sizes.end());
  }
  rule.set(0, out, x.type);
  rule.set(1, out, kInt64);  // MaxPool's indices
}

Dims matmul_shape(Dims a, Dims b) {
  if (a.empty() || b.empty()) fail("MatMul operands must not be scalars");
  const bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  if (a.back() != b[b.size() - 2])
    fail(fmt::format("the inner dimensions of {} and {} differ ({} vs {})", dims_text(a), dims_text(b), a.back(),
                     b[b.size() - 2]));
  Dims batch = broadcast(Dims(a.begin(), a.end() - 2), Dims(b.begin(), b.end() - 2));
  if (!a_vector) batch.push_back(a[a.size() - 2]);
  if (!b_vector) batch.push_back(b.back());
  return batch;
}

// Einsum of explicit letters ("bhqd,bhkd->bhqk"); implicit output: letters used once, sorted.
struct EinsumIndices {
  std::map<char, std::int64_t> size;
  std::string output;
};
EinsumIndices parse_einsum(std::string equation, const std::vector<Dims>& operands) {
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  if (equation.find("...") != std::string::npos) fail("convroof does not expand '...' in an Einsum equation");
  auto arrow = equation.find("->");
  std::string lhs = equation.substr(0, arrow);
  std::vector<std::string> terms;
  for (std::size_t start = 0;;) {
    auto comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::map<char, std::int64_t> size;
  std::map<char, int> uses;
  if (terms.size() != operands.size())
    fail(fmt::format("the equation has {} terms for {} operands", terms.size(), operands.size()));
  for (std::size_t t = 0; t < terms.size(); ++t) {
    const Dims& operand = operands[t];
    if (terms[t].size() != operand.size())
      fail(fmt::format("term '{}' has {} letters for a rank-{} operand", terms[t], terms[t].size(), operand.size()));
    for (std::size_t i = 0; i < terms[t].size(); ++i) {
      char letter = terms[t][i];
      if (!std::isalpha(static_cast<unsigned char>(letter))) fail(fmt::format("'{}' is not a letter", letter));
      auto [it, added] = size.emplace(letter, operand[i]);
      if (!added && it->second != operand[i] && it->second != 1 && operand[i] != 1)
        fail(fmt::format("index '{}' is {} in one operand and {} in another", letter, it->second, operand[i]));
      it->second = std::max(it->second, operand[i]);
      ++uses[letter];
    }
  }
  std::string output;
  if (arrow != std::string::npos) {
    output = equation.substr(arrow + 2);
  } else {
    for (auto [letter, count] : uses)
      if (count == 1) output.push_back(letter);
  }
  for (char letter : output)
    if (!size.count(letter)) fail(fmt::format("output index '{}' appears in no operand", letter));
  return {size, output};
}

void einsum(Rule& rule) {
  std::vector<Dims> operands;
  for (std::size_t i = 0; i < rule.node().inputs.size(); ++i) operands.push_back(rule.need(i, "operand").dims);
  EinsumIndices indices = parse_einsum(rule.text("equation", ""), operands);
  Dims out;
  for (char letter : indices.output) out.push_back(indices.size.at(letter));
  rule.set(0, out, rule.need(0, "operand").type);
}

std::vector<std::int64_t> axes_input_or_attribute(Rule& rule, std::size_t input, bool from_input, bool& known) {
  known = true;
  if (!from_input) return rule.ints("axes").value_or(std::vector<std::int64_t>{});
  if (!rule.in(input)) return {};
  const Values* values = rule.values(input);
  if (!values) {
    known = false;
    return {};
  }
  return rule.ints_of(*values, "an axis");
}

// The values of ReduceSum, ReduceProd, ReduceMax, ReduceMin and ReduceMean (floating-point:
// an integer mean's rounding is the runtime's) over the `reduced` axes of known values: each
// input element folds into the output element of its kept axes' indices (the reduced ones
// dropped, which is also its flat index with keepdims, those axes being 1). An empty
// reduction of Max/Min has no value (ONNX: the type's lowest/highest); none is computed.
std::optional<Values> reduce_values(std::string_view op, const Known& x, const std::vector<bool>& reduced,
                                    std::uint64_t count) {
  const bool mean = op == "ReduceMean";
  if (!x.data || !one_of(op, {"ReduceSum", "ReduceProd", "ReduceMax", "ReduceMin", "ReduceMean"}) ||
      (mean && is_integer_type(x.type)) || count > kMaxDecodedElements)
    return std::nullopt;
  const std::uint64_t total = elements(x.dims);
  if (total == 0 && (op == "ReduceMax" || op == "ReduceMin" || mean)) return std::nullopt;
  Values out(count, op == "ReduceProd" ? 1.0 : 0.0);
  std::vector<bool> seen(count, false);
  Dims position(x.dims.size(), 0);
  for (std::uint64_t flat = 0; flat < total; ++flat) {
    std::size_t at = 0;
    for (std::size_t d = 0; d < x.dims.size(); ++d)
      if (!reduced[d]) at = at * static_cast<std::size_t>(x.dims[d]) + static_cast<std::size_t>(position[d]);
    const double v = (*x.data)[flat];
    double& r = out[at];
    if (op == "ReduceProd") r *= v;
    else if (op == "ReduceMax") r = seen[at] ? std::max(r, v) : v;
    else if (op == "ReduceMin") r = seen[at] ? std::min(r, v) : v;
    else r += v;
    seen[at] = true;
    for (std::size_t d = x.dims.size(); d-- > 0;) {
      if (++position[d] < x.dims[d]) break;
      position[d] = 0;
    }
  }
  if (mean)
    for (double& r : out) r /= static_cast<double>(total / count);
  return out;
}

void reduce(Rule& rule, bool axes_from_input, int type) {
  const Known& x = rule.need(0, "input");
  bool known = true;
  auto axes = axes_input_or_attribute(rule, 1, axes_from_input, known);
  if (!known) return rule.unknown_from(1, "axes");
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  const bool keep = rule.integer("keepdims", 1) == 1;
  if (axes.empty()) {
    if (rule.integer("noop_with_empty_axes", 0) == 1) return rule.set(0, x.dims, type);
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  std::vector<bool> reduced(x.dims.size(), false);
  for (auto axis : axes) reduced[static_cast<std::size_t>(axis_of(axis, rank, "axis"))] = true;
  Dims out;
  for (std::size_t i = 0; i < x.dims.size(); ++i) {
    if (!reduced[i]) out.push_back(x.dims[i]);
    else if (keep) out.push_back(1);
  }
  rule.set(0, out, type, reduce_values(rule.op(), x, reduced, elements(out)));
}

void slice(Rule& rule) {
  const Known& x = rule.need(0, "data");
  std::vector<std::int64_t> starts, ends, axes, steps;
  if (rule.opset() < 10) {
    starts = rule.ints("starts").value_or(std::vector<std::int64_t>{});
    ends = rule.ints("ends").value_or(std::vector<std::int64_t>{});
    axes = rule.ints("axes").value_or(std::vector<std::int64_t>{});
  } else {
    for (std::size_t i = 1; i <= 4; ++i) {
      if (!rule.in(i)) continue;
      const Values* values = rule.values(i);
      if (!values) return rule.unknown_from(i, i == 1 ? "starts" : i == 2 ? "ends" : i == 3 ? "axes" : "steps");
      auto list = rule.ints_of(*values, "a slice bound");
      (i == 1 ? starts : i == 2 ? ends : i == 3 ? axes : steps) = list;
    }
  }
  if (starts.size() != ends.size()) fail(fmt::format("has {} starts but {} ends", starts.size(), ends.size()));
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    fail("starts, ends, axes and steps must have the same length");
  Dims out = x.dims;
  std::vector<std::int64_t> first(x.dims.size(), 0), stride(x.dims.size(), 1);
  std::vector<bool> seen(x.dims.size(), false);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    auto axis = static_cast<std::size_t>(axis_of(axes[i], rank, "axis"));
    if (seen[axis]) fail(fmt::format("axis {} is sliced twice", axes[i]));
    seen[axis] = true;
    const std::int64_t dim = x.dims[axis], step = steps[i];
    if (step == 0) fail("a slice step is 0");
    auto clamp = [&](std::int64_t v, std::int64_t low, std::int64_t high) {
      if (v < 0) v += dim;
      return std::clamp(v, low, high);
    };
    std::int64_t start = step > 0 ? clamp(starts[i], 0, dim) : clamp(starts[i], -1, dim - 1);
    std::int64_t end = step > 0 ? clamp(ends[i], 0, dim) : clamp(ends[i], -1, dim - 1);
    std::int64_t count = step > 0 ? (end - start + step - 1) / step : (start - end + (-step) - 1) / (-step);
    out[axis] = std::max<std::int64_t>(count, 0);
    first[axis] = start;
    stride[axis] = step;
  }
  std::optional<Values> data;
  if (x.data && small(out)) {
    data.emplace();
    Dims position(out.size(), 0);
    for (std::uint64_t flat = 0; flat < elements(out); ++flat) {
      std::size_t at = 0;
      for (std::size_t d = 0; d < out.size(); ++d)
        at = at * static_cast<std::size_t>(x.dims[d]) + static_cast<std::size_t>(first[d] + position[d] * stride[d]);
      data->push_back((*x.data)[at]);
      for (std::size_t d = out.size(); d-- > 0;) {
        if (++position[d] < out[d]) break;
        position[d] = 0;
      }
    }
  }
  rule.set(0, out, x.type, std::move(data));
}

void gather(Rule& rule) {
  const Known& x = rule.need(0, "data");
  const Known& indices = rule.need(1, "indices");
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  if (rank == 0) fail("Gather's data must not be a scalar");
  auto axis = static_cast<std::size_t>(axis_of(rule.integer("axis", 0), rank, "axis"));
  Dims out(x.dims.begin(), x.dims.begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), indices.dims.begin(), indices.dims.end());
  out.insert(out.end(), x.dims.begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.dims.end());
  std::optional<Values> data;
  if (indices.data) {
    for (double v : *indices.data) {
      std::int64_t index = to_int(v, "an index");
      if (index < -x.dims[axis] || index >= x.dims[axis])
        fail(fmt::format("index {} is outside axis {} of size {}", index, axis, x.dims[axis]));
    }
    if (x.data && small(out)) {
      std::size_t outer = elements(Dims(x.dims.begin(), x.dims.begin() + static_cast<std::ptrdiff_t>(axis)));
      std::size_t inner = elements(Dims(x.dims.begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.dims.end()));
      data.emplace();
      for (std::size_t o = 0; o < outer; ++o)
        for (double v : *indices.data) {
          std::int64_t index = to_int(v, "an index");
          if (index < 0) index += x.dims[axis];
          for (std::size_t i = 0; i < inner; ++i)
            data->push_back((*x.data)[(o * static_cast<std::size_t>(x.dims[axis]) + static_cast<std::size_t>(index)) * inner + i]);
        }
    }
  }
  rule.set(0, out, x.type, std::move(data));
}

void concat(Rule& rule) {
  const Known& first = rule.need(0, "input");
  const auto rank = static_cast<std::int64_t>(first.dims.size());
  auto axis = static_cast<std::size_t>(axis_of(rule.integer("axis", 0), rank, "axis"));
  Dims out = first.dims;
  out[axis] = 0;
  bool all_data = true;
  std::vector<const Known*> parts;
  for (std::size_t i = 0; i < rule.node().inputs.size(); ++i) {
    const Known* part = rule.in(i);
    if (!part) continue;
    if (part->dims.size() != first.dims.size())
      fail(fmt::format("input {} {} has another rank than input 0 {}", i, dims_text(part->dims), dims_text(first.dims)));
    for (std::size_t d = 0; d < out.size(); ++d)
      if (d != axis && part->dims[d] != first.dims[d])
        fail(fmt::format("input {} {} differs from input 0 {} off axis {}", i, dims_text(part->dims),
                         dims_text(first.dims), axis));
    out[axis] += part->dims[axis];
    all_data = all_data && part->data;
    parts.push_back(part);
  }
  std::optional<Values> data;
  if (all_data && small(out)) {
    std::size_t outer = elements(Dims(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(axis)));
    data.emplace();
    for (std::size_t o = 0; o < outer; ++o)
      for (const Known* part : parts) {
        std::size_t chunk = elements(Dims(part->dims.begin() + static_cast<std::ptrdiff_t>(axis), part->dims.end()));
        data->insert(data->end(), part->data->begin() + static_cast<std::ptrdiff_t>(o * chunk),
                     part->data->begin() + static_cast<std::ptrdiff_t>((o + 1) * chunk));
      }
  }
  rule.set(0, out, first.type, std::move(data));
}

void reshape(Rule& rule) {
  const Known& x = rule.need(0, "data");
  const Values* shape = rule.values(1);
  if (!shape) {
    if (!rule.in(1)) fail("has no shape (input 1)");
    return rule.unknown_from(1, "shape");
  }
  auto wanted = rule.ints_of(*shape, "a shape");
  const bool allow_zero = rule.integer("allowzero", 0) == 1;
  Dims out;
  int inferred = -1;
  std::uint64_t known_elements = 1;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    std::int64_t dim = wanted[i];
    if (dim == 0 && !allow_zero) {
      if (i >= x.dims.size()) fail(fmt::format("shape {} copies dimension {}, which the input lacks", dims_text(wanted), i));
      dim = x.dims[i];
    }
    if (dim == -1) {
      if (inferred >= 0) fail(fmt::format("shape {} has two -1", dims_text(wanted)));
      inferred = static_cast<int>(i);
      out.push_back(1);
      continue;
    }
    if (dim < 0 || dim > kMaxPropagatedDimension) fail(fmt::format("shape {} has dimension {}, outside 0 to {}", dims_text(wanted), dim, kMaxPropagatedDimension));
    out.push_back(dim);
    known_elements *= static_cast<std::uint64_t>(dim);
    if (known_elements > (std::uint64_t{1} << 53)) fail(fmt::format("shape {} is too large", dims_text(wanted)));
  }
  const std::uint64_t total = elements(x.dims);
  if (inferred >= 0) {
    if (known_elements == 0 || total % known_elements != 0)
      fail(fmt::format("cannot reshape {} ({} elements) to {}", dims_text(x.dims), total, dims_text(wanted)));
    out[static_cast<std::size_t>(inferred)] = static_cast<std::int64_t>(total / known_elements);
  } else if (known_elements != total) {
    fail(fmt::format("cannot reshape {} ({} elements) to {} ({} elements)", dims_text(x.dims), total, dims_text(out),
                     known_elements));
  }
  rule.set(0, out, x.type, x.data);
}

void squeeze_unsqueeze(Rule& rule, bool squeeze) {
  const Known& x = rule.need(0, "data");
  bool known = true;
  auto axes = axes_input_or_attribute(rule, 1, rule.opset() >= 13, known);
  if (!known) return rule.unknown_from(1, "axes");
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  Dims out;
  if (squeeze) {
    std::vector<bool> drop(x.dims.size(), false);
    for (auto axis : axes) {
      auto at = static_cast<std::size_t>(axis_of(axis, rank, "axis"));
      if (x.dims[at] != 1) fail(fmt::format("cannot squeeze axis {} of {}: its size is not 1", axis, dims_text(x.dims)));
      drop[at] = true;
    }
    for (std::size_t i = 0; i < x.dims.size(); ++i)
      if (!(axes.empty() ? x.dims[i] == 1 : drop[i])) out.push_back(x.dims[i]);
  } else {
    const auto out_rank = rank + static_cast<std::int64_t>(axes.size());
    if (axes.size() > 64) fail("unsqueezes more than 64 axes");
    std::vector<bool> inserted(static_cast<std::size_t>(out_rank), false);
    for (auto axis : axes) {
      auto at = static_cast<std::size_t>(axis_of(axis, out_rank, "axis"));
      if (inserted[at]) fail(fmt::format("axis {} is given twice", axis));
      inserted[at] = true;
    }
    std::size_t next = 0;
    for (std::size_t i = 0; i < inserted.size(); ++i) out.push_back(inserted[i] ? 1 : x.dims[next++]);
  }
  rule.set(0, out, x.type, x.data);
}

void split(Rule& rule) {
  const Known& x = rule.need(0, "input");
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  auto axis = static_cast<std::size_t>(axis_of(rule.integer("axis", 0), rank, "axis"));
  std::vector<std::int64_t> parts;
  if (rule.opset() >= 13 && rule.in(1)) {
    const Values* values = rule.values(1);
    if (!values) return rule.unknown_from(1, "split");
    parts = rule.ints_of(*values, "a split size");
  } else if (rule.opset() < 13) {
    parts = rule.ints("split").value_or(std::vector<std::int64_t>{});
  }
  const std::size_t count = rule.output_count();
  if (parts.empty()) {
    std::int64_t pieces = rule.integer("num_outputs", static_cast<std::int64_t>(count));
    if (pieces < 1) fail(fmt::format("splits into {} outputs", pieces));
    std::int64_t each = (x.dims[axis] + pieces - 1) / pieces;  // the last part takes the rest
    for (std::int64_t i = 0; i < pieces; ++i)
      parts.push_back(std::max<std::int64_t>(std::min(each, x.dims[axis] - i * each), 0));
  }
  if (parts.size() != count) fail(fmt::format("gives {} split sizes for {} outputs", parts.size(), count));
  std::int64_t sum = 0;
  for (auto part : parts) {
    if (part < 0) fail(fmt::format("split size {} is negative", part));
    sum += part;
  }
  if (sum != x.dims[axis]) fail(fmt::format("split sizes add up to {}, axis {} has {}", sum, axis, x.dims[axis]));
  for (std::size_t k = 0; k < count; ++k) {
    Dims out = x.dims;
    out[axis] = parts[k];
    rule.set(k, out, x.type);
  }
}

void pad(Rule& rule) {
  const Known& x = rule.need(0, "data");
  std::vector<std::int64_t> pads;
  if (rule.opset() < 11) {
    pads = rule.ints("pads").value_or(std::vector<std::int64_t>{});
  } else {
    const Values* values = rule.values(1);
    if (!values) {
      if (!rule.in(1)) fail("has no pads (input 1)");
      return rule.unknown_from(1, "pads");
    }
    pads = rule.ints_of(*values, "a pad");
  }
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  std::vector<std::int64_t> axes;
  if (rule.opset() >= 18 && rule.in(3)) {
    const Values* values = rule.values(3);
    if (!values) return rule.unknown_from(3, "axes");
    for (auto axis : rule.ints_of(*values, "an axis")) axes.push_back(axis_of(axis, rank, "axis"));
  } else {
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size())
    fail(fmt::format("has {} pads for {} axes (two per axis)", pads.size(), axes.size()));
  Dims out = x.dims;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    auto at = static_cast<std::size_t>(axes[i]);
    std::int64_t size = out[at] + pads[i] + pads[i + axes.size()];
    if (size < 0 || pads[i] > kMaxPropagatedDimension || pads[i + axes.size()] > kMaxPropagatedDimension)
      fail(fmt::format("pads {} {} make axis {} of size {} negative or too large", pads[i], pads[i + axes.size()], at,
                       out[at]));
    out[at] = size;
  }
  rule.set(0, out, x.type);
}

// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample (scales attribute
// before 9, input from 9): out = floor(in · scale), or the sizes given.
void resize(Rule& rule, bool upsample) {
  const Known& x = rule.need(0, "input");
  const std::size_t rank = x.dims.size();
  std::vector<double> scales;
  if (upsample && rule.opset() < 9) {
    const Attribute* attribute = rule.node().attribute("scales");
    if (attribute) scales = attribute->floats;
  } else {
    const std::size_t scales_index = upsample || rule.opset() < 11 ? 1 : 2;
    if (!upsample && rule.opset() >= 11 && rule.in(3)) {
      const Values* sizes = rule.values(3);
      if (!sizes) return rule.unknown_from(3, "sizes");
      auto given = rule.ints_of(*sizes, "a size");
      std::vector<std::int64_t> axes = rule.ints("axes").value_or(std::vector<std::int64_t>{});
      Dims out = x.dims;
      if (axes.empty()) {
        if (given.size() != rank) fail(fmt::format("sizes {} do not give one size per axis of {}", dims_text(given), dims_text(x.dims)));
        out = given;
      } else {
        if (given.size() != axes.size()) fail("sizes and axes differ in length");
        for (std::size_t i = 0; i < axes.size(); ++i)
          out[static_cast<std::size_t>(axis_of(axes[i], static_cast<std::int64_t>(rank), "axis"))] = given[i];
      }
      return rule.set(0, out, x.type);
    }
    if (rule.in(scales_index)) {
      const Values* values = rule.values(scales_index);
      if (!values) return rule.unknown_from(scales_index, "scales");
      scales = *values;
    }
  }
  if (scales.size() != rank)
    fail(fmt::format("gives {} scales for the {} axes of {} (and no sizes)", scales.size(), rank, dims_text(x.dims)));
  Dims out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    if (!std::isfinite(scales[i]) || scales[i] <= 0 || scales[i] > 1e6)
      fail(fmt::format("scale {} must be a positive number", scales[i]));
    out[i] = to_int(std::floor(static_cast<double>(x.dims[i]) * scales[i]), "a resized size");
  }
  rule.set(0, out, x.type);
}

void elementwise(Rule& rule, std::string_view op, int type) {
  Dims out;
  bool first = true;
  std::vector<const Known*> operands;
  for (std::size_t i = 0; i < rule.node().inputs.size(); ++i) {
    const Known* operand = rule.in(i);
    if (!operand) continue;
    out = first ? operand->dims : broadcast(out, operand->dims);
    first = false;
    operands.push_back(operand);
  }
  if (operands.empty()) fail("has no input");
  std::optional<Values> data;
  const bool all_data = std::all_of(operands.begin(), operands.end(), [](const Known* k) { return k->data.has_value(); });
  if (all_data && small(out)) {
    const bool integer = is_integer_type(operands.front()->type);
    std::vector<std::vector<std::size_t>> index;
    for (const Known* operand : operands) index.push_back(broadcast_index(operand->dims, out));
    data.emplace();
    for (std::size_t e = 0; e < elements(out); ++e) {
      std::optional<double> value;
      if (op == "Where") {
        value = (*operands[0]->data)[index[0][e]] != 0 ? (*operands[1]->data)[index[1][e]]
                                                        : (*operands[2]->data)[index[2][e]];
      } else if (operands.size() == 1) {
        if (!has_unary_value(op)) {
          data.reset();
          break;
        }
        value = apply_unary(op, (*operands[0]->data)[index[0][e]], integer);
      } else {
        value = (*operands[0]->data)[index[0][e]];
        for (std::size_t k = 1; k < operands.size() && value; ++k)
          value = apply_binary(op, *value, (*operands[k]->data)[index[k][e]], integer);
      }
      if (!value) {
        data.reset();
        break;
      }
      data->push_back(*value);
    }
  }
  rule.set(0, out, type, std::move(data));
}

void constant(Rule& rule) {
  const Node& node = rule.node();
  for (const auto& attribute : node.attributes) {
    if (attribute.name == "value" && attribute.t) {
      check_dims(attribute.t->dims, "the constant");
      return rule.set(0, attribute.t->dims, attribute.t->type, attribute.t->values);
    }
    if (attribute.name == "value_float" && attribute.has_f) return rule.set(0, {}, kFloat, Values{attribute.f});
    if (attribute.name == "value_int" && attribute.has_i)
      return rule.set(0, {}, kInt64, Values{static_cast<double>(attribute.i)});
    if (attribute.name == "value_floats")
      return rule.set(0, {static_cast<std::int64_t>(attribute.floats.size())}, kFloat, attribute.floats);
    if (attribute.name == "value_ints") {
      Values values(attribute.ints.begin(), attribute.ints.end());
      return rule.set(0, {static_cast<std::int64_t>(values.size())}, kInt64, values);
    }
  }
  fail("has no value attribute convroof reads (value, value_float(s), value_int(s))");
}


// ---- the op table: one rule per op (or op family), each reading the op from its Rule ------

void same_shape(Rule& rule) {
  if (rule.op() == "Identity" || has_unary_value(rule.op())) return elementwise(rule, rule.op(), rule.type());
  rule.set(0, rule.need(0, "input").dims, rule.type());
}

void dropout(Rule& rule) {
  rule.set(0, rule.need(0, "input").dims, rule.type(), rule.need(0, "input").data);
  rule.set(1, rule.need(0, "input").dims, kBool);
}

// Cast and CastLike: to an integer type a value truncates toward zero (as C's conversion, and
// ONNX's Cast of a float in range), to bool it is x != 0.
void cast(Rule& rule) {
  int to = rule.op() == "Cast" ? static_cast<int>(rule.integer("to", kFloat)) : rule.need(1, "target").type;
  std::optional<Values> data = rule.need(0, "input").data;
  if (data && to == kBool)
    for (double& v : *data) v = v != 0 ? 1 : 0;
  else if (data && is_integer_type(to))
    for (double& v : *data) v = std::trunc(v);
  rule.set(0, rule.need(0, "input").dims, to, std::move(data));
}

void arithmetic(Rule& rule) { elementwise(rule, rule.op(), rule.type()); }
void comparison(Rule& rule) { elementwise(rule, rule.op(), kBool); }
void where(Rule& rule) { elementwise(rule, rule.op(), rule.need(1, "X").type); }
void is_nan_inf(Rule& rule) { rule.set(0, rule.need(0, "input").dims, kBool); }

void conv_family(Rule& rule) {
  if (rule.op() == "Conv") return conv(rule, 0, 1, rule.type());
  if (rule.op() == "ConvInteger") return conv(rule, 0, 1, kInt32);
  conv(rule, 0, 3, rule.in(7) ? rule.in(7)->type : kUint8);  // QLinearConv
}

void pool_family(Rule& rule) { pool(rule, rule.op().starts_with("Global")); }

void gemm(Rule& rule) {
  Dims a = rule.need(0, "A").dims, b = rule.need(1, "B").dims;
  if (a.size() != 2 || b.size() != 2) fail(fmt::format("A {} and B {} must be matrices", dims_text(a), dims_text(b)));
  if (rule.integer("transA", 0)) std::swap(a[0], a[1]);
  if (rule.integer("transB", 0)) std::swap(b[0], b[1]);
  if (a[1] != b[0]) fail(fmt::format("A's {} columns do not match B's {} rows", a[1], b[0]));
  rule.set(0, {a[0], b[1]}, rule.type());
}

void matmul(Rule& rule) {
  if (rule.op() == "QLinearMatMul")
    return rule.set(0, matmul_shape(rule.need(0, "a").dims, rule.need(3, "b").dims),
                    rule.in(7) ? rule.in(7)->type : kUint8);
  rule.set(0, matmul_shape(rule.need(0, "A").dims, rule.need(1, "B").dims),
           rule.op() == "MatMul" ? rule.type() : kInt32);
}

void batch_normalization(Rule& rule) {
  const Known& input = rule.need(0, "X");
  if (input.dims.size() < 2) fail(fmt::format("input {} has no channel axis", dims_text(input.dims)));
  rule.set(0, input.dims, rule.type());
  for (std::size_t k = 1; k < rule.output_count(); ++k) rule.set(k, {input.dims[1]}, rule.type());
}

void layer_normalization(Rule& rule) {
  const Known& input = rule.need(0, "X");
  const auto rank = static_cast<std::int64_t>(input.dims.size());
  auto axis = static_cast<std::size_t>(axis_of(rule.integer("axis", -1), rank, "axis"));
  rule.set(0, input.dims, rule.type());
  Dims stats = input.dims;
  for (std::size_t i = axis; i < stats.size(); ++i) stats[i] = 1;
  rule.set(1, stats, kFloat);
  rule.set(2, stats, kFloat);
}

// ReduceSum takes its axes as an input from opset 13, the other Reduce ops from 18.
void reduce_family(Rule& rule) { reduce(rule, rule.opset() >= (rule.op() == "ReduceSum" ? 13 : 18), rule.type()); }

void arg_max_min(Rule& rule) {
  const Known& input = rule.need(0, "data");
  const auto rank = static_cast<std::int64_t>(input.dims.size());
  auto axis = static_cast<std::size_t>(axis_of(rule.integer("axis", 0), rank, "axis"));
  Dims out;
  for (std::size_t i = 0; i < input.dims.size(); ++i) {
    if (i != axis) out.push_back(input.dims[i]);
    else if (rule.integer("keepdims", 1) == 1) out.push_back(1);
  }
  rule.set(0, out, kInt64);
}

void top_k(Rule& rule) {
  const Known& input = rule.need(0, "X");
  const auto rank = static_cast<std::int64_t>(input.dims.size());
  auto axis = static_cast<std::size_t>(axis_of(rule.integer("axis", -1), rank, "axis"));
  std::int64_t k = rule.integer("k", -1);
  if (rule.opset() >= 10) {
    const Values* values = rule.values(1);
    if (!values) return rule.unknown_from(1, "K");
    if (values->size() != 1) fail("K must hold one number");
    k = to_int(values->front(), "K");
  }
  if (k < 0 || k > input.dims[axis]) fail(fmt::format("K {} is outside axis {} of size {}", k, axis, input.dims[axis]));
  Dims out = input.dims;
  out[axis] = k;
  rule.set(0, out, rule.type());
  rule.set(1, out, kInt64);
}

void shape(Rule& rule) {
  const Known& input = rule.need(0, "data");
  const auto rank = static_cast<std::int64_t>(input.dims.size());
  std::int64_t start = rule.integer("start", 0), end = rule.integer("end", rank);
  auto clamp = [rank](std::int64_t v) { return std::clamp(v < 0 ? v + rank : v, std::int64_t{0}, rank); };
  start = clamp(start);
  end = clamp(end);
  Values values;
  for (std::int64_t i = start; i < end; ++i) values.push_back(static_cast<double>(input.dims[static_cast<std::size_t>(i)]));
  rule.set(0, {static_cast<std::int64_t>(values.size())}, kInt64, values);
}

void size(Rule& rule) { rule.set(0, {}, kInt64, Values{static_cast<double>(elements(rule.need(0, "data").dims))}); }

void constant_of_shape(Rule& rule) {
  const Values* shape = rule.values(0);
  if (!shape) return rule.unknown_from(0, "shape");
  Dims out = rule.ints_of(*shape, "a dimension");
  check_dims(out, fmt::format("output '{}'", rule.node().outputs.empty() ? "" : rule.node().outputs[0]));
  double fill = 0;
  int fill_type = kFloat;
  if (const Attribute* value = rule.node().attribute("value"); value && value->t) {
    fill_type = value->t->type;
    if (value->t->values && value->t->values->size() == 1) fill = value->t->values->front();
  }
  std::optional<Values> data;
  if (small(out)) data = Values(elements(out), fill);
  rule.set(0, out, fill_type, std::move(data));
}

// Range: ceil((limit − start)/delta) values (none when negative), start + i·delta.
void range(Rule& rule) {
  const Values *start = rule.values(0), *limit = rule.values(1), *delta = rule.values(2);
  if (!start || !limit || !delta) return rule.unknown_from(!start ? 0 : !limit ? 1 : 2, "a bound");
  if (start->size() != 1 || limit->size() != 1 || delta->size() != 1) fail("start, limit and delta must be scalars");
  if (delta->front() == 0) fail("delta is 0");
  double count = std::max(std::ceil((limit->front() - start->front()) / delta->front()), 0.0);
  if (!std::isfinite(count) || count > static_cast<double>(kMaxPropagatedDimension))
    fail(fmt::format("would hold {} values", count));
  Dims out{static_cast<std::int64_t>(count)};
  std::optional<Values> data;
  if (small(out)) {
    data.emplace();
    for (std::int64_t i = 0; i < out[0]; ++i) data->push_back(start->front() + static_cast<double>(i) * delta->front());
  }
  rule.set(0, out, rule.type(), std::move(data));
}

void expand(Rule& rule) {
  const Known& input = rule.need(0, "input");
  const Values* shape = rule.values(1);
  if (!shape) return rule.unknown_from(1, "shape");
  Dims out = broadcast(input.dims, rule.ints_of(*shape, "a dimension"));
  std::optional<Values> data;
  if (input.data && small(out)) {
    data.emplace();
    for (auto at : broadcast_index(input.dims, out)) data->push_back((*input.data)[at]);
  }
  rule.set(0, out, rule.type(), std::move(data));
}

void tile(Rule& rule) {
  const Known& input = rule.need(0, "input");
  const Values* repeats = rule.values(1);
  if (!repeats) return rule.unknown_from(1, "repeats");
  auto times = rule.ints_of(*repeats, "a repeat");
  if (times.size() != input.dims.size()) fail("repeats must give one count per axis");
  Dims out = input.dims;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (times[i] < 0 || times[i] > kMaxPropagatedDimension) fail(fmt::format("repeat {} is not valid", times[i]));
    out[i] *= times[i];
  }
  rule.set(0, out, rule.type());
}

void gather_elements(Rule& rule) {
  rule.need(0, "data");
  rule.set(0, rule.need(1, "indices").dims, rule.type());
}

void gather_nd(Rule& rule) {
  const Known& data = rule.need(0, "data");
  const Known& indices = rule.need(1, "indices");
  const auto batch = static_cast<std::size_t>(std::max<std::int64_t>(rule.integer("batch_dims", 0), 0));
  if (indices.dims.empty() || batch + static_cast<std::size_t>(indices.dims.back()) > data.dims.size())
    fail("indices do not fit the data's rank");
  Dims out(indices.dims.begin(), indices.dims.end() - 1);
  out.insert(out.end(), data.dims.begin() + static_cast<std::ptrdiff_t>(batch + static_cast<std::size_t>(indices.dims.back())),
             data.dims.end());
  rule.set(0, out, rule.type());
}

void flatten(Rule& rule) {
  const Known& input = rule.need(0, "input");
  const auto rank = static_cast<std::int64_t>(input.dims.size());
  std::int64_t axis = rule.integer("axis", 1);
  if (axis < -rank || axis > rank) fail(fmt::format("axis {} is outside a rank-{} tensor", axis, rank));
  if (axis < 0) axis += rank;
  auto at = input.dims.begin() + axis;
  rule.set(0, {static_cast<std::int64_t>(elements(Dims(input.dims.begin(), at))),
               static_cast<std::int64_t>(elements(Dims(at, input.dims.end())))},
           rule.type(), input.data);
}

void squeeze_family(Rule& rule) { squeeze_unsqueeze(rule, rule.op() == "Squeeze"); }

void transpose(Rule& rule) {
  const Known& input = rule.need(0, "data");
  std::vector<std::int64_t> perm = rule.ints("perm").value_or(std::vector<std::int64_t>{});
  if (perm.empty())
    for (std::size_t i = input.dims.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
  if (perm.size() != input.dims.size())
    fail(fmt::format("perm {} does not permute the {} axes of {}", dims_text(perm), input.dims.size(), dims_text(input.dims)));
  std::vector<bool> used(perm.size(), false);
  Dims out;
  for (auto axis : perm) {
    auto at = static_cast<std::size_t>(axis_of(axis, static_cast<std::int64_t>(perm.size()), "perm axis"));
    if (used[at]) fail(fmt::format("perm {} names axis {} twice", dims_text(perm), axis));
    used[at] = true;
    out.push_back(input.dims[at]);
  }
  std::optional<Values> data;
  if (input.data) {  // out[i] = in[j] where j's axis perm[k] index is i's axis k index
    data.emplace(input.data->size());
    std::vector<std::size_t> stride(input.dims.size(), 1);
    for (std::size_t k = input.dims.size(); k-- > 1;) stride[k - 1] = stride[k] * static_cast<std::size_t>(input.dims[k]);
    for (std::size_t i = 0; i < data->size(); ++i) {
      std::size_t rest = i, from = 0;
      for (std::size_t k = out.size(); k-- > 0;) {
        const auto extent = static_cast<std::size_t>(out[k]);
        from += (rest % extent) * stride[static_cast<std::size_t>(axis_of(perm[k], static_cast<std::int64_t>(perm.size()), "perm axis"))];
        rest /= extent;
      }
      (*data)[i] = (*input.data)[from];
    }
  }
  rule.set(0, out, rule.type(), std::move(data));
}

void resize_family(Rule& rule) { resize(rule, rule.op() == "Upsample"); }

void depth_space(Rule& rule) {
  const Known& input = rule.need(0, "input");
  std::int64_t block = rule.integer("blocksize", 0);
  if (input.dims.size() != 4 || block < 1 || block > 4096) fail("needs a 4-D input and a positive blocksize");
  Dims out = input.dims;
  if (rule.op() == "DepthToSpace") {
    if (out[1] % (block * block) != 0) fail(fmt::format("blocksize² {} does not divide {} channels", block * block, out[1]));
    out = {out[0], out[1] / (block * block), out[2] * block, out[3] * block};
  } else {
    if (out[2] % block != 0 || out[3] % block != 0) fail("blocksize does not divide the height and width");
    out = {out[0], out[1] * block * block, out[2] / block, out[3] / block};
  }
  rule.set(0, out, rule.type());
}

void quantize_linear(Rule& rule) { rule.set(0, rule.need(0, "x").dims, rule.in(2) ? rule.in(2)->type : kUint8); }
void dequantize_linear(Rule& rule) { rule.set(0, rule.need(0, "x").dims, kFloat); }
void dynamic_quantize_linear(Rule& rule) {
  rule.set(0, rule.need(0, "x").dims, kUint8);
  rule.set(1, {}, kFloat);
  rule.set(2, {}, kUint8);
}

// Ops whose output sizes are the data's: how many values pass a test, known only at run time.
void data_dependent(Rule& rule) {
  rule.data_dependent(rule.op() == "NonZero" ? "has as many outputs as its input has non-zero values"
                                             : "selects as many boxes as pass its score and overlap thresholds");
}

void one_hot(Rule& rule) {
  const Known& indices = rule.need(0, "indices");
  const Values* depth = rule.values(1);
  if (!depth || depth->size() != 1) return rule.unknown_from(1, "depth");
  Dims out = indices.dims;
  const auto rank = static_cast<std::int64_t>(out.size()) + 1;
  auto axis = axis_of(rule.integer("axis", -1), rank, "axis");
  out.insert(out.begin() + axis, to_int(depth->front(), "depth"));
  rule.set(0, out, rule.need(2, "values").type);
}

// Op types (space-separated) -> their rule. Constant is read before the table (it has no
// input to check), and an op absent here has no rule (infer_node returns false).
struct ShapeRule {
  std::string_view ops;
  void (*rule)(Rule&);
};
constexpr ShapeRule kShapeRules[] = {
    {"Relu Sigmoid Tanh Exp Log Sqrt Reciprocal Neg Abs Erf HardSigmoid HardSwish LeakyRelu Elu Selu Celu Softplus "
     "Softsign Gelu Mish Shrink ThresholdedRelu Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh "
     "Atanh Softmax LogSoftmax Hardmax LRN InstanceNormalization MeanVarianceNormalization GroupNormalization CumSum "
     "Trilu Identity Clip Not BitwiseNot ScatterND ScatterElements Scatter ReverseSequence",
     same_shape},
    {"Dropout", dropout},
    {"Cast CastLike", cast},
    {"Add Sub Mul Div Pow Mod Min Max Sum Mean PRelu BitShift BitwiseAnd BitwiseOr BitwiseXor", arithmetic},
    {"Equal Less LessOrEqual Greater GreaterOrEqual And Or Xor", comparison},
    {"Where", where},
    {"IsNaN IsInf", is_nan_inf},
    {"Conv ConvInteger QLinearConv", conv_family},
    {"ConvTranspose", conv_transpose},
    {"MaxPool AveragePool LpPool GlobalAveragePool GlobalMaxPool GlobalLpPool", pool_family},
    {"Gemm", gemm},
    {"MatMul MatMulInteger QLinearMatMul", matmul},
    {"Einsum", einsum},
    {"BatchNormalization", batch_normalization},
    {"LayerNormalization", layer_normalization},
    {"ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp "
     "ReduceSumSquare",
     reduce_family},
    {"ArgMax ArgMin", arg_max_min},
    {"TopK", top_k},
    {"Shape", shape},
    {"Size", size},
    {"ConstantOfShape", constant_of_shape},
    {"Range", range},
    {"Expand", expand},
    {"Tile", tile},
    {"Slice", slice},
    {"Gather", gather},
    {"GatherElements", gather_elements},
    {"GatherND", gather_nd},
    {"Concat", concat},
    {"Reshape", reshape},
    {"Flatten", flatten},
    {"Squeeze Unsqueeze", squeeze_family},
    {"Transpose", transpose},
    {"Split", split},
    {"Pad", pad},
    {"Resize Upsample", resize_family},
    {"DepthToSpace SpaceToDepth", depth_space},
    {"QuantizeLinear", quantize_linear},
    {"DequantizeLinear", dequantize_linear},
    {"DynamicQuantizeLinear", dynamic_quantize_linear},
    {"NonZero NonMaxSuppression", data_dependent},
    {"OneHot", one_hot},
};

// The table as a map from op type, built on first use.
void (*rule_of(std::string_view op))(Rule&) {
  static const auto* const by_op = [] {
    auto* map = new std::unordered_map<std::string_view, void (*)(Rule&)>;
    for (const auto& entry : kShapeRules)
      for (std::string_view name : words(entry.ops)) map->emplace(name, entry.rule);
    return map;
  }();
  auto found = by_op->find(op);
  return found == by_op->end() ? nullptr : found->second;
}

}  // namespace

std::int64_t einsum_contraction(const std::string& equation, const std::vector<std::vector<std::int64_t>>& operands) {
  try {
    EinsumIndices indices = parse_einsum(equation, operands);
    std::int64_t product = 1;
    for (auto [letter, size] : indices.size)
      if (indices.output.find(letter) == std::string::npos) product *= std::max<std::int64_t>(size, 1);
    return product;
  } catch (const InferError&) {
    return 1;  // infer_node reported it first
  }
}

bool infer_node(const Node& node, std::int64_t opset, std::span<const Known* const> inputs,
                std::vector<Known>& outputs) {
  outputs.assign(node.outputs.size(), Known{});
  const bool standard = node.domain.empty() || node.domain == "ai.onnx";
  // Values computed from the model's inputs stay so, but a tensor's shape or size.
  const bool run_time = !(standard && (node.op_type == "Shape" || node.op_type == "Size")) &&
                        std::any_of(inputs.begin(), inputs.end(), [](const Known* k) { return k && k->run_time; });
  for (auto& out : outputs) out.run_time = run_time;
  // A size only run time knows makes every reader's shape unknown too, whatever its op.
  for (const Known* input : inputs)
    if (input && !input->known && input->data_dependent) {
      for (auto& out : outputs) {
        out.unknown = input->unknown;
        out.data_dependent = true;
      }
      return true;
    }
  if (!standard) return false;
  Rule rule(node, opset, inputs, outputs);
  if (node.op_type == "Constant") {
    constant(rule);
    return true;
  }
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] && !inputs[i]->known) {
      for (auto& out : outputs) out.unknown = inputs[i]->unknown;
      return true;
    }
  auto* apply = rule_of(node.op_type);
  if (!apply) return false;
  apply(rule);
  return true;
}

}  // namespace convroof::onnx
