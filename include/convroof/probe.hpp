// `convroof probe`: measures the machine it runs on and turns the figures into a
// HardwareSpec (written out with render_hardware_yaml as `convroof.hardware/1`).
//
// What is measured (docs/probe.md):
// - sustained memory bandwidth: a STREAM triad a[i] = b[i] + s·c[i] over doubles, with
//   each array at least 4× the last-level cache, on one thread and on all threads;
// - the bandwidth of each cache level: the same triad with a per-thread working set of
//   half a thread's share of one cache instance;
// - peak FP32 FMA throughput: a vector kernel of independent FMA chains (AVX-512, AVX2+FMA
//   or scalar std::fma, picked at run time), on one thread and on all threads;
// - the per-call overhead: dispatching an empty job to all threads and joining;
// - cache sizes from sysfs, memory capacity from /proc/meminfo, the CPU model from /proc/cpuinfo.
// Every figure is the median of repeated runs, kept with its spread (min, max) and run count.
//
// The kernels take explicit sizes so tests can run them small; the sysfs and /proc readers
// take their paths so tests can point them at fake trees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "convroof/error.hpp"
#include "convroof/hardware.hpp"

namespace convroof::probe {

// ---- Figures --------------------------------------------------------------------------

// One figure measured `runs` times: the median, and the spread as min and max.
struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
  int runs = 0;
};

// The median (mean of the two middle values for an even count), min and max of `samples`.
// Throws Error when there are none.
Summary summarize(std::vector<double> samples);

// ---- Kernels (src/probe/kernels.cpp) ------------------------------------------------

// The instruction set of the vector kernels.
enum class Isa { scalar, avx2, avx512 };

std::string_view isa_name(Isa isa);  // "scalar", "avx2", "avx512"
int fp32_lanes(Isa isa);             // FP32 lanes per vector: 1, 8, 16
bool isa_supported(Isa isa);         // by this CPU and OS (scalar: always)
Isa best_isa();                      // the widest supported

// How often a kernel is timed: `runs` timed runs, each repeating the kernel (whole sweeps or
// calls) often enough to last at least `min_run_s` (0: once). Untimed warm-up runs come first
// and fix that repetition count: it grows from 1 until a run lasts min_run_s.
struct RunPlan {
  int runs = 5;
  double min_run_s = 0;
};

// STREAM triad a[i] = b[i] + s·c[i] over doubles on `threads` threads, each owning three
// arrays of `elements_per_thread` that it first-touches. Threads are pinned to the usable
// CPUs, started once and released together per run by a barrier; a run's time is from the
// first thread's start to the last thread's end. Bytes are counted as STREAM does:
// 3 arrays × 8 B × elements × threads × repetitions (the write-allocate read of a[] is not
// counted). Returns bytes/s per run. Throws Error if the kernel computed a wrong result.
Summary triad_bytes_per_s(std::size_t elements_per_thread, int threads, const RunPlan& plan, Isa isa = best_isa());

// Peak FP32 FMA throughput on `threads` threads: each runs `iterations` rounds of
// independent vector FMA chains (acc = acc·m + c). FLOPs = 2 × lanes × chains × iterations
// × repetitions × threads; returns FLOP/s per run. `isa` must be supported.
Summary fma_flops_per_s(std::size_t iterations, int threads, const RunPlan& plan, Isa isa = best_isa());
int fma_chains(Isa isa);  // independent accumulator chains per thread: 16, 12, 8

// The per-call overhead of a parallel kernel launch: the time from handing an empty job to
// `threads` pinned, waiting threads (the caller being one of them) until all have finished,
// as the caller sees it. One sample per dispatch; returns seconds.
Summary dispatch_overhead_s(int threads, int samples);

// ---- The machine (src/probe/probe.cpp) ----------------------------------------------

// A data or unified cache level as sysfs describes it.
struct CacheLevel {
  int level = 0;                 // 1, 2, 3, …
  std::string type;              // "Data" or "Unified" (instruction caches are skipped)
  std::uint64_t size_bytes = 0;  // one instance
  int instances = 0;             // distinct instances serving the probed CPUs
  std::uint64_t aggregate_bytes() const { return size_bytes * static_cast<std::uint64_t>(instances); }
};

// sysfs cache sizes: "48K", "2048K", "105M", "1G" (binary prefixes) or plain bytes.
// Throws Error on anything else.
std::uint64_t parse_cache_size(std::string_view text);
// A CPU list "0-3,8,10-11" -> {0, 1, 2, 3, 8, 10, 11}. Throws Error when malformed.
std::vector<int> parse_cpu_list(std::string_view text);

// Data and unified caches of `cpus`, read from `cpu_root`/cpuN/cache/index*/{level, type,
// size, shared_cpu_list} (cpu_root is normally /sys/devices/system/cpu), innermost level
// first. The levels and sizes are cpus[0]'s; an instance is counted once per distinct
// shared_cpu_list among `cpus`. Empty when the tree is absent.
std::vector<CacheLevel> read_caches(const std::string& cpu_root, const std::vector<int>& cpus);
// MemTotal of a /proc/meminfo file in bytes; 0 when the file or the line is missing.
std::uint64_t read_memory_bytes(const std::string& meminfo_path);
// The first "model name" of a /proc/cpuinfo file; "unknown CPU" when there is none.
std::string read_cpu_model(const std::string& cpuinfo_path);
// The CPUs this process may run on (its affinity mask), ascending; {0} when unknown.
std::vector<int> usable_cpus();

// ---- A probe run ---------------------------------------------------------------------

struct ProbeOptions {
  int threads = 0;        // 0: std::thread::hardware_concurrency()
  bool thorough = false;  // more runs, longer runs (default run: under 30 s)
  std::string cpu_root = "/sys/devices/system/cpu";
  std::string meminfo = "/proc/meminfo";
  std::string cpuinfo = "/proc/cpuinfo";
  std::function<void(const std::string&)> progress;  // told what is measured next; may be empty
};

// A triad bandwidth on one thread and on all threads (bytes/s), with the triad footprint
// (3 arrays) each thread worked on.
struct BandwidthFigure {
  std::uint64_t single_bytes = 0;      // the one thread's footprint
  std::uint64_t per_thread_bytes = 0;  // each thread's footprint in the all-threads run
  Summary single;
  Summary all;
};

struct CacheFigure {
  CacheLevel cache;
  BandwidthFigure bandwidth;
};

struct ProbeResult {
  std::string cpu_model;
  int threads = 1;
  Isa isa = Isa::scalar;
  std::uint64_t memory_bytes = 0;  // MemTotal
  BandwidthFigure dram;
  std::vector<CacheFigure> caches;  // innermost first (L1, L2, L3)
  Summary fma_single;           // FLOP/s, one thread
  Summary fma_all;              // FLOP/s, all threads
  Summary overhead;             // seconds per dispatch and join
};

ProbeResult run_probe(const ProbeOptions& options);

// The spec of a probe: class cpu, fp32, one unit named after the ISA whose fp32 peak is the
// all-thread FMA median, efficiency 1, memory `dram` (MemTotal, all-thread triad median)
// then the cache levels from the outermost (`l3`) in (aggregate capacity, all-thread
// bandwidth), overhead = the dispatch median, and one source line per figure (method,
// median, spread, runs), single-thread figures included.
HardwareSpec probed_spec(const ProbeResult& result, const std::string& id = "probed");

// One line per figure, for the terminal and the YAML header: "dram triad, 2 threads:
// 12.34 GB/s (11.9 GB/s … 12.5 GB/s, 9 runs)".
std::vector<std::string> probe_summary(const ProbeResult& result);

}  // namespace convroof::probe
