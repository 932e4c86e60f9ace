// The Iron-Law time model, verdicts, invariants and capacity, on small hand-made specs
// whose numbers make the arithmetic easy to check by hand.
#include <catch2/catch.hpp>

#include "convroof/report.hpp"

#include "convroof/cost.hpp"

using namespace convroof;

namespace {
// 1 TFLOPS fp32 / 2 TFLOPS fp16 on the main unit, 100 GB/s, L = 5 us, 1 GB.
const char* kSimple = R"(schema: convroof.hardware/1
id: simple
name: Simple test device
class: cpu
default_precision: fp32
units:
  main: {peak: {fp32: 1 TFLOPS, fp16: 2 TFLOPS}}
  vector: {peak: {fp32: 0.25 TFLOPS}}
routing: {depthwise: vector}
efficiency: {default: 1.0, pointwise: 50%}
memory:
  - {name: dram, capacity: 1 GB, bandwidth: 100 GB/s}
  - {name: cache, capacity: 1 MB}
overhead: 5 us
sources: ["round numbers for hand arithmetic"]
)";

HardwareSpec simple() {
  return parse_hardware(kSimple, "simple.yaml");
}

AnalysisResult run(const std::string& line, const HardwareSpec& hw, Precision precision = Precision::fp32) {
  Options options;
  options.precision = precision;
  return analyze(parse_layer_line(line, std::nullopt), hw, options);
}
}  // namespace

TEST_CASE("engine: the three Iron-Law terms of a compute-bound convolution", "[engine]") {
  AnalysisResult result = run("conv2d filters=128 kernel=3 padding=same input=224x224x128", simple());
  const LayerCost& layer = result.layers.front();
  // fp32 = 4 B: input 6,422,528·4 = 25,690,112 B; weights 147,456·4 = 589,824 B; output 25,690,112 B.
  CHECK(layer.bytes.input == 25'690'112);
  CHECK(layer.bytes.weights == 589'824);
  CHECK(layer.bytes.output == 25'690'112);
  CHECK(layer.bytes.total() == 51'970'048);
  // T_mem = 51,970,048 B / 100e9 B/s = 519.70048 us.
  CHECK(layer.time.memory == Approx(519.70048e-6));
  // T_comp = 14,797,504,512 FLOP / 1e12 FLOP/s = 14.797504512 ms.
  CHECK(layer.time.compute == Approx(14.797504512e-3));
  CHECK(layer.time.overhead == Approx(5e-6));
  CHECK(layer.time.total == Approx(519.70048e-6 + 14.797504512e-3 + 5e-6));
  CHECK(layer.time.roofline == Approx(14.797504512e-3 + 5e-6));
  CHECK(layer.bound == Bound::compute);
  // intensity = 14,797,504,512 / 51,970,048 = 284.73 FLOP/B, above the ridge 1e12/1e11 = 10.
  CHECK(layer.intensity == Approx(284.7314).epsilon(1e-5));
  CHECK(layer.attainable_flops_per_s == Approx(1e12));
  // utilization = FLOPs / (T · R) = 14.7975e-3 / 15.3222e-3.
  CHECK(layer.utilization == Approx(14.797504512e-3 / (519.70048e-6 + 14.797504512e-3 + 5e-6)));
}

TEST_CASE("engine: memory- and overhead-bound verdicts", "[engine]") {
  // relu on 224x224x128 fp32: 6,422,528 FLOP; 2·25,690,112 B = 51,380,224 B.
  // T_mem = 513.8 us ≫ T_comp = 6.42 us and L = 5 us → memory.
  const LayerCost relu = run("relu input=224x224x128", simple()).layers.front();
  CHECK(relu.time.memory == Approx(513.80224e-6));
  CHECK(relu.time.compute == Approx(6.422528e-6));
  CHECK(relu.bound == Bound::memory);
  // attainable = intensity × BW = (6,422,528 / 51,380,224 = 0.125 FLOP/B) × 1e11 = 12.5 GFLOP/s.
  CHECK(relu.attainable_flops_per_s == Approx(12.5e9));
  // A 16-element relu: 128 B → 1.28 ns, 16 FLOP → 16 ps, L = 5 us → overhead.
  CHECK(run("relu input=16", simple()).layers.front().bound == Bound::overhead);
}

TEST_CASE("engine: routing, efficiency and precision pick R", "[engine]") {
  // depthwise routes to 'vector' (0.25 TFLOPS): 3x3 dw on 8x8x4 valid → 6·6·4·9 = 1,296 MACs = 2,592 FLOP.
  const LayerCost dw = run("depthwise_conv2d kernel=3 input=8x8x4", simple()).layers.front();
  CHECK(dw.unit == "vector");
  CHECK(dw.peak_flops_per_s == 0.25e12);
  CHECK(dw.time.compute == Approx(2'592 / 0.25e12));
  // pointwise η = 50%: T_comp = 2·(8·8·4·4 = 1,024) / (1e12 · 0.5).
  const LayerCost pw = run("conv2d filters=4 kernel=1 input=8x8x4", simple()).layers.front();
  CHECK(pw.efficiency == 0.5);
  CHECK(pw.time.compute == Approx(2'048 / 0.5e12));
  // fp16 halves the bytes (2 B per element) and uses the 2 TFLOPS peak.
  const LayerCost half = run("conv2d filters=4 kernel=3 input=8x8x4", simple(), Precision::fp16).layers.front();
  const LayerCost full = run("conv2d filters=4 kernel=3 input=8x8x4", simple()).layers.front();
  CHECK(half.bytes.total() * 2 == full.bytes.total());
  CHECK(half.time.compute * 2 == Approx(full.time.compute));
  // fp16 depthwise: 'vector' has no fp16 peak, so the first unit with one runs it, and a note says so.
  AnalysisResult rerouted = run("depthwise_conv2d kernel=3 input=8x8x4", simple(), Precision::fp16);
  CHECK(rerouted.layers.front().unit == "main");
  CHECK(rerouted.layers.front().rerouted);
  REQUIRE(rerouted.notes.size() == 1);
  CHECK_THAT(rerouted.notes.front(), Catch::Contains("no fp16 peak"));
  // int8: no unit has it.
  CHECK_THROWS_WITH(run("relu input=4", simple(), Precision::int8), Catch::Contains("no int8 peak"));
}

TEST_CASE("engine: --set what-ifs change exactly the named number", "[engine]") {
  HardwareSpec hw = simple();
  apply_override(hw, "bandwidth=200GB/s", Precision::fp32);
  apply_override(hw, "peak=4 TFLOPS", Precision::fp32);
  apply_override(hw, "overhead=0us", Precision::fp32);
  apply_override(hw, "capacity.cache=2MiB", Precision::fp32);
  apply_override(hw, "peak.vector=1 TFLOPS", Precision::fp32);
  apply_override(hw, "efficiency.depthwise=0.5", Precision::fp32);
  CHECK(*hw.memory[0].bandwidth_bytes_per_s == 200e9);
  CHECK(hw.units[0].peak_flops_per_s.at(Precision::fp32) == 4e12);
  CHECK(hw.units[1].peak_flops_per_s.at(Precision::fp32) == 1e12);
  CHECK(hw.overhead_s == 0);
  CHECK(hw.memory[1].capacity_bytes == 2097152);
  CHECK(hw.efficiency_for(OpClass::depthwise) == 0.5);
  CHECK(hw.efficiency_for(OpClass::pointwise) == 0.5);  // from the file, untouched
  CHECK_THROWS_WITH(apply_override(hw, "bandwidht=1GB/s", Precision::fp32),
                    Catch::Contains("did you mean 'bandwidth'"));
  CHECK_THROWS_WITH(apply_override(hw, "peak=100", Precision::fp32), Catch::Contains("has no unit"));
  CHECK_THROWS_WITH(apply_override(hw, "bandwidth.l3=1GB/s", Precision::fp32),
                    Catch::Contains("unknown memory level 'l3'"));
}

TEST_CASE("engine: invariants hold for every layer of a branchy model", "[engine]") {
  const char* text = R"(schema: convroof.workload/1
name: block
input: {shape: [1, 32, 32, 16]}
layers:
  - {name: expand, type: conv2d, filters: 64, kernel: 1}
  - {name: bn1, type: batchnorm}
  - {name: act1, type: relu6}
  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: project, type: conv2d, filters: 16, kernel: 1}
  - {name: skip, type: add, inputs: [project, input]}
  - {name: pool, type: global_avgpool}
  - {name: flat, type: flatten}
  - {name: fc, type: dense, units: 10, bias: true}
)";
  Model model = parse_workload(text, "block.yaml", std::nullopt);
  Options options;
  for (TimeModel time_model : {TimeModel::iron_law, TimeModel::roofline}) {
    options.time_model = time_model;
    AnalysisResult result = analyze(model, simple(), options);
    double total = 0, roofline = 0, memory = 0;
    std::uint64_t flops = 0, bytes = 0;
    for (const auto& layer : result.layers) {
      total += layer.time.total;
      roofline += layer.time.roofline;
      memory += layer.time.memory;
      flops += layer.flops;
      bytes += layer.bytes.total();
      CHECK(layer.time.iron_law == Approx(layer.time.memory + layer.time.compute + layer.time.overhead));
      // One prediction: total is the chosen model's time.
      CHECK(layer.time.total == (time_model == TimeModel::iron_law ? layer.time.iron_law : layer.time.roofline));
      if (layer.bytes.total() > 0)
        CHECK(layer.intensity * static_cast<double>(layer.bytes.total()) == Approx(layer.flops));
    }
    CHECK(result.totals.time.total == Approx(total));
    CHECK(result.totals.time.roofline == Approx(roofline));
    CHECK(result.totals.time.memory == Approx(memory));
    CHECK(result.totals.flops == flops);
    CHECK(result.totals.bytes.total() == bytes);
    // the flatten view costs nothing, not even L
    CHECK(result.layers[7].time.total == 0);
    CHECK(result.layers[7].bound == Bound::none);
  }
}

TEST_CASE("engine: peak memory follows tensor lifetimes", "[engine]") {
  // fp32. input 4x4x1 = 64 B; a = conv 1x1→2: 128 B; b = relu(a): 128 B; c = add(b, a): 128 B.
  // step a: input + a = 192; step b: a + b = 256 (input dead); step c: a, b, c = 384 (a lives
  // until c reads it). Weights: 2 params · 4 B = 8 B. Peak memory 384 + 8 = 392 B.
  const char* text = R"(schema: convroof.workload/1
name: lifetimes
input: {shape: [1, 4, 4, 1]}
layers:
  - {name: a, type: conv2d, filters: 2, kernel: 1}
  - {name: b, type: relu}
  - {name: c, type: add, inputs: [b, a]}
)";
  AnalysisResult result = analyze(parse_workload(text, "l.yaml", std::nullopt), simple(), Options{});
  CHECK(result.totals.peak_activation_bytes == 384);
  CHECK(result.totals.weight_bytes == 8);
  CHECK(result.totals.peak_memory_bytes == 392);
  // capacity: the largest level is dram, 1 GB → ratio 392 / 1e9.
  CHECK(result.totals.capacity_bytes == 1e9);
  CHECK(result.totals.capacity_ratio == Approx(392e-9));
  CHECK(result.totals.fits);
}

TEST_CASE("engine: a flatten view keeps its input's memory alive", "[engine]") {
  // fp32. input 2x2x4 = 64 B; c = conv 1x1→8: 128 B; f = flatten(c) is a view of c (0 B);
  // d = dense 32→64: 256 B. Step c: 64 + 128 = 192; step f: 128; step d: c, read through
  // f, is still live: 128 + 256 = 384 (without the alias c would be freed at f: 256).
  const char* text = R"(schema: convroof.workload/1
name: view
input: {shape: [1, 2, 2, 4]}
layers:
  - {name: c, type: conv2d, filters: 8, kernel: 1}
  - {name: f, type: flatten}
  - {name: d, type: dense, units: 64}
)";
  AnalysisResult result = analyze(parse_workload(text, "v.yaml", std::nullopt), simple(), Options{});
  CHECK(result.totals.peak_activation_bytes == 384);
}

TEST_CASE("engine: weights and activations in different memory levels", "[engine]") {
  // An NPU-like spec: weights stream from flash at 0.5 GB/s, activations from SRAM at 4 GB/s.
  const char* npu = R"(schema: convroof.hardware/1
id: npu
name: split memory
class: npu
default_precision: int8
clock: 500 MHz
peak: {int8: 128 MAC/cycle}
memory:
  - {name: flash, capacity: 4 MB, bandwidth: 0.5 GB/s, holds: [weights]}
  - {name: sram, capacity: 1 MB, bandwidth: 4 GB/s}
overhead: 0 us
sources: ["test"]
)";
  HardwareSpec hw = parse_hardware(npu, "npu.yaml");
  // 128 MAC/cycle × 2 × 500 MHz = 128 GOPS.
  CHECK(hw.units[0].peak_flops_per_s.at(Precision::int8) == 128e9);
  Options options;
  options.precision = Precision::int8;
  AnalysisResult result =
      analyze(parse_layer_line("conv2d filters=16 kernel=3 padding=same input=100x100x16", std::nullopt), hw, options);
  const LayerCost& layer = result.layers.front();
  // int8: weights 2,304 B over 0.5 GB/s = 4.608 us; activations 2·160,000 B over 4 GB/s = 80 us.
  CHECK(layer.bytes.weights == 2'304);
  CHECK(layer.time.memory == Approx(2'304 / 0.5e9 + 320'000 / 4e9));
  // Capacity: weights 2,304 B of flash 4 MB; activations 320,000 B of SRAM 1 MB → ratio 0.32.
  CHECK(result.totals.capacity_ratio == Approx(0.32));
  CHECK(result.totals.capacity_bytes == 1e6);
  // Each against its own level: weights 2,304 / 4e6 = 0.000576 of flash, activations 0.32 of SRAM.
  CHECK(result.totals.weight_level == "flash");
  CHECK(result.totals.weight_capacity_bytes == 4e6);
  CHECK(result.totals.weight_ratio == Approx(0.000576));
  CHECK(result.totals.activation_level == "sram");
  CHECK(result.totals.activation_capacity_bytes == 1e6);
  CHECK(result.totals.activation_ratio == Approx(0.32));
  CHECK(memory_fit_text(result.totals) ==
        "weights 2.304 KB of flash's 4.000 MB: fit (0.058 % used); peak activations 320.0 KB of sram's 1.000 MB: "
        "fit (32.0 % used)");
  // 40,000 B of SRAM (a 100x100x16 int8 tensor is 160,000 B): the activations no longer fit, 8x over.
  hw.memory[1].capacity_bytes = 40'000;
  const Totals over =
      analyze(parse_layer_line("conv2d filters=16 kernel=3 padding=same input=100x100x16", std::nullopt), hw, options)
          .totals;
  CHECK_FALSE(over.fits);
  CHECK(over.activation_ratio == Approx(8.0));
  CHECK(over.weight_ratio == Approx(0.000576));
}

namespace {
void check_same_totals(const Totals& a, const Totals& b) {
  CHECK(a.macs == b.macs);
  CHECK(a.flops == b.flops);
  CHECK(a.params == b.params);
  CHECK(a.bytes.input == b.bytes.input);
  CHECK(a.bytes.weights == b.bytes.weights);
  CHECK(a.bytes.output == b.bytes.output);
  // Summed in the same order by the same code: equal to the last bit.
  CHECK(a.time.memory == b.time.memory);
  CHECK(a.time.compute == b.time.compute);
  CHECK(a.time.overhead == b.time.overhead);
  CHECK(a.time.total == b.time.total);
  CHECK(a.time.roofline == b.time.roofline);
  CHECK(a.bound == b.bound);
  CHECK(a.utilization == b.utilization);
  REQUIRE(a.levels.size() == b.levels.size());
  for (std::size_t l = 0; l < a.levels.size(); ++l) {
    CHECK(a.levels[l].name == b.levels[l].name);
    CHECK(a.levels[l].bytes == b.levels[l].bytes);
    CHECK(a.levels[l].time == b.levels[l].time);
  }
  CHECK(a.weight_bytes == b.weight_bytes);
  CHECK(a.peak_activation_bytes == b.peak_activation_bytes);
  CHECK(a.peak_memory_bytes == b.peak_memory_bytes);
  CHECK(a.capacity_ratio == b.capacity_ratio);
}
}  // namespace

// analyze_totals() and a reused TotalsEvaluator (the sweeps' path) run the same evaluation as
// analyze(); the evaluator refills its buffers per model, so evaluating a large model, then a
// small one, then the large one again must give each model's own totals.
TEST_CASE("engine: analyze_totals and a reused TotalsEvaluator equal analyze().totals", "[engine]") {
  std::vector<Model> models;
  for (const char* id : {"resnet50", "blog_dwsep", "mobilenet_v1", "u55_dwsep", "cifar_cnn"})
    models.push_back(resolve_workload(id, std::nullopt));
  // The model input is most of this one's peak memory: 56·56·64 input vs 28·28·8 output.
  models.push_back(parse_layer_line("conv2d filters=8 kernel=3 stride=2 input=56x56x64", std::nullopt));
  for (const char* hw_id : {"orin", "ethos-u55-128", "cortex-m7"}) {
    const HardwareSpec hw = resolve_hardware(hw_id, "--hw");
    for (Traffic traffic : {Traffic::ideal, Traffic::tiled, Traffic::no_reuse})
      for (Fuse fuse : {Fuse::none, Fuse::all}) {
        Options options;
        options.precision = hw.default_precision;
        options.traffic = traffic;
        options.fuse = fuse;
        TotalsEvaluator evaluator(hw, options);
        for (const Model& model : models) {
          INFO(hw_id << " " << model.name << " traffic " << static_cast<int>(traffic) << " fuse "
                     << static_cast<int>(fuse));
          const AnalysisResult full = analyze(model, hw, options);
          check_same_totals(analyze_totals(model, hw, options), full.totals);
          check_same_totals(evaluator(model), full.totals);
        }
      }
  }
}

TEST_CASE("engine: every substitution is said (int8 dp4a, 16x8 weights, stored precision, bf16)", "[engine]") {
  // H100 int8: depthwise stays on the CUDA cores at the dp4a rate, 132 SMs x 64 dp4a/clk x 4 MACs
  // x 2 ops x 1.98 GHz = 133.8 TOPS (the spec's rounded figure), not rerouted to the tensor cores.
  const HardwareSpec h100 = resolve_hardware("h100");
  Options int8;
  int8.precision = Precision::int8;
  const AnalysisResult dw = analyze(parse_layer_lines({"depthwise_conv2d kernel=3 input=8x8x4"}, std::nullopt), h100, int8);
  CHECK(dw.layers.front().unit == "cuda");
  CHECK(dw.layers.front().peak_flops_per_s == Approx(132.0 * 64 * 8 * 1.98e9).epsilon(1e-3));
  CHECK_FALSE(dw.layers.front().rerouted);
  CHECK(dw.notes.empty());
  // A100 int8 likewise: 108 x 64 x 8 x 1.41 GHz = 77.97 TOPS, listed as 78.
  const LayerCost a100 =
      analyze(parse_layer_lines({"depthwise_conv2d kernel=3 input=8x8x4"}, std::nullopt), resolve_hardware("a100"), int8)
          .layers.front();
  CHECK(a100.unit == "cuda");
  CHECK(a100.peak_flops_per_s == Approx(108.0 * 64 * 8 * 1.41e9).epsilon(1e-3));

  // The Ethos-U55 at int16 keeps 8-bit weights (16x8 mode): a 3x3 depthwise on 16 channels has
  // 3*3*16 = 144 weights, 144 B, while its activations take 2 B each (8*8*16 input elements: 2,048 B).
  Options int16;
  int16.precision = Precision::int16;
  const AnalysisResult u55 = analyze(parse_layer_lines({"depthwise_conv2d kernel=3 padding=same input=8x8x16"},
                                                       std::nullopt),
                                     resolve_hardware("ethos-u55-128"), int16);
  CHECK(u55.layers.front().bytes.weights == 144);
  CHECK(u55.layers.front().bytes.input == 2'048);
  CHECK(u55.totals.weight_bytes == 144);
  REQUIRE(u55.notes.size() == 1);
  CHECK_THAT(u55.notes.front(), Catch::Contains("keeps weights in int8 when layers run at int16"));

  // A model whose file stores fp32 weights, analysed at int8: a note says so.
  Model stored = parse_layer_lines({"conv2d filters=4 kernel=3 input=8x8x4"}, std::nullopt);
  stored.stored_precision = Precision::fp32;
  const AnalysisResult orin = analyze(stored, resolve_hardware("orin"), int8);
  REQUIRE(orin.notes.size() == 1);
  CHECK_THAT(orin.notes.front(), Catch::StartsWith("the file stores its weights as fp32"));
  Options fp32;  // (Orin's tensor cores have no fp32 peak: the one note left is that reroute)
  for (const auto& note : analyze(stored, resolve_hardware("orin"), fp32).notes)
    CHECK(note.find("stores its weights") == std::string::npos);

  // bf16 on Orin: the tensor cores at the FP16 rate (42.6 TFLOPS), depthwise on the CUDA cores at 2 x FP32.
  Options bf16;
  bf16.precision = Precision::bf16;
  const AnalysisResult ampere =
      analyze(parse_layer_lines({"conv2d filters=4 kernel=3 input=8x8x4", "depthwise_conv2d kernel=3"}, std::nullopt),
              resolve_hardware("orin"), bf16);
  CHECK(ampere.layers[0].peak_flops_per_s == Approx(42.6e12));
  CHECK(ampere.layers[1].peak_flops_per_s == Approx(2 * 5.3e12));
  CHECK(ampere.notes.empty());
}
