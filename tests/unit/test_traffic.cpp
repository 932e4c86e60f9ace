// Traffic models and fusion (src/engine/traffic.cpp): the seeds' per-output arithmetic,
// a hand-derived tiling case, and the invariants every model must keep.
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"

using namespace convroof;

namespace {

HardwareSpec example_hw(const std::string& name) {
  return resolve_hardware(std::string(CONVROOF_SOURCE_DIR) + "/examples/hardware/" + name + ".yaml");
}

AnalysisResult run(const Model& model, const HardwareSpec& hw, Traffic traffic, Fuse fuse = Fuse::none) {
  Options options;
  options.precision = hw.default_precision;
  options.traffic = traffic;
  options.fuse = fuse;
  return analyze(model, hw, options);
}

// Seed 000's layer followed by a pointwise conv to 128 channels, int8 on the seed's Orin.
const char* kSeed000Block = R"(schema: convroof.workload/1
name: seed000_block
input: {shape: [1, 224, 224, 128], layout: NHWC}
layers:
  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: pw, type: conv2d, filters: 128, kernel: 1}
)";

}  // namespace

TEST_CASE("traffic: seed 000 under no-reuse is 18 ops over 19 bytes per output", "[traffic][seeds]") {
  HardwareSpec orin = example_hw("seed000-orin");
  AnalysisResult dw = run(parse_layer_line("depthwise_conv2d kernel=3 padding=same input=224x224x128", std::nullopt),
                          orin, Traffic::no_reuse);
  const LayerCost& layer = dw.layers.front();
  // Outputs 224·224·128 = 6,422,528; each is 9 MACs = 18 ops and fetches 9 input + 9 weight
  // bytes and writes 1: D = 19 · 6,422,528 = 122,028,032 B; O = 18 · 6,422,528 = 115,605,504.
  CHECK(layer.flops == 115'605'504);
  CHECK(layer.bytes.input == 57'802'752);
  CHECK(layer.bytes.weights == 57'802'752);
  CHECK(layer.bytes.output == 6'422'528);
  CHECK(layer.bytes.total() == 122'028'032);
  // I = 18/19 = 0.947 ops/B; attainable = 0.947 · 204e9 = 193.3 GOPS (the seed rounds to 0.95
  // and then writes 194); the ridge 275e12 / 204e9 = 1348 ops/B: memory-bound by 1423x.
  CHECK(layer.intensity == Approx(18.0 / 19.0));
  CHECK(layer.attainable_flops_per_s == Approx(18.0 / 19.0 * 204e9));
  CHECK(layer.attainable_flops_per_s / 1e9 == Approx(193.26).epsilon(1e-4));
  CHECK(layer.bound == Bound::memory);
  CHECK(layer.time.memory / layer.time.compute == Approx((122'028'032 / 204e9) / (115'605'504 / 275e12)));
}

TEST_CASE("traffic: seed 000 fused with its pointwise layer keeps the intermediate on chip", "[traffic][seeds]") {
  HardwareSpec orin = example_hw("seed000-orin");
  Model block = parse_workload(kSeed000Block, "seed000_block.yaml", std::nullopt);
  // Ideal, unfused: dw reads 6,422,528 B, 1,152 weight B, writes 6,422,528 B.
  AnalysisResult unfused = run(block, orin, Traffic::ideal);
  CHECK(unfused.layers[0].bytes.total() == 6'422'528 + 1'152 + 6'422'528);
  // Fused (dw-pw): the tile, 3 input rows (3·224·128) + 1 intermediate row (224·128) + 1 output
  // row (224·128) + 1,152 + 16,384 weight bytes = 160,896 B, fits the 4 MiB L2. The dw writes
  // nothing and the pw reads nothing: dw D = 6,423,680 B, I = 115,605,504 / 6,423,680 = 18.0.
  AnalysisResult fused = run(block, orin, Traffic::ideal, Fuse::dw_pw);
  CHECK(fused.layers[0].bytes.total() == 6'422'528 + 1'152);
  CHECK(fused.layers[0].output_on_chip);
  CHECK(fused.layers[1].bytes.input == 0);
  CHECK(fused.layers[1].input_on_chip);
  CHECK(fused.layers[1].runs_in == "dw");
  CHECK(fused.layers[0].intensity == Approx(115'605'504.0 / 6'423'680.0));
  CHECK(fused.layers[1].time.overhead == 0);
  // No-reuse and fused: 9 + 9 bytes per output, 18 ops: exactly 1 op per byte.
  AnalysisResult fused_no_reuse = run(block, orin, Traffic::no_reuse, Fuse::dw_pw);
  CHECK(fused_no_reuse.layers[0].intensity == Approx(1.0));
  // With no on-chip level the pair cannot fuse, and a note says why.
  orin.memory.pop_back();
  AnalysisResult nowhere = run(block, orin, Traffic::ideal, Fuse::dw_pw);
  CHECK_FALSE(nowhere.layers[0].output_on_chip);
  REQUIRE(nowhere.notes.size() == 1);
  CHECK_THAT(nowhere.notes.front(), Catch::Contains("needs an on-chip memory level"));
}

TEST_CASE("traffic: seed 002 blog_dwsep moves HW(3C+K) unfused and HW(C+K) fused", "[traffic][seeds]") {
  HardwareSpec v100 = resolve_hardware("v100");  // fp16: 2 bytes per element; 6 MiB L2
  Model blog = resolve_workload("blog_dwsep", std::nullopt);
  // H = W = 224, C = K = 128. Weights: 3·3·128 + 128·128 = 17,536 params = 35,072 B.
  const std::uint64_t hw = 224 * 224, weights = 35'072;
  AnalysisResult unfused = run(blog, v100, Traffic::ideal);
  CHECK(unfused.totals.bytes.input + unfused.totals.bytes.output == hw * (3 * 128 + 128) * 2);
  CHECK(unfused.totals.bytes.weights == weights);
  AnalysisResult fused = run(blog, v100, Traffic::ideal, Fuse::dw_pw);
  CHECK(fused.totals.bytes.input + fused.totals.bytes.output == hw * (128 + 128) * 2);
  CHECK(fused.totals.bytes.weights == weights);
  // One launch instead of two.
  CHECK(fused.totals.time.overhead == Approx(unfused.totals.time.overhead / 2));
}

TEST_CASE("traffic: conv-bn-act folds batch norm and activations into the conv", "[traffic]") {
  HardwareSpec orin = resolve_hardware("orin");
  Model mobilenet = resolve_workload("mobilenet_v1", std::nullopt);
  AnalysisResult unfused = run(mobilenet, orin, Traffic::ideal);
  AnalysisResult folded = run(mobilenet, orin, Traffic::ideal, Fuse::conv_bn_act);
  // conv1 (112x112x32 int8 = 401,408 B out) -> conv1_bn -> conv1_relu: unfused, the bn reads
  // 401,408 B, writes 401,408 B and reads 64 weight bytes (2·32 params); folded, conv1 writes
  // nothing, the bn moves nothing, the relu writes the 401,408 B result once.
  CHECK(unfused.layers[1].bytes.total() == 401'408 + 64 + 401'408);
  CHECK(folded.layers[0].bytes.output == 0);
  CHECK(folded.layers[1].bytes.total() == 0);
  CHECK(folded.layers[2].bytes.input == 0);
  CHECK(folded.layers[2].bytes.output == 401'408);
  // MobileNet-v1: 1 conv + 13 dw + 13 pw + fc = 28 weighted layers launch; the 54 bn/relu6
  // layers fold; pool, fc-side reshape/softmax layers keep their own launches.
  std::size_t launches = 0;
  for (const auto& layer : folded.layers) launches += layer.time.overhead > 0;
  std::size_t unfused_launches = 0;
  for (const auto& layer : unfused.layers) unfused_launches += layer.time.overhead > 0;
  CHECK(unfused_launches - launches == 54);
  // Fusion never changes what is computed.
  CHECK(folded.totals.flops == unfused.totals.flops);
}

TEST_CASE("traffic: tiled re-fetches follow the cheaper loop order (hand-derived)", "[traffic]") {
  // 3x3 conv, C = K = 64, 56x56, int8, 'same', no bias; on-chip level of 64 KiB.
  //   I = 56·56·64 = 200,704 B, W = 9·64·64 = 36,864 B, O = 200,704 B: 438,272 > 65,536.
  //   S/2 = 32,768. (a) weight chunks = ceil(36,864 / 32,768) = 2; line buffer 3·56·64 =
  //   10,752 B fits S/2, so no row re-reads: D_a = 36,864 + 2·200,704 + 200,704 = 638,976.
  //   (b) bands = ceil(200,704 / 32,768) = 7, halo 6 · (3 − 1) · 3,584 = 43,008:
  //   D_b = 200,704 + 43,008 + 7·36,864 + 200,704 = 702,464. D = min = 638,976.
  HardwareSpec hw = parse_hardware(R"(schema: convroof.hardware/1
id: tiny
name: tiny
class: edge
default_precision: int8
peak: {int8: 1 TOPS}
memory:
  - {name: dram, capacity: 1 GB, bandwidth: 10 GB/s}
  - {name: sram, capacity: 64 KiB}
overhead: 0 us
sources: ["test"]
)",
                                   "tiny.yaml");
  Model conv = parse_layer_line("conv2d filters=64 kernel=3 padding=same input=56x56x64", std::nullopt);
  AnalysisResult tiled = run(conv, hw, Traffic::tiled);
  CHECK(tiled.layers.front().bytes.input == 2 * 200'704);
  CHECK(tiled.layers.front().bytes.weights == 36'864);
  CHECK(tiled.layers.front().bytes.output == 200'704);
  // A 1 MiB buffer holds everything: compulsory traffic, 438,272 B.
  hw.memory.back().capacity_bytes = 1 << 20;
  CHECK(run(conv, hw, Traffic::tiled).layers.front().bytes.total() == 438'272);
}

TEST_CASE("traffic: tiled is never below ideal, fusion never adds bytes", "[traffic]") {
  for (const auto& hw_id : builtin_hardware_ids()) {
    HardwareSpec hw = resolve_hardware(hw_id);
    // A small on-chip level forces the re-fetch paths too.
    for (double on_chip : {0.0, 64.0 * 1024}) {
      if (on_chip > 0 && !hw.on_chip_levels().empty())
        apply_override(hw, "capacity." + hw.on_chip_levels().front()->name + "=64KiB", hw.default_precision);
      for (const auto& workload : builtin_workload_ids()) {
        Model model = resolve_workload(workload, std::nullopt);
        AnalysisResult ideal = run(model, hw, Traffic::ideal);
        AnalysisResult tiled = run(model, hw, Traffic::tiled);
        AnalysisResult no_reuse = run(model, hw, Traffic::no_reuse);
        for (std::size_t i = 0; i < ideal.layers.size(); ++i) {
          INFO(hw_id << " " << workload << " " << ideal.layers[i].name);
          CHECK(tiled.layers[i].bytes.total() >= ideal.layers[i].bytes.total());
          CHECK(no_reuse.layers[i].bytes.total() >= ideal.layers[i].bytes.total());
        }
        for (Traffic traffic : {Traffic::ideal, Traffic::no_reuse, Traffic::tiled}) {
          AnalysisResult base = run(model, hw, traffic);
          for (Fuse fuse : {Fuse::dw_pw, Fuse::conv_bn_act, Fuse::all}) {
            AnalysisResult fused = run(model, hw, traffic, fuse);
            for (std::size_t i = 0; i < base.layers.size(); ++i) {
              INFO(hw_id << " " << workload << " " << base.layers[i].name);
              CHECK(fused.layers[i].bytes.total() <= base.layers[i].bytes.total());
            }
            CHECK(fused.totals.flops == base.totals.flops);
          }
        }
      }
    }
  }
}
