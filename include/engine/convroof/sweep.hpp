// Parameter sweeps: the same layer (or model) analyzed over a list of values of one
// parameter, on one or more hardware, as a standard and as a depthwise-separable form,
// e.g. the seed blog's channel sweep 8…2048 on V100:
//   convroof sweep --layer "conv2d kernel=3 input=224x224x128" --vary channels=8:2048:x2 --hw v100
// Every point is one analyze() run, so a sweep value equals the single analyze of the
// varied layer (tested). CSV and JSON (`convroof.sweep/1`, docs/report.md) and an SVG line
// chart (convroof/chart.hpp) render it (convroof/report.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "convroof/compare.hpp"
#include "convroof/cost.hpp"
#include "convroof/error.hpp"

namespace convroof {

enum class SweepParameter { channels, batch, size, kernel, stride };

inline constexpr std::array kSweepParameters{
    NamedChoice<SweepParameter>{SweepParameter::channels, "channels",
                                "input channels C and filters K together (C = K), on --layer specs"},
    NamedChoice<SweepParameter>{SweepParameter::batch, "batch", "batch size N (--layer specs and models)"},
    NamedChoice<SweepParameter>{SweepParameter::size, "size", "input height = width, on --layer specs"},
    NamedChoice<SweepParameter>{SweepParameter::kernel, "kernel",
                                "kernel of every convolution and pooling layer with a kernel > 1, on --layer specs"},
    NamedChoice<SweepParameter>{SweepParameter::stride, "stride",
                                "stride of every layer with a kernel > 1, on --layer specs"},
};

// What to vary: "channels=8:2048:x2" (geometric, factor 2), "size=32:224:+32" (arithmetic),
// "batch=1,2,4,8" (a list). Values are positive, at most 1,000,000 of them; ranges include
// their end when a step lands on it. Errors point at `where` with the offending text.
struct SweepRange {
  SweepParameter parameter = SweepParameter::channels;
  std::vector<std::int64_t> values;
  bool geometric = false;  // every value a constant multiple of the previous: a log axis
};
SweepRange parse_sweep_range(const std::string& text, const Location& where);

// `model` becomes `base` (a --layer chain as parsed) with `parameter` set to `value`
// (kSweepParameters says how), its shapes inferred again (infer_shapes): the same model as
// parsing the chain's text with the value written in, without the text. `model` is assigned,
// so reusing it between values reuses its storage. Throws Error at "--vary" when no layer has
// what the parameter changes, and the loaders' shape errors when a layer cannot take the value.
// Not for batch, which the loaders set (`--batch`; they refuse it for lumped layers).
void vary_model(const Model& base, SweepParameter parameter, std::int64_t value, Model& model);

// What parsing the --layer chain of a sweep over `range` supplies: a channels sweep sets every
// conv2d's filters (K = C), so its lines may leave them out.
std::vector<LayerLineDefault> sweep_line_defaults(const SweepRange& range);

enum class SweepForm { standard, separable };
std::string_view sweep_form_name(SweepForm form);  // "standard", "separable"

struct SweepPoint {
  std::int64_t value = 0;
  std::size_t target = 0;  // index into Sweep::hardware
  SweepForm form = SweepForm::standard;
  std::uint64_t macs = 0, flops = 0, bytes = 0;
  double time = 0;                  // the time model's total
  double attained_flops_per_s = 0;  // flops / time
  Bound bound = Bound::none;
  std::int64_t batch = 1;           // N of the model: time_per_image = time / N, images_per_s = N / time
  double time_per_image = 0, images_per_s = 0;
  bool fits = true;                 // the memory verdict (Totals::fits): weights and activations in their levels
  double capacity_ratio = 0;        // need / capacity of the worse level (> 1: does not fit)
};

struct Sweep {
  std::string model_name;
  SweepRange range;
  std::vector<std::string> hardware;  // ids
  std::vector<Options> options;       // per hardware, as given (batch: the first value's model)
  std::vector<ReportSettings> settings;  // per hardware, echoed (the --set assignments)
  TimeModel time_model = TimeModel::iron_law;
  std::vector<SweepPoint> points;  // value-major, then hardware, then standard before separable
};

// For each value: model_for(value), its standard form (apply_transform to-standard) and its
// depthwise-separable form (to-dwsep), analyzed on every target with the target's options
// (batch taken from the model). `progress(done, total)` is called after each point.
using SweepModel = std::function<void(std::int64_t value, Model& model)>;  // sets `model` (reused)
using SweepProgress = std::function<void(std::size_t done, std::size_t total)>;
Sweep run_sweep(const SweepRange& range, const SweepModel& model_for, const std::vector<Target>& targets,
                const SweepProgress& progress = {});

}  // namespace convroof
