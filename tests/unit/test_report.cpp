// The JSON report against the convroof.report/1 contract (docs/report.md), and the table's shape.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

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
