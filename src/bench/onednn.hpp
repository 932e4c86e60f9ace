// Timing real convolutions with oneDNN on the CPU, for convroof-bench (docs/validation.md).
//
// run_onednn fills every measurement of a `convroof.measured/1` set (include/convroof/validate.hpp)
// with the statistics of its timed runs and the oneDNN implementation that ran it. Method:
// - fp32 only (the measurement's precision; anything else is an error), prop_kind
//   forward_inference, direct convolution. Memory descriptors use format_tag::any so oneDNN picks
//   its preferred layout (blocked nChw16c, nhwc, …); the NHWC input, the weights and the biases are
//   reordered into that layout once, before any run. Padding, stride, dilation (oneDNN's is
//   convroof's minus 1) and groups are the layer's own.
// - A chain runs its primitives back to back on one stream; each layer reads the previous one's
//   output buffer in the layout that layer produced (as a framework propagates layouts). All
//   buffers are allocated once.
// - One run = `execute` of every primitive + `stream.wait()`, timed with std::chrono::steady_clock.
//   `warmup` untimed runs come first (JIT, page faults), then at least `runs` timed runs (and more
//   until they add up to `min_run_s`): their median, min, 10th and 90th percentile.
// - Caches: with `cold_caches` (the default) every run, warm-up included, is preceded by reading a
//   buffer twice the size of the largest cache, outside the timing, with a oneDNN reduction: on
//   oneDNN's own threads, so every core's private caches are swept and the threads are awake. Each
//   run then finds its input, weights and output in DRAM, as the roofline model assumes (every byte
//   it counts comes from memory). In a real network the input of a layer was just written by the
//   layer before and may still be cached, so for layers that fit in cache a cold time is an upper
//   bound. Without `cold_caches` a run reuses the same buffers the run before touched, with nothing
//   in between: the steady-state loop of this one layer (the other bound, flattering layers that
//   fit in cache).
// - dw-pw (Fuse::dw_pw, a chain [depthwise k×k on C channels, pointwise 1×1 C→K] with C = K):
//   oneDNN 2.6 fuses a 1×1 convolution *followed* by a depthwise one (post_ops::append_dw). The
//   equivalent pointwise C→K then depthwise k×k on K channels runs as one primitive: the same FLOPs
//   and activation bytes when C = K, the stride is 1 and the padding keeps H×W. oneDNN's fused
//   kernel (jit_1x1 with a depthwise post-op) is only chosen when its heuristics allow (the 1×1's
//   output larger than twice the L2 of all threads); otherwise it falls back to
//   ref_fused_convolution, the two convolutions one after the other through a scratch buffer, which
//   is no fusion. Such measurements, and dw-pw chains the swap cannot express, are not timed: their
//   `time` is left empty and `implementation` says why ("not measured: …").
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "convroof/error.hpp"
#include "convroof/validate.hpp"

namespace convroof {

struct BenchSettings {
  int warmup = 3;           // untimed runs before the timed ones
  int runs = 20;            // timed runs, at least
  double min_run_s = 0;     // more timed runs until they add up to this many seconds
  bool cold_caches = true;  // sweep the caches before every run (see above)
};

// Facts for MeasurementSet::machine, in order: oneDNN version and runtime, CPU name
// (/proc/cpuinfo), threads, the ISA oneDNN dispatches to, the largest cache, and the method
// (runs, warm-up, caches) `settings` gives.
std::vector<std::pair<std::string, std::string>> onednn_machine_facts(const BenchSettings& settings);

// Times every measurement of `set` in place (time, implementation); calls
// `progress(done, total, name)` after each. Throws Error naming the measurement for a precision
// other than fp32, a layer other than a convolution, or a chain oneDNN rejects.
void run_onednn(MeasurementSet& set, const BenchSettings& settings,
                const std::function<void(std::size_t, std::size_t, const std::string&)>& progress);

// A dw-pw measurement oneDNN 2.6 cannot run as one fused kernel; what() says why.
class NotFusedError : public Error {
 public:
  using Error::Error;
};

// The oneDNN primitives of one measurement, built once, with data: what run_onednn times, open
// for tests against a reference convolution. Plain data layouts: activations NHWC; the weights
// of chain layer i as [groups][filters/groups][channels/groups][kh][kw] (depthwise: groups =
// channels); bias [filters]. A dw-pw chain runs as pointwise then depthwise (see above) with the
// weights still given per chain layer: layer 0 the depthwise, layer 1 the pointwise.
class OnednnChain {
 public:
  // Throws Error (NotFusedError for a dw-pw chain without a fused kernel).
  explicit OnednnChain(const Measurement& measurement);
  ~OnednnChain();
  OnednnChain(const OnednnChain&) = delete;
  OnednnChain& operator=(const OnednnChain&) = delete;

  // impl_info_str() of each primitive, joined with " + ".
  const std::string& implementation() const;
  // Replace the pseudo-random data the chain starts with (sizes are checked).
  void set_input(const std::vector<float>& input_nhwc);
  void set_weights(std::size_t layer, const std::vector<float>& weights, const std::vector<float>& bias);
  // One run: every primitive, then wait for the stream.
  void run();
  // The last layer's output, NHWC.
  std::vector<float> output() const;

 private:
  struct Primitives;
  std::unique_ptr<Primitives> primitives_;
};

}  // namespace convroof
