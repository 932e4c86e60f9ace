// convroof: the command line. Parses flags, dispatches to a subcommand, and maps errors
// to exit codes (0 success, 1 a check failed, 2 bad input or usage). Only this file prints errors;
// a command whose check fails (exit 1: diff's regressions, --require-fit) says what failed.
#include <iostream>

#include "app.hpp"
#include "convroof/error.hpp"

int main(int argc, char** argv) {
  using namespace convroof;
  cli::CommandLine command_line = cli::build_command_line(argc > 1 ? argv[1] : "");
  CLI::App& app = *command_line.app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "convroof: error: " << e.what() << " (see convroof --help)\n";
    return 2;
  }
  try {
    for (const auto& run : command_line.runs)  // exactly one subcommand was parsed; the others return -1
      if (int code = run(); code >= 0) return code;
    return 0;
  } catch (const Error& e) {
    std::cerr << e.formatted() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "convroof: error: " << e.what() << '\n';
    return 2;
  }
}
