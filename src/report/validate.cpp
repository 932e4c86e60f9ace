// Renderers of validation and calibration. The table of `convroof validate MEASURED --hw SPEC`:
//
//   measured by convroof-bench 0.1.0 (cpu: Intel(R) Xeon(R) Processor, oneDNN: 2.6.3 …)
//   predicted on probed: iron-law, traffic ideal, runtime onednn
//
//   measurement                kind       FLOPs    bytes     measured  predicted  error    bound
//   blog_conv/b1/conv          standard   14.80 G  25.69 MB  71.62 ms  58.39 ms   -18.5 %  compute
//   …
//   per measurement (40): median |error| 18.2 %, 90th percentile 61.0 %, within ±10 % 30 %, within ±25 % 62 %
//
//   pair                                     standard/separable measured  predicted  error   winner
//   blog_conv/b1/conv (3x3, 128->128, …)     4.912x                       6.031x     +22.8 % agrees
//
// JSON: `convroof.validation/1` and `convroof.calibration/1` (docs/report.md).
#include "convroof/validate.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

using Json = nlohmann::ordered_json;

std::string signed_percent(double fraction) {
  return fmt::format("{:+.1f} %", fraction * 100);
}
std::string share(double fraction) {
  return fmt::format("{:.0f} %", fraction * 100);
}
std::string speedup(double ratio) {
  return fmt::format("{}x", format_number(ratio, 3));
}

std::string summary_line(const std::string& what, const ErrorSummary& summary) {
  if (summary.count == 0) return fmt::format("{}: none", what);
  return fmt::format("{} ({}): median |error| {}, 90th percentile {}, within ±10 % {}, within ±25 % {}", what,
                     summary.count, share(summary.median_abs), share(summary.p90_abs), share(summary.within_10),
                     share(summary.within_25));
}

std::string machine_text(const MeasurementSet& set) {
  std::vector<std::string> facts;
  for (const auto& [key, value] : set.machine) facts.push_back(fmt::format("{}: {}", key, value));
  return facts.empty() ? set.tool : fmt::format("{} ({})", set.tool, join(facts, ", "));
}

std::string options_text(const std::string& hardware_id, const Options& options) {
  return fmt::format("predicted on {}: {}, traffic {}, runtime {}", hardware_id, time_model_name(options.time_model),
                     choice_name(kTrafficModels, options.traffic), options.runtime.id);
}

bool left_measurement_column(std::size_t c) {
  return c < 2 || c == 7;
}

void render_checks(const Validation& validation, const MeasurementSet& set, std::ostream& out) {
  using Row = std::array<std::string, 8>;
  std::vector<Row> rows{{"measurement", "kind", "FLOPs", "bytes", "measured", "predicted", "error", "bound"}};
  for (const MeasurementCheck& check : validation.checks)
    rows.push_back({set.measurements[check.measurement].name, check.kind,
                    format_count(static_cast<double>(check.flops)), format_bytes(static_cast<double>(check.bytes)),
                    format_time(check.measured_s), format_time(check.predicted_s), signed_percent(check.error),
                    std::string(bound_name(check.bound))});
  human::AlignedColumns<8>::print(rows, left_measurement_column, out);
  out << '\n' << summary_line("per measurement", validation.summary) << '\n';
}

bool left_pair_column(std::size_t c) {
  return c == 0 || c == 4;
}

void render_pairs(const Validation& validation, const MeasurementSet& set, std::ostream& out) {
  if (validation.pairs.empty()) return;
  using Row = std::array<std::string, 5>;
  std::vector<Row> rows{{"pair (standard/separable time)", "measured", "predicted", "error", "winner"}};
  std::size_t agree = 0;
  for (const PairCheck& check : validation.pairs) {
    agree += check.winner_agrees ? 1 : 0;
    std::string winner = check.measured_speedup > 1 ? "separable" : "standard";
    rows.push_back(
        {set.pairs[check.pair].name, speedup(check.measured_speedup), speedup(check.predicted_speedup),
         signed_percent(check.error),
         check.winner_agrees ? fmt::format("agrees ({})", winner) : fmt::format("WRONG (measured: {})", winner)});
  }
  out << '\n';
  human::AlignedColumns<5>::print(rows, left_pair_column, out);
  out << '\n'
      << summary_line("speedup per pair", validation.pair_summary)
      << fmt::format("; winner agrees in {} of {}", agree, validation.pairs.size()) << '\n';
  if (!validation.unmeasured_pairs.empty())
    out << fmt::format("{} pair(s) skipped: a measurement without a time\n", validation.unmeasured_pairs.size());
}

Json summary_json(const ErrorSummary& summary) {
  return Json{{"count", summary.count},
              {"median_abs_error", summary.median_abs},
              {"p90_abs_error", summary.p90_abs},
              {"within_10", summary.within_10},
              {"within_25", summary.within_25}};
}

Json checks_json(const Validation& validation, const MeasurementSet& set) {
  Json measurements = Json::array();
  for (const MeasurementCheck& check : validation.checks) {
    const Measurement& m = set.measurements[check.measurement];
    measurements.push_back(Json{{"name", m.name},
                                {"kind", check.kind},
                                {"layers", m.layers},
                                {"batch", m.batch},
                                {"precision", precision_name(m.precision)},
                                {"fuse", choice_name(kFuseModes, m.fuse)},
                                {"implementation", m.implementation},
                                {"flops", check.flops},
                                {"bytes", check.bytes},
                                {"measured_s", check.measured_s},
                                {"predicted_s", check.predicted_s},
                                {"error", check.error},
                                {"bound", bound_name(check.bound)}});
  }
  return measurements;
}

Json pairs_json(const Validation& validation, const MeasurementSet& set) {
  Json pairs = Json::array();
  for (const PairCheck& check : validation.pairs) {
    const MeasuredPair& pair = set.pairs[check.pair];
    pairs.push_back(Json{{"name", pair.name},
                         {"standard", pair.standard},
                         {"separable", pair.separable},
                         {"measured_speedup", check.measured_speedup},
                         {"predicted_speedup", check.predicted_speedup},
                         {"error", check.error},
                         {"winner_agrees", check.winner_agrees}});
  }
  return pairs;
}

Json validation_body(const Validation& validation, const MeasurementSet& set) {
  Json unmeasured = Json::array();
  for (std::size_t p : validation.unmeasured_pairs) unmeasured.push_back(set.pairs[p].name);
  return Json{{"measurements", checks_json(validation, set)},
              {"pairs", pairs_json(validation, set)},
              {"unmeasured_pairs", unmeasured},
              {"summary", summary_json(validation.summary)},
              {"pair_summary", summary_json(validation.pair_summary)}};
}

Json header_json(std::string_view schema, const std::string& hardware_id, const Options& options,
                 const MeasurementSet& set) {
  Json machine = Json::object();
  for (const auto& [key, value] : set.machine) machine[key] = value;
  return Json{{"schema", schema},
              {"tool", {{"name", "convroof"}, {"version", version()}}},
              {"hardware", {{"id", hardware_id}}},
              {"options",
               {{"time_model", time_model_name(options.time_model)},
                {"traffic", choice_name(kTrafficModels, options.traffic)},
                {"runtime", options.runtime.id}}},
              {"measured_by", {{"tool", set.tool}, {"machine", machine}}}};
}

}  // namespace

void render_validation_table(const Validation& validation, const MeasurementSet& set, std::ostream& out) {
  out << "measured by " << machine_text(set) << '\n'
      << options_text(validation.hardware_id, validation.options) << "\n\n";
  render_checks(validation, set, out);
  render_pairs(validation, set, out);
}

void render_validation_json(const Validation& validation, const MeasurementSet& set, std::ostream& out) {
  Json root = header_json("convroof.validation/1", validation.hardware_id, validation.options, set);
  root.update(validation_body(validation, set));
  out << json_text(root) << '\n';
}

void render_calibration_table(const Calibration& calibration, const MeasurementSet& set, std::ostream& out) {
  out << "measured by " << machine_text(set) << '\n'
      << options_text(calibration.before.hardware_id, calibration.before.options) << "\n\n";
  out << fmt::format("fitted by least squares on log-time ({} iterations) -> {}\n", calibration.iterations,
                     calibration.calibrated.id);
  for (const FittedParameter& parameter : calibration.parameters) {
    bool overhead = parameter.name == "overhead";
    out << fmt::format("  {:<22} {:>10} -> {}\n", parameter.name,
                       overhead ? format_time(parameter.before) : format_number(parameter.before),
                       overhead ? format_time(parameter.after) : format_number(parameter.after));
  }

  using Row = std::array<std::string, 7>;
  std::vector<Row> rows{{"measurement", "kind", "fold", "measured", "before", "after", "held out"}};
  for (std::size_t c = 0; c < calibration.before.checks.size(); ++c) {
    const MeasurementCheck& before = calibration.before.checks[c];
    rows.push_back({set.measurements[before.measurement].name, before.kind,
                    std::to_string(calibration.folds[before.measurement]), format_time(before.measured_s),
                    signed_percent(before.error), signed_percent(calibration.after.checks[c].error),
                    signed_percent(calibration.held_out.checks[c].error)});
  }
  out << '\n';
  human::AlignedColumns<7>::print(
      rows, [](std::size_t c) { return c < 2; }, out);

  out << '\n'
      << summary_line("before", calibration.before.summary) << '\n'
      << summary_line("after, in sample", calibration.after.summary) << '\n'
      << summary_line("after, held out", calibration.held_out.summary) << '\n';
  if (calibration.before.pairs.empty()) return;

  using PairRow = std::array<std::string, 5>;
  std::vector<PairRow> pair_rows{{"pair (standard/separable time)", "measured", "before", "after", "held out"}};
  for (std::size_t p = 0; p < calibration.before.pairs.size(); ++p) {
    const PairCheck& before = calibration.before.pairs[p];
    auto cell = [](const PairCheck& check) {
      return fmt::format("{} {}{}", speedup(check.predicted_speedup), signed_percent(check.error),
                         check.winner_agrees ? "" : " WRONG");
    };
    pair_rows.push_back({set.pairs[before.pair].name, speedup(before.measured_speedup), cell(before),
                         cell(calibration.after.pairs[p]), cell(calibration.held_out.pairs[p])});
  }
  out << '\n';
  human::AlignedColumns<5>::print(
      pair_rows, [](std::size_t c) { return c == 0; }, out);
  out << '\n'
      << summary_line("speedup before", calibration.before.pair_summary) << '\n'
      << summary_line("speedup after, in sample", calibration.after.pair_summary) << '\n'
      << summary_line("speedup after, held out", calibration.held_out.pair_summary) << '\n';
}

void render_calibration_json(const Calibration& calibration, const MeasurementSet& set, std::ostream& out) {
  Json root = header_json("convroof.calibration/1", calibration.before.hardware_id, calibration.before.options, set);
  root["calibrated_id"] = calibration.calibrated.id;
  Json parameters = Json::array();
  for (const FittedParameter& parameter : calibration.parameters)
    parameters.push_back(Json{{"name", parameter.name}, {"before", parameter.before}, {"after", parameter.after}});
  root["parameters"] = parameters;
  root["iterations"] = calibration.iterations;
  Json folds = Json::object();
  for (std::size_t i = 0; i < set.measurements.size(); ++i)
    if (calibration.folds[i] >= 0) folds[set.measurements[i].name] = calibration.folds[i];
  root["folds"] = folds;
  root["before"] = validation_body(calibration.before, set);
  root["after"] = validation_body(calibration.after, set);
  root["held_out"] = validation_body(calibration.held_out, set);
  out << json_text(root) << '\n';
}

}  // namespace convroof
