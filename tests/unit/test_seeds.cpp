// The seed documents' scenarios (../shared/seeds), recomputed from first principles.
// Where a seed's own arithmetic is wrong, the test asserts the right number and says so.
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"

using namespace convroof;

namespace {
HardwareSpec example_hw(const std::string& name) {
  return resolve_hardware(std::string(CONVROOF_SOURCE_DIR) + "/examples/hardware/" + name + ".yaml");
}
AnalysisResult run(const Model& model, const HardwareSpec& hw) {
  Options options;
  options.precision = hw.default_precision;
  return analyze(model, hw, options);
}
struct ModelCounts {
  std::uint64_t macs = 0, params = 0, flops = 0;
};
ModelCounts totals_of(const std::string& workload) {
  Model model = resolve_workload(workload, std::nullopt);
  ModelCounts sum;
  for (const auto& layer : model.layers) {
    OpCounts counts = count_ops(layer);
    sum.macs += counts.macs;
    sum.params += counts.params;
    sum.flops += counts.flops;
  }
  return sum;
}
}  // namespace

TEST_CASE("seed 000: Orin's ridge point at 275 TOPS and 204 GB/s", "[seeds]") {
  HardwareSpec orin = example_hw("seed000-orin");
  // ridge = 275e12 ops/s / 204e9 B/s = 1348.04 ops/byte.
  double ridge = orin.units.front().peak_flops_per_s.at(Precision::int8) / *orin.memory.front().bandwidth_bytes_per_s;
  CHECK(ridge == Approx(1348.04).epsilon(1e-5));
  // A 3x3 int8 depthwise layer under the ideal model: 224x224x128 in and out, 1,152 weight bytes:
  // FLOPs 2·57,802,752 = 115,605,504; bytes 2·6,422,528 + 1,152 = 12,846,208 → 8.999 FLOP/B,
  // far below the ridge: memory-bound; attainable = 8.999 × 204 GB/s = 1.836 TOPS.
  AnalysisResult dw =
      run(parse_layer_line("depthwise_conv2d kernel=3 padding=same input=224x224x128", std::nullopt), orin);
  CHECK(dw.layers.front().bytes.total() == 12'846'208);
  CHECK(dw.layers.front().intensity == Approx(115'605'504.0 / 12'846'208.0));
  CHECK(dw.layers.front().bound == Bound::memory);
  CHECK(dw.layers.front().attainable_flops_per_s == Approx(115'605'504.0 / 12'846'208.0 * 204e9));
}

TEST_CASE("seed 001: ResNet-50 lumped on the lab's H100 and Cortex-M7 profiles", "[seeds]") {
  Model resnet = parse_layer_line("lumped flops=4GFLOP bytes=100MB", std::nullopt);
  // H100: T_mem = 100e6 B / 3350e9 B/s = 29.85 us; T_comp = 4e9 / 989e12 = 4.044 us
  // (the lab's text says "~4 nanoseconds": off by 1000x); L = 0.01 ms. Memory-bound; fits.
  AnalysisResult h100 = run(resnet, example_hw("seed001-h100"));
  CHECK(h100.totals.time.memory == Approx(29.8507e-6).epsilon(1e-4));
  CHECK(h100.totals.time.compute == Approx(4.0445e-6).epsilon(1e-4));
  CHECK(h100.totals.time.overhead == Approx(10e-6));
  CHECK(h100.totals.bound == Bound::memory);
  CHECK(h100.totals.fits);
  // Cortex-M7: T_mem = 100e6 / 0.05e9 = 2 s; T_comp = 4e9 / 1e9 = 4 s: compute dominates
  // (the lab's text says memory does); L = 2 ms. 100 MB in 512 KB: 100e6 / 512e3 = 195.3x.
  AnalysisResult m7 = run(resnet, example_hw("seed001-cortex-m7"));
  CHECK(m7.totals.time.memory == Approx(2.0));
  CHECK(m7.totals.time.compute == Approx(4.0));
  CHECK(m7.totals.time.overhead == Approx(2e-3));
  CHECK(m7.totals.bound == Bound::compute);
  CHECK_FALSE(m7.totals.fits);
  CHECK(m7.totals.capacity_ratio == Approx(195.3125));
}

TEST_CASE("seed 002: the blog's standard vs depthwise-separable layer", "[seeds]") {
  // Standard: 3·3·128·128 = 147,456 params; 2·50,176·147,456 = 14,797,504,512 FLOP (≈ 14.80 G).
  ModelCounts conv = totals_of("blog_conv");
  CHECK(conv.params == 147'456);
  CHECK(conv.flops == 14'797'504'512ULL);
  // Depthwise-separable: 3·3·128 + 128·128 = 1,152 + 16,384 = 17,536 params;
  // FLOPs 2·50,176·(1,152 + 16,384) = 1,759,772,672 (≈ 1.76 G): 8.4x fewer.
  ModelCounts dwsep = totals_of("blog_dwsep");
  CHECK(dwsep.params == 17'536);
  CHECK(dwsep.flops == 1'759'772'672ULL);
  // The CIFAR CNN: conv 3→128 then three 128→128, 3x3 'same' on 32x32 (1,024 pixels):
  // 1,024·128·(27 + 3·1,152) = 131,072·3,483 = 456,523,776 conv MACs, plus the 128→10 classifier (1,280).
  CHECK(totals_of("cifar_cnn").macs == 456'523'776ULL + 1'280);
}

TEST_CASE("seed 003: MobileNet-v1, VGG-16 and ResNet-50 cost table", "[seeds]") {
  // Howard et al. (2017) Table 1 sums to 569 M mult-adds and 4.2 M parameters.
  ModelCounts mobilenet = totals_of("mobilenet_v1");
  CHECK(mobilenet.macs == Approx(569e6).epsilon(0.01));
  CHECK(mobilenet.params == Approx(4.2e6).epsilon(0.01));
  // VGG-16: 15.47 G MACs (13 convs 15.35 G + 3 FC 0.12 G); 138,357,544 params with biases.
  ModelCounts vgg = totals_of("vgg16");
  CHECK(vgg.macs == Approx(15.5e9).epsilon(0.01));
  CHECK(vgg.params == 138'357'544ULL);
  // ResNet-50 (torchvision v1.5): 4.09 G MACs (≈ 4.1 G), 25,557,032 params.
  ModelCounts resnet = totals_of("resnet50");
  CHECK(resnet.macs == Approx(4.1e9).epsilon(0.01));
  CHECK(resnet.params == 25'557'032ULL);
}

TEST_CASE("seed 004: the Ethos-U55 layers the forum compares", "[seeds]") {
  // 38,400 output pixels: Conv2D 16x3x3x16 = 38,400·16·144 = 88,473,600 MACs;
  // depthwise 38,400·16·9 = 5,529,600; pointwise 38,400·16·16 = 9,830,400.
  CHECK(totals_of("u55_conv").macs == 88'473'600ULL);
  CHECK(totals_of("u55_dwsep").macs == 5'529'600ULL + 9'830'400ULL);
}

TEST_CASE("built-in workloads all load and analyze on every built-in hardware", "[seeds]") {
  for (const auto& workload : builtin_workload_ids()) {
    Model model = resolve_workload(workload, std::nullopt);
    for (const auto& hw_id : builtin_hardware_ids()) {
      CAPTURE(workload, hw_id);
      AnalysisResult result = run(model, resolve_hardware(hw_id));
      CHECK(result.totals.time.total > 0);
    }
  }
}
