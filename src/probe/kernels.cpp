// The measuring kernels of `convroof probe`: a team of pinned threads, the STREAM triad,
// the FP32 FMA-chain kernel and the dispatch-and-join overhead (include/convroof/probe.hpp).
//
// The project compiles in ISO C++20 (no FP contraction, baseline x86-64 = SSE2), so the
// vector kernels are written with explicit intrinsics in functions compiled for their ISA
// (`__attribute__((target(…)))`) and picked at run time with __builtin_cpu_supports.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>

#include "convroof/error.hpp"
#include "convroof/probe.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

namespace convroof::probe {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// Busy-waiting: a pause hint for the first spins, then yielding, so that more threads than
// CPUs (--threads above the CPU count) still make progress.
void relax(int& spins) {
  if (++spins < 4096) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  } else {
    std::this_thread::yield();
  }
}

// Pins the calling thread to one CPU (Linux); elsewhere threads stay where the OS puts them.
void pin_to(int cpu) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
  (void)cpu;
#endif
}

// A team of `members` threads: the caller is member 0, members 1… are worker threads started
// once, each pinned to a usable CPU (member i to the i-th, wrapping around). run() hands a job
// to every member and returns when all have finished; idle workers spin on a generation count.
class Team {
 public:
  explicit Team(int members) : members_(members), cpus_(usable_cpus()) {
#if defined(__linux__)
    pthread_getaffinity_np(pthread_self(), sizeof(caller_affinity_), &caller_affinity_);
#endif
    pin_to(cpu_of(0));
    try {
      for (int member = 1; member < members_; ++member) workers_.emplace_back([this, member] { work(member); });
    } catch (...) {  // the OS refused a thread: end the ones started, then report
      finish();
      throw;
    }
  }
  ~Team() {
    finish();
  }
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  int size() const {
    return members_;
  }

  void run(const std::function<void(int)>& job) {
    job_ = &job;
    finished_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    job(0);
    int spins = 0;
    while (finished_.load(std::memory_order_acquire) != members_ - 1) relax(spins);
  }

 private:
  // Stops and joins the workers, gives the caller back its affinity.
  void finish() {
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    for (auto& worker : workers_) worker.join();
#if defined(__linux__)
    pthread_setaffinity_np(pthread_self(), sizeof(caller_affinity_), &caller_affinity_);
#endif
  }

  int cpu_of(int member) const {
    return cpus_[static_cast<std::size_t>(member) % cpus_.size()];
  }

  void work(int member) {
    pin_to(cpu_of(member));
    std::uint64_t seen = 0;
    for (;;) {
      int spins = 0;
      std::uint64_t now = 0;
      while ((now = generation_.load(std::memory_order_acquire)) == seen) relax(spins);
      seen = now;
      if (stop_.load(std::memory_order_relaxed)) return;
      (*job_)(member);
      finished_.fetch_add(1, std::memory_order_release);
    }
  }

  int members_;
  std::vector<int> cpus_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> finished_{0};
  std::atomic<bool> stop_{false};
#if defined(__linux__)
  cpu_set_t caller_affinity_{};
#endif
};

// Per-member start and end of a timed run, on separate cache lines.
struct alignas(64) Span {
  Clock::time_point start;
  Clock::time_point end;
};

// Times one run of `body(member)` on every member of `team`: all members meet at a barrier,
// then each records its start, runs, records its end. Returns the last end minus the first
// start, in seconds.
template <typename Body>
double timed_run(Team& team, std::vector<Span>& spans, const Body& body) {
  std::atomic<int> arrived{0};
  team.run([&](int member) {
    arrived.fetch_add(1, std::memory_order_acq_rel);
    int spins = 0;
    while (arrived.load(std::memory_order_acquire) < team.size()) relax(spins);
    spans[static_cast<std::size_t>(member)].start = Clock::now();
    body(member);
    spans[static_cast<std::size_t>(member)].end = Clock::now();
  });
  Clock::time_point first = spans[0].start, last = spans[0].end;
  for (const auto& span : spans) {
    first = std::min(first, span.start);
    last = std::max(last, span.end);
  }
  return seconds(last - first);
}

// Warm-up runs that also fix the repetitions per run: starting from one, the count grows
// (by the time still missing, at least 2×, at most 100×) until a run lasts plan.min_run_s.
// Then plan.runs timed runs of `body(member, repetitions)`; `work` is the amount (bytes or
// FLOPs) one repetition moves on all members together. Returns work/s per run.
template <typename Body>
Summary measure(Team& team, const RunPlan& plan, double work, const Body& body) {
  if (plan.runs < 1) throw Error(fmt::format("a measurement needs at least one run, got {}", plan.runs));
  std::vector<Span> spans(static_cast<std::size_t>(team.size()));
  std::size_t repetitions = 1;
  auto run = [&] { return timed_run(team, spans, [&](int member) { body(member, repetitions); }); };
  for (double time = run(); time < plan.min_run_s; time = run())
    repetitions = static_cast<std::size_t>(
        std::ceil(static_cast<double>(repetitions) * std::clamp(1.2 * plan.min_run_s / time, 2.0, 100.0)));
  std::vector<double> rates;
  for (int i = 0; i < plan.runs; ++i) rates.push_back(work * static_cast<double>(repetitions) / run());
  return summarize(std::move(rates));
}

// ---- STREAM triad -----------------------------------------------------------------------

using TriadKernel = void (*)(double* a, const double* b, const double* c, double s, std::size_t n);

// a[i] = b[i] + s·c[i]; a, b, c are 64-byte aligned.
void triad_scalar(double* a, const double* b, const double* c, double s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void triad_avx2(double* a, const double* b, const double* c, double s,
                                                    std::size_t n) {
  const __m256d scalar = _mm256_set1_pd(s);
  std::size_t i = 0;
#pragma GCC unroll 4
  for (; i + 4 <= n; i += 4)
    _mm256_store_pd(a + i, _mm256_fmadd_pd(scalar, _mm256_load_pd(c + i), _mm256_load_pd(b + i)));
  for (; i < n; ++i) a[i] = b[i] + s * c[i];
}

__attribute__((target("avx512f"))) void triad_avx512(double* a, const double* b, const double* c, double s,
                                                     std::size_t n) {
  const __m512d scalar = _mm512_set1_pd(s);
  std::size_t i = 0;
#pragma GCC unroll 4
  for (; i + 8 <= n; i += 8)
    _mm512_store_pd(a + i, _mm512_fmadd_pd(scalar, _mm512_load_pd(c + i), _mm512_load_pd(b + i)));
  for (; i < n; ++i) a[i] = b[i] + s * c[i];
}
#endif

TriadKernel triad_kernel(Isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::avx512:
      return triad_avx512;
    case Isa::avx2:
      return triad_avx2;
#endif
    default:
      return triad_scalar;
  }
}

// One member's three arrays in one 64-byte aligned block. The arrays are `stride` bytes apart,
// a multiple of 64 plus 5 cache lines, so a[i], b[i] and c[i] do not share an address modulo
// 4 KiB (loads that 4K-alias an earlier store stall).
class TriadArrays {
 public:
  explicit TriadArrays(std::size_t n) : n_(n), stride_((n * sizeof(double) + 63) / 64 * 64 + 5 * 64) {
    block_.reset(static_cast<double*>(std::aligned_alloc(64, 3 * stride_)));
    if (!block_) throw Error(fmt::format("cannot allocate {} bytes for the triad arrays", 3 * stride_));
  }
  double* array(int index) const { return block_.get() + static_cast<std::size_t>(index) * stride_ / sizeof(double); }
  std::size_t size() const { return n_; }

 private:
  struct Free {
    void operator()(double* p) const { std::free(p); }
  };
  std::size_t n_;
  std::size_t stride_;
  std::unique_ptr<double, Free> block_;
};

// Per ISA: its name, FP32 lanes per vector, and the independent FMA chains the peak kernel runs
// (the kernels below say why each count).
struct IsaInfo {
  Isa isa;
  std::string_view name;
  int lanes;
  int chains;
};
constexpr std::array kIsas{IsaInfo{Isa::avx512, "avx512", 16, 16}, IsaInfo{Isa::avx2, "avx2", 8, 12},
                           IsaInfo{Isa::scalar, "scalar", 1, 8}};
constexpr const IsaInfo& info(Isa isa) {
  for (const auto& entry : kIsas)
    if (entry.isa == isa) return entry;
  return kIsas.back();
}

// ---- FP32 FMA chains ----------------------------------------------------------------------

using FmaKernel = float (*)(std::size_t iterations);

// Each chain is acc = acc·m + c with m = 0.999, c = 0.001: its fixed point is 1, so values
// stay normal (no denormal slowdowns) and finite. The chains are independent so that FMA
// latency × FMA units is covered; the sum of the chains is returned so no work is dead.
constexpr float kMultiplier = 0.999f;
constexpr float kAddend = 0.001f;

float fma_scalar(std::size_t iterations) {
  constexpr int kChains = info(Isa::scalar).chains;
  float acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = 1.0f + 0.01f * static_cast<float>(k);
  for (std::size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 8
    for (int k = 0; k < kChains; ++k) acc[k] = std::fma(acc[k], kMultiplier, kAddend);
  }
  float sum = 0;
  for (float value : acc) sum += value;
  return sum;
}

#if defined(__x86_64__)
// 12 chains: with the two constants that is 14 of AVX2's 16 vector registers.
__attribute__((target("avx2,fma"))) float fma_avx2(std::size_t iterations) {
  constexpr int kChains = info(Isa::avx2).chains;
  const __m256 m = _mm256_set1_ps(kMultiplier), c = _mm256_set1_ps(kAddend);
  __m256 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm256_set1_ps(1.0f + 0.01f * static_cast<float>(k));
  for (std::size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < kChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, c);
  }
  __m256 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0;
  for (float value : lanes) total += value;
  return total;
}

// 16 chains of AVX-512's 32 vector registers: covers a 4-cycle FMA latency on 2 FMA units twice.
__attribute__((target("avx512f"))) float fma_avx512(std::size_t iterations) {
  constexpr int kChains = info(Isa::avx512).chains;
  const __m512 m = _mm512_set1_ps(kMultiplier), c = _mm512_set1_ps(kAddend);
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(1.0f + 0.01f * static_cast<float>(k));
  for (std::size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, c);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm512_add_ps(sum, acc[k]);
  alignas(64) float lanes[16];  // (GCC 12's _mm512_reduce_add_ps trips -Wuninitialized in its own header)
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float value : lanes) total += value;
  return total;
}
#endif

FmaKernel fma_kernel(Isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::avx512:
      return fma_avx512;
    case Isa::avx2:
      return fma_avx2;
#endif
    default:
      return fma_scalar;
  }
}

void check_threads(int threads) {
  if (threads < 1) throw Error(fmt::format("the number of threads must be at least 1, got {}", threads));
}

}  // namespace

Summary summarize(std::vector<double> samples) {
  if (samples.empty()) throw Error("no samples to summarize");
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return Summary{median, samples.front(), samples.back(), static_cast<int>(n)};
}

std::string_view isa_name(Isa isa) {
  return info(isa).name;
}
int fp32_lanes(Isa isa) {
  return info(isa).lanes;
}
int fma_chains(Isa isa) {
  return info(isa).chains;
}

bool isa_supported(Isa isa) {
#if defined(__x86_64__)
  // libgcc's checks include the OS saving the vector registers (XCR0).
  if (isa == Isa::avx512) return __builtin_cpu_supports("avx512f");
  if (isa == Isa::avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == Isa::scalar;
}

Isa best_isa() {
  for (Isa isa : {Isa::avx512, Isa::avx2})
    if (isa_supported(isa)) return isa;
  return Isa::scalar;
}

Summary triad_bytes_per_s(std::size_t elements_per_thread, int threads, const RunPlan& plan, Isa isa) {
  check_threads(threads);
  if (elements_per_thread == 0) throw Error("the triad needs at least one element per thread");
  if (!isa_supported(isa)) throw Error(fmt::format("this CPU does not support {}", isa_name(isa)));
  const TriadKernel kernel = triad_kernel(isa);
  constexpr double kScalar = 3.0;  // with b = 1 and c = 2 every a[i] is exactly 7
  Team team(threads);
  std::vector<std::unique_ptr<TriadArrays>> arrays(static_cast<std::size_t>(threads));
  for (auto& member : arrays) member = std::make_unique<TriadArrays>(elements_per_thread);
  team.run([&](int member) {  // first touch by the owning (pinned) thread: its pages are local
    const TriadArrays& mine = *arrays[static_cast<std::size_t>(member)];
    std::fill_n(mine.array(0), mine.size(), 0.0);
    std::fill_n(mine.array(1), mine.size(), 1.0);
    std::fill_n(mine.array(2), mine.size(), 2.0);
  });
  // STREAM's count: 2 arrays read + 1 written, 8 bytes each, per element.
  const double bytes = 3.0 * sizeof(double) * static_cast<double>(elements_per_thread) * threads;
  Summary result = measure(team, plan, bytes, [&](int member, std::size_t repetitions) {
    const TriadArrays& mine = *arrays[static_cast<std::size_t>(member)];
    for (std::size_t r = 0; r < repetitions; ++r)
      kernel(mine.array(0), mine.array(1), mine.array(2), kScalar, mine.size());
  });
  for (const auto& member : arrays)
    if (member->array(0)[0] != 7.0 || member->array(0)[member->size() - 1] != 7.0)
      throw Error(fmt::format("the {} triad kernel computed a wrong result", isa_name(isa)));
  return result;
}

Summary fma_flops_per_s(std::size_t iterations, int threads, const RunPlan& plan, Isa isa) {
  check_threads(threads);
  if (iterations == 0) throw Error("the FMA kernel needs at least one iteration");
  if (!isa_supported(isa)) throw Error(fmt::format("this CPU does not support {}", isa_name(isa)));
  const FmaKernel kernel = fma_kernel(isa);
  Team team(threads);
  std::vector<float> sums(static_cast<std::size_t>(threads) * 16);  // one cache line per member
  // 2 FLOP per lane per FMA.
  const double flops = 2.0 * fp32_lanes(isa) * fma_chains(isa) * static_cast<double>(iterations) * threads;
  Summary result = measure(team, plan, flops, [&](int member, std::size_t repetitions) {
    float sum = 0;
    for (std::size_t r = 0; r < repetitions; ++r) sum += kernel(iterations);
    sums[static_cast<std::size_t>(member) * 16] = sum;
  });
  for (std::size_t member = 0; member < sums.size(); member += 16)
    if (!std::isfinite(sums[member]) || sums[member] <= 0)
      throw Error(fmt::format("the {} FMA kernel computed a wrong result", isa_name(isa)));
  return result;
}

Summary dispatch_overhead_s(int threads, int samples) {
  check_threads(threads);
  if (samples < 1) throw Error(fmt::format("the overhead needs at least one sample, got {}", samples));
  Team team(threads);
  const std::function<void(int)> nothing = [](int) {};
  for (int i = 0; i < 100; ++i) team.run(nothing);  // warm up: workers running, code and data cached
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(samples));
  for (int i = 0; i < samples; ++i) {
    const Clock::time_point start = Clock::now();
    team.run(nothing);
    times.push_back(seconds(Clock::now() - start));
  }
  return summarize(std::move(times));
}

}  // namespace convroof::probe
