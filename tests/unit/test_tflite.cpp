// The TFLite importer (src/model/tflite.cpp) on the committed fixtures of tests/fixtures/tflite
// (written by tools/make_tflite_fixtures.py with tools/tflite_writer.py: int8 tensors,
// per-channel conv and depthwise weights, int32 biases, as the converter lays them out). Every
// number below is derived by hand in the comment next to it; expected.json holds the
// generator's own formula per layer (out_h·out_w·filters·kh·kw·in_c/groups and so on), computed
// from the layer parameters and not from any reader.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "convroof/cost.hpp"

using namespace convroof;

namespace {

std::string fixture(const std::string& name) {
  return std::string(CONVROOF_SOURCE_DIR) + "/tests/fixtures/tflite/" + name;
}

std::uint64_t total_macs(const Model& model) {
  std::uint64_t macs = 0;
  for (const auto& layer : model.layers) macs += count_ops(layer).macs;
  return macs;
}

const Layer& layer_named(const Model& model, const std::string& name) {
  for (const auto& layer : model.layers)
    if (layer.name == name) return layer;
  FAIL("no layer " << name);
  return model.layers.front();
}

bool has_note(const Model& model, const std::string& text) {
  for (const auto& note : model.notes)
    if (note.find(text) != std::string::npos) return true;
  return false;
}

std::string error_of(const std::string& path, std::optional<std::int64_t> batch = std::nullopt,
                     const std::vector<InputShape>& inputs = {}) {
  try {
    resolve_workload(path, batch, inputs);
  } catch (const Error& e) {
    return e.formatted();
  }
  return "no error";
}

// The TFLite op names of expected.json's layers and the convroof kind each becomes.
LayerOp kind_of(const std::string& op) {
  if (op == "CONV_2D") return LayerOp::conv2d;
  if (op == "DEPTHWISE_CONV_2D") return LayerOp::depthwise_conv2d;
  if (op == "FULLY_CONNECTED") return LayerOp::dense;
  if (op == "TRANSPOSE_CONV" || op == "Convolution2DTransposeBias") return LayerOp::conv_transpose;
  if (op == "AVERAGE_POOL_2D") return LayerOp::avgpool;
  if (op == "MAX_POOL_2D") return LayerOp::maxpool;
  if (op == "ADD") return LayerOp::add;
  if (op == "MUL") return LayerOp::mul;
  if (op == "SUB") return LayerOp::elementwise;
  if (op == "RELU") return LayerOp::relu;
  if (op == "RELU6") return LayerOp::relu6;
  if (op == "LOGISTIC") return LayerOp::sigmoid;
  if (op == "TANH") return LayerOp::tanh;
  if (op == "HARD_SWISH") return LayerOp::hardswish;
  if (op == "SOFTMAX") return LayerOp::softmax;
  if (op == "RESHAPE") return LayerOp::reshape;
  if (op == "PAD") return LayerOp::pad;
  if (op == "CONCATENATION") return LayerOp::concat;
  if (op == "MEAN") return LayerOp::reduce_mean;
  if (op == "QUANTIZE" || op == "DEQUANTIZE") return LayerOp::quantize;
  if (op == "L2_NORMALIZATION") return LayerOp::unmodeled;
  FAIL("expected.json names op " << op << ", which this test does not map");
  return LayerOp::unmodeled;
}

}  // namespace

// Each valid fixture of expected.json: its layers, in file order, are the file's operators
// (plus one activation layer after each operator with a fused activation, named OP/KIND), each
// of the op expected.json names, with expected.json's MACs; the totals add up.
TEST_CASE("tflite: every fixture has expected.json's layers, ops and MACs", "[tflite]") {
  std::ifstream file(fixture("expected.json"));
  const auto expected = nlohmann::json::parse(file);
  REQUIRE(expected["schema"] == "convroof.tflite-fixtures/1");
  int checked = 0;
  for (const auto& [name, entry] : expected["files"].items()) {
    if (entry.value("error", false)) continue;
    INFO(name);
    Model model = resolve_workload(fixture(name), std::nullopt);
    std::size_t at = 0;
    for (const auto& want : entry["layers"]) {
      const std::string want_name = want["name"].get<std::string>();
      INFO(want_name << " " << want["formula"].get<std::string>());
      REQUIRE(at < model.layers.size());
      const Layer& layer = model.layers[at++];
      CHECK(layer.name == want_name);
      CHECK(layer.source_op == want["op"].get<std::string>());
      CHECK(layer.op == kind_of(want["op"].get<std::string>()));
      CHECK(count_ops(layer).macs == want["macs"].get<std::uint64_t>());
      // A fused activation's layer follows, reading the op's layer.
      if (at < model.layers.size() && model.layers[at].source_op.rfind(layer.source_op + "+", 0) == 0) {
        const Layer& activation = model.layers[at++];
        CHECK(activation.inputs == std::vector<int>{static_cast<int>(at) - 2});
        CHECK(activation.output_shape == layer.output_shape);
        CHECK(count_ops(activation).macs == 0);
      }
    }
    CHECK(at == model.layers.size());
    CHECK(total_macs(model) == entry["total_macs"].get<std::uint64_t>());
    ++checked;
  }
  CHECK(checked == 13);  // 12 fixtures plus unknown_op.tflite
}

// Single layers, by hand (TFLite SAME: out = ceil(in / s), total pad = max((out - 1)·s + k - in, 0),
// the odd pixel at the bottom / right; VALID: out = (in - k) / s + 1, no pads):
TEST_CASE("tflite: SAME and VALID padding, strides and MACs of single layers", "[tflite]") {
  {
    // conv 3x3 s2 VALID on 1x15x17x8, 12 filters: out (15-3)/2+1 = 7 by (17-3)/2+1 = 8, no pads.
    // MACs 7·8·12 · 3·3·8 = 672 · 72 = 48,384; params 12·3·3·8 + 12 = 876.
    Model model = resolve_workload(fixture("conv3x3_s2_valid.tflite"), std::nullopt);
    REQUIRE(model.layers.size() == 1);
    const Layer& conv = model.layers[0];
    CHECK(model.input_shape == Shape{1, 15, 17, 8});
    CHECK(conv.op == LayerOp::conv2d);
    CHECK(conv.output_shape == Shape{1, 7, 8, 12});
    CHECK(conv.padding == std::array<std::int64_t, 4>{0, 0, 0, 0});
    CHECK(conv.stride == std::array<std::int64_t, 2>{2, 2});
    CHECK(conv.kernel == std::array<std::int64_t, 2>{3, 3});
    CHECK(conv.groups == 1);
    CHECK(conv.filters == 12);
    CHECK(count_ops(conv).macs == 48'384);
    CHECK(count_ops(conv).params == 876);
  }
  {
    // conv 5x5 s2 SAME on 1x32x24x3, 16 filters, fused RELU: out ceil(32/2) = 16 by ceil(24/2) = 12;
    // pads: rows (16-1)·2 + 5 - 32 = 3 -> top 1, bottom 2; columns (12-1)·2 + 5 - 24 = 3 -> 1, 2.
    // MACs 16·12·16 · 5·5·3 = 3,072 · 75 = 230,400.
    Model model = resolve_workload(fixture("conv5x5_s2_same_relu.tflite"), std::nullopt);
    REQUIRE(model.layers.size() == 2);
    const Layer& conv = model.layers[0];
    CHECK(conv.output_shape == Shape{1, 16, 12, 16});
    CHECK(conv.padding == std::array<std::int64_t, 4>{1, 2, 1, 2});
    CHECK(count_ops(conv).macs == 230'400);
    // The fused RELU is a relu layer of its own after the conv, of the conv's output shape.
    const Layer& relu = model.layers[1];
    CHECK(relu.op == LayerOp::relu);
    CHECK(relu.op_class == OpClass::activation);
    CHECK(relu.inputs == std::vector<int>{0});
    CHECK(relu.output_shape == Shape{1, 16, 12, 16});
    CHECK(relu.source_op == "CONV_2D+RELU");
    CHECK(relu.name.rfind("layer/", 0) == 0);
    CHECK(count_ops(relu).macs == 0);
    CHECK(has_note(model, "1 fused activation of TFLite operators is a separate layer"));
  }
  {
    // conv 1x1 SAME on 1x14x14x64, 128 filters: SAME with k = 1 pads nothing ((14-1)·1 + 1 - 14 = 0).
    // MACs 14·14·128·64 = 1,605,632; params 128·64 + 128 = 8,320.
    Model model = resolve_workload(fixture("conv1x1.tflite"), std::nullopt);
    REQUIRE(model.layers.size() == 1);
    CHECK(model.layers[0].padding == std::array<std::int64_t, 4>{0, 0, 0, 0});
    CHECK(count_ops(model.layers[0]).macs == 1'605'632);
    CHECK(count_ops(model.layers[0]).params == 8'320);
  }
  {
    // depthwise 3x3 s2 SAME on 1x56x56x32, multiplier 1, fused RELU6: out 28x28x32; pads
    // (28-1)·2 + 3 - 56 = 1 -> top 0, bottom 1 (left 0, right 1). MACs 28·28·32·9 = 225,792.
    Model model = resolve_workload(fixture("dw3x3_s2_same.tflite"), std::nullopt);
    REQUIRE(model.layers.size() == 2);
    const Layer& dw = model.layers[0];
    CHECK(dw.op == LayerOp::depthwise_conv2d);
    CHECK(dw.op_class == OpClass::depthwise);
    CHECK(dw.output_shape == Shape{1, 28, 28, 32});
    CHECK(dw.padding == std::array<std::int64_t, 4>{0, 1, 0, 1});
    CHECK(dw.depth_multiplier == 1);
    CHECK(count_ops(dw).macs == 225'792);
    CHECK(model.layers[1].op == LayerOp::relu6);
    CHECK(model.layers[1].source_op == "DEPTHWISE_CONV_2D+RELU6");
  }
  {
    // depthwise 3x3 s1 SAME, multiplier 2, on 1x20x20x1: filter [1, 3, 3, 2], out 20x20x2, pads
    // (20-1) + 3 - 20 = 2 -> 1 each side. MACs 20·20·2·9 = 7,200; params 2·9 + 2 = 20.
    Model model = resolve_workload(fixture("dw3x3_mult2.tflite"), std::nullopt);
    REQUIRE(model.layers.size() == 1);
    const Layer& dw = model.layers[0];
    CHECK(dw.op == LayerOp::depthwise_conv2d);
    CHECK(dw.depth_multiplier == 2);
    CHECK(dw.filters == 2);
    CHECK(dw.output_shape == Shape{1, 20, 20, 2});
    CHECK(dw.padding == std::array<std::int64_t, 4>{1, 1, 1, 1});
    CHECK(count_ops(dw).macs == 7'200);
    CHECK(count_ops(dw).params == 20);
  }
  {
    // The U55 seeds: conv 3x3 SAME 16 -> 16 on 160x240: 160·240·16 · 9·16 = 614,400 · 144 =
    // 88,473,600; depthwise 3x3 then 1x1 16 -> 16: 160·240·16·9 = 5,529,600 and 160·240·16·16 =
    // 9,830,400.
    CHECK(total_macs(resolve_workload(fixture("u55_conv.tflite"), std::nullopt)) == 88'473'600);
    Model dwsep = resolve_workload(fixture("u55_dwsep.tflite"), std::nullopt);
    CHECK(count_ops(layer_named(dwsep, "dw")).macs == 5'529'600);
    CHECK(count_ops(layer_named(dwsep, "pw")).macs == 9'830'400);
    CHECK(layer_named(dwsep, "pw").inputs == std::vector<int>{0});
  }
}

// MobileNet-v1 1.0 224, by hand: conv1 112²·32·(3·3·3) = 10,838,016; then per block depthwise
// out²·C·9 + pointwise out²·C·C':
//   112: 32->64        3,612,672 + 25,690,112
//    56: 64->128 (s2)  1,806,336 + 25,690,112;  128->128  3,612,672 + 51,380,224
//    28: 128->256 (s2)   903,168 + 25,690,112;  256->256  1,806,336 + 51,380,224
//    14: 256->512 (s2)   451,584 + 25,690,112;  5 x 512->512  5 · (903,168 + 51,380,224) = 261,416,960
//     7: 512->1024 (s2)  225,792 + 25,690,112;  1024->1024  451,584 + 51,380,224
//   fc 1024·1000 = 1,024,000.
// Sum: 10,838,016 + 29,302,784 + 27,496,448 + 54,992,896 + 26,593,280 + 53,186,560 + 26,141,696
//      + 261,416,960 + 25,915,904 + 51,831,808 + 1,024,000 = 568,740,352 (the paper's 569 M).
// MobileNet-v2 1.0 224: 300,774,272, PyTorch's own count of torchvision's mobilenet_v2 (forward
// hooks on Conv2d and Linear, tests/fixtures/onnx/expected.json; the paper's 300 M): TFLite SAME on
// the even sizes of this network gives PyTorch's pad-1 output sizes, so the counts agree exactly.
TEST_CASE("tflite: MobileNet-v1 and -v2 have their hand-derived and PyTorch MACs", "[tflite]") {
  Model v1 = resolve_workload(fixture("mobilenet_v1.tflite"), std::nullopt);
  CHECK(total_macs(v1) == 568'740'352);
  CHECK(v1.input_shape == Shape{1, 224, 224, 3});
  CHECK(count_ops(layer_named(v1, "conv1")).macs == 10'838'016);
  CHECK(count_ops(layer_named(v1, "block13/pw")).macs == 51'380'224);
  CHECK(count_ops(layer_named(v1, "fc")).macs == 1'024'000);
  CHECK(v1.layers.back().output_shape == Shape{1, 1000});
  // 27 convolutions (1 + 13·2), each with RELU6 fused: 27 activation layers; plus avgpool,
  // reshape, fc, softmax: 27·2 + 4 = 58 layers.
  CHECK(v1.layers.size() == 58);
  CHECK(has_note(v1, "27 fused activations of TFLite operators are separate layers"));

  Model v2 = resolve_workload(fixture("mobilenet_v2.tflite"), std::nullopt);
  std::ifstream file(std::string(CONVROOF_SOURCE_DIR) + "/tests/fixtures/onnx/expected.json");
  const auto pytorch = nlohmann::json::parse(file);
  CHECK(total_macs(v2) == 300'774'272);
  CHECK(total_macs(v2) == pytorch["mobilenet_v2"]["macs"].get<std::uint64_t>());
  // conv_last 7²·320·1280 = 20,070,400; fc 1280·1000 = 1,280,000.
  CHECK(count_ops(layer_named(v2, "conv_last")).macs == 20'070'400);
  CHECK(count_ops(layer_named(v2, "fc")).macs == 1'280'000);
  // 10 residual ADDs (blocks with stride 1 and equal channels: 24 x1, 32 x2, 64 x3, 96 x2, 160 x2).
  int adds = 0;
  for (const auto& layer : v2.layers) adds += layer.op == LayerOp::add;
  CHECK(adds == 10);
  CHECK(v2.layers.back().output_shape == Shape{1, 1000});
}

// ops.tflite: a float32 1x8x8x4 input, QUANTIZE to int8, every op the reader knows on small
// shapes, DEQUANTIZE back at the end.
TEST_CASE("tflite: every op of ops.tflite maps to its kind and counts as derived by hand", "[tflite]") {
  Model model = resolve_workload(fixture("ops.tflite"), std::nullopt);
  auto op = [&](const std::string& name) { return layer_named(model, name).op; };
  auto counts = [&](const std::string& name) { return count_ops(layer_named(model, name)); };
  auto shape = [&](const std::string& name) { return layer_named(model, name).output_shape; };
  CHECK(model.input_shape == Shape{1, 8, 8, 4});
  // QUANTIZE reads the float32 input (its layer follows --precision: no dtype) and writes int8.
  CHECK(op("quantize") == LayerOp::quantize);
  CHECK_FALSE(layer_named(model, "quantize").dtype.has_value());
  // CONV_2D 8 filters 3x3 SAME on 8x8x4, fused RELU: 8·8·8 · 9·4 = 18,432 MACs; pads 1 each side.
  CHECK(op("conv") == LayerOp::conv2d);
  CHECK(counts("conv").macs == 18'432);
  CHECK(layer_named(model, "conv").padding == std::array<std::int64_t, 4>{1, 1, 1, 1});
  CHECK(op("conv/relu") == LayerOp::relu);
  // DEPTHWISE_CONV_2D 3x3 VALID, multiplier 2, on the quantized 8x8x4: out 6x6x8, 6·6·8·9 = 2,592.
  CHECK(op("depthwise") == LayerOp::depthwise_conv2d);
  CHECK(layer_named(model, "depthwise").depth_multiplier == 2);
  CHECK(shape("depthwise") == Shape{1, 6, 6, 8});
  CHECK(counts("depthwise").macs == 2'592);
  // PAD 1 on each side of H and W: 8x8x8, no FLOPs. RELU6 after it.
  CHECK(op("pad") == LayerOp::pad);
  CHECK(shape("pad") == Shape{1, 8, 8, 8});
  CHECK(counts("pad").flops == 0);
  CHECK(op("relu6") == LayerOp::relu6);
  // ADD and MUL of two 8x8x8 activations (512 elements): add and mul layers of 2 inputs.
  CHECK(op("add") == LayerOp::add);
  CHECK(layer_named(model, "add").inputs.size() == 2);
  CHECK(op("mul") == LayerOp::mul);
  // SUB: element-wise, 1 FLOP per output: 512 FLOPs.
  CHECK(op("sub") == LayerOp::elementwise);
  CHECK(counts("sub").flops == 512);
  CHECK(op("relu") == LayerOp::relu);
  CHECK(op("logistic") == LayerOp::sigmoid);
  CHECK(op("tanh") == LayerOp::tanh);
  CHECK(op("hard_swish") == LayerOp::hardswish);
  // CONCATENATION of logistic, tanh, hard_swish (8 channels each) on axis 3: 8x8x24.
  CHECK(op("concat") == LayerOp::concat);
  CHECK(layer_named(model, "concat").inputs.size() == 3);
  CHECK(shape("concat") == Shape{1, 8, 8, 24});
  // MAX_POOL_2D 2x2 s2 VALID: 4x4x24; AVERAGE_POOL_2D 2x2 s1 SAME: 4x4x24, pads (4-1) + 2 - 4 =
  // 1 -> top 0, bottom 1, left 0, right 1.
  CHECK(op("max_pool") == LayerOp::maxpool);
  CHECK(shape("max_pool") == Shape{1, 4, 4, 24});
  CHECK(op("average_pool") == LayerOp::avgpool);
  CHECK(layer_named(model, "average_pool").padding == std::array<std::int64_t, 4>{0, 1, 0, 1});
  CHECK(shape("average_pool") == Shape{1, 4, 4, 24});
  // TRANSPOSE_CONV 8 filters 3x3 s2 SAME on 4x4x24: out 8x8x8; every input pixel scatters a
  // 3x3x8 kernel: 4·4·24 · 3·3·8 = 384 · 72 = 27,648 MACs; params 8·3·3·24 + 8 = 1,736.
  CHECK(op("transpose_conv") == LayerOp::conv_transpose);
  CHECK(shape("transpose_conv") == Shape{1, 8, 8, 8});
  CHECK(counts("transpose_conv").macs == 27'648);
  CHECK(counts("transpose_conv").params == 1'736);
  // MEAN over H and W, keep_dims: 1x1x1x8. RESHAPE to 1x8: a view.
  CHECK(op("mean") == LayerOp::reduce_mean);
  CHECK(shape("mean") == Shape{1, 1, 1, 8});
  CHECK(op("reshape") == LayerOp::reshape);
  CHECK(counts("reshape").is_view);
  // FULLY_CONNECTED 8 -> 10: 80 MACs, 80 + 10 params.
  CHECK(op("fc") == LayerOp::dense);
  CHECK(counts("fc").macs == 80);
  CHECK(counts("fc").params == 90);
  CHECK(op("softmax") == LayerOp::softmax);
  // DEQUANTIZE reads int8 (its layer is int8) and writes float32.
  CHECK(op("dequantize") == LayerOp::quantize);
  CHECK(layer_named(model, "dequantize").dtype == Precision::int8);
  // 21 operators and the conv's fused RELU: 22 layers; MACs 18,432 + 2,592 + 27,648 + 80 = 48,752.
  CHECK(model.layers.size() == 22);
  CHECK(total_macs(model) == 48'752);
  CHECK(model.layers.back().output_shape == Shape{1, 10});
}

// The fixtures are int8 throughout (tools/tflite_writer.py): layers carry dtype int8, the
// stored precision is int8, and the note names the types and the per-channel quantization (conv,
// depthwise and transpose conv weights per output channel, fully connected per tensor).
TEST_CASE("tflite: int8 tensors set the layers' dtype, and per-channel quantization is noted", "[tflite]") {
  Model conv = resolve_workload(fixture("conv3x3_s2_valid.tflite"), std::nullopt);
  CHECK(conv.layers[0].dtype == Precision::int8);
  CHECK(conv.stored_precision == Precision::int8);
  CHECK(has_note(conv, "TFLite tensor types: activations int8, weights int8; per-channel weight quantization on 1 "
                       "of 1 weighted layer"));
  // MobileNet-v1: 27 convolutions per channel, the fc per tensor: 27 of 28.
  Model v1 = resolve_workload(fixture("mobilenet_v1.tflite"), std::nullopt);
  CHECK(has_note(v1, "per-channel weight quantization on 27 of 28 weighted layers"));
  for (const auto& layer : v1.layers) CHECK(layer.dtype == Precision::int8);
  // ops.tflite: conv, depthwise, transpose conv per channel, fc per tensor: 3 of 4.
  Model ops = resolve_workload(fixture("ops.tflite"), std::nullopt);
  CHECK(has_note(ops, "per-channel weight quantization on 3 of 4 weighted layers"));
  CHECK(ops.stored_precision == Precision::int8);
}

// unknown_op.tflite: RELU, L2_NORMALIZATION, RELU on 1x4x4x8 int8. L2_NORMALIZATION has no
// formula: an unmodeled layer (bytes, no FLOPs) that the chain still flows through, and a note.
TEST_CASE("tflite: an op convroof has no formula for is unmodeled, with a note", "[tflite]") {
  Model model = resolve_workload(fixture("unknown_op.tflite"), std::nullopt);
  REQUIRE(model.layers.size() == 3);
  const Layer& l2 = model.layers[1];
  CHECK(l2.op == LayerOp::unmodeled);
  CHECK(l2.source_op == "L2_NORMALIZATION");
  CHECK(l2.inputs == std::vector<int>{0});
  CHECK(l2.output_shape == Shape{1, 4, 4, 8});
  CHECK(count_ops(l2).flops == 0);
  CHECK(model.layers[2].inputs == std::vector<int>{1});
  CHECK(has_note(model, "TFLite operators convroof has no formula for (unmodeled: bytes and overhead counted, FLOPs "
                        "not): L2_NORMALIZATION x1"));
  // The analysis lists it, and charges its bytes: 128 int8 elements in and 128 out = 256.
  const HardwareSpec hw = resolve_hardware("orin");
  AnalysisResult result = analyze(model, hw, Options{});
  REQUIRE(result.unmodeled.size() == 1);
  CHECK(result.unmodeled[0].op_type == "L2_NORMALIZATION");
  CHECK(result.layers[1].flops == 0);
  CHECK(result.layers[1].bytes.total() == 256);
}

// Malformed files: an Error (the CLI exits 2 on it) whose text names the file and the byte
// offset or the operator index.
TEST_CASE("tflite: malformed files are errors naming the file and the offset or operator", "[tflite]") {
  const std::string identifier = fixture("bad_identifier.tflite");
  CHECK_THROWS_AS(resolve_workload(identifier, std::nullopt), Error);
  // u55_conv.tflite with bytes 4..8 = "TFL2".
  CHECK(error_of(identifier) ==
        identifier + ": error: not a TFLite file: identifier 'TFL2' at byte 4, expected 'TFL3'");
  // u55_conv.tflite (3,472 bytes) with the root offset 3,472 + 64 = 3,536.
  const std::string offset = fixture("bad_offset.tflite");
  CHECK(error_of(offset) == offset + ": error: truncated TFLite file: the root table offset at byte 0 is 3536, past "
                                     "the end of the 3472-byte file");
  // u55_conv.tflite cut to its first 1,736 bytes. A flatbuffer is built back to front and
  // tools/tflite_writer.py builds buffer 0 (the empty buffer, a table of no fields: its 4-byte
  // vtable offset) first, so its table is the file's last 4 bytes, at 3,472 - 4 = 3,468: past the
  // cut. The operator codes and the subgraph, built after the buffers and so nearer the front,
  // verify (the reader looks at them first).
  const std::string truncated = fixture("bad_truncated.tflite");
  CHECK_THROWS_AS(resolve_workload(truncated, std::nullopt), Error);
  CHECK(error_of(truncated) == truncated + ": error: flatbuffer verification failed: buffer 0: its table at byte 3468 "
                                           "lies past the end of the file; the 1736-byte file is truncated or corrupt");
  // Operators CONV_2D, RELU reversed: operator 0 (RELU) reads tensor 3 (the conv's output:
  // tensors are input 0, weights 1, bias 2, conv output 3, relu output 4), which operator 1 writes.
  const std::string cycle = fixture("bad_cycle.tflite");
  CHECK(error_of(cycle).rfind(cycle + ": error: operator 0 (RELU): reads tensor 3 'conv' before it is written: "
                                      "operator 1 writes it later",
                              0) == 0);
  // CONV_2D reading tensor 99; its tensors are input, weights, bias and output: 4.
  const std::string index = fixture("bad_tensor_index.tflite");
  CHECK(error_of(index) == index + ": error: operator 0 (CONV_2D): input 0 is tensor 99, out of range (subgraph 0 "
                                   "has 4 tensors)");
}

// The tensors fix every shape: --batch other than the file's batch and --input are errors;
// --batch equal to it is accepted.
TEST_CASE("tflite: --batch other than the file's and --input are errors", "[tflite]") {
  const std::string path = fixture("conv1x1.tflite");
  CHECK(resolve_workload(path, 1).input_shape == Shape{1, 14, 14, 64});
  CHECK_THROWS_AS(resolve_workload(path, 4), Error);
  CHECK(error_of(path, 4).find("--batch 4 is not supported for a TFLite model: its tensors record batch 1") !=
        std::string::npos);
  CHECK(error_of(path, 4).rfind(path + ": error:", 0) == 0);
  const std::string input_error = error_of(path, std::nullopt, {parse_input_shape("1x14x14x64")});
  CHECK(input_error.rfind("--input: error: --input sets an ONNX model's input shape; '" + path + "' is a TFLite model",
                          0) == 0);
}

TEST_CASE("tflite: the format is told apart by the identifier at byte 4", "[tflite]") {
  CHECK(looks_like_tflite(std::string("\x1c\x00\x00\x00TFL3", 8)));
  CHECK_FALSE(looks_like_tflite(std::string("\x1c\x00\x00\x00TFL2", 8)));
  CHECK_FALSE(looks_like_tflite("TFL3"));  // too short to hold the root offset and identifier
  // A TFLite file under another name is still read as TFLite (by content). A path (it has a
  // directory) that does not end in .tflite.
  const std::string copy = (std::filesystem::temp_directory_path() / "convroof-tflite-renamed.bin").string();
  {
    std::ifstream in(fixture("dw3x3_mult2.tflite"), std::ios::binary);
    std::ofstream out(copy, std::ios::binary);
    out << in.rdbuf();
  }
  Model model = resolve_workload(copy, std::nullopt);
  std::remove(copy.c_str());
  REQUIRE(model.layers.size() == 1);
  CHECK(count_ops(model.layers[0]).macs == 7'200);  // 20·20·2·9, as above
}

// mediapipe_transpose_bias.tflite: float32 1x16x16x3, as MediaPipe's selfie segmentation ends:
// CONV_2D 8 3x3/2 SAME (fused RELU), then three of MediaPipe's custom Convolution2DTransposeBias
// (inputs input, weights OHWI, bias; custom_options 12 bytes: padding 1 SAME / 2 VALID,
// stride_width, stride_height), LOGISTIC. MediaPipe's output size: s·(in − 1) + k, less
// trim = max(0, k − (in − 1) mod s − 1) for SAME. A transposed conv scatters each input element
// over kh·kw·K outputs: MACs = in_h·in_w·C · kh·kw·K; params = K·kh·kw·C + K.
//   conv  8x8x8 (ceil(16/2)): 8·8·8 · 3·3·3 = 13,824 MACs
//   up1   4 filters 2x2 s2 SAME on 8x8x8: trim max(0, 2 − 7 mod 2 − 1) = 0, out 2·7 + 2 = 16;
//         8·8·8 · 2·2·4 = 8,192 MACs; params 4·2·2·8 + 4 = 132
//   up2   2 filters 3x3 s2 SAME on 16x16x4: trim max(0, 3 − 15 mod 2 − 1) = 1, out 2·15 + 3 − 1 = 32;
//         16·16·4 · 3·3·2 = 18,432 MACs; params 2·3·3·4 + 2 = 74
//   up3   1 filter 2x2 s1 VALID on 32x32x2: out 1·31 + 2 = 33; 32·32·2 · 2·2·1 = 8,192 MACs; params 9
// Total 13,824 + 8,192 + 18,432 + 8,192 = 48,640 MACs; nothing unmodeled.
TEST_CASE("tflite: MediaPipe's Convolution2DTransposeBias is a transposed conv with bias", "[tflite]") {
  Model model = resolve_workload(fixture("mediapipe_transpose_bias.tflite"), std::nullopt);
  REQUIRE(model.layers.size() == 6);  // conv, its RELU, up1, up2, up3, logistic
  const Layer& up1 = layer_named(model, "up1");
  CHECK(up1.op == LayerOp::conv_transpose);
  CHECK(up1.source_op == "Convolution2DTransposeBias");
  CHECK(up1.inputs == std::vector<int>{1});  // the conv's RELU
  CHECK(up1.input_shapes == std::vector<Shape>{{1, 8, 8, 8}});
  CHECK(up1.output_shape == Shape{1, 16, 16, 4});
  CHECK(up1.stride == std::array<std::int64_t, 2>{2, 2});
  CHECK(up1.kernel == std::array<std::int64_t, 2>{2, 2});
  CHECK(up1.bias);
  CHECK(count_ops(up1).macs == 8'192);
  CHECK(count_ops(up1).params == 132);
  CHECK(layer_named(model, "up2").output_shape == Shape{1, 32, 32, 2});
  CHECK(count_ops(layer_named(model, "up2")).macs == 18'432);
  CHECK(count_ops(layer_named(model, "up2")).params == 74);
  CHECK(layer_named(model, "up3").output_shape == Shape{1, 33, 33, 1});
  CHECK(count_ops(layer_named(model, "up3")).macs == 8'192);
  CHECK(count_ops(layer_named(model, "up3")).params == 9);
  CHECK(total_macs(model) == 48'640);
  CHECK_FALSE(has_note(model, "unmodeled"));
  // Float32 throughout: the layers follow --precision; the weights are stored fp32.
  CHECK_FALSE(up1.dtype.has_value());
  CHECK(model.stored_precision == Precision::fp32);
}

// densify.tflite: float32, two sparse weights behind DENSIFY (folded: TFLite densifies once).
// MACs count the dense weights; the model's stored weights count the sparse tensors as stored:
// values (float32, 4 bytes) plus their index arrays, in float32 elements (index bytes / 4,
// rounded up).
//   conv  8 filters 3x3 SAME on 1x4x4x4, weights [8, 3, 3, 4] = 288 dense; levels DENSE 8, 3, 3,
//         SPARSE_CSR over the 4 in-channels keeping 0 and 2: 8·3·3·2 = 144 values (576 bytes);
//         array_segments 8·3·3 + 1 = 73 int32 (292 bytes), array_indices 144 uint8 (144 bytes):
//         stored 144 + ceil(436 / 4) = 144 + 109 = 253 elements (1,012 bytes = 576 + 436).
//         MACs 4·4·8 · 3·3·4 = 4,608; params 288 + 8 = 296, of which 288 − 253 = 35 not stored.
//   fc    16 units on the flattened 128, weights [16, 128] = 2,048 dense in 1x4 blocks
//         (block_map [1]): levels DENSE 16, SPARSE_CSR over the 32 blocks of a row keeping 2,
//         DENSE 4: 16·2·4 = 128 values (512 bytes); segments 17 uint16 (34 bytes), indices
//         16·2 = 32 uint16 (64 bytes): stored 128 + ceil(98 / 4) = 128 + 25 = 153 elements.
//         MACs 128·16 = 2,048; params 2,048 + 16 = 2,064, of which 2,048 − 153 = 1,895 not stored.
// Stored params 253 + 8 + 153 + 16 = 430; at fp32, 1,720 bytes.
TEST_CASE("tflite: DENSIFY'd sparse weights count dense for MACs and as stored for bytes", "[tflite]") {
  Model model = resolve_workload(fixture("densify.tflite"), std::nullopt);
  REQUIRE(model.layers.size() == 3);  // conv, flatten, fc: the DENSIFYs fold away
  const Layer& conv = layer_named(model, "conv");
  CHECK(conv.op == LayerOp::conv2d);
  CHECK(count_ops(conv).macs == 4'608);
  CHECK(count_ops(conv).params == 296);
  CHECK(conv.shared_params == 35);
  const Layer& fc = layer_named(model, "fc");
  CHECK(fc.op == LayerOp::dense);
  CHECK(count_ops(fc).macs == 2'048);
  CHECK(count_ops(fc).params == 2'064);
  CHECK(fc.shared_params == 1'895);
  CHECK(total_macs(model) == 6'656);
  CHECK(has_note(model, "2 TFLite operators only compute on constants and fold away"));
  Options options;
  options.precision = Precision::fp32;
  AnalysisResult result = analyze(model, resolve_hardware("orin"), options);
  CHECK(result.totals.params == 430);
  CHECK(result.totals.weight_bytes == 1'720);
}

// Malformed custom_options and sparsity: errors naming the operator or tensor and the byte.
TEST_CASE("tflite: bad Convolution2DTransposeBias options and sparsity are errors", "[tflite]") {
  // 8 bytes where MediaPipe's struct has 12.
  const std::string size = fixture("bad_custom_options_size.tflite");
  CHECK(error_of(size).rfind(size + ": error: operator 0 (Convolution2DTransposeBias): its custom_options are 8 bytes "
                                    "(at byte ",
                             0) == 0);
  const std::string stride = fixture("bad_custom_options_stride.tflite");
  CHECK(error_of(stride).find("operator 0 (Convolution2DTransposeBias): custom_options: stride_height 0 (the int32 at "
                              "byte ") != std::string::npos);
  // densify.tflite's conv weights (tensor 1) with array_segments [0, 2, 4, 6, 8, 7, …].
  const std::string sparse = fixture("bad_sparsity.tflite");
  CHECK(error_of(sparse).find("tensor 1 'conv/weights_sparse': its sparsity parameters (the table at byte ") !=
        std::string::npos);
  CHECK(error_of(sparse).find("dim_metadata 3: array_segments entry 5 is 7, below entry 4 (8)") != std::string::npos);
}

// The operator table's names per layer kind (what `convroof workloads kinds` prints).
TEST_CASE("tflite: tflite_op_types lists the operator names each kind is imported from", "[tflite]") {
  using Names = std::vector<std::string_view>;
  CHECK(tflite_op_types(LayerOp::conv2d) == Names{"CONV_2D"});
  CHECK(tflite_op_types(LayerOp::depthwise_conv2d) == Names{"CONV_2D", "DEPTHWISE_CONV_2D"});
  CHECK(tflite_op_types(LayerOp::conv_transpose) == Names{"TRANSPOSE_CONV", "Convolution2DTransposeBias"});
  CHECK(tflite_op_types(LayerOp::dense) == Names{"FULLY_CONNECTED"});
  CHECK(tflite_op_types(LayerOp::matmul) == Names{"FULLY_CONNECTED", "BATCH_MATMUL"});
  CHECK(tflite_op_types(LayerOp::clip) == Names{"RELU_N1_TO_1", "RELU_0_TO_1"});
  CHECK(tflite_op_types(LayerOp::quantize) == Names{"QUANTIZE", "DEQUANTIZE"});
  CHECK(tflite_op_types(LayerOp::batchnorm).empty());  // TFLite has no batch norm operator
  CHECK(tflite_op_types(LayerOp::unmodeled).empty());
}
