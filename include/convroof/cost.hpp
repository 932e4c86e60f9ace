// The cost engine: per layer MACs, FLOPs, params, bytes moved, arithmetic intensity and
// the Iron Law time T = D/BW + O/(R·η) + L with its verdict; model totals; peak memory
// against the device's capacity. Pure: analyze() does no I/O and keeps no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "convroof/hardware.hpp"
#include "convroof/model.hpp"

namespace convroof {

enum class TimeModel { iron_law, roofline };
std::string_view time_model_name(TimeModel model);

struct Options {
  Precision precision = Precision::fp32;  // analysis precision (layers without a dtype)
  std::int64_t batch = 1;                 // echoed; the model's shapes already carry it
  TimeModel time_model = TimeModel::iron_law;
  std::vector<std::string> overrides;  // the --set assignments applied to the spec, echoed
};

// Operation and data counts of one layer; formulas in src/engine/ops.cpp.
struct OpCounts {
  std::uint64_t macs = 0;             // multiply-accumulates with weights (conv, dense)
  std::uint64_t flops = 0;            // 2·MACs + bias adds + element-wise work
  std::uint64_t params = 0;           // weights (and biases, BN scale/shift)
  std::uint64_t input_elements = 0;   // elements of every input tensor, each read once
  std::uint64_t output_elements = 0;  // elements written
  bool is_view = false;               // flatten: no data moves, no kernel runs
};
// Throws Error naming the layer when a count would overflow 64 bits.
OpCounts count_ops(const Layer& layer);

struct ByteCounts {
  std::uint64_t input = 0, weights = 0, output = 0;
  std::uint64_t total() const { return input + weights + output; }
};

struct TimeTerms {
  double memory = 0;    // T_mem = D / BW
  double compute = 0;   // T_comp = O / (R·η)
  double overhead = 0;  // L
  double total = 0;     // Iron Law: memory + compute + overhead
  double roofline = 0;  // overlapped: max(memory, compute) + overhead
};

enum class Bound { memory, compute, overhead, none };
std::string_view bound_name(Bound bound);

struct LayerCost {
  int index = 0;
  std::string name;
  LayerOp op = LayerOp::relu;
  OpClass kind = OpClass::activation;
  std::vector<Shape> input_shapes;
  Shape output_shape;
  Precision dtype = Precision::fp32;
  std::uint64_t macs = 0, flops = 0, params = 0;
  ByteCounts bytes;
  double intensity = 0;  // FLOP per byte
  TimeTerms time;
  double attainable_flops_per_s = 0;  // roofline ceiling at this intensity: min(R·η, I·BW)
  double utilization = 0;             // FLOPs / (time · R): fraction of the unit's peak attained
  Bound bound = Bound::none;
  std::string unit;                  // execution unit that runs it
  double peak_flops_per_s = 0;       // R of that unit at dtype
  double efficiency = 1;             // η for its op class
  double bandwidth_bytes_per_s = 0;  // effective D / T_mem
  bool rerouted = false;             // routed unit lacked dtype; `unit` is the fallback
};

struct Totals {
  std::uint64_t macs = 0, flops = 0, params = 0;
  ByteCounts bytes;
  double intensity = 0;
  TimeTerms time;
  double attainable_flops_per_s = 0;  // FLOPs / time under the time model
  double utilization = 0;             // FLOPs / (time · default unit peak)
  Bound bound = Bound::none;
  std::uint64_t weight_bytes = 0;           // all weights, resident
  std::uint64_t peak_activation_bytes = 0;  // largest set of simultaneously live tensors
  std::uint64_t peak_memory_bytes = 0;      // weights + peak activations
  double capacity_bytes = 0;                // of the level(s) they must fit in
  bool fits = true;
  double capacity_ratio = 0;  // need / capacity (> 1: does not fit)
};

struct AnalysisResult {
  HardwareSpec hardware;  // as used, overrides applied
  std::string model_name;
  std::string model_source;     // where the model was loaded from
  std::string model_reference;  // where its architecture comes from (paper, seed)
  Options options;
  std::vector<LayerCost> layers;
  Totals totals;
  std::vector<std::string> notes;  // e.g. a routed unit lacking the precision
};

AnalysisResult analyze(const Model& model, const HardwareSpec& hardware, const Options& options);

// The time the chosen model uses for totals and verdicts.
double chosen_time(const TimeTerms& time, TimeModel model);

}  // namespace convroof
