// The JSON report against the convroof.report/1 contract (docs/report.md), and the table's shape.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "convroof/fields.hpp"
#include "convroof/report.hpp"

using namespace convroof;

namespace {
std::string json_of(const std::string& workload, const std::string& hw_id) {
  HardwareSpec hw = resolve_hardware(hw_id);
  Options options;
  options.precision = hw.default_precision;
  std::ostringstream out;
  render_json(analyze(resolve_workload(workload, std::nullopt), hw, options), out);
  return out.str();
}
void require_keys(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    CAPTURE(key);
    CHECK(object.contains(key));
  }
}
}  // namespace

TEST_CASE("report: resnet50 on h100 has every convroof.report/1 field", "[report]") {
  std::string text = json_of("resnet50", "h100");
  nlohmann::json report = nlohmann::json::parse(text);
  CHECK(report["schema"] == "convroof.report/1");
  CHECK(report["tool"]["name"] == "convroof");
  CHECK(report["tool"]["version"].is_string());
  CHECK(report["hardware"]["id"] == "h100");
  require_keys(report["hardware"], {"id", "name", "peak_flops_per_s", "bandwidth_bytes_per_s"});
  CHECK(report["model"]["name"] == "resnet50");
  require_keys(report["model"], {"name", "source"});
  require_keys(report["options"], {"precision", "batch", "time_model", "traffic", "fuse"});
  CHECK(report["options"]["precision"] == "fp16");
  CHECK(report["options"]["time_model"] == "iron-law");
  REQUIRE(report["layers"].is_array());
  REQUIRE(!report["layers"].empty());
  const std::set<std::string> kinds{"standard", "depthwise",  "pointwise", "grouped", "dense", "pool",
                                    "norm",     "activation", "eltwise",   "reshape", "lumped"};
  int index = 0;
  for (const auto& layer : report["layers"]) {
    require_keys(layer, {"index", "name", "op", "kind", "input_shape", "output_shape", "dtype", "macs", "flops",
                         "params", "bytes", "intensity", "time", "attainable_flops_per_s", "utilization", "bound"});
    CHECK(layer["index"] == index++);
    CHECK(kinds.count(layer["kind"].get<std::string>()) == 1);
    require_keys(layer["bytes"], {"input", "weights", "output", "total"});
    require_keys(layer["time"], {"memory", "compute", "overhead", "total", "roofline"});
    CHECK(layer["macs"].is_number_unsigned());
    CHECK(layer["time"]["total"].is_number_float());
    std::string bound = layer["bound"];
    CHECK((bound == "memory" || bound == "compute" || bound == "overhead" || bound == "none"));
  }
  const auto& totals = report["totals"];
  require_keys(totals,
               {"macs", "flops", "params", "bytes", "time", "bound", "peak_memory_bytes", "fits", "capacity_ratio"});
  CHECK(totals["fits"] == true);
  // ResNet-50 params counted by hand: 25,557,032 (see test_seeds.cpp).
  CHECK(totals["params"] == 25'557'032);
}

TEST_CASE("report: JSON is deterministic", "[report]") {
  CHECK(json_of("mobilenet_v1", "orin") == json_of("mobilenet_v1", "orin"));
}

TEST_CASE("report: the table has a header, one row per layer, a totals row and a summary", "[report]") {
  HardwareSpec hw = resolve_hardware("orin");
  Options options;
  options.precision = hw.default_precision;
  AnalysisResult result = analyze(resolve_workload("blog_dwsep", std::nullopt), hw, options);
  std::ostringstream out;
  render_table(result, out);
  std::string table = out.str();
  CHECK_THAT(table, Catch::Contains("T_mem") && Catch::Contains("T_comp") && Catch::Contains("bound"));
  CHECK_THAT(table, Catch::Contains("\n   total ") || Catch::Contains(" total "));
  CHECK_THAT(table, Catch::Contains("Summary: blog_dwsep"));
  CHECK_THAT(table, Catch::Contains("-bound"));
  std::size_t rows = 0;
  for (const auto& layer : result.layers) rows += table.find(layer.name) != std::string::npos;
  CHECK(rows == result.layers.size());
}

// The field table (convroof/fields.hpp) is what every format reads: each path once, documented,
// readable from a layer or the totals, nested one dot deep, and each CSV column named once.
TEST_CASE("report fields: one row per path, each documented, with a getter and a unique CSV column", "[report]") {
  std::set<std::string_view> paths, columns;
  for (const auto& field : kReportFields) {
    CAPTURE(field.path);
    CHECK(paths.insert(field.path).second);
    CHECK(!field.doc.empty());
    CHECK((field.layer || field.total));
    CHECK(field.path.find('.') == field.path.rfind('.'));  // the JSON writer nests one level
    // ... and writes the keys unescaped: lowercase ASCII, digits, '_' and the one '.'.
    CHECK(field.path.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") == std::string_view::npos);
    if (!field.csv.empty()) CHECK(columns.insert(field.csv).second);
    CHECK(&report_field(field.path) == &field);
  }
  CHECK_THROWS_AS(report_field("no.such.field"), std::logic_error);
}

// Every field is named in the JSON contract, docs/report.md (by its path, or its last part
// where the page lists a group's members).
TEST_CASE("report fields: docs/report.md names every field", "[report]") {
  std::ifstream file(std::string(CONVROOF_SOURCE_DIR) + "/docs/report.md");
  REQUIRE(file);
  std::stringstream text;
  text << file.rdbuf();
  const std::string docs = text.str();
  for (const auto& field : kReportFields) {
    CAPTURE(field.path);
    const std::string_view last = field.path.substr(field.path.rfind('.') + 1);
    CHECK((docs.find("`" + std::string(field.path) + "`") != std::string::npos ||
           docs.find(std::string(last)) != std::string::npos));
  }
}

// One hand-made layer through every reader of the table. bytes: input 1000 + weights 200 +
// output 30 = 1230 (bytes.total, a getter, not a member); time 1 us + 2 us + 3 us.
TEST_CASE("report fields: one layer as JSON (nested), CSV (flattened) and the table (human units)", "[report]") {
  AnalysisResult result;
  result.hardware = resolve_hardware("v100");
  LayerCost layer;
  layer.index = 4;
  layer.name = "c";
  layer.runs_in = "c";
  layer.op = LayerOp::conv2d;
  layer.kind = OpClass::standard;
  layer.output_shape = {1, 2, 3, 4};
  layer.macs = 5;
  layer.bytes = ByteCounts{1000, 200, 30};
  layer.time = TimeTerms{1e-6, 2e-6, 3e-6, 6e-6, 5e-6};
  layer.bound = Bound::overhead;
  layer.unit = "cuda";
  layer.peak_flops_per_s = 2e12;
  layer.efficiency = 0.5;
  result.layers.push_back(layer);
  result.totals.bytes = layer.bytes;

  std::ostringstream json_text;
  render_json(result, json_text);
  const auto json = nlohmann::json::parse(json_text.str());
  const auto& first = json["layers"][0];
  CHECK(first["bytes"]["total"] == 1230);
  CHECK(first["bytes"]["weights"] == 200);
  CHECK(first["time"]["overhead"] == 3e-6);
  CHECK(first["roof_flops_per_s"] == 1e12);  // R·η = 2e12 · 0.5
  CHECK(first["output_shape"] == nlohmann::json::array({1, 2, 3, 4}));
  CHECK(first["input_shape"] == nlohmann::json::array());
  CHECK(first["mac_array"].is_null());
  CHECK_FALSE(first.contains("source_op"));  // empty: left out
  CHECK(json["totals"]["bytes"]["total"] == 1230);
  CHECK_FALSE(json["totals"].contains("index"));

  std::ostringstream csv;
  render_csv(result, csv);
  const std::string rows = csv.str();
  CHECK(rows.find(",bytes_input,bytes_weights,bytes_output,bytes_total,") != std::string::npos);
  CHECK(rows.find("4,c,conv2d,standard,,1x2x3x4,fp32,5,0,0,1000,200,30,1230,") != std::string::npos);
  CHECK(rows.find("\n,total,,,,,,0,0,0,1000,200,30,1230,") != std::string::npos);

  std::ostringstream table;
  render_table(result, table);
  CHECK(table.str().find("cuda 1.000 TFLOP/s") != std::string::npos);
  CHECK(table.str().find("1.230 KB") != std::string::npos);
}

// render_json streams the layer records instead of building them as nlohmann objects; what it
// writes must still be exactly nlohmann's dump(2) of the same document (parse it and dump it
// again: the same bytes), with the MAC-array records of an NPU, an ONNX model's shapes and
// unmodeled ops, and layer names that need escaping. The goldens check the content.
TEST_CASE("report: the streamed JSON is nlohmann's dump of the same document, byte for byte", "[report]") {
  const std::string source = std::string(CONVROOF_SOURCE_DIR) + "/tests/fixtures/onnx/";
  for (const auto& [workload, hw] : std::vector<std::pair<std::string, std::string>>{
           {"mobilenet_v1", "orin"},
           {"u55_dwsep", "ethos-u55-128"},
           {source + "unmodeled.onnx", "orin"},
           {source + "standard_ops.onnx", "cortex-m7"},
           {"blog_conv", "v100"}}) {
    INFO(workload << " on " << hw);
    const std::string text = json_of(workload, hw);
    CHECK(nlohmann::ordered_json::parse(text).dump(2) + "\n" == text);
  }
  std::ostringstream out;
  Model model = parse_layer_line("conv2d filters=8 kernel=3 input=8x8x3", std::nullopt);
  model.layers.front().name = "tab\there \"quoted\" back\\slash \x01 caf\xc3\xa9";
  render_json(analyze(model, resolve_hardware("orin"), Options{}), out);
  CHECK(nlohmann::ordered_json::parse(out.str()).dump(2) + "\n" == out.str());
  CHECK(out.str().find(R"("tab\there \"quoted\" back\\slash \u0001 café")") != std::string::npos);
}
