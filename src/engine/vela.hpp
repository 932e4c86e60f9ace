// A port of Arm's Vela 3.10.0 (commit 8cb3c36) performance estimator for the Ethos-U55: the block-config
// search (architecture_allocator.py), the per-op cycle and bandwidth model (npu_performance.py) and the
// weight-DMA buffering decisions of the scheduler (scheduler.py, propose_weight_buffering) for the schedule
// Vela picks with --optimise Performance and the internal-default system config / memory mode
// (Ethos_U55_High_End_Embedded + Shared_Sram: feature maps in SRAM, weights in off-chip flash). With that
// memory mode the SRAM limit is 4 GiB, so Vela's optimised schedule is its "max" schedule: no cascading,
// every op on its full shape (scheduler.py, optimize_schedule returns max_sched). Standard library only,
// and the accelerator table a spec's `vela:` key names (convroof/vela_accelerators.hpp, in the base layer).
#pragma once

#include <string>
#include <vector>

#include "convroof/vela_accelerators.hpp"

namespace convroof::vela {

enum class OpKind { conv2d, depthwise, fully_connected, pool_avg, pool_max, add, mul, sub, other_elementwise };
enum class Format { nhwc, nhcwb16 };

struct Op {
  OpKind kind;
  int batch = 1;
  int ifm_h, ifm_w, ifm_c;
  int ofm_h, ofm_w, ofm_c;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int ifm_bits = 8, ofm_bits = 8, weight_bits = 8;
  bool fused_activation = false;  // a fused ReLU-family activation (activation_cycles_per_elem[1])
  Format ifm_format = Format::nhwc, ofm_format = Format::nhwc;
  bool ifm2 = false;  // binary elementwise
  bool has_bias = true;  // the TFLite converter (and tools/tflite_writer.py) always writes a bias tensor
  // Encoded weight stream bytes per weight, for real (tensor) weights and for the zero padding Vela's
  // weight reorder inserts (mlw_codec/mlw_encode.c, reorder); each slice's stream is then rounded up to 16
  // bytes. Fitted to Vela's encoder on tools/tflite_writer.py's pseudo-random int8 weights (uniform, which
  // mlw's Golomb-Rice coding cannot compress): 1.00009 B per real weight, 0.5 B per padding zero; exact
  // (to the byte) for 80 of 86 distinct streams, held-out mean error 0.5 %.
  double weight_bytes_per_weight = 1.00009;
  double weight_bytes_per_pad = 0.5;
};

// System config and memory mode: architecture_features.py, _set_default_sys_config / _set_default_mem_mode
// (identical to vela.ini's [System_Config.Ethos_U55_High_End_Embedded] and [Memory_Mode.Shared_Sram]).
struct Memory {
  double core_clock_hz = 500e6;      // core_clock=500e6
  double sram_bytes_per_cycle = 8;   // AXI 64 bit x Sram_clock_scale=1.0 (memory_bandwidths_per_cycle)
  int sram_burst = 32;               // Sram_burst_length=32
  int sram_read_latency = 32;        // Sram_read_latency=32
  int sram_write_latency = 32;       // Sram_write_latency=32
  double flash_bytes_per_cycle = 1;  // AXI 64 bit x OffChipFlash_clock_scale=0.125
  int flash_burst = 128;             // OffChipFlash_burst_length=128
  int flash_read_latency = 64;       // OffChipFlash_read_latency=64
  int flash_write_latency = 64;      // OffChipFlash_write_latency=64
  bool weights_in_flash = true;      // const_mem_area=Axi1 (OffChipFlash), arena_mem_area=Axi0 (Sram)
};

struct Estimate {
  int block_h = 0, block_w = 0, block_ifm_c = 0, block_ofm_c = 0;  // Vela's [ofm_h, ofm_w, ifm_depth, ofm_depth]
  int ifm_block_h = 0, ifm_block_w = 0;
  double mac_cycles = 0;     // DPU cycles per OFM block (after the per-DPU command floor)
  double output_cycles = 0;  // output cycles per OFM block
  double op_cycles = 0;      // measure_cycle_cost: the op without weight DMA
  double npu_cycles = 0;     // op cycles with the exposed weight DMA
  double sram_bytes = 0;     // burst-scaled SRAM bytes (IFM reads incl. re-reads + OFM writes)
  double sram_access_cycles = 0;
  double flash_access_cycles = 0;
  double weight_bytes_encoded = 0;  // len(npu_weights_tensor.buffer)
  double weight_dma_cycles = 0;     // full weight transfer (measure_mem2mem_cycles)
  double weight_dma_exposed = 0;    // npu_cycles - op_cycles
  double slack_buffering_cycles = 0;  // cycles a following op may hide its weight DMA under
  double total_cycles = 0;
  std::string traversal;  // "depth-first" / "part-kernel-first"
  std::string weight_buffering;  // "none" / "standard" / "double"
  std::vector<int> depth_slices;
};

// tflite_graph_optimiser.py, fixup_strided_conv: the network's first convolution, when stride_w is 2 or 3 (or
// more) and folding stride_w columns into depth keeps the IFM depth <= 8, is rewritten as an IFM of width
// W / s and depth C * s with a kernel of ceil(kw / s) columns and stride 1 (e.g. MobileNet's 224x224x3 3x3/2
// becomes 224x112x6 3x2 stride (2, 1)). Only for TFLite SAME or VALID padding (derived from the pads);
// estimate() and estimate_chain() apply it to their first op.
Op fixup_strided_conv(const Op& op);

Estimate estimate(const Accelerator&, const Memory&, const Op&);
// A chain: per-op estimates with the weight DMA exposure rule applied across ops (first op pays, later
// hidden under previous op's cycles).
std::vector<Estimate> estimate_chain(const Accelerator&, const Memory&, const std::vector<Op>&);

}  // namespace convroof::vela
