#include "convroof/report.hpp"

namespace convroof {
std::string_view version() {
  return CONVROOF_VERSION;
}
}  // namespace convroof
