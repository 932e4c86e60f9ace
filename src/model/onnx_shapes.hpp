// Shape and value propagation of convroof's own for ONNX graphs (src/model/onnx_shapes.cpp):
// each node's output shapes and element types from its inputs', and the values of the small
// tensors exporters compute shapes with (Shape -> Gather -> arithmetic -> Concat -> Reshape,
// Slice, Resize). Every attribute, dimension and value is checked before it is used; a rule
// that cannot follow is an InferError naming the offending value.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "convroof/model.hpp"
#include "onnx_proto.hpp"

namespace convroof::onnx {

// What import time knows of one value.
struct Known {
  std::vector<std::int64_t> dims;  // ONNX order; valid when `known`
  bool known = false;
  int type = kUndefined;
  std::optional<std::vector<double>> data;  // its values, when computed (small tensors only)
  std::string unknown;                      // why the shape is not known
  std::string no_values;                    // why `data` is absent, when not "computed at run time"
  bool run_time = false;        // its values are computed from the model's inputs (not only their shapes)
  bool data_dependent = false;  // not `known`: its size is decided by run-time values (NonZero,
                                // NonMaxSuppression, a TopK's K from the data), not by the input shapes
};

struct InferError {
  std::string message;
};

// The largest single dimension a propagated shape may have: the loaders' bound.
inline constexpr std::int64_t kMaxPropagatedDimension = convroof::kMaxDimension;

// Sets `outputs` (one per node output) from `inputs` (nullptr for an absent optional input).
// False when convroof has no rule for the op (custom domains, control flow, rare ops): the
// caller may use a shape the file records. Throws InferError.
bool infer_node(const Node& node, std::int64_t opset, std::span<const Known* const> inputs,
                std::vector<Known>& outputs);

// The length of each output's dot product in an Einsum of explicit letters: the product of
// the sizes of the indices summed over (those not in the output). Throws InferError.
std::int64_t einsum_contraction(const std::string& equation, const std::vector<std::vector<std::int64_t>>& operands);

}  // namespace convroof::onnx
