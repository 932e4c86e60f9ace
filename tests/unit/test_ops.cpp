// Op counting per layer kind. Every expected number is worked out by hand in the comment
// next to it from the layer's shape (N·Ho·Wo·K outputs, (C/g)·kh·kw MACs each).
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"

using namespace convroof;

namespace {
struct One {
  Layer layer;
  OpCounts counts;
};
One one(const std::string& line) {
  Model model = parse_layer_line(line, std::nullopt);
  REQUIRE(model.layers.size() == 1);
  return One{model.layers.front(), count_ops(model.layers.front())};
}
}  // namespace

TEST_CASE("ops: standard 3x3 convolution (the blog layer, seed 002)", "[ops]") {
  auto [layer, counts] = one("conv2d filters=128 kernel=3 padding=same input=224x224x128");
  CHECK(layer.output_shape == Shape{1, 224, 224, 128});
  CHECK(layer.op_class == OpClass::standard);
  // 224·224 = 50,176 pixels × 128 filters × (128·3·3 = 1,152) MACs = 7,398,752,256.
  CHECK(counts.macs == 7'398'752'256ULL);
  CHECK(counts.flops == 14'797'504'512ULL);   // 2 per MAC
  CHECK(counts.params == 147'456);            // 3·3·128·128
  CHECK(counts.input_elements == 6'422'528);  // 224·224·128
  CHECK(counts.output_elements == 6'422'528);
}

TEST_CASE("ops: grouped convolution divides the per-output work by g", "[ops]") {
  auto [layer, counts] = one("conv2d filters=64 kernel=3 groups=4 padding=same input=56x56x32");
  CHECK(layer.op_class == OpClass::grouped);
  // C/g = 8: 56·56 = 3,136 pixels × 64 × (8·9 = 72) = 14,450,688 MACs; params 9·8·64 = 4,608.
  CHECK(counts.macs == 14'450'688);
  CHECK(counts.params == 4'608);
}

TEST_CASE("ops: depthwise convolution, as conv2d groups=C and as depthwise_conv2d", "[ops]") {
  auto [as_conv, conv_counts] = one("conv2d filters=32 kernel=3 groups=32 padding=same input=112x112x32");
  CHECK(as_conv.op_class == OpClass::depthwise);
  // 112·112 = 12,544 pixels × 32 channels × 9 taps = 3,612,672 MACs; params 9·32 = 288.
  CHECK(conv_counts.macs == 3'612'672);
  CHECK(conv_counts.params == 288);
  auto [dw, dw_counts] = one("depthwise_conv2d kernel=3 padding=same input=112x112x32");
  CHECK(dw.op_class == OpClass::depthwise);
  CHECK(dw_counts.macs == conv_counts.macs);
  CHECK(dw_counts.params == conv_counts.params);
  // depth_multiplier 2, valid 3x3 on 10x10x4: out 8x8x8; MACs 64·8·9 = 4,608; params 9·4·2 = 72.
  auto [multiplied, counts] = one("depthwise_conv2d kernel=3 depth_multiplier=2 input=10x10x4");
  CHECK(multiplied.output_shape == Shape{1, 8, 8, 8});
  CHECK(counts.macs == 4'608);
  CHECK(counts.params == 72);
}

TEST_CASE("ops: pointwise 1x1 convolution is its own class", "[ops]") {
  auto [layer, counts] = one("conv2d filters=128 kernel=1 input=224x224x128");
  CHECK(layer.op_class == OpClass::pointwise);
  CHECK(counts.macs == 822'083'584ULL);  // 50,176 · 128 · 128
  CHECK(counts.params == 16'384);
}

TEST_CASE("ops: strided, padded and dilated output sizes", "[ops]") {
  // MobileNet conv1: 'same' with stride 2 on 224 → ceil(224/2) = 112; total pad
  // (112−1)·2 + 3 − 224 = 1, all of it at the bottom/right (TensorFlow).
  auto [conv1, conv1_counts] = one("conv2d filters=32 kernel=3 stride=2 padding=same input=224x224x3");
  CHECK(conv1.output_shape == Shape{1, 112, 112, 32});
  CHECK(conv1.padding == std::array<std::int64_t, 4>{0, 1, 0, 1});
  CHECK(conv1_counts.macs == 10'838'016);  // 12,544 · 32 · 27
  // valid, stride 2: floor((7 − 3)/2) + 1 = 3.
  CHECK(one("conv2d filters=1 kernel=3 stride=2 input=7x7x1").layer.output_shape == Shape{1, 3, 3, 1});
  // dilation 2 makes a 3x3 kernel span 5: 9 − 5 + 1 = 5; MACs 25 · 9 = 225.
  auto [dilated, dilated_counts] = one("conv2d filters=1 kernel=3 dilation=2 input=9x9x1");
  CHECK(dilated.output_shape == Shape{1, 5, 5, 1});
  CHECK(dilated_counts.macs == 225);
  // 'same' with dilation 2, stride 1 keeps 9: total pad = 8 + 5 − 9 = 4 → 2 / 2.
  CHECK(one("conv2d filters=1 kernel=3 dilation=2 padding=same input=9x9x1").layer.padding ==
        std::array<std::int64_t, 4>{2, 2, 2, 2});
  // explicit [top, bottom, left, right] = [1,1,2,2]: H 5+2−3+1 = 5, W 5+4−3+1 = 7.
  CHECK(one("conv2d filters=1 kernel=3 padding=[1,1,2,2] input=5x5x1").layer.output_shape == Shape{1, 5, 7, 1});
  // rectangular kernel 1x7 with [h, w] pairs: W 10 − 7 + 1 = 4.
  CHECK(one("conv2d filters=1 kernel=1x7 input=10x10x1").layer.output_shape == Shape{1, 10, 4, 1});
}

TEST_CASE("ops: bias adds params and one FLOP per output", "[ops]") {
  // dense 1024 → 1000: MACs 1,024,000; params 1,024,000 + 1,000; FLOPs 2,048,000 + 1,000.
  auto [dense, counts] = one("dense units=1000 bias=true input=1024");
  CHECK(dense.op_class == OpClass::dense);
  CHECK(dense.output_shape == Shape{1, 1000});
  CHECK(counts.macs == 1'024'000);
  CHECK(counts.params == 1'025'000);
  CHECK(counts.flops == 2'049'000);
  // conv 1x1, 4 filters, on 2x2x3 with bias: MACs 4·4·3 = 48, params 12 + 4, FLOPs 96 + 16.
  auto conv = one("conv2d filters=4 kernel=1 bias=true input=2x2x3").counts;
  CHECK(conv.macs == 48);
  CHECK(conv.params == 16);
  CHECK(conv.flops == 112);
}

TEST_CASE("ops: dense over the last axis of a 4-D tensor", "[ops]") {
  // 1x7x7x64 → 1x7x7x10: 49 positions × 64 × 10 = 31,360 MACs.
  auto [layer, counts] = one("dense units=10 input=7x7x64");
  CHECK(layer.output_shape == Shape{1, 7, 7, 10});
  CHECK(counts.macs == 31'360);
}

TEST_CASE("ops: pooling", "[ops]") {
  // ResNet maxpool 3x3/2 pad 1 on 112: floor((112 + 2 − 3)/2) + 1 = 56; 8 compares per output:
  // 56·56·64 = 200,704 outputs × 8 = 1,605,632 FLOPs; no MACs, no params.
  auto [pool, pool_counts] = one("maxpool kernel=3 stride=2 padding=1 input=112x112x64");
  CHECK(pool.output_shape == Shape{1, 56, 56, 64});
  CHECK(pool.op_class == OpClass::pool);
  CHECK(pool_counts.flops == 1'605'632);
  CHECK(pool_counts.macs == 0);
  // avgpool 2x2 (stride defaults to the kernel) on 4x4x1: 4 outputs × 4 FLOPs = 16.
  auto [avg, avg_counts] = one("avgpool kernel=2 input=4x4x1");
  CHECK(avg.output_shape == Shape{1, 2, 2, 1});
  CHECK(avg_counts.flops == 16);
  // global average pool 7x7x1024: one FLOP per input element = 50,176.
  auto [gap, gap_counts] = one("global_avgpool input=7x7x1024");
  CHECK(gap.output_shape == Shape{1, 1, 1, 1024});
  CHECK(gap_counts.flops == 50'176);
}

TEST_CASE("ops: batch norm and activations are element-wise", "[ops]") {
  // 10·10·8 = 800 elements.
  auto bn = one("batchnorm input=10x10x8");
  CHECK(bn.layer.op_class == OpClass::norm);
  CHECK(bn.counts.flops == 1'600);  // x·scale + shift: 2 per element
  CHECK(bn.counts.params == 16);    // γ, β per channel
  CHECK(one("relu input=10x10x8").counts.flops == 800);
  CHECK(one("relu6 input=10x10x8").counts.flops == 1'600);
  CHECK(one("hardswish input=10x10x8").counts.flops == 4'000);
  CHECK(one("softmax input=1000").counts.flops == 5'000);
  CHECK(one("relu input=10x10x8").layer.op_class == OpClass::activation);
}

TEST_CASE("ops: add, mul and concat with named branches", "[ops]") {
  const char* text = R"(schema: convroof.workload/1
name: branches
input: {shape: [2, 8, 8, 16]}
layers:
  - {name: a, type: conv2d, filters: 16, kernel: 1}
  - {name: b, type: relu, inputs: [input]}
  - {name: sum, type: add, inputs: [a, b]}
  - {name: gate, type: global_avgpool, inputs: [sum]}
  - {name: scaled, type: mul, inputs: [sum, gate]}
  - {name: joined, type: concat, inputs: [scaled, a]}
  - {name: flat, type: flatten}
  - {name: gated, type: mul, inputs: [gate, sum]}
)";
  Model model = parse_workload(text, "branches.yaml", std::nullopt);
  REQUIRE(model.layers.size() == 8);
  // add of two 2x8x8x16 tensors: 2,048 outputs × 1 add; reads both inputs (4,096 elements).
  OpCounts sum = count_ops(model.layers[2]);
  CHECK(sum.flops == 2'048);
  CHECK(sum.input_elements == 4'096);
  CHECK(model.layers[2].op_class == OpClass::eltwise);
  // mul broadcasts the [2,1,1,16] gate: reads 2,048 + 32 elements, 2,048 products.
  OpCounts scaled = count_ops(model.layers[4]);
  CHECK(scaled.flops == 2'048);
  CHECK(scaled.input_elements == 2'080);
  // concat on channels: 16 + 16 = 32; a copy without arithmetic.
  CHECK(model.layers[5].output_shape == Shape{2, 8, 8, 32});
  CHECK(count_ops(model.layers[5]).flops == 0);
  // flatten is a view: [2, 8·8·32 = 2,048], nothing moves.
  CHECK(model.layers[6].output_shape == Shape{2, 2'048});
  CHECK(count_ops(model.layers[6]).is_view);
  CHECK(count_ops(model.layers[6]).input_elements == 0);
  // the broadcast operand may come first: the output is still the full 2x8x8x16.
  CHECK(model.layers[7].output_shape == Shape{2, 8, 8, 16});
  CHECK(count_ops(model.layers[7]).flops == 2'048);
}

TEST_CASE("ops: repeat chains copies with numbered names", "[ops]") {
  const char* text = R"(schema: convroof.workload/1
name: repeated
input: {shape: [1, 4, 4, 8]}
layers:
  - {name: c, type: conv2d, filters: 8, kernel: 3, padding: same, repeat: 3}
)";
  Model model = parse_workload(text, "r.yaml", std::nullopt);
  REQUIRE(model.layers.size() == 3);
  CHECK(model.layers[0].name == "c_1");
  CHECK(model.layers[2].name == "c_3");
  CHECK(model.layers[2].inputs == std::vector<int>{1});
}

TEST_CASE("ops: batch override scales every count linearly", "[ops]") {
  Model one_image = parse_layer_line("conv2d filters=8 kernel=3 input=16x16x8", std::nullopt);
  Model sixteen = parse_layer_line("conv2d filters=8 kernel=3 input=16x16x8", 16);
  CHECK(sixteen.layers[0].output_shape == Shape{16, 14, 14, 8});
  CHECK(count_ops(sixteen.layers[0]).macs == 16 * count_ops(one_image.layers[0]).macs);
  CHECK(count_ops(sixteen.layers[0]).params == count_ops(one_image.layers[0]).params);
}

TEST_CASE("ops: a count that would overflow 64 bits is an error naming the layer", "[ops]") {
  // 1e9·1e9 outputs do not fit in 2^64 with 1e9 filters.
  const char* text = R"(schema: convroof.workload/1
name: huge
input: {shape: [1000000000, 1000000000, 1000000000, 1000]}
layers:
  - {name: enormous, type: conv2d, filters: 1000000000, kernel: 1}
)";
  Model model = parse_workload(text, "huge.yaml", std::nullopt);
  CHECK_THROWS_WITH(count_ops(model.layers[0]), Catch::Contains("'enormous'") && Catch::Contains("overflows"));
}
