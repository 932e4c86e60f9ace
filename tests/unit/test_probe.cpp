// convroof probe: the hardware YAML writer (every built-in spec survives a write and a read
// bit for bit), the sysfs and /proc readers on fake trees, the kernels on small sizes with
// loose, explained bounds, and the spec a probe result turns into.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "convroof/hardware.hpp"
#include "convroof/probe.hpp"

using namespace convroof;
using namespace convroof::probe;

namespace {

// Field-by-field equality of two specs, exact on every double (origin is where a spec was
// read from, so it differs by design).
void check_same(const HardwareSpec& a, const HardwareSpec& b) {
  INFO("spec " << a.id);
  CHECK(a.id == b.id);
  CHECK(a.name == b.name);
  CHECK(a.device_class == b.device_class);
  CHECK(a.default_precision == b.default_precision);
  CHECK(a.clock_hz == b.clock_hz);
  REQUIRE(a.units.size() == b.units.size());
  for (std::size_t i = 0; i < a.units.size(); ++i) {
    CHECK(a.units[i].name == b.units[i].name);
    CHECK(a.units[i].peak_flops_per_s == b.units[i].peak_flops_per_s);
  }
  CHECK(a.routing == b.routing);
  CHECK(a.default_efficiency == b.default_efficiency);
  CHECK(a.efficiency == b.efficiency);
  CHECK(a.weight_precision == b.weight_precision);
  REQUIRE(a.memory.size() == b.memory.size());
  for (std::size_t i = 0; i < a.memory.size(); ++i) {
    CHECK(a.memory[i].name == b.memory[i].name);
    CHECK(a.memory[i].capacity_bytes == b.memory[i].capacity_bytes);
    CHECK(a.memory[i].bandwidth_bytes_per_s == b.memory[i].bandwidth_bytes_per_s);
    CHECK(a.memory[i].holds_weights == b.memory[i].holds_weights);
    CHECK(a.memory[i].holds_activations == b.memory[i].holds_activations);
  }
  REQUIRE(a.mac_array.has_value() == b.mac_array.has_value());
  if (a.mac_array) {
    CHECK(a.mac_array->unit == b.mac_array->unit);
    CHECK(a.mac_array->class_share == b.mac_array->class_share);
    CHECK(a.mac_array->tap_group == b.mac_array->tap_group);
    CHECK(a.mac_array->kernel_first_depth == b.mac_array->kernel_first_depth);
    CHECK(a.mac_array->depth_first_depth == b.mac_array->depth_first_depth);
    CHECK(a.mac_array->kernel_first_max_depth == b.mac_array->kernel_first_max_depth);
    CHECK(a.mac_array->output_cycles_per_element == b.mac_array->output_cycles_per_element);
  }
  CHECK(a.overhead_s == b.overhead_s);
  CHECK(a.power_w == b.power_w);
  CHECK(a.sources == b.sources);
}

HardwareSpec round_trip(const HardwareSpec& spec) {
  return parse_hardware(render_hardware_yaml(spec), "rendered.yaml");
}

// A temporary directory, removed with everything in it at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("convroof-probe-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::create_directories((path / relative).parent_path());
    std::ofstream(path / relative) << text;
  }
};

// One cache index of a fake sysfs tree.
void fake_cache(const TempDir& dir, int cpu, int index, int level, const std::string& type, const std::string& size,
                const std::string& shared) {
  const std::string base = "cpu" + std::to_string(cpu) + "/cache/index" + std::to_string(index) + "/";
  dir.write(base + "level", std::to_string(level) + "\n");
  dir.write(base + "type", type + "\n");
  dir.write(base + "size", size + "\n");
  dir.write(base + "shared_cpu_list", shared + "\n");
}

Summary exactly(double median, double min, double max, int runs) {
  return Summary{median, min, max, runs};
}

// A hand-made probe of a 4-thread machine with L1, L2 and L3.
ProbeResult sample_result() {
  ProbeResult result;
  result.cpu_model = "Test CPU \"X\" 9000";
  result.threads = 4;
  result.isa = Isa::avx2;
  result.memory_bytes = 16ull << 30;
  result.dram = BandwidthFigure{1ull << 30, 256ull << 20, exactly(14.75e9, 14.5e9, 15.5e9, 9),
                                exactly(20.123456789e9, 19e9, 21e9, 9)};
  result.caches = {
      CacheFigure{
          CacheLevel{1, "Data", 48 << 10, 4},
          BandwidthFigure{24 << 10, 24 << 10, exactly(300e9, 200e9, 310e9, 9), exactly(1.1e12, 1e12, 1.2e12, 9)}},
      CacheFigure{CacheLevel{2, "Unified", 2 << 20, 4},
                  BandwidthFigure{1 << 20, 1 << 20, exactly(90e9, 80e9, 95e9, 9), exactly(333.3e9, 300e9, 350e9, 9)}},
      CacheFigure{CacheLevel{3, "Unified", 32 << 20, 1},
                  BandwidthFigure{16 << 20, 4 << 20, exactly(30e9, 25e9, 31e9, 9), exactly(77.7e9, 70e9, 80e9, 9)}}};
  result.fma_single = exactly(93.5e9, 90e9, 94e9, 9);
  result.fma_all = exactly(351.25e9, 340e9, 360e9, 9);
  result.overhead = exactly(1.234e-6, 1e-6, 80e-6, 2001);
  return result;
}

}  // namespace

TEST_CASE("hardware YAML: every built-in spec reads back identical", "[probe][hardware]") {
  // render_hardware_yaml promises parse_hardware(render(s)) == s for every field, on exact
  // doubles: checked on all built-in specs (per-cycle peaks, mac_array, holds, routing among them).
  for (const auto& id : builtin_hardware_ids()) {
    const HardwareSpec spec = resolve_hardware(id);
    check_same(spec, round_trip(spec));
  }
}

TEST_CASE("hardware YAML: readable exact quantities, header, quoting, determinism", "[probe][hardware]") {
  HardwareSpec spec = resolve_hardware("xeon-e5-2698v4");
  const std::string text = render_hardware_yaml(spec, {"line one", "line two\nline three"});
  // The file's own figures come back in its units: 1408 GFLOPS, 256 GB, 76.8 GB/s, 50 MiB,
  // 5 us, 135 W, 2.2 GHz (the shortest exact form; these values were read from those strings).
  CHECK_THAT(text, Catch::Contains("fp32: 1408 GFLOPS"));
  CHECK_THAT(text, Catch::Contains("capacity: 256 GB, bandwidth: 76.8 GB/s"));
  CHECK_THAT(text, Catch::Contains("capacity: 50 MiB}"));
  CHECK_THAT(text, Catch::Contains("overhead: 5 us\n"));
  CHECK_THAT(text, Catch::Contains("power: 135 W\n"));
  CHECK_THAT(text, Catch::Contains("clock: 2.2 GHz\n"));
  // Header lines, multi-line entries split, come first as comments.
  CHECK_THAT(text, Catch::StartsWith("# line one\n# line two\n# line three\nschema: convroof.hardware/1\n"));
  // Same input, same bytes.
  CHECK(text == render_hardware_yaml(spec, {"line one", "line two\nline three"}));

  // A measured figure has no short exact form: it is still exact (base unit, all digits), and
  // quotes and backslashes in strings survive.
  spec.memory[0].bandwidth_bytes_per_s = 150142316891.90494;
  // 3.14e-7 s: "314 ns" would read back as 314 × 1e-9 = 3.1400000000000003e-07, but
  // 0.314 × 1e-6 is 3.14e-7 exactly, and shorter than the base form "3.14e-07 s".
  spec.overhead_s = 3.14e-7;
  CHECK_THAT(render_hardware_yaml(spec), Catch::Contains("overhead: 0.314 us\n"));
  // 1.7e-7 s: 170 × 1e-9 and 0.17 × 1e-6 are both 1.7000000000000001e-07, and 1.7e-7 / 1e-9
  // prints as 169.99999999999997: the base unit's shortest form is the short exact one.
  spec.overhead_s = 1.7e-7;
  CHECK_THAT(render_hardware_yaml(spec), Catch::Contains("overhead: 1.7e-07 s\n"));
  // Names that are lowercase identifiers stay plain; others, and words YAML reads as null or
  // booleans, are quoted so they come back as the same strings.
  spec.memory[1].name = "null";
  spec.units[0].name = "Vector Unit";
  const std::string names = render_hardware_yaml(spec);
  CHECK_THAT(names, Catch::Contains("id: xeon-e5-2698v4\n"));
  CHECK_THAT(names, Catch::Contains("{name: \"null\", capacity: 50 MiB}"));
  CHECK_THAT(names, Catch::Contains("\"Vector Unit\": {peak: {fp32: 1408 GFLOPS}}"));
  spec.name = "a \"quoted\" \\ name: with, punctuation";
  spec.sources.push_back("tab\there");
  check_same(spec, round_trip(spec));
}

TEST_CASE("hardware YAML: sub-unit numbers only where shorter", "[probe][hardware]") {
  // The Ethos-U55 spec reads "0.5 GB/s" and "0.5 us": 500 MB/s ties with 0.5 GB/s in length
  // and a number >= 1 wins the tie; "500 ns" would read back as 500 × 1e-9 =
  // 5.000000000000001e-07, not 0.5 × 1e-6 = 5e-07, so "0.5 us" is the shortest exact form.
  const std::string text = render_hardware_yaml(resolve_hardware("ethos-u55-128"));
  CHECK_THAT(text, Catch::Contains("bandwidth: 500 MB/s, holds: [weights]}"));
  CHECK_THAT(text, Catch::Contains("overhead: 0.5 us\n"));
  // 128 MAC/cycle × 500 MHz = 128e9 ops/s, an int8 peak: written in ops, 128 GOPS.
  CHECK_THAT(text, Catch::Contains("int8: 128 GOPS"));
}

TEST_CASE("probe: sysfs cache sizes and CPU lists", "[probe]") {
  // sysfs writes sizes with binary K/M/G suffixes: 48K = 48 × 1024, 2048K = 2 MiB,
  // 105M = 105 × 2^20 = 110,100,480, 1G = 2^30; a plain number is bytes.
  CHECK(parse_cache_size("48K") == 49152);
  CHECK(parse_cache_size("2048K") == 2097152);
  CHECK(parse_cache_size("105M") == 110100480);
  CHECK(parse_cache_size("1G") == 1073741824);
  CHECK(parse_cache_size(" 512\n") == 512);
  CHECK_THROWS_AS(parse_cache_size("12Q"), convroof::Error);
  CHECK_THROWS_AS(parse_cache_size("K"), convroof::Error);
  // "0-3,8,10-11" lists CPUs 0, 1, 2, 3, 8, 10, 11.
  CHECK(parse_cpu_list("0-3,8,10-11") == std::vector<int>{0, 1, 2, 3, 8, 10, 11});
  CHECK(parse_cpu_list("5") == std::vector<int>{5});
  CHECK_THROWS_AS(parse_cpu_list("3-1"), convroof::Error);
  CHECK_THROWS_AS(parse_cpu_list("a"), convroof::Error);
}

TEST_CASE("probe: caches, memory and CPU model from fake sysfs and /proc", "[probe]") {
  TempDir dir;
  // Two CPUs, each with its own L1d (48K) and L2 (2048K), one shared L3 (107520K = 105 MiB);
  // the L1i is an instruction cache and is skipped.
  for (int cpu : {0, 1}) {
    const std::string self = std::to_string(cpu);
    fake_cache(dir, cpu, 0, 1, "Data", "48K", self);
    fake_cache(dir, cpu, 1, 1, "Instruction", "32K", self);
    fake_cache(dir, cpu, 2, 2, "Unified", "2048K", self);
    fake_cache(dir, cpu, 3, 3, "Unified", "107520K", "0-1");
  }
  const std::string root = dir.path.string();
  // Both CPUs: L1 and L2 have 2 instances (two distinct shared lists), L3 one.
  const auto both = read_caches(root, {0, 1});
  REQUIRE(both.size() == 3);
  CHECK(both[0].level == 1);
  CHECK(both[0].type == "Data");
  CHECK(both[0].size_bytes == 49152);
  CHECK(both[0].instances == 2);
  CHECK(both[0].aggregate_bytes() == 98304);
  CHECK(both[1].level == 2);
  CHECK(both[1].size_bytes == 2097152);
  CHECK(both[1].instances == 2);
  CHECK(both[2].level == 3);
  CHECK(both[2].type == "Unified");
  CHECK(both[2].size_bytes == 110100480);
  CHECK(both[2].instances == 1);
  // One CPU sees one instance of each.
  for (const auto& cache : read_caches(root, {0})) CHECK(cache.instances == 1);
  // No tree, no caches.
  CHECK(read_caches((dir.path / "missing").string(), {0}).empty());

  // MemTotal is in kB (KiB): 24682416 kB = 24682416 × 1024 bytes.
  dir.write("meminfo", "MemFree:  100 kB\nMemTotal:       24682416 kB\n");
  CHECK(read_memory_bytes((dir.path / "meminfo").string()) == 24682416ull * 1024);
  CHECK(read_memory_bytes((dir.path / "missing").string()) == 0);
  // The first "model name" line, value trimmed.
  dir.write("cpuinfo", "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nmodel name\t: other\n");
  CHECK(read_cpu_model((dir.path / "cpuinfo").string()) == "Intel(R) Xeon(R) Processor");
  CHECK(read_cpu_model((dir.path / "missing").string()) == "unknown CPU");
  // This process may run on at least one CPU.
  CHECK_FALSE(usable_cpus().empty());
}

TEST_CASE("probe: a figure is the median with its spread", "[probe]") {
  // Odd count: the middle value; even count: the mean of the two middle values (2 and 3 -> 2.5).
  const Summary odd = summarize({3, 1, 2});
  CHECK(odd.median == 2);
  CHECK(odd.min == 1);
  CHECK(odd.max == 3);
  CHECK(odd.runs == 3);
  CHECK(summarize({4, 1, 3, 2}).median == 2.5);
  CHECK_THROWS_AS(summarize({}), convroof::Error);
}

TEST_CASE("probe: triad kernels on small buffers", "[probe]") {
  // Every supported ISA gives a positive, finite bandwidth with one rate per run (the
  // kernel's own result check would throw on a wrong a[i] = b[i] + s*c[i]).
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    INFO(isa_name(isa));
    const Summary m = triad_bytes_per_s(4096, 2, RunPlan{3, 0.002}, isa);
    CHECK(m.runs == 3);
    CHECK(std::isfinite(m.median));
    CHECK(m.min > 0);
    CHECK(m.min <= m.median);
    CHECK(m.median <= m.max);
  }
  // In cache vs memory: a 16 KB footprint (3 arrays of 680 doubles) stays in L1 (every x86
  // core since 2003 has >= 32 KB), a 64 MB one (2.8 M doubles each) comes from DRAM (or a
  // huge L3); cache bandwidth is several times memory bandwidth, so "at least half" holds
  // with a wide margin for noise. Each side's best run (max): a run the scheduler preempted
  // for another test reads low. Only in an optimized build: unoptimized, sanitized kernels
  // (the Debug ASan+UBSan suite) are bound by their own instructions, not by memory, and the
  // 680-element runs measured 0.92 GB/s against 1.97 GB/s for the 64 MB ones there, twice,
  // once with nothing else running.
  const double in_l1 = triad_bytes_per_s(680, 1, RunPlan{5, 0.01}).max;
  const double in_dram = triad_bytes_per_s((64u << 20) / 24, 1, RunPlan{3, 0}).max;
#ifdef __OPTIMIZE__
  CHECK(in_l1 >= 0.5 * in_dram);
#else
  CHECK(in_l1 > 0);
  CHECK(in_dram > 0);
#endif
  CHECK_THROWS_AS(triad_bytes_per_s(8, 0, RunPlan{}), convroof::Error);
  CHECK_THROWS_AS(triad_bytes_per_s(0, 1, RunPlan{}), convroof::Error);
}

TEST_CASE("probe: FMA kernels and the dispatch overhead", "[probe]") {
  // Each supported ISA: positive, finite FLOP/s.
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    INFO(isa_name(isa));
    const Summary m = fma_flops_per_s(256, 1, RunPlan{3, 0.002}, isa);
    CHECK(std::isfinite(m.median));
    CHECK(m.min > 0);
  }
  // More threads never do less work per second than one, bar noise: on a machine whose CPUs
  // share the FMA units (SMT siblings, a VM's vCPUs) the two are equal, elsewhere all threads
  // are faster; 0.5 leaves room for a busy machine.
  const int threads = static_cast<int>(usable_cpus().size());
  const double one = fma_flops_per_s(1024, 1, RunPlan{5, 0.01}).median;
  const double all = fma_flops_per_s(1024, threads, RunPlan{5, 0.01}).median;
  CHECK(all >= 0.5 * one);
  // Dispatch and join: one sample per dispatch, each positive and below a second.
  const Summary overhead = dispatch_overhead_s(threads, 101);
  CHECK(overhead.runs == 101);
  CHECK(overhead.min > 0);
  CHECK(overhead.median < 1.0);
  // The widest ISA is the best one, and the lanes and chains define the FLOP count.
  CHECK(isa_supported(best_isa()));
  CHECK(fp32_lanes(Isa::avx512) * fma_chains(Isa::avx512) == 256);
  CHECK(fp32_lanes(Isa::avx2) * fma_chains(Isa::avx2) == 96);
}

TEST_CASE("probe: the spec of a probe result", "[probe]") {
  const ProbeResult result = sample_result();
  const HardwareSpec spec = probed_spec(result, "my-box");
  CHECK(spec.id == "my-box");
  CHECK(spec.name == "Test CPU \"X\" 9000 (4 threads, probed)");
  CHECK(spec.device_class == "cpu");
  CHECK(spec.default_precision == Precision::fp32);
  // One unit named after the ISA; its fp32 peak is the all-thread FMA median to 4 significant
  // digits, as every measured figure of the spec (351.25 -> 351.2: round half to even in printf).
  REQUIRE(spec.units.size() == 1);
  CHECK(spec.units[0].name == "avx2");
  CHECK(spec.units[0].peak_flops_per_s.at(Precision::fp32) == 351.2e9);
  // AVX2 vectors hold 8 fp32 lanes (256 / 32); CPUs default to oneDNN.
  CHECK(spec.vector_lanes == 8);
  CHECK(spec.runtime == "onednn");
  CHECK(spec.default_efficiency == 1.0);
  CHECK(spec.efficiency.empty());
  // Outermost first: dram (MemTotal, all-thread triad), then l3, l2, l1 with capacity = size
  // × instances (32 MiB × 1, 2 MiB × 4 = 8 MiB, 48 KiB × 4 = 192 KiB) and all-thread bandwidth.
  REQUIRE(spec.memory.size() == 4);
  CHECK(spec.memory[0].name == "dram");
  CHECK(spec.memory[0].capacity_bytes == 16.0 * (1 << 30));
  CHECK(spec.memory[0].bandwidth_bytes_per_s == 20.12e9);  // 20.123456789 GB/s to 4 digits
  CHECK(spec.memory[1].name == "l3");
  CHECK(spec.memory[1].capacity_bytes == 32 << 20);
  CHECK(spec.memory[1].bandwidth_bytes_per_s == 77.7e9);
  CHECK(spec.memory[2].name == "l2");
  CHECK(spec.memory[2].capacity_bytes == 8 << 20);
  CHECK(spec.memory[2].bandwidth_bytes_per_s == 333.3e9);
  CHECK(spec.memory[3].name == "l1");
  CHECK(spec.memory[3].capacity_bytes == 192 << 10);
  CHECK(spec.memory[3].bandwidth_bytes_per_s == 1.1e12);
  // dram is the home of weights and activations; the caches are on chip, l3 first.
  REQUIRE(spec.on_chip_levels().size() == 3);
  CHECK(spec.on_chip_levels()[0]->name == "l3");
  CHECK(spec.overhead_s == 1.234e-6);
  // Sources: the general line, the method, dram and each cache level twice (all threads and
  // one thread), FMA twice, overhead, capacities: 1 + 1 + 2 + 3 × 2 + 2 + 1 + 1 = 14 lines,
  // with median, spread and run count in each figure's line.
  CHECK(spec.sources.size() == 14);
  CHECK_THAT(spec.sources[2], Catch::StartsWith("dram bandwidth: 20.12 GB/s (median of 9 runs, spread 19.00 GB/s … "
                                                "21.00 GB/s), all 4 threads"));
  CHECK_THAT(spec.sources[3], Catch::StartsWith("dram bandwidth, 1 thread (no field of its own): 14.75 GB/s"));
  CHECK_THAT(spec.sources[11], Catch::StartsWith("fp32 peak, 1 thread (no field of its own): 93.50 GFLOP/s"));
  CHECK_THAT(spec.sources[12], Catch::StartsWith("overhead: 1.234 us (median of 2001 dispatches"));
  // The summary has one line per figure: 4 bandwidths × 2 + FMA × 2 + overhead = 11.
  const auto summary = probe_summary(result);
  REQUIRE(summary.size() == 11);
  CHECK(summary.front() == "dram triad, 1 thread: 14.75 GB/s (14.50 GB/s … 15.50 GB/s, 9 runs)");
  CHECK(summary.back() == "dispatch overhead, 4 threads: 1.234 us (1.000 us … 80.00 us, 2001 runs)");
  // What is written loads back as the same spec.
  check_same(spec, round_trip(spec));
}

TEST_CASE("probe: one thread lists each figure once", "[probe]") {
  // With threads = 1 the single-thread and all-thread runs are the same measurement, so the
  // sources and the summary leave out the "1 thread" duplicates: 14 - 5 = 9 sources, 11 - 5 = 6 lines.
  ProbeResult result = sample_result();
  result.threads = 1;
  CHECK(probed_spec(result).sources.size() == 9);
  CHECK(probe_summary(result).size() == 6);
  CHECK(probed_spec(result).name == "Test CPU \"X\" 9000 (1 thread, probed)");
  CHECK(probed_spec(result).id == "probed");
}
