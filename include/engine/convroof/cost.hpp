// The cost engine: per layer MACs, FLOPs, params, bytes moved, arithmetic intensity and
// the Iron Law time T = D/BW + O/(R·η) + L with its verdict; model totals; peak memory
// against the device's capacity. Pure: analyze() does no I/O and keeps no state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "convroof/hardware.hpp"
#include "convroof/model.hpp"
#include "convroof/traffic.hpp"
#include "convroof/transform.hpp"

namespace convroof {

// The analysis options: what analyze() reads besides the model and the spec. Each is a row of
// kAnalysisOptions (convroof/analysis_options.hpp), which says how the reports and diff show it.
struct Options {
  Precision precision = Precision::fp32;  // analysis precision (layers without a dtype)
  std::int64_t batch = 1;                 // echoed; the model's shapes already carry it
  TimeModel time_model = TimeModel::iron_law;
  Traffic traffic = Traffic::ideal;
  Fuse fuse = Fuse::runtime;             // which fusion patterns: the runtime's unless --fuse says
  Runtime runtime;                        // the deployment runtime (convroof/runtime.hpp); default: none
};

// What the reports echo of how a run was set up that the engine never reads: the command line
// fills it and the renderers print it (rows of kAnalysisOptions too). The transform was applied
// to the model before the analysis (apply_transform), the --set assignments to the spec
// (apply_override).
struct ReportSettings {
  Transform transform = Transform::none;
  std::vector<std::string> overrides;  // the --set assignments, in order
};

// What an analysis runs on: the spec as used (overrides applied), the options for it, and what
// the reports echo of its setup.
struct Target {
  HardwareSpec hardware;
  Options options;
  ReportSettings settings;
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
  double total = 0;     // the prediction: iron_law or roofline, as Options::time_model chooses
  double roofline = 0;  // overlapped: max(memory, compute) + overhead
  double iron_law = 0;  // Iron Law: memory + compute + overhead
};

// Bytes one memory level serves and the time they take at its bandwidth (levels without a
// bandwidth are not listed). Home levels (where weights / activations live) carry the traffic
// model's bytes of their kind; an on-chip level with a bandwidth carries every operand.
struct LevelTraffic {
  std::string name;
  std::uint64_t bytes = 0;
  double time = 0;
};

// The MAC-array utilisation model's account of one layer (hardware `mac_array`).
struct MacArrayCost {
  std::string mode;               // kernel-first | depth-first | depthwise | elementwise
  double macs_per_cycle = 0;      // the unit's peak at the layer's precision / (2 x clock)
  double class_share = 1;         // fraction of the array the op class can use
  double tap_utilization = 1;     // taps / taps rounded up to the tap group (kernel-first, depthwise)
  double depth_utilization = 1;   // input depth / depth rounded up to the mode's granularity
  double mac_cycles = 0;          // MACs / (MACs per cycle x share x taps x depth x eta)
  double output_cycles = 0;       // output elements x output-stage cycles per element
  double cycles = 0;              // max of the two: the compute term is cycles / clock
  double utilization = 0;         // MACs / (cycles x MACs per cycle)
  std::uint64_t wasted_macs = 0;  // MAC slots lost to tap and depth granularity
  // A spec whose mac_array names a Vela accelerator (MacArrayModel::vela): the port of Vela's
  // estimator gives `cycles` (= npu_cycles) and the memory term; the fields above still explain
  // the array's utilisation by the granularity rules.
  struct Vela {
    std::array<int, 4> block{};    // Vela's block config [OFM h, OFM w, IFM depth, OFM depth]
    std::string traversal;         // depth-first | part-kernel-first
    double op_cycles = 0;          // the op's cycles without weight DMA
    double npu_cycles = 0;         // with the weight DMA the previous op did not hide
    double sram_access_cycles = 0; // burst-scaled SRAM bytes / SRAM bytes per cycle
    double flash_access_cycles = 0;
    double weight_bytes = 0;       // the encoded weight stream (scales and biases included)
    std::string weight_buffering;  // none | standard | double
  };
  std::optional<Vela> vela;
};

// The verdict: which term of the time is largest.
enum class Bound { memory, compute, overhead, none };
inline constexpr std::array kBounds{
    NamedChoice<Bound>{Bound::memory, "memory", "D/BW is the largest term"},
    NamedChoice<Bound>{Bound::compute, "compute", "O/(R*eta) is the largest term"},
    NamedChoice<Bound>{Bound::overhead, "overhead", "L is the largest term"},
    NamedChoice<Bound>{Bound::none, "none", "no time (a view such as flatten)"},
};
inline std::string_view bound_name(Bound bound) {
  return choice_name(kBounds, bound);
}

// What the evaluator works out for one layer (src/engine/analyze.cpp): the operation counts,
// bytes, time and verdict. A LayerCost is these figures plus the layer's identity; a new
// per-layer figure is a member here, computed by the evaluator and listed in the report's
// field table (convroof/fields.hpp).
struct LayerFigures : OpCounts {
  Precision dtype = Precision::fp32;
  ByteCounts bytes;
  double intensity = 0;  // FLOP per byte
  TimeTerms time;
  double attainable_flops_per_s = 0;  // roofline ceiling at this intensity: min(R·η, I·BW)
  double utilization = 0;             // FLOPs / (time · R): fraction of the unit's peak attained
  Bound bound = Bound::none;
  double peak_flops_per_s = 0;       // R of the unit that runs it, at dtype
  double efficiency = 1;             // η for its op class
  double bandwidth_bytes_per_s = 0;  // effective D / T_mem
  double lane_utilization = 1;       // channels / channels rounded up to the SIMD lanes (spec vector_lanes)
  std::uint64_t resident_bytes = 0;  // input bytes read from the on-chip level, not the home level (residency)
  ConvAlgorithm algorithm = ConvAlgorithm::direct;  // how the runtime computes it (a k×k conv)
  bool rerouted = false;             // routed unit lacked dtype; the unit is the fallback
  std::optional<MacArrayCost> mac_array;
};

struct LayerCost : LayerFigures {
  int index = 0;
  std::string name;
  std::string source_op;  // the ONNX op type of an imported layer, else empty
  LayerOp op = LayerOp::relu;
  OpClass kind = OpClass::activation;
  std::vector<Shape> input_shapes;
  Shape output_shape;
  std::array<std::int64_t, 2> window{1, 1}, stride{1, 1};  // kernel and stride (convolution, pooling)
  std::int64_t groups = 1;
  bool bias = false;
  std::string unit;                  // execution unit that runs it
  std::vector<LevelTraffic> levels;  // per memory level with a bandwidth
  std::string memory_level;          // the level whose time is T_mem's largest share
  std::string runs_in;               // the layer whose kernel runs this one (itself when not fused)
  bool input_on_chip = false;        // its input is a fused intermediate
  std::string input_from;            // where its input bytes come from: a level, "a+b" when split, "fused"
  bool output_on_chip = false;       // its output is a fused intermediate
};

struct Totals {
  std::uint64_t macs = 0, flops = 0, params = 0;
  ByteCounts bytes;
  std::uint64_t resident_bytes = 0;  // input bytes the on-chip level served instead of the home level
  double launch_per_inference = 0;   // the runtime's cost per inference, included in time.overhead
  double intensity = 0;
  TimeTerms time;
  double attainable_flops_per_s = 0;  // FLOPs / time under the time model
  double utilization = 0;             // FLOPs / (time · default unit peak)
  std::int64_t batch = 1;             // N, the model input's first dimension
  double time_per_image = 0;          // time.total / N
  double images_per_s = 0;            // N / time.total
  Bound bound = Bound::none;
  std::vector<LevelTraffic> levels;
  std::uint64_t weight_bytes = 0;           // all weights, resident
  std::uint64_t peak_activation_bytes = 0;  // largest set of simultaneously live tensors
  std::uint64_t peak_memory_bytes = 0;      // weights + peak activations
  double capacity_bytes = 0;                // of the level(s) they must fit in
  bool fits = true;
  double capacity_ratio = 0;  // need / capacity (> 1: does not fit)
  // Each against the level that holds it (the largest holding it): weights / the weights' level,
  // peak activations / the activations' level. When one level holds both (a GPU's DRAM), both
  // ratios are (weights + peak activations) / that level.
  std::string weight_level, activation_level;
  double weight_capacity_bytes = 0, activation_capacity_bytes = 0;
  double weight_ratio = 0, activation_ratio = 0;
};

// An imported op type convroof has no formula for: its layers count bytes and overhead,
// not FLOPs (so totals say what they leave out).
struct UnmodeledOp {
  std::string op_type;
  std::vector<std::string> layers;
};

struct AnalysisResult {
  HardwareSpec hardware;  // as used, overrides applied
  std::string model_name;
  std::string model_origin;     // where the model was loaded from (JSON: model.source)
  std::string model_reference;  // where its architecture comes from (paper, seed)
  Options options;
  ReportSettings settings;  // not analyze()'s: the caller fills it for the reports
  std::vector<LayerCost> layers;
  Totals totals;
  std::vector<std::string> notes;      // e.g. a routed unit lacking the precision
  std::vector<UnmodeledOp> unmodeled;  // by op type, sorted
};

AnalysisResult analyze(const Model& model, const HardwareSpec& hardware, const Options& options);
// analyze()'s totals alone: the same evaluation without the per-layer records, the notes or a
// copy of the spec. Evaluating a layer allocates nothing.
Totals analyze_totals(const Model& model, const HardwareSpec& hardware, const Options& options);

// analyze_totals() for many models on one spec and options (sweeps, calibration): what depends
// only on those (the memory levels, the unit for each op class and precision) is worked out
// once, and the per-model buffers are reused between calls.
class TotalsEvaluator {
 public:
  TotalsEvaluator(const HardwareSpec& hardware, const Options& options);  // `hardware` must outlive it
  ~TotalsEvaluator();
  TotalsEvaluator(const TotalsEvaluator&) = delete;
  TotalsEvaluator& operator=(const TotalsEvaluator&) = delete;
  TotalsEvaluator(TotalsEvaluator&&) noexcept;
  Totals operator()(const Model& model);

 private:
  std::unique_ptr<class Evaluator> evaluator_;
};

// The time the chosen model uses for totals and verdicts.
double chosen_time(const TimeTerms& time, TimeModel model);

}  // namespace convroof
