// Engine microbenchmarks (Google Benchmark): how fast convroof is at any size.
//   analyze_layer/KIND/TRAFFIC   analyze() of a one-layer model, per layer kind and traffic model
//   analyze_model/…              analyze() of whole models; per_layer = time per layer (linear scaling)
//   sweep/…                      run_sweep() over a --layer chain; items = sweep points
//   load/…                       parse_workload, resolve_hardware, import_onnx
// Every model and spec is built once, outside the timed loop (the first run of a benchmark
// builds it; static caches keep it for the later runs). Items/s is layers/s unless noted.
//   build/bench/convroof_microbench --benchmark_min_time=0.2 [--benchmark_filter=REGEX]
// CONVROOF_WEIGHTED_ONNX=FILE also times import_onnx of FILE (a model with its weights).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "convroof/cost.hpp"
#include "convroof/hardware.hpp"
#include "convroof/model.hpp"
#include "convroof/runtime.hpp"
#include "convroof/sweep.hpp"
#include "convroof/traffic.hpp"

namespace {

using namespace convroof;

constexpr std::optional<std::int64_t> kNoBatch = std::nullopt;

std::string source_path(const std::string& relative) {
  return std::string(CONVROOF_SOURCE_DIR) + "/" + relative;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The target of every benchmark: the built-in Orin spec, parsed once.
const HardwareSpec& orin() {
  static const HardwareSpec spec = resolve_hardware("orin");
  return spec;
}

// What the CLI passes by default, with the spec's default precision (Orin: int8).
Options options_for(const HardwareSpec& spec, Traffic traffic, Fuse fuse = Fuse::none) {
  Options options;
  options.precision = spec.default_precision;
  options.traffic = traffic;
  options.fuse = fuse;
  return options;
}

// Time per layer in seconds (shown with an SI prefix: 250n = 250 ns per layer).
benchmark::Counter per_layer(std::size_t layers) {
  return benchmark::Counter(static_cast<double>(layers),
                            benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// analyze() of `model` on Orin in the loop, or with `totals_only` analyze_totals() (the
// sweeps' evaluation: no per-layer records); items = layers.
void time_analyze(benchmark::State& state, const Model& model, const Options& options, bool totals_only = false) {
  const HardwareSpec& spec = orin();
  for (auto _ : state) {
    if (totals_only) {
      Totals totals = analyze_totals(model, spec, options);
      benchmark::DoNotOptimize(totals);
    } else {
      AnalysisResult result = analyze(model, spec, options);
      benchmark::DoNotOptimize(result);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * model.layers.size()));
  state.counters["layers"] = static_cast<double>(model.layers.size());
  state.counters["per_layer"] = per_layer(model.layers.size());
}

// ---- 1. Per-layer cost evaluation: one layer kind x one traffic model ----------------------

// A one-layer model: a --layer line, or (for kinds that need several inputs) workload YAML.
struct LayerCase {
  const char* name;
  const char* text;
  bool yaml = false;
};

const std::vector<LayerCase>& layer_cases() {
  static const std::vector<LayerCase> cases{
      {"conv3x3", "conv2d filters=128 kernel=3 padding=same input=56x56x128"},
      {"depthwise", "depthwise_conv2d kernel=3 padding=same input=56x56x128"},
      {"pointwise", "conv2d filters=128 kernel=1 input=56x56x128"},
      {"dense", "dense units=1000 bias=true input=2048"},
      {"maxpool", "maxpool kernel=2 input=56x56x128"},
      {"batchnorm", "batchnorm input=56x56x128"},
      {"relu", "relu input=56x56x128"},
      {"add",
       "schema: convroof.workload/1\n"
       "name: add_bench\n"
       "input: {shape: [1, 56, 56, 128], layout: NHWC}\n"
       "layers:\n"
       "  - {name: add, type: add, inputs: [input, input]}\n",
       true},
      {"lumped", "lumped flops=4GFLOP bytes=100MB"},
  };
  return cases;
}

Model build_layer(const LayerCase& layer) {
  if (layer.yaml) return parse_workload(layer.text, std::string("bench:") + layer.name, kNoBatch);
  return parse_layer_lines({layer.text}, kNoBatch);
}

// Measures: analyze() of one layer of a kind under one traffic model (layers/s).
void analyze_layer(benchmark::State& state, const LayerCase& layer, Traffic traffic) {
  const Model model = build_layer(layer);
  time_analyze(state, model, options_for(orin(), traffic));
}

// ---- 2. Whole models ------------------------------------------------------------------------

// A chain of `layers` layers at constant shape 28x28x64: conv3x3, batchnorm, relu, depthwise
// 3x3, pointwise, repeated with unique names (a 100,000-layer model is 20,000 such blocks).
std::string generated_workload(std::int64_t layers) {
  static const char* const kBlock[] = {
      "type: conv2d, filters: 64, kernel: 3, padding: same",
      "type: batchnorm",
      "type: relu",
      "type: depthwise_conv2d, kernel: 3, padding: same",
      "type: conv2d, filters: 64, kernel: 1",
  };
  static const char* const kSuffix[] = {"conv", "bn", "relu", "dw", "pw"};
  std::string text =
      "schema: convroof.workload/1\n"
      "name: generated\n"
      "input: {shape: [1, 28, 28, 64], layout: NHWC}\n"
      "layers:\n";
  text.reserve(static_cast<std::size_t>(layers) * 80);
  for (std::int64_t i = 0; i < layers; ++i)
    text += "  - {name: b" + std::to_string(i / 5) + "_" + kSuffix[i % 5] + ", " + kBlock[i % 5] + "}\n";
  return text;
}

const Model& generated_model(std::int64_t layers) {
  static std::map<std::int64_t, Model> cache;
  auto it = cache.find(layers);
  if (it == cache.end())
    it = cache.emplace(layers, parse_workload(generated_workload(layers), "bench:generated", kNoBatch)).first;
  return it->second;
}

const Model& builtin_model(const std::string& id) {
  static std::map<std::string, Model> cache;
  auto it = cache.find(id);
  if (it == cache.end()) it = cache.emplace(id, resolve_workload(id, kNoBatch)).first;
  return it->second;
}

// Measures: analyze() (or analyze_totals()) of a built-in workload (layers/s, per_layer).
// `runtime`: a built-in runtime id; "tensorrt" applies its fusion patterns, launch costs and L2
// residency (Orin's default), "none" is the model without a runtime.
Options with_runtime(Options options, const std::string& runtime) {
  options.runtime = resolve_runtime(runtime);
  return options;
}

void analyze_builtin(benchmark::State& state, const std::string& id, Traffic traffic, Fuse fuse, bool totals_only,
                     const std::string& runtime) {
  time_analyze(state, builtin_model(id), with_runtime(options_for(orin(), traffic, fuse), runtime), totals_only);
}

// Measures: analyze() (or analyze_totals()) of the generated chain of state.range(0) layers
// (layers/s, per_layer).
void analyze_generated(benchmark::State& state, Traffic traffic, Fuse fuse, bool totals_only,
                       const std::string& runtime) {
  time_analyze(state, generated_model(state.range(0)), with_runtime(options_for(orin(), traffic, fuse), runtime),
               totals_only);
}

// ---- 3. The sweep inner loop ----------------------------------------------------------------

// Measures: run_sweep() of a conv3x3 --layer over channels=1:4096:+1 on Orin, as the CLI runs
// it (the --layer line parsed once, model_for varies it and infers shapes again; both forms
// analyzed); items = points.
void sweep_channels(benchmark::State& state) {
  const SweepRange range = parse_sweep_range("channels=1:4096:+1", Location{"--vary", 0, 0});
  const Model base =
      parse_layer_lines({"conv2d kernel=3 padding=same input=56x56x64"}, kNoBatch, sweep_line_defaults(range));
  const std::vector<Target> targets{Target{orin(), options_for(orin(), Traffic::ideal), {}}};
  auto model_for = [&](std::int64_t value, Model& model) { vary_model(base, range.parameter, value, model); };
  std::size_t points = 0;
  for (auto _ : state) {
    Sweep sweep = run_sweep(range, model_for, targets);
    points = sweep.points.size();
    benchmark::DoNotOptimize(sweep);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * points));
  state.counters["points"] = static_cast<double>(points);
  state.counters["per_point"] = per_layer(points);
}

// Measures: the evaluation inside one sweep point, without rebuilding the models: run_sweep's
// TotalsEvaluator on the standard conv (1 layer) and its depthwise-separable form (2 layers) at C = 64; items =
// layer evaluations (3 per point).
void sweep_evaluate(benchmark::State& state) {
  const Model model = parse_layer_lines({"conv2d filters=64 kernel=3 padding=same input=56x56x64"}, kNoBatch);
  const Model standard = apply_transform(model, Transform::to_standard);
  const Model separable = apply_transform(model, Transform::to_dwsep);
  TotalsEvaluator evaluate(orin(), options_for(orin(), Traffic::ideal));  // one per sweep and spec, as run_sweep
  for (auto _ : state) {
    Totals a = evaluate(standard);
    Totals b = evaluate(separable);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  const std::size_t layers = standard.layers.size() + separable.layers.size();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * layers));
  state.counters["per_layer"] = per_layer(layers);
}

// Measures: the sweep's model_for alone (vary_model: the parsed chain with the value set, shapes
// inferred again), to split the sweep's time between building models and analyzing them;
// items = models built.
void sweep_model_for(benchmark::State& state) {
  const Model base = parse_layer_lines({"conv2d filters=64 kernel=3 padding=same input=56x56x64"}, kNoBatch);
  Model model;
  std::int64_t value = 1;
  for (auto _ : state) {
    vary_model(base, SweepParameter::channels, value, model);
    benchmark::DoNotOptimize(model);
    value = value % 4096 + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- 4. Loading -----------------------------------------------------------------------------

// Measures: parse_workload() of YAML text already in memory (layers/s, bytes/s of YAML).
void load_workload_text(benchmark::State& state, const std::string& text, const std::string& file) {
  std::size_t layers = 0;
  for (auto _ : state) {
    Model model = parse_workload(text, file, kNoBatch);
    layers = model.layers.size();
    benchmark::DoNotOptimize(model);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * layers));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["layers"] = static_cast<double>(layers);
  state.counters["per_layer"] = per_layer(layers);
}

// Measures: parse_workload() of a workload file of the source tree, read once outside the loop.
void load_workload_file(benchmark::State& state, const std::string& relative) {
  load_workload_text(state, read_text(source_path(relative)), relative);
}

// Measures: parse_workload() of the generated chain of `layers` layers (text built outside the loop).
void load_workload_generated(benchmark::State& state, std::int64_t layers) {
  load_workload_text(state, generated_workload(layers), "bench:generated");
}

// Measures: resolve_hardware("orin"): lookup of the embedded spec and its YAML parse; items = specs.
void load_hardware(benchmark::State& state) {
  for (auto _ : state) {
    HardwareSpec spec = resolve_hardware("orin");
    benchmark::DoNotOptimize(spec);
  }
  state.SetItemsProcessed(state.iterations());
}

// Measures: import_onnx() of a file (protobuf parse + shape inference + mapping; layers/s, file bytes/s).
void load_onnx(benchmark::State& state, const std::string& path) {
  const auto file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  std::size_t layers = 0;
  for (auto _ : state) {
    Model model = import_onnx(path, kNoBatch);
    layers = model.layers.size();
    benchmark::DoNotOptimize(model);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * layers));
  state.SetBytesProcessed(state.iterations() * file_bytes);
  state.counters["layers"] = static_cast<double>(layers);
}

// ---- Registration ---------------------------------------------------------------------------

// Registers fn(state, args...) under `name`; a loader error (a missing fixture, a rejected
// file) skips that benchmark with its message instead of ending the run.
template <class Fn, class... Args>
benchmark::internal::Benchmark* add(const std::string& name, Fn fn, Args... args) {
  return benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    try {
      fn(state, args...);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
    }
  });
}

void register_benchmarks() {
  for (const auto& layer : layer_cases())
    for (const auto& traffic : kTrafficModels)
      add("analyze_layer/" + std::string(layer.name) + "/" + std::string(traffic.name), analyze_layer, layer,
          traffic.value);

  // analyze_model/… builds every per-layer record; totals_model/… is analyze_totals().
  for (bool totals_only : {false, true}) {
    const std::string group = totals_only ? "totals_model/" : "analyze_model/";
    const std::string none = "none", tensorrt = "tensorrt";
    add(group + "mobilenet_v1/ideal", analyze_builtin, std::string("mobilenet_v1"), Traffic::ideal, Fuse::none,
        totals_only, none)
        ->Unit(benchmark::kMicrosecond);
    add(group + "resnet50/ideal", analyze_builtin, std::string("resnet50"), Traffic::ideal, Fuse::none, totals_only,
        none)
        ->Unit(benchmark::kMicrosecond);
    add(group + "resnet50/tiled_fuse_all", analyze_builtin, std::string("resnet50"), Traffic::tiled, Fuse::all,
        totals_only, none)
        ->Unit(benchmark::kMicrosecond);
    // Orin's default: the TensorRT-like runtime's patterns, launch costs and L2 residency.
    add(group + "resnet50/tensorrt", analyze_builtin, std::string("resnet50"), Traffic::ideal, Fuse::runtime,
        totals_only, tensorrt)
        ->Unit(benchmark::kMicrosecond);
    // The generated chain at 1k, 10k and 100k layers: per_layer should stay flat.
    add(group + "generated/ideal", analyze_generated, Traffic::ideal, Fuse::none, totals_only, none)
        ->Arg(1'000)
        ->Arg(10'000)
        ->Arg(100'000)
        ->Unit(benchmark::kMillisecond);
    add(group + "generated/tiled_fuse_all", analyze_generated, Traffic::tiled, Fuse::all, totals_only, none)
        ->Arg(1'000)
        ->Arg(100'000)
        ->Unit(benchmark::kMillisecond);
    add(group + "generated/tensorrt", analyze_generated, Traffic::ideal, Fuse::runtime, totals_only, tensorrt)
        ->Arg(1'000)
        ->Arg(100'000)
        ->Unit(benchmark::kMillisecond);
  }

  add("sweep/conv3x3_channels_1:4096:+1", sweep_channels)->Unit(benchmark::kMillisecond);
  add("sweep/evaluate", sweep_evaluate)->Unit(benchmark::kNanosecond);
  add("sweep/model_for", sweep_model_for)->Unit(benchmark::kMicrosecond);

  add("load/parse_workload/mobilenet_v1", load_workload_file, std::string("workloads/mobilenet_v1.yaml"))
      ->Unit(benchmark::kMicrosecond);
  add("load/parse_workload/generated_100k", load_workload_generated, std::int64_t{100'000})
      ->Unit(benchmark::kMillisecond);
  add("load/resolve_hardware/orin", load_hardware)->Unit(benchmark::kMicrosecond);
  for (const char* name : {"resnet50", "mobilenet_v2"})
    add(std::string("load/import_onnx/") + name, load_onnx,
        source_path(std::string("tests/fixtures/onnx/") + name + ".onnx"))
        ->Unit(benchmark::kMillisecond);
  // A model with its weights inline (e.g. a real 100 MB resnet50.onnx): registered when named.
  if (const char* weighted = std::getenv("CONVROOF_WEIGHTED_ONNX"); weighted != nullptr && *weighted != '\0')
    add("load/import_onnx/weighted", load_onnx, std::string(weighted))->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
