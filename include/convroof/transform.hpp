// Model transforms for the depthwise-vs-standard question: replace every standard k×k
// convolution by its depthwise-separable equivalent (depthwise k×k with the same stride,
// padding and dilation, then pointwise 1×1), or every depthwise + pointwise pair by the
// standard convolution it factorises. `find_pairs` lists the blocks one at a time, each
// as two small models (before and after) that `compare` analyzes side by side.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convroof/model.hpp"

namespace convroof {

enum class Transform { none, to_dwsep, to_standard };

inline constexpr std::array kTransforms{
    NamedChoice<Transform>{Transform::none, "none", "the model as given"},
    NamedChoice<Transform>{Transform::to_dwsep, "to-dwsep",
                           "each standard kxk conv (k > 1, groups 1) -> depthwise kxk (same stride) + pointwise 1x1"},
    NamedChoice<Transform>{Transform::to_standard, "to-standard",
                           "each depthwise (+ batchnorm/activation chain) + pointwise pair -> one standard kxk conv"},
};
inline std::string_view transform_name(Transform transform) {
  return choice_name(kTransforms, transform);
}

// One replaceable block of a model.
struct ConvPair {
  Transform direction = Transform::to_dwsep;  // to_dwsep: a standard conv; to_standard: dw (+ chain) + pw
  std::vector<int> layers;                    // its layers' indices in the original model, in order
  std::string label;                          // e.g. "conv (3x3, 128->128, 224x224)"
  Model before;                               // those layers alone, reading an input of the block's input shape
  Model after;                                // the replacement: same input shape, same output shape
};

// Every block of the model, in layer order: standard convs (direction to_dwsep) and
// depthwise + pointwise pairs (direction to_standard).
std::vector<ConvPair> find_pairs(const Model& model);

// The whole model with every block of the transform's direction replaced; `none` returns
// the model unchanged. Later layers that read a replaced block read its replacement.
Model apply_transform(const Model& model, Transform transform);
// The same into `out`, whose storage is reused (a sweep transforms a model per value).
void apply_transform(const Model& model, Transform transform, Model& out);

}  // namespace convroof
