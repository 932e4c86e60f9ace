#include "convroof/cost.hpp"

namespace convroof {}  // namespace convroof
