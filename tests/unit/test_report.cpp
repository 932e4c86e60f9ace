// The JSON report against the convroof.report/1 contract (docs/report.md), and the table's shape.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "convroof/analysis_options.hpp"
#include "convroof/fields.hpp"
#include "convroof/io.hpp"
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
// docs/report.md, the JSON contract ("" when it cannot be read).
std::string report_docs() {
  std::ifstream file(std::string(CONVROOF_SOURCE_DIR) + "/docs/report.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
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
  const std::string docs = report_docs();
  REQUIRE(!docs.empty());
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

// json_number lays out std::to_chars's shortest digits as nlohmann printed its own. Each string
// by hand from that layout (k digits, decimal point at n from the first): 0.1 (n = 0: "0." and
// the digit), 1e21 (n = 22 > 15: exponent form, two digits), 1e-7 (n = -6 <= -4: "1e-07"), 3.0
// (an integer: ".0"), 123456789012.0 (n = 12 <= 15), 1e15 (n = 16: exponent), 1e14 (n = 15:
// zeros), 0.0001 (n = -3), 1e-5 (n = -4: exponent), 2.5, -0.0, 1.5e300 (three exponent digits).
TEST_CASE("report: json_number writes the shortest round trip as nlohmann did", "[report]") {
  const std::vector<std::pair<double, std::string>> cases{
      {0.1, "0.1"},       {1e21, "1e+21"},
      {1e-7, "1e-07"},    {3.0, "3.0"},
      {123456789012.0, "123456789012.0"},
      {1e15, "1e+15"},    {1e14, "100000000000000.0"},
      {0.0001, "0.0001"}, {1e-5, "1e-05"},
      {2.5, "2.5"},       {-0.0, "-0.0"},
      {1.5e300, "1.5e+300"}, {-1234.5678, "-1234.5678"},
      {5e-324, "5e-324"}, {std::numeric_limits<double>::infinity(), "null"},
      {std::nan(""), "null"}};
  for (const auto& [value, text] : cases) {
    CAPTURE(value);
    CHECK(json_number(value) == text);
  }
  // And the same bytes as nlohmann's own dump for a spread of values (its Grisu2 digits are the
  // shortest for these; the layout is the same by construction).
  for (double value : {1.0 / 3, 2.0 / 3, 1e-300, 6.02214076e23, 299792458.0, 0.000123, 1234567890123456.0, 0.3}) {
    CAPTURE(value);
    CHECK(json_number(value) == nlohmann::json(value).dump());
  }
}

// kAnalysisOptions: one row per key, flag and options-line label, each with its help, named in
// the JSON contract (docs/report.md), and found by analysis_option().
TEST_CASE("analysis options: one row per key and flag, each documented and in docs/report.md", "[report][options]") {
  const std::string docs = report_docs();
  REQUIRE(!docs.empty());
  std::set<std::string_view> keys, flags, labels;
  for (const auto& option : kAnalysisOptions) {
    CAPTURE(option.key);
    CHECK(keys.insert(option.key).second);
    CHECK(flags.insert(option.flag).second);
    CHECK(option.flag.starts_with("--"));
    if (!option.label.empty()) CHECK(labels.insert(option.label).second);
    CHECK(!option.help.empty());
    CHECK(option.value);
    CHECK(option.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
    CHECK(docs.find("`" + std::string(option.key) + "`") != std::string::npos);
    CHECK(&analysis_option(option.key) == &option);
  }
  CHECK_THROWS_AS(analysis_option("no_such_option"), std::logic_error);
}

// Every row through the JSON writer and back through the report reader diff uses: options
// set away from their defaults (by hand: int8, batch 1 from the model, roofline, tiled, fuse
// none, to-dwsep, two --set echoes) come back as the same text, in the table's order, and the
// options line prints each labelled row ("transform" only because it is not "none").
TEST_CASE("analysis options: each row round-trips JSON -> report reader, and the options line", "[report][options]") {
  HardwareSpec hw = resolve_hardware("orin");
  Options options;
  options.precision = Precision::int8;
  options.time_model = TimeModel::roofline;
  options.traffic = Traffic::tiled;
  options.fuse = Fuse::none;
  AnalysisResult result = analyze(parse_layer_line("conv2d filters=8 kernel=3 input=8x8x3", std::nullopt), hw, options);
  result.settings.transform = Transform::to_dwsep;
  result.settings.overrides = {"bandwidth=100GB/s", "overhead=1us"};
  std::ostringstream out;
  render_json(result, out);
  const LoadedReport report = parse_report(out.str(), "r.json");
  const std::vector<std::pair<std::string, std::string>> expected{
      {"precision", "int8"}, {"batch", "1"},         {"time_model", "roofline"}, {"traffic", "tiled"},
      {"fuse", "none"},      {"transform", "to-dwsep"}, {"overrides", R"(["bandwidth=100GB/s","overhead=1us"])"}};
  CHECK(report.options == expected);
  std::vector<std::pair<std::string, std::string>> diffed;  // the same from the table itself
  for (const auto& option : kAnalysisOptions)
    if (option.diffed) diffed.emplace_back(option.key, "");
  REQUIRE(diffed.size() == report.options.size());
  for (std::size_t i = 0; i < diffed.size(); ++i) CHECK(report.options[i].first == diffed[i].first);
  // The JSON object: the table's keys in order, `fusion` before the runtime record.
  const auto json = nlohmann::ordered_json::parse(out.str())["options"];
  std::vector<std::string> json_keys;
  for (const auto& [key, value] : json.items()) json_keys.push_back(key);
  CHECK(json_keys == std::vector<std::string>{"precision", "batch", "time_model", "traffic", "fuse", "transform",
                                              "overrides", "fusion", "runtime"});
  CHECK(json["runtime"]["id"] == result.options.runtime.id);
  std::ostringstream table;
  render_table(result, table);
  CHECK(table.str().find(fmt::format("precision int8, batch 1, runtime {}, time model roofline, traffic tiled, fuse "
                                     "none, transform to-dwsep\n",
                                     result.options.runtime.id)) != std::string::npos);
  CHECK(table.str().find("what-if: --set overhead=1us\n") != std::string::npos);
}

// A row the command line applies by itself (`set`) lists its choices, and each choice set on a
// default Options reads back as that word (the JSON text); a word outside them is refused.
TEST_CASE("analysis options: each settable row's choices set and read back", "[report][options]") {
  int settable = 0;
  for (const auto& option : kAnalysisOptions) {
    CAPTURE(option.key);
    if (!option.set) continue;
    ++settable;
    REQUIRE(option.choices);
    REQUIRE(!option.choices().empty());
    for (const auto& [name, summary] : option.choices()) {
      CAPTURE(name);
      CHECK(!summary.empty());
      Options options;
      CHECK(option.set(options, name));
      CHECK(std::get<std::string>(option.value(options, ReportSettings{})) == name);
    }
    Options options;
    CHECK_FALSE(option.set(options, "no-such-value"));
  }
  CHECK(settable >= 2);  // traffic and fuse
}
