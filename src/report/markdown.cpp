#include "convroof/compare.hpp"
#include "convroof/report.hpp"

namespace convroof {}  // namespace convroof
