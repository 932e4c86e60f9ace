// Sweep renderers: CSV and JSON (convroof.sweep/1) carry every point in SI units; the table
// puts both forms of one value and hardware side by side.
// clang-format off
// Table (`convroof sweep --layer "conv2d kernel=3 input=224x224x128" --vary channels=8:32:x2 --hw v100`):
//   channels  hardware  T standard  bound     T separable  bound     time ratio  standard FLOP/s  separable FLOP/s  fits
//          8  v100      …
// clang-format on
#include "convroof/sweep.hpp"

#include <fmt/format.h>

#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"
#include "json_writer.hpp"
#include "text_checks.hpp"

namespace convroof {

namespace {

// The standard point of (value, hardware) is followed by its separable one (run_sweep's order).
template <typename Visit>
void for_each_pair(const Sweep& sweep, Visit visit) {
  for (std::size_t i = 0; i + 1 < sweep.points.size(); i += 2) visit(sweep.points[i], sweep.points[i + 1]);
}

}  // namespace

void render_sweep_csv(const Sweep& sweep, std::ostream& out) {
  out << "hardware,parameter,value,form,macs,flops,bytes,time_s,attained_flops_per_s,bound,batch,time_per_image_s,"
         "images_per_s,fits,capacity_ratio\n";
  const std::string_view parameter = choice_name(kSweepParameters, sweep.range.parameter);
  for (const auto& point : sweep.points)
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", sweep.hardware[point.target], parameter,
                       point.value, sweep_form_name(point.form), point.macs, point.flops, point.bytes, point.time,
                       point.attained_flops_per_s, bound_name(point.bound), point.batch, point.time_per_image,
                       point.images_per_s, point.fits, point.capacity_ratio);
}

void render_sweep_json(const Sweep& sweep, std::ostream& out) {
  Json report;
  report["schema"] = "convroof.sweep/1";
  report["tool"] = Json{{"name", "convroof"}, {"version", std::string(version())}};
  report["model"] = Json{{"name", sweep.model_name}};
  report["parameter"] = choice_name(kSweepParameters, sweep.range.parameter);
  report["values"] = sweep.range.values;
  report["geometric"] = sweep.range.geometric;
  Json hardware = Json::array();
  for (std::size_t t = 0; t < sweep.hardware.size(); ++t)
    hardware.push_back(Json{{"id", sweep.hardware[t]}, {"options", options_json(sweep.options[t], sweep.settings[t])}});
  report["hardware"] = std::move(hardware);
  Json points = Json::array();
  for (const auto& point : sweep.points)
    points.push_back(Json{{"hardware", sweep.hardware[point.target]},
                          {"value", point.value},
                          {"form", sweep_form_name(point.form)},
                          {"macs", point.macs},
                          {"flops", point.flops},
                          {"bytes", point.bytes},
                          {"time", point.time},
                          {"attained_flops_per_s", point.attained_flops_per_s},
                          {"bound", bound_name(point.bound)},
                          {"batch", point.batch},
                          {"time_per_image", point.time_per_image},
                          {"images_per_s", point.images_per_s},
                          {"fits", point.fits},
                          {"capacity_ratio", point.capacity_ratio}});
  report["points"] = std::move(points);
  out << json_text(report) << '\n';
}

void render_sweep_table(const Sweep& sweep, std::ostream& out) {
  const std::string parameter(choice_name(kSweepParameters, sweep.range.parameter));
  out << fmt::format("convroof {}: sweep of {} over {} on {} ({} time), standard vs depthwise-separable\n\n", version(),
                     sweep.model_name, parameter, join(sweep.hardware), time_model_name(sweep.time_model));
  // A batch sweep's last two columns are images/s (N / T); the others' the attained FLOP/s.
  const bool per_image = sweep.range.parameter == SweepParameter::batch;
  std::vector<std::array<std::string, 10>> rows{
      {parameter, "hardware", "T standard", "bound", "T separable", "bound", "time ratio",
       per_image ? "standard img/s" : "standard FLOP/s", per_image ? "separable img/s" : "separable FLOP/s", "fits"}};
  auto rate = [per_image](const SweepPoint& point) {
    return per_image ? format_number(point.images_per_s) : format_rate(point.attained_flops_per_s);
  };
  auto fit = [](const SweepPoint& standard, const SweepPoint& separable) -> std::string {
    if (standard.fits && separable.fits) return "both";
    if (standard.fits) return fmt::format("standard only (separable {}x over)", format_number(separable.capacity_ratio, 3));
    if (separable.fits) return fmt::format("separable only (standard {}x over)", format_number(standard.capacity_ratio, 3));
    return "neither";
  };
  for_each_pair(sweep, [&](const SweepPoint& standard, const SweepPoint& separable) {
    rows.push_back({std::to_string(standard.value), sweep.hardware[standard.target], format_time(standard.time),
                    std::string(bound_name(standard.bound)), format_time(separable.time),
                    std::string(bound_name(separable.bound)),
                    format_number(separable.time > 0 ? standard.time / separable.time : 0) + "x", rate(standard),
                    rate(separable), fit(standard, separable)});
  });
  // Value, times, ratio and rates are numbers; hardware, verdicts and the fit are text.
  human::AlignedColumns<10>::print(
      rows, [](std::size_t c) { return c == 1 || c == 3 || c == 5 || c == 9; }, out);
  out << "\ntime ratio = T standard / T separable (> 1: the separable form is faster); fits: weights and peak "
         "activations in the levels that hold them.\n";
}

}  // namespace convroof
