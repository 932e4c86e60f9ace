// `convroof probe` as a library: reads what the OS says about the machine (sysfs caches,
// /proc/meminfo, /proc/cpuinfo, the affinity mask), runs the kernels of kernels.cpp on the
// sizes that make each figure mean what it claims, and turns the result into a HardwareSpec
// whose `sources` say how every number was obtained.
#include "convroof/probe.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "convroof/error.hpp"
#include "convroof/units.hpp"

#if defined(__linux__)
#include <sched.h>
#endif

namespace convroof::probe {

namespace {

// How much a probe measures: runs per figure, the shortest timed run (the kernel is repeated
// to last that long), dispatch samples for the overhead.
struct Effort {
  int runs;
  double min_run_s;
  int overhead_samples;
};
constexpr Effort kDefault{9, 0.05, 2001};
constexpr Effort kThorough{31, 0.2, 20001};

// FMA rounds per kernel call: 4096 × 16 chains ≈ 65 k FMAs per thread, a few tens of µs.
constexpr std::size_t kFmaIterations = 4096;
// DRAM arrays when sysfs lists no cache, and the least they may be: 64 MiB each.
constexpr std::uint64_t kMinDramArrayBytes = 64ull << 20;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// The first line of a small file (sysfs attribute), trimmed; nullopt when unreadable.
std::optional<std::string> read_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return std::string(trim(line));
}

std::uint64_t parse_unsigned(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw Error(fmt::format("'{}' is not {}", text, what));
  return value;
}

// Elements per array of a triad whose three arrays fill `footprint_bytes`, rounded down to
// whole 64-byte lines (8 doubles), at least one line.
std::size_t triad_elements(std::uint64_t footprint_bytes) {
  return std::max<std::size_t>(8, footprint_bytes / (3 * sizeof(double)) / 8 * 8);
}
std::uint64_t triad_footprint(std::size_t elements) {
  return 3 * sizeof(double) * elements;
}

// "12.34 GB/s (median of 9 runs, spread 11.90 GB/s … 12.50 GB/s)" with the given formatter.
template <typename Format>
std::string figure(const Summary& m, Format format, std::string_view runs = "runs") {
  return fmt::format("{} (median of {} {}, spread {} … {})", format(m.median), m.runs, runs, format(m.min),
                     format(m.max));
}
std::string bandwidth(const Summary& m) {
  return figure(m, format_bandwidth);
}
std::string flops(const Summary& m) {
  return figure(m, format_rate);
}

std::string threads_text(int threads) {
  return fmt::format("{} thread{}", threads, threads == 1 ? "" : "s");
}
std::string level_name(const CacheLevel& cache) {
  return fmt::format("l{}", cache.level);
}

}  // namespace

std::uint64_t parse_cache_size(std::string_view text) {
  text = trim(text);
  std::uint64_t scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
        scale = 1ull << 10;
        break;
      case 'M':
        scale = 1ull << 20;
        break;
      case 'G':
        scale = 1ull << 30;
        break;
      default:
        break;
    }
  }
  std::string_view digits = scale == 1 ? text : text.substr(0, text.size() - 1);
  return parse_unsigned(digits, "a cache size such as 48K, 2048K or 105M") * scale;
}

std::vector<int> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  text = trim(text);
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view range = text.substr(0, comma);
    const std::size_t dash = range.find('-');
    const char* what = "a CPU list such as 0-3,8";
    const auto first = parse_unsigned(range.substr(0, dash), what);
    const auto last = dash == std::string_view::npos ? first : parse_unsigned(range.substr(dash + 1), what);
    if (last < first || last > 1'000'000) throw Error(fmt::format("'{}' is not {}", text, what));
    for (auto cpu = first; cpu <= last; ++cpu) cpus.push_back(static_cast<int>(cpu));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return cpus;
}

std::vector<CacheLevel> read_caches(const std::string& cpu_root, const std::vector<int>& cpus) {
  namespace fs = std::filesystem;
  std::vector<CacheLevel> caches;
  if (cpus.empty()) return caches;
  auto cache_dir = [&](int cpu) { return fs::path(cpu_root) / fmt::format("cpu{}", cpu) / "cache"; };
  std::error_code ignored;
  if (!fs::is_directory(cache_dir(cpus.front()), ignored)) return caches;
  for (const auto& entry : fs::directory_iterator(cache_dir(cpus.front()), ignored)) {
    const std::string index = entry.path().filename().string();
    if (index.rfind("index", 0) != 0) continue;
    auto level = read_line(entry.path() / "level");
    auto type = read_line(entry.path() / "type");
    auto size = read_line(entry.path() / "size");
    if (!level || !type || !size || *type == "Instruction") continue;
    CacheLevel cache;
    cache.level = static_cast<int>(parse_unsigned(*level, "a cache level"));
    cache.type = *type;
    cache.size_bytes = parse_cache_size(*size);
    // One instance per distinct set of CPUs sharing it, among the probed CPUs.
    std::set<std::vector<int>> instances;
    for (int cpu : cpus)
      if (auto shared = read_line(cache_dir(cpu) / index / "shared_cpu_list"))
        instances.insert(parse_cpu_list(*shared));
    cache.instances = std::max<int>(1, static_cast<int>(instances.size()));
    caches.push_back(cache);
  }
  std::sort(caches.begin(), caches.end(), [](const CacheLevel& a, const CacheLevel& b) {
    return a.level != b.level ? a.level < b.level : a.type < b.type;
  });
  return caches;
}

std::uint64_t read_memory_bytes(const std::string& meminfo_path) {
  std::ifstream in(meminfo_path);
  std::string line;
  while (std::getline(in, line)) {
    // "MemTotal:       24576000 kB" (the kernel's kB are KiB)
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::string_view rest = trim(std::string_view(line).substr(9));
    const std::size_t space = rest.find(' ');
    const std::uint64_t value = parse_unsigned(rest.substr(0, space), "a MemTotal figure");
    const std::string_view unit = space == std::string_view::npos ? "" : trim(rest.substr(space));
    return unit == "kB" ? value * 1024 : value;
  }
  return 0;
}

std::string read_cpu_model(const std::string& cpuinfo_path) {
  std::ifstream in(cpuinfo_path);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || trim(std::string_view(line).substr(0, colon)) != "model name") continue;
    std::string model(trim(std::string_view(line).substr(colon + 1)));
    if (!model.empty()) return model;
  }
  return "unknown CPU";
}

std::vector<int> usable_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
#endif
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

ProbeResult run_probe(const ProbeOptions& options) {
  if (options.threads < 0) throw Error(fmt::format("--threads must be at least 1, got {}", options.threads));
  const Effort effort = options.thorough ? kThorough : kDefault;
  auto progress = [&](const std::string& what) {
    if (options.progress) options.progress(what);
  };

  ProbeResult result;
  result.threads =
      options.threads > 0 ? options.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int threads = result.threads;
  result.isa = best_isa();
  result.cpu_model = read_cpu_model(options.cpuinfo);
  result.memory_bytes = read_memory_bytes(options.meminfo);
  if (result.memory_bytes == 0)  // no /proc/meminfo: ask the C library
    result.memory_bytes =
        static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  // The CPUs the team's threads are pinned to (kernels.cpp: member i on the i-th usable CPU).
  std::vector<int> cpus = usable_cpus();
  cpus.resize(std::min(cpus.size(), static_cast<std::size_t>(threads)));
  const std::vector<CacheLevel> caches = read_caches(options.cpu_root, cpus);
  const RunPlan plan{effort.runs, effort.min_run_s};

  // Measures one triad footprint on one thread, then on all (the same figure when threads = 1).
  auto measure_bandwidth = [&](const std::string& what, std::size_t single_elements, std::size_t per_thread_elements) {
    BandwidthFigure figure;
    figure.single_bytes = triad_footprint(single_elements);
    figure.per_thread_bytes = triad_footprint(per_thread_elements);
    progress(fmt::format("{} triad, 1 thread", what));
    figure.single = triad_bytes_per_s(single_elements, 1, plan, result.isa);
    if (threads == 1) {
      figure.all = figure.single;
    } else {
      progress(fmt::format("{} triad, {}", what, threads_text(threads)));
      figure.all = triad_bytes_per_s(per_thread_elements, threads, plan, result.isa);
    }
    return figure;
  };

  // DRAM: STREAM's rule, each array at least 4× the last-level cache (all its instances),
  // at least 64 MiB, and the three arrays together at most a quarter of memory.
  const std::uint64_t llc_bytes = caches.empty() ? 0 : caches.back().aggregate_bytes();
  const std::uint64_t array_bytes = std::min(std::max(4 * llc_bytes, kMinDramArrayBytes), result.memory_bytes / 12);
  const std::size_t dram_elements = triad_elements(3 * array_bytes);
  result.dram =
      measure_bandwidth("dram", dram_elements, (dram_elements / static_cast<std::size_t>(threads) + 7) / 8 * 8);

  // Each cache level: a working set of half what one thread has of one instance. All threads
  // share the instances evenly: ceil(threads / instances) threads per instance.
  for (const CacheLevel& cache : caches) {
    const auto sharing = static_cast<std::uint64_t>((threads + cache.instances - 1) / cache.instances);
    result.caches.push_back(
        CacheFigure{cache, measure_bandwidth(level_name(cache), triad_elements(cache.size_bytes / 2),
                                             triad_elements(cache.size_bytes / sharing / 2))});
  }

  progress(fmt::format("{} FMA peak, 1 thread", isa_name(result.isa)));
  result.fma_single = fma_flops_per_s(kFmaIterations, 1, plan, result.isa);
  if (threads == 1) {
    result.fma_all = result.fma_single;
  } else {
    progress(fmt::format("{} FMA peak, {}", isa_name(result.isa), threads_text(threads)));
    result.fma_all = fma_flops_per_s(kFmaIterations, threads, plan, result.isa);
  }

  progress(fmt::format("dispatch overhead, {}", threads_text(threads)));
  result.overhead = dispatch_overhead_s(threads, effort.overhead_samples);
  return result;
}

namespace {
// A measured figure as the spec gives it: 4 significant digits, as the sources quote it (the
// spread between runs is wider than that; more digits would claim a precision it lacks).
double four_digits(double value) {
  return std::stod(fmt::format("{:.4g}", value));
}
}  // namespace

HardwareSpec probed_spec(const ProbeResult& result, const std::string& id) {
  const std::string isa(isa_name(result.isa));
  const std::string all = fmt::format("all {}", threads_text(result.threads));
  HardwareSpec spec;
  spec.id = id;
  spec.name = fmt::format("{} ({}, probed)", result.cpu_model, threads_text(result.threads));
  spec.device_class = "cpu";
  spec.origin = "convroof probe";
  spec.default_precision = Precision::fp32;
  spec.units.push_back(ExecutionUnit{isa, {{Precision::fp32, four_digits(result.fma_all.median)}}});
  spec.default_efficiency = 1.0;
  spec.vector_lanes = fp32_lanes(result.isa);  // the vector width the FMA kernel used (CPUID)
  spec.runtime = "onednn";
  spec.memory.push_back(
      MemoryLevel{"dram", static_cast<double>(result.memory_bytes), four_digits(result.dram.all.median)});
  for (auto cache = result.caches.rbegin(); cache != result.caches.rend(); ++cache)
    spec.memory.push_back(MemoryLevel{level_name(cache->cache), static_cast<double>(cache->cache.aggregate_bytes()),
                                      four_digits(cache->bandwidth.all.median)});
  spec.overhead_s = four_digits(result.overhead.median);

  auto& sources = spec.sources;
  sources.push_back(fmt::format(
      "Measured by convroof probe on this machine ({}, {}, {} kernels); each figure is the median of repeated "
      "runs, given with its spread (min … max) and its number of runs (docs/probe.md)",
      result.cpu_model, threads_text(result.threads), isa));
  sources.push_back(fmt::format(
      "Bandwidth method: STREAM triad a[i] = b[i] + s*c[i] over doubles ({} vectors); each thread owns three arrays "
      "it first-touched, threads are pinned to CPUs, started once and released together per run by a barrier, a run "
      "lasts from the first thread's start to the last thread's end; bytes counted as STREAM does, 3 x 8 B per "
      "element (the write-allocate read of a[] is not counted: DRAM moves up to 4/3 of that)",
      isa));
  auto bandwidth_lines = [&](const std::string& name, const BandwidthFigure& figure, const std::string& sizing) {
    sources.push_back(fmt::format("{} bandwidth: {}, {}, triad footprint {} per thread ({})", name,
                                  bandwidth(figure.all), all,
                                  format_bytes(static_cast<double>(figure.per_thread_bytes)), sizing));
    if (result.threads > 1)
      sources.push_back(fmt::format("{} bandwidth, 1 thread (no field of its own): {}, triad footprint {}", name,
                                    bandwidth(figure.single), format_bytes(static_cast<double>(figure.single_bytes))));
  };
  bandwidth_lines("dram", result.dram,
                  "each array at least 4x the last-level cache and 64 MiB, at most 1/12 of memory");
  for (auto cache = result.caches.rbegin(); cache != result.caches.rend(); ++cache)
    bandwidth_lines(level_name(cache->cache), cache->bandwidth,
                    fmt::format("half a thread's share of one {} {} instance",
                                format_bytes(static_cast<double>(cache->cache.size_bytes)), cache->cache.type));
  sources.push_back(fmt::format(
      "fp32 peak of unit {}: {}, {}: {} independent chains of {}-lane FMAs per thread (acc = acc*m + c), 2 FLOP per "
      "lane per FMA",
      isa, flops(result.fma_all), all, fma_chains(result.isa), fp32_lanes(result.isa)));
  if (result.threads > 1)
    sources.push_back(fmt::format("fp32 peak, 1 thread (no field of its own): {}", flops(result.fma_single)));
  sources.push_back(fmt::format(
      "overhead: {}: an empty job handed to {} pinned, spin-waiting thread{} (the caller one of them) until all "
      "have finished, as the caller sees it: the floor of a parallel kernel launch; a framework's op dispatch adds "
      "to it",
      figure(result.overhead, format_time, "dispatches"), result.threads, result.threads == 1 ? "" : "s"));
  std::string cache_text;
  for (auto cache = result.caches.rbegin(); cache != result.caches.rend(); ++cache)
    cache_text += fmt::format("; {} = {} x {} {}", level_name(cache->cache), cache->cache.instances,
                              format_bytes(static_cast<double>(cache->cache.size_bytes)), cache->cache.type);
  sources.push_back(fmt::format(
      "Capacities: dram = MemTotal of /proc/meminfo; caches from sysfs (/sys/devices/system/cpu/cpuN/cache), "
      "aggregated over the instances serving the probed CPUs{}",
      cache_text));
  return spec;
}

std::vector<std::string> probe_summary(const ProbeResult& result) {
  std::vector<std::string> lines;
  auto line = [&](const std::string& what, int threads, const Summary& m, std::string (*format)(double)) {
    lines.push_back(fmt::format("{}, {}: {} ({} … {}, {} runs)", what, threads_text(threads), format(m.median),
                                format(m.min), format(m.max), m.runs));
  };
  // With one thread the single-thread and all-thread figures are one measurement: listed once.
  auto pair = [&](const std::string& what, const Summary& single, const Summary& all,
                  std::string (*format)(double)) {
    if (result.threads > 1) line(what, 1, single, format);
    line(what, result.threads, all, format);
  };
  auto bandwidth_lines = [&](const std::string& name, const BandwidthFigure& figure) {
    pair(name + " triad", figure.single, figure.all, format_bandwidth);
  };
  bandwidth_lines("dram", result.dram);
  for (auto cache = result.caches.rbegin(); cache != result.caches.rend(); ++cache)
    bandwidth_lines(level_name(cache->cache), cache->bandwidth);
  pair(fmt::format("{} FMA peak", isa_name(result.isa)), result.fma_single, result.fma_all, format_rate);
  line("dispatch overhead", result.threads, result.overhead, format_time);
  return lines;
}

}  // namespace convroof::probe
