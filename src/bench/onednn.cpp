// oneDNN convolutions for convroof-bench: one OnednnChain (primitives, buffers, data) per
// measurement, the cache sweep between runs, the timing loop and the machine facts. The method is
// described in onednn.hpp.
#include "onednn.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <dnnl.hpp>
#include <optional>
#include <thread>
#include <unordered_map>

#include "convroof/probe.hpp"

namespace convroof {
namespace {

using dnnl::memory;
using DataType = memory::data_type;
using Tag = memory::format_tag;

// oneDNN's logical activation order is NCHW whatever the layout in memory.
memory::dims nchw_dims(const Shape& nhwc) {
  return {nhwc[0], nhwc[3], nhwc[1], nhwc[2]};
}

// Logical weight dims: [K][C][KH][KW], or [G][K/G][C/G][KH][KW] for a grouped (depthwise) layer.
memory::dims weight_dims(const Layer& layer) {
  std::int64_t channels = layer.input_shapes.front()[3];
  if (layer.groups == 1) return {layer.filters, channels, layer.kernel[0], layer.kernel[1]};
  return {layer.groups, layer.filters / layer.groups, channels / layer.groups, layer.kernel[0], layer.kernel[1]};
}
memory::desc plain_weights(const Layer& layer) {
  return {weight_dims(layer), DataType::f32, layer.groups == 1 ? Tag::oihw : Tag::goihw};
}
memory::desc plain_bias(const Layer& layer) {
  return {{layer.filters}, DataType::f32, Tag::x};
}

std::size_t element_count(const memory::dims& dims) {
  std::size_t count = 1;
  for (auto dim : dims) count *= static_cast<std::size_t>(dim);
  return count;
}

// Deterministic pseudo-random values in [-scale, scale] (a 64-bit LCG): data to time with.
std::vector<float> pseudo_random(std::size_t count, float scale, std::uint64_t seed) {
  std::vector<float> values(count);
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (float& value : values) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    value = scale * (static_cast<float>(state >> 40) / static_cast<float>(1ull << 23) - 1.0f);
  }
  return values;
}

// The convolution of `layer` reading `src`; weights, bias and output in the layout oneDNN picks.
dnnl::convolution_forward::desc convolution(const Layer& layer, const memory::desc& src) {
  memory::desc weights(weight_dims(layer), DataType::f32, Tag::any);
  memory::desc dst(nchw_dims(layer.output_shape), DataType::f32, Tag::any);
  memory::dims strides{layer.stride[0], layer.stride[1]};
  memory::dims dilates{layer.dilation[0] - 1, layer.dilation[1] - 1};  // oneDNN: 0 = no dilation
  memory::dims pad_before{layer.padding[0], layer.padding[2]}, pad_after{layer.padding[1], layer.padding[3]};
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto direct = dnnl::algorithm::convolution_direct;
  if (!layer.bias) return {prop, direct, src, weights, dst, strides, dilates, pad_before, pad_after};
  memory::desc bias({layer.filters}, DataType::f32, Tag::any);
  return {prop, direct, src, weights, bias, dst, strides, dilates, pad_before, pad_after};
}

// Why the dw-pw chain [depthwise, pointwise] cannot run as oneDNN's pointwise + depthwise
// post-op with the same work; "" when it can.
std::string swap_problem(const Layer& depthwise, const Layer& pointwise) {
  std::int64_t channels = depthwise.input_shapes.front()[3];
  std::int64_t kernel = depthwise.kernel[0], pad = (kernel - 1) / 2;
  if (depthwise.filters != channels) return "the depthwise layer has a depth multiplier other than 1";
  if (pointwise.filters != channels)
    return fmt::format("C = {} differs from K = {}: the swapped order would change the work", channels,
                       pointwise.filters);
  if (pointwise.stride != std::array<std::int64_t, 2>{1, 1} || pointwise.padding != std::array<std::int64_t, 4>{})
    return "the pointwise layer is strided or padded";
  if (depthwise.stride != std::array<std::int64_t, 2>{1, 1})
    return "the depthwise layer is strided: after the swap the pointwise would run at the full resolution";
  if (depthwise.dilation != std::array<std::int64_t, 2>{1, 1}) return "oneDNN's depthwise post-op has no dilation";
  if (depthwise.kernel[1] != kernel || kernel % 2 == 0 || depthwise.padding != std::array{pad, pad, pad, pad})
    return "oneDNN's depthwise post-op needs an odd square kernel k with padding (k-1)/2 on every side";
  return "";
}

// Reads a buffer twice the size of the largest cache, so that whatever a run touched before is
// evicted from every level. The reading is a oneDNN reduction (sum of each of 64 rows), so it
// runs on oneDNN's own threads: each core's private caches are swept by the thread that then runs
// the convolution, and the threads are awake, not parked, when the timed run starts.
class CacheSweep {
 public:
  explicit CacheSweep(std::size_t bytes) {
    const memory::dim rows = 64, columns = static_cast<memory::dim>(bytes / sizeof(float)) / rows;
    memory::desc source_desc({rows, columns}, DataType::f32, Tag::ab), sums_desc({rows, 1}, DataType::f32, Tag::ab);
    dnnl::reduction::primitive_desc pd(
        dnnl::reduction::desc(dnnl::algorithm::reduction_sum, source_desc, sums_desc, 0.f, 0.f), engine_);
    source_ = memory(source_desc, engine_);
    std::fill_n(static_cast<float*>(source_.get_data_handle()), rows * columns, 1.0f);
    sums_ = memory(sums_desc, engine_);
    reduction_ = dnnl::reduction(pd);
  }
  void operator()() {
    reduction_.execute(stream_, {{DNNL_ARG_SRC, source_}, {DNNL_ARG_DST, sums_}});
    stream_.wait();
  }

 private:
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{engine_};
  memory source_, sums_;
  dnnl::primitive reduction_;
};

// oneDNN's thread count: Debian builds it on OpenMP, whose runtime it loads; ask that runtime
// (this binary does not link OpenMP itself). Other builds: the hardware threads.
int onednn_threads() {
  using Query = int (*)();
  if (auto query = reinterpret_cast<Query>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"))) return query();
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// The largest cache of CPU 0 in bytes (one instance), from sysfs as `convroof probe` reads it.
std::optional<std::size_t> largest_cache_bytes() {
  std::optional<std::size_t> largest;
  for (const auto& cache : probe::read_caches(probe::ProbeOptions{}.cpu_root, {0}))
    largest = std::max(largest.value_or(0), static_cast<std::size_t>(cache.size_bytes));
  return largest;
}
constexpr std::size_t kUnknownCacheBytes = 128 << 20;  // sweep 256 MiB when sysfs does not say

std::size_t sweep_bytes() {
  return 2 * largest_cache_bytes().value_or(kUnknownCacheBytes);
}

std::string isa_name(dnnl::cpu_isa isa) {
  using dnnl::cpu_isa;
  switch (isa) {
    case cpu_isa::all:
      return "all";
    case cpu_isa::sse41:
      return "sse41";
    case cpu_isa::avx:
      return "avx";
    case cpu_isa::avx2:
      return "avx2";
    case cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case cpu_isa::avx512_mic:
      return "avx512_mic";
    case cpu_isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case cpu_isa::avx512_core:
      return "avx512_core";
    case cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
  }
  return fmt::format("{:#x}", static_cast<unsigned>(isa));
}

std::string runtime_name(unsigned runtime) {
  switch (runtime) {
    case DNNL_RUNTIME_SEQ:
      return "sequential";
    case DNNL_RUNTIME_OMP:
      return "OpenMP";
    case DNNL_RUNTIME_TBB:
      return "TBB";
    case DNNL_RUNTIME_THREADPOOL:
      return "threadpool";
  }
  return fmt::format("runtime {}", runtime);
}

std::string megabytes(std::size_t bytes) {
  return fmt::format("{} MiB", bytes >> 20);
}

TimeStats time_runs(OnednnChain& chain, const BenchSettings& settings, CacheSweep* sweep) {
  auto run_once = [&] {
    if (sweep) (*sweep)();
    auto start = std::chrono::steady_clock::now();
    chain.run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (int warmup = 0; warmup < settings.warmup; ++warmup) run_once();
  std::vector<double> times_s;
  double timed_s = 0;
  while (static_cast<int>(times_s.size()) < settings.runs || timed_s < settings.min_run_s) {
    times_s.push_back(run_once());
    timed_s += times_s.back();
  }
  return time_stats(std::move(times_s));
}

}  // namespace

struct OnednnChain::Primitives {
  struct Step {
    dnnl::primitive primitive;
    std::unordered_map<int, memory> args;
  };

  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<Layer> layers;            // the chain's convolutions, shapes resolved
  std::vector<Step> steps;              // run in order
  memory input, output;                 // the first step's source, the last step's result
  std::vector<memory> weights, biases;  // per chain layer, in the primitives' layouts (bias: none = empty)
  std::string implementation;

  // Each layer its own primitive, reading the previous one's output in the layout it has.
  void build_chain() {
    memory::desc src(nchw_dims(layers.front().input_shapes.front()), DataType::f32, Tag::any);
    std::vector<std::string> names;
    for (const Layer& layer : layers) {
      dnnl::convolution_forward::primitive_desc pd(convolution(layer, src), engine);
      memory source = steps.empty() ? memory(pd.src_desc(), engine) : steps.back().args.at(DNNL_ARG_DST);
      if (steps.empty()) input = source;
      weights.emplace_back(pd.weights_desc(), engine);
      biases.push_back(layer.bias ? memory(pd.bias_desc(), engine) : memory());
      Step step{
          dnnl::convolution_forward(pd),
          {{DNNL_ARG_SRC, source}, {DNNL_ARG_WEIGHTS, weights.back()}, {DNNL_ARG_DST, memory(pd.dst_desc(), engine)}}};
      if (layer.bias) step.args[DNNL_ARG_BIAS] = biases.back();
      steps.push_back(std::move(step));
      names.emplace_back(pd.impl_info_str());
      src = pd.dst_desc();
    }
    output = steps.back().args.at(DNNL_ARG_DST);
    implementation = join(names, " + ");
  }

  // dw-pw as one primitive: the pointwise convolution with the depthwise one as its post-op.
  void build_fused() {
    const Layer &depthwise = layers[0], &pointwise = layers[1];
    if (std::string problem = swap_problem(depthwise, pointwise); !problem.empty())
      throw NotFusedError("dw-pw cannot run as oneDNN's fused kernel: " + problem);
    Layer pointwise_first = pointwise;
    pointwise_first.input_shapes = depthwise.input_shapes;
    pointwise_first.output_shape = depthwise.input_shapes.front();
    std::int64_t kernel = depthwise.kernel[0];
    dnnl::post_ops post_ops;
    post_ops.append_dw(DataType::f32, depthwise.bias ? DataType::f32 : DataType::undef, DataType::f32, kernel, 1,
                       (kernel - 1) / 2, 0, {});
    dnnl::primitive_attr attr;
    attr.set_post_ops(post_ops);
    memory::desc src(nchw_dims(depthwise.input_shapes.front()), DataType::f32, Tag::any);
    dnnl::convolution_forward::primitive_desc pd(convolution(pointwise_first, src), attr, engine);
    std::string chosen = pd.impl_info_str();
    if (chosen.starts_with("ref"))
      throw NotFusedError(fmt::format(
          "oneDNN {}.{} has no fused dw-pw kernel here: it chose '{}', the pointwise and the depthwise convolution one "
          "after the other through a scratch buffer (its jit_1x1 kernel fuses only when the pointwise output exceeds "
          "twice the L2 of all threads)",
          dnnl::version()->major, dnnl::version()->minor, chosen));
    const int depthwise_arg = DNNL_ARG_ATTR_POST_OP_DW;
    weights = {memory(pd.query_md(dnnl::query::exec_arg_md, depthwise_arg | DNNL_ARG_WEIGHTS), engine),
               memory(pd.weights_desc(), engine)};
    biases = {depthwise.bias ? memory(pd.query_md(dnnl::query::exec_arg_md, depthwise_arg | DNNL_ARG_BIAS), engine)
                             : memory(),
              pointwise.bias ? memory(pd.bias_desc(), engine) : memory()};
    input = memory(pd.src_desc(), engine);
    output = memory(pd.dst_desc(), engine);
    Step step{dnnl::convolution_forward(pd),
              {{DNNL_ARG_SRC, input},
               {DNNL_ARG_WEIGHTS, weights[1]},
               {DNNL_ARG_DST, output},
               {depthwise_arg | DNNL_ARG_WEIGHTS, weights[0]}}};
    if (pointwise.bias) step.args[DNNL_ARG_BIAS] = biases[1];
    if (depthwise.bias) step.args[depthwise_arg | DNNL_ARG_BIAS] = biases[0];
    steps.push_back(std::move(step));
    implementation = fmt::format("{} (1x1 with fused depthwise {}x{} post-op)", chosen, kernel, kernel);
  }

  // Copies plain `values` (layout `plain`) into `target`, reordering to its layout.
  void reorder_into(memory target, const memory::desc& plain, const std::vector<float>& values) {
    memory source(plain, engine, const_cast<float*>(values.data()));
    dnnl::reorder(source, target).execute(stream, source, target);
    stream.wait();
  }
};

OnednnChain::OnednnChain(const Measurement& measurement) : primitives_(std::make_unique<Primitives>()) {
  if (measurement.precision != Precision::fp32)
    throw Error(fmt::format("measurement '{}' is {}: convroof-bench times fp32 only (oneDNN on the CPU)",
                            measurement.name, precision_name(measurement.precision)));
  Primitives& chain = *primitives_;
  for (Layer& layer : measurement_model(measurement).layers) {
    if (layer.op != LayerOp::conv2d && layer.op != LayerOp::depthwise_conv2d)
      throw Error(
          fmt::format("measurement '{}': layer '{}' is {}; convroof-bench times convolutions only "
                      "(conv2d, depthwise_conv2d)",
                      measurement.name, layer.name, layer_op_info(layer.op).name));
    if (layer.dtype && *layer.dtype != Precision::fp32)
      throw Error(fmt::format("measurement '{}': layer '{}' is {}: convroof-bench times fp32 only", measurement.name,
                              layer.name, precision_name(*layer.dtype)));
    chain.layers.push_back(std::move(layer));
  }
  if (measurement.fuse == Fuse::dw_pw && (chain.layers.size() != 2 || chain.layers[0].op_class != OpClass::depthwise ||
                                          chain.layers[1].op_class != OpClass::pointwise))
    throw Error(fmt::format("measurement '{}' is fused dw-pw, but its chain is not [depthwise, pointwise 1x1]",
                            measurement.name));
  try {
    if (measurement.fuse == Fuse::dw_pw)
      chain.build_fused();
    else
      chain.build_chain();
  } catch (const dnnl::error& error) {
    throw Error(fmt::format("measurement '{}': oneDNN: {} (status {})", measurement.name, error.what(),
                            static_cast<int>(error.status)));
  }
  set_input(pseudo_random(element_count(nchw_dims(chain.layers.front().input_shapes.front())), 1.0f, 1));
  for (std::size_t index = 0; index < chain.layers.size(); ++index) {
    const Layer& layer = chain.layers[index];
    memory::dims dims = weight_dims(layer);
    float fan_in = static_cast<float>(element_count(dims) / static_cast<std::size_t>(layer.filters));
    set_weights(
        index, pseudo_random(element_count(dims), 1.0f / std::sqrt(fan_in), 2 + index),
        layer.bias ? pseudo_random(static_cast<std::size_t>(layer.filters), 0.1f, 100 + index) : std::vector<float>{});
  }
}

OnednnChain::~OnednnChain() = default;

const std::string& OnednnChain::implementation() const {
  return primitives_->implementation;
}

void OnednnChain::set_input(const std::vector<float>& input_nhwc) {
  Primitives& chain = *primitives_;
  memory::dims dims = nchw_dims(chain.layers.front().input_shapes.front());
  if (input_nhwc.size() != element_count(dims))
    throw Error(fmt::format("input has {} values, the chain takes {}", input_nhwc.size(), element_count(dims)));
  chain.reorder_into(chain.input, {dims, DataType::f32, Tag::nhwc}, input_nhwc);
}

void OnednnChain::set_weights(std::size_t layer, const std::vector<float>& weights, const std::vector<float>& bias) {
  Primitives& chain = *primitives_;
  if (layer >= chain.layers.size())
    throw Error(fmt::format("layer {} is out of range: the chain has {}", layer, chain.layers.size()));
  const Layer& conv = chain.layers[layer];
  std::size_t weight_count = element_count(weight_dims(conv));
  std::size_t bias_count = conv.bias ? static_cast<std::size_t>(conv.filters) : 0;
  if (weights.size() != weight_count || bias.size() != bias_count)
    throw Error(fmt::format("layer {} takes {} weights and {} biases, got {} and {}", layer, weight_count, bias_count,
                            weights.size(), bias.size()));
  chain.reorder_into(chain.weights[layer], plain_weights(conv), weights);
  if (conv.bias) chain.reorder_into(chain.biases[layer], plain_bias(conv), bias);
}

void OnednnChain::run() {
  Primitives& chain = *primitives_;
  for (auto& step : chain.steps) step.primitive.execute(chain.stream, step.args);
  chain.stream.wait();
}

std::vector<float> OnednnChain::output() const {
  Primitives& chain = *primitives_;
  memory::dims dims = nchw_dims(chain.layers.back().output_shape);
  std::vector<float> values(element_count(dims));
  memory plain({dims, DataType::f32, Tag::nhwc}, chain.engine, values.data());
  dnnl::reorder(chain.output, plain).execute(chain.stream, chain.output, plain);
  chain.stream.wait();
  return values;
}

std::vector<std::pair<std::string, std::string>> onednn_machine_facts(const BenchSettings& settings) {
  const dnnl::version_t* version = dnnl::version();
  std::string onednn = fmt::format("{}.{}.{}", version->major, version->minor, version->patch);
  if (std::string hash = version->hash; hash != "N/A") onednn += " (" + hash + ")";
  std::optional<std::size_t> cache = largest_cache_bytes();
  std::string caches = settings.cold_caches ? fmt::format("cold: {} read before every run", megabytes(sweep_bytes()))
                                            : "warm: the same buffers every run, nothing in between";
  return {{"onednn", onednn},
          {"cpu", probe::read_cpu_model(probe::ProbeOptions{}.cpuinfo)},
          {"threads", fmt::format("{} ({})", onednn_threads(), runtime_name(version->cpu_runtime))},
          {"isa", isa_name(dnnl::get_effective_cpu_isa())},
          {"largest_cache", cache ? megabytes(*cache) : "unknown"},
          {"method",
           fmt::format("fp32 forward_inference, layouts by format_tag::any; {} warm-up + {} timed runs{}; "
                       "caches {}",
                       settings.warmup, settings.runs,
                       settings.min_run_s > 0 ? fmt::format(" (at least {} s)", settings.min_run_s) : "", caches)}};
}

void run_onednn(MeasurementSet& set, const BenchSettings& settings,
                const std::function<void(std::size_t, std::size_t, const std::string&)>& progress) {
  if (settings.warmup < 0 || settings.runs < 1 || settings.min_run_s < 0)
    throw Error(fmt::format("bench settings need warm-up >= 0, runs >= 1 and a minimum time >= 0 (got {}, {}, {})",
                            settings.warmup, settings.runs, settings.min_run_s));
  std::optional<CacheSweep> sweep;
  if (settings.cold_caches) sweep.emplace(sweep_bytes());
  for (std::size_t index = 0; index < set.measurements.size(); ++index) {
    Measurement& measurement = set.measurements[index];
    try {
      OnednnChain chain(measurement);
      measurement.time = time_runs(chain, settings, sweep ? &*sweep : nullptr);
      measurement.implementation = chain.implementation();
    } catch (const NotFusedError& not_fused) {
      measurement.time.reset();
      measurement.implementation = std::string("not measured: ") + not_fused.what();
    }
    if (progress) progress(index + 1, set.measurements.size(), measurement.name);
  }
}

}  // namespace convroof
