// The time model and totals. Per layer, with D the bytes moved (src/engine/traffic.cpp), O
// the FLOPs, R the peak of the unit that runs the layer at its precision, η the efficiency
// of its op class and L the per-layer overhead (DESIGN §4):
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
// A layer fused into another's kernel pays no L of its own.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "checked.hpp"
#include "engine.hpp"

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

std::uint64_t add_checked(std::uint64_t a, std::uint64_t b, const char* what) {
  return Checked::for_total(what).add(a, b);
}

// Peak of simultaneously live activation bytes. A tensor (the model input or a layer's
// output) is live from the step that produces it through the last step that reads it;
// the final layer's output stays live to the end. A view (flatten) is the same tensor as
// its input, so reading the view keeps that tensor alive. Lumped layers add their
// footprint while they run. One sweep over +size/−size events: O(layers + edges).
std::uint64_t peak_live_bytes(const Model& model, const std::vector<Precision>& dtypes,
                              const std::vector<std::uint64_t>& output_bytes) {
  const std::size_t steps = model.layers.size();
  if (steps == 0) return 0;
  // Tensor t: 0 is the model input, i + 1 the output of layer i; storage[t] is the tensor
  // whose memory t uses (itself, or for a view the storage of its input).
  std::vector<std::size_t> storage(steps + 1);
  std::vector<std::size_t> last_use(steps + 1, 0);
  storage[0] = 0;
  for (std::size_t i = 0; i < steps; ++i) {
    const Layer& layer = model.layers[i];
    storage[i + 1] = is_view(layer.op) ? storage[layer.inputs.front() + 1] : i + 1;
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
        return elements * static_cast<std::uint64_t>(precision_bytes(dtypes[i]));
      }
      return 0;
    }
    const Layer& layer = model.layers[t - 1];
    return layer.op == LayerOp::lumped ? layer.lumped_footprint : output_bytes[t - 1];
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

  const std::size_t count = model.layers.size();
  std::vector<Precision> dtypes;
  for (const auto& layer : model.layers) dtypes.push_back(layer.dtype.value_or(options.precision));
  const FusionPlan plan = plan_fusion(model, hardware, options.fuse, dtypes);
  // On-chip levels with a bandwidth carry unfused traffic; without fusion that is `plan` itself.
  const FusionPlan unfused_plan =
      options.fuse == Fuse::none ? FusionPlan{} : plan_fusion(model, hardware, Fuse::none, dtypes);
  const FusionPlan& unfused = options.fuse == Fuse::none ? plan : unfused_plan;
  result.notes = model.notes;
  result.notes.insert(result.notes.end(), plan.notes.begin(), plan.notes.end());
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
    result.notes.push_back(
        fmt::format("{} unmodeled layer{}: {}; their bytes and overhead are counted, their FLOPs "
                    "are not",
                    layers, layers == 1 ? "" : "s", fmt::join(parts, "; ")));
  }

  // Home levels (where weights and activations live) and on-chip levels, outermost first.
  const MemoryLevel& weight_level = hardware.weight_level();
  const MemoryLevel& activation_level = hardware.activation_level();
  const std::vector<const MemoryLevel*> on_chip = hardware.on_chip_levels();
  auto capacity_of = [&](std::size_t on_chip_index) -> std::uint64_t {
    return on_chip_index < on_chip.size() ? static_cast<std::uint64_t>(on_chip[on_chip_index]->capacity_bytes) : 0;
  };
  if (options.traffic == Traffic::tiled && on_chip.empty())
    result.notes.push_back(
        fmt::format("'{}' lists no on-chip memory level to tile into: tiled traffic equals ideal", hardware.id));

  Totals& totals = result.totals;
  std::vector<std::uint64_t> output_bytes(count);  // each layer's output tensor, for peak memory
  result.layers.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Layer& layer = model.layers[i];
    OpCounts counts = count_ops(layer);
    LayerCost cost;
    cost.index = static_cast<int>(i);
    cost.name = layer.name;
    cost.source_op = layer.source_op;
    cost.op = layer.op;
    cost.kind = layer.op_class;
    cost.input_shapes = layer.input_shapes;
    cost.output_shape = layer.output_shape;
    cost.dtype = dtypes[i];
    cost.macs = counts.macs;
    cost.flops = counts.flops;
    cost.params = counts.params;
    cost.window = layer.kernel;
    cost.stride = layer.stride;
    cost.groups = layer.groups;
    cost.bias = layer.bias;
    cost.runs_in = model.layers[static_cast<std::size_t>(plan.kernel[i])].name;
    cost.input_on_chip =
        std::find(plan.input_on_chip[i].begin(), plan.input_on_chip[i].end(), true) != plan.input_on_chip[i].end();
    cost.output_on_chip = plan.output_on_chip[i];

    const Checked checked = Checked::for_layer(layer);
    const auto element_bytes = static_cast<std::uint64_t>(precision_bytes(cost.dtype));
    output_bytes[i] = counts.is_view ? 0 : checked.mul(counts.output_elements, element_bytes);
    if (layer.op != LayerOp::lumped)  // a lumped layer's footprint already holds its weights
      totals.weight_bytes = add_checked(totals.weight_bytes, checked.mul(counts.params, element_bytes), "weights");
    cost.bytes = layer_traffic(layer, counts, element_bytes, options.traffic, plan, i, capacity_of(0));

    // Per memory level: the home levels' times add, an on-chip level's time competes.
    double home_time = 0, on_chip_time = 0;
    std::string slowest_home, slowest_on_chip;
    double slowest_home_time = -1;
    for (const auto& level : hardware.memory) {
      if (!level.bandwidth_bytes_per_s) continue;
      const double bandwidth = *level.bandwidth_bytes_per_s;
      auto position = std::find(on_chip.begin(), on_chip.end(), &level);
      LevelTraffic traffic{level.name, 0, 0};
      if (&level == &weight_level || &level == &activation_level) {
        if (&level == &weight_level) traffic.bytes += cost.bytes.weights;
        if (&level == &activation_level) traffic.bytes += cost.bytes.input + cost.bytes.output;
        traffic.time = static_cast<double>(traffic.bytes) / bandwidth;
        home_time += traffic.time;
        if (traffic.time > slowest_home_time) {
          slowest_home_time = traffic.time;
          slowest_home = level.name;
        }
      } else if (position != on_chip.end()) {
        // Every operand passes through on its way in, unfused; tiled against the level inside it.
        const auto inner = static_cast<std::size_t>(position - on_chip.begin()) + 1;
        traffic.bytes =
            layer_traffic(layer, counts, element_bytes, options.traffic, unfused, i, capacity_of(inner)).total();
        traffic.time = static_cast<double>(traffic.bytes) / bandwidth;
        if (traffic.time > on_chip_time) {
          on_chip_time = traffic.time;
          slowest_on_chip = level.name;
        }
      } else {
        continue;  // a level between the two home levels: no traffic modelled
      }
      cost.levels.push_back(std::move(traffic));
    }
    cost.time.memory = std::max(home_time, on_chip_time);
    cost.memory_level = on_chip_time > home_time ? slowest_on_chip : slowest_home;

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
    if (hardware.mac_array && hardware.mac_array->unit == cost.unit && layer.op != LayerOp::lumped && !counts.is_view) {
      cost.mac_array = mac_array_cost(*hardware.mac_array, layer, counts, cost.peak_flops_per_s, cost.efficiency,
                                      *hardware.clock_hz, plan.output_on_chip[i]);
      cost.time.compute = cost.mac_array->cycles / *hardware.clock_hz;
      // The roof this layer meets: R·η_eff with η_eff = O / (T_comp·R).
      if (cost.time.compute > 0)
        cost.efficiency = static_cast<double>(cost.flops) / (cost.time.compute * cost.peak_flops_per_s);
    } else {
      cost.time.compute = static_cast<double>(cost.flops) / (cost.peak_flops_per_s * cost.efficiency);
    }
    cost.time.overhead = counts.is_view || plan.fused(i) ? 0.0 : hardware.overhead_s;
    finish_terms(cost.time);
    cost.bound = verdict(cost.time);

    const std::uint64_t total_bytes = cost.bytes.total();
    cost.intensity = total_bytes ? static_cast<double>(cost.flops) / static_cast<double>(total_bytes) : 0.0;
    cost.bandwidth_bytes_per_s = cost.time.memory > 0 ? static_cast<double>(total_bytes) / cost.time.memory
                                                      : *activation_level.bandwidth_bytes_per_s;
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
    if (totals.levels.empty())
      for (const auto& level : cost.levels) totals.levels.push_back(LevelTraffic{level.name, 0, 0});
    for (std::size_t l = 0; l < cost.levels.size(); ++l) {
      totals.levels[l].bytes = add_checked(totals.levels[l].bytes, cost.levels[l].bytes, "bytes");
      totals.levels[l].time += cost.levels[l].time;
    }
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
  // memory level that can hold them (the weights as stored, whatever the traffic model moves). When weights and
  // activations live in different levels (an NPU's flash and SRAM), each must fit its own; the ratio is the worse one.
  totals.peak_activation_bytes = peak_live_bytes(model, dtypes, output_bytes);
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
