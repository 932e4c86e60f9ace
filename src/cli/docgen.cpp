// convroof-docgen: writes the man page and the bash and zsh completions from convroof's own
// command line (docs.hpp). Run by the build; not installed.
//   convroof-docgen MAN_PAGE BASH_COMPLETION ZSH_COMPLETION
#include <fstream>
#include <iostream>

#include "app.hpp"
#include "convroof/hardware.hpp"
#include "convroof/model.hpp"
#include "convroof/report.hpp"
#include "convroof/runtime.hpp"
#include "docs.hpp"

namespace {

bool write(const char* path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (out) return true;
  std::cerr << "convroof-docgen: cannot write " << path << '\n';
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace convroof;
  if (argc != 4) {
    std::cerr << "usage: convroof-docgen MAN_PAGE BASH_COMPLETION ZSH_COMPLETION\n";
    return 2;
  }
  cli::CommandLine command_line = cli::build_command_line();
  const CLI::App& app = *command_line.app;
  std::vector<std::string> hardware = builtin_hardware_ids(), workloads = builtin_workload_ids(),
                           runtimes = builtin_runtime_ids();
  bool ok = write(argv[1], cli::render_man_page(app, version())) &&
            write(argv[2], cli::render_bash_completion(app, hardware, workloads, runtimes)) &&
            write(argv[3], cli::render_zsh_completion(app, hardware, workloads, runtimes));
  return ok ? 0 : 1;
}
