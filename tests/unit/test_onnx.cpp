// The ONNX importer (src/model/onnx.cpp) on the committed fixtures of tests/fixtures/onnx
// (built by tools/make_onnx_fixtures.py): real architectures against independently known
// MACs and parameters, every mapped op against hand counts, ONNX = YAML for the same
// network, int8 models, unmodeled ops, batch handling and malformed files.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "convroof/cost.hpp"
#include "onnx_proto.hpp"
#include "onnx_shapes.hpp"

using namespace convroof;

namespace {

std::string fixture(const std::string& name) {
  return std::string(CONVROOF_SOURCE_DIR) + "/tests/fixtures/onnx/" + name;
}

struct Counted {
  std::uint64_t macs = 0, params = 0;
};
Counted totals_of(const Model& model) {
  Counted totals;
  for (const auto& layer : model.layers) {
    OpCounts counts = count_ops(layer);
    totals.macs += counts.macs;
    totals.params += counts.params - layer.shared_params;  // a tensor several layers read counts once
  }
  return totals;
}

const Layer& layer_named(const Model& model, const std::string& name) {
  for (const auto& layer : model.layers)
    if (layer.name == name) return layer;
  FAIL("no layer " << name);
  return model.layers.front();
}

std::string error_of(const std::string& path, std::optional<std::int64_t> batch = std::nullopt) {
  try {
    resolve_workload(path, batch);
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}

}  // namespace

// Published figures (MACs counting convolution and fully connected multiply-adds only, as
// papers do; params as torchvision counts them, batch-norm scale and shift included):
//   resnet18         1,814,073,344 MACs, derived by hand: conv1 112²·64·(7·7·3) = 118,013,952;
//                    layer1 4 × 56²·64·(9·64) = 462,422,016; layers 2–4 each
//                    (first 3×3 at stride 2) + 3 × (3×3) + 1×1 downsample = 57,802,752 +
//                    3·115,605,504 + 6,422,528 = 411,041,792, three times = 1,233,125,376;
//                    fc 512·1000 = 512,000.  Params 11,689,512 (torchvision model table).
//   resnet50         4.09 G MACs, 25,557,032 params (torchvision model table).
//   mobilenet_v2     300 M MACs (Sandler et al. 2018, Table 3), 3,504,872 params (torchvision).
//   mobilenet_v3_small 56 M MACs (Howard et al. 2019, Table 3), 2,542,856 params (torchvision).
//                    The paper's two digits sit 0.9 % below PyTorch's own count of torchvision's
//                    modules (56,510,400, expected.json), which the import matches exactly: for
//                    this one model the published check allows 1 %.
//   efficientnet_b0  0.39 G MACs (Tan & Le 2019, Table 2), 5,288,548 params (torchvision).
//   vgg16            15.47 G MACs, 138,357,544 params (torchvision model table).
//   squeezenet1_1    0.35 G MACs, 1,235,496 params (torchvision model table).
// The published MACs are rounded: the test allows 0.5 % or half a unit of their last digit,
// whichever is larger. expected.json holds PyTorch's own count of the same randomly
// initialised modules (forward hooks on Conv2d and Linear, model.parameters()): an exact
// check that no layer is lost between PyTorch and the ONNX import.
TEST_CASE("onnx: real architectures have their published MACs and parameters", "[onnx]") {
  struct Published {
    std::string name;
    double macs, macs_half_unit;
    std::uint64_t params;
    double tolerance = 0.005;
  };
  const std::vector<Published> published{
      {"resnet18", 1'814'073'344, 0.5, 11'689'512},    {"resnet50", 4.09e9, 0.005e9, 25'557'032},
      {"mobilenet_v2", 300e6, 0.5e6, 3'504'872},       {"mobilenet_v3_small", 56e6, 0.5e6, 2'542'856, 0.01},
      {"efficientnet_b0", 0.39e9, 0.005e9, 5'288'548}, {"vgg16", 15.47e9, 0.005e9, 138'357'544},
      {"squeezenet1_1", 0.35e9, 0.005e9, 1'235'496}};
  std::ifstream file(fixture("expected.json"));
  const auto expected = nlohmann::json::parse(file);
  for (const auto& entry : published) {
    INFO(entry.name);
    Model model = resolve_workload(fixture(entry.name + ".onnx"), std::nullopt);
    Counted totals = totals_of(model);
    CHECK(totals.params == entry.params);
    CHECK(std::abs(static_cast<double>(totals.macs) - entry.macs) <=
          std::max(entry.tolerance * entry.macs, entry.macs_half_unit));
    CHECK(totals.macs == expected[entry.name]["macs"].get<std::uint64_t>());
    CHECK(totals.params == expected[entry.name]["params"].get<std::uint64_t>());
    CHECK(model.input_shape == Shape{1, 224, 224, 3});
    CHECK(model.layers.back().output_shape == Shape{1, 1000});
    // Every layer reads the shapes its producers write (no dense layer reads a rank-4 tensor here).
    for (const auto& layer : model.layers)
      for (std::size_t i = 0; i < layer.inputs.size(); ++i) {
        int source = layer.inputs[i];
        CHECK(layer.input_shapes[i] == (source < 0 ? model.input_shape : model.layers[source].output_shape));
      }
  }
}

// tests/fixtures/onnx/zoo: 46 torchvision architectures (classification, segmentation,
// detection backbones; ViT and Swin; opsets 11 to 17; two with symbolic height and width)
// exported by tools/make_onnx_fixtures.py --zoo, whose expected.json holds PyTorch's own counts
// of the same modules, taken on the aten ops as they run (not read from the ONNX graph):
// convolution and weight-matrix MACs, attention MACs (activation x activation products), and
// sum(p.numel() for p in model.parameters()). The import must equal all three exactly; the
// parameters are the file's (stored_params), which differ from PyTorch's for swin_t alone: its
// exporter folds each block's relative-position table (169 x heads) and constant index into the
// gathered [1, heads, 49, 49] bias, 49² - 13² = 2,232 more values per head, 138 heads in all
// (2·3 + 2·6 + 6·12 + 2·24): +308,016.
TEST_CASE("onnx: every zoo architecture has PyTorch's MACs and parameters", "[onnx][zoo]") {
  std::ifstream file(fixture("zoo/expected.json"));
  const auto expected = nlohmann::json::parse(file);
  REQUIRE(expected.size() >= 40);
  const HardwareSpec hw = resolve_hardware("orin");
  for (const auto& [name, entry] : expected.items()) {
    INFO(name);
    const auto input = entry["input"].get<std::vector<std::int64_t>>();
    std::vector<InputShape> inputs;
    if (entry["dynamic_hw"].get<bool>()) inputs.push_back(InputShape{"input", input});  // NCHW, as exported
    Model model = resolve_workload(fixture("zoo/" + name + ".onnx"), std::nullopt, inputs);
    std::uint64_t weighted = 0, attention = 0;
    for (const auto& layer : model.layers) (layer.op == LayerOp::matmul ? attention : weighted) += count_ops(layer).macs;
    CHECK(weighted == entry["macs"].get<std::uint64_t>());
    CHECK(attention == entry["attention_macs"].get<std::uint64_t>());
    Options options;
    AnalysisResult result = analyze(model, hw, options);
    CHECK(result.totals.params == entry["stored_params"].get<std::uint64_t>());
    if (name == "swin_t")
      CHECK(entry["stored_params"].get<std::uint64_t>() - entry["params"].get<std::uint64_t>() == 308'016);
    else
      CHECK(entry["stored_params"] == entry["params"]);
    CHECK(result.unmodeled.empty());
    CHECK(model.input_shape == Shape{input[0], input[2], input[3], input[1]});
  }
}

// A symbolic height and width must be set: the error names the input, the dimension and the
// flag; --input sets them (NCHW, as the file declares), and MACs scale with the pixels.
TEST_CASE("onnx: --input sets symbolic dimensions, and without it the error says how", "[onnx][zoo]") {
  const std::string path = fixture("zoo/resnet18_dynamic_hw.onnx");
  const std::string message = error_of(path);
  CHECK(message.find("input 'input' dimension 2 is symbolic ('height'): set it with --input input=1x3x<height>x<width>") !=
        std::string::npos);
  Model small = resolve_workload(path, std::nullopt, {InputShape{"", {1, 3, 224, 224}}});  // the bare form
  Model large = resolve_workload(path, std::nullopt, {InputShape{"input", {1, 3, 448, 448}}});
  CHECK(large.input_shape == Shape{1, 448, 448, 3});
  // Every convolution's output has 4x the pixels at twice the side; the fc layer (512,000 MACs)
  // does not grow: large = 4 (small - 512,000) + 512,000.
  const std::uint64_t small_macs = totals_of(small).macs, large_macs = totals_of(large).macs;
  CHECK(small_macs == 1'814'073'344);  // resnet18 at 224, derived in the published-figures test
  CHECK(large_macs == 4 * (small_macs - 512'000) + 512'000);
  auto error_with = [&](std::vector<InputShape> inputs) {
    try {
      resolve_workload(path, std::nullopt, inputs);
    } catch (const Error& e) {
      return e.formatted();
    }
    return std::string("no error");
  };
  CHECK(error_with({InputShape{"image", {1, 3, 224, 224}}}).find("--input names 'image', which is not an input") !=
        std::string::npos);
  CHECK(error_with({InputShape{"input", {1, 3, 224}}}).find("--input gives 3 dimensions for input 'input', which has 4") !=
        std::string::npos);
  CHECK(error_with({InputShape{"input", {1, 3, 224, 224}}, InputShape{"", {1, 3, 224, 224}}})
            .find("--input gives input 'input' twice") != std::string::npos);
  CHECK(error_with({InputShape{"input", {1, 5, 224, 224}}}).find("5 channels") != std::string::npos);
  // The YAML workloads have their own input: shape.
  CHECK_THROWS_WITH(resolve_workload("mobilenet_v1", std::nullopt, {InputShape{"", {1, 3, 224, 224}}}),
                    Catch::Contains("--input"));
  CHECK(parse_input_shape("x=1x3x512x512").name == "x");
  CHECK(parse_input_shape("1x3x512x512").dims == Shape{1, 3, 512, 512});
  CHECK_THROWS_WITH(parse_input_shape("x=1x0x2"), Catch::Contains("dimension '0' is not a whole number"));
  CHECK_THROWS_WITH(parse_input_shape("=1x3"), Catch::Contains("names no input"));
}

TEST_CASE("onnx: the ONNX and YAML forms of one network give identical per-layer numbers", "[onnx]") {
  const HardwareSpec hw = resolve_hardware("orin");
  for (Traffic traffic : {Traffic::ideal, Traffic::tiled}) {
    Options options;
    options.precision = Precision::fp16;
    options.traffic = traffic;
    options.fuse = traffic == Traffic::tiled ? Fuse::all : Fuse::none;
    AnalysisResult from_onnx = analyze(resolve_workload(fixture("twin.onnx"), std::nullopt), hw, options);
    AnalysisResult from_yaml = analyze(resolve_workload(fixture("twin.yaml"), std::nullopt), hw, options);
    REQUIRE(from_onnx.layers.size() == 13);
    REQUIRE(from_onnx.layers.size() == from_yaml.layers.size());
    for (std::size_t i = 0; i < from_onnx.layers.size(); ++i) {
      const LayerCost& a = from_onnx.layers[i];
      const LayerCost& b = from_yaml.layers[i];
      INFO(a.name);
      CHECK(a.name == b.name);
      CHECK(a.op == b.op);
      CHECK(a.kind == b.kind);
      CHECK(a.input_shapes == b.input_shapes);
      CHECK(a.output_shape == b.output_shape);
      CHECK(a.macs == b.macs);
      CHECK(a.flops == b.flops);
      CHECK(a.params == b.params);
      CHECK(a.bytes.total() == b.bytes.total());
      CHECK(a.time.total == b.time.total);
      CHECK(a.window == b.window);
      CHECK(a.stride == b.stride);
      CHECK(a.runs_in == b.runs_in);
    }
    CHECK(from_onnx.totals.peak_memory_bytes == from_yaml.totals.peak_memory_bytes);
  }
  // The depthwise layer is classed from group = channels, as the YAML kind says.
  Model twin = resolve_workload(fixture("twin.onnx"), std::nullopt);
  CHECK(layer_named(twin, "dw2").op_class == OpClass::depthwise);
  CHECK(layer_named(twin, "relu1").op == LayerOp::relu6);  // Clip(0, 6)
  CHECK(layer_named(twin, "conv1").source_op == "Conv");
}

// ops.onnx: input 1x4x8x8 (NCHW). Each count below follows from the node's sizes.
TEST_CASE("onnx: every mapped op counts as derived by hand", "[onnx]") {
  Model model = resolve_workload(fixture("ops.onnx"), std::nullopt);
  auto counts = [&](const std::string& name) { return count_ops(layer_named(model, name)); };
  // Conv 3x3 SAME_UPPER, 4 -> 8 channels on 8x8: 8·8·8 outputs · 4·9 taps = 18,432 MACs.
  CHECK(counts("conv").macs == 18'432);
  CHECK(layer_named(model, "conv").padding == std::array<std::int64_t, 4>{1, 1, 1, 1});
  // ConvTranspose 2x2 s2, 8 -> 4 channels, bias: each of 8·8·8 inputs scatters to 4·2·2:
  // 2,048 MACs · 4 = 8,192; params 8·4·4 + 4 = 132; FLOPs 2·8,192 + 16·16·4 = 17,408.
  CHECK(counts("deconv").macs == 8'192);
  CHECK(counts("deconv").params == 132);
  CHECK(counts("deconv").flops == 17'408);
  CHECK(layer_named(model, "deconv").output_shape == Shape{1, 16, 16, 4});
  // Pad [0,0,1,1, 0,0,1,1] (begins of N, C, H, W, then ends) adds one row and column at
  // both ends: 16x16 -> 18x18x4, a copy of no FLOPs.
  CHECK(layer_named(model, "pad").output_shape == Shape{1, 18, 18, 4});
  CHECK(counts("pad").flops == 0);
  // AveragePool 3x3 s3 on 18x18: 6x6x4 outputs of 9 FLOPs = 1,296.
  CHECK(counts("avgpool").flops == 1'296);
  // Resize linear 6x6 -> 12x12: two axes, 3 lerps of 3 FLOPs = 9 per output: 576·9 = 5,184.
  CHECK(counts("resize").flops == 5'184);
  // Mul of two activations: 1 FLOP per output; Mul by a [1,4,1,1] constant: 1 FLOP per output
  // and 4 params.
  CHECK(counts("mul").flops == 576);
  CHECK(counts("mul_const").flops == 576);
  CHECK(counts("mul_const").params == 4);
  // Concat on channels: 12x12x8, no FLOPs; Transpose: a copy.
  CHECK(layer_named(model, "concat").output_shape == Shape{1, 12, 12, 8});
  CHECK(counts("transpose").flops == 0);
  CHECK(counts("transpose").input_elements == 1'152);
  // Reshape to [1,144,8] is a view; MatMul by a constant 8x6 is dense: 144·6 outputs · 8 =
  // 6,912 MACs, 48 params.
  CHECK(counts("reshape").is_view);
  CHECK(layer_named(model, "matmul").op == LayerOp::dense);
  CHECK(counts("matmul").macs == 6'912);
  CHECK(counts("matmul").params == 48);
  // MatMul of two activations [1,144,6]·[1,6,144]: 144·144 outputs · 6 = 124,416 MACs, no params.
  CHECK(layer_named(model, "gram").op == LayerOp::matmul);
  CHECK(counts("gram").macs == 124'416);
  CHECK(counts("gram").params == 0);
  // Softmax: 5 FLOPs per element of 144·144 = 103,680. ReduceMean over the last axis: one FLOP
  // per input element = 20,736.
  CHECK(counts("softmax").flops == 103'680);
  CHECK(counts("reducemean").flops == 20'736);
  // Unsqueeze and Squeeze are views; Gemm 144 -> 10 without bias: 1,440 MACs and params.
  CHECK(counts("unsqueeze").is_view);
  CHECK(counts("squeeze").is_view);
  CHECK(counts("gemm").macs == 1'440);
  CHECK(counts("gemm").params == 1'440);
  CHECK(model.layers.size() == 20);
}

// standard_ops.onnx (opset 17): input 1x8x4x4 (NCHW), 128 elements. The FLOPs per element are
// the kinds' own (kLayerOps, kOnnxElementwise); each count below is that times the node's sizes.
TEST_CASE("onnx: the standard ops of transformers and heads count as derived by hand", "[onnx]") {
  Model model = resolve_workload(fixture("standard_ops.onnx"), std::nullopt);
  auto counts = [&](const std::string& name) { return count_ops(layer_named(model, name)); };
  // BatchNormalization: scale and shift per channel are its params (2·8 = 16; the running
  // mean and variance are not, as PyTorch counts), 2 FLOPs per element = 256.
  CHECK(counts("bn").params == 16);
  CHECK(counts("bn").flops == 256);
  // LayerNormalization over the last axis (4) with a [4] scale and bias: 8 params, 8 FLOPs per
  // element (mean, variance, normalize, scale, shift) = 1,024. InstanceNormalization: [8] scale
  // and bias, 16 params, 1,024 FLOPs.
  CHECK(layer_named(model, "ln").op == LayerOp::normalization);
  CHECK(counts("ln").params == 8);
  CHECK(counts("ln").flops == 1'024);
  CHECK(counts("inorm").params == 16);
  CHECK(counts("inorm").flops == 1'024);
  // Erf: one transcendental per element = 128. Mul by the scalar 0.5: 128 FLOPs, and a scalar
  // constant is no parameter.
  CHECK(layer_named(model, "erf").op == LayerOp::elementwise);
  CHECK(counts("erf").flops == 128);
  CHECK(counts("half").flops == 128);
  CHECK(counts("half").params == 0);
  // Einsum bhid,bhjd->bhij with b 1, h 8, i = j = d = 4: 1·8·4·4 outputs · 4 = 512 MACs, an
  // attention product of two activations (no params).
  CHECK(layer_named(model, "attn").op == LayerOp::matmul);
  CHECK(counts("attn").macs == 512);
  CHECK(counts("attn").params == 0);
  // Two MatMuls by the one 4x4 weight 'ws': 512 MACs each; each layer shows its 16 params, the
  // model stores them once.
  CHECK(counts("p1").macs == 512);
  CHECK(counts("p2").macs == 512);
  CHECK(counts("p1").params == 16);
  CHECK(counts("p2").params == 16);
  CHECK(layer_named(model, "p1").shared_params == 0);
  CHECK(layer_named(model, "p2").shared_params == 16);
  // Split [2, 6] on channels, Gather of channels 0 and 5 of the 6: [1,2,4,4], a copy that reads
  // only the 32 elements it writes. Sum of three [1,2,4,4] operands: 2 adds per element = 64.
  CHECK(layer_named(model, "gather").output_shape == Shape{1, 4, 4, 2});
  CHECK(counts("gather").flops == 0);
  CHECK(counts("gather").input_elements == 32);
  CHECK(counts("sum").flops == 64);
  // ReduceSum over axis 3 (given as an input, opset 13+): one FLOP per input element = 32,
  // [1,2,4,1]. Slice rows 1..3 of axis 2: [1,2,2,1], 4 elements copied. Softmax: 5 · 4 = 20.
  CHECK(layer_named(model, "reducesum").output_shape == Shape{1, 4, 1, 2});
  CHECK(counts("reducesum").flops == 32);
  CHECK(layer_named(model, "slice").output_shape == Shape{1, 2, 1, 2});
  CHECK(counts("slice").input_elements == 4);
  CHECK(counts("softmax").flops == 20);
  // Params of the model: 16 + 8 + 16 + 16 (ws once) = 56; nothing is unmodeled.
  Options options;
  AnalysisResult result = analyze(model, resolve_hardware("orin"), options);
  CHECK(result.totals.params == 56);
  CHECK(result.unmodeled.empty());
}

TEST_CASE("onnx: int8 QDQ and QLinear models get int8 byte counts", "[onnx]") {
  const HardwareSpec hw = resolve_hardware("orin");
  Options options;
  options.precision = Precision::fp16;  // float layers follow it; quantized layers stay int8
  Model qdq = resolve_workload(fixture("qdq_int8.onnx"), std::nullopt);
  // Q/DQ pairs fold away: quantize (model input), conv1, relu1, dw2, gap, flatten, fc.
  REQUIRE(qdq.layers.size() == 7);
  CHECK(qdq.layers[0].op == LayerOp::quantize);
  CHECK_FALSE(qdq.layers[0].dtype.has_value());
  for (std::size_t i = 1; i < qdq.layers.size(); ++i) CHECK(qdq.layers[i].dtype == Precision::int8);
  AnalysisResult result = analyze(qdq, hw, options);
  // conv1: input 16·16·3 = 768 B, weights 8·3·3·3 = 216 B, output 16·16·8 = 2,048 B, at 1 B each.
  CHECK(result.layers[1].bytes.input == 768);
  CHECK(result.layers[1].bytes.weights == 216);
  CHECK(result.layers[1].bytes.output == 2'048);
  // quantize reads and writes 768 elements in the analysis precision (fp16): 3,072 B.
  CHECK(result.layers[0].bytes.total() == 3'072);

  Model qlinear = resolve_workload(fixture("qlinear_int8.onnx"), std::nullopt);
  const Layer& conv = layer_named(qlinear, "qconv1");
  CHECK(conv.op == LayerOp::conv2d);
  CHECK(conv.dtype == Precision::int8);
  CHECK(conv.bias);
  // 8·8·4 outputs · 3·9 taps = 6,912 MACs; params 4·27 + 4 = 112.
  CHECK(count_ops(conv).macs == 6'912);
  CHECK(count_ops(conv).params == 112);
  const Layer& matmul = layer_named(qlinear, "qmatmul");
  CHECK(matmul.op == LayerOp::dense);
  CHECK(matmul.dtype == Precision::int8);
  CHECK(count_ops(matmul).macs == 2'560);  // 256 -> 10
  // The final DequantizeLinear folds into qmatmul: quantize, qconv1, reshape, qmatmul.
  CHECK(qlinear.layers.size() == 4);
}

TEST_CASE("onnx: unmodeled ops are layers that count bytes and are listed", "[onnx]") {
  const HardwareSpec hw = resolve_hardware("orin");
  Options options;
  options.precision = Precision::fp32;
  AnalysisResult result = analyze(resolve_workload(fixture("unmodeled.onnx"), std::nullopt), hw, options);
  // Only ops outside the standard domain are unmodeled: com.example Warp twice and Swirl once,
  // their shapes read from value_info (symbolic batch 'batch' = the analyzed batch, 1).
  REQUIRE(result.unmodeled.size() == 2);
  CHECK(result.unmodeled[0].op_type == "com.example.Swirl");
  CHECK(result.unmodeled[1].op_type == "com.example.Warp");
  CHECK(result.unmodeled[1].layers == std::vector<std::string>{"warp1", "warp2"});
  const LayerCost& warp = result.layers[1];
  CHECK(warp.kind == OpClass::other);
  CHECK(warp.flops == 0);
  CHECK(warp.bytes.total() == 2 * 256 * 4);  // 8·8·4 elements in and out, fp32
  CHECK(warp.time.overhead == hw.overhead_s);
  // At --batch 3 the recorded 'batch' dimension is 3 too: 3·256 elements in and out.
  AnalysisResult three = analyze(resolve_workload(fixture("unmodeled.onnx"), 3), hw, options);
  CHECK(three.layers[1].output_shape == Shape{3, 8, 8, 4});
  CHECK(three.layers[1].bytes.total() == 3 * 2 * 256 * 4);
  CHECK(result.layers.back().name == "output");  // an unnamed node takes its output's name
  bool noted = false;
  for (const auto& note : result.notes) noted = noted || note.find("3 unmodeled layers") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("onnx: the batch dimension takes --batch, and a symbolic one defaults to 1 with a note", "[onnx]") {
  Model one = resolve_workload(fixture("resnet18.onnx"), std::nullopt);
  Model eight = resolve_workload(fixture("resnet18.onnx"), 8);
  CHECK(one.input_shape == Shape{1, 224, 224, 3});
  CHECK(eight.input_shape == Shape{8, 224, 224, 3});
  CHECK(totals_of(eight).macs == 8 * totals_of(one).macs);
  CHECK(totals_of(eight).params == totals_of(one).params);
  REQUIRE_FALSE(one.notes.empty());
  CHECK(one.notes.front().find("symbolic batch dimension 'batch'") != std::string::npos);
  // A fixed batch of 1 (twin.onnx) is replaced too, and shapes are inferred afresh.
  CHECK(resolve_workload(fixture("twin.onnx"), 4).layers.back().output_shape == Shape{4, 10});
}

TEST_CASE("onnx: malformed models are errors naming the file and the problem", "[onnx]") {
  CHECK(error_of(fixture("bad_channels.onnx"))
            .find("node 'conv' (Conv): input has 3 channels but weight [8, 4, 3, 3] expects 4 x group 1") !=
        std::string::npos);
  CHECK(error_of(fixture("bad_cycle.onnx")).find("is part of a cycle") != std::string::npos);
  CHECK(error_of(fixture("bad_dangling.onnx")).find("reads 'ghost', which no node") != std::string::npos);
  CHECK(error_of(fixture("bad_symbolic.onnx")).find("dimension 2 is symbolic ('height')") != std::string::npos);
  CHECK(error_of(fixture("bad_magic.onnx")).find("bad_magic.onnx: error: not a valid ONNX model") != std::string::npos);
  CHECK(error_of(fixture("bad_truncated.onnx")).find("not a valid ONNX model") != std::string::npos);
}

TEST_CASE("onnx: the format is chosen by content", "[onnx]") {
  CHECK(looks_like_onnx(std::string("\x08\x07\x12\x08pytorch", 11)));
  CHECK_FALSE(looks_like_onnx("schema: convroof.workload/1\nname: x\n\tlayers: []\r\n"));
  CHECK_FALSE(looks_like_onnx(""));
  // A YAML workload saved under a .onnx name still loads as YAML.
  const std::string path = "onnx-named-yaml.tmp.onnx";
  {
    std::ofstream out(path);
    out << "schema: convroof.workload/1\nname: t\ninput: {shape: [1, 8, 8, 4]}\nlayers:\n  - {type: relu}\n";
  }
  Model model = resolve_workload(path, std::nullopt);
  std::remove(path.c_str());
  CHECK(model.layers.size() == 1);
  CHECK(model.layers.front().op == LayerOp::relu);
}

// The wire reader decodes the small tensors the shape rules read and leaves weights alone.
// Three initializers written by hand (TensorProto: dims 1 varint, data_type 2, name 8,
// raw_data 9): 64 floats and 65 int64 are decoded (within 64 floats, 4096 integers); 65
// floats are a weight, not decoded.
TEST_CASE("onnx: small integer and float initializers are decoded, float weights are not", "[onnx]") {
  auto varint = [](std::uint64_t v) {
    std::string out;
    for (; v >= 0x80; v >>= 7) out += static_cast<char>((v & 0x7F) | 0x80);
    return out + static_cast<char>(v);
  };
  auto bytes_field = [&](int field, const std::string& payload) {
    return static_cast<char>(field << 3 | 2) + varint(payload.size()) + payload;
  };
  auto tensor = [&](char name, int type, std::uint64_t elements, std::size_t width) {
    std::string t = "\x08" + varint(elements) + "\x10" + varint(static_cast<std::uint64_t>(type));
    return t + bytes_field(8, std::string(1, name)) + bytes_field(9, std::string(elements * width, '\0'));
  };
  const std::string graph = bytes_field(5, tensor('v', onnx::kFloat, 64, 4)) +
                            bytes_field(5, tensor('w', onnx::kFloat, 65, 4)) +
                            bytes_field(5, tensor('i', onnx::kInt64, 65, 8));
  const onnx::ModelProto model = onnx::parse_model(bytes_field(7, graph));
  REQUIRE(model.graph.initializers.size() == 3);
  CHECK((model.graph.initializers[0].values && model.graph.initializers[0].values->size() == 64));
  CHECK_FALSE(model.graph.initializers[1].values);
  CHECK(model.graph.initializers[1].has_data);
  CHECK((model.graph.initializers[2].values && model.graph.initializers[2].values->size() == 65));
}

TEST_CASE("onnx: the file's stored precision is the float initializers' type", "[onnx]") {
  // mobilenet_v2.onnx stores float32 weights; on Orin (default int8) the report says so.
  const Model model = resolve_workload(fixture("mobilenet_v2.onnx"), std::nullopt);
  REQUIRE(model.stored_precision.has_value());
  CHECK(*model.stored_precision == Precision::fp32);
  Options int8;
  int8.precision = Precision::int8;
  const AnalysisResult result = analyze(model, resolve_hardware("orin"), int8);
  CHECK(std::any_of(result.notes.begin(), result.notes.end(), [](const std::string& note) {
    return note.find("the file stores its weights as fp32") == 0;
  }));
  // A YAML workload states no stored precision.
  CHECK_FALSE(resolve_workload("mobilenet_v1", std::nullopt).stored_precision.has_value());
}

// detection_transform.onnx (tools/make_onnx_fixtures.py): torchvision's GeneralizedRCNNTransform
// as exported at 1x3x480x640 with min_size 320, max_size 512, size_divisible 32, then a small
// backbone, and a tail in the manner of a two-stage detector's ROI part. By hand:
//   scale = min(320 / min(480, 640), 512 / max(480, 640)) = min(0.6667, 0.8) = 0.6667 (float32
//   0.666666687);
//   resized: h = floor(480 · 0.6667) = 320, w = floor(640 · 0.6667) = floor(426.67) = 426;
//   padded to multiples of 32: h = ceil(320/32)·32 = 320 (pad 0), w = ceil(426/32)·32 = 14·32
//   = 448 (pad 22), the pads [0, 0, 0, 0, 0, 0, 0, 22] (begins, then ends; N, C, H, W);
//   conv1 3->8, 3x3, stride 2, pad 1: (320 + 2 − 3)/2 + 1 = 160, (448 + 2 − 3)/2 + 1 = 224;
//     MACs = 160·224·8 outputs × 3·3·3 = 286,720 × 27 = 7,741,440;
//   conv2 8->16, same window: 80 x 112; MACs = 80·112·16 × 8·3·3 = 143,360 × 72 = 10,321,920;
//   head_box 16->4, 1x1: 80·112·4 × 16 = 573,440; head_score 16->1: 80·112 × 16 = 143,360.
// The ROI part (NonMaxSuppression 'nms', its Gather 'box_index', Gather 'rois', Gemm
// 'roi_head') has the sizes of the boxes that pass: not counted, and noted.
TEST_CASE("onnx: a detection transform's sizes follow from the input shape, and ROI sizes are not counted",
          "[onnx]") {
  const Model model = resolve_workload(fixture("detection_transform.onnx"), std::nullopt);
  CHECK(model.input_shape == Shape{1, 480, 640, 3});
  CHECK(layer_named(model, "resize").output_shape == Shape{1, 320, 426, 3});
  CHECK(layer_named(model, "pad").input_shapes.front() == Shape{1, 320, 426, 3});
  CHECK(layer_named(model, "pad").output_shape == Shape{1, 320, 448, 3});
  const Layer& conv1 = layer_named(model, "conv1");
  CHECK(conv1.output_shape == Shape{1, 160, 224, 8});
  CHECK(count_ops(conv1).macs == 7'741'440);
  const Layer& conv2 = layer_named(model, "conv2");
  CHECK(conv2.output_shape == Shape{1, 80, 112, 16});
  CHECK(count_ops(conv2).macs == 10'321'920);
  CHECK(count_ops(layer_named(model, "head_box")).macs == 573'440);
  CHECK(count_ops(layer_named(model, "head_score")).macs == 143'360);
  CHECK(totals_of(model).macs == 7'741'440 + 10'321'920 + 573'440 + 143'360);
  // Counted: the normalization (2), resize, pad, the backbone (4), the heads (2) and the
  // box and score reshapes (4); everything computing sizes folds away.
  std::vector<std::string> names;
  for (const auto& layer : model.layers) names.push_back(layer.name);
  CHECK(names == std::vector<std::string>{"normalize_sub", "normalize_div", "resize", "pad", "conv1", "relu1", "conv2",
                                          "relu2", "head_box", "head_score", "box_rows", "boxes", "scores",
                                          "boxes_flat"});
  CHECK(std::count(model.notes.begin(), model.notes.end(),
                   "4 ONNX nodes are not counted (2 Gather, Gemm, NonMaxSuppression): their sizes depend on values "
                   "known only at run time, from NonMaxSuppression 'nms' on") == 1);
  // It analyzes (exit 0 from the command line), the note in the report.
  AnalysisResult result = analyze(model, resolve_hardware("orin"), Options{});
  CHECK(result.layers.size() == 14);
}

namespace {

// One node of op `op` over `inputs` (nullptr: an absent optional input), at opset 13.
std::vector<onnx::Known> infer(std::string_view op, std::vector<const onnx::Known*> inputs,
                               std::vector<onnx::Attribute> attributes = {}, std::size_t outputs = 1) {
  static const std::vector<std::string_view> kInputNames{"a", "b", "c", "d", "e"};
  static const std::vector<std::string_view> kOutputNames{"y", "z"};
  onnx::Node node;
  node.name = "node";
  node.op_type = op;
  for (std::size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(inputs[i] ? kInputNames[i] : "");
  node.outputs.assign(kOutputNames.begin(), kOutputNames.begin() + static_cast<std::ptrdiff_t>(outputs));
  node.attributes = std::move(attributes);
  std::vector<onnx::Known> out;
  REQUIRE(onnx::infer_node(node, 13, inputs, out));
  return out;
}
onnx::Known known(std::vector<std::int64_t> dims, int type, std::vector<double> data) {
  onnx::Known value;
  value.dims = std::move(dims);
  value.known = true;
  value.type = type;
  value.data = std::move(data);
  return value;
}
onnx::Known ints(const std::vector<double>& data) {
  return known({static_cast<std::int64_t>(data.size())}, onnx::kInt64, data);
}
onnx::Known floats(const std::vector<double>& data) {
  return known({static_cast<std::int64_t>(data.size())}, onnx::kFloat, data);
}
onnx::Attribute int_attribute(std::string_view name, std::int64_t value) {
  onnx::Attribute attribute;
  attribute.name = name;
  attribute.i = value;
  attribute.has_i = true;
  return attribute;
}
onnx::Attribute ints_attribute(std::string_view name, std::vector<std::int64_t> values) {
  onnx::Attribute attribute;
  attribute.name = name;
  attribute.ints = std::move(values);
  return attribute;
}
using Values = std::vector<double>;

}  // namespace

// Each value rule shape subgraphs use, on one node with values written out by hand (ONNX's
// operator definitions: integer Div truncates, Cast to an integer truncates toward zero, a
// float32 result is a float32).
TEST_CASE("onnx: the value rules compute what ONNX defines", "[onnx]") {
  using onnx::kBool, onnx::kFloat, onnx::kInt64;
  const onnx::Known real = floats({-2.7, 2.7, 3.5, -0.5});
  CHECK(*infer("Cast", {&real}, {int_attribute("to", kInt64)})[0].data == Values{-2, 2, 3, 0});
  CHECK(*infer("Cast", {&real}, {int_attribute("to", kBool)})[0].data == Values{1, 1, 1, 1});
  const onnx::Known big = ints({16777217});  // 2^24 + 1: no float32 holds it; the nearest is 2^24
  CHECK(*infer("Cast", {&big}, {int_attribute("to", kFloat)})[0].data == Values{16777216});
  const onnx::Known halves = floats({-1.5, 1.5});
  CHECK(*infer("Floor", {&halves})[0].data == Values{-2, 1});
  CHECK(*infer("Ceil", {&halves})[0].data == Values{-1, 2});
  const onnx::Known seven = ints({7, -7}), two = ints({2});
  CHECK(*infer("Div", {&seven, &two})[0].data == Values{3, -3});  // truncates toward zero
  const onnx::Known seven_f = floats({7, -7}), two_f = floats({2});
  CHECK(*infer("Div", {&seven_f, &two_f})[0].data == Values{3.5, -3.5});
  // 10 × 0.7f: 0.7f is 0.699999988; the product 6.99999988 is 7 in float32, so it floors to 7
  // (in double it would floor to 6).
  const onnx::Known ten = floats({10}), point_seven = floats({static_cast<float>(0.7)});
  const auto product = infer("Mul", {&ten, &point_seven});
  CHECK(*product[0].data == Values{7});
  CHECK(*infer("Floor", {&product[0]})[0].data == Values{7});
  const onnx::Known three_nine = ints({3, 9}), five = ints({5}), four_two = ints({4, 2}), three_three = ints({3, 3});
  CHECK(*infer("Min", {&three_nine, &five})[0].data == Values{3, 5});
  CHECK(*infer("Max", {&three_nine, &four_two, &three_three})[0].data == Values{4, 9});
  const onnx::Known squares = floats({16, 2.25});
  CHECK(*infer("Sqrt", {&squares})[0].data == Values{4, 1.5});
  const onnx::Known zero = known({}, kInt64, {0}), ten_i = known({}, kInt64, {10}), three = known({}, kInt64, {3});
  const auto range = infer("Range", {&zero, &ten_i, &three});
  CHECK(range[0].dims == std::vector<std::int64_t>{4});  // ceil((10 − 0)/3) = 4
  CHECK(*range[0].data == Values{0, 3, 6, 9});
  const onnx::Known five_s = known({}, kInt64, {5}), one_s = known({}, kInt64, {1}), minus_two = known({}, kInt64, {-2});
  CHECK(*infer("Range", {&five_s, &one_s, &minus_two})[0].data == Values{5, 3});  // ceil(−4/−2) = 2 values
  const onnx::Known one_two = ints({1, 2}), three_1 = ints({3});
  CHECK(*infer("Concat", {&one_two, &three_1}, {int_attribute("axis", 0)})[0].data == Values{1, 2, 3});
  const onnx::Known tens = ints({10, 20, 30, 40}), one = ints({1}), three_end = ints({3}), axis0 = ints({0}),
                    minus_one = ints({-1}), most_negative = ints({-9.2e18});
  CHECK(*infer("Slice", {&tens, &one, &three_end})[0].data == Values{20, 30});
  // A flip: from the last element down past the first, step −1.
  CHECK(*infer("Slice", {&tens, &minus_one, &most_negative, &axis0, &minus_one})[0].data == Values{40, 30, 20, 10});
  const onnx::Known last = known({}, kInt64, {-1}), two_zero = ints({2, 0});
  const auto scalar = infer("Gather", {&tens, &last});
  CHECK(scalar[0].dims.empty());
  CHECK(*scalar[0].data == Values{40});
  CHECK(*infer("Gather", {&tens, &two_zero})[0].data == Values{30, 10});
  // ReduceProd of [[1, 2], [3, 4]]: all axes, 24; over axis 1 with keepdims, [[2], [12]].
  const onnx::Known matrix = known({2, 2}, kInt64, {1, 2, 3, 4});
  const auto all = infer("ReduceProd", {&matrix}, {int_attribute("keepdims", 0)});
  CHECK(all[0].dims.empty());
  CHECK(*all[0].data == Values{24});
  const auto rows = infer("ReduceProd", {&matrix}, {ints_attribute("axes", {1})});
  CHECK(rows[0].dims == std::vector<std::int64_t>{2, 1});
  CHECK(*rows[0].data == Values{2, 12});
  CHECK(*infer("ReduceProd", {&matrix}, {ints_attribute("axes", {0})})[0].data == Values{3, 8});
  CHECK(*infer("ReduceMin", {&matrix}, {ints_attribute("axes", {0})})[0].data == Values{1, 2});
  CHECK(*infer("ReduceMax", {&matrix}, {ints_attribute("axes", {1})})[0].data == Values{2, 4});
  CHECK(*infer("ReduceSum", {&matrix, &one})[0].data == Values{3, 7});  // opset 13: axes as input
  const onnx::Known sides = floats({480, 640});
  CHECK(*infer("ReduceMean", {&sides})[0].data == Values{560});
  // Unsqueeze, Squeeze and Reshape carry the values; Shape gives the dimensions.
  CHECK(*infer("Unsqueeze", {&three, &axis0})[0].data == Values{3});
  CHECK(*infer("Shape", {&matrix})[0].data == Values{2, 2});
}

TEST_CASE("onnx: sizes the data decides propagate as such, and missing values stay errors", "[onnx]") {
  using onnx::kFloat, onnx::kInt64;
  onnx::Known boxes = known({1, 6, 4}, kFloat, {}), scores = known({1, 1, 6}, kFloat, {});
  boxes.data.reset();
  scores.data.reset();
  boxes.run_time = scores.run_time = true;
  const auto selected = infer("NonMaxSuppression", {&boxes, &scores});
  CHECK_FALSE(selected[0].known);
  CHECK(selected[0].data_dependent);
  CHECK(selected[0].unknown == "NonMaxSuppression 'node' selects as many boxes as pass its score and overlap "
                               "thresholds, known only at run time");
  // Its readers, whatever their op, a custom domain's included, are unknown the same way.
  const onnx::Known index = known({}, kInt64, {2});
  const auto gathered = infer("Gather", {&selected[0], &index}, {int_attribute("axis", 1)});
  CHECK(gathered[0].data_dependent);
  // A shape computed from the data (here a Reshape's) is data-dependent too.
  onnx::Known computed = known({3}, kInt64, {});
  computed.data.reset();
  computed.run_time = true;
  const auto reshaped = infer("Reshape", {&boxes, &computed});
  CHECK_FALSE(reshaped[0].known);
  CHECK(reshaped[0].data_dependent);
  // A shape from an initializer whose values convroof does not read is not: that stays an error
  // (tests/bad/onnx-slice-no-data).
  onnx::Known stored = computed;
  stored.run_time = false;
  stored.no_values = "is an initializer whose values are in an external file";
  const auto not_read = infer("Reshape", {&boxes, &stored});
  CHECK_FALSE(not_read[0].known);
  CHECK_FALSE(not_read[0].data_dependent);
  // Values of a tensor computed from the model's inputs are run time's, its shape's are not.
  CHECK(infer("Relu", {&boxes})[0].run_time);
  CHECK_FALSE(infer("Shape", {&boxes})[0].run_time);
}

TEST_CASE("onnx: each kind's ONNX op types come from the importer's table", "[onnx]") {
  // Written out from the ONNX operator names (onnx.ai/onnx/operators), not read from the table.
  using Types = std::vector<std::string_view>;
  CHECK(onnx_op_types(LayerOp::conv2d) == Types{"Conv", "ConvInteger", "QLinearConv"});
  CHECK(onnx_op_types(LayerOp::depthwise_conv2d) == Types{"Conv", "ConvInteger", "QLinearConv"});
  CHECK(onnx_op_types(LayerOp::relu6) == Types{"Clip"});
  CHECK(onnx_op_types(LayerOp::clip) == Types{"Clip"});
  CHECK(onnx_op_types(LayerOp::dense) == Types{"Gemm", "MatMul", "MatMulInteger", "QLinearMatMul"});
  CHECK(onnx_op_types(LayerOp::matmul) == Types{"Gemm", "MatMul", "MatMulInteger", "QLinearMatMul", "Einsum"});
  CHECK(onnx_op_types(LayerOp::reshape) == Types{"Reshape", "Squeeze", "Unsqueeze"});
  CHECK(onnx_op_types(LayerOp::batchnorm) == Types{"BatchNormalization"});
  const Types elementwise = onnx_op_types(LayerOp::elementwise);
  CHECK(std::find(elementwise.begin(), elementwise.end(), "Sin") != elementwise.end());
  CHECK(std::find(elementwise.begin(), elementwise.end(), "Relu") == elementwise.end());  // a kind of its own
  CHECK(onnx_op_types(LayerOp::silu).empty());     // ONNX has no SiLU op (x·Sigmoid(x) is two nodes)
  CHECK(onnx_op_types(LayerOp::lumped).empty());   // YAML only
  CHECK(onnx_op_types(LayerOp::unmodeled).empty());  // every op without a formula (LSTM, Loop, a custom domain's)
  // No op type is listed under two kinds but those its attributes choose between.
  std::map<std::string_view, int> kinds_of;
  for (const auto& info : kLayerOps)
    for (auto type : onnx_op_types(info.op)) ++kinds_of[type];
  for (const auto& [type, count] : kinds_of) {
    INFO(type);
    const bool chosen = type == "Conv" || type == "ConvInteger" || type == "QLinearConv" || type == "Clip" ||
                        type == "Gemm" || type == "MatMul" || type == "MatMulInteger" || type == "QLinearMatMul";
    CHECK(count == (chosen ? 2 : 1));
  }
}
