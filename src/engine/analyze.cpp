// The time model and totals. Per layer, with D the bytes moved, O the FLOPs, R the peak
// of the unit that runs the layer at its precision, η the efficiency of its op class and
// L the per-layer overhead (DESIGN §4):
//   T_mem  = D_weights / BW_weights + D_activations / BW_activations
//            (one bandwidth when one memory level holds both, the usual case: D / BW)
//   T_comp = O / (R·η)
//   T      = T_mem + T_comp + L              (Iron Law, additive, as the seeds teach)
//   T_roof = max(T_mem, T_comp) + L          (overlapped roofline)
//   intensity  I = O / D
//   attainable   = min(R·η, I·BW_eff) where BW_eff = D / T_mem  (the roofline ceiling)
//   utilization  = O / (T·R)                 (fraction of the unit's peak attained)
//   verdict      = the largest of T_mem, T_comp, L.
// The traffic model is "ideal" (compulsory): every input, weight and output tensor
// crosses the memory boundary exactly once.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "convroof/cost.hpp"

namespace convroof {

std::string_view time_model_name(TimeModel model) {
  return model == TimeModel::iron_law ? "iron-law" : "roofline";
}

std::string_view bound_name(Bound bound) {
  switch (bound) {
    case Bound::memory:
      return "memory";
    case Bound::compute:
      return "compute";
    case Bound::overhead:
      return "overhead";
    case Bound::none:
      return "none";
  }
  return "none";
}

double chosen_time(const TimeTerms& time, TimeModel model) {
  return model == TimeModel::iron_law ? time.total : time.roofline;
}

namespace {

// The largest term; ties go to memory, then compute (deterministic). All-zero: none.
Bound verdict(const TimeTerms& time) {
  if (time.memory == 0 && time.compute == 0 && time.overhead == 0) return Bound::none;
  if (time.memory >= time.compute && time.memory >= time.overhead) return Bound::memory;
  if (time.compute >= time.overhead) return Bound::compute;
  return Bound::overhead;
}

void finish_terms(TimeTerms& time) {
  time.total = time.memory + time.compute + time.overhead;
  time.roofline = std::max(time.memory, time.compute) + time.overhead;
}

std::uint64_t add_checked(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw Error(fmt::format("model total of {} overflows 64 bits", what));
  return out;
}

// Peak of simultaneously live activation bytes. A tensor (the model input or a layer's
// output) is live from the step that produces it through the last step that reads it;
// the final layer's output stays live to the end. A view (flatten) is the same tensor as
// its input, so reading the view keeps that tensor alive. Lumped layers add their
// footprint while they run. One sweep over +size/−size events: O(layers + edges).
std::uint64_t peak_live_bytes(const Model& model, const std::vector<LayerCost>& costs) {
  const std::size_t steps = model.layers.size();
  if (steps == 0) return 0;
  // Tensor t: 0 is the model input, i + 1 the output of layer i; storage[t] is the tensor
  // whose memory t uses (itself, or for a view the storage of its input).
  std::vector<std::size_t> storage(steps + 1);
  std::vector<std::size_t> last_use(steps + 1, 0);
  storage[0] = 0;
  for (std::size_t i = 0; i < steps; ++i) {
    const Layer& layer = model.layers[i];
    storage[i + 1] = layer.op == LayerOp::flatten ? storage[layer.inputs.front() + 1] : i + 1;
    last_use[storage[i + 1]] = std::max(last_use[storage[i + 1]], i);
    for (int source : layer.inputs) last_use[storage[source + 1]] = std::max(last_use[storage[source + 1]], i);
  }
  last_use[storage[steps]] = steps - 1;
  auto stored_bytes = [&](std::size_t t) -> std::uint64_t {
    if (storage[t] != t) return 0;  // a view owns no memory
    if (t == 0) {
      // The model input, in the precision of the first layer that reads it.
      for (std::size_t i = 0; i < steps; ++i) {
        const auto& inputs = model.layers[i].inputs;
        if (std::find(inputs.begin(), inputs.end(), -1) == inputs.end()) continue;
        std::uint64_t elements = 1;
        for (auto dim : model.input_shape) elements *= static_cast<std::uint64_t>(dim);
        return elements * static_cast<std::uint64_t>(precision_bytes(costs[i].dtype));
      }
      return 0;
    }
    const Layer& layer = model.layers[t - 1];
    return layer.op == LayerOp::lumped ? layer.lumped_footprint : costs[t - 1].bytes.output;
  };
  std::vector<std::int64_t> delta(steps + 1, 0);  // applied at the start of each step
  for (std::size_t t = 0; t <= steps; ++t) {
    std::uint64_t size = stored_bytes(t);
    if (size == 0) continue;
    delta[t == 0 ? 0 : t - 1] += static_cast<std::int64_t>(size);
    delta[last_use[t] + 1] -= static_cast<std::int64_t>(size);
  }
  std::int64_t live = 0, peak = 0;
  for (std::size_t i = 0; i < steps; ++i) {
    live += delta[i];
    peak = std::max(peak, live);
  }
  return static_cast<std::uint64_t>(peak);
}

}  // namespace

AnalysisResult analyze(const Model& model, const HardwareSpec& hardware, const Options& options) {
  AnalysisResult result;
  result.hardware = hardware;
  result.model_name = model.name;
  result.model_source = model.origin;
  result.model_reference = model.source;
  result.options = options;

  const MemoryLevel& weight_level = hardware.weight_level();
  const MemoryLevel& activation_level = hardware.activation_level();
  const double weight_bandwidth = *weight_level.bandwidth_bytes_per_s;
  const double activation_bandwidth = *activation_level.bandwidth_bytes_per_s;

  Totals& totals = result.totals;
  result.layers.reserve(model.layers.size());
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const Layer& layer = model.layers[i];
    OpCounts counts = count_ops(layer);
    LayerCost cost;
    cost.index = static_cast<int>(i);
    cost.name = layer.name;
    cost.op = layer.op;
    cost.kind = layer.op_class;
    cost.input_shapes = layer.input_shapes;
    cost.output_shape = layer.output_shape;
    cost.dtype = layer.dtype.value_or(options.precision);
    cost.macs = counts.macs;
    cost.flops = counts.flops;
    cost.params = counts.params;

    const std::uint64_t element_bytes = static_cast<std::uint64_t>(precision_bytes(cost.dtype));
    if (layer.op == LayerOp::lumped) {
      // Given bytes are all reported as input traffic: a lumped layer has no split.
      cost.bytes.input = layer.lumped_bytes;
    } else {
      // Ideal traffic: inputs read once, weights read once, output written once.
      auto bytes_of = [&](std::uint64_t elements) {
        std::uint64_t out = 0;
        if (__builtin_mul_overflow(elements, element_bytes, &out))
          throw Error(layer.where, fmt::format("layer '{}': byte count overflows 64 bits", layer.name));
        return out;
      };
      cost.bytes.input = bytes_of(counts.input_elements);
      cost.bytes.weights = bytes_of(counts.params);
      cost.bytes.output = bytes_of(counts.output_elements);
    }

    UnitChoice unit;
    try {
      unit = hardware.unit_for(layer.op_class, cost.dtype);
    } catch (const Error& e) {
      throw Error(layer.where,
                  fmt::format("layer '{}' runs in {}, but {}", layer.name, precision_name(cost.dtype), e.what()));
    }
    cost.unit = unit.unit->name;
    cost.peak_flops_per_s = unit.peak_flops_per_s;
    cost.rerouted = unit.rerouted;
    cost.efficiency = hardware.efficiency_for(layer.op_class);

    const std::uint64_t total_bytes = cost.bytes.total();
    cost.time.memory = static_cast<double>(cost.bytes.weights) / weight_bandwidth +
                       static_cast<double>(cost.bytes.input + cost.bytes.output) / activation_bandwidth;
    cost.time.compute = static_cast<double>(cost.flops) / (cost.peak_flops_per_s * cost.efficiency);
    cost.time.overhead = counts.is_view ? 0.0 : hardware.overhead_s;
    finish_terms(cost.time);
    cost.bound = verdict(cost.time);

    cost.intensity = total_bytes ? static_cast<double>(cost.flops) / static_cast<double>(total_bytes) : 0.0;
    cost.bandwidth_bytes_per_s =
        cost.time.memory > 0 ? static_cast<double>(total_bytes) / cost.time.memory : activation_bandwidth;
    const double compute_roof = cost.peak_flops_per_s * cost.efficiency;
    cost.attainable_flops_per_s =
        total_bytes ? std::min(compute_roof, cost.intensity * cost.bandwidth_bytes_per_s) : compute_roof;
    const double time = chosen_time(cost.time, options.time_model);
    cost.utilization = time > 0 ? static_cast<double>(cost.flops) / (time * cost.peak_flops_per_s) : 0.0;

    if (unit.rerouted)
      result.notes.push_back(fmt::format("layer '{}' ({}): routed unit has no {} peak; ran on unit '{}' instead",
                                         layer.name, op_class_name(layer.op_class), precision_name(cost.dtype),
                                         cost.unit));

    totals.macs = add_checked(totals.macs, cost.macs, "MACs");
    totals.flops = add_checked(totals.flops, cost.flops, "FLOPs");
    totals.params = add_checked(totals.params, cost.params, "params");
    totals.bytes.input = add_checked(totals.bytes.input, cost.bytes.input, "bytes");
    totals.bytes.weights = add_checked(totals.bytes.weights, cost.bytes.weights, "bytes");
    totals.bytes.output = add_checked(totals.bytes.output, cost.bytes.output, "bytes");
    totals.time.memory += cost.time.memory;
    totals.time.compute += cost.time.compute;
    totals.time.overhead += cost.time.overhead;
    totals.time.roofline += cost.time.roofline;
    result.layers.push_back(std::move(cost));
  }
  totals.time.total = totals.time.memory + totals.time.compute + totals.time.overhead;
  totals.bound = verdict(totals.time);
  const std::uint64_t total_bytes = totals.bytes.total();
  totals.intensity = total_bytes ? static_cast<double>(totals.flops) / static_cast<double>(total_bytes) : 0.0;
  const double time = chosen_time(totals.time, options.time_model);
  totals.attainable_flops_per_s = time > 0 ? static_cast<double>(totals.flops) / time : 0.0;
  UnitChoice default_unit = hardware.unit_for(OpClass::standard, options.precision);
  totals.utilization = totals.attainable_flops_per_s / default_unit.peak_flops_per_s;

  // Capacity (DESIGN §4): weights plus the peak live activations against the largest
  // memory level that can hold them. When weights and activations live in different
  // levels (an NPU's flash and SRAM), each must fit its own; the ratio is the worse one.
  totals.weight_bytes = totals.bytes.weights;
  totals.peak_activation_bytes = peak_live_bytes(model, result.layers);
  totals.peak_memory_bytes = add_checked(totals.weight_bytes, totals.peak_activation_bytes, "memory");
  const MemoryLevel* weight_home = nullptr;
  const MemoryLevel* activation_home = nullptr;
  for (const auto& level : hardware.memory) {
    if (level.holds_weights && (!weight_home || level.capacity_bytes > weight_home->capacity_bytes))
      weight_home = &level;
    if (level.holds_activations && (!activation_home || level.capacity_bytes > activation_home->capacity_bytes))
      activation_home = &level;
  }
  if (weight_home == activation_home) {
    totals.capacity_bytes = weight_home->capacity_bytes;
    totals.capacity_ratio = static_cast<double>(totals.peak_memory_bytes) / totals.capacity_bytes;
  } else {
    double weight_ratio = static_cast<double>(totals.weight_bytes) / weight_home->capacity_bytes;
    double activation_ratio = static_cast<double>(totals.peak_activation_bytes) / activation_home->capacity_bytes;
    totals.capacity_ratio = std::max(weight_ratio, activation_ratio);
    totals.capacity_bytes =
        weight_ratio >= activation_ratio ? weight_home->capacity_bytes : activation_home->capacity_bytes;
  }
  totals.fits = totals.capacity_ratio <= 1.0;
  return result;
}

}  // namespace convroof
