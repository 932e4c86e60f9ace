// Deployment runtimes (include/convroof/runtime.hpp, src/engine/analyze.cpp, traffic.cpp):
// the file format, fusion patterns, launch costs, residency, SIMD lanes and --set clock, each
// against numbers derived by hand in the comments.
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"
#include "convroof/error.hpp"
#include "convroof/runtime.hpp"

using namespace convroof;

namespace {

// One unit, 100 TFLOP/s at fp16 (10 at fp32), 1 TB/s DRAM, a 1 MiB L2, L = 5 us, 1 GHz.
const char* kGpu = R"(schema: convroof.hardware/1
id: testgpu
name: test GPU
class: cloud
default_precision: fp16
clock: 1 GHz
peak: {fp16: 100 TFLOPS, fp32: 10 TFLOPS}
memory:
  - {name: dram, capacity: 16 GB, bandwidth: 1000 GB/s}
  - {name: l2, capacity: 1 MiB}
overhead: 5 us
sources: ["a test"]
)";

// A CPU with 16 fp32 lanes (AVX-512), 1 TFLOP/s fp32 and 4 TOPS int8.
const char* kCpu = R"(schema: convroof.hardware/1
id: testcpu
name: test CPU
class: cpu
default_precision: fp32
peak: {fp32: 1 TFLOPS, int8: 4 TOPS}
memory:
  - {name: dram, capacity: 16 GB, bandwidth: 100 GB/s}
overhead: 1 us
vector_lanes: 16
sources: ["a test"]
)";

// A ResNet-style block on 16x16x32 (fp16: a tensor is 16·16·32·2 = 16,384 B), then a pool.
const char* kBlock = R"(schema: convroof.workload/1
name: block
input: {shape: [1, 16, 16, 32], layout: NHWC}
layers:
  - {name: c1, type: conv2d, filters: 32, kernel: 3, padding: same}
  - {name: bn1, type: batchnorm}
  - {name: r1, type: relu}
  - {name: c2, type: conv2d, filters: 32, kernel: 3, padding: same}
  - {name: bn2, type: batchnorm}
  - {name: add, type: add, inputs: [bn2, r1]}
  - {name: r2, type: relu}
  - {name: pool, type: maxpool, kernel: 2}
  - {name: r3, type: relu}
)";

Runtime runtime_of(const std::string& yaml) {
  return parse_runtime("schema: convroof.runtime/1\nid: test\nname: a test runtime\n" + yaml +
                           "sources: [\"a test\"]\n",
                       "test.runtime.yaml");
}

AnalysisResult run(const Model& model, const HardwareSpec& hw, const Runtime& runtime, Fuse fuse = Fuse::runtime) {
  Options options;
  options.precision = hw.default_precision;
  options.runtime = runtime;
  options.fuse = fuse;
  return analyze(model, hw, options);
}

const LayerCost& layer(const AnalysisResult& result, const std::string& name) {
  for (const auto& cost : result.layers)
    if (cost.name == name) return cost;
  FAIL("no layer " << name);
  return result.layers.front();
}

}  // namespace

TEST_CASE("runtime: the file sets patterns, launch costs, efficiency factors and per-class figures", "[runtime]") {
  Runtime runtime = runtime_of(
      "fuse: [conv-bn-act, residual]\nresidency: true\nlaunch: {per_kernel: 2000 cycles, per_inference: 10 us}\n"
      "efficiency: {default: 0.5, depthwise: 0.25, fp16: 0.8}\n"
      "classes:\n  edge: {efficiency: {default: 0.9}, launch: {per_kernel: 3 us}}\n");
  CHECK(runtime.fusion == (static_cast<unsigned>(FusionPattern::conv_bn_act) | static_cast<unsigned>(FusionPattern::residual)));
  CHECK(runtime.residency);
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  // 2000 cycles at 1 GHz = 2 us; per inference 10 us.
  CHECK(runtime.kernel_launch_s(gpu) == Approx(2e-6));
  CHECK(runtime.inference_launch_s(gpu) == Approx(10e-6));
  // Class factor x precision factor: standard fp16 0.5 x 0.8 = 0.4; depthwise fp32 0.25 x 1;
  // depthwise fp16 0.25 x 0.8 = 0.2.
  CHECK(runtime.efficiency_factor(OpClass::standard, Precision::fp16, gpu) == Approx(0.4));
  CHECK(runtime.efficiency_factor(OpClass::depthwise, Precision::fp32, gpu) == Approx(0.25));
  CHECK(runtime.efficiency_factor(OpClass::depthwise, Precision::fp16, gpu) == Approx(0.2));
  // An edge device takes its class's figures, which start from the runtime's: default 0.9 (the
  // depthwise 0.25 and fp16 0.8 carry over), L 3 us, per inference still 10 us.
  gpu.device_class = "edge";
  CHECK(runtime.efficiency_factor(OpClass::standard, Precision::fp16, gpu) == Approx(0.72));
  CHECK(runtime.efficiency_factor(OpClass::depthwise, Precision::fp32, gpu) == Approx(0.25));
  CHECK(runtime.kernel_launch_s(gpu) == Approx(3e-6));
  CHECK(runtime.inference_launch_s(gpu) == Approx(10e-6));
  // Without launch figures the spec's overhead applies; without a clock, cycles are an error.
  CHECK(runtime_of("").kernel_launch_s(gpu) == Approx(5e-6));
  gpu.device_class = "cloud";
  gpu.clock_hz.reset();
  CHECK_THROWS_AS(check_runtime_for(runtime, gpu, "--runtime"), Error);
  CHECK_NOTHROW(check_runtime_for(runtime_of(""), gpu, "--runtime"));
}

TEST_CASE("runtime: a spec's default runtime comes from its field, else its class", "[runtime]") {
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  CHECK(default_runtime_id(gpu) == "tensorrt");
  gpu.device_class = "tinyml";
  CHECK(default_runtime_id(gpu) == "tflite-micro");
  gpu.device_class = "npu";
  CHECK(default_runtime_id(gpu) == "ethos-u");
  gpu.device_class = "cpu";
  CHECK(default_runtime_id(gpu) == "onednn");
  gpu.runtime = "pytorch";
  CHECK(default_runtime_id(gpu) == "pytorch");
  // Every built-in spec names a built-in runtime.
  for (const auto& id : builtin_hardware_ids()) {
    INFO(id);
    CHECK_NOTHROW(resolve_runtime(default_runtime_id(resolve_hardware(id))));
  }
  // `none` is the record analyze() assumes when given no runtime: nothing fused, the spec's L.
  Runtime none = resolve_runtime("none");
  CHECK(none.fusion == Runtime{}.fusion);
  CHECK_FALSE(none.residency);
  CHECK(none.kernel_launch_s(gpu) == gpu.overhead_s);
}

TEST_CASE("runtime: residual fusion runs the add and its activation in the conv, pools take theirs", "[runtime]") {
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  Model block = parse_workload(kBlock, "block.yaml", std::nullopt);
  Runtime runtime = runtime_of("fuse: [conv-bn-act, residual, pool-epilogue]\nlaunch: {per_kernel: 2 us, per_inference: 10 us}\n");
  AnalysisResult fused = run(block, gpu, runtime);
  // Kernels: c1 (+ bn1, r1), c2 (+ bn2, add, r2), pool (+ r3): L = 3 x 2 us + 10 us once = 16 us.
  CHECK(fused.totals.time.overhead == Approx(16e-6));
  CHECK(fused.totals.launch_per_inference == Approx(10e-6));
  CHECK(layer(fused, "add").runs_in == "c2");
  CHECK(layer(fused, "r2").runs_in == "c2");
  CHECK(layer(fused, "r3").runs_in == "pool");
  CHECK(layer(fused, "c1").time.overhead == Approx(2e-6));
  CHECK(layer(fused, "add").time.overhead == 0);
  // The add reads only the skip (r1's 16,384 B) from memory: bn2's output stays in c2's
  // epilogue; c2, bn2 and the add write nothing, r2 writes the block's output for the pool.
  CHECK(layer(fused, "add").bytes.input == 16'384);
  CHECK(layer(fused, "add").input_from == "fused+dram");
  CHECK(layer(fused, "c2").bytes.output == 0);
  CHECK(layer(fused, "add").bytes.output == 0);
  CHECK(layer(fused, "r2").bytes.output == 16'384);
  // The pool's output (8·8·32·2 = 4,096 B) stays on chip; its relu writes it (the model output).
  CHECK(layer(fused, "pool").bytes.output == 0);
  CHECK(layer(fused, "r3").bytes.output == 4'096);
  // --fuse none under the same runtime: 9 kernels, 9 x 2 us + 10 us = 28 us.
  AnalysisResult unfused = run(block, gpu, runtime, Fuse::none);
  CHECK(unfused.totals.time.overhead == Approx(28e-6));
  CHECK(layer(unfused, "add").bytes.input == 2 * 16'384);
  // Without the residual pattern the add is its own kernel, and so is its relu (an activation
  // after an add joins it only with eltwise-chain): c1, c2, add, r2, pool: 5 x 2 + 10 = 20 us.
  AnalysisResult no_residual =
      run(block, gpu, runtime_of("fuse: [conv-bn-act, pool-epilogue]\nlaunch: {per_kernel: 2 us, per_inference: 10 us}\n"));
  CHECK(no_residual.totals.time.overhead == Approx(20e-6));
  CHECK(layer(no_residual, "add").runs_in == "add");
  CHECK(layer(no_residual, "r2").runs_in == "r2");
  // With eltwise-chain the relu runs in the add's kernel: 4 kernels, 18 us.
  AnalysisResult chained = run(
      block, gpu,
      runtime_of("fuse: [conv-bn-act, eltwise-chain, pool-epilogue]\nlaunch: {per_kernel: 2 us, per_inference: 10 us}\n"));
  CHECK(layer(chained, "r2").runs_in == "add");
  CHECK(chained.totals.time.overhead == Approx(18e-6));
}

TEST_CASE("runtime: residency reads a tensor still in the L2 from there, until it no longer fits", "[runtime]") {
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  const std::vector<std::string> chain{"conv2d name=c1 filters=32 kernel=3 padding=same input=16x16x32",
                                       "conv2d name=c2 filters=32 kernel=3 padding=same"};
  Runtime resident = runtime_of("residency: true\n");
  // c2's operands at fp16: input 16,384 B, weights 3·3·32·32·2 = 18,432 B, output 16,384 B:
  // 51,200 B <= 1 MiB with nothing moved in between, so c1's output is read from the L2.
  AnalysisResult batch1 = run(parse_layer_lines(chain, 1), gpu, resident);
  const LayerCost& c2 = batch1.layers[1];
  CHECK(c2.resident_bytes == 16'384);
  CHECK(c2.bytes.input == 0);
  CHECK(c2.bytes.total() == 18'432 + 16'384);
  CHECK(c2.input_from == "l2");
  CHECK(batch1.totals.resident_bytes == 16'384);
  // The L2 still serves the bytes: its listed traffic is every operand, 51,200 B.
  REQUIRE(c2.levels.size() == 1);  // the L2 has no bandwidth: only dram is listed
  CHECK(c2.levels.front().bytes == 18'432 + 16'384);
  // The model input comes from the host: never resident.
  CHECK(batch1.layers[0].resident_bytes == 0);
  CHECK(batch1.layers[0].input_from == "dram");
  // Batch 32 spills: input and output are 32 x 16,384 = 524,288 B each, with the weights
  // 1,067,008 B > 1,048,576 B.
  AnalysisResult batch32 = run(parse_layer_lines(chain, 32), gpu, resident);
  CHECK(batch32.layers[1].resident_bytes == 0);
  CHECK(batch32.layers[1].bytes.input == 524'288);
  // Batch 31 fits: 2 x 31 x 16,384 + 18,432 = 1,034,240 B.
  CHECK(run(parse_layer_lines(chain, 31), gpu, resident).layers[1].resident_bytes == 31 * 16'384);
  // What a layer in between moves counts against it: a third conv reading c1 past c2 (c2's
  // 51,200 B moved since c1 wrote) with a 90 KB L2: 51,200 + its own 51,200 > 90,000.
  gpu.memory.back().capacity_bytes = 90'000;
  Model skip = parse_workload(R"(schema: convroof.workload/1
name: skip
input: {shape: [1, 16, 16, 32], layout: NHWC}
layers:
  - {name: c1, type: conv2d, filters: 32, kernel: 3, padding: same}
  - {name: c2, type: conv2d, filters: 32, kernel: 3, padding: same}
  - {name: c3, type: conv2d, filters: 32, kernel: 3, padding: same, inputs: [c1]}
)",
                              "skip.yaml", std::nullopt);
  AnalysisResult skipped = run(skip, gpu, resident);
  CHECK(skipped.layers[1].resident_bytes == 16'384);  // 51,200 <= 90,000
  CHECK(skipped.layers[2].resident_bytes == 0);       // 51,200 + 51,200 > 90,000
  // No residency without the runtime's word, or under no-reuse traffic.
  CHECK(run(parse_layer_lines(chain, 1), gpu, runtime_of("")).layers[1].resident_bytes == 0);
}

TEST_CASE("runtime: SIMD lanes round the vectorized channels up on a CPU", "[runtime]") {
  HardwareSpec cpu = parse_hardware(kCpu, "cpu.yaml");
  Runtime none;
  // Depthwise 3x3 on 3 channels, 8x8 output: 8·8·3·9 = 1,728 MACs = 3,456 FLOP. 16 fp32 lanes
  // hold 3 channels: u = 3/16, T_comp = 3,456 / (1e12 · 3/16) = 18.432 ns.
  AnalysisResult dw =
      run(parse_layer_line("depthwise_conv2d kernel=3 padding=same input=8x8x3", 1), cpu, none);
  CHECK(dw.layers[0].lane_utilization == Approx(3.0 / 16.0));
  CHECK(dw.layers[0].efficiency == Approx(3.0 / 16.0));
  CHECK(dw.layers[0].time.compute == Approx(3456.0 / (1e12 * 3.0 / 16.0)));
  // 24 output channels at fp32: two vectors of 16, u = 24/32 = 0.75; 32 fill them: u = 1.
  CHECK(run(parse_layer_line("conv2d filters=24 kernel=1 input=8x8x8", 1), cpu, none).layers[0].lane_utilization ==
        Approx(0.75));
  CHECK(run(parse_layer_line("conv2d filters=32 kernel=1 input=8x8x8", 1), cpu, none).layers[0].lane_utilization ==
        Approx(1.0));
  // int8 packs 4x as many lanes, 64: 32 channels fill half a vector.
  Options int8;
  int8.precision = Precision::int8;
  CHECK(analyze(parse_layer_line("conv2d filters=32 kernel=1 input=8x8x8", 1), cpu, int8).layers[0].lane_utilization ==
        Approx(0.5));
  // A spec without vector_lanes (a GPU) is not rounded.
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  CHECK(run(parse_layer_line("depthwise_conv2d kernel=3 padding=same input=8x8x3", 1), gpu, none)
            .layers[0]
            .lane_utilization == 1.0);
}

TEST_CASE("runtime: --set clock scales every peak and cycle-denominated launch costs", "[runtime]") {
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  apply_override(gpu, "clock=250MHz", Precision::fp16);
  // 1 GHz -> 250 MHz: every peak x 0.25 (fp16 25 TFLOP/s, fp32 2.5), the clock is 250 MHz,
  // bandwidths and the spec's 5 us stay.
  CHECK(*gpu.clock_hz == Approx(250e6));
  CHECK(gpu.units.front().peak_flops_per_s.at(Precision::fp16) == Approx(25e12));
  CHECK(gpu.units.front().peak_flops_per_s.at(Precision::fp32) == Approx(2.5e12));
  CHECK(*gpu.memory.front().bandwidth_bytes_per_s == Approx(1000e9));
  CHECK(gpu.overhead_s == Approx(5e-6));
  // A runtime's 2000 cycles per kernel are now 8 us.
  CHECK(runtime_of("launch: {per_kernel: 2000 cycles}\n").kernel_launch_s(gpu) == Approx(8e-6));
  // A spec without a clock cannot be scaled.
  HardwareSpec cpu = parse_hardware(kCpu, "cpu.yaml");
  CHECK_THROWS_AS(apply_override(cpu, "clock=1GHz", Precision::fp32), Error);
}

TEST_CASE("runtime: Winograd cuts a 3x3 conv's multiplies 2.25x, im2col writes and reads its matrix", "[runtime]") {
  HardwareSpec gpu = parse_hardware(kGpu, "gpu.yaml");
  const Model conv = parse_layer_line("conv2d filters=32 kernel=3 padding=same input=16x16x32", 1);
  // MACs = 16·16 outputs · 32 filters · 3·3·32 = 2,359,296; FLOPs = 2·MACs = 4,718,592 (no bias).
  AnalysisResult direct = run(conv, gpu, runtime_of(""));
  REQUIRE(direct.layers[0].macs == 2'359'296);
  CHECK(direct.layers[0].algorithm == ConvAlgorithm::direct);
  CHECK(direct.layers[0].time.compute == Approx(4'718'592.0 / 100e12));
  // Winograd F(2x2,3x3): 16 of 36 multiplies, 4,718,592 · 4/9 = 2,097,152 FLOP executed at
  // 100 TFLOP/s = 20.97 ns; the reported MACs and FLOPs do not change.
  AnalysisResult winograd = run(conv, gpu, runtime_of("conv_algorithm: winograd\n"));
  CHECK(winograd.layers[0].algorithm == ConvAlgorithm::winograd);
  CHECK(winograd.layers[0].time.compute == Approx(2'097'152.0 / 100e12));
  CHECK(winograd.layers[0].flops == direct.layers[0].flops);
  // Stride 2 and 1x1 convolutions stay direct.
  CHECK(run(parse_layer_line("conv2d filters=32 kernel=3 stride=2 padding=same input=16x16x32", 1), gpu,
            runtime_of("conv_algorithm: winograd\n"))
            .layers[0]
            .algorithm == ConvAlgorithm::direct);
  CHECK(run(parse_layer_line("conv2d filters=32 kernel=1 input=16x16x32", 1), gpu, runtime_of("conv_algorithm: im2col\n"))
            .layers[0]
            .algorithm == ConvAlgorithm::direct);
  // im2col: 16·16 pixels · 3·3·32 = 73,728 elements (= MACs / 32 filters), written and read at 2 B:
  // input bytes 16,384 + 2 · 147,456 = 311,296.
  AnalysisResult im2col = run(conv, gpu, runtime_of("conv_algorithm: im2col\n"));
  CHECK(im2col.layers[0].bytes.input == 16'384 + 2 * 73'728 * 2);
  CHECK(im2col.layers[0].bytes.weights == direct.layers[0].bytes.weights);
}
