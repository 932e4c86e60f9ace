// The CSV and Markdown renderers of analyze and compare: the CSV reads back (RFC 4180) to
// the very numbers of the LayerCost records and of the JSON report; the Markdown tables
// have one row per layer, a cell per column, escaped names, and fold above 40 layers.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "convroof/compare.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"

using namespace convroof;

namespace {

using Csv = std::vector<std::vector<std::string>>;

// A tiny RFC 4180 reader: fields separated by commas, records by `\n`; a quoted field may
// hold commas, line breaks and doubled quotes. Every record must end with `\n`.
Csv parse_csv(const std::string& text) {
  Csv rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      REQUIRE(field.empty());  // a quote opens a field or is doubled inside a quoted one
      REQUIRE_FALSE(was_quoted);
      quoted = was_quoted = true;
    } else if (c == ',' || c == '\n') {
      row.push_back(field);
      field.clear();
      was_quoted = false;
      if (c == '\n') {
        rows.push_back(row);
        row.clear();
      }
    } else {
      REQUIRE_FALSE(was_quoted);  // nothing may follow a closing quote but a separator
      field += c;
    }
  }
  REQUIRE_FALSE(quoted);
  REQUIRE(row.empty());
  REQUIRE(field.empty());  // the last record ends with `\n`
  return rows;
}

// The analyze CSV's header, as docs/report.md lists it (read inside a test: parse_csv asserts).
const std::vector<std::string>& analyze_header() {
  static const std::vector<std::string> header =
      parse_csv(
          "index,name,op,kind,input_shape,output_shape,dtype,macs,flops,params,bytes_input,bytes_weights,bytes_output,"
          "bytes_total,intensity,time_memory_s,time_compute_s,time_overhead_s,time_total_s,time_roofline_s,"
          "time_iron_law_s,"
          "attainable_flops_per_s,utilization,bound,unit,roof_flops_per_s,memory_level,runs_in\n")
          .front();
  return header;
}

std::size_t column(const std::string& name) {
  auto it = std::find(analyze_header().begin(), analyze_header().end(), name);
  REQUIRE(it != analyze_header().end());
  return static_cast<std::size_t>(it - analyze_header().begin());
}

double as_double(const std::string& cell) {
  double value = 0;
  INFO("cell '" << cell << "'");
  REQUIRE(parse_double(cell, value));
  return value;
}

std::uint64_t as_integer(const std::string& cell) {
  INFO("cell '" << cell << "'");
  REQUIRE(!cell.empty());
  REQUIRE(cell.find_first_not_of("0123456789") == std::string::npos);  // an integer, not 1e+06
  return std::stoull(cell);
}

// 1 TFLOPS fp32, 100 GB/s, L = 5 us: round numbers for the hand-derived layer below.
const char* kSimple = R"(schema: convroof.hardware/1
id: simple
name: Simple test device
class: cpu
default_precision: fp32
units:
  main: {peak: {fp32: 1 TFLOPS}}
memory:
  - {name: dram, capacity: 1 GB, bandwidth: 100 GB/s}
overhead: 5 us
sources: ["round numbers for hand arithmetic"]
)";

// Names that need quoting in CSV (comma, quote) and escaping in Markdown (pipe, star).
const char* kOddNames = R"(schema: convroof.workload/1
name: odd names
input: {shape: [1, 8, 8, 4], layout: NHWC}
layers:
  - {name: 'conv, "3x3"', type: conv2d, filters: 8, kernel: 3, padding: same}
  - {name: 'a|b*c', type: relu}
)";

AnalysisResult analyze_builtin(const std::string& workload, const std::string& hw_id, Fuse fuse = Fuse::none) {
  HardwareSpec hw = resolve_hardware(hw_id);
  Options options;
  options.precision = hw.default_precision;
  options.fuse = fuse;
  return analyze(resolve_workload(workload, std::nullopt), hw, options);
}

AnalysisResult analyze_odd_names() {
  return analyze(parse_workload(kOddNames, "odd.yaml", std::nullopt), parse_hardware(kSimple, "simple.yaml"),
                 Options{});
}

template <typename Render>
std::string render(const AnalysisResult& result, Render renderer) {
  std::ostringstream out;
  renderer(result, out);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Pipes that separate cells: those not escaped with a backslash.
std::size_t cell_pipes(const std::string& line) {
  std::size_t pipes = 0;
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '\\')
      ++i;
    else if (line[i] == '|')
      ++pipes;
  return pipes;
}

std::vector<std::string> table_lines(const std::string& markdown) {
  std::vector<std::string> rows;
  for (const auto& line : lines_of(markdown))
    if (!line.empty() && line.front() == '|') rows.push_back(line);
  return rows;
}

// A model of `count` ReLUs in a row.
Model relu_chain(int count) {
  std::string text = "schema: convroof.workload/1\nname: chain\ninput: {shape: [1, 4, 4, 2]}\nlayers:\n";
  for (int i = 0; i < count; ++i) text += "  - {name: r" + std::to_string(i) + ", type: relu}\n";
  return parse_workload(text, "chain.yaml", std::nullopt);
}

}  // namespace

TEST_CASE("csv: a header, one row per layer and a total row, all the same width", "[formats][csv]") {
  AnalysisResult result = analyze_builtin("mobilenet_v1", "orin", Fuse::all);
  Csv rows = parse_csv(render(result, render_csv));
  REQUIRE(rows.size() == result.layers.size() + 2);
  CHECK(rows.front() == analyze_header());
  for (const auto& row : rows) CHECK(row.size() == analyze_header().size());
  const auto& total = rows.back();
  CHECK(total[column("index")].empty());
  CHECK(total[column("name")] == "total");
}

TEST_CASE("csv: every cell is the LayerCost field it names, the total row the Totals", "[formats][csv]") {
  for (const char* workload : {"mobilenet_v1", "resnet50"}) {
    AnalysisResult result = analyze_builtin(workload, "orin", Fuse::all);
    Csv rows = parse_csv(render(result, render_csv));
    REQUIRE(rows.size() == result.layers.size() + 2);
    for (std::size_t i = 0; i < result.layers.size(); ++i) {
      const LayerCost& layer = result.layers[i];
      const auto& row = rows[i + 1];
      INFO(workload << " layer " << layer.name);
      auto cell = [&](const char* name) { return row[column(name)]; };
      CHECK(as_integer(cell("index")) == static_cast<std::uint64_t>(layer.index));
      CHECK(cell("name") == layer.name);
      CHECK(cell("op") == layer_op_info(layer.op).name);
      CHECK(cell("kind") == op_class_name(layer.kind));
      CHECK(cell("output_shape") == shape_text(layer.output_shape));
      CHECK(cell("dtype") == precision_name(layer.dtype));
      CHECK(as_integer(cell("macs")) == layer.macs);
      CHECK(as_integer(cell("flops")) == layer.flops);
      CHECK(as_integer(cell("params")) == layer.params);
      CHECK(as_integer(cell("bytes_input")) == layer.bytes.input);
      CHECK(as_integer(cell("bytes_weights")) == layer.bytes.weights);
      CHECK(as_integer(cell("bytes_output")) == layer.bytes.output);
      CHECK(as_integer(cell("bytes_total")) == layer.bytes.total());
      // Doubles read back exactly: the shortest round-trip form.
      CHECK(as_double(cell("intensity")) == layer.intensity);
      CHECK(as_double(cell("time_memory_s")) == layer.time.memory);
      CHECK(as_double(cell("time_compute_s")) == layer.time.compute);
      CHECK(as_double(cell("time_overhead_s")) == layer.time.overhead);
      CHECK(as_double(cell("time_total_s")) == layer.time.total);
      CHECK(as_double(cell("time_roofline_s")) == layer.time.roofline);
      CHECK(as_double(cell("attainable_flops_per_s")) == layer.attainable_flops_per_s);
      CHECK(as_double(cell("utilization")) == layer.utilization);
      CHECK(cell("bound") == bound_name(layer.bound));
      CHECK(cell("unit") == layer.unit);
      CHECK(as_double(cell("roof_flops_per_s")) == layer.peak_flops_per_s * layer.efficiency);
      CHECK(cell("memory_level") == layer.memory_level);
      CHECK(cell("runs_in") == layer.runs_in);
    }
    const Totals& totals = result.totals;
    const auto& row = rows.back();
    auto cell = [&](const char* name) { return row[column(name)]; };
    CHECK(as_integer(cell("macs")) == totals.macs);
    CHECK(as_integer(cell("flops")) == totals.flops);
    CHECK(as_integer(cell("params")) == totals.params);
    CHECK(as_integer(cell("bytes_input")) == totals.bytes.input);
    CHECK(as_integer(cell("bytes_weights")) == totals.bytes.weights);
    CHECK(as_integer(cell("bytes_output")) == totals.bytes.output);
    CHECK(as_integer(cell("bytes_total")) == totals.bytes.total());
    CHECK(as_double(cell("intensity")) == totals.intensity);
    CHECK(as_double(cell("time_memory_s")) == totals.time.memory);
    CHECK(as_double(cell("time_compute_s")) == totals.time.compute);
    CHECK(as_double(cell("time_overhead_s")) == totals.time.overhead);
    CHECK(as_double(cell("time_total_s")) == totals.time.total);
    CHECK(as_double(cell("time_roofline_s")) == totals.time.roofline);
    CHECK(as_double(cell("attainable_flops_per_s")) == totals.attainable_flops_per_s);
    CHECK(as_double(cell("utilization")) == totals.utilization);
    CHECK(cell("bound") == bound_name(totals.bound));
    for (const char* empty : {"index", "op", "kind", "input_shape", "output_shape", "dtype", "unit", "roof_flops_per_s",
                              "memory_level", "runs_in"})
      CHECK(cell(empty).empty());
  }
}

TEST_CASE("csv: the cells equal the JSON report's fields", "[formats][csv]") {
  AnalysisResult result = analyze_builtin("mobilenet_v1", "ethos-u55-128");
  Csv rows = parse_csv(render(result, render_csv));
  nlohmann::json json = nlohmann::json::parse(render(result, render_json));
  const auto& layers = json["layers"];
  REQUIRE(rows.size() == layers.size() + 2);
  // CSV column -> JSON pointer inside a layer record (and inside totals where it exists).
  const std::vector<std::pair<std::string, std::string>> numbers{{"macs", "/macs"},
                                                                 {"flops", "/flops"},
                                                                 {"params", "/params"},
                                                                 {"bytes_input", "/bytes/input"},
                                                                 {"bytes_weights", "/bytes/weights"},
                                                                 {"bytes_output", "/bytes/output"},
                                                                 {"bytes_total", "/bytes/total"},
                                                                 {"intensity", "/intensity"},
                                                                 {"time_memory_s", "/time/memory"},
                                                                 {"time_compute_s", "/time/compute"},
                                                                 {"time_overhead_s", "/time/overhead"},
                                                                 {"time_total_s", "/time/total"},
                                                                 {"time_roofline_s", "/time/roofline"},
                                                                 {"time_iron_law_s", "/time/iron_law"},
                                                                 {"attainable_flops_per_s", "/attainable_flops_per_s"},
                                                                 {"utilization", "/utilization"}};
  const std::vector<std::pair<std::string, std::string>> layer_only{{"roof_flops_per_s", "/roof_flops_per_s"},
                                                                    {"index", "/index"}};
  const std::vector<std::string> texts{"name", "op", "kind", "dtype", "bound", "unit", "memory_level", "runs_in"};
  auto shape_of = [](const nlohmann::json& shape) {
    std::string text;
    for (const auto& dim : shape) text += (text.empty() ? "" : "x") + std::to_string(dim.get<std::int64_t>());
    return text;
  };
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& layer = layers[i];
    const auto& row = rows[i + 1];
    INFO("layer " << layer["name"]);
    for (const auto& [name, pointer] : numbers)
      CHECK(as_double(row[column(name)]) == layer.at(nlohmann::json::json_pointer(pointer)).get<double>());
    for (const auto& [name, pointer] : layer_only)
      CHECK(as_double(row[column(name)]) == layer.at(nlohmann::json::json_pointer(pointer)).get<double>());
    for (const auto& name : texts) CHECK(row[column(name)] == layer[name].get<std::string>());
    std::string inputs;
    for (const auto& shape : layer["input_shapes"]) inputs += (inputs.empty() ? "" : ";") + shape_of(shape);
    CHECK(row[column("input_shape")] == inputs);
    CHECK(row[column("output_shape")] == shape_of(layer["output_shape"]));
  }
  for (const auto& [name, pointer] : numbers)
    CHECK(as_double(rows.back()[column(name)]) ==
          json["totals"].at(nlohmann::json::json_pointer(pointer)).get<double>());
  CHECK(rows.back()[column("bound")] == json["totals"]["bound"].get<std::string>());
}

TEST_CASE("csv: a hand-derived layer, a quoted name and joined input shapes", "[formats][csv]") {
  AnalysisResult result = analyze_odd_names();
  std::string text = render(result, render_csv);
  // The comma and the quotes make the field quoted, its quotes doubled (RFC 4180).
  CHECK_THAT(text, Catch::Contains("\n0,\"conv, \"\"3x3\"\"\",conv2d,standard,1x8x8x4,1x8x8x8,fp32,"));
  Csv rows = parse_csv(text);
  REQUIRE(rows.size() == 4);
  const auto& conv = rows[1];
  auto cell = [&](const char* name) { return conv[column(name)]; };
  CHECK(cell("name") == "conv, \"3x3\"");
  // 3x3 conv, same padding, 8x8x4 -> 8x8x8, fp32 (4 B), no bias:
  //   MACs = H·W·K·K·C·F = 8·8·3·3·4·8 = 18,432; FLOPs = 2·MACs = 36,864; params = 3·3·4·8 = 288
  //   bytes: input 8·8·4·4 = 1,024; weights 288·4 = 1,152; output 8·8·8·4 = 2,048; total 4,224
  //   T_mem = 4,224 B / 100 GB/s = 42.24 ns; T_comp = 36,864 / 1 TFLOPS = 36.864 ns; L = 5 us
  //   T = 5.07910 us, roofline 42.24 ns + 5 us = 5.04224 us; overhead-bound; I = 36,864 / 4,224
  CHECK(cell("macs") == "18432");
  CHECK(cell("flops") == "36864");
  CHECK(cell("params") == "288");
  CHECK(cell("bytes_input") == "1024");
  CHECK(cell("bytes_weights") == "1152");
  CHECK(cell("bytes_output") == "2048");
  CHECK(cell("bytes_total") == "4224");
  CHECK(as_double(cell("time_memory_s")) == Approx(42.24e-9));
  CHECK(as_double(cell("time_compute_s")) == Approx(36.864e-9));
  CHECK(as_double(cell("time_overhead_s")) == Approx(5e-6));
  CHECK(as_double(cell("time_total_s")) == Approx(5.07910e-6));
  CHECK(as_double(cell("time_roofline_s")) == Approx(5.04224e-6));
  CHECK(as_double(cell("intensity")) == Approx(36864.0 / 4224.0));
  CHECK(cell("bound") == "overhead");
  CHECK(cell("unit") == "main");
  CHECK(cell("roof_flops_per_s") == "1000000000000");
  CHECK(cell("memory_level") == "dram");
  // The relu reads the conv's output; a model's add reads two inputs, joined with ';'.
  CHECK(rows[2][column("name")] == "a|b*c");
  CHECK(rows[2][column("input_shape")] == "1x8x8x8");
  Model branch = parse_workload(R"(schema: convroof.workload/1
name: branch
input: {shape: [1, 2, 2, 3]}
layers:
  - {name: r, type: relu}
  - {name: sum, type: add, inputs: [r, input]}
)",
                                "branch.yaml", std::nullopt);
  Csv branch_rows = parse_csv(render(analyze(branch, parse_hardware(kSimple, "simple.yaml"), Options{}), render_csv));
  CHECK(branch_rows[2][column("input_shape")] == "1x2x2x3;1x2x2x3");
}

TEST_CASE("csv: output is deterministic", "[formats][csv]") {
  CHECK(render(analyze_builtin("resnet50", "h100"), render_csv) ==
        render(analyze_builtin("resnet50", "h100"), render_csv));
}

TEST_CASE("markdown: heading, summary, one table row per layer, a cell per column", "[formats][markdown]") {
  AnalysisResult result = analyze_builtin("blog_dwsep", "v100");
  std::string text = render(result, render_markdown);
  CHECK_THAT(text, Catch::StartsWith("### convroof: blog_dwsep on v100\n"));
  CHECK_THAT(text, Catch::Contains("- **Time:** ") && Catch::Contains("-bound"));
  CHECK_THAT(text, Catch::Contains("- **Memory:** ") && Catch::Contains("fits"));
  CHECK_THAT(text, Catch::Contains("- **Options:** precision fp16"));
  CHECK_THAT(text, !Catch::Contains("<details>"));
  std::vector<std::string> rows = table_lines(text);
  // header, delimiter, the layers, the total
  REQUIRE(rows.size() == result.layers.size() + 3);
  for (const auto& row : rows) CHECK(cell_pipes(row) == 15);  // 14 columns
  CHECK(rows[0] ==
        "| # | layer | kind | output | MACs | FLOPs | bytes | FLOP/B | roof | T_mem | T_comp | L | T | bound |");
  CHECK(rows[1] == "|---:|:---|:---|:---|---:|---:|---:|---:|:---|---:|---:|---:|---:|:---|");
  CHECK_THAT(rows[2], Catch::StartsWith("| 0 | " + result.layers[0].name + " | depthwise | 1x224x224x128 | "));
  CHECK_THAT(rows.back(), Catch::StartsWith("|  | **total** |  |  | " +
                                            format_count(static_cast<double>(result.totals.macs)) + " | "));
}

TEST_CASE("markdown: names are escaped, notes and the fusion legend listed", "[formats][markdown]") {
  std::string text = render(analyze_odd_names(), render_markdown);
  CHECK_THAT(text, Catch::StartsWith("### convroof: odd names on simple\n"));
  CHECK_THAT(text, Catch::Contains("| 1 | a\\|b\\*c | activation | "));
  for (const auto& row : table_lines(text)) CHECK(cell_pipes(row) == 15);
  std::string fused = render(analyze_builtin("mobilenet_v1", "orin", Fuse::all), render_markdown);
  CHECK_THAT(fused, Catch::Contains("**Notes**\n\n- Fusion: a name marked '+ ' runs inside"));
  CHECK_THAT(fused, Catch::Contains(" | + "));  // a fused layer's mark, as in the table
}

TEST_CASE("markdown: a layer table longer than 40 rows is folded into <details>", "[formats][markdown]") {
  HardwareSpec hw = parse_hardware(kSimple, "simple.yaml");
  std::string forty = render(analyze(relu_chain(40), hw, Options{}), render_markdown);
  CHECK_THAT(forty, !Catch::Contains("<details>"));
  CHECK(table_lines(forty).size() == 43);
  std::string many = render(analyze(relu_chain(41), hw, Options{}), render_markdown);
  CHECK_THAT(many, Catch::Contains("\n<details><summary>41 layers</summary>\n\n| # | layer |"));
  CHECK_THAT(many, Catch::EndsWith("\n\n</details>\n"));
  CHECK(table_lines(many).size() == 44);
}

TEST_CASE("compare csv: one row per block and hardware with the comparison's numbers", "[formats][csv][compare]") {
  Model conv = resolve_workload("blog_conv", std::nullopt);
  std::vector<Target> targets;
  for (const char* id : {"v100", "orin"}) {
    HardwareSpec hw = resolve_hardware(id);
    Options options;
    options.precision = hw.default_precision;
    targets.push_back(Target{hw, options});
  }
  targets.back().options.time_model = TimeModel::roofline;
  Comparison comparison = compare(conv, targets);
  std::ostringstream out;
  render_compare_csv(comparison, out);
  Csv rows = parse_csv(out.str());
  const std::vector<std::string> header{"block",        "label",       "direction",    "hardware",    "precision",
                                        "time_model",   "before",      "after",        "macs_before", "macs_after",
                                        "flops_before", "flops_after", "bytes_before", "bytes_after", "time_before_s",
                                        "time_after_s", "macs_ratio",  "flops_ratio",  "bytes_ratio", "time_ratio",
                                        "bound_before", "bound_after", "because",     "fits_before", "fits_after",
                                        "capacity_ratio_before", "capacity_ratio_after", "winner", "flips_under"};
  // The header, a row per block and hardware, then a `total` row per hardware.
  REQUIRE(comparison.totals.size() == targets.size());
  REQUIRE(rows.size() == 1 + comparison.blocks.size() + comparison.totals.size());
  CHECK(rows.front() == header);
  auto at = [&](const std::vector<std::string>& row, const char* name) {
    return row[static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin())];
  };
  for (std::size_t r = 0; r < comparison.blocks.size(); ++r) {
    const BlockComparison& block = comparison.blocks[r];
    const auto& row = rows[r + 1];
    const TimeModel model = targets[block.target].options.time_model;
    INFO(targets[block.target].hardware.id);
    REQUIRE(row.size() == header.size());
    CHECK(at(row, "block") == "1");
    CHECK(at(row, "label") == comparison.pairs[block.pair].label);  // holds commas: quoted
    CHECK(at(row, "direction") == "to-dwsep");
    CHECK(at(row, "hardware") == targets[block.target].hardware.id);
    CHECK(at(row, "time_model") == time_model_name(model));
    CHECK(at(row, "before") == "conv");
    std::string after;
    for (const auto& layer : block.after.layers) after += (after.empty() ? "" : "+") + layer.name;
    CHECK(at(row, "after") == after);
    CHECK(as_integer(at(row, "macs_before")) == block.before.totals.macs);
    CHECK(as_integer(at(row, "macs_after")) == block.after.totals.macs);
    CHECK(as_integer(at(row, "flops_before")) == block.before.totals.flops);
    CHECK(as_integer(at(row, "bytes_after")) == block.after.totals.bytes.total());
    CHECK(as_double(at(row, "time_before_s")) == chosen_time(block.before.totals.time, model));
    CHECK(as_double(at(row, "time_after_s")) == chosen_time(block.after.totals.time, model));
    CHECK(as_double(at(row, "macs_ratio")) == block.macs_ratio);
    CHECK(as_double(at(row, "flops_ratio")) == block.flops_ratio);
    CHECK(as_double(at(row, "bytes_ratio")) == block.bytes_ratio);
    CHECK(as_double(at(row, "time_ratio")) == block.time_ratio);
    CHECK(at(row, "bound_before") == bound_name(block.before.totals.bound));
    CHECK(at(row, "bound_after") == bound_name(block.after.totals.bound));
    CHECK(at(row, "because") == because_text(block));
    CHECK(at(row, "winner") == "separable");  // 8.4x fewer FLOPs win on each of these
    CHECK(at(row, "fits_before") == "true");   // 3.2 MB of activations in 16 and 64 GB
    CHECK(as_double(at(row, "capacity_ratio_after")) == block.after.totals.capacity_ratio);
    CHECK(at(row, "flips_under") == flips_text(block.winner, block.depends_on));
  }
  // blog_conv is one conv: its whole-model rows are its block's, standard "before", separable "after".
  for (std::size_t t = 0; t < comparison.totals.size(); ++t) {
    const ModelVerdict& verdict = comparison.totals[t];
    const BlockComparison& block = comparison.blocks[t];
    const auto& row = rows[1 + comparison.blocks.size() + t];
    REQUIRE(row.size() == header.size());
    CHECK(at(row, "block") == "total");
    CHECK(at(row, "label") == "blog_conv");
    CHECK(at(row, "direction") == "whole-model");
    CHECK(at(row, "hardware") == targets[verdict.target].hardware.id);
    CHECK(at(row, "before") == "standard");
    CHECK(at(row, "after") == "separable");
    CHECK(as_integer(at(row, "macs_before")) == block.before.totals.macs);
    CHECK(as_integer(at(row, "macs_after")) == block.after.totals.macs);
    CHECK(as_double(at(row, "time_ratio")) == Approx(block.time_ratio));
    CHECK(at(row, "because") == verdict_text(verdict));
    CHECK(at(row, "winner") == choice_name(kWinners, block.winner));
  }
}

TEST_CASE("compare markdown: per block a table with a row per hardware and the reasons",
          "[formats][markdown][compare]") {
  std::vector<Target> targets;
  for (const char* id : {"v100", "orin", "ethos-u55-128"}) {
    HardwareSpec hw = resolve_hardware(id);
    Options options;
    options.precision = hw.default_precision;
    targets.push_back(Target{hw, options});
  }
  Comparison comparison = compare(resolve_workload("mobilenet_v1", std::nullopt), targets);
  REQUIRE(comparison.pairs.size() > 1);
  std::ostringstream out;
  render_compare_markdown(comparison, out);
  std::string text = out.str();
  CHECK_THAT(text, Catch::StartsWith("### convroof compare: mobilenet_v1\n"));
  std::vector<std::string> rows = table_lines(text);
  // The whole model's table and one per block: header, delimiter, one row per hardware.
  CHECK(rows.size() == (comparison.pairs.size() + 1) * (targets.size() + 2));
  for (const auto& row : rows) CHECK(cell_pipes(row) == 8);  // 7 columns
  CHECK_THAT(text, Catch::Contains("\n| hardware | prec | standard | separable | MACs | time | verdict |\n"
                                   "|:---|:---|---:|---:|---:|---:|:---|\n| v100 | "));
  CHECK_THAT(text, Catch::Contains("\n#### [1] " + comparison.pairs[0].label + ": "));
  CHECK_THAT(text, Catch::Contains("\n| hardware | prec | MACs | bytes | time | before | after |\n"
                                   "|:---|:---|---:|---:|---:|:---|:---|\n| v100 | "));
  std::size_t reasons = 0;
  for (const auto& line : lines_of(text)) reasons += line.rfind("- **", 0) == 0;
  CHECK(reasons == comparison.blocks.size());
  CHECK_THAT(text, Catch::Contains("- **v100:** " + because_text(comparison.blocks.front()) + ".\n"));
}
