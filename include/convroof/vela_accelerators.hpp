// The Ethos-U55 configurations of Arm's Vela 3.10.0 (commit 8cb3c36) that a hardware spec's
// `mac_array: vela:` key names (src/hw/vela_accelerators.cpp): the figures the engine's port of
// Vela's performance estimator (src/engine/vela.hpp) computes with, and the ids the spec loader
// checks the key against.
#pragma once

#include <array>
#include <string_view>
#include <vector>

namespace convroof::vela {

// One row of architecture_features.py, ArchitectureFeatures.accelerator_configs, plus the output and
// activation tables of _generate_output_perf_tables.
struct Accelerator {
  std::string_view id;  // "ethos-u55-128"
  int macs;             // MACs per cycle (ArchitectureConfig.macs)
  int cores;            // ArchitectureConfig.cores
  int ofm_ublock_w, ofm_ublock_h, ofm_ublock_d;  // ArchitectureConfig.ofm_ublock (Block(w, h, d))
  int ifm_ublock_w, ifm_ublock_h, ifm_ublock_d;  // ArchitectureConfig.ifm_ublock
  int shram_banks;                               // 1 KiB SHRAM banks
  // SHRAM bank granules indexed by SHRAMElements: IFM8, IFM16, IFM8_Elementwise, IFM16_Elementwise, IFM32,
  // Acc16, Acc32, Acc40.
  std::array<int, 8> shram_granules;
  int elem_units;  // elementwise units
  // _generate_output_perf_tables: output_cycles_per_elem[index] with the index chosen by
  // _estimate_output_cycles_per_element (0 ew 32-bit unary, 1 ew 32-bit binary, 2 mul 32-bit out,
  // 3 mul / conv with 40-bit acc, 4 simple add/sub, 5 advanced add/sub, 6 maxpool, 7 everything else);
  // activation_cycles_per_elem: 0 sigmoid/tanh/LUT, 1 relu family, 2 none.
  std::array<double, 8> output_cycles_per_elem;
  std::array<double, 3> activation_cycles_per_elem;
};

const Accelerator* find_accelerator(std::string_view id);  // ethos-u55-32/64/128/256; nullptr if none
std::vector<std::string_view> accelerator_ids();

}  // namespace convroof::vela
