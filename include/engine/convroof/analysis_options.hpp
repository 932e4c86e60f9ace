// The analysis options and the settings the reports echo, each listed once: its JSON key in the
// report's `options` object, its flag and help, how the options line prints it, and whether diff
// compares it. The JSON writer (src/report/json_writer.cpp), the report reader (diff), the
// human renderers' options lines, explain, and the command line's flags read this table, as
// they read kReportFields (convroof/fields.hpp) for the figures. A new analysis flag is a
// member of Options, one row here, and its tests (docs/architecture.md, "Common changes").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "convroof/cost.hpp"

namespace convroof {

// How an option's value is written in the report's `options` object (and read back by diff).
enum class OptionJson {
  text,     // a string: "int8"
  integer,  // a number: 1
  list,     // an array of strings: ["bandwidth=180GB/s"]
  object,   // written whole, after the other options (the runtime record, runtime_json)
};

// An option's value: its text (and the words of a list), or a count.
using OptionValue = std::variant<std::string, std::int64_t, std::vector<std::string>>;

// A closed vocabulary's words and summaries (a NamedChoice table's), for a flag's help.
using OptionChoices = std::vector<std::pair<std::string_view, std::string_view>>;

struct AnalysisOption {
  std::string_view key;    // the JSON key in `options`, and diff's name for it
  std::string_view label;  // the options line's word for it ("time model"); empty: not on the line
  std::string_view flag;   // the command-line flag that sets it
  std::string_view help;   // the flag's help (a choice flag: after its choices; {} is replaced by the ids)
  OptionJson json = OptionJson::text;
  OptionValue (*value)(const Options&, const ReportSettings&) = nullptr;
  // The options line's text when not the value's own (fuse: with the runtime's patterns).
  std::string (*line)(const Options&) = nullptr;
  std::string_view unprinted_default = {};  // the line leaves it out at this value ("none")
  bool on_compare_line = false;             // also on compare's and explain --block's line
  bool diffed = false;                      // diff notes when OLD and NEW differ
  bool required = true;                     // a report must carry it (report_reader)
  // A flag of a closed vocabulary whose value sets an Options member by itself: the command line
  // registers it (help: the choices, then `help`) and applies it from these two alone, so such an
  // option is its Options member and this row. Null for the flags whose value needs the spec,
  // the model or the runtime (precision, batch, runtime, time model), which src/cli/options.cpp
  // reads itself, and for the echoed settings.
  OptionChoices (*choices)() = nullptr;
  bool (*set)(Options&, std::string_view value) = nullptr;  // false: not one of the choices
};

namespace options_detail {
inline std::string text(std::string_view value) {
  return std::string(value);
}
// "runtime (conv-bn-act, residual)", "none", "all": what --fuse asked, with the runtime's patterns.
inline std::string fuse_line(const Options& options) {
  if (options.fuse != Fuse::runtime) return text(choice_name(kFuseModes, options.fuse));
  const auto patterns = fusion_pattern_names(options.runtime.fusion);
  return "runtime (" + (patterns.empty() ? std::string("nothing") : join(patterns)) + ")";
}
template <typename Enum, std::size_t N>
OptionChoices choices(const std::array<NamedChoice<Enum>, N>& table) {
  OptionChoices out;
  for (const auto& entry : table) out.emplace_back(entry.name, entry.summary);
  return out;
}
// Sets `member` to the value `name` names in `table`; false when none does.
template <typename Enum, std::size_t N>
bool set(Enum& member, const std::array<NamedChoice<Enum>, N>& table, std::string_view name) {
  const auto parsed = parse_choice(table, name);
  if (parsed) member = *parsed;
  return parsed.has_value();
}
}  // namespace options_detail

// In JSON order (an `object` row is written after the others and the derived `fusion`), which is
// also the options line's order and the order diff lists its differences in.
// clang-format off
inline constexpr std::array kAnalysisOptions{
    AnalysisOption{.key = "precision", .label = "precision", .flag = "--precision",
        .help = "Number format (default: the hardware's)",
        .value = [](const Options& o, const ReportSettings&) { return OptionValue(options_detail::text(precision_name(o.precision))); },
        .diffed = true},
    AnalysisOption{.key = "batch", .label = "batch", .flag = "--batch", .help = "Batch size N (replaces the workload's)",
        .json = OptionJson::integer,
        .value = [](const Options& o, const ReportSettings&) { return OptionValue(o.batch); },
        .diffed = true},
    AnalysisOption{.key = "runtime", .label = "runtime", .flag = "--runtime",
        .help = "Deployment runtime: a built-in id ({}) or a convroof.runtime/1 YAML path (default: the hardware's; "
                "none = nothing fused, the spec's overhead per layer)",
        .json = OptionJson::object,
        .value = [](const Options& o, const ReportSettings&) { return OptionValue(o.runtime.id); },
        .on_compare_line = true},
    AnalysisOption{.key = "time_model", .label = "time model", .flag = "--time-model",
        .help = "default: the runtime's time_model, else iron-law",
        .value = [](const Options& o, const ReportSettings&) { return OptionValue(options_detail::text(time_model_name(o.time_model))); },
        .on_compare_line = true, .diffed = true,
        .choices = [] { return options_detail::choices(kTimeModels); }},
    AnalysisOption{.key = "traffic", .label = "traffic", .flag = "--traffic", .help = "the bytes each layer moves",
        .value = [](const Options& o, const ReportSettings&) {
          return OptionValue(options_detail::text(choice_name(kTrafficModels, o.traffic)));
        },
        .on_compare_line = true, .diffed = true,
        .choices = [] { return options_detail::choices(kTrafficModels); },
        .set = [](Options& o, std::string_view v) { return options_detail::set(o.traffic, kTrafficModels, v); }},
    AnalysisOption{.key = "fuse", .label = "fuse", .flag = "--fuse", .help = "which fusion patterns apply",
        .value = [](const Options& o, const ReportSettings&) { return OptionValue(options_detail::text(choice_name(kFuseModes, o.fuse))); },
        .line = options_detail::fuse_line, .on_compare_line = true, .diffed = true,
        .choices = [] { return options_detail::choices(kFuseModes); },
        .set = [](Options& o, std::string_view v) { return options_detail::set(o.fuse, kFuseModes, v); }},
    // The report-side settings (ReportSettings): echoed, never read by the engine.
    AnalysisOption{.key = "transform", .label = "transform", .flag = "--transform",
        .help = "rewrites the model's blocks before the analysis",
        .value = [](const Options&, const ReportSettings& s) { return OptionValue(options_detail::text(transform_name(s.transform))); },
        .unprinted_default = "none", .diffed = true, .required = false,
        .choices = [] { return options_detail::choices(kTransforms); }},
    AnalysisOption{.key = "overrides", .label = "", .flag = "--set",
        .help = "What-if override KEY=VALUE: peak[.UNIT], bandwidth[.LEVEL], capacity[.LEVEL], overhead, "
                "efficiency[.CLASS], clock; repeatable",
        .json = OptionJson::list,
        .value = [](const Options&, const ReportSettings& s) { return OptionValue(s.overrides); },
        .diffed = true, .required = false},
};
// clang-format on

// The row of `key`; throws std::logic_error for a key the table lacks (a programming error).
inline const AnalysisOption& analysis_option(std::string_view key) {
  for (const auto& option : kAnalysisOptions)
    if (option.key == key) return option;
  throw std::logic_error("no analysis option '" + std::string(key) + "'");
}

// The option's text as the options line prints it (a list: its words joined with ", ").
inline std::string option_text(const AnalysisOption& option, const Options& options, const ReportSettings& settings) {
  if (option.line) return option.line(options);
  const OptionValue value = option.value(options, settings);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* count = std::get_if<std::int64_t>(&value)) return std::to_string(*count);
  return join(std::get<std::vector<std::string>>(value));
}
inline std::string option_text(std::string_view key, const Options& options, const ReportSettings& settings = {}) {
  return option_text(analysis_option(key), options, settings);
}

}  // namespace convroof
