// convroof-bench's oneDNN runner (src/bench/onednn.hpp) against a naive convolution: small
// layers of every kind (standard, strided with asymmetric padding, dilated, grouped, depthwise
// with a multiplier, pointwise, a chain) give the same output as six nested loops in double,
// and a dw-pw measurement runs as oneDNN's fused pointwise + depthwise post-op (or is refused
// with the reason, where oneDNN's heuristics choose no fused kernel on this machine).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "convroof/validate.hpp"
#include "onednn.hpp"

namespace {

using convroof::Layer;
using convroof::Measurement;
using convroof::OnednnChain;

// Plain data: values in [-1, 1) from a 64-bit LCG.
std::vector<float> test_values(std::size_t count, std::uint64_t seed) {
  std::vector<float> values(count);
  for (float& value : values) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    value = static_cast<float>(seed >> 40) / static_cast<float>(1ull << 23) - 1.0f;
  }
  return values;
}

struct LayerData {
  std::vector<float> weights, bias;
};

// out[n][y][x][k] = bias[k] + Σ_{c,i,j} in[n][y*s - pad_top + i*d][x*s - pad_left + j*d][g*C/G + c]
//                                      * w[g][k % (K/G)][c][i][j],  g = k / (K/G); zero outside.
std::vector<float> reference_convolution(const Layer& layer, const std::vector<float>& input, const LayerData& data) {
  const auto& in = layer.input_shapes.front();
  const auto& out = layer.output_shape;
  std::int64_t channels = in[3], group_in = channels / layer.groups, group_out = layer.filters / layer.groups;
  std::vector<float> output(static_cast<std::size_t>(out[0] * out[1] * out[2] * out[3]));
  for (std::int64_t n = 0; n < out[0]; ++n)
    for (std::int64_t y = 0; y < out[1]; ++y)
      for (std::int64_t x = 0; x < out[2]; ++x)
        for (std::int64_t k = 0; k < out[3]; ++k) {
          std::int64_t group = k / group_out;
          double sum = layer.bias ? data.bias[k] : 0.0;
          for (std::int64_t c = 0; c < group_in; ++c)
            for (std::int64_t i = 0; i < layer.kernel[0]; ++i)
              for (std::int64_t j = 0; j < layer.kernel[1]; ++j) {
                std::int64_t row = y * layer.stride[0] - layer.padding[0] + i * layer.dilation[0];
                std::int64_t col = x * layer.stride[1] - layer.padding[2] + j * layer.dilation[1];
                if (row < 0 || row >= in[1] || col < 0 || col >= in[2]) continue;
                double value = input[((n * in[1] + row) * in[2] + col) * channels + group * group_in + c];
                double weight =
                    data.weights[(((group * group_out + k % group_out) * group_in + c) * layer.kernel[0] + i) *
                                     layer.kernel[1] +
                                 j];
                sum += value * weight;
              }
          output[((n * out[1] + y) * out[2] + x) * out[3] + k] = static_cast<float>(sum);
        }
  return output;
}

std::size_t weight_count(const Layer& layer) {
  return static_cast<std::size_t>(layer.filters * (layer.input_shapes.front()[3] / layer.groups) * layer.kernel[0] *
                                  layer.kernel[1]);
}

Measurement measurement(std::vector<std::string> layers, std::int64_t batch = 1,
                        convroof::Fuse fuse = convroof::Fuse::none) {
  Measurement result;
  result.name = "test";
  result.layers = std::move(layers);
  result.batch = batch;
  result.fuse = fuse;
  return result;
}

// Gives the chain test data; returns the input and each layer's weights and bias.
std::pair<std::vector<float>, std::vector<LayerData>> load_test_data(OnednnChain& chain, const convroof::Model& model) {
  const auto& shape = model.layers.front().input_shapes.front();
  auto input = test_values(static_cast<std::size_t>(shape[0] * shape[1] * shape[2] * shape[3]), 7);
  chain.set_input(input);
  std::vector<LayerData> layers;
  for (std::size_t index = 0; index < model.layers.size(); ++index) {
    const Layer& layer = model.layers[index];
    LayerData data{
        test_values(weight_count(layer), 11 + index),
        layer.bias ? test_values(static_cast<std::size_t>(layer.filters), 31 + index) : std::vector<float>{}};
    chain.set_weights(index, data.weights, data.bias);
    layers.push_back(std::move(data));
  }
  return {input, layers};
}

void require_close(const std::vector<float>& actual, const std::vector<float>& expected) {
  REQUIRE(actual.size() == expected.size());
  double worst = 0;
  for (std::size_t index = 0; index < actual.size(); ++index)
    worst = std::max(worst, std::abs(actual[index] - expected[index]) / (1.0 + std::abs(expected[index])));
  CHECK(worst < 1e-4);
}

// Runs the chain once and compares with the reference applied layer by layer.
void check_against_reference(const Measurement& spec) {
  convroof::Model model = convroof::measurement_model(spec);
  OnednnChain chain(spec);
  INFO(spec.layers.front() << " -> " << chain.implementation());
  auto [input, data] = load_test_data(chain, model);
  chain.run();
  std::vector<float> expected = input;
  for (std::size_t index = 0; index < model.layers.size(); ++index)
    expected = reference_convolution(model.layers[index], expected, data[index]);
  require_close(chain.output(), expected);
}

}  // namespace

TEST_CASE("oneDNN convolutions match a naive convolution") {
  SECTION("standard 3x3 with bias, batch 2") {
    check_against_reference(measurement({"conv2d filters=16 kernel=3 padding=same bias=true input=9x7x8"}, 2));
  }
  SECTION("strided, asymmetric 'same' padding [0,1,0,1]") {
    check_against_reference(measurement({"conv2d filters=8 kernel=3 stride=2 padding=same input=8x8x4"}));
  }
  SECTION("dilated, rectangular kernel") {
    check_against_reference(measurement({"conv2d filters=8 kernel=3x5 dilation=2 padding=[2,2,4,4] input=10x12x8"}));
  }
  SECTION("grouped") {
    check_against_reference(measurement({"conv2d filters=16 kernel=3 groups=4 padding=same bias=true input=6x6x8"}));
  }
  SECTION("depthwise with depth multiplier 2") {
    check_against_reference(
        measurement({"depthwise_conv2d kernel=3 depth_multiplier=2 padding=same bias=true input=7x7x16"}));
  }
  SECTION("pointwise, canonical spec") {
    check_against_reference(measurement(
        {"conv2d filters=32 kernel=1x1 stride=1x1 padding=[0,0,0,0] dilation=1x1 groups=1 bias=false input=5x5x16"}));
  }
  SECTION("chain: depthwise then pointwise, unfused") {
    check_against_reference(
        measurement({"depthwise_conv2d kernel=3 padding=same input=8x8x16", "conv2d filters=24 kernel=1 bias=true"}));
  }
}

TEST_CASE("dw-pw runs as oneDNN's pointwise with a fused depthwise post-op") {
  // Large enough (16 channels of 600x600, 23 MB) for oneDNN's fusion heuristic on machines with up
  // to 5 MiB of L2 per thread in all; the reference is the swapped order the fused kernel computes.
  Measurement spec = measurement(
      {"depthwise_conv2d kernel=3 padding=same bias=true input=600x600x16", "conv2d filters=16 kernel=1 bias=true"}, 1,
      convroof::Fuse::dw_pw);
  convroof::Model model = convroof::measurement_model(spec);
  try {
    OnednnChain chain(spec);
    INFO(chain.implementation());
    CHECK(chain.implementation().find("fused depthwise 3x3 post-op") != std::string::npos);
    CHECK(chain.implementation().find("ref") == std::string::npos);
    auto [input, data] = load_test_data(chain, model);
    chain.run();
    Layer pointwise_first = model.layers[1];
    pointwise_first.input_shapes = model.layers[0].input_shapes;
    pointwise_first.output_shape = model.layers[0].output_shape;
    std::vector<float> expected =
        reference_convolution(model.layers[0], reference_convolution(pointwise_first, input, data[1]), data[0]);
    require_close(chain.output(), expected);
  } catch (const convroof::NotFusedError& not_fused) {
    WARN("oneDNN fuses no dw-pw kernel here: " << not_fused.what());
    CHECK(std::string(not_fused.what()).find("ref_fused_convolution") != std::string::npos);
  }
}

TEST_CASE("dw-pw configurations oneDNN cannot fuse are refused with the reason") {
  auto refusal = [](std::vector<std::string> layers) {
    try {
      OnednnChain chain(measurement(std::move(layers), 1, convroof::Fuse::dw_pw));
    } catch (const convroof::NotFusedError& not_fused) {
      return std::string(not_fused.what());
    }
    return std::string("fused");
  };
  CHECK_THAT(refusal({"depthwise_conv2d kernel=3 stride=2 padding=same input=16x16x8", "conv2d filters=8 kernel=1"}),
             Catch::Contains("strided"));
  CHECK_THAT(refusal({"depthwise_conv2d kernel=3 padding=same input=16x16x8", "conv2d filters=16 kernel=1"}),
             Catch::Contains("C = 8 differs from K = 16"));
  CHECK_THAT(refusal({"depthwise_conv2d kernel=3 padding=same input=8x8x16", "conv2d filters=16 kernel=1"}),
             Catch::Contains("ref_fused_convolution"));
}

TEST_CASE("the runner rejects what it cannot time") {
  CHECK_THROWS_WITH(OnednnChain(measurement({"maxpool kernel=2 input=8x8x4"})), Catch::Contains("convolutions only"));
  Measurement half = measurement({"conv2d filters=8 kernel=3 input=8x8x4"});
  half.precision = convroof::Precision::fp16;
  CHECK_THROWS_WITH(OnednnChain(half), Catch::Contains("fp32 only"));
  CHECK_THROWS_WITH(OnednnChain(measurement({"depthwise_conv2d kernel=3 input=8x8x4", "conv2d filters=4 kernel=3"}, 1,
                                            convroof::Fuse::dw_pw)),
                    Catch::Contains("not [depthwise, pointwise 1x1]"));
}

TEST_CASE("run_onednn fills times and implementations") {
  convroof::MeasurementSet set;
  set.measurements = {
      measurement({"conv2d filters=8 kernel=3 padding=same input=16x16x8"}),
      measurement({"depthwise_conv2d kernel=3 stride=2 padding=same input=16x16x8", "conv2d filters=8 kernel=1"}, 1,
                  convroof::Fuse::dw_pw)};
  set.measurements[1].name = "strided dw-pw";
  convroof::BenchSettings settings;
  settings.warmup = 1;
  settings.runs = 3;
  settings.cold_caches = false;
  std::vector<std::string> progress;
  convroof::run_onednn(set, settings, [&](std::size_t done, std::size_t total, const std::string& name) {
    progress.push_back(std::to_string(done) + "/" + std::to_string(total) + " " + name);
  });
  CHECK(progress == std::vector<std::string>{"1/2 test", "2/2 strided dw-pw"});
  REQUIRE(set.measurements[0].time);
  CHECK(set.measurements[0].time->runs == 3);
  CHECK(set.measurements[0].time->min_s > 0);
  CHECK(set.measurements[0].time->min_s <= set.measurements[0].time->median_s);
  CHECK_FALSE(set.measurements[0].implementation.empty());
  CHECK_FALSE(set.measurements[1].time);
  CHECK_THAT(set.measurements[1].implementation, Catch::StartsWith("not measured: "));

  auto facts = convroof::onednn_machine_facts(settings);
  REQUIRE(facts.size() == 6);
  CHECK(facts[0].first == "onednn");
  CHECK_FALSE(facts[0].second.empty());
}
