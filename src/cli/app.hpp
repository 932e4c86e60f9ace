// The whole command line as one CLI11 app: every subcommand with its flags, help text and
// examples. main() parses and runs it; convroof-docgen (docgen.cpp) walks the same app to write
// the man page and the shell completions, so neither can miss a subcommand or flag.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "commands.hpp"

namespace convroof::cli {

struct CommandLine {
  std::unique_ptr<CLI::App> app;
  std::vector<Run> runs;  // one per subcommand; after parsing, the parsed one returns its exit code
};

// Every subcommand, or only `subcommand` when it names one: a run builds just the subcommand
// it invokes (building all of them was a sixth of a whole `analyze`: docs/performance.md).
CommandLine build_command_line(std::string_view subcommand = {});

// The subcommands, in --help's order: the name each adder registers, and the adder.
struct Subcommand {
  std::string_view name;
  Run (*add)(CLI::App&);
};
extern const std::vector<Subcommand> kSubcommands;

// The end of --help (and the man page's EXAMPLES and EXIT STATUS).
extern const std::vector<std::string_view> kExamples;
extern const std::string_view kExitStatus;

// The commit this binary was built from (12 hex digits, "+dirty" when the work tree had
// uncommitted changes), or "unknown" when built outside a git checkout. Generated at build
// time by cmake/build_info.cmake.
std::string_view build_commit();

}  // namespace convroof::cli
