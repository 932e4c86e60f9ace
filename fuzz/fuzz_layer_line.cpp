// Fuzz target: the one-line layer spec (--layer "conv2d filters=128 kernel=3 input=56x56x64"),
// one --layer per input line (at most 8), then a --vary of the first line's parameter range.
#include <cstdint>
#include <string>
#include <vector>

#include "convroof/sweep.hpp"
#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size() && lines.size() < 8) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  // A last line starting with "vary " is a sweep range (PARAMETER=RANGE) over the others.
  std::optional<std::string> vary;
  if (lines.size() > 1 && lines.back().rfind("vary ", 0) == 0) {
    vary = lines.back().substr(5);
    lines.pop_back();
  }
  Model model;
  try {
    model = parse_layer_lines(lines, std::nullopt);
  } catch (const Error&) {
    return 0;
  }
  fuzz::analyze_and_render(model, fuzz::orin());
  if (!vary) return 0;
  try {
    SweepRange range = parse_sweep_range(*vary, Location{"--vary", 0, 0});
    if (range.values.size() > 64) range.values.resize(64);  // bounded work per input
    const std::vector<Target> targets{Target{fuzz::orin(), Options{}, {}}};
    // As the CLI runs it: the chain parsed once (a channels sweep supplies conv2d's filters) and
    // varied per value; a batch sweep parses it per value.
    const Model base = parse_layer_lines(lines, std::nullopt, sweep_line_defaults(range));
    Sweep sweep = run_sweep(
        range,
        [&](std::int64_t value, Model& varied) {
          if (range.parameter == SweepParameter::batch)
            varied = parse_layer_lines(lines, value);
          else
            vary_model(base, range.parameter, value, varied);
        },
        targets);
    for (const SweepPoint& point : sweep.points) fuzz::require_finite(point.time, "a sweep point's time");
  } catch (const Error&) {
  }
  return 0;
}
