// The time model and totals. Per layer, with D the bytes moved (src/engine/traffic.cpp), O
// the FLOPs, R the peak of the unit that runs the layer at its precision, η the efficiency
// of its op class and L the per-layer overhead (docs/architecture.md, Conventions):
//   T_mem  = max(D_weights / BW_weights + D_activations / BW_activations,  the home levels
//                D_level / BW_level for each on-chip level with a bandwidth)
//            (one home level holds both in the usual case: D / BW). The home levels carry
//            different bytes, so their times add; an on-chip level carries the same operands
//            again on their way in, so it binds only when it is the slower path (the
//            hierarchical roofline). The level with the largest time is reported.
//   T_comp = O / (R·η), or the MAC-array model's cycles / clock (src/engine/mac_array.cpp)
//   T      = T_mem + T_comp + L              (Iron Law, additive, as the seeds teach)
//   T_roof = max(T_mem, T_comp) + L          (overlapped roofline)
//   intensity  I = O / D
//   attainable   = min(R·η, I·BW_eff) where BW_eff = D / T_mem  (the roofline ceiling)
//   utilization  = O / (T·R)                 (fraction of the unit's peak attained)
//   verdict      = the largest of T_mem, T_comp, L.
// A layer fused into another's kernel pays no L of its own. The runtime (convroof/runtime.hpp)
// sets what is fused, L per kernel (else the spec's overhead), a cost once per inference added
// to the totals' L, and a factor on η per op class: η = η_spec · η_runtime.
// SIMD lanes (a CPU spec's vector_lanes V, 32-bit lanes): a kernel issues whole vectors along
// the channels it vectorizes (K = output channels per group; depthwise: all C; dense: units;
// other layers: the output's last axis), with V·4/b lanes at b bytes per element, so
//   lane utilization u = K / (ceil(K / lanes) · lanes),   T_comp = O / (R·η·u).
// Convolution algorithms (a runtime's conv_algorithm; standard k×k convolutions, groups 1):
//   im2col:   the im2col matrix, kh·kw·C elements per output pixel (N·Ho·Wo·kh·kw·C = MACs / K), is
//             written to memory and read back: input bytes += 2 · (MACs / K) · b.
//   winograd: 3×3, stride 1, dilation 1: F(2×2,3×3) computes a 2×2 output tile from a 4×4 input tile
//             with 16 multiplies per input/output channel pair where direct convolution needs 4·9 = 36,
//             so the multiply-accumulates the unit executes are MACs · 16/36 (2.25× fewer) and
//             T_comp = (FLOPs − 2·MACs·(1 − 4/9)) / (R·η); the reported MACs and FLOPs stay the
//             convolution's (the input/output transforms' additions are not counted).
// Residency (a runtime with `residency: true`, ideal or tiled traffic, a spec with an on-chip
// level of capacity S): a tensor written by layer p and read by layer i is read from the on-chip
// level instead of the home level when it is still there, which this counts as
//   (bytes every kernel between p and i moved) + D_i <= S,
// D_i being layer i's own operands; its bytes leave the home level's input count (resident
// bytes) but stay on the on-chip level's. Writes still reach the home level (caches write back).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "checked.hpp"
#include "engine.hpp"

namespace convroof {

double chosen_time(const TimeTerms& time, TimeModel model) {
  return model == TimeModel::iron_law ? time.iron_law : time.roofline;
}

namespace {

// The largest term; ties go to memory, then compute (deterministic). All-zero: none.
Bound verdict(const TimeTerms& time) {
  if (time.memory == 0 && time.compute == 0 && time.overhead == 0) return Bound::none;
  if (time.memory >= time.compute && time.memory >= time.overhead) return Bound::memory;
  if (time.compute >= time.overhead) return Bound::compute;
  return Bound::overhead;
}

// The Iron-Law sum, the roofline's overlap, and the one the options choose as `total`: the
// time every format shows (one prediction, whichever model).
void finish_terms(TimeTerms& time, TimeModel model) {
  time.iron_law = time.memory + time.compute + time.overhead;
  time.roofline = std::max(time.memory, time.compute) + time.overhead;
  time.total = chosen_time(time, model);
}

std::uint64_t add_checked(std::uint64_t a, std::uint64_t b, const char* what) {
  return Checked::for_total(what).add(a, b);
}

// Peak of simultaneously live activation bytes. A tensor (the model input or a layer's
// output) is live from the step that produces it through the last step that reads it;
// the final layer's output stays live to the end. A view (flatten) is the same tensor as
// its input, so reading the view keeps that tensor alive. Lumped layers add their
// footprint while they run. One sweep over +size/−size events: O(layers + edges).
// Fed layer by layer from the evaluation's own pass, so a large model is read once.
class Liveness {
 public:
  void reset(const Model& model) {
    const std::size_t steps = model.layers.size();
    storage_.assign(steps + 1, 0);
    last_use_.assign(steps + 1, 0);
    stored_.assign(steps + 1, 0);
    input_bytes_ = 0;
    input_seen_ = false;
    input_elements_ = 1;
    for (auto dim : model.input_shape) input_elements_ *= static_cast<std::uint64_t>(dim);
  }

  // Layer i, in order: it stores `bytes` (its output, or a lumped layer's footprint; a view
  // stores nothing) in precision `dtype`.
  void add(std::size_t i, const Layer& layer, std::uint64_t bytes, Precision dtype) {
    // Tensor t: 0 is the model input, i + 1 the output of layer i; storage_[t] is the tensor
    // whose memory t uses (itself, or for a view the storage of its input).
    storage_[i + 1] = is_view(layer.op) ? storage_[layer.inputs.front() + 1] : i + 1;
    stored_[i + 1] = storage_[i + 1] == i + 1 ? bytes : 0;
    last_use_[storage_[i + 1]] = std::max(last_use_[storage_[i + 1]], i);
    for (int source : layer.inputs) {
      last_use_[storage_[source + 1]] = std::max(last_use_[storage_[source + 1]], i);
      if (source < 0 && !input_seen_) {  // the model input, in the precision of the first layer that reads it
        input_seen_ = true;
        input_bytes_ = input_elements_ * static_cast<std::uint64_t>(precision_bytes(dtype));
      }
    }
  }

  std::uint64_t peak() {
    const std::size_t steps = storage_.size() - 1;
    if (steps == 0) return 0;
    stored_[0] = input_bytes_;
    last_use_[storage_[steps]] = steps - 1;
    delta_.assign(steps + 1, 0);  // applied at the start of each step
    for (std::size_t t = 0; t <= steps; ++t) {
      if (stored_[t] == 0) continue;
      delta_[t == 0 ? 0 : t - 1] += static_cast<std::int64_t>(stored_[t]);
      delta_[last_use_[t] + 1] -= static_cast<std::int64_t>(stored_[t]);
    }
    std::int64_t live = 0, peak = 0;
    for (std::size_t i = 0; i < steps; ++i) {
      live += delta_[i];
      peak = std::max(peak, live);
    }
    return static_cast<std::uint64_t>(peak);
  }

 private:
  std::vector<std::size_t> storage_, last_use_;
  std::vector<std::uint64_t> stored_;
  std::vector<std::int64_t> delta_;
  std::uint64_t input_elements_ = 1, input_bytes_ = 0;
  bool input_seen_ = false;
};

// Which memory levels a layer's traffic is listed against. Home levels (where weights and
// activations live) carry the traffic model's bytes of their kind; each on-chip level with a
// bandwidth carries every operand again, unfused, tiled against the level inside it.
struct ListedLevel {
  const MemoryLevel* level = nullptr;
  bool weights = false, activations = false;  // a home level of these
  bool on_chip = false;
  std::uint64_t inner_capacity = 0;  // on-chip: the next on-chip level's capacity (0: none)
};

// The bytes and time one listed level serves for the layer last evaluated.
struct LevelLoad {
  std::uint64_t bytes = 0;
  double time = 0;
};

// One layer's evaluation on plain data: the figures a LayerCost reports, and what the totals and
// the report's names need besides.
struct LayerEval : LayerFigures {
  std::uint64_t output_bytes = 0;  // the stored output tensor (0 for a view), for peak memory
  // Its parameters less those an earlier layer already read (Layer::shared_params): a stored
  // tensor several layers read counts once, in the weights stored and in the params total.
  std::uint64_t stored_params = 0;
  std::uint64_t stored_weight_bytes = 0;
  UnitChoice unit;
  std::size_t memory_level = 0;  // index of the listed level whose time is T_mem
};

}  // namespace

// The one evaluation behind analyze() and analyze_totals(). What depends only on the spec and
// the options (the listed levels, the unit for each op class and precision, the capacity
// homes) is worked out once; per model, the fusion plans and buffers are refilled in place, so
// evaluating a layer allocates nothing.
class Evaluator {
 public:
  Evaluator(const HardwareSpec& hardware, const Options& options) : hardware_(hardware), options_(options) {
    const MemoryLevel& weight_level = hardware.weight_level();
    const MemoryLevel& activation_level = hardware.activation_level();
    on_chip_ = hardware.on_chip_levels();
    for (const auto& level : hardware.memory) {
      if (!level.bandwidth_bytes_per_s) continue;
      ListedLevel listed{&level, &level == &weight_level, &level == &activation_level};
      auto position = std::find(on_chip_.begin(), on_chip_.end(), &level);
      if (!listed.weights && !listed.activations) {
        if (position == on_chip_.end()) continue;  // between the two home levels: no traffic modelled
        listed.on_chip = true;
        listed.inner_capacity = capacity_of(static_cast<std::size_t>(position - on_chip_.begin()) + 1);
      }
      levels_.push_back(listed);
    }
    loads_.resize(levels_.size());
    activation_bandwidth_ = *activation_level.bandwidth_bytes_per_s;
    fusion_ = fusion_set(options.fuse, options.runtime);
    kernel_launch_ = options.runtime.kernel_launch_s(hardware);
    inference_launch_ = options.runtime.inference_launch_s(hardware);
    for (const auto& op_class : kOpClasses)
      for (const auto& precision : kPrecisions)
        efficiency_[static_cast<std::size_t>(op_class.op_class) * kPrecisions.size() +
                    static_cast<std::size_t>(precision.precision)] =
            hardware.efficiency_for(op_class.op_class) *
            options.runtime.efficiency_factor(op_class.op_class, precision.precision, hardware);
    residency_ = options.runtime.residency && !on_chip_.empty() && options.traffic != Traffic::no_reuse;
    vela_ = hardware.mac_array && !hardware.mac_array->vela.empty();
    for (const auto& level : hardware.memory) {
      if (level.holds_weights && (!weight_home_ || level.capacity_bytes > weight_home_->capacity_bytes))
        weight_home_ = &level;
      if (level.holds_activations && (!activation_home_ || level.capacity_bytes > activation_home_->capacity_bytes))
        activation_home_ = &level;
    }
  }

  const std::vector<ListedLevel>& levels() const { return levels_; }
  const std::vector<LevelLoad>& loads() const { return loads_; }  // of the layer last evaluated
  const FusionPlan& plan() const { return plan_; }                // of the model last evaluated
  bool has_on_chip_level() const { return !on_chip_.empty(); }

  // Every layer of `model` in order, then the model totals; `on_layer(i, eval)` sees each
  // layer's evaluation (analyze() turns it into a LayerCost).
  template <class OnLayer>
  Totals evaluate_model(const Model& model, OnLayer&& on_layer) {
    set_model(model);
    Totals totals;
    const std::size_t count = model.layers.size();
    if (count > 0)
      for (const auto& level : levels_) totals.levels.push_back(LevelTraffic{level.level->name, 0, 0});
    liveness_.reset(model);
    LayerEval& eval = eval_;  // every field is rewritten per layer
    for (std::size_t i = 0; i < count; ++i) {
      if (i + 8 < count) {  // the Layer and its shapes a few steps ahead: a large model is not in cache
        const Layer& ahead = model.layers[i + 8];
        __builtin_prefetch(ahead.output_shape.data());
        __builtin_prefetch(ahead.input_shapes.data());
        __builtin_prefetch(ahead.inputs.data());
      }
      evaluate(model.layers[i], i, eval);
      const Layer& layer = model.layers[i];
      liveness_.add(i, layer, layer.op == LayerOp::lumped ? layer.lumped_footprint : eval.output_bytes, eval.dtype);
      totals.weight_bytes = add_checked(totals.weight_bytes, eval.stored_weight_bytes, "weights");
      totals.macs = add_checked(totals.macs, eval.macs, "MACs");
      totals.flops = add_checked(totals.flops, eval.flops, "FLOPs");
      totals.params = add_checked(totals.params, eval.stored_params, "params");
      totals.bytes.input = add_checked(totals.bytes.input, eval.bytes.input, "bytes");
      totals.bytes.weights = add_checked(totals.bytes.weights, eval.bytes.weights, "bytes");
      totals.bytes.output = add_checked(totals.bytes.output, eval.bytes.output, "bytes");
      totals.resident_bytes = add_checked(totals.resident_bytes, eval.resident_bytes, "bytes");
      totals.time.memory += eval.time.memory;
      totals.time.compute += eval.time.compute;
      totals.time.overhead += eval.time.overhead;
      totals.time.roofline += eval.time.roofline;
      for (std::size_t l = 0; l < totals.levels.size(); ++l) {
        totals.levels[l].bytes = add_checked(totals.levels[l].bytes, loads_[l].bytes, "bytes");
        totals.levels[l].time += loads_[l].time;
      }
      on_layer(i, eval);
    }
    if (count > 0) {  // the runtime's once-per-inference cost
      totals.launch_per_inference = inference_launch_;
      totals.time.overhead += inference_launch_;
      totals.time.roofline += inference_launch_;
    }
    totals.time.iron_law = totals.time.memory + totals.time.compute + totals.time.overhead;
    totals.time.total = chosen_time(totals.time, options_.time_model);
    // Per image: a batch of N runs as one pass, so its time is shared by N images.
    totals.batch = model.input_shape.empty() ? 1 : std::max<std::int64_t>(model.input_shape.front(), 1);
    totals.time_per_image = totals.time.total / static_cast<double>(totals.batch);
    totals.images_per_s = totals.time.total > 0 ? static_cast<double>(totals.batch) / totals.time.total : 0.0;
    totals.bound = verdict(totals.time);
    const std::uint64_t total_bytes = totals.bytes.total();
    totals.intensity = total_bytes ? static_cast<double>(totals.flops) / static_cast<double>(total_bytes) : 0.0;
    const double time = chosen_time(totals.time, options_.time_model);
    totals.attainable_flops_per_s = time > 0 ? static_cast<double>(totals.flops) / time : 0.0;
    if (!default_unit_.unit) default_unit_ = hardware_.unit_for(OpClass::standard, options_.precision);
    totals.utilization = totals.attainable_flops_per_s / default_unit_.peak_flops_per_s;

    // Capacity (docs/architecture.md, Conventions): weights plus the peak live activations against the largest
    // memory level that can hold them (the weights as stored, whatever the traffic model moves). When weights and
    // activations live in different levels (an NPU's flash and SRAM), each must fit its own; the ratio is the worse
    // one.
    totals.peak_activation_bytes = liveness_.peak();
    totals.peak_memory_bytes = add_checked(totals.weight_bytes, totals.peak_activation_bytes, "memory");
    totals.weight_level = weight_home_->name;
    totals.activation_level = activation_home_->name;
    totals.weight_capacity_bytes = weight_home_->capacity_bytes;
    totals.activation_capacity_bytes = activation_home_->capacity_bytes;
    if (weight_home_ == activation_home_) {
      totals.capacity_bytes = weight_home_->capacity_bytes;
      totals.capacity_ratio = static_cast<double>(totals.peak_memory_bytes) / totals.capacity_bytes;
      totals.weight_ratio = totals.activation_ratio = totals.capacity_ratio;
    } else {
      totals.weight_ratio = static_cast<double>(totals.weight_bytes) / weight_home_->capacity_bytes;
      totals.activation_ratio = static_cast<double>(totals.peak_activation_bytes) / activation_home_->capacity_bytes;
      totals.capacity_ratio = std::max(totals.weight_ratio, totals.activation_ratio);
      totals.capacity_bytes = totals.weight_ratio >= totals.activation_ratio ? weight_home_->capacity_bytes
                                                                             : activation_home_->capacity_bytes;
    }
    totals.fits = totals.capacity_ratio <= 1.0;
    return totals;
  }

 private:
  // The per-model state: the fusion plans.
  void set_model(const Model& model) {
    dtypes_.clear();  // only fusion's tile checks and Vela's estimate need them all up front
    if (fusion_ != 0 || vela_)
      for (const auto& layer : model.layers) dtypes_.push_back(layer.dtype.value_or(options_.precision));
    plan_fusion(model, hardware_, fusion_, dtypes_, plan_);
    if (vela_) vela_estimates(model, hardware_, plan_, dtypes_, vela_layers_);
    // On-chip levels with a bandwidth carry unfused traffic; without fusion that is plan_ itself.
    if (fusion_ != 0) plan_fusion(model, hardware_, 0, dtypes_, unfused_plan_);
    if (residency_) {
      written_at_.assign(model.layers.size(), kNotOnChip);
      moved_ = 0;
    }
  }
  const FusionPlan& unfused_plan() const { return fusion_ == 0 ? plan_ : unfused_plan_; }

  // Residency: the input bytes of layer i that the on-chip level still holds (see the header),
  // then the running count of bytes moved. `own` is the layer's home traffic D_i.
  std::uint64_t resident_input(const Layer& layer, std::size_t i, std::uint64_t own, std::uint64_t element_bytes) {
    const Checked checked = Checked::for_layer(layer);
    std::uint64_t resident = 0;
    const auto capacity = capacity_of(0);
    for (std::size_t k = 0; k < layer.inputs.size(); ++k) {
      const int source = layer.inputs[k];
      if (source < 0 || plan_.input_on_chip[i] == k + 1) continue;
      const std::uint64_t written = written_at_[static_cast<std::size_t>(source)];
      if (written == kNotOnChip || moved_ - written > capacity || own > capacity - (moved_ - written)) continue;
      resident = checked.add(resident, checked.mul(checked.elements(layer.input_shapes[k]), element_bytes));
    }
    moved_ = checked.add(moved_, own);
    // A view is the tensor it reads; the model input is never on chip.
    written_at_[i] = !is_view(layer.op)          ? moved_
                     : layer.inputs.front() >= 0 ? written_at_[static_cast<std::size_t>(layer.inputs.front())]
                                                 : kNotOnChip;
    return resident;
  }

  // The algorithm the runtime runs `layer` with: its conv_algorithm where the layer qualifies.
  ConvAlgorithm conv_algorithm(const Layer& layer) const {
    const ConvAlgorithm algorithm = options_.runtime.conv_algorithm;
    if (algorithm == ConvAlgorithm::direct || layer.op != LayerOp::conv2d || layer.op_class != OpClass::standard)
      return ConvAlgorithm::direct;
    if (algorithm == ConvAlgorithm::winograd &&
        (layer.kernel != std::array<std::int64_t, 2>{3, 3} || layer.stride != std::array<std::int64_t, 2>{1, 1} ||
         layer.dilation != std::array<std::int64_t, 2>{1, 1}))
      return ConvAlgorithm::direct;
    return algorithm;
  }

  // The channels a SIMD kernel vectorizes (see the header).
  static std::int64_t vector_channels(const Layer& layer) {
    if (layer.op == LayerOp::dense) return layer.units;
    if (layer.op == LayerOp::conv2d) return layer.groups > 1 && layer.op_class != OpClass::depthwise
                                                ? layer.filters / layer.groups
                                                : layer.filters;
    if (layer.op == LayerOp::depthwise_conv2d) return layer.filters;
    return layer.output_shape.empty() ? 0 : layer.output_shape.back();
  }

  void evaluate(const Layer& layer, std::size_t i, LayerEval& out) {
    out.dtype = layer.dtype.value_or(options_.precision);
    static_cast<OpCounts&>(out) = count_ops(layer);
    const OpCounts& counts = out;
    const Checked checked = Checked::for_layer(layer);
    const auto element_bytes = static_cast<std::uint64_t>(precision_bytes(out.dtype));
    const auto weight_bytes = static_cast<std::uint64_t>(precision_bytes(hardware_.weight_precision_for(out.dtype)));
    out.output_bytes = counts.is_view ? 0 : checked.mul(counts.output_elements, element_bytes);
    out.stored_params = counts.params - std::min(counts.params, layer.shared_params);
    // A lumped layer's footprint already holds its weights.
    out.stored_weight_bytes = layer.op == LayerOp::lumped ? 0 : checked.mul(out.stored_params, weight_bytes);
    out.bytes = layer_traffic(layer, counts, element_bytes, weight_bytes, options_.traffic, plan_, i, capacity_of(0));
    out.algorithm = conv_algorithm(layer);
    if (out.algorithm == ConvAlgorithm::im2col && !plan_.input_on_chip[i]) {
      const std::uint64_t columns = counts.macs / static_cast<std::uint64_t>(std::max<std::int64_t>(layer.filters, 1));
      out.bytes.input = checked.add(out.bytes.input, checked.mul(2, checked.mul(columns, element_bytes)));
    }
    out.resident_bytes = 0;
    if (residency_ && layer.op != LayerOp::lumped) {
      out.resident_bytes = std::min(resident_input(layer, i, out.bytes.total(), element_bytes), out.bytes.input);
      out.bytes.input -= out.resident_bytes;
    }

    // Per listed level: the home levels' times add, an on-chip level's time competes.
    double home_time = 0, on_chip_time = 0, slowest_home_time = -1;
    std::size_t slowest_home = 0, slowest_on_chip = 0;
    for (std::size_t l = 0; l < levels_.size(); ++l) {
      const ListedLevel& level = levels_[l];
      LevelLoad& load = loads_[l];
      if (level.on_chip)
        load.bytes =
            layer_traffic(layer, counts, element_bytes, weight_bytes, options_.traffic, unfused_plan(), i,
                          level.inner_capacity)
                .total();
      else
        load.bytes =
            (level.weights ? out.bytes.weights : 0) + (level.activations ? out.bytes.input + out.bytes.output : 0);
      load.time = static_cast<double>(load.bytes) / *level.level->bandwidth_bytes_per_s;
      if (level.on_chip) {
        if (load.time > on_chip_time) {
          on_chip_time = load.time;
          slowest_on_chip = l;
        }
      } else {
        home_time += load.time;
        if (load.time > slowest_home_time) {
          slowest_home_time = load.time;
          slowest_home = l;
        }
      }
    }
    out.time.memory = std::max(home_time, on_chip_time);
    out.memory_level = on_chip_time > home_time ? slowest_on_chip : slowest_home;

    out.unit = unit_for(layer, out.dtype);
    out.peak_flops_per_s = out.unit.peak_flops_per_s;
    out.rerouted = out.unit.rerouted;
    out.efficiency = efficiency_[static_cast<std::size_t>(layer.op_class) * kPrecisions.size() +
                                 static_cast<std::size_t>(out.dtype)];
    out.lane_utilization = 1;
    out.mac_array.reset();
    if (hardware_.mac_array && hardware_.mac_array->unit == out.unit.unit->name && layer.op != LayerOp::lumped &&
        !counts.is_view) {
      out.mac_array = mac_array_cost(*hardware_.mac_array, layer, counts, out.unit.peak_flops_per_s, out.efficiency,
                                     *hardware_.clock_hz, plan_.output_on_chip[i]);
      if (vela_) vela_times(i, counts, out);
      out.time.compute = out.mac_array->cycles / *hardware_.clock_hz;
      // The roof this layer meets: R·η_eff with η_eff = O / (T_comp·R).
      if (out.time.compute > 0)
        out.efficiency = static_cast<double>(counts.flops) / (out.time.compute * out.unit.peak_flops_per_s);
    } else {
      if (hardware_.vector_lanes && !counts.is_view && layer.op != LayerOp::lumped) {
        const auto lanes = static_cast<std::uint64_t>(std::max(*hardware_.vector_lanes * 4 / precision_bytes(out.dtype), 1));
        const auto channels = static_cast<std::uint64_t>(std::max<std::int64_t>(vector_channels(layer), 0));
        if (channels > 0)
          out.lane_utilization =
              static_cast<double>(channels) / static_cast<double>(ceil_div(channels, lanes) * lanes);
        out.efficiency *= out.lane_utilization;  // the roof this layer meets: R·η·u
      }
      double executed = static_cast<double>(counts.flops);
      if (out.algorithm == ConvAlgorithm::winograd)
        executed -= 2.0 * static_cast<double>(counts.macs) * (1.0 - 16.0 / 36.0);
      out.time.compute = executed / (out.unit.peak_flops_per_s * out.efficiency);
    }
    out.time.overhead = counts.is_view || plan_.fused(i) ? 0.0 : kernel_launch_;
    finish_terms(out.time, options_.time_model);
    out.bound = verdict(out.time);

    const std::uint64_t total_bytes = out.bytes.total();
    out.intensity = total_bytes ? static_cast<double>(counts.flops) / static_cast<double>(total_bytes) : 0.0;
    out.bandwidth_bytes_per_s =
        out.time.memory > 0 ? static_cast<double>(total_bytes) / out.time.memory : activation_bandwidth_;
    const double compute_roof = out.unit.peak_flops_per_s * out.efficiency;
    out.attainable_flops_per_s =
        total_bytes ? std::min(compute_roof, out.intensity * out.bandwidth_bytes_per_s) : compute_roof;
    const double time = chosen_time(out.time, options_.time_model);
    out.utilization = time > 0 ? static_cast<double>(counts.flops) / (time * out.unit.peak_flops_per_s) : 0.0;
  }

  // Vela's figures for layer i (src/engine/npu.cpp): an NPU operation's cycles are Vela's NPU
  // cycles (weight DMA it could not hide included), its memory term the larger of its SRAM and
  // flash access cycles (Vela's total is the max of the three: npu_performance.py,
  // update_summary_cycles); a layer fused into the operation before it costs nothing of its own.
  // Layers the port does not cover keep the granularity model's cycles and the traffic model's
  // T_mem.
  void vela_times(std::size_t i, const OpCounts& counts, LayerEval& out) const {
    MacArrayCost& cost = *out.mac_array;
    if (const auto& vela = vela_layers_[i]) {
      cost.vela = *vela;
      cost.cycles = vela->npu_cycles;
      cost.utilization = cost.cycles > 0 ? static_cast<double>(counts.macs) / (cost.cycles * cost.macs_per_cycle) : 0;
      out.time.memory = std::max(vela->sram_access_cycles, vela->flash_access_cycles) / *hardware_.clock_hz;
    } else if (plan_.fused(i)) {
      cost.mac_cycles = cost.output_cycles = cost.cycles = 0;
      cost.utilization = 0;
      out.time.memory = 0;
    }
  }

  std::uint64_t capacity_of(std::size_t on_chip_index) const {
    return on_chip_index < on_chip_.size() ? static_cast<std::uint64_t>(on_chip_[on_chip_index]->capacity_bytes) : 0;
  }

  // HardwareSpec::unit_for, looked up once per op class and precision.
  UnitChoice unit_for(const Layer& layer, Precision dtype) {
    auto& cached =
        units_[static_cast<std::size_t>(layer.op_class) * kPrecisions.size() + static_cast<std::size_t>(dtype)];
    if (cached.unit) return cached;
    try {
      cached = hardware_.unit_for(layer.op_class, dtype);
    } catch (const Error& e) {
      throw Error(layer.where,
                  fmt::format("layer '{}' runs in {}, but {}", layer.name, precision_name(dtype), e.what()));
    }
    return cached;
  }

  const HardwareSpec& hardware_;
  const Options options_;
  std::vector<const MemoryLevel*> on_chip_;
  std::vector<ListedLevel> levels_;
  double activation_bandwidth_ = 0;
  const MemoryLevel* weight_home_ = nullptr;
  const MemoryLevel* activation_home_ = nullptr;
  std::array<UnitChoice, kOpClasses.size() * kPrecisions.size()> units_{};
  UnitChoice default_unit_;
  FusionSet fusion_ = 0;
  double kernel_launch_ = 0, inference_launch_ = 0;
  std::array<double, kOpClasses.size() * kPrecisions.size()> efficiency_{};  // η_spec · η_runtime
  bool residency_ = false;
  bool vela_ = false;  // the mac_array names a Vela accelerator: NPU operations take Vela's cycles
  std::vector<std::optional<MacArrayCost::Vela>> vela_layers_;
  static constexpr std::uint64_t kNotOnChip = ~std::uint64_t{0};
  std::vector<std::uint64_t> written_at_;  // residency: bytes moved when each layer's output was written
  std::uint64_t moved_ = 0;
  // Per model and per layer, refilled in place.
  std::vector<Precision> dtypes_;
  FusionPlan plan_, unfused_plan_;
  std::vector<LevelLoad> loads_;
  Liveness liveness_;
  LayerEval eval_;
};

AnalysisResult analyze(const Model& model, const HardwareSpec& hardware, const Options& options) {
  AnalysisResult result;
  result.hardware = hardware;
  result.model_name = model.name;
  result.model_origin = model.origin;
  result.model_reference = model.reference;
  result.options = options;

  Evaluator evaluator(hardware, options);
  const FusionPlan& plan = evaluator.plan();
  // Notes in order: the model's, the spec's warnings, the fusion plan's, unmodeled ops, tiling, per-layer ones.
  std::vector<std::string> notes, layer_notes;
  std::map<std::string, std::vector<std::string>> unmodeled;
  for (const auto& layer : model.layers)
    if (layer.op == LayerOp::unmodeled) unmodeled[layer.source_op].push_back(layer.name);
  if (!unmodeled.empty()) {
    std::vector<std::string> parts;
    std::size_t layers = 0;
    for (auto& [op_type, names] : unmodeled) {
      parts.push_back(fmt::format("{} x{} ({})", op_type, names.size(), fmt::join(names, ", ")));
      layers += names.size();
      result.unmodeled.push_back(UnmodeledOp{op_type, std::move(names)});
    }
    notes.push_back(
        fmt::format("{} unmodeled layer{}: {}; their bytes and overhead are counted, their FLOPs "
                    "are not",
                    layers, layers == 1 ? "" : "s", fmt::join(parts, "; ")));
  }
  // Substitutions the report must say (docs/architecture.md): a file's weights stored in another
  // precision than the one float layers are analysed at, and a spec keeping weights narrower.
  const bool floats = std::any_of(model.layers.begin(), model.layers.end(),
                                  [](const Layer& layer) { return !layer.dtype && has_trait(layer.op, kWeighted); });
  if (model.stored_precision && *model.stored_precision != options.precision && floats)
    notes.push_back(fmt::format("the file stores its weights as {}; its floating-point layers are analysed as {} "
                                "(--precision {} analyses them as stored)",
                                precision_name(*model.stored_precision), precision_name(options.precision),
                                precision_name(*model.stored_precision)));
  if (Precision stored = hardware.weight_precision_for(options.precision); stored != options.precision)
    notes.push_back(fmt::format("'{}' keeps weights in {} when layers run at {} (its weight_precision): weight bytes "
                                "are {} per element",
                                hardware.id, precision_name(stored), precision_name(options.precision),
                                precision_bytes(stored)));
  if (options.traffic == Traffic::tiled && !evaluator.has_on_chip_level())
    notes.push_back(
        fmt::format("'{}' lists no on-chip memory level to tile into: tiled traffic equals ideal", hardware.id));

  // Where inputs come from (LayerCost::input_from): the home level, the level residency reads from.
  const std::string home_level = hardware.activation_level().name;
  const std::string resident_level = evaluator.has_on_chip_level() ? hardware.on_chip_levels().front()->name : "";
  result.layers.reserve(model.layers.size());
  result.totals = evaluator.evaluate_model(model, [&](std::size_t i, const LayerEval& eval) {
    const Layer& layer = model.layers[i];
    LayerCost cost;
    static_cast<LayerFigures&>(cost) = eval;
    cost.index = static_cast<int>(i);
    cost.name = layer.name;
    cost.source_op = layer.source_op;
    cost.op = layer.op;
    cost.kind = layer.op_class;
    cost.input_shapes = layer.input_shapes;
    cost.output_shape = layer.output_shape;
    cost.window = layer.kernel;
    cost.stride = layer.stride;
    cost.groups = layer.groups;
    cost.bias = layer.bias;
    cost.unit = eval.unit.unit->name;
    cost.runs_in = model.layers[static_cast<std::size_t>(plan.kernel[i])].name;
    cost.input_on_chip = plan.input_on_chip[i] != 0;
    if (!layer.inputs.empty() && !eval.is_view) {
      std::vector<std::string> from;
      if (cost.input_on_chip) from.emplace_back("fused");
      if (eval.resident_bytes > 0) from.push_back(resident_level);
      if (eval.bytes.input > 0) from.push_back(home_level);
      cost.input_from = join(from, "+");
    }
    cost.output_on_chip = plan.output_on_chip[i];
    const auto& levels = evaluator.levels();
    cost.levels.reserve(levels.size());
    for (std::size_t l = 0; l < levels.size(); ++l)
      cost.levels.push_back(LevelTraffic{levels[l].level->name, evaluator.loads()[l].bytes, evaluator.loads()[l].time});
    if (!levels.empty()) cost.memory_level = levels[eval.memory_level].level->name;
    if (cost.rerouted)
      layer_notes.push_back(fmt::format("layer '{}' ({}): routed unit has no {} peak; ran on unit '{}' instead",
                                        layer.name, op_class_name(layer.op_class), precision_name(cost.dtype),
                                        cost.unit));
    result.layers.push_back(std::move(cost));
  });
  result.notes = model.notes;
  result.notes.insert(result.notes.end(), hardware.warnings.begin(), hardware.warnings.end());
  result.notes.insert(result.notes.end(), plan.notes.begin(), plan.notes.end());
  result.notes.insert(result.notes.end(), notes.begin(), notes.end());
  result.notes.insert(result.notes.end(), layer_notes.begin(), layer_notes.end());
  return result;
}

TotalsEvaluator::TotalsEvaluator(const HardwareSpec& hardware, const Options& options)
    : evaluator_(std::make_unique<Evaluator>(hardware, options)) {}
TotalsEvaluator::~TotalsEvaluator() = default;
TotalsEvaluator::TotalsEvaluator(TotalsEvaluator&&) noexcept = default;

Totals TotalsEvaluator::operator()(const Model& model) {
  return evaluator_->evaluate_model(model, [](std::size_t, const LayerEval&) {});
}

Totals analyze_totals(const Model& model, const HardwareSpec& hardware, const Options& options) {
  return TotalsEvaluator(hardware, options)(model);
}

}  // namespace convroof
