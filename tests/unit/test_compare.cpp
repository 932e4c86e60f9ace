// compare() and explain(): their numbers are analyze()'s, and the transforms they rest on
// keep every shape consistent.
#include <catch2/catch.hpp>

#include "convroof/compare.hpp"
#include "convroof/explain.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"

#include <fmt/format.h>
#include <algorithm>

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
  // The time difference by term: the three add up to each form's time, the separable form is
  // memory-bound, and its depthwise layer runs on CUDA cores at 31.4 TFLOPS against the tensor
  // cores' 125: a 125 / 31.4 = 3.98x lower roof.
  const TimeGap& gap = block.gap;
  CHECK(gap.standard.compute + gap.standard.memory + gap.standard.overhead == Approx(block.before.totals.time.total));
  CHECK(gap.separable.compute + gap.separable.memory + gap.separable.overhead ==
        Approx(block.after.totals.time.total));
  CHECK(gap.separable_bound == Bound::memory);
  CHECK(gap.conv_roof / gap.depthwise_roof == Approx(125.0 / 31.4).epsilon(0.002));
  CHECK(gap.flop_change + gap.rate_change == Approx(gap.difference(GapTerm::compute)));
  for (std::size_t i = 1; i < gap.order.size(); ++i)
    CHECK(std::abs(gap.difference(gap.order[i - 1])) >= std::abs(gap.difference(gap.order[i])));
  // The report layer's sentence names them.
  CHECK_THAT(because_text(block), Catch::Contains("3.98x lower roof"));
  CHECK_THAT(because_text(block), Catch::Contains("memory-bound"));
  // Under the roofline each layer's larger term counts, and the terms still add up.
  Options roofline = defaults(v100);
  roofline.time_model = TimeModel::roofline;
  const BlockComparison overlapped = compare(resolve_workload("blog_conv", std::nullopt), {{v100, roofline}}).blocks[0];
  const TimeGap& o = overlapped.gap;
  CHECK(o.separable.compute + o.separable.memory + o.separable.overhead ==
        Approx(overlapped.after.totals.time.roofline));
}

// Seed 004 on the Ethos-U55-128 (500 MHz, int8: 128 MACs/cycle; SRAM 4 GB/s, flash 500 MB/s,
// L 500 ns), its block 3x3x16 depthwise + 1x1 16->16 on 160x240 (38,400 pixels) against the
// 3x3 16->16 conv, runtime none, Iron Law:
//   compute: conv 88,473,600 MACs at 128 x 75 % (taps 9/12) = 921,600 cycles = 1,843.2 us;
//            dw 5,529,600 at 128 x 12.5 % x 75 % = 460,800 cycles = 921.6 us,
//            pw 9,830,400 at 128 x 25 % (taps 1/4) = 307,200 cycles = 614.4 us: -307.2 us.
//   memory:  conv 614,400 B in + 614,400 out at 4 GB/s = 307.2 us, + 2,304 B weights at 500 MB/s
//            = 4.608 us; dw 1,228,800 B = 307.2 us + 144 B = 0.288 us, pw 307.2 + 256 B = 0.512 us:
//            615.2 - 311.808 = +303.392 us, of which the intermediate (614,400 B written by dw,
//            read by pw: 1,228,800 B at 4 GB/s) is +307.2 us.
//   overhead: 2 kernels against 1: +0.5 us.
// The FLOP part: the separable FLOPs (15,360,000 MACs) at the conv's rate, 15,360,000 / (128 x 0.75)
// = 160,000 cycles = 320 us, save 1,843.2 - 320 = 1,523.2 us; the rest, 1,536 - 320 = +1,216 us, is
// the separable form's lower rate (the depthwise layer's 8x lower roof, 9.375 % of the array busy).
TEST_CASE("compare: seed 004's SRAM round trip cancels the compute saving, by hand", "[compare][seeds]") {
  // The thread's own arithmetic: the granularity rules of the mac_array model, Vela's estimator
  // off (test_mac_array.cpp has Vela's figures for the pair).
  HardwareSpec u55 = resolve_hardware("ethos-u55-128");
  u55.mac_array->vela.clear();
  const Comparison result = compare(resolve_workload("u55_dwsep", std::nullopt), {{u55, defaults(u55)}});
  REQUIRE(result.blocks.size() == 1);
  const BlockComparison& block = result.blocks.front();
  const TimeGap& gap = block.gap;
  CHECK(gap.difference(GapTerm::compute) == Approx(-307.2e-6));
  CHECK(gap.difference(GapTerm::memory) == Approx(303.392e-6));
  CHECK(gap.difference(GapTerm::overhead) == Approx(0.5e-6));
  CHECK(gap.order == std::array{GapTerm::compute, GapTerm::memory, GapTerm::overhead});
  CHECK(gap.flop_change == Approx(-1523.2e-6));
  CHECK(gap.rate_change == Approx(1216e-6));
  CHECK(gap.intermediate_bytes == 1'228'800);
  CHECK(gap.intermediate_level == "sram");
  CHECK(gap.intermediate_time == Approx(307.2e-6));
  CHECK(gap.separable_launches == 2);
  CHECK(gap.standard_launches == 1);
  CHECK(block.winner == Winner::tie);  // 2,155.508 us vs 2,152.2 us: 0.15 % apart
  const std::string because = because_text(block);
  CHECK_THAT(because, Catch::Contains("compute -307.2 us (50 %)"));
  CHECK_THAT(because, Catch::Contains("written to sram and read back (1.229 MB: +307.2 us)"));
  CHECK_THAT(because, Catch::Contains("the two nearly cancel"));
  CHECK(because.find("compute -307.2") < because.find("memory +303.4"));

  // Sensitivity: the depthwise efficiency is 1 here, so x2 changes nothing and only x0.5 is tried:
  // the dw layer takes 1,843.2 us, the separable form 1,843.2 + 614.4 + 615.2 + 1.0 = 3,073.792 us
  // against 1,843.2 + 311.808 + 0.5 = 2,155.508 us: speedup 0.70125, standard 1.43x faster.
  // Under the roofline: max(311.808, 1,843.2) + 0.5 = 1,843.7 us against max(307.488, 921.6) +
  // max(307.712, 614.4) + 1.0 = 1,537.0 us: speedup 1.1995, separable faster.
  auto find = [&](std::string_view change) -> const Alternative& {
    for (const auto& a : block.depends_on)
      if (a.change == change) return a;
    FAIL("no alternative " << change);
    throw;
  };
  CHECK(find("depthwise efficiency 0.5 (x0.5)").speedup == Approx(2155.508 / 3073.792));
  CHECK(find("depthwise efficiency 0.5 (x0.5)").winner == Winner::standard);
  CHECK(find("time model roofline").speedup == Approx(1843.7 / 1537.0));
  CHECK(find("time model roofline").flips);
  for (const auto& a : block.depends_on) CHECK(a.change != "depthwise efficiency 1 (x2)");
  CHECK_THAT(flips_text(block.winner, block.depends_on),
             Catch::StartsWith("the tie breaks under time model roofline (separable 1.20x faster)"));
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
  CHECK(verdict.standard.time.total == Approx(663.552e-6));
  CHECK(verdict.separable.time.total == Approx(96.768e-6));
  CHECK(verdict.time_ratio == Approx(663.552 / 96.768));
  CHECK(verdict.winner == Winner::separable);
  CHECK(verdict_text(verdict) == "separable is 6.86x faster");
  // Sensitivity (only fp32, runtime none: three alternatives). Efficiency x0.5 doubles the
  // depthwise layers' time: 48,384 + 2,304 + 9,216 = 59,904 MAC-equivalents, 119.808 us, speedup
  // 663.552 / 119.808 = 5.538; the standard convs' (both 3x3 convs of the standard form): 1,327.104 us
  // against 96.768, 13.71. The Iron Law adds 1000 TB/s memory terms (bytes / 1e15): no change.
  REQUIRE(verdict.depends_on.size() == 3);
  CHECK(verdict.depends_on[0].change == "time model iron-law");
  CHECK(verdict.depends_on[0].speedup == Approx(663.552 / 96.768).epsilon(1e-4));
  CHECK(verdict.depends_on[1].change == "depthwise efficiency 0.5 (x0.5)");
  CHECK(verdict.depends_on[1].speedup == Approx(663.552 / 119.808));
  CHECK(verdict.depends_on[2].change == "standard efficiency 0.5 (x0.5)");
  CHECK(verdict.depends_on[2].speedup == Approx(1327.104 / 96.768));
  for (const auto& a : verdict.depends_on) CHECK_FALSE(a.flips);
  CHECK(flips_text(verdict.winner, verdict.depends_on).empty());
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

// explain --block on seed 004 (runtime ethos-u, which does not fuse dw -> pw): the separable form
// moves 1,228,800 + 400 + 1,228,800 = 2,458,000 B; with the intermediate on chip (--fuse dw-pw) the
// 614,400 B written and the 614,400 B read back stay there: 1,229,200 B, so the fused pair's
// intensity is 30,720,000 / 1,229,200 = 24.99 FLOP/B against 12.50 unfused, and T drops by the
// round trip (307.2 us) and one launch (--fuse all, which includes dw-pw).
TEST_CASE("explain --block: both forms side by side, with the fused pair's intensity", "[explain][compare]") {
  HardwareSpec u55 = resolve_hardware("ethos-u55-128");
  u55.mac_array->vela.clear();  // the granularity rules, as the hand figures below
  Options options = defaults(u55);
  options.runtime = resolve_runtime("ethos-u");
  const BlockExplanation explanation = explain_block(resolve_workload("u55_dwsep", std::nullopt), {u55, options}, 1);
  CHECK(explanation.standard().totals.macs == 88'473'600);
  CHECK(explanation.separable().totals.macs == 15'360'000);
  CHECK_FALSE(explanation.fused);
  CHECK(explanation.other_fusion == "--fuse all");
  CHECK(explanation.other.totals.bytes.total() == 1'229'200);
  CHECK(explanation.other.totals.intensity == Approx(30'720'000.0 / 1'229'200));
  // Fusing saves the 1,228,800-byte round trip through SRAM at 4 GB/s, 307.2 us; the ethos-u
  // runtime charges no launch per kernel (Vela's estimator has no per-operation term).
  CHECK(explanation.separable().totals.time.total - explanation.other.totals.time.total ==
        Approx(307.2e-6).epsilon(1e-3));
  std::ostringstream text;
  render_block_explain(explanation, ExplainFormat::text, text);
  CHECK_THAT(text.str(), Catch::Contains("the fused pair (dw->pw on chip)"));
  CHECK_THAT(text.str(), Catch::Contains("24.99 FLOP/B"));
  CHECK_THAT(text.str(), Catch::Contains("kept on chip (--fuse all)"));
  // Given --fuse dw-pw already, the other choice is to write it back (--fuse none).
  options.fuse = Fuse::dw_pw;
  const BlockExplanation fused = explain_block(resolve_workload("u55_dwsep", std::nullopt), {u55, options}, 1);
  CHECK(fused.fused);
  CHECK(fused.other_fusion == "--fuse none");
  CHECK(fused.separable().totals.bytes.total() == 1'229'200);
  CHECK_THROWS_WITH(explain_block(resolve_workload("u55_dwsep", std::nullopt), {u55, options}, 2),
                    Catch::Contains("block 2 does not exist: 'u55_dwsep' has blocks 1 to 1"));
}

// On a Vela-modelled NPU the memory term is Vela's SRAM/flash access cycles / clock, not the
// traffic model's D / BW: the reason says so and compares those times. The standard conv's
// T_mem is Vela 3.10's 385,440 SRAM access cycles at 500 MHz = 770.88 us (test_mac_array.cpp);
// the separable form's is its two layers' max(SRAM, flash) access cycles / 500 MHz.
TEST_CASE("compare: on the Ethos-U55 (Vela) the memory term is worded from Vela's access cycles", "[compare][vela]") {
  const HardwareSpec u55 = resolve_hardware("ethos-u55-128");
  const Comparison result = compare(resolve_workload("u55_dwsep", std::nullopt), {{u55, defaults(u55)}});
  REQUIRE(result.blocks.size() == 1);
  const BlockComparison& block = result.blocks.front();
  const TimeGap& gap = block.gap;
  CHECK(gap.standard.memory == Approx(385'440 / 500e6));
  double separable_cycles = 0;
  const AnalysisResult& separable = block.before.layers.size() == 2 ? block.before : block.after;
  REQUIRE(separable.layers.size() == 2);
  for (const auto& layer : separable.layers) {
    REQUIRE(layer.mac_array);
    REQUIRE(layer.mac_array->vela);
    separable_cycles += std::max(layer.mac_array->vela->sram_access_cycles, layer.mac_array->vela->flash_access_cycles);
  }
  CHECK(gap.separable.memory == Approx(separable_cycles / 500e6));
  const double ratio = separable_cycles / 385'440;
  REQUIRE(ratio > 1);
  const std::string because = because_text(block);
  CAPTURE(because);
  CHECK_THAT(because, Catch::Contains(fmt::format("memory +{}", format_time(gap.separable.memory - gap.standard.memory))));
  CHECK_THAT(because, Catch::Contains(fmt::format("Vela's SRAM/flash access cycles take {}x longer (T_mem {} vs 770.9 us)",
                                                  format_number(ratio, 3), format_time(separable_cycles / 500e6))));
  CHECK(because.find("moves") == std::string::npos);
  CHECK(because.find("D/BW") == std::string::npos);
}
