// Loaders: what a valid file turns into, and where an invalid one is reported.
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"
#include "convroof/hardware.hpp"
#include "convroof/model.hpp"
#include "yaml_reader.hpp"

using namespace convroof;

namespace {
std::string error_of_hw(const std::string& text) {
  try {
    parse_hardware(text, "hw.yaml");
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}
std::string error_of_workload(const std::string& text) {
  try {
    parse_workload(text, "w.yaml", std::nullopt);
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}
std::string error_of_line(const std::string& line) {
  try {
    parse_layer_line(line, std::nullopt);
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}
const std::string kHwHead = "schema: convroof.hardware/1\nid: t\nname: T\nclass: cpu\ndefault_precision: fp32\n";
const std::string kHwTail =
    "memory:\n  - {name: dram, capacity: 1 GB, bandwidth: 10 GB/s}\noverhead: 1 us\nsources: [x]\n";
const std::string kWorkloadHead = "schema: convroof.workload/1\nname: w\ninput: {shape: [1, 8, 8, 4]}\nlayers:\n";
}  // namespace

TEST_CASE("hardware loader: shorthand peak, per-cycle peaks, clock", "[loaders]") {
  HardwareSpec hw = parse_hardware(kHwHead + "peak: {fp32: 2 TFLOPS}\n" + kHwTail, "hw.yaml");
  REQUIRE(hw.units.size() == 1);
  CHECK(hw.units[0].name == "main");
  CHECK(hw.units[0].peak_flops_per_s.at(Precision::fp32) == 2e12);
  CHECK(hw.overhead_s == Approx(1e-6));
  // 2 MAC/cycle at 480 MHz = 1.92 GFLOP/s (the Cortex-M7's SMLAD figure).
  HardwareSpec mcu = parse_hardware(kHwHead + "clock: 480 MHz\npeak: {fp32: 2 MAC/cycle}\n" + kHwTail, "hw.yaml");
  CHECK(mcu.units[0].peak_flops_per_s.at(Precision::fp32) == Approx(1.92e9));
}

TEST_CASE("hardware loader: errors point at the offending key or value", "[loaders]") {
  // line 6 is the `peak:` line; "5 TFLOPs" starts at column 14.
  CHECK(error_of_hw(kHwHead + "peak: {fp32: 5 TFLOPs}\n" + kHwTail) ==
        "hw.yaml:6:14: error: unknown unit 'TFLOPs' in '5 TFLOPs' (did you mean 'TFLOPS'?); expected a rate "
        "(TFLOPS, GFLOPS, TOPS, GOPS, …) or a per-cycle rate (MAC/cycle, FLOP/cycle, OP/cycle)");
  CHECK_THAT(
      error_of_hw(kHwHead + "peak: {fp32: 5 TFLOPS}\nbandwith: 3\n" + kHwTail),
      Catch::StartsWith("hw.yaml:7:1: error: unknown key 'bandwith' in hardware spec (did you mean 'bandwidth'?)") ||
          Catch::Contains("unknown key 'bandwith'"));
  CHECK_THAT(error_of_hw(kHwHead + "clock: 1 GHz\npeak: {fp32: 5 TFLOPS}\nmemory:\n  - {name: dram, capacity: 1 GB}\n"
                                   "overhead: 1 us\nsources: [x]\n"),
             Catch::StartsWith("hw.yaml:9:5: error: the outermost memory level 'dram' needs a 'bandwidth'"));
  CHECK_THAT(error_of_hw(kHwHead + "peak: {fp32: 1 MAC/cycle}\n" + kHwTail),
             Catch::StartsWith("hw.yaml:6:14: error: peak '1 MAC/cycle' is per cycle, but the spec has no 'clock'"));
  CHECK_THAT(error_of_hw(kHwHead + "peak: {fp64: 1 TFLOPS}\n" + kHwTail),
             Catch::StartsWith("hw.yaml:6:8: error: unknown key 'fp64'"));
  CHECK_THAT(error_of_hw(kHwHead + "units:\n  a: {peak: {fp32: 1 TFLOPS}}\nrouting: {depthwise: b}\n" + kHwTail),
             Catch::StartsWith("hw.yaml:8:22: error: routing of 'depthwise' names unknown unit 'b'"));
  CHECK_THAT(error_of_hw(kHwHead + "peak: {fp32: 1 TFLOPS}\nefficiency: {default: 1.5}\n" + kHwTail),
             Catch::StartsWith("hw.yaml:7:23: error: efficiency '1.5' must be in (0, 1]"));
  CHECK_THAT(error_of_hw("schema: convroof.hardware/2\n"), Catch::StartsWith("hw.yaml:1:9: error: unsupported schema"));
  CHECK_THAT(error_of_hw("schema: [unclosed\n"), Catch::StartsWith("hw.yaml:2:1: error: YAML syntax"));
}

TEST_CASE("hardware: built-in ids resolve, unknown ids list them", "[loaders]") {
  auto ids = builtin_hardware_ids();
  for (const char* id : {"h100", "orin", "orin-nx", "cortex-m7", "ethos-u55-128", "ethos-u55-256", "v100", "a100",
                         "tpu-v2", "xeon-e5-2698v4", "rpi5"}) {
    CAPTURE(id);
    CHECK(std::find(ids.begin(), ids.end(), id) != ids.end());
    HardwareSpec hw = resolve_hardware(id);
    CHECK(hw.id == id);
    CHECK(!hw.sources.empty());
    // every built-in can run each op class at its default precision
    for (const auto& info : kOpClasses) CHECK_NOTHROW(hw.unit_for(info.op_class, hw.default_precision));
  }
  CHECK_THROWS_WITH(resolve_hardware("orn"), Catch::Contains("did you mean 'orin'") && Catch::Contains("h100"));
}

TEST_CASE("workload loader: errors name file, line, column and both layers", "[loaders]") {
  // line 5: the first layer; `filtrs` is at column 33.
  CHECK(error_of_workload(kWorkloadHead + "  - {name: c, type: conv2d, filtrs: 8, kernel: 3}\n") ==
        "w.yaml:5:29: error: unknown key 'filtrs' for a conv2d layer (did you mean 'filters'?); valid keys: name, "
        "type, inputs, dtype, repeat, filters, kernel, stride, padding, dilation, groups, bias");
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: c, type: conv2, filters: 8, kernel: 3}\n"),
             Catch::StartsWith("w.yaml:5:21: error: unknown layer kind 'conv2' (did you mean 'conv2d'?)"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: c, type: conv2d, kernel: 3}\n"),
             Catch::StartsWith("w.yaml:5:5: error: layer 'c' is missing required key 'filters'"));
  CHECK_THAT(error_of_workload(
                 kWorkloadHead +
                 "  - {name: p, type: maxpool, kernel: 2}\n  - {name: c, type: conv2d, filters: 8, kernel: 5}\n"),
             Catch::StartsWith("w.yaml:6:5: error: layer 'c' (conv2d): kernel 5 (dilated 5) is larger than the padded "
                               "input height 4 from layer 'p'"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: c, type: conv2d, filters: 8, kernel: 1, groups: 3}\n"),
             Catch::Contains("groups 3 does not divide the 4 input channels from layer 'input'"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: a, type: conv2d, filters: 8, kernel: 1}\n"
                                               "  - {name: s, type: add, inputs: [a, input]}\n"),
             Catch::StartsWith("w.yaml:6:5: error: layer 's' (add): input 'a' has shape 1x8x8x8 but input 'input' has "
                               "shape 1x8x8x4"));
  CHECK_THAT(error_of_workload(kWorkloadHead +
                               "  - {name: s, type: add, inputs: [later, input]}\n  - {name: later, type: relu}\n"),
             Catch::StartsWith("w.yaml:5:35: error: layer 's' takes input from unknown layer 'later'"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: r, type: relu}\n  - {name: r, type: relu}\n"),
             Catch::StartsWith("w.yaml:6:5: error: duplicate layer name 'r' (first defined at line 5)"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: c, type: conv2d, filters: 8, kernel: 0}\n"),
             Catch::StartsWith("w.yaml:5:49: error: 'kernel' must be between 1 and"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: c, type: conv2d, filters: -8, kernel: 1}\n"),
             Catch::StartsWith("w.yaml:5:38: error: 'filters' must be between 1 and"));
  CHECK_THAT(error_of_workload(kWorkloadHead + "  - {name: c, type: relu, dtype: int4}\n"),
             Catch::StartsWith("w.yaml:5:34: error: unknown dtype 'int4'"));
  CHECK_THAT(error_of_workload("schema: convroof.workload/1\nname: w\nlayers:\n  - {type: relu}\n"),
             Catch::Contains("needs an input shape, but the workload has no 'input'"));
}

TEST_CASE("one-line layers: errors give the column in the --layer string", "[loaders]") {
  CHECK(error_of_line("conv2d filters=8 kernal=3 input=8x8x4") ==
        "--layer:1:18: error: unknown key 'kernal' for a conv2d layer (did you mean 'kernel'?); valid keys: name, "
        "type, inputs, dtype, repeat, filters, kernel, stride, padding, dilation, groups, bias");
  CHECK_THAT(error_of_line("conv2d filters=8 kernel=3 input=8x8"),
             Catch::StartsWith("--layer:1:33: error: 'input' must be"));
  CHECK_THAT(error_of_line("conv2d filters=x kernel=3 input=8x8x4"),
             Catch::StartsWith("--layer:1:16: error: 'filters' must be an integer"));
  CHECK_THAT(error_of_line("filters=8"),
             Catch::StartsWith("--layer:1:1: error: the one-line form starts with the layer kind"));
  Model lumped = parse_layer_line("lumped flops=4GFLOP bytes=100MB", std::nullopt);
  CHECK(lumped.layers.front().lumped_flops == 4'000'000'000ULL);
  CHECK(lumped.layers.front().lumped_bytes == 100'000'000ULL);
  CHECK(lumped.layers.front().lumped_footprint == 100'000'000ULL);
}

TEST_CASE("kinds: a layer kind's traits agree with the keys it takes, and loaders use its op class", "[loaders]") {
  // Independent columns of kLayerOps that must agree: a kind with a spatial window takes a
  // `kernel` key; a kind that reads weights takes a `bias` key (conv2d, depthwise_conv2d, dense).
  for (const auto& info : kLayerOps) {
    if (!info.in_yaml) continue;
    INFO(info.name);
    const bool takes_kernel = info.keys.find("kernel") != std::string_view::npos;
    const bool takes_bias = info.keys.find("bias") != std::string_view::npos;
    CHECK(has_trait(info.op, kWindowed) == takes_kernel);
    CHECK(has_trait(info.op, kWeighted) == takes_bias);
  }
  // The loader gives every layer its kind's op class, but a conv2d, whose class its groups and
  // kernel decide (here 3x3, groups 1: standard; 1x1: pointwise).
  Model model = parse_layer_lines(
      {"conv2d filters=8 kernel=3 input=8x8x4", "batchnorm", "relu6", "depthwise_conv2d kernel=3",
       "conv2d filters=16 kernel=1", "maxpool kernel=2", "global_avgpool", "flatten", "dense units=10", "softmax"},
      std::nullopt);
  const std::vector<OpClass> expected{OpClass::standard,  OpClass::norm,      OpClass::activation, OpClass::depthwise,
                                      OpClass::pointwise, OpClass::pool,      OpClass::pool,       OpClass::reshape,
                                      OpClass::dense,     OpClass::activation};
  REQUIRE(model.layers.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(model.layers[i].name);
    CHECK(model.layers[i].op_class == expected[i]);
  }
  // Epilogues: batch norm and element-wise activations with one input; softmax mixes channels.
  CHECK(is_epilogue(model.layers[1]));
  CHECK(is_epilogue(model.layers[2]));
  CHECK_FALSE(is_epilogue(model.layers[9]));
  CHECK_FALSE(is_epilogue(model.layers[0]));
}

namespace {
std::string error_of_yaml(const std::string& text) {
  try {
    yaml::parse_document(text, "y.yaml");
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}
}  // namespace

TEST_CASE("YAML reader: the tree, its positions, nulls, strings and what it refuses", "[loaders]") {
  // Positions are 1-based: `b` is line 2 column 1, its flow map `{` column 4, the `2` at column 12.
  const yaml::Node root = yaml::parse_document("a: 1\nb: {c: [x, 2]}\n", "y.yaml");
  REQUIRE(root.is_map());
  REQUIRE(root.size() == 2);
  const yaml::Entry& b = root.entries()[1];
  CHECK(b.key.scalar() == "b");
  CHECK((b.key.line() == 2 && b.key.column() == 1));
  CHECK((b.value.is_map() && b.value.line() == 2 && b.value.column() == 4));
  const yaml::Node& list = b.value.entries()[0].value;
  REQUIRE(list.is_sequence());
  CHECK((list.size() == 2 && list[0].scalar() == "x" && list[1].scalar() == "2"));
  CHECK((list[1].line() == 2 && list[1].column() == 12));

  // Plain ~, null and nothing are null; quoted, "null" and '' are strings.
  const yaml::Node nulls = yaml::parse_document("a:\nb: ~\nc: null\nd: \"null\"\ne: ''\n", "y.yaml");
  CHECK(nulls.entries()[0].value.is_null());
  CHECK(nulls.entries()[1].value.is_null());
  CHECK(nulls.entries()[2].value.is_null());
  CHECK((nulls.entries()[3].value.is_scalar() && nulls.entries()[3].value.scalar() == "null"));
  CHECK((nulls.entries()[4].value.is_scalar() && nulls.entries()[4].value.scalar().empty()));

  // Escapes, single-quote doubling, a literal block; CRLF line ends read as LF ones; anchors are
  // ignored (an alias is refused below).
  const yaml::Node text =
      yaml::parse_document("a: \"x\\ty\"\r\nb: 'it''s'\r\nc: |\r\n  one\r\n  two\r\nd: &k 5\r\n", "y.yaml");
  CHECK(text.entries()[0].value.scalar() == "x\ty");
  CHECK(text.entries()[1].value.scalar() == "it's");
  CHECK(text.entries()[2].value.scalar() == "one\ntwo\n");
  CHECK(text.entries()[3].value.scalar() == "5");

  // A collection as a key: its own entries do not shift its mapping's key/value turns.
  const yaml::Node complex = yaml::parse_document("? {k: v}\n: x\ny: z\n", "y.yaml");
  REQUIRE(complex.size() == 2);
  CHECK(complex.entries()[0].key.is_map());
  CHECK(complex.entries()[0].value.scalar() == "x");
  CHECK(complex.entries()[1].key.scalar() == "y");

  // 64 levels read; the 65th '[' (column 65) is refused.
  CHECK(error_of_yaml(std::string(64, '[') + std::string(64, ']')) == "no error");
  CHECK(error_of_yaml(std::string(65, '[') + std::string(65, ']')) ==
        "y.yaml:1:65: error: YAML nested more than 64 levels deep (convroof files are a few levels deep)");
  CHECK(error_of_yaml("a: &x 1\nb: *x\n") ==
        "y.yaml:2:4: error: YAML aliases ('*name') are not supported: write the value out");
  CHECK(error_of_yaml("a: 1\n---\nb: 2\n") ==
        "y.yaml:2:1: error: a second YAML document ('---'): one file holds one spec or workload");
  // A '...' ends a document: what follows is a second one (line 3). After a flow root, text is a
  // syntax error at its first character (',' at column 8); so is a ',' that is the whole file.
  CHECK(error_of_yaml("a: 1\n...\nb: 2\n") ==
        "y.yaml:3:1: error: a second YAML document ('---'): one file holds one spec or workload");
  CHECK(error_of_yaml("{a: 1} , x\n") == "y.yaml:1:8: error: YAML syntax: text after the document's closing bracket");
  CHECK(error_of_yaml("{a: 1}\nb: 2\n") == "y.yaml:2:1: error: YAML syntax: text after the document's closing bracket");
  CHECK(error_of_yaml(",") == "y.yaml:1:1: error: YAML syntax: unexpected ','");
  // An alias of an anchor never defined is still an alias (yaml-cpp checks the anchor first).
  CHECK(error_of_yaml("a: *x\n") == "y.yaml:1:4: error: YAML aliases ('*name') are not supported: write the value out");
  // A control character is refused (U+0001 at line 2, column 4; U+0085 NEL is allowed, U+009F not).
  CHECK(error_of_yaml("a: 1\nb: \x01\n") == "y.yaml:2:4: error: YAML: control characters are not allowed (U+0001)");
  CHECK(error_of_yaml("a: \xC2\x85\n") == "no error");
  CHECK(error_of_yaml("a: \xC2\x9F\n") == "y.yaml:1:4: error: YAML: control characters are not allowed (U+009F)");
  CHECK(error_of_yaml("a: [1\n") == "y.yaml:2:1: error: YAML syntax: end of sequence flow not found");
  CHECK(error_of_yaml("") == "no error");  // an empty file is a null document; the loaders say what they expected

  // Columns count characters where yaml-cpp's marks count bytes: in "é: [1, 2]" the '2' is the
  // 8th character and the 9th byte ('é' is two). A UTF-8 byte order mark is no column either.
  const yaml::Node accented = yaml::parse_document("é: [1, 2]\n", "y.yaml");
  CHECK(accented.entries()[0].value[1].column() == 8);
  const yaml::Node bom = yaml::parse_document("\xEF\xBB\xBF" "a: 1\nb: 2\n", "y.yaml");
  CHECK((bom.entries()[0].value.line() == 1 && bom.entries()[0].value.column() == 4));
  CHECK((bom.entries()[1].key.line() == 2 && bom.entries()[1].key.column() == 1));
  // An explicit tag keeps the scalar as written: `!!str null` is the string "null".
  const yaml::Node tagged = yaml::parse_document("a: !!str null\n", "y.yaml");
  CHECK((tagged.entries()[0].value.is_scalar() && tagged.entries()[0].value.scalar() == "null"));
}

TEST_CASE("loaders: warnings, not errors, for an NCHW-looking input and an implausible peak", "[loaders]") {
  // [1, 3, 224, 224] under NHWC is 3 rows of 224 x 224 channels: a warning with the input's place.
  const Model nchw = parse_layer_line("conv2d filters=8 kernel=3 input=3x224x224", std::nullopt);
  REQUIRE(nchw.notes.size() == 1);
  CHECK(nchw.notes.front() ==
        "--layer:1:27: warning: input shape 1x3x224x224 looks like NCHW (3 channels first?): convroof reads NHWC, so "
        "this is 3 rows of 224 x 224 channels; NHWC would be 1x224x224x3");
  // A real NHWC input, and a small late-stage one (4 x 4 x 512: W under 16), are not warned about.
  CHECK(parse_layer_line("conv2d filters=8 kernel=3 input=224x224x3", std::nullopt).notes.empty());
  CHECK(parse_layer_line("conv2d filters=8 kernel=3 input=4x4x512", std::nullopt).notes.empty());
  const Model yaml = parse_workload(
      "schema: convroof.workload/1\nname: n\ninput: {shape: [1, 3, 224, 224], layout: NHWC}\nlayers:\n"
      "  - {type: relu}\n",
      "n.yaml", std::nullopt);
  REQUIRE(yaml.notes.size() == 1);
  CHECK_THAT(yaml.notes.front(), Catch::StartsWith("n.yaml:3:16: warning: input shape 1x3x224x224 looks like NCHW"));

  // A peak of 50 PFLOPS (above 10 PFLOP/s per chip) or 500 FLOPS (below 1 kFLOP/s) parses, with a
  // warning at the value; the analysis carries it as a note.
  auto spec = [](const std::string& peak) {
    return "schema: convroof.hardware/1\nid: t\nname: T\nclass: edge\ndefault_precision: fp16\npeak: {fp16: " + peak +
           "}\nmemory:\n  - {name: dram, capacity: 1 GB, bandwidth: 100 GB/s}\noverhead: 1 us\nsources: [x]\n";
  };
  const HardwareSpec fast = parse_hardware(spec("50 PFLOPS"), "t.yaml");
  REQUIRE(fast.warnings.size() == 1);
  CHECK(fast.warnings.front() ==
        "t.yaml:6:14: warning: unit 'main' peaks at 50.00 PFLOP/s at fp16, above the 10 PFLOP/s of any chip: check "
        "the unit (TFLOPS, GFLOPS, MAC/cycle)");
  CHECK_THAT(parse_hardware(spec("500 FLOPS"), "t.yaml").warnings.front(), Catch::Contains("below the 1 kFLOP/s"));
  CHECK(parse_hardware(spec("10 PFLOPS"), "t.yaml").warnings.empty());  // the bound itself is plausible
  Options options;
  options.precision = Precision::fp16;
  const AnalysisResult result = analyze(parse_layer_line("relu input=8x8x4", std::nullopt), fast, options);
  CHECK(std::find(result.notes.begin(), result.notes.end(), fast.warnings.front()) != result.notes.end());
  for (const auto& id : builtin_hardware_ids()) CHECK(resolve_hardware(id).warnings.empty());
}
