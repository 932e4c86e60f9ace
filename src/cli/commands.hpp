// The subcommands. Each registers its flags on the CLI11 app and returns the function
// that runs it after parsing; main() maps convroof::Error to exit code 2.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace convroof::cli {

using Run = std::function<int()>;

Run add_analyze(CLI::App& app);
Run add_compare(CLI::App& app);
Run add_explain(CLI::App& app);
Run add_hw(CLI::App& app);
Run add_runtimes(CLI::App& app);
Run add_workloads(CLI::App& app);
Run add_diff(CLI::App& app);
Run add_plot(CLI::App& app);
Run add_sweep(CLI::App& app);
Run add_probe(CLI::App& app);
Run add_plan(CLI::App& app);
Run add_validate(CLI::App& app);
Run add_calibrate(CLI::App& app);

}  // namespace convroof::cli
