// explain renderer: plain text or Markdown, three sections. Excerpt of
// `convroof explain --layer "depthwise_conv2d kernel=3 input=224x224x128" --hw examples/hardware/seed000-orin.yaml
// --traffic no-reuse`:
//
//   Calculations
//   - MACs = outputs x MACs per output = 6,422,528 x 9 = 57,802,752 MAC
//   - Bytes (no-reuse) = input 57,802,752 B + weights 57,802,752 B + output 6,422,528 B = 122,028,032 B
//   - Per output element: 18 ops over 19 B
//   - Intensity I = O / D = 115,605,504 / 122,028,032 = 0.9474 FLOP/B
#include "convroof/explain.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"

namespace convroof {

namespace {

// 6422528 -> "6,422,528"
std::string grouped(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Whole numbers without decimals ("18"), others with 4 significant digits ("0.9474").
std::string plain(double value) {
  return std::fabs(value - std::round(value)) < 1e-9 ? fmt::format("{:.0f}", value) : format_number(value);
}

std::string cycles_text(double cycles) {
  return std::fabs(cycles - std::round(cycles)) < 1e-6 && cycles < 1.8e19
             ? grouped(static_cast<std::uint64_t>(std::round(cycles)))
             : format_number(cycles, 7);
}

std::string percent(double fraction) {
  return fmt::format("{} %", format_number(100 * fraction));
}

class Writer {
 public:
  Writer(ExplainFormat format, std::ostream& out) : format_(format), out_(out) {}
  void title(const std::string& text) {
    out_ << (format_ == ExplainFormat::markdown ? "## " : "") << text << "\n";
    if (format_ == ExplainFormat::text) out_ << std::string(text.size(), '=') << '\n';
  }
  void section(const std::string& text) {
    out_ << '\n' << (format_ == ExplainFormat::markdown ? "### " + text : text + ":") << '\n';
    if (format_ == ExplainFormat::markdown) out_ << '\n';
  }
  void item(const std::string& text) { out_ << "- " << text << '\n'; }
  void sub(const std::string& text) { out_ << "  - " << text << '\n'; }

 private:
  ExplainFormat format_;
  std::ostream& out_;
};

std::uint64_t output_elements(const LayerCost& layer) {
  std::uint64_t outputs = 1;
  for (auto dim : layer.output_shape) outputs *= static_cast<std::uint64_t>(dim);
  return outputs;
}

std::string shape_line(const LayerCost& layer) {
  std::vector<std::string> inputs;
  for (const auto& shape : layer.input_shapes) inputs.push_back(shape_text(shape));
  return fmt::format("{} -> {}", inputs.empty() ? "-" : join(inputs, " + "), shape_text(layer.output_shape));
}

std::string term_name(Bound bound) {
  return bound == Bound::memory ? "memory" : bound == Bound::compute ? "compute" : "overhead";
}

double term(const TimeTerms& time, Bound bound) {
  return bound == Bound::memory ? time.memory : bound == Bound::compute ? time.compute : time.overhead;
}

// The formulas behind the layer's MAC and FLOP counts, with its numbers.
void counts(Writer& w, const LayerCost& layer) {
  const std::uint64_t outputs = output_elements(layer);
  if (layer.op == LayerOp::lumped) {
    w.item(fmt::format("Work (given): O = {} FLOP; MACs = O / 2 = {} MAC", grouped(layer.flops), grouped(layer.macs)));
    return;
  }
  const Shape& out = layer.output_shape;
  w.item(fmt::format("Output elements = {} = {}",
                     join(
                         [&] {
                           std::vector<std::string> dims;
                           for (auto dim : out) dims.push_back(std::to_string(dim));
                           return dims;
                         }(),
                         " x "),
                     grouped(outputs)));
  if (layer.macs > 0) {
    const std::uint64_t per_output = layer.macs / std::max<std::uint64_t>(outputs, 1);
    if (layer.op == LayerOp::conv2d || layer.op == LayerOp::depthwise_conv2d) {
      const std::int64_t channels = layer.input_shapes.front()[3];
      w.item(fmt::format("MACs per output = kh x kw x C/g = {} x {} x {}/{} = {}", layer.window[0], layer.window[1],
                         channels, layer.groups, grouped(per_output)));
    } else {
      w.item(fmt::format("MACs per output = F (input features) = {}", grouped(per_output)));
    }
    w.item(fmt::format("MACs = outputs x MACs per output = {} x {} = {} MAC", grouped(outputs), grouped(per_output),
                       grouped(layer.macs)));
    std::uint64_t bias = layer.flops - 2 * layer.macs;
    w.item(bias ? fmt::format("FLOPs O = 2 x MACs + bias adds = 2 x {} + {} = {} FLOP", grouped(layer.macs),
                              grouped(bias), grouped(layer.flops))
                : fmt::format("FLOPs O = 2 x MACs = 2 x {} = {} FLOP (1 MAC = 2 ops)", grouped(layer.macs),
                              grouped(layer.flops)));
    w.item(fmt::format("Parameters = {} ({} B at {} B each)", grouped(layer.params),
                       grouped(layer.params * static_cast<std::uint64_t>(precision_bytes(layer.dtype))),
                       precision_bytes(layer.dtype)));
  } else {
    w.item(fmt::format("FLOPs O = {} FLOP ({}; no multiply-accumulates with weights)", grouped(layer.flops),
                       layer_op_info(layer.op).summary));
  }
}

void bytes(Writer& w, const LayerCost& layer, const Options& options) {
  const int b = precision_bytes(layer.dtype);
  const std::string model(choice_name(kTrafficModels, options.traffic));
  std::string how;
  if (layer.op == LayerOp::lumped)
    how = "given";
  else if (options.traffic == Traffic::no_reuse && layer.macs > 0)
    how = fmt::format("no-reuse: input = MACs x {} B, weights = (MACs + bias reads) x {} B, output = outputs x {} B", b,
                      b, b);
  else if (options.traffic == Traffic::tiled)
    how = "tiled: compulsory bytes plus the re-fetches of the cheaper loop order when the tile does not fit on chip";
  else
    how = fmt::format("{}: every tensor crosses memory once, {} B per element", model, b);
  if (layer.input_on_chip) how += "; the input stays on chip (fused)";
  if (layer.resident_bytes > 0)
    how += fmt::format("; {} B of the input are read from the on-chip level (resident)", grouped(layer.resident_bytes));
  if (layer.output_on_chip) how += "; the output stays on chip (fused)";
  w.item(fmt::format("Bytes D ({}) = input {} B + weights {} B + output {} B = {} B", how, grouped(layer.bytes.input),
                     grouped(layer.bytes.weights), grouped(layer.bytes.output), grouped(layer.bytes.total())));
  const std::uint64_t outputs = output_elements(layer);
  if (layer.op != LayerOp::lumped && outputs > 0) {
    auto per = [&](std::uint64_t value) { return plain(static_cast<double>(value) / static_cast<double>(outputs)); };
    w.item(fmt::format("Per output element: {} ops over {} B (input {} + weights {} + output {})", per(layer.flops),
                       per(layer.bytes.total()), per(layer.bytes.input), per(layer.bytes.weights),
                       per(layer.bytes.output)));
  }
}

}  // namespace

void render_explain(const Explanation& explanation, ExplainFormat format, std::ostream& out) {
  const AnalysisResult& result = explanation.result;
  const LayerCost& layer = result.layers[explanation.layer];
  const HardwareSpec& hw = result.hardware;
  const Options& options = result.options;
  const double roof = layer.peak_flops_per_s * layer.efficiency;
  const double bandwidth = layer.bandwidth_bytes_per_s;
  const double ridge = roof / bandwidth;
  Writer w(format, out);

  w.title(fmt::format("convroof {} explain: layer '{}' of {} on {}", version(), layer.name, result.model_name, hw.id));

  w.section("Assumptions & Constraints");
  w.item(fmt::format("Hardware: {} ({})", hw.name, hw.origin));
  w.item(
      fmt::format("Conventions: 1 MAC = 2 ops (FLOP); {} is {} B per element; rates and bandwidths are decimal "
                  "(1 TFLOP/s = 10^12 FLOP/s, 1 GB/s = 10^9 B/s){}",
                  precision_name(layer.dtype), precision_bytes(layer.dtype),
                  precision_name(layer.dtype)[0] == 'i' ? "; for integers ops and FLOP are the same count" : ""));
  w.item(fmt::format("Layer: {} ({}, {}), {}, {}", layer.name, layer_op_info(layer.op).name, op_class_name(layer.kind),
                     shape_line(layer), precision_name(layer.dtype)));
  w.item(fmt::format("Compute roof: unit '{}', R = {} at {}, eta = {} for {} layers -> R x eta = {}{}", layer.unit,
                     format_rate(layer.peak_flops_per_s), precision_name(layer.dtype), format_number(layer.efficiency),
                     op_class_name(layer.kind), format_rate(roof),
                     layer.mac_array ? " (eta from the MAC-array model below)" : ""));
  std::vector<std::string> levels;
  for (const auto& level : hw.memory)
    if (level.bandwidth_bytes_per_s)
      levels.push_back(fmt::format("{} {}", level.name, format_bandwidth(*level.bandwidth_bytes_per_s)));
  w.item(fmt::format("Memory: {}; effective BW for this layer = D / T_mem = {}", join(levels),
                     format_bandwidth(bandwidth)));
  w.item(fmt::format("Ridge point: R x eta / BW = {} / {} = {} FLOP/B", format_rate(roof), format_bandwidth(bandwidth),
                     format_number(ridge)));
  const Runtime& runtime = options.runtime;
  const double launch = runtime.kernel_launch_s(hw);
  w.item(fmt::format("Runtime: {} ({}{})", runtime.name, runtime.id, runtime.origin.empty() ? "" : ", " + runtime.origin));
  w.item(fmt::format("Overhead: L = {} per kernel ({}){}", format_time(launch),
                     launch == hw.overhead_s ? "the spec's overhead" : "the runtime's launch cost",
                     layer.runs_in != layer.name
                         ? fmt::format(" (this layer runs inside the kernel of '{}': none)", layer.runs_in)
                         : ""));
  if (runtime.inference_launch_s(hw) > 0)
    w.item(fmt::format("Per inference: {} once, in the model's total", format_time(runtime.inference_launch_s(hw))));
  if (const double factor = runtime.efficiency_factor(layer.kind, layer.dtype, hw); factor != 1.0)
    w.item(fmt::format("Runtime kernels: eta x {} for {} layers at {} (the runtime's efficiency factor)",
                       format_number(factor), op_class_name(layer.kind), precision_name(layer.dtype)));
  if (layer.lane_utilization < 1.0)
    w.item(fmt::format("SIMD lanes: {} of the vector lanes do useful work (channels rounded up to {} lanes); eta "
                       "includes it",
                       percent(layer.lane_utilization), *hw.vector_lanes * 4 / precision_bytes(layer.dtype)));
  w.item(fmt::format("Residency: {}", runtime.residency
                                          ? "a tensor still in the on-chip level is read from there, not from memory"
                                          : "none: every input is read from its home level"));
  w.item(fmt::format("Traffic model {}, fusion {}, time model {}", option_text("traffic", options),
                     option_text("fuse", options), option_text("time_model", options)));
  for (const auto& assignment : result.settings.overrides) w.item("What-if: --set " + assignment);

  w.section("Calculations");
  counts(w, layer);
  bytes(w, layer, options);
  w.item(fmt::format("Intensity I = O / D = {} / {} = {} FLOP/B", grouped(layer.flops), grouped(layer.bytes.total()),
                     format_number(layer.intensity)));
  w.item(fmt::format("Attainable = min(R x eta, I x BW) = min({}, {} x {} = {}) = {}", format_rate(roof),
                     format_number(layer.intensity), format_bandwidth(bandwidth),
                     format_rate(layer.intensity * bandwidth), format_rate(layer.attainable_flops_per_s)));
  if (layer.mac_array && layer.mac_array->vela) {
    // Vela's memory term (src/engine/vela.cpp): each tensor's bytes scaled by the burst efficiency of
    // its format, the IFM re-read per block with its halo; SRAM and flash transfer in parallel.
    const MacArrayCost::Vela& vela = *layer.mac_array->vela;
    w.item(fmt::format("T_mem = max(SRAM access {}, flash access {}) / clock = {} (Vela's access cycles: bytes "
                       "scaled by the burst efficiency of each tensor's format, the IFM re-read per block)",
                       cycles_text(vela.sram_access_cycles), cycles_text(vela.flash_access_cycles),
                       format_time(layer.time.memory)));
  } else if (layer.levels.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& level : layer.levels)
      parts.push_back(fmt::format("{} {} B ({})", level.name, grouped(level.bytes), format_time(level.time)));
    w.item(
        fmt::format("T_mem over the memory levels: {}; home levels add, an on-chip level competes: T_mem = {} "
                    "(binding level: {})",
                    join(parts), format_time(layer.time.memory), layer.memory_level));
  } else {
    w.item(fmt::format("T_mem = D / BW = {} B / {} = {}", grouped(layer.bytes.total()), format_bandwidth(bandwidth),
                       format_time(layer.time.memory)));
  }
  if (layer.mac_array) {
    const MacArrayCost& mac = *layer.mac_array;
    w.item(fmt::format(
        "MAC array ({} mode): {} MAC/cycle x class share {} x taps {} x depth {} = {} of the array "
        "while MACs run",
        mac.mode, format_number(mac.macs_per_cycle), format_number(mac.class_share), percent(mac.tap_utilization),
        percent(mac.depth_utilization), percent(mac.class_share * mac.tap_utilization * mac.depth_utilization)));
    w.sub(fmt::format("MAC cycles = {} / ({} x {}) = {}", grouped(layer.macs), format_number(mac.macs_per_cycle),
                      percent(mac.class_share * mac.tap_utilization * mac.depth_utilization),
                      cycles_text(mac.mac_cycles)));
    w.sub(fmt::format("output-stage cycles = outputs x {} = {}",
                      format_number(hw.mac_array ? hw.mac_array->output_cycles_per_element : 0),
                      cycles_text(mac.output_cycles)));
    if (mac.vela) {
      const MacArrayCost::Vela& vela = *mac.vela;
      w.sub(fmt::format("Vela ({}): block {}x{}x{}x{} (OFM height x width x IFM depth x OFM depth), {}; op cycles "
                        "{} (ceil-rounded blocks, per block max(MAC, output) plus the tail and command latency) + "
                        "weight DMA not hidden {} ({} B encoded weights, {} buffering) = NPU cycles {}",
                        hw.mac_array->vela, vela.block[0], vela.block[1], vela.block[2], vela.block[3], vela.traversal,
                        cycles_text(vela.op_cycles), cycles_text(vela.npu_cycles - vela.op_cycles),
                        grouped(static_cast<std::uint64_t>(vela.weight_bytes)), vela.weight_buffering,
                        cycles_text(vela.npu_cycles)));
      w.sub(fmt::format("cycles = NPU cycles = {}; utilisation = MACs / (cycles x {}) = {}; {} MACs lost to "
                        "granularity",
                        cycles_text(mac.cycles), format_number(mac.macs_per_cycle), percent(mac.utilization),
                        grouped(mac.wasted_macs)));
    } else {
      w.sub(fmt::format("cycles = max = {}; utilisation = MACs / (cycles x {}) = {}; {} MACs lost to granularity",
                        cycles_text(mac.cycles), format_number(mac.macs_per_cycle), percent(mac.utilization),
                        grouped(mac.wasted_macs)));
    }
    w.item(fmt::format("T_comp = cycles / clock = {} / {} MHz = {}", cycles_text(mac.cycles), plain(*hw.clock_hz / 1e6),
                       format_time(layer.time.compute)));
  } else {
    w.item(fmt::format("T_comp = O / (R x eta) = {} FLOP / {} = {}", grouped(layer.flops), format_rate(roof),
                       format_time(layer.time.compute)));
  }
  w.item(fmt::format("L = {}", format_time(layer.time.overhead)));
  w.item(fmt::format("T = T_mem + T_comp + L = {} + {} + {} = {} (Iron Law); roofline max(T_mem, T_comp) + L = {}",
                     format_time(layer.time.memory), format_time(layer.time.compute), format_time(layer.time.overhead),
                     format_time(layer.time.iron_law), format_time(layer.time.roofline)));
  if (layer.op == LayerOp::lumped)
    w.item("Capacity: " + human::memory_summary(result.totals));

  w.section("Conclusion");
  if (layer.bound == Bound::none) {
    w.item("No cost: the layer is a view (no data moves, no kernel runs).");
  } else {
    const double binding = term(layer.time, layer.bound);
    const Bound runner_up =
        layer.bound == Bound::memory    ? (layer.time.compute >= layer.time.overhead ? Bound::compute : Bound::overhead)
        : layer.bound == Bound::compute ? (layer.time.memory >= layer.time.overhead ? Bound::memory : Bound::overhead)
                                        : (layer.time.memory >= layer.time.compute ? Bound::memory : Bound::compute);
    const double second = term(layer.time, runner_up);
    std::string verdict = term_name(layer.bound);
    verdict[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(verdict[0])));
    w.item(fmt::format(
        "{}-bound: {} = {} is {} of T{}", verdict,
        layer.bound == Bound::memory    ? "T_mem"
        : layer.bound == Bound::compute ? "T_comp"
                                        : "L",
        format_time(binding), percent(binding / layer.time.iron_law),
        second > 0 ? fmt::format(", {}x the {} term", format_number(binding / second), term_name(runner_up)) : ""));
    if (layer.intensity > 0)
      w.item(layer.intensity < ridge
                 ? fmt::format("Intensity {} FLOP/B is {}x below the ridge {} FLOP/B: bandwidth caps it at {} ({} of "
                               "the roof)",
                               format_number(layer.intensity), format_number(ridge / layer.intensity),
                               format_number(ridge), format_rate(layer.attainable_flops_per_s),
                               percent(layer.attainable_flops_per_s / roof))
                 : fmt::format("Intensity {} FLOP/B is {}x above the ridge {} FLOP/B: the compute roof {} caps it",
                               format_number(layer.intensity), format_number(layer.intensity / ridge),
                               format_number(ridge), format_rate(roof)));
    w.item("What would change it:");
    for (const auto& what_if : explanation.what_ifs) {
      const LayerCost& changed = what_if.layer;
      const double per = static_cast<double>(what_if.per);
      const double time = changed.time.total / per;
      const double base = layer.time.total;
      if (std::fabs(time - base) <= 1e-12 * base && changed.bytes.total() == layer.bytes.total() * what_if.per) {
        w.sub(fmt::format("{}: no change for this layer", what_if.change));
        continue;
      }
      w.sub(fmt::format(
          "{}: D {} B, I {} FLOP/B, T {} ({}x), {}-bound", what_if.change,
          grouped(static_cast<std::uint64_t>(std::llround(static_cast<double>(changed.bytes.total()) / per))),
          format_number(changed.intensity), format_time(time), format_number(base / time), term_name(changed.bound)));
    }
    if (layer.bound == Bound::memory && layer.time.compute > 0)
      w.sub(fmt::format("compute binds once bandwidth rises {}x (or the bytes fall that much)",
                        format_number(layer.time.memory / std::max(layer.time.compute, layer.time.overhead))));
    if (layer.bound == Bound::compute && layer.time.memory > 0)
      w.sub(fmt::format("memory binds once the roof R x eta rises {}x",
                        format_number(layer.time.compute / std::max(layer.time.memory, layer.time.overhead))));
  }
  for (const auto& note : result.notes) w.item("Note: " + note);
}

void render_block_explain(const BlockExplanation& explanation, ExplainFormat format, std::ostream& out) {
  Writer w(format, out);
  const Target& target = explanation.target;
  const AnalysisResult& standard = explanation.standard();
  const AnalysisResult& separable = explanation.separable();
  w.title(fmt::format("Block [{}] {} on {}: standard vs depthwise-separable", explanation.number,
                      explanation.pair.label, target.hardware.id));
  out << human::compare_options_text(target.options) << '\n';

  w.section("Side by side");
  auto names = [](const AnalysisResult& result) {
    std::vector<std::string> list;
    for (const auto& layer : result.layers) list.push_back(layer.name);
    return join(list, " + ");
  };
  const Totals &s = standard.totals, &d = separable.totals;
  // The fused pair: the separable form's intensity with the intermediate on chip, whichever
  // analysis has it so.
  const Totals& on_chip = explanation.fused ? d : explanation.other.totals;
  const bool can_fuse = explanation.fused || !explanation.other_fusion.empty();
  using Row = std::array<std::string, 3>;
  std::vector<Row> rows{
      {"", "standard", "depthwise-separable"},
      {"layers", names(standard), names(separable)},
      {"MACs", grouped(s.macs), grouped(d.macs)},
      {"FLOPs", grouped(s.flops), grouped(d.flops)},
      {"params", grouped(s.params), grouped(d.params)},
      {"bytes (in + weights + out)",
       fmt::format("{} + {} + {} = {} B", grouped(s.bytes.input), grouped(s.bytes.weights), grouped(s.bytes.output),
                   grouped(s.bytes.total())),
       fmt::format("{} + {} + {} = {} B", grouped(d.bytes.input), grouped(d.bytes.weights), grouped(d.bytes.output),
                   grouped(d.bytes.total()))},
      {"intensity I = O / D", fmt::format("{} FLOP/B", format_number(s.intensity)),
       fmt::format("{} FLOP/B", format_number(d.intensity))},
      {"  the fused pair (dw->pw on chip)", "",
       can_fuse ? fmt::format("{} FLOP/B", format_number(on_chip.intensity)) : "does not fit on chip"},
      {"T_mem = D / BW", format_time(s.time.memory), format_time(d.time.memory)},
      {"T_comp = O / (R x eta)", format_time(s.time.compute), format_time(d.time.compute)},
      {"L", format_time(s.time.overhead), format_time(d.time.overhead)},
      {fmt::format("T ({})", time_model_name(target.options.time_model)), format_time(s.time.total),
       format_time(d.time.total)},
      {"bound", std::string(bound_name(s.bound)), std::string(bound_name(d.bound))},
  };
  if (format == ExplainFormat::markdown) {
    out << "| | standard | depthwise-separable |\n|:---|---:|---:|\n";
    for (std::size_t r = 1; r < rows.size(); ++r)
      out << fmt::format("| {} | {} | {} |\n", rows[r][0], rows[r][1], rows[r][2]);
  } else {
    human::AlignedColumns<3>::print(
        rows, [](std::size_t c) { return c == 0; }, out);
  }

  w.section("Conclusion");
  const BlockComparison& block = explanation.block;
  const double speedup = s.time.total / std::max(d.time.total, 1e-300);
  w.item(winner_text(block.winner, speedup));
  w.item("Why: " + because_text(block));
  w.item("What would change it (each from the options given):");
  const double other_time = explanation.other.totals.time.total;
  const double other_speedup = s.time.total / std::max(other_time, 1e-300);
  if (!can_fuse)
    w.sub("the dw->pw intermediate stays in memory even under --fuse all: it does not fit on chip");
  else
    w.sub(fmt::format("the dw->pw intermediate {} ({}): separable T {}, I {} FLOP/B: {}",
                    explanation.fused ? "written to memory" : "kept on chip", explanation.other_fusion, format_time(other_time),
                    format_number(explanation.other.totals.intensity),
                    winner_of(other_speedup) == block.winner
                        ? "same winner"
                        : fmt::format("the winner flips ({} {}x faster)",
                                      other_speedup > 1 ? "separable" : "standard",
                                      format_number(other_speedup > 1 ? other_speedup : 1 / other_speedup, 3))));
  for (const auto& alternative : block.depends_on)
    w.sub(fmt::format("{}: T standard / T separable {}x{}", alternative.change, format_number(alternative.speedup, 3),
                      alternative.flips ? ", the winner flips" : ""));
  std::vector<std::string> notes;
  for (const AnalysisResult* side : {&standard, &separable})
    for (const auto& note : side->notes)
      if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
  for (const auto& note : notes) w.item("Note: " + note);
}

}  // namespace convroof
