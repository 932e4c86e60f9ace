// `convroof compare MODEL|--layer "…" --hw A[,B,…] [options]`: each standard kxk conv
// against its depthwise-separable replacement and each depthwise + pointwise pair against
// its standard equivalent, on every hardware.
#include "convroof/compare.hpp"

#include <fmt/format.h>

#include <memory>

#include "commands.hpp"
#include "convroof/chart.hpp"
#include "convroof/report.hpp"
#include "formats.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

const FormatTable<Comparison> kFormats{
    {kTable, "per block and hardware", render_compare_table},
    {kJson, "the comparison, docs/report.md", render_compare_json},
    {kCsv, "a row per block and hardware", render_compare_csv},
    {kMarkdown, "for a PR comment", render_compare_markdown},
    {kHtml, "one page: the tables and the chart", render_compare_html},
    {kSvg, "roofline with arrows",
     [](const Comparison& comparison, std::ostream& out) { render_roofline_svg(roofline_chart(comparison), out); }},
};

struct CompareFlags {
  AnalysisFlags analysis;
  std::string format;
  std::string output;
  bool require_fit = false;
};

int run_compare(const CompareFlags& flags) {
  const auto& format = find_format(kFormats, flags.format, flags.output);
  Model model = load_model(flags.analysis, "compare");
  Comparison comparison = compare(model, load_targets(flags.analysis, model));
  write_output(flags.output, render(format, comparison));
  if (!flags.require_fit) return 0;
  std::vector<std::string> misfits;
  for (const auto& verdict : comparison.totals)
    for (const auto& [form, totals] : {std::pair{"standard", &verdict.standard}, {"separable", &verdict.separable}})
      if (!totals->fits)
        misfits.push_back(fmt::format("{} ({} form) does not fit {}: {}", model.name, form,
                                      comparison.targets[verdict.target].hardware.id, memory_fit_text(*totals)));
  return require_fit("compare", misfits);
}

}  // namespace

Run add_compare(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* command = app.add_subcommand(
      "compare", "Standard vs depthwise-separable, block by block: MACs, bytes and time ratios, and why they differ");
  command
      ->add_option("--hw", flags->analysis.hardware,
                   "Comma-separated hardware ids or YAML paths, e.g. v100,h100,orin,xeon-e5-2698v4,ethos-u55-128")
      ->required()
      ->type_name(kHardwareListValue);
  add_analysis_options(command, flags->analysis, /*with_transform=*/false);
  add_format_option(command, flags->format, kFormats);
  command->add_option("-o,--output", flags->output, "Write the report to FILE (atomically)")->type_name(kFileValue);
  add_require_fit_flag(command, flags->require_fit);
  return [command, flags]() { return command->parsed() ? run_compare(*flags) : -1; };
}

}  // namespace convroof::cli
