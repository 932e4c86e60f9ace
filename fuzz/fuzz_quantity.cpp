// Fuzz target: the quantity parser ("204.8 GB/s", "45%", numbers). The first byte picks the
// dimensions expected and whether zero is allowed; the rest is the text.
#include <cstdint>
#include <string_view>
#include <vector>

#include "convroof/units.hpp"
#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const Location where{"fuzz", 1, 1};
  std::vector<Dimension> expected;
  for (int d = 0; d < 8; ++d)
    if (selector & (1u << d)) expected.push_back(static_cast<Dimension>(d));
  if (expected.empty()) expected.push_back(Dimension::rate);
  const bool allow_zero = (selector & 1) != 0;
  try {
    Quantity q = parse_quantity(text, expected, where, allow_zero);
    fuzz::require_finite(q.value, "a parsed quantity");
    if (!allow_zero && q.value <= 0) fuzz::finding("a quantity of 0 accepted without allow_zero");
    bool listed = false;
    for (Dimension d : expected) listed = listed || d == q.dimension;
    if (!listed) fuzz::finding("a quantity of a dimension not asked for");
    (void)format_number(q.value);
    (void)format_bytes(q.value);
    (void)format_rate(q.value);
    (void)format_time(q.value);
  } catch (const Error&) {
  }
  try {
    double eta = parse_efficiency(text, where);
    if (!(eta > 0 && eta <= 1)) fuzz::finding("an efficiency outside (0, 1]");
  } catch (const Error&) {
  }
  double value = 0;
  if (parse_double(text, value) && !std::isfinite(value)) fuzz::finding("parse_double accepted a non-finite value");
  long long integer = 0;
  (void)parse_int(text, integer);
  return 0;
}
