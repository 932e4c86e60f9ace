// JSON report, DESIGN §6 (convroof.report/1). Keys are written in a fixed order
// (ordered_json) and numbers by nlohmann's shortest round-trip formatting, which does
// not depend on the locale: the same input gives the same bytes.
#include <nlohmann/json.hpp>

#include "convroof/report.hpp"

namespace convroof {

namespace {

using Json = nlohmann::ordered_json;

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
              {"memory", memory}};
}

}  // namespace

void render_json(const AnalysisResult& result, std::ostream& out) {
  Json report;
  report["schema"] = "convroof.report/1";
  report["tool"] = Json{{"name", "convroof"}, {"version", std::string(version())}};
  report["hardware"] = hardware_json(result.hardware, result.options.precision);
  report["model"] =
      Json{{"name", result.model_name}, {"source", result.model_source}, {"reference", result.model_reference}};
  Json overrides = Json::array();
  for (const auto& assignment : result.options.overrides) overrides.push_back(assignment);
  report["options"] = Json{{"precision", std::string(precision_name(result.options.precision))},
                           {"batch", result.options.batch},
                           {"time_model", std::string(time_model_name(result.options.time_model))},
                           {"traffic", "ideal"},
                           {"fuse", "none"},
                           {"overrides", overrides}};
  Json layers = Json::array();
  for (const auto& layer : result.layers) {
    Json input_shapes = Json::array();
    for (const auto& shape : layer.input_shapes) input_shapes.push_back(shape_json(shape));
    layers.push_back(
        Json{{"index", layer.index},
             {"name", layer.name},
             {"op", std::string(layer_op_info(layer.op).name)},
             {"kind", std::string(op_class_name(layer.kind))},
             {"input_shape", layer.input_shapes.empty() ? Json::array() : shape_json(layer.input_shapes.front())},
             {"input_shapes", input_shapes},
             {"output_shape", shape_json(layer.output_shape)},
             {"dtype", std::string(precision_name(layer.dtype))},
             {"macs", layer.macs},
             {"flops", layer.flops},
             {"params", layer.params},
             {"bytes", bytes_json(layer.bytes)},
             {"intensity", layer.intensity},
             {"time", time_json(layer.time)},
             {"attainable_flops_per_s", layer.attainable_flops_per_s},
             {"utilization", layer.utilization},
             {"bound", std::string(bound_name(layer.bound))},
             {"unit", layer.unit},
             {"peak_flops_per_s", layer.peak_flops_per_s},
             {"efficiency", layer.efficiency},
             {"bandwidth_bytes_per_s", layer.bandwidth_bytes_per_s}});
  }
  report["layers"] = layers;
  const Totals& totals = result.totals;
  report["totals"] = Json{{"macs", totals.macs},
                          {"flops", totals.flops},
                          {"params", totals.params},
                          {"bytes", bytes_json(totals.bytes)},
                          {"intensity", totals.intensity},
                          {"time", time_json(totals.time)},
                          {"attainable_flops_per_s", totals.attainable_flops_per_s},
                          {"utilization", totals.utilization},
                          {"bound", std::string(bound_name(totals.bound))},
                          {"weight_bytes", totals.weight_bytes},
                          {"peak_activation_bytes", totals.peak_activation_bytes},
                          {"peak_memory_bytes", totals.peak_memory_bytes},
                          {"capacity_bytes", totals.capacity_bytes},
                          {"fits", totals.fits},
                          {"capacity_ratio", totals.capacity_ratio}};
  Json notes = Json::array();
  for (const auto& note : result.notes) notes.push_back(note);
  report["notes"] = notes;
  out << report.dump(2) << '\n';
}

}  // namespace convroof
