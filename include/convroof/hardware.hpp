// Hardware specs (`schema: convroof.hardware/1`, docs/formats.md): execution units with
// dense per-precision peaks, routing of op classes to units, efficiency η per op class,
// memory levels (outermost first), per-layer overhead L, and the sources of every number.
// Everything is in SI units: FLOP/s, bytes, bytes/s, seconds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "convroof/kinds.hpp"

namespace convroof {

struct ExecutionUnit {
  std::string name;
  std::map<Precision, double> peak_flops_per_s;  // dense peaks; ops == FLOP for integers
};

struct MemoryLevel {
  std::string name;
  double capacity_bytes = 0;
  std::optional<double> bandwidth_bytes_per_s;  // required on the outermost level
  bool holds_weights = true;
  bool holds_activations = true;
};

// The unit a layer of some op class runs on at some precision, and its peak.
struct UnitChoice {
  const ExecutionUnit* unit = nullptr;
  double peak_flops_per_s = 0;
  bool rerouted = false;  // the routed unit has no peak at this precision; another unit was used
};

// A MAC-array utilisation model (an NPU such as Arm's Ethos-U55; the rules follow Arm's
// Vela performance estimator, docs/formats.md): which fraction of the array an op class
// can use, kernel taps processed in groups, input-channel granularity of the two block
// traversal modes, and the output stage's cycles per output element. The unit's peak at
// each precision gives the MACs per cycle (16-bit rates are listed at half the 8-bit one).
struct MacArrayModel {
  std::string unit;                         // the execution unit it models
  std::map<OpClass, double> class_share;    // fraction of the array an op class can use (1 if absent)
  std::int64_t tap_group = 1;               // kernel-first: kernel taps processed in groups of this many
  std::int64_t kernel_first_depth = 1;      // kernel-first: input depth processed in multiples of this
  std::int64_t depth_first_depth = 1;       // depth-first: input depth processed in multiples of this
  std::int64_t kernel_first_max_depth = 0;  // kernel-first is forced at input depth <= this
  double output_cycles_per_element = 0;     // output stage: no layer takes fewer cycles than outputs x this
  // The accelerator configuration of the port of Vela's estimator (convroof/vela_accelerators.hpp, e.g.
  // "ethos-u55-128"): when set, a layer's cycles and SRAM/flash access are Vela's (block
  // configuration, per-block pipeline, weight DMA, burst efficiency); the rules above still
  // explain the array's utilisation. Empty: the rules above give the cycles.
  std::string vela;
};

struct HardwareSpec {
  std::string id;
  std::string name;
  std::string device_class;
  std::string origin;  // where it was loaded from: "builtin:hardware/orin.yaml" or a path
  Precision default_precision = Precision::fp32;
  std::optional<double> clock_hz;
  std::vector<ExecutionUnit> units;  // units[0] is the default unit
  std::map<OpClass, std::string> routing;
  double default_efficiency = 1.0;
  std::map<OpClass, double> efficiency;
  std::vector<MemoryLevel> memory;  // outermost first
  std::optional<MacArrayModel> mac_array;
  double overhead_s = 0;
  std::optional<double> power_w;
  std::string runtime;                // the default runtime's id (`runtime:`); empty: by device class
  std::optional<int> vector_lanes;    // 32-bit SIMD lanes of a CPU (AVX-512: 16): work is issued per full vector
  // At an analysis precision, the precision weights are stored and read in when it differs
  // (`weight_precision: {int16: int8}`: the Ethos-U55's 16x8 mode keeps 8-bit weights).
  std::map<Precision, Precision> weight_precision;
  // Warnings about figures that parse but are physically implausible (a peak above 10 PFLOP/s
  // per chip or below 1 kFLOP/s), "file:line:col: warning: …"; the report carries them as notes.
  std::vector<std::string> warnings;
  std::vector<std::string> sources;

  // The routed unit (or the default unit) if it has a peak at `precision`, else the first
  // unit that has one (rerouted = true). Throws Error when no unit has that precision.
  UnitChoice unit_for(OpClass op_class, Precision precision) const;
  double efficiency_for(OpClass op_class) const;
  // Outermost level that holds weights / activations (each has a bandwidth: checked at load).
  const MemoryLevel& weight_level() const;
  const MemoryLevel& activation_level() const;
  // The on-chip levels: those listed after both of the above (L2, an NPU's SHRAM), outermost
  // first. The first is the buffer that tiles and fused intermediates live in.
  std::vector<const MemoryLevel*> on_chip_levels() const;
  // Precisions for which some unit has a peak.
  std::vector<Precision> precisions() const;
  // The precision weights are stored in when layers run at `precision` (weight_precision).
  Precision weight_precision_for(Precision precision) const;
};

// Parses a spec from YAML text; `file` names it in error messages.
HardwareSpec parse_hardware(const std::string& text, const std::string& file);
// An id of a built-in spec, or a path to a YAML file (anything containing '/' or ending in
// .yaml/.yml). Unknown ids are an error that lists the built-in ones.
// `argument` names where the id came from in error messages.
HardwareSpec resolve_hardware(const std::string& id_or_path, const std::string& argument = "--hw");
std::vector<std::string> builtin_hardware_ids();
// The text of a spec as written: a built-in's embedded YAML, or the file at a path
// (`convroof hw show`). Call after resolve_hardware has checked it.
std::string hardware_text(const std::string& id_or_path);

// The spec as `convroof.hardware/1` YAML (what `convroof probe` and `convroof calibrate`
// write): every field, quantities with units that parse back to the same doubles
// (parse_hardware(render_hardware_yaml(s)) == s), `header` lines first as `# ` comments.
std::string render_hardware_yaml(const HardwareSpec& spec, const std::vector<std::string>& header = {});

// A what-if override from `--set KEY=VALUE` (docs/formats.md): peak[.UNIT], bandwidth[.LEVEL],
// capacity[.LEVEL], overhead, efficiency[.CLASS], clock (scales every unit's peak by new/old
// clock: peaks are per-cycle rates times the clock; bandwidths and `overhead` stay, runtime
// costs given in cycles follow the new clock). `precision` is the analysis precision,
// whose peak `peak=` replaces. Throws Error naming the argument.
void apply_override(HardwareSpec& spec, const std::string& assignment, Precision precision);

}  // namespace convroof
