// Checked 64-bit arithmetic for the engine's counts: a wrapped count would be a silently
// wrong answer, so an overflow is an Error naming the layer (or the model total). The message
// is formatted only when an overflow happens: these run several times per layer, in sweeps
// millions of times.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "convroof/error.hpp"
#include "convroof/model.hpp"

namespace convroof {

struct Checked {
  const Layer* layer = nullptr;  // the layer counted, or nullptr for a model total
  const char* total = "";        // the model total's name ("MACs") when layer is nullptr

  static Checked for_layer(const Layer& layer) { return Checked{&layer, ""}; }
  static Checked for_total(const char* what) { return Checked{nullptr, what}; }

  std::uint64_t mul(std::uint64_t a, std::uint64_t b) const {
    std::uint64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) overflow();
    return out;
  }
  std::uint64_t add(std::uint64_t a, std::uint64_t b) const {
    std::uint64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) overflow();
    return out;
  }
  std::uint64_t elements(const Shape& shape) const {
    std::uint64_t count = 1;
    for (auto dim : shape) count = mul(count, static_cast<std::uint64_t>(dim));
    return count;
  }
  [[noreturn]] void overflow() const {
    if (layer) throw Error(layer->where, fmt::format("layer '{}': a count overflows 64 bits", layer->name));
    throw Error(Location{}, fmt::format("model total of {}: a count overflows 64 bits", total));
  }
};

inline std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return a / b + (a % b != 0);
}

}  // namespace convroof
