// The JSON writers' primitives (json_writer.hpp): the records every JSON report shares (the
// hardware, the options, a layer, the totals) and the streaming writer of the layer records.
// Keys are written in a fixed order (ordered_json) and numbers in the shortest round-trip form
// (json_number), which does not depend on the locale: the same input gives the same bytes.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <cmath>
#include <span>
#include <type_traits>
#include <variant>

#include "convroof/analysis_options.hpp"
#include "convroof/fields.hpp"
#include "json_writer.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

Json mac_array_json(const MacArrayCost* cost) {
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
              {"wasted_macs", cost->wasted_macs},
              {"vela", cost->vela ? Json{{"block", cost->vela->block},
                                         {"traversal", cost->vela->traversal},
                                         {"op_cycles", cost->vela->op_cycles},
                                         {"npu_cycles", cost->vela->npu_cycles},
                                         {"sram_access_cycles", cost->vela->sram_access_cycles},
                                         {"flash_access_cycles", cost->vela->flash_access_cycles},
                                         {"weight_bytes", cost->vela->weight_bytes},
                                         {"weight_buffering", cost->vela->weight_buffering}}
                                  : Json(nullptr)}};
}

// --- streaming: the layer records, written as dump(2) lays the DOM out ------------------
// A report's layers are most of its bytes, and building them as nlohmann objects first was
// most of a JSON run's time (docs/performance.md, "Figures behind code choices").
// They are written straight to text here, numbers by json_number (nlohmann's layout of the
// shortest round trip) and strings with nlohmann's escaping, so the bytes are exactly those of
// nlohmann's dump(2) of the same document (a test re-dumps the output).

void append_indent(std::string& out, int indent) { out.append(static_cast<std::size_t>(indent), ' '); }

}  // namespace

void append_string(std::string& out, std::string_view text) {
  if (invalid_utf8_at(text) != std::string_view::npos) {  // nlohmann's U+FFFD replacement
    out += json_text(Json(std::string(text)));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // the start of the run of bytes written as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    out += '\\';
    if (byte >= 0x20)
      out += c;
    else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
      out += c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    else {
      out += "u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

namespace {

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

void append_number(std::string& out, double value) {
  char buffer[32];
  out.append(buffer, json_number(buffer, value));
}

}  // namespace

void append_dom(std::string& out, const Json& json, int indent) {
  const std::string text = json_text(json);
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t newline = std::min(text.find('\n', start), text.size() - 1);
    out.append(text, start, newline + 1 - start);
    if (text[newline] == '\n') append_indent(out, indent);
    start = newline + 1;
  }
}

namespace {

// `items` as dump(2) lays out an array at `indent`, each written by `item(out, element, its indent)`.
template <typename Items, typename Item>
void append_array(std::string& out, const Items& items, int indent, Item item) {
  if (items.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  bool first = true;
  for (const auto& element : items) {
    if (!first) out += ",\n";
    first = false;
    append_indent(out, indent + 2);
    item(out, element, indent + 2);
  }
  out += '\n';
  append_indent(out, indent);
  out += ']';
}

void append_shape(std::string& out, std::span<const std::int64_t> shape, int indent) {
  append_array(out, shape, indent, [](std::string& o, std::int64_t dim, int) { append_integer(o, dim); });
}

void append_field_value(std::string& out, const FieldValue& value, int indent) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_string(out, v);
        } else if constexpr (std::is_same_v<T, std::span<const std::int64_t>>) {
          append_shape(out, v, indent);
        } else if constexpr (std::is_same_v<T, const std::vector<Shape>*>) {
          append_array(out, *v, indent, [](std::string& o, const Shape& shape, int at) { append_shape(o, shape, at); });
        } else if constexpr (std::is_same_v<T, const std::vector<LevelTraffic>*>) {
          append_array(out, *v, indent, [](std::string& o, const LevelTraffic& level, int at) {
            o += "{\n";
            append_indent(o, at + 2);
            o += "\"name\": ";
            append_string(o, level.name);
            o += ",\n";
            append_indent(o, at + 2);
            o += "\"bytes\": ";
            append_integer(o, level.bytes);
            o += ",\n";
            append_indent(o, at + 2);
            o += "\"time\": ";
            append_number(o, level.time);
            o += '\n';
            append_indent(o, at);
            o += '}';
          });
        } else if constexpr (std::is_same_v<T, const MacArrayCost*>) {
          append_dom(out, mac_array_json(v), indent);  // an NPU's layers only
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          append_number(out, v);
        } else {
          append_integer(out, v);
        }
      },
      value);
}

// A record's object: one key per kReportFields row it has, in the table's order; a dotted path
// (`bytes.input`) nests under its group, whose rows are adjacent in the table.
template <typename Record>
void append_fields(std::string& out, const Record& record, FieldValue (*ReportField::*get)(const Record&),
                   int indent) {
  std::string_view group_name;
  bool first = true, first_in_group = true;
  out += '{';
  auto close_group = [&] {
    if (group_name.empty()) return;
    out += '\n';
    append_indent(out, indent + 2);
    out += '}';
    group_name = {};
  };
  auto key = [&](std::string_view name, int at, bool& first_here) {  // a table path: nothing to escape (a test checks)
    out += first_here ? "\n" : ",\n";
    first_here = false;
    append_indent(out, at);
    out += '"';
    out += name;
    out += "\": ";
  };
  for (const auto& field : kReportFields) {
    if (!(field.*get)) continue;
    FieldValue value = (field.*get)(record);
    if (field.omit_empty && std::get<std::string_view>(value).empty()) continue;
    const auto dot = field.path.find('.');
    if (dot == std::string_view::npos) {
      close_group();
      key(field.path, indent + 2, first);
      append_field_value(out, value, indent + 2);
      continue;
    }
    if (field.path.substr(0, dot) != group_name) {
      close_group();
      group_name = field.path.substr(0, dot);
      key(group_name, indent + 2, first);
      out += '{';
      first_in_group = true;
    }
    key(field.path.substr(dot + 1), indent + 4, first_in_group);
    append_field_value(out, value, indent + 4);
  }
  close_group();
  if (first) {
    out += '}';
    return;
  }
  out += '\n';
  append_indent(out, indent);
  out += '}';
}

}  // namespace

// std::to_chars gives the shortest digits that read back to `value` (d.ddde±x in scientific
// form); they are laid out as nlohmann's dump() lays out its own shortest digits
// (nlohmann::detail::dtoa_impl::format_buffer), with n = the decimal point's position from the
// first digit (exponent + 1):
//   k digits, k <= n <= 15:  the digits, n - k zeros, ".0"        (3.0, 123456789012.0)
//   0 < n <= 15:             the point inside the digits          (0.5e1 -> 2.5)
//   -4 < n <= 0:             "0.", -n zeros, the digits           (1e-4 -> 0.0001)
//   otherwise:               d[.igits]e±XX, two exponent digits at least (1e+21, 1e-07, 1.5e+300)
// Zero is "0.0" (signed: "-0.0"), a non-finite value "null".
std::size_t json_number(char* buffer, double value) {
  if (!std::isfinite(value)) {
    std::memcpy(buffer, "null", 4);
    return 4;
  }
  char* out = buffer;
  if (std::signbit(value)) {
    *out++ = '-';
    value = -value;
  }
  if (value == 0) {
    std::memcpy(out, "0.0", 3);
    return static_cast<std::size_t>(out + 3 - buffer);
  }
  char scientific[32];
  const char* end = std::to_chars(scientific, scientific + sizeof scientific, value, std::chars_format::scientific).ptr;
  const char* e = std::find(static_cast<const char*>(scientific), end, 'e');
  char digits[24];
  int k = 0;
  for (const char* c = scientific; c < e; ++c)
    if (*c != '.') digits[k++] = *c;
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), end, exponent);
  const int n = exponent + 1;
  constexpr int kMinExp = -4, kMaxExp = 15;  // nlohmann's: std::numeric_limits<double>::digits10
  auto put = [&](const char* from, int count) {
    std::memcpy(out, from, static_cast<std::size_t>(count));
    out += count;
  };
  if (k <= n && n <= kMaxExp) {
    put(digits, k);
    out = std::fill_n(out, n - k, '0');
    put(".0", 2);
  } else if (0 < n && n <= kMaxExp) {
    put(digits, n);
    *out++ = '.';
    put(digits + n, k - n);
  } else if (kMinExp < n && n <= 0) {
    put("0.", 2);
    out = std::fill_n(out, -n, '0');
    put(digits, k);
  } else {
    *out++ = digits[0];
    if (k > 1) {
      *out++ = '.';
      put(digits + 1, k - 1);
    }
    *out++ = 'e';
    *out++ = n - 1 < 0 ? '-' : '+';
    const int magnitude = std::abs(n - 1);
    if (magnitude < 10) *out++ = '0';
    out = std::to_chars(out, out + 4, magnitude).ptr;
  }
  return static_cast<std::size_t>(out - buffer);
}

std::string json_number(double value) {
  char buffer[32];
  return std::string(buffer, json_number(buffer, value));
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

namespace {

Json figures_json(const RuntimeFigures& figures) {
  auto cost = [](const std::optional<LaunchCost>& c) {
    return c ? Json{{"seconds", c->seconds}, {"cycles", c->cycles}} : Json(nullptr);
  };
  Json efficiency = Json::object();
  if (figures.default_efficiency) efficiency["default"] = *figures.default_efficiency;
  for (const auto& [op_class, factor] : figures.efficiency) efficiency[std::string(op_class_name(op_class))] = factor;
  for (const auto& [precision, factor] : figures.precision_efficiency)
    efficiency[std::string(precision_name(precision))] = factor;
  return Json{{"launch", {{"per_kernel", cost(figures.per_kernel)}, {"per_inference", cost(figures.per_inference)}}},
              {"efficiency", efficiency}};
}

}  // namespace

Json runtime_json(const Runtime& runtime) {
  Json classes = Json::object();
  for (const auto& [device_class, figures] : runtime.classes) classes[device_class] = figures_json(figures);
  Json json{{"id", runtime.id},
            {"name", runtime.name},
            {"source", runtime.origin},
            {"fuse", fusion_pattern_names(runtime.fusion)},
            {"residency", runtime.residency},
            {"conv_algorithm", std::string(choice_name(kConvAlgorithms, runtime.conv_algorithm))}};
  json.update(figures_json(runtime.figures));
  json["classes"] = classes;
  return json;
}

// kAnalysisOptions in its order, then `fusion` (the patterns --fuse means under the runtime),
// then the rows written whole (the runtime record).
Json options_json(const Options& options, const ReportSettings& settings) {
  Json json = Json::object();
  for (const auto& option : kAnalysisOptions) {
    if (option.json == OptionJson::object) continue;
    std::visit([&](const auto& value) { json[std::string(option.key)] = value; }, option.value(options, settings));
  }
  json["fusion"] = fusion_pattern_names(fusion_set(options.fuse, options.runtime));
  for (const auto& option : kAnalysisOptions)
    if (option.json == OptionJson::object) json[std::string(option.key)] = runtime_json(options.runtime);
  return json;
}

// The DOM forms (compare's JSON, the report's totals) are the streamed text read back, so a
// record has one writer.
Json layer_json(const LayerCost& layer) {
  std::string text;
  append_fields(text, layer, &ReportField::layer, 0);
  return Json::parse(text);
}

Json totals_json(const Totals& totals) {
  std::string text;
  append_fields(text, totals, &ReportField::total, 0);
  return Json::parse(text);
}

void append_layer(std::string& out, const LayerCost& layer, int indent) {
  append_fields(out, layer, &ReportField::layer, indent);
}

}  // namespace convroof
