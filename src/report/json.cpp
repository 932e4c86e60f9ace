// JSON report (convroof.report/1, docs/report.md). Keys are written in a fixed order
// (ordered_json) and numbers by nlohmann's shortest round-trip formatting, which does
// not depend on the locale: the same input gives the same bytes.
#include "json_parts.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

Json shape_json(const Shape& shape) {
  Json out = Json::array();
  for (auto dim : shape) out.push_back(dim);
  return out;
}

Json bytes_json(const ByteCounts& bytes) {
  return Json{{"input", bytes.input}, {"weights", bytes.weights}, {"output", bytes.output}, {"total", bytes.total()}};
}

Json time_json(const TimeTerms& time) {
  return Json{{"memory", time.memory},
              {"compute", time.compute},
              {"overhead", time.overhead},
              {"total", time.total},
              {"roofline", time.roofline}};
}

Json levels_json(const std::vector<LevelTraffic>& levels) {
  Json out = Json::array();
  for (const auto& level : levels)
    out.push_back(Json{{"name", level.name}, {"bytes", level.bytes}, {"time", level.time}});
  return out;
}

Json mac_array_json(const std::optional<MacArrayCost>& cost) {
  if (!cost) return nullptr;
  return Json{{"mode", cost->mode},
              {"macs_per_cycle", cost->macs_per_cycle},
              {"class_share", cost->class_share},
              {"tap_utilization", cost->tap_utilization},
              {"depth_utilization", cost->depth_utilization},
              {"mac_cycles", cost->mac_cycles},
              {"output_cycles", cost->output_cycles},
              {"cycles", cost->cycles},
              {"utilization", cost->utilization},
              {"wasted_macs", cost->wasted_macs}};
}

}  // namespace

Json hardware_json(const HardwareSpec& hw, Precision precision) {
  UnitChoice main_unit = hw.unit_for(OpClass::standard, precision);
  Json units = Json::array();
  for (const auto& unit : hw.units) {
    Json peaks = Json::object();
    for (const auto& info : kPrecisions)
      if (auto it = unit.peak_flops_per_s.find(info.precision); it != unit.peak_flops_per_s.end())
        peaks[std::string(info.name)] = it->second;
    units.push_back(Json{{"name", unit.name}, {"peak_flops_per_s", peaks}});
  }
  Json memory = Json::array();
  for (const auto& level : hw.memory) {
    Json entry{{"name", level.name}, {"capacity_bytes", level.capacity_bytes}};
    entry["bandwidth_bytes_per_s"] = level.bandwidth_bytes_per_s ? Json(*level.bandwidth_bytes_per_s) : Json(nullptr);
    Json holds = Json::array();
    if (level.holds_weights) holds.push_back("weights");
    if (level.holds_activations) holds.push_back("activations");
    entry["holds"] = holds;
    memory.push_back(entry);
  }
  Json efficiency{{"default", hw.default_efficiency}};
  for (const auto& [op_class, eta] : hw.efficiency) efficiency[std::string(op_class_name(op_class))] = eta;
  Json routing = Json::object();
  for (const auto& [op_class, unit] : hw.routing) routing[std::string(op_class_name(op_class))] = unit;
  Json mac_array = nullptr;
  if (hw.mac_array) {
    Json shares = Json::object();
    for (const auto& [op_class, share] : hw.mac_array->class_share)
      shares[std::string(op_class_name(op_class))] = share;
    mac_array =
        Json{{"unit", hw.mac_array->unit},
             {"class_share", shares},
             {"tap_group", hw.mac_array->tap_group},
             {"depth_granularity",
              {{"kernel_first", hw.mac_array->kernel_first_depth}, {"depth_first", hw.mac_array->depth_first_depth}}},
             {"kernel_first_max_depth", hw.mac_array->kernel_first_max_depth},
             {"output_cycles_per_element", hw.mac_array->output_cycles_per_element}};
  }
  return Json{{"id", hw.id},
              {"name", hw.name},
              {"class", hw.device_class},
              {"source", hw.origin},
              {"peak_flops_per_s", main_unit.peak_flops_per_s},
              {"bandwidth_bytes_per_s", *hw.memory.front().bandwidth_bytes_per_s},
              {"ridge_flops_per_byte", main_unit.peak_flops_per_s / *hw.memory.front().bandwidth_bytes_per_s},
              {"overhead_s", hw.overhead_s},
              {"clock_hz", hw.clock_hz ? Json(*hw.clock_hz) : Json(nullptr)},
              {"units", units},
              {"routing", routing},
              {"efficiency", efficiency},
              {"mac_array", mac_array},
              {"memory", memory}};
}

Json options_json(const Options& options) {
  Json overrides = Json::array();
  for (const auto& assignment : options.overrides) overrides.push_back(assignment);
  return Json{{"precision", std::string(precision_name(options.precision))},
              {"batch", options.batch},
              {"time_model", std::string(time_model_name(options.time_model))},
              {"traffic", std::string(choice_name(kTrafficModels, options.traffic))},
              {"fuse", std::string(choice_name(kFuseModes, options.fuse))},
              {"transform", std::string(transform_name(options.transform))},
              {"overrides", overrides}};
}

// Assigned key by key, not from an initializer list: nlohmann builds each {key, value} pair of
// a list as a two-element array first, which made this the report's costliest part.
Json layer_json(const LayerCost& layer) {
  Json input_shapes = Json::array();
  for (const auto& shape : layer.input_shapes) input_shapes.push_back(shape_json(shape));
  Json json = Json::object();
  json["index"] = layer.index;
  json["name"] = layer.name;
  json["op"] = layer_op_info(layer.op).name;
  json["kind"] = op_class_name(layer.kind);
  json["input_shape"] = layer.input_shapes.empty() ? Json::array() : shape_json(layer.input_shapes.front());
  json["input_shapes"] = std::move(input_shapes);
  json["output_shape"] = shape_json(layer.output_shape);
  json["dtype"] = precision_name(layer.dtype);
  json["macs"] = layer.macs;
  json["flops"] = layer.flops;
  json["params"] = layer.params;
  json["bytes"] = bytes_json(layer.bytes);
  json["intensity"] = layer.intensity;
  json["time"] = time_json(layer.time);
  json["attainable_flops_per_s"] = layer.attainable_flops_per_s;
  json["utilization"] = layer.utilization;
  json["bound"] = bound_name(layer.bound);
  json["unit"] = layer.unit;
  json["peak_flops_per_s"] = layer.peak_flops_per_s;
  json["efficiency"] = layer.efficiency;
  json["roof_flops_per_s"] = layer.peak_flops_per_s * layer.efficiency;
  json["bandwidth_bytes_per_s"] = layer.bandwidth_bytes_per_s;
  json["memory_levels"] = levels_json(layer.levels);
  json["memory_level"] = layer.memory_level;
  json["runs_in"] = layer.runs_in;
  json["input_on_chip"] = layer.input_on_chip;
  json["output_on_chip"] = layer.output_on_chip;
  json["mac_array"] = mac_array_json(layer.mac_array);
  if (!layer.source_op.empty()) json["source_op"] = layer.source_op;
  return json;
}

Json totals_json(const Totals& totals) {
  return Json{{"macs", totals.macs},
              {"flops", totals.flops},
              {"params", totals.params},
              {"bytes", bytes_json(totals.bytes)},
              {"intensity", totals.intensity},
              {"time", time_json(totals.time)},
              {"attainable_flops_per_s", totals.attainable_flops_per_s},
              {"utilization", totals.utilization},
              {"bound", std::string(bound_name(totals.bound))},
              {"memory_levels", levels_json(totals.levels)},
              {"weight_bytes", totals.weight_bytes},
              {"peak_activation_bytes", totals.peak_activation_bytes},
              {"peak_memory_bytes", totals.peak_memory_bytes},
              {"capacity_bytes", totals.capacity_bytes},
              {"fits", totals.fits},
              {"capacity_ratio", totals.capacity_ratio}};
}

void render_json(const AnalysisResult& result, std::ostream& out) {
  Json report;
  report["schema"] = "convroof.report/1";
  report["tool"] = Json{{"name", "convroof"}, {"version", std::string(version())}};
  report["hardware"] = hardware_json(result.hardware, result.options.precision);
  report["model"] =
      Json{{"name", result.model_name}, {"source", result.model_origin}, {"reference", result.model_reference}};
  report["options"] = options_json(result.options);
  Json layers = Json::array();
  for (const auto& layer : result.layers) layers.push_back(layer_json(layer));
  report["layers"] = layers;
  report["totals"] = totals_json(result.totals);
  Json notes = Json::array();
  for (const auto& note : result.notes) notes.push_back(note);
  report["notes"] = notes;
  Json unmodeled = Json::array();
  for (const auto& op : result.unmodeled)
    unmodeled.push_back(Json{{"op_type", op.op_type}, {"count", op.layers.size()}, {"layers", op.layers}});
  report["unmodeled"] = unmodeled;
  out << json_text(report) << '\n';
}

}  // namespace convroof
