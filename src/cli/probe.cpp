// `convroof probe [-o FILE] [--id ID] [--threads N] [--thorough] [--quiet]`: measures this
// machine and writes a `convroof.hardware/1` spec (stdout or FILE, atomically). Progress and
// a per-figure summary go to stderr, and only when stderr is a terminal (not with --quiet).
#include "convroof/probe.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <regex>

#include "commands.hpp"
#include "convroof/error.hpp"
#include "options.hpp"
#include "output.hpp"

namespace convroof::cli {

namespace {

struct ProbeFlags {
  std::string output;
  std::string id = "probed";
  int threads = 0;
  bool thorough = false;
  bool quiet = false;
};

int run_probe_command(const ProbeFlags& flags) {
  // The loader's rule for ids, checked before the measurement rather than after it.
  if (!std::regex_match(flags.id, std::regex("[a-z0-9][a-z0-9._-]*")))
    throw Error(
        Location{"--id", 0, 0},
        "'" + flags.id + "' must be lowercase letters, digits, '.', '_' or '-' (starting with a letter or digit)");
  const bool chatty = !flags.quiet && isatty(fileno(stderr));
  probe::ProbeOptions options;
  options.threads = flags.threads;
  options.thorough = flags.thorough;
  if (chatty) options.progress = [](const std::string& what) { std::cerr << "measuring " << what << "…\n"; };

  const probe::ProbeResult result = probe::run_probe(options);
  const HardwareSpec spec = probe::probed_spec(result, flags.id);
  const std::vector<std::string> summary = probe::probe_summary(result);
  std::vector<std::string> header{"Measured by `convroof probe` (docs/probe.md): median (min … max, runs) per figure"};
  header.insert(header.end(), summary.begin(), summary.end());
  const std::string yaml = render_hardware_yaml(spec, header);
  parse_hardware(yaml, "convroof probe output");  // what is written must load
  write_output(flags.output, yaml);
  if (chatty)
    for (const auto& line : summary) std::cerr << line << '\n';
  return 0;
}

}  // namespace

Run add_probe(CLI::App& app) {
  auto flags = std::make_shared<ProbeFlags>();
  CLI::App* command = app.add_subcommand(
      "probe",
      "Measure this machine (memory and cache bandwidth, FP32 FMA peak, per-call overhead, cache sizes) and write "
      "a hardware YAML");
  command->add_option("-o,--output", flags->output, "Write the spec to FILE (atomically); default stdout")
      ->type_name(kFileValue);
  command->add_option("--id", flags->id, "The spec's id (default: probed)");
  command->add_option("--threads", flags->threads, "Threads for the all-thread figures (default: all hardware threads)")
      ->check(CLI::Range(1, 4096));
  command->add_flag("--thorough", flags->thorough, "More and longer runs per figure (a default run takes under 30 s)");
  command->add_flag("--quiet", flags->quiet, "No progress or summary on stderr");
  return [command, flags]() { return command->parsed() ? run_probe_command(*flags) : -1; };
}

}  // namespace convroof::cli
