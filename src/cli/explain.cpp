// `convroof explain (MODEL --name LAYER | --layer "…") --hw ID [options] [--format text|markdown]`:
// one layer's derivation, step by step.
#include "convroof/explain.hpp"

#include <fmt/format.h>

#include <memory>

#include "commands.hpp"
#include "convroof/report.hpp"
#include "formats.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

const FormatTable<Explanation> kFormats{
    {kTable, "plain text; also 'text'",
     [](const Explanation& explanation, std::ostream& out) { render_explain(explanation, ExplainFormat::text, out); }},
    {kMarkdown, "for a PR comment or notes; also 'markdown'",
     [](const Explanation& explanation, std::ostream& out) {
       render_explain(explanation, ExplainFormat::markdown, out);
     }},
};

struct ExplainFlags {
  AnalysisFlags analysis;
  std::string name;
  std::int64_t block = -1;  // -1: no --block (explain a layer), else block N
  std::string format;
  std::string output;
};

// `--block N`: the block's forms side by side, in the same two formats.
const FormatTable<BlockExplanation> kBlockFormats{
    {kTable, "plain text; also 'text'",
     [](const BlockExplanation& b, std::ostream& out) { render_block_explain(b, ExplainFormat::text, out); }},
    {kMarkdown, "for a PR comment or notes; also 'markdown'",
     [](const BlockExplanation& b, std::ostream& out) { render_block_explain(b, ExplainFormat::markdown, out); }},
};

int run_explain(const ExplainFlags& flags) {
  const auto& format = find_format(kFormats, flags.format, flags.output);  // the block's table has the same names
  Model model = load_model(flags.analysis, "explain");
  Target setup = load_setup(flags.analysis, flags.analysis.hardware, model);
  if (flags.block != -1) {
    if (!flags.name.empty()) throw Error(Location{"--block", 0, 0}, "--block and --name both pick what to explain; give one");
    const auto& block_format = find_format(kBlockFormats, flags.format, flags.output);
    if (flags.block <= 0)
      throw Error(Location{"--block", 0, 0}, fmt::format("block {} does not exist: blocks count from 1", flags.block));
    write_output(flags.output,
                 render(block_format, explain_block(model, setup, static_cast<std::size_t>(flags.block))));
    return 0;
  }
  Explanation explanation = explain(model, setup.hardware, setup.options, flags.name);
  explanation.result.settings = setup.settings;
  write_output(flags.output, render(format, explanation));
  return 0;
}

}  // namespace

Run add_explain(CLI::App& app) {
  auto flags = std::make_shared<ExplainFlags>();
  CLI::App* command = app.add_subcommand(
      "explain", "One layer's cost derived step by step: assumptions, calculations with numbers, conclusion");
  command->add_option("--hw", flags->analysis.hardware, "Built-in hardware id (see `hw list`) or a hardware YAML path")
      ->required();
  command->add_option("--name", flags->name, "The layer of MODEL (or of a --layer chain) to explain");
  command->add_option("--block", flags->block,
                      "Explain block N (as `compare` numbers them): its standard and separable forms side by side")
      ->type_name("N");
  add_analysis_options(command, flags->analysis, /*with_transform=*/true);
  add_format_option(command, flags->format, kFormats);
  command->add_option("-o,--output", flags->output, "Write the explanation to FILE (atomically)")
      ->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_explain(*flags) : -1; };
}

}  // namespace convroof::cli
