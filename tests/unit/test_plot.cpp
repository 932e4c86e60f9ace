// Charts and sweeps: a roofline point placed by hand, the compare arrows, the sweep range
// grammar, the --layer rewriting of each sweep parameter, and sweep points equal to
// single analyze() runs.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "convroof/chart.hpp"
#include "convroof/report.hpp"
#include "convroof/sweep.hpp"

using namespace convroof;

namespace {

// One unit of 1 TFLOPS fp32, DRAM at 100 GB/s, no overhead: ridge = 1e12 / 1e11 = 10 FLOP/B.
constexpr const char* kPlain = R"(schema: convroof.hardware/1
id: plain
name: plain test device
class: edge
default_precision: fp32
peak: {fp32: 1 TFLOPS}
memory:
  - {name: dram, capacity: 1 GB, bandwidth: 100 GB/s}
overhead: 0 us
sources: ["test"]
)";

Options defaults(const HardwareSpec& hw) {
  Options options;
  options.precision = hw.default_precision;
  return options;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++found;
  return found;
}

}  // namespace

TEST_CASE("roofline chart: a lumped layer's point, roof, slope and axes by hand", "[plot]") {
  HardwareSpec hw = parse_hardware(kPlain, "plain.yaml");
  AnalysisResult result = analyze(parse_layer_line("lumped flops=1GFLOP bytes=10MB", std::nullopt), hw, defaults(hw));
  RooflineChart chart = roofline_chart(std::vector<AnalysisResult>{result});
  // Intensity 1e9 FLOP / 1e7 B = 100 FLOP/B. T = 1e7 B / 1e11 B/s + 1e9 / 1e12 FLOP/s = 100 us +
  // 1 ms = 1.1 ms; attained = 1e9 / 1.1e-3 = 909.09 GFLOP/s.
  REQUIRE(chart.points.size() == 1);
  CHECK(chart.points[0].intensity == Approx(100));
  CHECK(chart.points[0].flops_per_s == Approx(909.0909e9));
  REQUIRE(chart.roofs.size() == 1);
  CHECK(chart.roofs[0].flops_per_s == Approx(1e12));
  CHECK(chart.roofs[0].ridge_intensity == Approx(10));
  REQUIRE(chart.slopes.size() == 1);
  CHECK(chart.slopes[0].ridge_intensity == Approx(10));
  // x: lowest of point and ridges = 10 -> 10; highest 100 x 2.5 = 250 -> 500, but at least two
  // decades -> 1000. y: roof 1e12 x 1.4 -> 2e12; lowest of point and roof/100 = 1e10 -> 1e10.
  CHECK(chart.x_min == Approx(10));
  CHECK(chart.x_max == Approx(1000));
  CHECK(chart.y_min == Approx(1e10));
  CHECK(chart.y_max == Approx(2e12));
  // Pixels: x = 110 + log10(100/10) / log10(1000/10) x 600 = 110 + 300 = 410;
  // y = 50 + 480 - log10(909.09e9/1e10) / log10(2e12/1e10) x 480 = 530 - (1.958607 / 2.301030) x 480
  //   = 530 - 408.570 = 121.43.
  const PlotArea area;
  CHECK(area.left + log_position(100, chart.x_min, chart.x_max, area.width) == Approx(410));
  CHECK(area.top + area.height - log_position(909.0909e9, chart.y_min, chart.y_max, area.height) ==
        Approx(121.43).margin(0.005));

  std::ostringstream svg;
  render_roofline_svg(chart, svg);
  const std::string text = svg.str();
  // The point is a circle of radius 4.5 around (410, 121.43): its path starts at x - r.
  CHECK(text.find("d=\"M405.50,121.43 a4.50,4.50") != std::string::npos);
  CHECK(count(text, "class=\"point\"") == 1);
  CHECK(count(text, "class=\"roof\"") == 1);
  CHECK(count(text, "class=\"slope\"") == 1);
  CHECK(count(text, "class=\"ridge\"") == 1);
  for (const char* tick : {">10<", ">100<", ">1k<", ">10 GFLOP/s<", ">100 GFLOP/s<", ">1 TFLOP/s<"}) {
    INFO(tick);
    CHECK(text.find(tick) != std::string::npos);
  }
  CHECK(text.find(">10k<") == std::string::npos);  // the axis ends at 1000
  // Same chart, same bytes.
  std::ostringstream again;
  render_roofline_svg(roofline_chart(std::vector<AnalysisResult>{result}), again);
  CHECK(again.str() == text);
}

TEST_CASE("roofline chart: compare draws one arrow per block and hardware, standard to separable", "[plot]") {
  HardwareSpec hw = parse_hardware(kPlain, "plain.yaml");
  Model model = parse_layer_line("conv2d filters=64 kernel=3 padding=same input=56x56x64", std::nullopt);
  Comparison comparison = compare(model, {Target{hw, defaults(hw)}, Target{hw, defaults(hw)}});
  RooflineChart chart = roofline_chart(comparison);
  // The same id twice is one hardware of the chart; two blocks (one per target), each with
  // the standard conv, the depthwise and pointwise layers and the separable block's total.
  CHECK(chart.hardware.size() == 1);
  REQUIRE(chart.arrows.size() == 2);
  for (const auto& arrow : chart.arrows) {
    CHECK(chart.points[arrow.from].kind == PlotKind::standard);
    CHECK(chart.points[arrow.to].block);
    // Separable: fewer FLOPs per byte than the standard conv (9·64·64 vs 9·64 + 64·64 MACs per pixel).
    CHECK(chart.points[arrow.to].intensity < chart.points[arrow.from].intensity);
  }
  CHECK(chart.points.size() == 8);
  std::ostringstream svg;
  render_roofline_svg(chart, svg);
  CHECK(count(svg.str(), "class=\"arrow\"") == 2);
  CHECK(count(svg.str(), "class=\"block\"") == 2);
}

TEST_CASE("sweep: range grammar", "[sweep]") {
  const Location where{"--vary", 0, 0};
  SweepRange channels = parse_sweep_range("channels=8:2048:x2", where);
  CHECK(channels.parameter == SweepParameter::channels);
  CHECK(channels.values == std::vector<std::int64_t>{8, 16, 32, 64, 128, 256, 512, 1024, 2048});
  CHECK(channels.geometric);
  SweepRange size = parse_sweep_range("size=32:224:+64", where);
  CHECK(size.values == std::vector<std::int64_t>{32, 96, 160, 224});
  CHECK_FALSE(size.geometric);
  CHECK(parse_sweep_range("kernel=1:7:+2", where).values == std::vector<std::int64_t>{1, 3, 5, 7});
  CHECK(parse_sweep_range("stride=1:3", where).values == std::vector<std::int64_t>{1, 2, 3});
  CHECK(parse_sweep_range("batch=1,2,4,8", where).geometric);
  CHECK_FALSE(parse_sweep_range("batch=1,2,3", where).geometric);
  CHECK(parse_sweep_range("batch=3:100:x4", where).values == std::vector<std::int64_t>{3, 12, 48});

  auto error_of = [&](const std::string& text) {
    try {
      parse_sweep_range(text, where);
    } catch (const Error& e) {
      return e.formatted();
    }
    return std::string("no error");
  };
  CHECK(error_of("width=8:16") ==
        "--vary: error: unknown sweep parameter 'width'; valid: channels, batch, size, kernel, stride");
  CHECK(error_of("channels") == "--vary: error: expected PARAMETER=RANGE (e.g. channels=8:2048:x2), got 'channels'");
  CHECK(error_of("channels=16:8") == "--vary: error: the range 16:8 runs backwards");
  // Column of the offending text in the argument: "channels=0:8" -> '0' is column 10.
  CHECK(error_of("channels=0:8") ==
        "--vary:1:10: error: the range's first value must be a positive integer (at most 1000000000), got '0'");
  CHECK(error_of("channels=8:16:x1") == "--vary:1:15: error: a geometric step must be x2 or more");
  CHECK(error_of("channels=8:16:*2") ==
        "--vary:1:15: error: a range's step is xFACTOR or +STEP (e.g. x2, +32), got '*2'");
  CHECK(error_of("batch=2,1") == "--vary:1:9: error: sweep values must increase, got 1 after 2");
  // At most 10^6 values (a million-point sweep is a benchmark case); one more is an error.
  CHECK(error_of("channels=1:1000001:+1").find("more than 1000000 values") != std::string::npos);
  CHECK(parse_sweep_range("channels=1:1000000:+1", Location{"--vary", 0, 0}).values.size() == 1000000);
}

namespace {
// `base` (one-line layers) varied: what parsing the chain with the value written in gives.
void check_varied(const std::vector<std::string>& base, SweepParameter parameter, std::int64_t value,
                  const std::vector<std::string>& written) {
  Model varied;
  vary_model(parse_layer_lines(base, std::nullopt), parameter, value, varied);
  const Model expected = parse_layer_lines(written, std::nullopt);
  INFO(join(written, " | "));
  CHECK(varied.input_shape == expected.input_shape);
  REQUIRE(varied.layers.size() == expected.layers.size());
  for (std::size_t i = 0; i < varied.layers.size(); ++i) {
    const Layer& got = varied.layers[i];
    const Layer& want = expected.layers[i];
    CAPTURE(i);
    CHECK(got.name == want.name);
    CHECK(got.op_class == want.op_class);
    CHECK(got.filters == want.filters);
    CHECK(got.groups == want.groups);
    CHECK(got.kernel == want.kernel);
    CHECK(got.stride == want.stride);
    CHECK(got.padding == want.padding);
    CHECK(got.input_shapes == want.input_shapes);
    CHECK(got.output_shape == want.output_shape);
  }
}
}  // namespace

TEST_CASE("sweep: each parameter varies the parsed --layer chain as its text would", "[sweep]") {
  const std::vector<std::string> conv{"conv2d kernel=3 filters=128 padding=same input=224x224x128"};
  check_varied(conv, SweepParameter::channels, 64, {"conv2d kernel=3 filters=64 padding=same input=224x224x64"});
  // padding same follows the input: 3x3 stride 1 on 57x57 pads 1 each side (57 + 2 - 3 + 1 = 57).
  check_varied(conv, SweepParameter::size, 57, {"conv2d kernel=3 filters=128 padding=same input=57x57x128"});
  const std::vector<std::string> chain{"depthwise_conv2d kernel=[3, 3] stride=2 depth_multiplier=2 input=32x32x16",
                                       "conv2d filters=32 kernel=1", "maxpool kernel=2"};
  // A pool without a stride keeps stride = kernel; the 1x1 conv is not a kernel > 1.
  check_varied(chain, SweepParameter::kernel, 5,
               {"depthwise_conv2d kernel=5 stride=2 depth_multiplier=2 input=32x32x16", "conv2d filters=32 kernel=1",
                "maxpool kernel=5"});
  check_varied(chain, SweepParameter::stride, 1,
               {"depthwise_conv2d kernel=[3, 3] stride=1 depth_multiplier=2 input=32x32x16",
                "conv2d filters=32 kernel=1", "maxpool kernel=2 stride=1"});
  // The depthwise output follows C (8 x multiplier 2 = 16 channels into the 1x1 conv).
  check_varied(chain, SweepParameter::channels, 8,
               {"depthwise_conv2d kernel=[3, 3] stride=2 depth_multiplier=2 input=32x32x8", "conv2d filters=8 kernel=1",
                "maxpool kernel=2"});
  // A kernel sweep from a 3x3 down to 1 keeps varying the layers that had a kernel > 1.
  const Model three = parse_layer_lines({"conv2d filters=8 kernel=3 input=8x8x8"}, std::nullopt);
  Model varied;
  vary_model(three, SweepParameter::kernel, 1, varied);
  vary_model(three, SweepParameter::kernel, 7, varied);
  CHECK(varied.layers[0].output_shape == Shape{1, 2, 2, 8});  // 8 - 7 + 1 = 2
  CHECK_THROWS_WITH(vary_model(parse_layer_lines({"conv2d filters=8 kernel=1 input=8x8x8"}, std::nullopt),
                               SweepParameter::stride, 2, varied),
                    "'stride' changes layers with a kernel > 1, and no --layer has one");
  CHECK_THROWS_WITH(
      vary_model(parse_layer_lines({"dense units=10 input=100"}, std::nullopt), SweepParameter::channels, 2, varied),
      "'channels' needs the first --layer's input=HxWxC");
  // A value the layer cannot take is the loader's shape error, at the layer.
  CHECK_THROWS_WITH(vary_model(three, SweepParameter::size, 2, varied),
                    Catch::Contains("kernel 3 (dilated 3) is larger than the padded input height 2"));
}

TEST_CASE("sweep: every point equals a single analyze of the varied layer", "[sweep]") {
  HardwareSpec hw = parse_hardware(kPlain, "plain.yaml");
  const std::vector<std::string> lines{"conv2d kernel=3 input=224x224x128"};
  SweepRange range = parse_sweep_range("channels=8,32,128", Location{"--vary", 0, 0});
  std::size_t calls = 0;
  const Model base = parse_layer_lines(lines, 1, sweep_line_defaults(range));  // the lines leave filters out
  Sweep sweep = run_sweep(
      range, [&](std::int64_t value, Model& model) { vary_model(base, range.parameter, value, model); },
      {Target{hw, defaults(hw)}},
      [&](std::size_t done, std::size_t total) {
        ++calls;
        CHECK(total == 6);
        CHECK(done == calls);
      });
  CHECK(calls == 6);
  REQUIRE(sweep.points.size() == 6);  // 3 values x 1 hardware x 2 forms
  for (const auto& point : sweep.points) {
    Model model =
        parse_layer_line(fmt::format("conv2d kernel=3 filters={0} input=224x224x{0}", point.value), std::nullopt);
    if (point.form == SweepForm::separable) model = apply_transform(model, Transform::to_dwsep);
    AnalysisResult single = analyze(model, hw, defaults(hw));
    INFO(point.value << " " << sweep_form_name(point.form));
    CHECK(point.macs == single.totals.macs);
    CHECK(point.bytes == single.totals.bytes.total());
    CHECK(point.time == single.totals.time.total);
    CHECK(point.bound == single.totals.bound);
  }
  // By hand, C = K = 32, valid padding: 222 x 222 outputs x 3 x 3 x 32 x 32 = 454,201,344 MACs;
  // separable: 222 x 222 x 3 x 3 x 32 (depthwise) + 222 x 222 x 32 x 32 (pointwise) = 14,193,792 +
  // 50,466,816 = 64,660,608.
  CHECK(sweep.points[2].macs == 454'201'344);
  CHECK(sweep.points[3].macs == 64'660'608);

  // The SVG rings every point whose verdict differs from the previous value's.
  std::size_t changes = 0;
  for (std::size_t i = 2; i < sweep.points.size(); ++i)
    if (sweep.points[i].bound != sweep.points[i - 2].bound) ++changes;
  std::ostringstream svg;
  render_sweep_svg(sweep, svg);
  CHECK(count(svg.str(), "class=\"point verdict-change\"") == 2 * changes);  // both panels
  CHECK(count(svg.str(), "class=\"line\"") == 4);                            // 2 panels x 2 forms
}

TEST_CASE("sweep: a model without a standard conv or a dw + pw pair has nothing to compare", "[sweep]") {
  HardwareSpec hw = parse_hardware(kPlain, "plain.yaml");
  SweepRange range = parse_sweep_range("batch=1,2", Location{"--vary", 0, 0});
  CHECK_THROWS_WITH(
      run_sweep(range,
                [](std::int64_t batch, Model& model) { model = parse_layer_line("dense units=10 input=100", batch); },
                {Target{hw, defaults(hw)}}),
      Catch::Contains("nothing to compare"));
}

TEST_CASE("sweep: a batch sweep gives time per image, images/s and the fit of every point", "[sweep]") {
  // The compute-only device (1 GFLOP/s, 1000 TB/s, no overhead, roofline time, 1 MB of memory):
  // conv 3x3 4->16 on 8x8, same padding: 8*8*16*4*9 = 36,864 MACs per image, 73.728 us at N = 1;
  // N images take N times as long, so T/N stays 73.728 us and N/T = 13,563.2 images/s.
  // Memory: weights 4*9*16 = 576 params (2,304 B) plus the input 8*8*4 and output 8*8*16
  // (1,280 elements, 5,120 B per image) live together: at N = 200, 2,304 + 1,024,000 B > 1 MB
  // (1,000,000 B), at N = 100 2,304 + 512,000 fits.
  const HardwareSpec hw = parse_hardware(
      "schema: convroof.hardware/1\nid: t\nname: T\nclass: cpu\ndefault_precision: fp32\npeak: {fp32: 1 GFLOPS}\n"
      "memory:\n  - {name: dram, capacity: 1 MB, bandwidth: 1000 TB/s}\noverhead: 0 us\nsources: [x]\n",
      "t.yaml");
  Options options = defaults(hw);
  options.time_model = TimeModel::roofline;
  const SweepRange range = parse_sweep_range("batch=1,100,200", Location{"--vary", 0, 0});
  const Sweep sweep = run_sweep(
      range,
      [](std::int64_t batch, Model& model) {
        model = parse_layer_line("conv2d filters=16 kernel=3 padding=same input=8x8x4", batch);
      },
      {Target{hw, options}});
  REQUIRE(sweep.points.size() == 6);
  const SweepPoint& one = sweep.points[0];  // standard, N = 1
  CHECK(one.batch == 1);
  CHECK(one.time == Approx(73.728e-6));
  CHECK(one.time_per_image == Approx(73.728e-6));
  CHECK(sweep.points[2].batch == 100);
  CHECK(sweep.points[2].time == Approx(100 * 73.728e-6));
  CHECK(sweep.points[2].time_per_image == Approx(73.728e-6));
  CHECK(sweep.points[2].images_per_s == Approx(1 / 73.728e-6));
  CHECK(sweep.points[2].fits);
  CHECK(sweep.points[2].capacity_ratio == Approx((2'304 + 512'000) / 1e6));
  CHECK_FALSE(sweep.points[4].fits);
  CHECK(sweep.points[4].capacity_ratio == Approx((2'304 + 1'024'000) / 1e6));
  // The table shows images/s for a batch sweep and says which form fits.
  std::ostringstream table;
  render_sweep_table(sweep, table);
  CHECK_THAT(table.str(), Catch::Contains("standard img/s"));
  CHECK_THAT(table.str(), Catch::Contains("13563"));
  std::ostringstream svg;
  render_sweep_svg(sweep, svg);
  CHECK_THAT(svg.str(), Catch::Contains("time per image T/N (log)"));
  CHECK_THAT(svg.str(), Catch::Contains("does NOT fit"));
}

TEST_CASE("roofline SVG: labels never sit on each other, and every compare arrow names its block", "[plot]") {
  // Two devices with the same 1 TFLOPS roof: their roof labels want the same row; the second
  // moves a row (13 px) away. Text boxes are 11 px tall, so rows at least 11 px apart never touch.
  HardwareSpec a = parse_hardware(kPlain, "plain.yaml");
  HardwareSpec b = a;
  b.id = "twin";
  Options options;
  const Model model = parse_layer_lines({"conv2d filters=16 kernel=3 input=32x32x16"}, std::nullopt);
  const Comparison comparison = compare(model, {{a, options}, {b, options}});
  std::ostringstream svg;
  render_roofline_svg(roofline_chart(comparison), svg);
  const std::string text = svg.str();
  std::vector<double> roof_rows;
  for (std::size_t at = text.find("class=\"roof-label\""); at != std::string::npos;
       at = text.find("class=\"roof-label\"", at + 1)) {
    const std::size_t start = text.rfind("<text", at);
    const std::size_t y = text.find(" y=\"", start) + 4;
    roof_rows.push_back(std::stod(text.substr(y, text.find('"', y) - y)));
  }
  REQUIRE(roof_rows.size() == 2);
  CHECK(std::fabs(roof_rows[0] - roof_rows[1]) >= 11);
  // One block on two devices: two arrows, each labelled [1].
  CHECK(count(text, "class=\"arrow\"") == 2);
  CHECK(count(text, "class=\"arrow-label\"") == 2);
  CHECK(count(text, ">[1]</text>") == 2);
}
