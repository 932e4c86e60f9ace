// The closed vocabularies of convroof, each as one constexpr table: precisions, op classes
// (the report's layer "kind", also the keys of a spec's `routing` and `efficiency`) and
// device classes. Parsing, --help text and error messages are all driven by these tables.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace convroof {

enum class Precision { fp32, fp16, bf16, tf32, int16, int8 };

struct PrecisionInfo {
  Precision precision;
  std::string_view name;
  int bytes;  // bytes per element
};
inline constexpr std::array kPrecisions{
    PrecisionInfo{Precision::fp32, "fp32", 4}, PrecisionInfo{Precision::fp16, "fp16", 2},
    PrecisionInfo{Precision::bf16, "bf16", 2}, PrecisionInfo{Precision::tf32, "tf32", 4},  // TF32: fp32 storage
    PrecisionInfo{Precision::int16, "int16", 2},
    PrecisionInfo{Precision::int8, "int8", 1}};

// Op class = what a layer is for the hardware: which unit runs it, at what efficiency.
enum class OpClass {
  standard,    // k×k convolution, k > 1, groups = 1
  depthwise,   // groups = input channels = output channels / multiplier
  pointwise,   // 1×1 convolution, groups = 1
  grouped,     // any other grouped convolution
  dense,       // fully connected / matrix multiply
  pool,        // max / average / global average pooling
  norm,        // batch normalisation
  activation,  // element-wise non-linearity, softmax
  eltwise,     // add, mul
  reshape,     // flatten, reshape (views); concat, transpose, pad (copies)
  lumped,      // a whole model given as FLOPs and bytes
  other,       // an imported op convroof has no formula for (unmodeled)
};

struct OpClassInfo {
  OpClass op_class;
  std::string_view name;
};
inline constexpr std::array kOpClasses{
    OpClassInfo{OpClass::standard, "standard"},   OpClassInfo{OpClass::depthwise, "depthwise"},
    OpClassInfo{OpClass::pointwise, "pointwise"}, OpClassInfo{OpClass::grouped, "grouped"},
    OpClassInfo{OpClass::dense, "dense"},         OpClassInfo{OpClass::pool, "pool"},
    OpClassInfo{OpClass::norm, "norm"},           OpClassInfo{OpClass::activation, "activation"},
    OpClassInfo{OpClass::eltwise, "eltwise"},     OpClassInfo{OpClass::reshape, "reshape"},
    OpClassInfo{OpClass::lumped, "lumped"},       OpClassInfo{OpClass::other, "other"}};

inline constexpr std::array<std::string_view, 6> kDeviceClasses{"cloud", "edge", "mobile", "tinyml", "npu", "cpu"};

std::string_view precision_name(Precision precision);
int precision_bytes(Precision precision);
std::optional<Precision> parse_precision(std::string_view name);
std::vector<std::string> precision_names();

std::string_view op_class_name(OpClass op_class);
std::optional<OpClass> parse_op_class(std::string_view name);
std::vector<std::string> op_class_names();

// A closed vocabulary of an enum: its values with their names and one-line summaries.
template <typename Enum>
struct NamedChoice {
  Enum value;
  std::string_view name;
  std::string_view summary;
};

template <typename Enum, std::size_t N>
std::string_view choice_name(const std::array<NamedChoice<Enum>, N>& table, Enum value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return table.front().name;
}
template <typename Enum, std::size_t N>
std::optional<Enum> parse_choice(const std::array<NamedChoice<Enum>, N>& table, std::string_view name) {
  for (const auto& entry : table)
    if (entry.name == name) return entry.value;
  return std::nullopt;
}
template <typename Enum, std::size_t N>
std::vector<std::string> choice_names(const std::array<NamedChoice<Enum>, N>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  return names;
}

// "a, b, c" of a list of names, for messages.
std::string join(const std::vector<std::string>& names, std::string_view separator = ", ");
// The space-separated words of a table column ("filters kernel stride" -> filters, kernel, stride).
std::vector<std::string_view> words(std::string_view text);
// "unknown WHAT 'value' (did you mean 'x'?); valid: a, b, c": the one message for a value
// outside a closed vocabulary.
std::string unknown_choice(std::string_view what, const std::string& value, const std::vector<std::string>& valid);

// How a layer's time terms combine (the analysis option --time-model; a runtime may set its
// default, as the Ethos-U runtime sets Vela's max).
enum class TimeModel { iron_law, roofline };
inline constexpr std::array kTimeModels{
    NamedChoice<TimeModel>{TimeModel::iron_law, "iron-law", "T = D/BW + O/(R*eta) + L"},
    NamedChoice<TimeModel>{TimeModel::roofline, "roofline", "max(D/BW, O/(R*eta)) + L"},
};
inline std::string_view time_model_name(TimeModel model) {
  return choice_name(kTimeModels, model);
}

}  // namespace convroof
