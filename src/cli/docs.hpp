// The man page and the shell completions, written from the CLI11 app itself (app.hpp) by
// convroof-docgen at build time: a subcommand or flag added to the app is in both.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace convroof::cli {

// convroof(1) in roff (man(7) macros): every command with its options, examples, exit status,
// files. No date, so the same app gives the same bytes.
std::string render_man_page(const CLI::App& app, std::string_view version);

// A bash completion script (`complete -F _convroof convroof`): subcommands, flags, the values
// of closed-vocabulary options (--format, --traffic, …), hardware, workload and runtime ids where
// one is expected (the given built-in ids, then file names), and file names for FILE values.
std::string render_bash_completion(const CLI::App& app, const std::vector<std::string>& hardware_ids,
                                   const std::vector<std::string>& workload_ids,
                                   const std::vector<std::string>& runtime_ids);

// The same for zsh (`#compdef convroof`, installed as _convroof), with descriptions.
std::string render_zsh_completion(const CLI::App& app, const std::vector<std::string>& hardware_ids,
                                  const std::vector<std::string>& workload_ids,
                                  const std::vector<std::string>& runtime_ids);

}  // namespace convroof::cli
