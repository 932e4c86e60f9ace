// `convroof analyze MODEL|--layer "…" --hw ID|PATH [options]`
#include <fmt/format.h>

#include <memory>
#include <sstream>

#include "commands.hpp"
#include "convroof/cost.hpp"
#include "convroof/html.hpp"
#include "convroof/plot.hpp"
#include "convroof/report.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct AnalyzeFlags {
  AnalysisFlags analysis;
  std::string format = "table";
  std::string output;
};

const std::vector<std::string> kFormats{"table", "json", "csv", "md", "svg", "html"};

int run_analyze(const AnalyzeFlags& flags) {
  check_choice("--format", flags.format, kFormats);
  Model model = load_model(flags.analysis, "analyze");
  Setup setup = load_setup(flags.analysis, flags.analysis.hardware, model);
  AnalysisResult result = analyze(model, setup.hardware, setup.options);
  std::ostringstream rendered;
  if (flags.format == "json")
    render_json(result, rendered);
  else if (flags.format == "csv")
    render_csv(result, rendered);
  else if (flags.format == "md")
    render_markdown(result, rendered);
  else if (flags.format == "svg")
    render_roofline_svg(roofline_chart(std::vector<AnalysisResult>{result}), rendered);
  else if (flags.format == "html")  // the page adds the model's standard vs separable blocks on this hardware
    render_html(result, compare(model, {CompareTarget{setup.hardware, setup.options}}), rendered);
  else
    render_table(result, rendered);
  write_output(flags.output, rendered.str());
  return 0;
}

}  // namespace

Run add_analyze(CLI::App& app) {
  auto flags = std::make_shared<AnalyzeFlags>();
  CLI::App* command =
      app.add_subcommand("analyze", "Per-layer FLOPs, bytes, intensity and Iron-Law time with a verdict");
  command->add_option("--hw", flags->analysis.hardware, "Built-in hardware id (see `hw list`) or a hardware YAML path")
      ->required()
      ->type_name(kHardwareValue);
  add_analysis_options(command, flags->analysis, /*with_transform=*/true);
  command
      ->add_option("--format", flags->format,
                   "table|json|csv|md (Markdown)|svg (roofline chart)|html (page with table, chart, compare)")
      ->type_name(one_of(kFormats));
  command->add_option("-o,--output", flags->output, "Write the report to FILE (atomically)")->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_analyze(*flags) : -1; };
}

}  // namespace convroof::cli
