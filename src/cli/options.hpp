// The flags analyze, compare and explain share: the model (MODEL or --layer), the hardware,
// and the analysis options. Registered once, checked once, turned into engine inputs once.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "convroof/analysis_options.hpp"
#include "convroof/compare.hpp"
#include "convroof/cost.hpp"

namespace convroof::cli {

struct AnalysisFlags {
  std::string model;
  std::vector<std::string> layers;  // repeated --layer: a chain
  std::string hardware;             // one id or path (compare: a comma-separated list)
  std::string precision;
  std::int64_t batch = 0;  // 0 = the workload's own
  std::vector<std::string> inputs;  // repeated --input NAME=1x3x512x512 (an ONNX model's input shapes)
  std::string time_model;  // empty: the runtime's time_model, else iron-law
  // The value of each kAnalysisOptions row that sets its Options member by itself (`set`: traffic,
  // fuse, …), by key; each starts at the value of a default Options.
  std::map<std::string, std::string, std::less<>> choices;
  std::string runtime;  // empty: the hardware's default runtime
  std::string transform = "none";
  std::vector<std::string> overrides;
};

// What an option's value is, shown by --help as its metavar and read by convroof-docgen
// (docs.cpp) to complete the value in a shell: a file, a hardware id or spec, a list of them,
// a model id or file, a runtime id or file, or one of a closed set of words ("a|b|c", from one_of()).
inline constexpr const char* kFileValue = "FILE";
inline constexpr const char* kHardwareValue = "HW";
inline constexpr const char* kHardwareListValue = "HW[,HW...]";
inline constexpr const char* kModelValue = "MODEL";
inline constexpr const char* kRuntimeValue = "RUNTIME";
std::string one_of(const std::vector<std::string>& choices);

// Throws the one Error for a flag's value outside its vocabulary: "FLAG: error: unknown value
// 'x' (did you mean 'y'?); valid: a, b, c".
[[noreturn]] void unknown_value(const std::string& flag, const std::string& value,
                                const std::vector<std::string>& valid);

// An analysis option's flag and help (kAnalysisOptions, convroof/analysis_options.hpp).
std::string flag_of(std::string_view key);
std::string help_of(std::string_view key);

// Registers an option whose value is one of `choices` (name, summary): the help lists each
// name with its summary, the metavar the names.
CLI::Option* add_described_option(CLI::App* command, const std::string& flag, std::string& value,
                                  const std::vector<std::pair<std::string, std::string>>& choices);

// An option whose value is a name of `table` (a closed vocabulary, kinds.hpp).
template <typename Enum, std::size_t N>
CLI::Option* add_choice_option(CLI::App* command, const std::string& flag, std::string& value,
                               const std::array<NamedChoice<Enum>, N>& table) {
  std::vector<std::pair<std::string, std::string>> choices;
  for (const auto& entry : table) choices.emplace_back(entry.name, entry.summary);
  return add_described_option(command, flag, value, choices);
}

// The analysis option `key`'s flag, one of its row's choices: the help lists them, then the
// row's help ("; default: …").
CLI::Option* add_option_choice(CLI::App* command, std::string_view key, std::string& value);

// The value of a choice option; unknown_value's Error when it is none.
template <typename Enum, std::size_t N>
Enum parse_flag(const std::string& flag, const std::string& value, const std::array<NamedChoice<Enum>, N>& table) {
  if (auto parsed = parse_choice(table, value)) return *parsed;
  unknown_value(flag, value, choice_names(table));
}

// --time-model's value, else the runtime's `time_model`, else iron-law; Error naming the flag
// when the value is unknown.
TimeModel time_model_for(const std::string& flag, const Runtime& runtime);

// Registers MODEL, --layer, --hw, --precision, --batch, --input, --time-model, --traffic, --fuse, --runtime,
// --set (and --transform when `with_transform`) on `command`.
void add_analysis_options(CLI::App* command, AnalysisFlags& flags, bool with_transform);

// Throws Error naming the flag when `value` is not one of `valid`.
void check_choice(const std::string& flag, const std::string& value, const std::vector<std::string>& valid);

// The model the flags name, with the transform applied.
Model load_model(const AnalysisFlags& flags, const std::string& command,
                 std::span<const LayerLineDefault> defaults = {});
// The spec (overrides applied) and the options for one hardware id or path.
Target load_setup(const AnalysisFlags& flags, const std::string& hardware_id, const Model& model);
// The runtime `flag` names (an id or a file), else the spec's default; checked against the spec.
Runtime load_runtime(const std::string& flag, const HardwareSpec& spec);
// Registers --runtime on `command`.
void add_runtime_option(CLI::App* command, std::string& value);
// One Target per id of the comma-separated --hw list (compare, plot, sweep).
std::vector<Target> load_targets(const AnalysisFlags& flags, const Model& model);

// --require-fit (analyze, compare, sweep): a failed check, not an error. require_fit prints
// "COMMAND: --require-fit: WHAT" per misfit on stderr and returns the exit code: 1 when there
// is one, else 0.
void add_require_fit_flag(CLI::App* command, bool& value);
int require_fit(std::string_view command, const std::vector<std::string>& misfits);

}  // namespace convroof::cli
