// The accelerator table of the Vela port (convroof/vela_accelerators.hpp).
#include "convroof/vela_accelerators.hpp"

namespace convroof::vela {
namespace {

// architecture_features.py, ArchitectureFeatures.accelerator_configs (macs, cores, ofm_ublock, ifm_ublock,
// shram_banks, shram_granules, elem_units) and _generate_output_perf_tables.
constexpr std::array<Accelerator, 4> kAccelerators{{
    {"ethos-u55-32", 32, 1, 1, 1, 4, 1, 1, 8, 16, {2, 2, 2, 2, 4, 4, 4, 4}, 1,
     {2.0, 3.0, 3.0, 3.0, 4.0, 6.0, 1.0, 2.0}, {1.0, 1.0, 0.0}},
    {"ethos-u55-64", 64, 1, 1, 1, 8, 1, 1, 8, 16, {2, 2, 2, 2, 4, 4, 4, 8}, 2,
     {1.0, 1.5, 1.5, 1.5, 2.0, 3.0, 0.5, 1.0}, {1.0, 1.0, 0.0}},
    {"ethos-u55-128", 128, 1, 2, 1, 8, 2, 1, 8, 24, {4, 4, 4, 4, 8, 4, 8, 12}, 4,
     {0.75, 1.25, 0.75, 0.75, 1.0, 1.5, 0.25, 0.5}, {1.0, 0.5, 0.0}},
    {"ethos-u55-256", 256, 1, 2, 2, 8, 2, 2, 8, 48, {8, 8, 8, 8, 16, 8, 16, 20}, 8,
     {0.625, 1.125, 0.5, 0.375, 0.5, 0.75, 0.125, 0.25}, {1.0, 0.25, 0.0}},
}};

}  // namespace

const Accelerator* find_accelerator(std::string_view id) {
  for (const Accelerator& a : kAccelerators) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

std::vector<std::string_view> accelerator_ids() {
  std::vector<std::string_view> ids;
  for (const Accelerator& a : kAccelerators) ids.push_back(a.id);
  return ids;
}

}  // namespace convroof::vela
