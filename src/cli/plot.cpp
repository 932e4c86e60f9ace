// `convroof plot MODEL|--layer "…" --hw A[,B,…] [--compare] [-o chart.svg]`: the roofline
// chart of one model on several hardware, or (--compare) its standard vs separable blocks.
#include <memory>

#include "commands.hpp"
#include "convroof/chart.hpp"
#include "formats.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct PlotFlags {
  AnalysisFlags analysis;
  bool compare = false;
  std::string output;
};

int run_plot(const PlotFlags& flags) {
  Model model = load_model(flags.analysis, "plot");
  std::vector<Target> targets = load_targets(flags.analysis, model);
  StringStream rendered;
  if (flags.compare) {
    render_roofline_svg(roofline_chart(compare(model, targets)), rendered);
  } else {
    std::vector<AnalysisResult> results;
    for (const auto& target : targets) results.push_back(analyze(model, target.hardware, target.options));
    render_roofline_svg(roofline_chart(results), rendered);
  }
  write_output(flags.output, rendered.take());
  return 0;
}

}  // namespace

Run add_plot(CLI::App& app) {
  auto flags = std::make_shared<PlotFlags>();
  CLI::App* command =
      app.add_subcommand("plot", "Roofline chart (SVG): every layer on the roofs and slopes of one or more hardware");
  command->add_option("--hw", flags->analysis.hardware, "Comma-separated hardware ids or YAML paths")
      ->required()
      ->type_name(kHardwareListValue);
  add_analysis_options(command, flags->analysis, /*with_transform=*/true);
  command->add_flag("--compare", flags->compare,
                    "Plot compare's blocks: an arrow from each standard conv to its depthwise-separable form");
  command->add_option("-o,--output", flags->output, "Write the SVG to FILE (atomically); default stdout")
      ->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_plot(*flags) : -1; };
}

}  // namespace convroof::cli
