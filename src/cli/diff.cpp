#include "commands.hpp"

namespace convroof::cli {

Run add_diff(CLI::App& app) {
  (void)app;
  return [] { return -1; };
}

}  // namespace convroof::cli
