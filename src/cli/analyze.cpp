// `convroof analyze MODEL|--layer "…" --hw ID|PATH [options]`
#include <fmt/format.h>

#include <iostream>

#include <memory>

#include "commands.hpp"
#include "convroof/chart.hpp"
#include "convroof/cost.hpp"
#include "convroof/report.hpp"
#include "formats.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct AnalyzeFlags {
  AnalysisFlags analysis;
  std::string format;
  std::string output;
  bool require_fit = false;
};

struct Analyzed {
  const Model& model;
  const Target& setup;
  const AnalysisResult& result;
};

const FormatTable<Analyzed> kFormats{
    {kTable, "per layer and totals", [](const Analyzed& a, std::ostream& out) { render_table(a.result, out); }},
    {kJson, "the report, docs/report.md", [](const Analyzed& a, std::ostream& out) { render_json(a.result, out); }},
    {kCsv, "the JSON's layer records", [](const Analyzed& a, std::ostream& out) { render_csv(a.result, out); }},
    {kMarkdown, "for a PR comment", [](const Analyzed& a, std::ostream& out) { render_markdown(a.result, out); }},
    {kSvg, "roofline chart",
     [](const Analyzed& a, std::ostream& out) {
       render_roofline_svg(roofline_chart(std::vector<AnalysisResult>{a.result}), out);
     }},
    // The page adds the model's standard vs separable blocks on this hardware.
    {kHtml, "page with table, chart, compare",
     [](const Analyzed& a, std::ostream& out) {
       render_html(a.result, compare(a.model, {a.setup}), out);
     }},
};

int run_analyze(const AnalyzeFlags& flags) {
  const auto& format = find_format(kFormats, flags.format, flags.output);
  Model model = load_model(flags.analysis, "analyze");
  Target setup = load_setup(flags.analysis, flags.analysis.hardware, model);
  AnalysisResult result = analyze(model, setup.hardware, setup.options);
  result.settings = setup.settings;
  write_output(flags.output, render(format, Analyzed{model, setup, result}));
  if (!flags.require_fit || result.totals.fits) return 0;
  return require_fit("analyze", {fmt::format("{} does not fit {}: {}", model.name, setup.hardware.id,
                                             memory_fit_text(result.totals))});
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
  add_format_option(command, flags->format, kFormats);
  command->add_option("-o,--output", flags->output, "Write the report to FILE (atomically)")->type_name(kFileValue);
  add_require_fit_flag(command, flags->require_fit);
  return [command, flags]() { return command->parsed() ? run_analyze(*flags) : -1; };
}

}  // namespace convroof::cli
