// `convroof calibrate MEASURED.json --hw SPEC -o CALIBRATED.yaml`: fits per-op-class efficiency
// η and the per-layer overhead L to the measurements, writes the calibrated spec, and reports
// the error before, after (in sample) and held out (docs/validation.md).
#include <fmt/format.h>

#include <memory>

#include "commands.hpp"
#include "convroof/report.hpp"
#include "measure_options.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct Calibrated {
  const Calibration& calibration;
  const MeasurementSet& set;
};

// The report's formats (the spec itself is YAML, written to -o).
const FormatTable<Calibrated> kFormats{
    {kTable, "the fit, before and held out",
     [](const Calibrated& c, std::ostream& out) { render_calibration_table(c.calibration, c.set, out); }},
    {kJson, "convroof.calibration/1",
     [](const Calibrated& c, std::ostream& out) { render_calibration_json(c.calibration, c.set, out); }},
};

struct CalibrateFlags {
  std::string measured;
  PredictFlags predict;
  int folds = 3;
  std::string output;  // the calibrated spec
  std::string format;
  std::string report;
};

int run_calibrate(const CalibrateFlags& flags) {
  const auto& format = find_format(kFormats, flags.format);
  MeasurementSet set = load_measured(flags.measured);
  Target prediction = load_prediction(flags.predict, set);
  Calibration calibration = calibrate(set, prediction.hardware, prediction.options, CalibrationOptions{flags.folds});

  HardwareSpec& spec = calibration.calibrated;
  std::vector<std::string> fitted;
  for (const FittedParameter& parameter : calibration.parameters)
    fitted.push_back(fmt::format("{} = {:.4g}", parameter.name, parameter.after));
  spec.sources.push_back(fmt::format(
      "convroof calibrate {} ({} measurements by {}; {}): least squares on log-time gave {}; median |error| {:.1f} % "
      "before, {:.1f} % after ({} folds held out)",
      flags.measured, calibration.before.checks.size(), set.tool, time_model_name(prediction.options.time_model),
      join(fitted), calibration.before.summary.median_abs * 100, calibration.held_out.summary.median_abs * 100,
      flags.folds));
  std::string yaml = render_hardware_yaml(spec, {fmt::format("{}: {} calibrated by convroof {} against {}", spec.id,
                                                             prediction.hardware.id, version(), flags.measured)});
  std::string report = render(format, Calibrated{calibration, set});
  write_output(flags.output, yaml);
  write_output(flags.report, report);
  return 0;
}

}  // namespace

Run add_calibrate(CLI::App& app) {
  auto flags = std::make_shared<CalibrateFlags>();
  CLI::App* command = app.add_subcommand(
      "calibrate", "Fit per-op-class efficiency and per-layer overhead to measurements; write the calibrated spec");
  command->add_option("MEASURED", flags->measured, "A convroof.measured/1 JSON file")
      ->required()
      ->type_name(kFileValue);
  add_predict_options(command, flags->predict);
  command->add_option("--folds", flags->folds, "Held-out folds: each is predicted by the fit to the others (default 3)")
      ->check(CLI::Range(2, 100));
  command->add_option("-o,--output", flags->output, "Write the calibrated spec YAML to FILE (atomically)")
      ->required()
      ->type_name(kFileValue);
  add_format_option(command, flags->format, kFormats);
  command->add_option("--report", flags->report, "Write the report to FILE (default: stdout)")->type_name(kFileValue);
  return [command, flags]() { return command->parsed() ? run_calibrate(*flags) : -1; };
}

}  // namespace convroof::cli
