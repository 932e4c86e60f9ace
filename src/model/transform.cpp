// Model transforms (include/convroof/transform.hpp). Stub: to be implemented.
#include "convroof/transform.hpp"
