// `convroof sweep MODEL|--layer "…" --vary PARAM=RANGE --hw A[,B,…] [--format table|csv|json|svg]`:
// one parameter over a list or range, standard vs depthwise-separable, on every hardware.
#include "convroof/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "convroof/chart.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "formats.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

const FormatTable<Sweep> kFormats{
    {kTable, "a row per value", render_sweep_table},
    {kCsv, "a row per value and hardware", render_sweep_csv},
    {kJson, "every point", render_sweep_json},
    {kSvg, "time and attained FLOP/s vs the parameter", render_sweep_svg},
};

struct SweepFlags {
  AnalysisFlags analysis;
  std::string vary;
  std::string format;
  std::string output;
  bool require_fit = false;
};

int run_sweep_command(const SweepFlags& flags) {
  const auto& format = find_format(kFormats, flags.format, flags.output);
  const SweepRange range = parse_sweep_range(flags.vary, Location{"--vary", 0, 0});
  if (range.parameter == SweepParameter::batch && flags.analysis.batch > 0)
    throw Error(Location{"--batch", 0, 0}, "--batch and --vary batch=… both set the batch; give one");
  if (range.parameter != SweepParameter::batch && !flags.analysis.model.empty())
    throw Error(Location{"--vary", 0, 0}, fmt::format("'{}' is varied in --layer specs; a MODEL can vary batch only",
                                                      choice_name(kSweepParameters, range.parameter)));
  // A --layer chain is parsed once and varied in place; a batch sweep loads the model per value.
  AnalysisFlags varied = flags.analysis;
  if (range.parameter == SweepParameter::batch) varied.batch = range.values.front();
  const Model base = load_model(varied, "sweep", sweep_line_defaults(range));
  auto model_for = [&](std::int64_t value, Model& model) {
    if (range.parameter == SweepParameter::batch) {
      varied.batch = value;
      model = load_model(varied, "sweep");
    } else {
      vary_model(base, range.parameter, value, model);
    }
  };
  std::vector<Target> targets = load_targets(flags.analysis, base);
  // Progress on a terminal only: pipes and files get the result alone.
  const bool show_progress = isatty(STDERR_FILENO) == 1;
  auto progress = [show_progress](std::size_t done, std::size_t total) {
    if (!show_progress) return;
    std::cerr << fmt::format("\rsweep: {}/{} analyses", done, total) << (done == total ? "\r\033[K" : "") << std::flush;
  };
  Sweep sweep = run_sweep(range, model_for, targets, progress);
  write_output(flags.output, render(format, sweep));
  if (!flags.require_fit) return 0;
  std::vector<std::string> misfits;
  const std::string_view parameter = choice_name(kSweepParameters, range.parameter);
  for (const auto& point : sweep.points)
    if (!point.fits)
      misfits.push_back(fmt::format("{}={} ({} form) does not fit {}: {}x over", parameter, point.value,
                                    sweep_form_name(point.form), sweep.hardware[point.target],
                                    format_number(point.capacity_ratio, 4)));
  return require_fit("sweep", misfits);
}

}  // namespace

Run add_sweep(CLI::App& app) {
  auto flags = std::make_shared<SweepFlags>();
  CLI::App* command = app.add_subcommand(
      "sweep", "Vary one parameter (channels, batch, size, kernel, stride): standard vs depthwise-separable");
  command->add_option("--hw", flags->analysis.hardware, "Comma-separated hardware ids or YAML paths")
      ->required()
      ->type_name(kHardwareListValue);
  command
      ->add_option("--vary", flags->vary,
                   "PARAM=RANGE: channels|batch|size|kernel|stride = FIRST:LAST:xFACTOR, FIRST:LAST:+STEP or a,b,c "
                   "(e.g. channels=8:2048:x2)")
      ->required();
  add_analysis_options(command, flags->analysis, /*with_transform=*/false);
  add_format_option(command, flags->format, kFormats);
  command->add_option("-o,--output", flags->output, "Write to FILE (atomically)")->type_name(kFileValue);
  add_require_fit_flag(command, flags->require_fit);
  return [command, flags]() { return command->parsed() ? run_sweep_command(*flags) : -1; };
}

}  // namespace convroof::cli
