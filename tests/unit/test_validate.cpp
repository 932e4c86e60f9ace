// Validation and calibration: run-time statistics and error summaries by hand, the plan of a
// model, the measured-JSON reader (round trip and errors with file:line:col), a prediction
// checked by hand, and the calibration fit recovering known η and L from synthetic times.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "convroof/io.hpp"
#include "convroof/validate.hpp"

using namespace convroof;

namespace {

// 1 TFLOPS fp32, 100 GB/s, no overhead, η = 1: times are easy to derive by hand.
const char* kPlain = R"(schema: convroof.hardware/1
id: plain
name: Plain test device
class: cpu
default_precision: fp32
units:
  main: {peak: {fp32: 1 TFLOPS}}
memory:
  - {name: dram, capacity: 1 GB, bandwidth: 100 GB/s}
overhead: 0 us
sources: ["round numbers for hand arithmetic"]
)";

HardwareSpec plain() {
  return parse_hardware(kPlain, "plain.yaml");
}

Measurement measured(const std::string& name, const std::string& layer, double seconds) {
  Measurement m;
  m.name = name;
  m.layers = {layer};
  m.time = TimeStats{seconds, seconds, seconds, seconds, 1};
  return m;
}

std::string error_of(const std::string& text) {
  try {
    parse_measured_json(text, "m.json");
  } catch (const Error& error) {
    return error.formatted();
  }
  return "no error";
}

// A valid file with one measurement and one pair; `replace` swaps one substring to break it.
std::string measured_text(const std::string& from = "", const std::string& to = "") {
  std::string text = R"({
  "schema": "convroof.measured/1",
  "tool": "test",
  "machine": {"cpu": "hand"},
  "measurements": [
    {"name": "a", "layers": ["conv2d filters=16 kernel=1 input=10x10x16"], "batch": 1, "precision": "fp32",
     "time_s": {"median": 2e-7, "min": 1e-7, "p10": 1.5e-7, "p90": 3e-7, "runs": 5}}
  ],
  "pairs": [{"name": "p", "standard": ["a"], "separable": ["a"]}]
}
)";
  if (!from.empty()) text.replace(text.find(from), from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("time_stats: median, min and percentiles by linear interpolation", "[validate]") {
  // Sorted 1 2 3 4 5: median = 3; p10 at position 0.1 x 4 = 0.4 -> 1 + 0.4 x (2 - 1) = 1.4;
  // p90 at 3.6 -> 4 + 0.6 x (5 - 4) = 4.6.
  TimeStats stats = time_stats({5, 1, 4, 2, 3});
  CHECK(stats.median_s == Approx(3));
  CHECK(stats.min_s == 1);
  CHECK(stats.p10_s == Approx(1.4));
  CHECK(stats.p90_s == Approx(4.6));
  CHECK(stats.runs == 5);
  // An even count: median of 1 2 3 4 at position 1.5 = 2.5.
  CHECK(time_stats({4, 1, 3, 2}).median_s == Approx(2.5));
}

TEST_CASE("summarize_errors: median, 90th percentile and shares of |error|", "[validate]") {
  // |errors| sorted: 0.01 0.05 0.1 0.2 0.3. Median 0.1; p90 at position 3.6 -> 0.2 + 0.6 x 0.1
  // = 0.26; within ±10 %: 0.01, 0.05, 0.1 -> 3/5; within ±25 %: 4/5.
  ErrorSummary summary = summarize_errors({0.05, -0.2, 0.3, -0.01, 0.1});
  CHECK(summary.count == 5);
  CHECK(summary.median_abs == Approx(0.1));
  CHECK(summary.p90_abs == Approx(0.26));
  CHECK(summary.within_10 == Approx(0.6));
  CHECK(summary.within_25 == Approx(0.8));
}

TEST_CASE("build_plan: the blog layer's standard, separable and fused measurements", "[validate]") {
  MeasurementSet set = build_plan({resolve_workload("blog_conv", std::nullopt)}, {1, 16}, Precision::fp32);
  // Per batch: the standard conv, its depthwise and pointwise halves, and both fused (C = K = 128):
  // 4 measurements and 2 pairs (unfused, fused).
  REQUIRE(set.measurements.size() == 8);
  REQUIRE(set.pairs.size() == 4);
  const Measurement& standard = set.measurements[0];
  CHECK(standard.name == "blog_conv/b1/conv");
  CHECK(standard.layers == std::vector<std::string>{"conv2d filters=128 kernel=3x3 stride=1x1 padding=[1,1,1,1] "
                                                    "dilation=1x1 groups=1 bias=false input=224x224x128"});
  CHECK(set.measurements[1].layers.front().starts_with("depthwise_conv2d kernel=3x3 stride=1x1 padding=[1,1,1,1]"));
  const Measurement& fused = set.measurements[3];
  CHECK(fused.fuse == Fuse::dw_pw);
  CHECK(fused.layers.size() == 2);
  CHECK(fused.layers[1].find("input=") == std::string::npos);  // a chain: the pointwise reads the depthwise
  CHECK(set.measurements[4].name == "blog_conv/b16/conv");
  CHECK(set.measurements[4].batch == 16);
  CHECK(set.pairs[0].standard == std::vector<std::string>{"blog_conv/b1/conv"});
  CHECK(set.pairs[0].separable == std::vector<std::string>{"blog_conv/b1/conv/dw", "blog_conv/b1/conv/pw"});
  CHECK(set.pairs[1].separable == std::vector<std::string>{fused.name});
  // Every planned chain reads back as the layer it came from: 2 x 224^2 x 9 x 128^2 FLOPs.
  CHECK(analyze(measurement_model(standard), plain(), Options{}).totals.flops == 2ull * 224 * 224 * 9 * 128 * 128);
}

TEST_CASE("build_plan: MobileNet-v1 shares identical blocks", "[validate]") {
  MeasurementSet set = build_plan({resolve_workload("mobilenet_v1", std::nullopt)}, {1}, Precision::fp32);
  // Blocks: conv1 (standard -> dw + pw: 3 measurements) and 13 dw/pw pairs, of which 7..11 are
  // identical (512 -> 512 at 14x14): 9 distinct pairs x 3 (standard form, dw, pw) = 27; fused
  // where C = K: blocks 3 (128), 5 (256), 7 (512), 13 (1024) -> 4. Total 3 + 27 + 4 = 34.
  CHECK(set.measurements.size() == 34);
  // Pairs: 1 + 13, plus a fused pair for blocks 3, 5, 7..11 and 13 (8) = 22.
  CHECK(set.pairs.size() == 22);
}

TEST_CASE("measured JSON: written and read back", "[validate]") {
  MeasurementSet set = build_plan({resolve_workload("blog_conv", std::nullopt)}, {1}, Precision::fp32);
  set.tool = "test";
  set.machine = {{"cpu", "hand"}, {"threads", "2"}};
  set.measurements[0].time = TimeStats{0.1, 0.05, 0.075, 0.2, 7};
  set.measurements[0].implementation = "brg:avx512_core";
  std::ostringstream text;
  render_measured_json(set, text);
  MeasurementSet back = parse_measured_json(text.str(), "m.json");
  CHECK(back.tool == "test");
  CHECK(back.machine == set.machine);
  REQUIRE(back.measurements.size() == set.measurements.size());
  for (std::size_t i = 0; i < set.measurements.size(); ++i) {
    CHECK(back.measurements[i].name == set.measurements[i].name);
    CHECK(back.measurements[i].layers == set.measurements[i].layers);
    CHECK(back.measurements[i].fuse == set.measurements[i].fuse);
    CHECK(back.measurements[i].time.has_value() == set.measurements[i].time.has_value());
  }
  CHECK(back.measurements[0].time->p10_s == 0.075);
  CHECK(back.measurements[0].implementation == "brg:avx512_core");
  CHECK(back.pairs.size() == set.pairs.size());
  std::ostringstream again;
  render_measured_json(back, again);
  CHECK(again.str() == text.str());
}

TEST_CASE("measured JSON: errors name file, line, column and the value", "[validate]") {
  CHECK(error_of(measured_text()) == "no error");
  // Line 2 is `  "schema": "…"`: the value's quote is at column 13.
  CHECK(error_of(measured_text("convroof.measured/1", "convroof.report/1")) ==
        "m.json:2:13: error: unsupported schema 'convroof.report/1' (expected 'convroof.measured/1')");
  // Line 6: `    {"name": "a", "layers": [` — the string starts at column 30; "filterz" is at
  // column 8 of the layer line, so column 30 + 8 = 38.
  CHECK(error_of(measured_text("filters=16", "filterz=16")).starts_with("m.json:6:38: error: measurement 'a': "));
  // Line 6, "precision": "fp33" — its quote at column 101.
  CHECK(error_of(measured_text("\"fp32\"", "\"fp33\"")).starts_with("m.json:6:101: error: unknown precision 'fp33'"));
  // Line 7: min > p10; the time_s object opens at column 16.
  CHECK(error_of(measured_text("\"min\": 1e-7", "\"min\": 1.6e-7"))
            .starts_with("m.json:7:16: error: 'measurements[0].time_s' must have min <= p10 <= median <= p90"));
  // Line 9: the pair names "b"; "separable" opens at column 46, its first string 14 further: 60.
  CHECK(error_of(measured_text("\"separable\": [\"a\"]", "\"separable\": [\"b\"]")) ==
        "m.json:9:60: error: 'pairs[0].separable[0]' names no measurement: 'b'");
  // Line 6: "batch" opens at column 76, its value 9 further: 85.
  CHECK(error_of(measured_text("\"batch\": 1", "\"batch\": 0")) ==
        "m.json:6:85: error: 'measurements[0].batch' must be at least 1, got 0");
  CHECK(error_of("") ==
        "m.json: error: empty file, expected measurements ('convroof.measured/1', from convroof-bench or "
        "tools/measure_torch.py)");
}

TEST_CASE("validate: a prediction derived by hand against a measured time", "[validate]") {
  // conv2d 1x1, 16 -> 16 on 10x10, fp32: MACs = 100 x 16 x 16 = 25,600, FLOPs = 51,200.
  // Bytes: input 1,600 x 4 = 6,400, weights 256 x 4 = 1,024, output 6,400 -> 13,824.
  // T = 13,824 B / 100 GB/s + 51,200 / 1 TFLOP/s = 138.24 ns + 51.2 ns = 189.44 ns.
  const std::string pointwise = "conv2d filters=16 kernel=1 input=10x10x16";
  // A 3x3 conv on the same input: MACs 100 x 9 x 256 = 230,400 -> 460,800 FLOPs = 460.8 ns;
  // bytes 6,400 + 9,216 + 6,400 = 22,016 -> 220.16 ns; T = 680.96 ns.
  const std::string standard = "conv2d filters=16 kernel=3 padding=same input=10x10x16";
  MeasurementSet set;
  set.tool = "hand";
  set.measurements = {measured("pw", pointwise, 189.44e-9 * 1.25), measured("std", standard, 680.96e-9 / 0.8)};
  set.pairs = {MeasuredPair{"pair", {"std"}, {"pw"}}};
  Validation validation = validate(set, plain(), Options{});
  REQUIRE(validation.checks.size() == 2);
  CHECK(validation.checks[0].predicted_s == Approx(189.44e-9));
  CHECK(validation.checks[0].error == Approx(1 / 1.25 - 1));  // -20 %
  CHECK(validation.checks[0].kind == "pointwise");
  CHECK(validation.checks[1].error == Approx(0.8 - 1));
  CHECK(validation.checks[1].bound == Bound::compute);
  // Speedup std/pw: measured (851.2 ns) / (236.8 ns) = 3.5946; predicted 680.96 / 189.44 = 3.5946 x 1.25 x 0.8 ... :
  // predicted / measured = (680.96 / 189.44) / ((680.96 / 0.8) / (189.44 x 1.25)) = 0.8 x 1.25 = 1 -> error 0.
  REQUIRE(validation.pairs.size() == 1);
  CHECK(validation.pairs[0].measured_speedup == Approx((680.96 / 0.8) / (189.44 * 1.25)));
  CHECK(validation.pairs[0].error == Approx(0).margin(1e-12));
  CHECK(validation.pairs[0].winner_agrees);
  CHECK(validation.summary.median_abs == Approx(0.2));

  set.measurements[1].time.reset();  // an unmeasured member: its pair is skipped
  Validation partial = validate(set, plain(), Options{});
  CHECK(partial.checks.size() == 1);
  CHECK(partial.pairs.empty());
  CHECK(partial.unmeasured_pairs == std::vector<std::size_t>{0});
  set.measurements[0].time.reset();  // a plan: nothing to check
  CHECK_THROWS_AS(validate(set, plain(), Options{}), Error);
}

TEST_CASE("calibrate: recovers known efficiencies and overhead from synthetic times", "[validate]") {
  // Times made by the engine itself on a "true" spec (η standard 0.5, depthwise 0.1, pointwise
  // 0.8, L = 20 us), then fitted from a spec with η = 1 and L = 5 us. The model is exact for this
  // data, so the fit must return the truth and every held-out prediction must be exact.
  MeasurementSet set = build_plan({resolve_workload("mobilenet_v1", std::nullopt)}, {1}, Precision::fp32);
  set.tool = "synthetic";
  HardwareSpec truth = plain();
  truth.efficiency = {{OpClass::standard, 0.5}, {OpClass::depthwise, 0.1}, {OpClass::pointwise, 0.8}};
  truth.overhead_s = 20e-6;
  std::vector<double> times = predict_measurements(set, measurement_models(set), truth, Options{});
  for (std::size_t i = 0; i < times.size(); ++i)
    set.measurements[i].time = TimeStats{times[i], times[i], times[i], times[i], 1};
  HardwareSpec start = plain();
  start.overhead_s = 5e-6;
  Calibration calibration = calibrate(set, start, Options{}, CalibrationOptions{3});
  REQUIRE(calibration.parameters.size() == 4);  // standard, depthwise, pointwise (kOpClasses order), L
  CHECK(calibration.parameters[0].name == "efficiency.standard");
  CHECK(calibration.parameters[0].after == Approx(0.5).epsilon(1e-4));
  CHECK(calibration.parameters[1].after == Approx(0.1).epsilon(1e-4));
  CHECK(calibration.parameters[2].after == Approx(0.8).epsilon(1e-4));
  CHECK(calibration.parameters[3].name == "overhead");
  CHECK(calibration.parameters[3].before == 5e-6);
  CHECK(calibration.parameters[3].after == Approx(20e-6).epsilon(1e-4));
  CHECK(calibration.before.summary.median_abs > 0.1);  // the start is visibly wrong
  CHECK(calibration.after.summary.median_abs < 1e-4);
  CHECK(calibration.held_out.summary.median_abs < 1e-4);
  CHECK(calibration.held_out.summary.within_10 == 1);
  CHECK(calibration.calibrated.id == "plain-calibrated");
  // Folds: a pair's measurements share one; every measured one has a fold in 0..2.
  for (int fold : calibration.folds) CHECK((fold >= 0 && fold < 3));
}

TEST_CASE("calibrate: too few folds is an error", "[validate]") {
  MeasurementSet set;
  set.measurements = {measured("pw", "conv2d filters=16 kernel=1 input=10x10x16", 1e-6)};
  CHECK_THROWS_WITH(calibrate(set, plain(), Options{}, CalibrationOptions{1}), "--folds must be at least 2, got 1");
  // One measurement cannot be split three ways with something left to fit on.
  CHECK_THROWS_AS(calibrate(set, plain(), Options{}, CalibrationOptions{3}), Error);
}
