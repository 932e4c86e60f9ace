// convroof-bench: times real convolutions with oneDNN on this CPU and checks every time, and
// every standard-vs-depthwise-separable pair's speedup, against convroof's prediction.
//
//   convroof-bench blog_conv mobilenet_v1 --hw probed.yaml --save-measured measured.json
//   convroof-bench --layer "conv2d filters=128 kernel=3 padding=same input=224x224x8"
//                  --vary channels=8:512:x2 --hw probed.yaml   (one command)
//   convroof-bench --measured h100.measured.json --hw h100      (no running: a file from elsewhere)
//
// What is measured comes from build_plan (as `convroof plan`), or from --plan FILE; how it is
// timed is src/bench/onednn.hpp. Output: the validation report (table or convroof.validation/1);
// --save-measured keeps the measurements (convroof.measured/1) for `convroof validate` and
// `convroof calibrate`. Exit codes as convroof: 0, 2 on bad input or usage.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "convroof/io.hpp"
#include "convroof/report.hpp"
#include "convroof/validate.hpp"
#include "measure_options.hpp"
#include "onednn.hpp"
#include "options.hpp"
#include "output.hpp"

namespace {

struct BenchFlags {
  convroof::cli::PlanFlags plan;
  std::string plan_file;
  std::string measured_file;
  convroof::cli::PredictFlags predict;
  convroof::BenchSettings settings;
  bool warm_caches = false;
  bool quiet = false;
  std::string save_measured;
  std::string format;
  std::string output;
};

int run(const BenchFlags& flags) {
  using namespace convroof;
  const auto& format = cli::find_format(cli::kValidationFormats, flags.format);
  bool planned = !flags.plan.models.empty() || !flags.plan.layers.empty();
  if (planned + !flags.plan_file.empty() + !flags.measured_file.empty() != 1)
    throw Error(Location{"convroof-bench", 0, 0},
                "give what to measure: MODELs and/or --layer, or --plan FILE; or --measured FILE (no running)");
  MeasurementSet set = !flags.measured_file.empty() ? cli::load_measured(flags.measured_file)
                       : planned                    ? cli::plan_from(flags.plan, "convroof-bench")
                                                    : load_measurements(flags.plan_file);
  // Loaded before timing: a bad --hw fails now, not after minutes of it.
  const Target prediction = cli::load_prediction(flags.predict, set);
  if (flags.measured_file.empty()) {
    BenchSettings settings = flags.settings;
    settings.cold_caches = !flags.warm_caches;
    set.tool = fmt::format("convroof-bench {}", version());
    set.machine = onednn_machine_facts(settings);
    bool show_progress = !flags.quiet && isatty(STDERR_FILENO);
    run_onednn(set, settings, [&](std::size_t done, std::size_t total, const std::string& name) {
      if (show_progress) std::cerr << fmt::format("\r[{}/{}] {}\033[K", done, total, name) << std::flush;
    });
    if (show_progress) std::cerr << "\r\033[K";
    if (!flags.save_measured.empty()) {
      std::ostringstream measured;
      render_measured_json(set, measured);
      cli::write_output(flags.save_measured, measured.str());
    }
  }
  cli::write_validation(prediction, set, format, flags.output);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace convroof;
  CLI::App app{
      "convroof-bench: time real convolutions with oneDNN (fp32, this CPU) and check convroof's predictions "
      "against them",
      "convroof-bench"};
  app.set_version_flag("--version", std::string(version()));
  BenchFlags flags;
  cli::add_plan_options(&app, flags.plan);
  app.add_option("--plan", flags.plan_file, "Measure this plan (convroof plan -o FILE) instead of MODELs/--layer");
  app.add_option("--measured", flags.measured_file,
                 "Run nothing: check these measurements (convroof.measured/1, e.g. from tools/measure_torch.py)");
  cli::add_predict_options(&app, flags.predict);
  app.add_option("--runs", flags.settings.runs, "Timed runs per measurement, at least (default 20)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--warmup", flags.settings.warmup, "Untimed runs first (default 3)")->check(CLI::Range(0, 100000));
  app.add_option("--min-time", flags.settings.min_run_s,
                 "More timed runs until they add up to this many seconds (default 0)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_flag("--warm-caches", flags.warm_caches,
               "Do not sweep the caches before each run (the steady-state loop of one layer)");
  app.add_flag("--quiet", flags.quiet, "No progress on stderr");
  app.add_option("--save-measured", flags.save_measured, "Write the measurements (convroof.measured/1) to FILE");
  cli::add_format_option(&app, flags.format, cli::kValidationFormats);
  app.add_option("-o,--output", flags.output, "Write the report to FILE (atomically)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "convroof-bench: error: " << e.what() << " (see convroof-bench --help)\n";
    return 2;
  }
  try {
    return run(flags);
  } catch (const Error& e) {
    std::cerr << e.formatted() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "convroof-bench: error: " << e.what() << '\n';
    return 2;
  }
}
