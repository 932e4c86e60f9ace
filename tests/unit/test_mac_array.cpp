// The MAC-array utilisation model (src/engine/mac_array.cpp) on seed 004's Ethos-U55-128
// layers, against Arm's worked numbers in the thread (all int8, 500 MHz, 38,400 pixels), and
// Vela's estimator (src/engine/vela.cpp, src/engine/npu.cpp) against Vela 3.10's own figures.
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"

using namespace convroof;

namespace {
// The granularity rules alone (`vela` cleared), or with Vela's estimator as the spec names it.
AnalysisResult run(const std::string& workload, const std::string& hw_id, bool vela = false) {
  HardwareSpec hw = resolve_hardware(hw_id);
  if (!vela) hw.mac_array->vela.clear();
  Options options;
  options.precision = hw.default_precision;
  return analyze(resolve_workload(workload, std::nullopt), hw, options);
}
}  // namespace

TEST_CASE("mac array: seed 004 operator utilisations and cycles on the U55-128", "[mac_array][seeds]") {
  // Conv2D 16x3x3x16 at depth 16: kernel-first (depth 16/16 = 100 %) x taps 9/12 = 75 %
  // (depth-first would give 16/32 = 50 %). 88,473,600 MACs / (128 x 0.75) = 921,600 cycles;
  // the output stage, 614,400 outputs x 0.5 = 307,200 cycles, is shorter.
  AnalysisResult conv = run("u55_conv", "ethos-u55-128");
  const MacArrayCost& c = *conv.layers.front().mac_array;
  CHECK(c.mode == "kernel-first");
  CHECK(c.class_share * c.tap_utilization * c.depth_utilization == Approx(0.75));
  CHECK(c.mac_cycles == Approx(921'600));
  CHECK(c.output_cycles == Approx(307'200));
  CHECK(c.cycles == Approx(921'600));
  CHECK(conv.layers.front().time.compute == Approx(921'600 / 500e6));
  // Granularity wastes 88,473,600 x (12/9 − 1) = 29,491,200 MAC slots.
  CHECK(c.wasted_macs == 29'491'200);

  AnalysisResult dwsep = run("u55_dwsep", "ethos-u55-128");
  // Depthwise 3x3: 16 of 128 MACs (12.5 %) x taps 75 % = 9.375 %:
  // 5,529,600 / (128 x 0.09375) = 460,800 cycles.
  const MacArrayCost& d = *dwsep.layers[0].mac_array;
  CHECK(d.mode == "depthwise");
  CHECK(d.class_share * d.tap_utilization * d.depth_utilization == Approx(0.09375));
  CHECK(d.cycles == Approx(460'800));
  // Pointwise 1x1 at depth 16: kernel-first would be 100 % x 1/4 = 25 % (the thread's figure);
  // depth-first is 16/32 = 50 %, so Vela's rule picks depth-first: 9,830,400 / 64 = 153,600
  // MAC cycles. The output stage, 614,400 x 0.5 = 307,200 cycles, binds: the layer keeps
  // 9,830,400 / (307,200 x 128) = 25 % of the array busy, the thread's cycle count exactly.
  const MacArrayCost& p = *dwsep.layers[1].mac_array;
  CHECK(p.mode == "depth-first");
  CHECK(p.tap_utilization * p.depth_utilization == Approx(0.5));
  CHECK(p.mac_cycles == Approx(153'600));
  CHECK(p.cycles == Approx(307'200));
  CHECK(p.utilization == Approx(0.25));
  // Network: 921,600 vs 460,800 + 307,200 = 768,000 cycles: 5.76x fewer MACs, 1.2x fewer cycles.
  CHECK(conv.totals.time.compute * 500e6 == Approx(921'600));
  CHECK(dwsep.totals.time.compute * 500e6 == Approx(768'000));
}

TEST_CASE("mac array: the rules scale across U55 sizes and halve at 16 bit", "[mac_array]") {
  // U55-256: 256 MACs, depthwise 32, output stage 0.25 cycles: conv 88,473,600 / (256 x 0.75)
  // = 460,800 cycles; U55-32: 32 MACs, output stage 2 cycles: 3,686,400 MAC cycles vs
  // 614,400 x 2 = 1,228,800 output cycles.
  CHECK(run("u55_conv", "ethos-u55-256").layers.front().mac_array->cycles == Approx(460'800));
  CHECK(run("u55_conv", "ethos-u55-32").layers.front().mac_array->cycles == Approx(3'686'400));
  // 1x1 at depth 16 on the U55-32: MAC cycles 9,830,400 / (32 x 0.5) = 614,400 < output
  // cycles 1,228,800: output-bound.
  CHECK(run("u55_dwsep", "ethos-u55-32").layers[1].mac_array->cycles == Approx(1'228'800));
  // int16 on the U55-128: 64 MACs per cycle, so the conv takes 88,473,600 / (64 x 0.75) = 1,843,200.
  HardwareSpec hw = resolve_hardware("ethos-u55-128");
  hw.mac_array->vela.clear();
  Options options;
  options.precision = Precision::int16;
  AnalysisResult wide = analyze(resolve_workload("u55_conv", std::nullopt), hw, options);
  CHECK(wide.layers.front().mac_array->cycles == Approx(1'843'200));
  CHECK(wide.layers.front().bytes.input == 2 * 614'400);
}

TEST_CASE("mac array: kernel-first is forced at depth <= 8", "[mac_array]") {
  // 1x1 conv at depth 8: kernel-first 8/8 x 1/4 = 25 %, depth-first 8/32 = 25 %: kernel-first
  // (ties and depth <= 8 both pick it). At depth 4 kernel-first gives 4/8 x 1/4 = 12.5 % and
  // depth-first 4/32 = 12.5 %: still kernel-first by the depth rule.
  HardwareSpec hw = resolve_hardware("ethos-u55-128");
  hw.mac_array->vela.clear();
  Options options;
  options.precision = Precision::int8;
  auto mode_at = [&](const char* line) {
    return *analyze(parse_layer_line(line, std::nullopt), hw, options).layers.front().mac_array;
  };
  MacArrayCost eight = mode_at("conv2d filters=16 kernel=1 input=32x32x8");
  CHECK(eight.mode == "kernel-first");
  CHECK(eight.tap_utilization * eight.depth_utilization == Approx(0.25));
  MacArrayCost deep = mode_at("conv2d filters=16 kernel=1 input=32x32x64");
  // depth 64: kernel-first 1 x 1/4 = 25 %, depth-first 64/64 = 100 %: depth-first.
  CHECK(deep.mode == "depth-first");
  CHECK(deep.depth_utilization == Approx(1.0));
}

TEST_CASE("mac array: Vela's estimate of seed 004's pair, as Vela 3.10 prints it", "[mac_array][vela][seeds]") {
  // The oracle: Vela 3.10.0 (8cb3c36), --accelerator-config ethos-u55-128 --optimise Performance
  // on tests/fixtures/tflite/u55_conv.tflite and u55_dwsep.tflite (docs/validation/vela-models.json):
  // conv 931,186 cycles with block 7x12x16x16; dw 464,752 (7x12x16x16) + pw 307,792 (8x16x16x16)
  // = 772,544. The conv's exposed weight DMA is the whole transfer (the first operation has nothing
  // to hide it under): encoded weights = scales/biases 16 x 10 B = 160 B (a multiple of 16) + the
  // stream: 16 x 16 x 9 = 2,304 weights padded to taps of 12 (part-kernel-first) = 3,072 slots,
  // 2,304 x 1.00009 + 768 x 0.5 = 2,688.2 -> 2,704 B (rounded up to 16); 2,864 B in all, DMA'd from
  // flash at 1 B/cycle after a 64-cycle latency: 2,928 cycles over the op's own.
  AnalysisResult conv = run("u55_conv", "ethos-u55-128", true);
  const MacArrayCost& c = *conv.layers.front().mac_array;
  REQUIRE(c.vela);
  CHECK(c.vela->block == std::array{7, 12, 16, 16});
  CHECK(c.vela->traversal == "part-kernel-first");
  CHECK(c.vela->weight_bytes == 2'864);
  CHECK(c.vela->npu_cycles - c.vela->op_cycles == 2'928);
  CHECK(c.cycles == 931'186);
  // The memory term: SRAM access cycles, below the NPU's: Vela's 385,440 (docs/validation).
  CHECK(c.vela->sram_access_cycles == 385'440);
  CHECK(conv.layers.front().time.compute == Approx(931'186 / 500e6));
  AnalysisResult dwsep = run("u55_dwsep", "ethos-u55-128", true);
  CHECK(dwsep.layers[0].mac_array->cycles == 464'752);
  CHECK(dwsep.layers[1].mac_array->cycles == 307'792);
  CHECK(dwsep.layers[1].mac_array->vela->block == std::array{8, 16, 16, 16});
  CHECK(dwsep.totals.time.compute * 500e6 == Approx(772'544));
  // U55-256: Vela 464,956 and 528,384 cycles, each operation the larger of its NPU and memory
  // cycles (the depthwise layer waits on SRAM there).
  auto vela_cycles = [](const AnalysisResult& result) {
    double seconds = 0;
    for (const auto& layer : result.layers) seconds += std::max(layer.time.compute, layer.time.memory);
    return seconds * 500e6;
  };
  CHECK(vela_cycles(run("u55_conv", "ethos-u55-256", true)) == Approx(464'956));
  CHECK(vela_cycles(run("u55_dwsep", "ethos-u55-256", true)) == Approx(528'384));
}

// Operations Vela 3.10 places on the CPU by their shapes (tflite_supported_operators.py) get no
// Vela estimate; the granularity rules give their cycles. Each line differs from an accepted one
// in one figure, at the edge of its range.
TEST_CASE("mac array: shapes Vela runs on the CPU keep the granularity rules", "[mac_array][vela]") {
  HardwareSpec hw = resolve_hardware("ethos-u55-128");
  Options options;
  options.precision = Precision::int8;
  auto vela_of = [&](const std::string& line) {
    return analyze(parse_layer_line(line, std::nullopt), hw, options).layers.front().mac_array->vela.has_value();
  };
  // stride_range [1, 3]: stride 3 is on the NPU, 4 is not.
  CHECK(vela_of("conv2d filters=16 kernel=3 stride=3 input=48x48x16"));
  CHECK_FALSE(vela_of("conv2d filters=16 kernel=3 stride=4 input=48x48x16"));
  // dilated_height_range [1, 64]: a 64-tall kernel is, 65 (or 33 taps at dilation 2) is not.
  CHECK(vela_of("depthwise_conv2d kernel=[64,1] input=70x8x16"));
  CHECK_FALSE(vela_of("depthwise_conv2d kernel=[65,1] input=70x8x16"));
  CHECK_FALSE(vela_of("depthwise_conv2d kernel=[33,1] dilation=2 input=70x8x16"));
  // dilated_product_range [1, 64 x 64 = 4,096]: 64x64 is, 64x65 is not.
  CHECK(vela_of("depthwise_conv2d kernel=64 input=70x70x16"));
  CHECK_FALSE(vela_of("depthwise_conv2d kernel=[64,65] input=70x70x16"));
  // tens_dim_range [1, 65535]: a 65,536-wide input is not.
  CHECK(vela_of("conv2d filters=16 kernel=1 input=1x65535x16"));
  CHECK_FALSE(vela_of("conv2d filters=16 kernel=1 input=1x65536x16"));
  // filter_range [1, 8] for a padded average pool; filter_height_range [1, 256] otherwise.
  CHECK(vela_of("avgpool kernel=8 stride=1 padding=same input=16x16x16"));
  CHECK_FALSE(vela_of("avgpool kernel=9 stride=1 padding=same input=16x16x16"));
  CHECK(vela_of("maxpool kernel=[256,1] stride=1 input=256x4x16"));
  CHECK_FALSE(vela_of("maxpool kernel=[257,1] stride=1 input=260x4x16"));
}
