// The command line (app.hpp).
#include "app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "convroof/report.hpp"

namespace convroof::cli {

const std::vector<std::string_view> kExamples{
    "convroof analyze mobilenet_v1 --hw orin",
    "convroof analyze resnet50 --hw h100 --format json -o report.json",
    "convroof analyze blog_dwsep --hw v100 --precision fp16 --batch 16",
    "convroof analyze --layer \"depthwise_conv2d kernel=3 padding=same input=224x224x128\" --hw orin",
    "convroof analyze my_model.yaml --hw my_board.yaml --set bandwidth=102.4GB/s",
    "convroof analyze mobilenet_v1 --hw orin --fuse all --traffic tiled",
    "convroof compare blog_conv --hw v100,h100,orin,xeon-e5-2698v4,ethos-u55-128",
    "convroof explain --layer \"depthwise_conv2d kernel=3 input=224x224x128\" --hw orin --traffic no-reuse",
    "convroof explain mobilenet_v1 --name conv_dw_1 --hw orin --format markdown",
    "convroof probe -o this-machine.yaml",
    "convroof plan blog_conv mobilenet_v1 --batch 1,16 -o plan.json   (what to measure)",
    "convroof validate docs/validation/xeon-spr-2c.measured.json --hw this-machine.yaml",
    "convroof calibrate measured.json --hw this-machine.yaml -o calibrated.yaml",
    "convroof hw list            (then: convroof hw show orin)",
    "convroof workloads list     (and: convroof workloads kinds)"};

const std::string_view kExitStatus = "Exit codes: 0 success, 1 a check failed, 2 bad input or usage.";

const std::vector<Subcommand> kSubcommands{
    {"analyze", add_analyze},   {"compare", add_compare}, {"explain", add_explain}, {"hw", add_hw},
    {"runtimes", add_runtimes}, {"workloads", add_workloads}, {"plot", add_plot},  {"sweep", add_sweep},
    {"diff", add_diff},         {"probe", add_probe},     {"plan", add_plan},      {"validate", add_validate},
    {"calibrate", add_calibrate}};

CommandLine build_command_line(std::string_view subcommand) {
  auto app = std::make_unique<CLI::App>(
      "convroof: roofline and Iron-Law analysis of convolutional networks\n"
      "(why depthwise-separable cuts FLOPs 8-9x but time far less)",
      "convroof");
  app->set_version_flag("--version", fmt::format("convroof {} (commit {})", version(), build_commit()));
  app->require_subcommand(1);
  std::string footer = "Examples:\n";
  for (const auto& example : kExamples) footer += fmt::format("  {}\n", example);
  app->footer(footer + std::string(kExitStatus));
  CLI::App& a = *app;
  const bool one = std::any_of(kSubcommands.begin(), kSubcommands.end(),
                               [&](const Subcommand& s) { return s.name == subcommand; });
  std::vector<Run> runs;
  for (const auto& s : kSubcommands)
    if (!one || s.name == subcommand) runs.push_back(s.add(a));
  // The table's name is the one its adder registered (every CLI test runs a subcommand).
  if (one && a.get_subcommands({}).front()->get_name() != subcommand)
    throw std::logic_error(fmt::format("kSubcommands: '{}' registers '{}'", subcommand,
                                       a.get_subcommands({}).front()->get_name()));
  return CommandLine{std::move(app), std::move(runs)};
}

}  // namespace convroof::cli
