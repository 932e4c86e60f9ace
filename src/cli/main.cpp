// convroof: the command line. Parses flags, dispatches to a subcommand, and maps errors
// to exit codes (0 success, 1 a check failed, 2 bad input or usage). Only this file prints errors.
#include <iostream>

#include "commands.hpp"
#include "convroof/error.hpp"
#include "convroof/report.hpp"

int main(int argc, char** argv) {
  using namespace convroof;
  CLI::App app{
      "convroof: roofline and Iron-Law analysis of convolutional networks\n"
      "(why depthwise-separable cuts FLOPs 8-9x but time far less)",
      "convroof"};
  app.set_version_flag("--version", std::string(version()));
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  convroof analyze mobilenet_v1 --hw orin\n"
      "  convroof analyze resnet50 --hw h100 --format json -o report.json\n"
      "  convroof analyze blog_dwsep --hw v100 --precision fp16 --batch 16\n"
      "  convroof analyze --layer \"depthwise_conv2d kernel=3 padding=same input=224x224x128\" --hw orin\n"
      "  convroof analyze my_model.yaml --hw my_board.yaml --set bandwidth=102.4GB/s\n"
      "  convroof analyze mobilenet_v1 --hw orin --fuse all --traffic tiled\n"
      "  convroof compare blog_conv --hw v100,h100,orin,xeon-e5-2698v4,ethos-u55-128\n"
      "  convroof explain --layer \"depthwise_conv2d kernel=3 input=224x224x128\" --hw orin --traffic no-reuse\n"
      "  convroof explain mobilenet_v1 --name conv_dw_1 --hw orin --format markdown\n"
      "  convroof probe -o this-machine.yaml\n"
      "  convroof plan blog_conv mobilenet_v1 --batch 1,16 -o plan.json   (what to measure)\n"
      "  convroof validate docs/validation/xeon-sapphire-rapids-2c.measured.json --hw this-machine.yaml\n"
      "  convroof calibrate measured.json --hw this-machine.yaml -o calibrated.yaml\n"
      "  convroof hw list            (then: convroof hw show orin)\n"
      "  convroof workloads list     (and: convroof workloads kinds)\n"
      "Exit codes: 0 success, 1 a check failed, 2 bad input or usage.");
  std::vector<cli::Run> runs{cli::add_analyze(app), cli::add_compare(app),   cli::add_explain(app),
                             cli::add_hw(app),      cli::add_workloads(app), cli::add_plot(app),
                             cli::add_sweep(app),   cli::add_diff(app),      cli::add_probe(app),
                             cli::add_plan(app),    cli::add_validate(app),  cli::add_calibrate(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "convroof: error: " << e.what() << " (see convroof --help)\n";
    return 2;
  }
  try {
    for (const auto& run : runs)  // exactly one subcommand was parsed; the others return -1
      if (int code = run(); code >= 0) return code;
    return 0;
  } catch (const Error& e) {
    std::cerr << e.formatted() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "convroof: error: " << e.what() << '\n';
    return 2;
  }
}
