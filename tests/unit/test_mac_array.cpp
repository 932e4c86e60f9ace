// The MAC-array utilisation model (src/engine/mac_array.cpp) on seed 004's Ethos-U55-128
// layers, against Arm's worked numbers in the thread (all int8, 500 MHz, 38,400 pixels).
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"

using namespace convroof;

namespace {
AnalysisResult run(const std::string& workload, const std::string& hw_id) {
  HardwareSpec hw = resolve_hardware(hw_id);
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
