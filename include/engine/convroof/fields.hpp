// The report's per-layer and total figures, each listed once: its dotted path, unit, one-line
// doc and how to read it from a LayerCost and from the Totals. The JSON report nests on the
// dots (`bytes.input` is {"bytes": {"input": …}}), the CSV writes the fields that name a column
// (flattened: `bytes_input`), the text and Markdown layer tables show fields by path, and diff
// reads its metrics by path. A new figure is a member of LayerFigures (or Totals), computed by
// the evaluator, plus one row here (docs/architecture.md, "Common changes").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "convroof/cost.hpp"

namespace convroof {

// What a field's number means (how the human formats print it; the CSV marks seconds `_s`).
enum class FieldUnit {
  text,           // a name
  integer,        // an index, printed as it is
  count,          // MACs, params: "4.231 M"
  flops,          // floating-point operations: "115.6 M"
  bytes,          // "25.69 MB"
  seconds,        // "12.49 us"
  flop_per_byte,  // arithmetic intensity: "4.500"
  flops_per_s,    // "31.40 TFLOP/s"
  bytes_per_s,    // bandwidth
  fraction,       // a ratio (utilization, η, need / capacity)
  flag,           // true | false
  shape,          // [N, H, W, C], "1x224x224x3"
  structure,      // a list or object the JSON writes whole (memory levels, the MAC-array account)
};

// One field's value in one record. Shapes, memory levels and the MAC-array account point into
// the record (valid while it lives); a null MacArrayCost* is JSON null.
using FieldValue = std::variant<std::int64_t, std::uint64_t, double, bool, std::string_view, std::span<const std::int64_t>,
                                const std::vector<Shape>*, const std::vector<LevelTraffic>*, const MacArrayCost*>;

struct ReportField {
  std::string_view path;  // JSON key, nested on dots
  FieldUnit unit;
  std::string_view doc;
  FieldValue (*layer)(const LayerCost&);  // null: a total only
  FieldValue (*total)(const Totals&);     // null: per layer only
  std::string_view csv;                   // its analyze CSV column; empty: not in the CSV
  bool omit_empty = false;                // JSON leaves the key out when the text is empty
};

namespace fields_detail {
// A field read from the same member of a LayerCost and the Totals: `Read` is a captureless
// generic lambda (default-constructible in C++20).
template <typename Read>
constexpr ReportField both(std::string_view path, FieldUnit unit, std::string_view csv, std::string_view doc, Read) {
  return {path, unit, doc, [](const LayerCost& r) { return FieldValue(Read{}(r)); },
          [](const Totals& r) { return FieldValue(Read{}(r)); }, csv};
}
template <typename Read>
constexpr ReportField layer(std::string_view path, FieldUnit unit, std::string_view csv, std::string_view doc, Read) {
  return {path, unit, doc, [](const LayerCost& r) { return FieldValue(Read{}(r)); }, nullptr, csv};
}
template <typename Read>
constexpr ReportField total(std::string_view path, FieldUnit unit, std::string_view doc, Read) {
  return {path, unit, doc, nullptr, [](const Totals& r) { return FieldValue(Read{}(r)); }, {}};
}
inline std::string_view text(std::string_view value) {
  return value;
}
}  // namespace fields_detail

// In JSON order; the CSV's columns are in the same order.
// clang-format off
inline constexpr std::array kReportFields{
    fields_detail::layer("index", FieldUnit::integer, "index", "position in the model, from 0",
        [](const LayerCost& c) { return std::int64_t{c.index}; }),
    fields_detail::layer("name", FieldUnit::text, "name", "the layer's name (the CSV's total row says `total`)",
        [](const LayerCost& c) { return fields_detail::text(c.name); }),
    fields_detail::layer("op", FieldUnit::text, "op", "the layer kind (`conv2d`, `depthwise_conv2d`, …)",
        [](const LayerCost& c) { return layer_op_info(c.op).name; }),
    fields_detail::layer("kind", FieldUnit::text, "kind", "its op class: which unit and efficiency apply",
        [](const LayerCost& c) { return op_class_name(c.kind); }),
    fields_detail::layer("input_shape", FieldUnit::shape, {}, "the first input's shape ([] when none)",
        [](const LayerCost& c) {
          return c.input_shapes.empty() ? std::span<const std::int64_t>() : std::span<const std::int64_t>(c.input_shapes.front());
        }),
    fields_detail::layer("input_shapes", FieldUnit::shape, "input_shape", "every input's shape (CSV: joined with `;`)",
        [](const LayerCost& c) { return &c.input_shapes; }),
    fields_detail::layer("output_shape", FieldUnit::shape, "output_shape", "the output's shape",
        [](const LayerCost& c) { return std::span<const std::int64_t>(c.output_shape); }),
    fields_detail::layer("dtype", FieldUnit::text, "dtype", "the precision it runs in",
        [](const LayerCost& c) { return precision_name(c.dtype); }),
    fields_detail::both("macs", FieldUnit::count, "macs", "multiply-accumulates with weights",
        [](const auto& c) { return c.macs; }),
    fields_detail::both("flops", FieldUnit::flops, "flops", "2·MACs + bias adds + element-wise work",
        [](const auto& c) { return c.flops; }),
    fields_detail::both("params", FieldUnit::count, "params", "weights, biases, batch-norm scale and shift",
        [](const auto& c) { return c.params; }),
    fields_detail::both("bytes.input", FieldUnit::bytes, "bytes_input", "input bytes moved under the traffic model",
        [](const auto& c) { return c.bytes.input; }),
    fields_detail::both("bytes.weights", FieldUnit::bytes, "bytes_weights", "weight bytes moved",
        [](const auto& c) { return c.bytes.weights; }),
    fields_detail::both("bytes.output", FieldUnit::bytes, "bytes_output", "output bytes moved",
        [](const auto& c) { return c.bytes.output; }),
    fields_detail::both("bytes.total", FieldUnit::bytes, "bytes_total", "D: input + weights + output",
        [](const auto& c) { return c.bytes.total(); }),
    fields_detail::both("bytes.resident", FieldUnit::bytes, {},
        "input bytes read from the on-chip level instead (residency; not in D)",
        [](const auto& c) { return c.resident_bytes; }),
    fields_detail::both("intensity", FieldUnit::flop_per_byte, "intensity", "FLOPs / bytes.total",
        [](const auto& c) { return c.intensity; }),
    fields_detail::both("time.memory", FieldUnit::seconds, "time_memory_s", "T_mem = D / BW",
        [](const auto& c) { return c.time.memory; }),
    fields_detail::both("time.compute", FieldUnit::seconds, "time_compute_s", "T_comp = O / (R·η)",
        [](const auto& c) { return c.time.compute; }),
    fields_detail::both("time.overhead", FieldUnit::seconds, "time_overhead_s", "L: the launch overhead",
        [](const auto& c) { return c.time.overhead; }),
    fields_detail::both("time.total", FieldUnit::seconds, "time_total_s",
        "the prediction: time.iron_law, or time.roofline under --time-model roofline",
        [](const auto& c) { return c.time.total; }),
    fields_detail::both("time.roofline", FieldUnit::seconds, "time_roofline_s", "max(T_mem, T_comp) + L",
        [](const auto& c) { return c.time.roofline; }),
    fields_detail::both("time.iron_law", FieldUnit::seconds, "time_iron_law_s", "Iron Law: T_mem + T_comp + L",
        [](const auto& c) { return c.time.iron_law; }),
    fields_detail::total("time.per_inference", FieldUnit::seconds, "the runtime's cost per inference (in time.overhead)",
        [](const Totals& t) { return t.launch_per_inference; }),
    fields_detail::total("batch", FieldUnit::integer, "N, the model input's first dimension",
        [](const Totals& t) { return t.batch; }),
    fields_detail::total("time_per_image", FieldUnit::seconds, "time.total / batch: the latency one image accounts for",
        [](const Totals& t) { return t.time_per_image; }),
    fields_detail::total("images_per_s", FieldUnit::count, "batch / time.total: throughput (0 without time)",
        [](const Totals& t) { return t.images_per_s; }),
    fields_detail::both("attainable_flops_per_s", FieldUnit::flops_per_s, "attainable_flops_per_s",
        "layer: min(R·η, I·BW); totals: FLOPs / time",
        [](const auto& c) { return c.attainable_flops_per_s; }),
    fields_detail::both("utilization", FieldUnit::fraction, "utilization", "FLOPs / (time · R)",
        [](const auto& c) { return c.utilization; }),
    fields_detail::both("bound", FieldUnit::text, "bound", "the largest term: memory, compute, overhead or none",
        [](const auto& c) { return bound_name(c.bound); }),
    fields_detail::layer("unit", FieldUnit::text, "unit", "the execution unit that runs it",
        [](const LayerCost& c) { return fields_detail::text(c.unit); }),
    fields_detail::layer("peak_flops_per_s", FieldUnit::flops_per_s, {}, "R of that unit at dtype",
        [](const LayerCost& c) { return c.peak_flops_per_s; }),
    fields_detail::layer("efficiency", FieldUnit::fraction, {}, "η for its op class",
        [](const LayerCost& c) { return c.efficiency; }),
    fields_detail::layer("roof_flops_per_s", FieldUnit::flops_per_s, "roof_flops_per_s", "R·η: the compute roof it meets",
        [](const LayerCost& c) { return c.peak_flops_per_s * c.efficiency; }),
    fields_detail::layer("bandwidth_bytes_per_s", FieldUnit::bytes_per_s, {}, "effective D / T_mem",
        [](const LayerCost& c) { return c.bandwidth_bytes_per_s; }),
    fields_detail::layer("algorithm", FieldUnit::text, {}, "how the runtime computes it: direct, im2col or winograd",
        [](const LayerCost& c) { return choice_name(kConvAlgorithms, c.algorithm); }),
    fields_detail::layer("lane_utilization", FieldUnit::fraction, {}, "channels / channels rounded up to the SIMD lanes (in η)",
        [](const LayerCost& c) { return c.lane_utilization; }),
    fields_detail::both("memory_levels", FieldUnit::structure, {}, "[{name, bytes, time}] per level with a bandwidth",
        [](const auto& c) { return &c.levels; }),
    fields_detail::layer("memory_level", FieldUnit::text, "memory_level", "the level that binds T_mem",
        [](const LayerCost& c) { return fields_detail::text(c.memory_level); }),
    fields_detail::layer("runs_in", FieldUnit::text, "runs_in", "the layer whose kernel runs it (itself unfused)",
        [](const LayerCost& c) { return fields_detail::text(c.runs_in); }),
    fields_detail::layer("input_on_chip", FieldUnit::flag, {}, "its input is a fused intermediate",
        [](const LayerCost& c) { return c.input_on_chip; }),
    fields_detail::layer("input_from", FieldUnit::text, {},
        "where its input comes from: a memory level, `fused`, joined by `+` when split",
        [](const LayerCost& c) { return fields_detail::text(c.input_from); }),
    fields_detail::layer("output_on_chip", FieldUnit::flag, {}, "its output is a fused intermediate",
        [](const LayerCost& c) { return c.output_on_chip; }),
    fields_detail::layer("mac_array", FieldUnit::structure, {}, "the MAC-array account, or null",
        [](const LayerCost& c) { return c.mac_array ? &*c.mac_array : nullptr; }),
    ReportField{"source_op", FieldUnit::text, "an imported layer's ONNX op type (absent for YAML layers)",
        [](const LayerCost& c) { return FieldValue(fields_detail::text(c.source_op)); }, nullptr, {}, true},
    fields_detail::total("weight_bytes", FieldUnit::bytes, "all weights, resident",
        [](const Totals& t) { return t.weight_bytes; }),
    fields_detail::total("peak_activation_bytes", FieldUnit::bytes, "the largest set of live activations",
        [](const Totals& t) { return t.peak_activation_bytes; }),
    fields_detail::total("peak_memory_bytes", FieldUnit::bytes, "weights + peak activations",
        [](const Totals& t) { return t.peak_memory_bytes; }),
    fields_detail::total("capacity_bytes", FieldUnit::bytes, "the capacity that need is compared with",
        [](const Totals& t) { return t.capacity_bytes; }),
    fields_detail::total("fits", FieldUnit::flag, "capacity_ratio <= 1",
        [](const Totals& t) { return t.fits; }),
    fields_detail::total("capacity_ratio", FieldUnit::fraction, "need / capacity (> 1: does not fit)",
        [](const Totals& t) { return t.capacity_ratio; }),
    fields_detail::total("fit.weight_level", FieldUnit::text, "the memory level that holds the weights",
        [](const Totals& t) { return fields_detail::text(t.weight_level); }),
    fields_detail::total("fit.weight_capacity_bytes", FieldUnit::bytes, "its capacity",
        [](const Totals& t) { return t.weight_capacity_bytes; }),
    fields_detail::total("fit.weight_ratio", FieldUnit::fraction,
        "weights / that capacity (weights + peak activations when one level holds both; > 1: do not fit)",
        [](const Totals& t) { return t.weight_ratio; }),
    fields_detail::total("fit.activation_level", FieldUnit::text, "the memory level that holds the activations",
        [](const Totals& t) { return fields_detail::text(t.activation_level); }),
    fields_detail::total("fit.activation_capacity_bytes", FieldUnit::bytes, "its capacity",
        [](const Totals& t) { return t.activation_capacity_bytes; }),
    fields_detail::total("fit.activation_ratio", FieldUnit::fraction,
        "peak activations / that capacity (weights + peak activations when one level holds both)",
        [](const Totals& t) { return t.activation_ratio; }),
};
// clang-format on

// A field's cell in a table's totals row (the CSV, the text and Markdown tables): its total,
// the word `total` in the name column, or nothing.
inline std::optional<FieldValue> totals_row_value(const ReportField& field, const Totals& totals) {
  if (field.total) return field.total(totals);
  if (field.path == "name") return FieldValue(std::string_view("total"));
  return std::nullopt;
}

// The field at `path`; throws std::logic_error for a path the table lacks (a programming error).
const ReportField& report_field(std::string_view path);

}  // namespace convroof
