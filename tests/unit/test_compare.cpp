// compare() and explain(): their numbers are analyze()'s, and the transforms they rest on
// keep every shape consistent.
#include <catch2/catch.hpp>

#include "convroof/compare.hpp"
#include "convroof/explain.hpp"
#include "convroof/report.hpp"

using namespace convroof;

namespace {

Options defaults(const HardwareSpec& hw) {
  Options options;
  options.precision = hw.default_precision;
  return options;
}

// Every layer reads tensors of the shapes its producers write.
void check_consistent(const Model& model) {
  for (const auto& layer : model.layers) {
    REQUIRE(layer.inputs.size() == layer.input_shapes.size());
    for (std::size_t i = 0; i < layer.inputs.size(); ++i) {
      int source = layer.inputs[i];
      INFO(model.name << ": " << layer.name << " input " << i);
      REQUIRE(source < static_cast<int>(&layer - model.layers.data()));
      CHECK(layer.input_shapes[i] == (source < 0 ? model.input_shape : model.layers[source].output_shape));
    }
  }
}

std::uint64_t total_macs(const Model& model) {
  std::uint64_t macs = 0;
  for (const auto& layer : model.layers) macs += count_ops(layer).macs;
  return macs;
}

}  // namespace

TEST_CASE("compare: ratios equal those of two separate analyze runs", "[compare]") {
  Model conv = resolve_workload("blog_conv", std::nullopt);
  Model dwsep = resolve_workload("blog_dwsep", std::nullopt);
  std::vector<Target> targets;
  for (const char* id : {"v100", "orin", "ethos-u55-128"}) {
    HardwareSpec hw = resolve_hardware(id);
    targets.push_back(Target{hw, defaults(hw)});
  }
  Comparison forward = compare(conv, targets);
  REQUIRE(forward.pairs.size() == 1);
  CHECK(forward.pairs.front().direction == Transform::to_dwsep);
  REQUIRE(forward.blocks.size() == 3);
  for (const auto& block : forward.blocks) {
    const Target& target = targets[block.target];
    AnalysisResult a = analyze(conv, target.hardware, target.options);
    AnalysisResult b = analyze(dwsep, target.hardware, target.options);
    INFO(target.hardware.id);
    CHECK(block.time_ratio == Approx(a.totals.time.total / b.totals.time.total));
    CHECK(block.bytes_ratio ==
          Approx(static_cast<double>(a.totals.bytes.total()) / static_cast<double>(b.totals.bytes.total())));
    // MACs: 224·224·128·128·9 = 7,398,752,256 vs 224·224·128·(9 + 128) = 879,886,336.
    CHECK(block.macs_ratio == Approx(7'398'752'256.0 / 879'886'336.0));
    CHECK_THAT(because_text(block), Catch::StartsWith("FLOPs drop 8.4"));
  }
  // The reverse direction from the separable model: the inverse ratios.
  Comparison backward = compare(dwsep, targets);
  REQUIRE(backward.pairs.size() == 1);
  CHECK(backward.pairs.front().direction == Transform::to_standard);
  CHECK(backward.blocks.front().time_ratio == Approx(1.0 / forward.blocks.front().time_ratio));
}

TEST_CASE("compare: on V100 the separable block is memory-bound and meets the CUDA-core roof", "[compare][seeds]") {
  HardwareSpec v100 = resolve_hardware("v100");
  Comparison result = compare(resolve_workload("blog_conv", std::nullopt), {{v100, defaults(v100)}});
  const BlockComparison& block = result.blocks.front();
  CHECK(block.before.totals.bound == Bound::compute);
  CHECK(block.after.totals.bound == Bound::memory);
  // The reasons as records: the separable form is memory-bound, and its depthwise layer runs
  // on CUDA cores at 31.4 TFLOPS against the tensor cores' 125: a 125 / 31.4 = 3.98x lower roof.
  REQUIRE(block.reasons.size() >= 2);
  CHECK(block.reasons[0].kind == GapKind::separable_memory_bound);
  CHECK(block.reasons[0].memory_share > 0.5);
  CHECK(block.reasons[1].kind == GapKind::lower_roof);
  CHECK(block.reasons[1].conv_roof / block.reasons[1].depthwise_roof == Approx(125.0 / 31.4).epsilon(0.002));
  // The report layer's sentence names them.
  CHECK_THAT(because_text(block), Catch::Contains("3.98x lower roof"));
  CHECK_THAT(because_text(block), Catch::Contains("memory-bound"));
}

TEST_CASE("transform: blocks, whole-model rewrites and round trips keep shapes", "[transform]") {
  Model conv = resolve_workload("blog_conv", std::nullopt);
  Model separable = apply_transform(conv, Transform::to_dwsep);
  REQUIRE(separable.layers.size() == 2);
  check_consistent(separable);
  // dw: 224·224·128·9 = 57,802,752 MACs, 1,152 params; pw: 224·224·128·128 = 822,083,584, 16,384.
  CHECK(count_ops(separable.layers[0]).macs == 57'802'752);
  CHECK(count_ops(separable.layers[0]).params == 1'152);
  CHECK(count_ops(separable.layers[1]).macs == 822'083'584);
  CHECK(count_ops(separable.layers[1]).params == 16'384);
  Model back = apply_transform(separable, Transform::to_standard);
  REQUIRE(back.layers.size() == 1);
  CHECK(back.layers.front().output_shape == conv.layers.front().output_shape);
  CHECK(count_ops(back.layers.front()).macs == 7'398'752'256);

  // MobileNet-v1: conv1 is the only standard conv; 13 blocks dw -> bn -> relu6 -> pw.
  Model mobilenet = resolve_workload("mobilenet_v1", std::nullopt);
  auto pairs = find_pairs(mobilenet);
  REQUIRE(pairs.size() == 14);
  CHECK(pairs.front().direction == Transform::to_dwsep);
  CHECK(pairs[1].before.layers.size() == 4);
  Model standard = apply_transform(mobilenet, Transform::to_standard);
  CHECK(standard.layers.size() == mobilenet.layers.size() - 13 * 3);
  check_consistent(standard);
  CHECK(standard.layers.back().output_shape == mobilenet.layers.back().output_shape);
  // Block 1 (conv_dw_1 on 112x112x32, then conv_pw_1 to 64): 112·112·64·9·32 = 231,211,008
  // MACs instead of 112·112·32·9 + 112·112·32·64 = 3,612,672 + 25,690,112.
  const std::uint64_t before = total_macs(mobilenet), after = total_macs(standard);
  CHECK(after - before > 231'211'008 - 3'612'672 - 25'690'112);

  // ResNet-50: residual adds keep reading matching shapes after every 3x3 conv is split.
  Model resnet = resolve_workload("resnet50", std::nullopt);
  Model resnet_dwsep = apply_transform(resnet, Transform::to_dwsep);
  check_consistent(resnet_dwsep);
  CHECK(resnet_dwsep.layers.back().output_shape == resnet.layers.back().output_shape);
  CHECK(resnet_dwsep.layers.size() > resnet.layers.size());

  // A depthwise layer whose output is also read elsewhere is not a pair.
  Model branch = parse_workload(R"(schema: convroof.workload/1
name: branch
input: {shape: [1, 8, 8, 16], layout: NHWC}
layers:
  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: pw, type: conv2d, filters: 16, kernel: 1}
  - {name: sum, type: add, inputs: [pw, dw]}
)",
                                "branch.yaml", std::nullopt);
  CHECK(find_pairs(branch).empty());
}

TEST_CASE("explain: every number is analyze's", "[explain]") {
  HardwareSpec v100 = resolve_hardware("v100");
  Model blog = resolve_workload("blog_dwsep", std::nullopt);
  Options options = defaults(v100);
  Explanation explanation = explain(blog, v100, options, "pointwise");
  AnalysisResult analysis = analyze(blog, v100, options);
  const LayerCost& shown = explanation.result.layers[explanation.layer];
  CHECK(shown.name == "pointwise");
  CHECK(shown.time.total == analysis.layers[1].time.total);
  CHECK(shown.bytes.total() == analysis.layers[1].bytes.total());
  // What-ifs: fused (the pointwise reads the depthwise output from chip), batch 8, int8.
  REQUIRE(explanation.what_ifs.size() == 3);
  CHECK(explanation.what_ifs[0].layer.bytes.input == 0);
  CHECK_THROWS_WITH(explain(blog, v100, options, "pointwize"), Catch::Contains("did you mean 'pointwise'"));
  CHECK_THROWS_WITH(explain(blog, v100, options, ""), Catch::Contains("pick one with --name"));
}

// The whole-model verdict on a compute-only machine (1 GFLOP/s, 1000 TB/s, no overhead, no
// runtime, roofline time), so each form's time is its FLOPs / 1e9 and FLOPs = 2·MACs (no bias):
//   conv 3x3 4->16 on 8x8:            8·8·16·4·9  = 36,864 MACs (a to-dwsep block)
//   dw 3x3 on 16 + pw 16->32 on 8x8:  8·8·16·9 = 9,216 + 8·8·16·32 = 32,768 (a to-standard block)
// standard form: 36,864 + conv 3x3 16->32 = 8·8·32·16·9 = 294,912 -> 331,776 MACs, 663.552 us;
// separable form: dw 3x3 on 4 = 2,304 + pw 4->16 = 4,096, + 41,984 -> 48,384 MACs, 96.768 us;
// ratio 663.552 / 96.768 = 6.857: separable is 6.86x faster.
TEST_CASE("compare: the whole-model verdict puts every block in each form, as derived by hand", "[compare]") {
  const HardwareSpec hw = parse_hardware(
      "schema: convroof.hardware/1\nid: t\nname: T\nclass: cpu\ndefault_precision: fp32\npeak: {fp32: 1 GFLOPS}\n"
      "memory:\n  - {name: dram, capacity: 1 GB, bandwidth: 1000 TB/s}\noverhead: 0 us\nsources: [x]\n",
      "t.yaml");
  Options options = defaults(hw);
  options.time_model = TimeModel::roofline;
  const Model model = parse_layer_lines({"conv2d filters=16 kernel=3 padding=same input=8x8x4",
                                         "depthwise_conv2d kernel=3 padding=same", "conv2d filters=32 kernel=1"},
                                        std::nullopt);
  const Comparison result = compare(model, {{hw, options}});
  REQUIRE(result.pairs.size() == 2);
  REQUIRE(result.totals.size() == 1);
  const ModelVerdict& verdict = result.totals.front();
  CHECK(verdict.standard.macs == 331'776);
  CHECK(verdict.separable.macs == 48'384);
  CHECK(verdict.standard_time == Approx(663.552e-6));
  CHECK(verdict.separable_time == Approx(96.768e-6));
  CHECK(verdict.time_ratio == Approx(663.552 / 96.768));
  CHECK(verdict.winner == Winner::separable);
  CHECK(verdict_text(verdict) == "separable is 6.86x faster");
  // Per image: the same model at batch 4 takes 4x the time on this compute-only machine (FLOPs scale
  // with N), so 4 x 663.552 us = 2.654208 ms for 4 images: 663.552 us each, 1,507.04 images/s.
  const Model batched = parse_layer_lines({"conv2d filters=16 kernel=3 padding=same input=8x8x4",
                                           "depthwise_conv2d kernel=3 padding=same", "conv2d filters=32 kernel=1"},
                                          std::int64_t{4});
  const Totals four = analyze(apply_transform(batched, Transform::to_standard), hw, options).totals;
  CHECK(four.batch == 4);
  CHECK(four.time.total == Approx(4 * 663.552e-6));
  CHECK(four.time_per_image == Approx(663.552e-6));
  CHECK(four.images_per_s == Approx(1.0 / 663.552e-6));
  // A model with no block has no verdict.
  const Model plain = parse_layer_lines({"relu input=8x8x4"}, std::nullopt);
  CHECK(compare(plain, {{hw, options}}).totals.empty());
}
