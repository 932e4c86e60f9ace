// `convroof diff OLD.json NEW.json [--threshold 5%]... [--format table|md|json] [-o FILE]`:
// compares two analyze reports, or two compare reports; exit 1 when a check fails (a metric
// over its threshold, a verdict flip, a lost fit; compare reports: a winner flip, a lost fit),
// 0 otherwise. Bad input (main maps Error to exit 2) is caught by the engine.
#include "convroof/diff.hpp"

#include <memory>

#include "commands.hpp"
#include "convroof/io.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "formats.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct DiffFlags {
  std::string old_path;
  std::string new_path;
  std::vector<std::string> thresholds;
  std::string min_time, min_bytes;
  bool totals_only = false;
  bool ignore_verdict = false;
  bool allow_hardware_change = false;
  bool all_layers = false;
  std::string format;
  std::string output;
};

// One of the two: analyze reports (`diff`) or compare reports (`comparison`).
struct Diffed {
  const ReportDiff* diff;
  const ComparisonDiff* comparison;
  bool all;
};

const FormatTable<Diffed> kFormats{
    {kTable, "changed layers and totals (compare reports: changed verdicts)",
     [](const Diffed& d, std::ostream& out) {
       d.diff ? render_diff_table(*d.diff, d.all, out) : render_compare_diff_table(*d.comparison, d.all, out);
     }},
    {kMarkdown, "for a PR comment",
     [](const Diffed& d, std::ostream& out) {
       d.diff ? render_diff_markdown(*d.diff, d.all, out) : render_compare_diff_markdown(*d.comparison, d.all, out);
     }},
    {kJson, "every matched layer (or verdict)",
     [](const Diffed& d, std::ostream& out) {
       d.diff ? render_diff_json(*d.diff, out) : render_compare_diff_json(*d.comparison, out);
     }},
};

int run_diff(const DiffFlags& flags) {
  const auto& format = find_format(kFormats, flags.format, flags.output);
  DiffOptions options;
  apply_thresholds(options, flags.thresholds);
  if (!flags.min_time.empty())
    options.min_time_s =
        parse_quantity(flags.min_time, {Dimension::time}, Location{"--min-time", 0, 0}, /*allow_zero=*/true).value;
  if (!flags.min_bytes.empty())
    options.min_bytes =
        parse_quantity(flags.min_bytes, {Dimension::size}, Location{"--min-bytes", 0, 0}, /*allow_zero=*/true).value;
  options.totals_only = flags.totals_only;
  options.ignore_verdict = flags.ignore_verdict;
  options.allow_hardware_change = flags.allow_hardware_change;
  const DiffInputs inputs = load_diff_inputs(flags.old_path, flags.new_path);
  if (const auto* compared = std::get_if<1>(&inputs)) {  // two compare reports: their verdicts
    const ComparisonDiff diff = diff_comparisons(compared->first, compared->second, options);
    write_output(flags.output, render(format, Diffed{nullptr, &diff, flags.all_layers}));
    return diff.passed() ? 0 : 1;
  }
  const auto& [old_report, new_report] = std::get<0>(inputs);
  const ReportDiff diff = diff_reports(old_report, new_report, options);
  write_output(flags.output, render(format, Diffed{&diff, nullptr, flags.all_layers}));
  return diff.passed() ? 0 : 1;
}

}  // namespace

Run add_diff(CLI::App& app) {
  auto flags = std::make_shared<DiffFlags>();
  CLI::App* command = app.add_subcommand(
      "diff", "Per-layer and total deltas between two JSON reports; exit 1 on a regression or a verdict flip");
  command->add_option("OLD", flags->old_path, "The baseline report (convroof analyze or compare --format json)")
      ->required()
      ->type_name(kFileValue);
  command->add_option("NEW", flags->new_path, "The report to check against it")->required()->type_name(kFileValue);
  command
      ->add_option("--threshold", flags->thresholds,
                   "Allowed increase: 5% (every metric not named elsewhere), time=5%, bytes=5%, flops=5%, or off "
                   "(bytes=off: not checked); repeatable; default 0%")
      ->allow_extra_args(false);
  command->add_option("--min-time", flags->min_time, "Time growth below this never fails, e.g. 1us")
      ->type_name("TIME");
  command->add_option("--min-bytes", flags->min_bytes, "Bytes growth below this never fails, e.g. 1KB")
      ->type_name("SIZE");
  command->add_flag("--totals-only", flags->totals_only, "Check and list only the totals, not the layers");
  command->add_flag("--ignore-verdict", flags->ignore_verdict, "A verdict flip does not fail the check");
  command->add_flag("--allow-hardware-change", flags->allow_hardware_change,
                    "Compare reports of different hardware (else exit 2)");
  command->add_flag("--all", flags->all_layers, "List every matched layer, not only the changed ones");
  add_format_option(command, flags->format, kFormats);
  command->add_option("-o,--output", flags->output, "Write the diff to FILE (atomically)")->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_diff(*flags) : -1; };
}

}  // namespace convroof::cli
