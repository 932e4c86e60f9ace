// Port of Vela 3.10.0's (8cb3c36) Ethos-U55 performance estimate; see vela.hpp. File and function names
// in the comments are Vela's (ethosu/vela/...).
#include "vela.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

namespace convroof::vela {
namespace {

// SHRAMElements indices (architecture_features.py).
constexpr int kIfm8 = 0, kIfm16 = 1, kIfm8Ew = 2, kIfm16Ew = 3, kIfm32 = 4, kAcc32 = 6, kAcc40 = 7;
// ArchitectureFeatures.OFMSplitDepth, SubKernelMax (Block(8, 8, 65536)), ofm_block_max (Block(64, 32, 128)).
constexpr int kSplitDepth = 16, kSubKernelMax = 8, kOfmBlockMaxW = 64, kOfmBlockMaxH = 32, kOfmBlockMaxD = 128;
// SHRAMConfig(reserved_output_banks=2, bank_size_bytes=1024, ...) in ArchitectureFeatures.__init__.
constexpr int kReservedOutputBanks = 2, kBankBytes = 1024;

// operation.py, NpuBlockType.
enum class BlockType { conv, depthwise, vector_product, pooling, elementwise };

BlockType block_type(OpKind kind) {
  switch (kind) {
    case OpKind::conv2d: return BlockType::conv;
    case OpKind::depthwise: return BlockType::depthwise;
    case OpKind::fully_connected: return BlockType::vector_product;
    case OpKind::pool_avg:
    case OpKind::pool_max: return BlockType::pooling;
    default: return BlockType::elementwise;
  }
}

// numeric_util.py helpers, integer and (Python float) forms.
std::int64_t round_up(std::int64_t a, std::int64_t b) { return ((a + b - 1) / b) * b; }
std::int64_t div_up(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
double round_up_f(double a, double b) { return std::floor((a + b - 1) / b) * b; }  // Python a//b on floats
// Vela's loops `for i in range(0, total, step)` over pieces of min(step, total - i): all full but
// the last, so each distinct piece size with its count, (step, total / step) and (total % step, 1).
// A loop body that adds a term per piece then costs two iterations, however large the total.
std::vector<std::pair<int, std::int64_t>> pieces(int total, int step) {
  std::vector<std::pair<int, std::int64_t>> sizes;
  if (total / step > 0) sizes.emplace_back(step, total / step);
  if (total % step > 0) sizes.emplace_back(total % step, 1);
  return sizes;
}
double round_down_f(double a, double b) { return std::floor(a / b) * b; }

// shape4d.py, Shape4D (batch is 1 throughout here).
struct Shape {
  int h = 1, w = 1, d = 1;
  std::int64_t elements() const { return std::int64_t(h) * w * d; }
  std::int64_t elements_wh() const { return std::int64_t(h) * w; }
};
Shape min(const Shape& a, const Shape& b) { return {std::min(a.h, b.h), std::min(a.w, b.w), std::min(a.d, b.d)}; }
Shape round_up(const Shape& a, const Shape& b) {
  return {int(round_up(a.h, b.h)), int(round_up(a.w, b.w)), int(round_up(a.d, b.d))};
}
Shape div_up(const Shape& a, const Shape& b) {
  return {int(div_up(a.h, b.h)), int(div_up(a.w, b.w)), int(div_up(a.d, b.d))};
}

// operation.py, Kernel: area_* are the dilated extents, elements_wh the undilated count.
struct Kernel {
  int w = 1, h = 1, stride_x = 1, stride_y = 1, dil_x = 1, dil_y = 1;
  int area_w() const { return (w - 1) * dil_x + 1; }
  int area_h() const { return (h - 1) * dil_y + 1; }
  int elements_wh() const { return w * h; }
};

Kernel kernel_of(const Op& op) {
  return {op.kernel_w, op.kernel_h, op.stride_w, op.stride_h, op.dilation_w, op.dilation_h};
}

// architecture_allocator.py, ArchitectureBlockConfig.
struct BlockConfig {
  Shape ofm_block, ifm_block;
  bool is_partkernel = false;
  bool acc40 = false;
  bool found = false;
};

// architecture_allocator.py, _choose_kernel_method: part-kernel-first when its DPU utilisation beats
// depth-first's (strictly), always for IFM depth <= 8.
bool choose_partkernel(int ifm_depth, int ifm_bits, const Kernel& k) {
  if (ifm_depth <= 8) return true;
  double kernel_elements = k.elements_wh();
  double depth_util = double(ifm_depth) / double(round_up(ifm_depth, ifm_bits == 8 ? 32 : 16));
  double part_util = double(ifm_depth) * kernel_elements /
                     (double(round_up(ifm_depth, 8)) * double(round_up(k.elements_wh(), ifm_bits == 8 ? 4 : 2)));
  return part_util > depth_util;
}

// architecture_allocator.py, _try_block_config: whether the double-buffered IFM and accumulator blocks
// fit the SHRAM banks (the layout itself is not needed for the estimate).
bool block_fits(const Accelerator& a, bool elementwise, const Shape& ofm_block, const Shape& ifm_block, int ifm_bits,
                int ifm_granule, int acc_bits, int acc_granule, int lut_banks) {
  const double ifm_depth_bytes = round_up_f(ifm_block.d * ifm_bits / 8.0, 8);
  std::int64_t ifm_bytes = ifm_block.elements_wh() * std::int64_t(std::ceil(ifm_depth_bytes));
  std::int64_t ifm_banks = round_up(div_up(ifm_bytes, kBankBytes) * 2, ifm_granule);
  std::int64_t lut_start = a.shram_banks - lut_banks;
  std::int64_t ifm_end = kReservedOutputBanks + ifm_banks;
  std::int64_t acc_start = lut_start;
  if (!elementwise) {
    std::int64_t acc_bytes = (ofm_block.elements_wh() * round_up(ofm_block.d, 8) * acc_bits) / 8;
    std::int64_t acc_banks = round_up(div_up(acc_bytes, kBankBytes) * 2, acc_granule);
    acc_start -= acc_banks;
  } else {
    // ElementwiseUsage.Full: the second IFM takes as many banks as the first.
    if (ifm_end + ifm_banks > acc_start) return false;
    ifm_end = acc_start;
  }
  return ifm_end <= acc_start;
}

// architecture_allocator.py, _get_ifm_blocksize / _required_size (no upscaling): the IFM area feeding an
// OFM block, one sub-kernel (<= 8x8) at a time, rounded to the OFM micro-block.
Shape ifm_blocksize(const Accelerator& a, const Shape& ofm_block, const Kernel& k) {
  int h1 = (ofm_block.h - 1) * k.stride_y + std::min(k.area_h(), kSubKernelMax);
  int w1 = (ofm_block.w - 1) * k.stride_x + std::min(k.area_w(), kSubKernelMax);
  return {int(round_up(h1, a.ofm_ublock_h)), int(round_up(w1, a.ofm_ublock_w)), ofm_block.d};
}

// architecture_allocator.py, find_block_config: searches OFM block H x W x D (micro-block steps, depth in
// 16-steps while below the OFM depth) for the lowest (IFM fetch + weight fetch) per OFM element among the
// blocks whose IFM and accumulator buffers fit SHRAM; ties prefer small (<= 4x4) blocks covering more IFM.
BlockConfig find_block_config(const Accelerator& a, BlockType type, const Shape& ofm, const Shape& ifm_in,
                              const Shape* ifm2, int ifm_bits, const Kernel& k) {
  Shape ifm = ifm_in;
  if (ifm2 && ifm2->elements() > ifm.elements()) ifm = *ifm2;  // elementwise larger-volume correction
  const bool elementwise = type == BlockType::elementwise;
  const bool is_pooling = type == BlockType::pooling;
  const bool is_depthwise = type == BlockType::depthwise;
  const bool equal_depth = elementwise || is_pooling || is_depthwise;
  const bool is_convolution = type == BlockType::conv || is_depthwise;

  BlockConfig config;
  config.is_partkernel = is_convolution && choose_partkernel(ifm.d, ifm_bits, k);
  // _acc_type: 40-bit accumulators for scaled 16-bit non-pooling ops.
  config.acc40 = ifm_bits == 16 && !is_pooling;
  const int acc_granule = a.shram_granules[config.acc40 ? kAcc40 : kAcc32];
  const int acc_bits = config.acc40 ? 40 : 32;
  int ifm_granule;
  if (elementwise) {
    ifm_granule = a.shram_granules[ifm_bits == 8 ? kIfm8Ew : ifm_bits == 16 ? kIfm16Ew : kIfm32];
  } else {
    ifm_granule = a.shram_granules[ifm_bits == 8 ? kIfm8 : ifm_bits == 16 ? kIfm16 : kIfm32];
  }
  const int lut_banks = a.shram_banks > 16 ? 2 : 0;  // SHRAMConfig.reserved_end_banks

  const std::int64_t ifm_repeats = div_up(k.area_w(), kSubKernelMax) * div_up(k.area_h(), kSubKernelMax);
  // _ifm_blockdepth
  int ifm_blockdepth;
  if (ifm_bits == 16) {
    ifm_blockdepth = int(round_up(std::min(ifm.d, 16), 4));
  } else {
    ifm_blockdepth = int(round_up(std::min(ifm.d, config.is_partkernel ? 16 : 32), a.ifm_ublock_d));
  }
  const std::int64_t weight_fetch_wh = is_convolution ? std::int64_t(k.area_w()) * k.area_h() : 0;

  Shape space = min(ofm, Shape{kOfmBlockMaxH, kOfmBlockMaxW, kOfmBlockMaxD});
  space = round_up(space, Shape{a.ofm_ublock_h, a.ofm_ublock_w, a.ofm_ublock_d});

  double best_cost = std::numeric_limits<double>::infinity();
  double best_coverage = std::numeric_limits<double>::infinity();
  int depth = std::max(a.ofm_ublock_d, std::min(space.d, kSplitDepth));
  if (depth < ofm.d) depth = int(round_up(depth, kSplitDepth));

  while (depth <= space.d) {
    std::map<std::pair<int, int>, bool> wont_fit;
    for (int height = a.ofm_ublock_h; height <= space.h; height += a.ofm_ublock_h) {
      for (int width = a.ofm_ublock_w; width <= space.w; width += a.ofm_ublock_w) {
        // Vela stores the transposed key (width, height) but looks up (height, width).
        if (wont_fit.count({height, width})) continue;
        Shape ofm_block{height, width, depth};
        Shape ifm_block = ifm_blocksize(a, ofm_block, k);
        if (!equal_depth) ifm_block.d = ifm_blockdepth;
        // fit_block_for_ofm: the 256/512 Conv1D optimisation.
        if (ofm.h == 1 && k.h == 1 && a.ofm_ublock_h == 2) ofm_block.h = std::min(ofm_block.h, ofm.h);
        if (block_fits(a, elementwise, ofm_block, ifm_block, ifm_bits, ifm_granule, acc_bits, acc_granule,
                       lut_banks)) {
          Shape full_blocks = div_up(ofm, ofm_block);
          double blocks_h = double(ofm.h) / ofm_block.h, blocks_w = double(ofm.w) / ofm_block.w;
          double blocks_d = double(ofm.d) / ofm_block.d;
          // Weights fetching
          double weight_fetch = double(weight_fetch_wh * ifm.d * full_blocks.elements_wh());
          if (!is_depthwise) weight_fetch *= ofm_block.d * blocks_d;
          // IFM fetching
          double ifm_fetch = double(ifm_block.elements_wh() * ifm.d * ifm_repeats) * (blocks_w * blocks_h);
          if (!equal_depth) ifm_fetch *= full_blocks.d;
          double cost;
          if (elementwise) {
            cost = std::max(double(ofm.elements()) / double(std::int64_t(height) * width * depth), 1.0);
          } else {
            cost = (ifm_fetch + weight_fetch) / double(ofm.elements());
          }
          // Bias towards configurations whose IFM fits both buffers
          if (ifm.elements() < ifm_block.elements() * 2) cost /= 2;
          if (cost <= best_cost) {
            bool choose = false;
            if (cost == best_cost) {
              Shape cov = min(ifm, ifm_block);
              double coverage = double(ifm.elements_wh()) / double(cov.elements_wh());
              if (coverage <= best_coverage && height <= 4 && width <= 4) {
                best_coverage = coverage;
                choose = true;
              }
            } else {
              best_coverage = std::numeric_limits<double>::infinity();
              choose = true;
            }
            if (choose) {
              best_cost = cost;
              config.ifm_block = ifm_block;
              config.ofm_block = Shape{height, width, depth};
              config.found = true;
            }
          }
        } else {
          wont_fit[{width, height}] = true;
        }
      }
    }
    depth += a.ofm_ublock_d;
    if (depth < ofm.d) depth = int(round_up(depth, kSplitDepth));
  }
  return config;
}

// ---- per-op cycle model -------------------------------------------------------------------------------------
struct Query {
  BlockType type;
  Shape ifm, ofm;
  Format ifm_format, ofm_format;
  int ifm_bits, ofm_bits;
  bool ifm2;
  Kernel kernel;
  BlockConfig config;
  bool has_bias;
  int const_latency;  // read latency of the memory the scales/biases come from
  OpKind kind;
  bool relu;
};

// npu_performance.py, _estimate_memory_transfer_efficiency: bytes scaled by burst_length / achieved burst,
// the burst being what one block row (NHWC) or brick row (NHCWB16) gives.
double transfer_efficiency(const Accelerator& a, int mem_burst, bool is_read, Format format, int bits,
                           const Shape& block, const Shape& shape, double bytes) {
  double burst_bits = 8;
  if (format == Format::nhcwb16) {
    double stride_c = (bits * 16.0 * shape.w) / 8;  // strides[2]
    if (stride_c == block.d) {
      burst_bits = double(bits) * block.d * block.w;
    } else if (is_read) {
      burst_bits = 16.0 * bits * block.w;
    } else {
      burst_bits = 16.0 * bits * block.w * a.cores;
    }
  } else {
    double stride_z = bits / 8.0;  // strides[3], compared with the block depth as Vela does
    if (is_read) {
      burst_bits = stride_z == block.d ? double(bits) * block.d * block.w : double(bits) * block.d;
    } else if (block.d <= 16 && stride_z == block.d) {
      burst_bits = double(bits) * block.d * block.w;
    } else {
      burst_bits = std::min({64.0 * 8, 16.0 * bits * a.cores, double(block.d) * bits});
    }
  }
  double burst = std::floor(burst_bits / 8);
  burst = std::min(double(mem_burst), burst);
  return bytes * (double(mem_burst) / burst);
}

// npu_performance.py, _estimate_minimum_memory_cycles: latency plus transfer time of one IFM and one OFM
// block (SRAM feature maps).
std::pair<double, double> minimum_memory_cycles(const Accelerator& a, const Memory& m, const Query& q) {
  double ifm_bytes = double(min(q.ifm, q.config.ifm_block).elements());
  double ifm_cycles = m.sram_read_latency + transfer_efficiency(a, m.sram_burst, true, q.ifm_format, q.ifm_bits,
                                                                 q.config.ifm_block, q.ifm, ifm_bytes) /
                                                 m.sram_bytes_per_cycle;
  double ofm_bytes = double(min(q.ofm, q.config.ofm_block).elements());
  double ofm_cycles = m.sram_write_latency + transfer_efficiency(a, m.sram_burst, false, q.ofm_format, q.ofm_bits,
                                                                  q.config.ofm_block, q.ofm, ofm_bytes) /
                                                  m.sram_bytes_per_cycle;
  return {ifm_cycles, ofm_cycles};
}

bool is_elementwise_kind(OpKind kind) {
  return kind == OpKind::add || kind == OpKind::mul || kind == OpKind::sub || kind == OpKind::other_elementwise;
}

// npu_performance.py, _estimate_output_cycles_per_element.
double output_cycles_per_element(const Accelerator& a, const Memory& m, const Query& q) {
  int index;
  if (q.type == BlockType::elementwise && q.ifm_bits == 32) {
    index = q.ifm2 ? 0 : 1;  // Vela: 0 if ifm2_shape is not None else 1
  } else if (q.kind == OpKind::mul && q.ofm_bits == 32) {
    index = 2;
  } else if (q.kind == OpKind::mul || (q.type != BlockType::elementwise && q.config.acc40)) {
    index = 3;
  } else if (q.kind == OpKind::add || q.kind == OpKind::sub) {
    index = 5;  // "advanced" add/sub
  } else if (q.kind == OpKind::pool_max) {
    index = 6;
  } else {
    index = 7;
  }
  double cycles = std::max(a.output_cycles_per_elem[index], a.activation_cycles_per_elem[q.relu ? 1 : 2]);
  if (is_elementwise_kind(q.kind)) {
    double elems = double(q.config.ofm_block.elements());
    auto [ifm_c, ofm_c] = minimum_memory_cycles(a, m, q);
    double cmd = (ifm_c + ofm_c + cycles * elems) / 4;  // per DPU
    cycles = std::max(cycles, cmd / elems);
  }
  return cycles;
}

struct ConvCycles {
  double total, dpu_blk, output_blk;
};

// npu_performance.py, _estimate_conv_cycles: DPU cycles per OFM block (micro-blocks x kernel steps, per
// sub-kernel, times IFM depth blocks for convolutions), output cycles per block, both floored by a quarter
// of the per-block command cost; the slower of the two pipelines the blocks.
ConvCycles conv_cycles(const Accelerator& a, const Memory& m, const Query& q) {
  Shape ifm_block = min(q.ifm, q.config.ifm_block);
  Shape ofm_block = min(q.ofm, q.config.ofm_block);
  int ub_w = a.ofm_ublock_w, ub_h = a.ofm_ublock_h, ub_d = a.ofm_ublock_d;
  if (a.ofm_ublock_h == 2 &&
      (q.type == BlockType::conv || q.type == BlockType::depthwise || q.type == BlockType::vector_product) &&
      q.ofm.h == 1 && q.ofm.w % 2 == 0 && q.kernel.h == 1) {
    ub_w = 4, ub_h = 1;  // 1D optimisation: 1x4 micro-blocks
    ofm_block.h = 1;
  }
  const std::int64_t ublk_x = div_up(ofm_block.w, ub_w), ublk_y = div_up(ofm_block.h, ub_h);
  const std::int64_t ublk_xy = ublk_x * ublk_y, ublk_z = div_up(ofm_block.d, ub_d);
  const bool acc40 = q.config.acc40;
  const int limit = q.type == BlockType::vector_product ? 1 : 8;  // sub_kernel_limits
  // Every sub-kernel of at most limit x limit taps, each distinct size once with its count.
  const auto sub_x = pieces(q.kernel.w, limit), sub_y = pieces(q.kernel.h, limit);

  double dpu_blk = 0;
  const std::int64_t cycles_wb = 32 * ub_d / 8;
  for (const auto& [y, count_y] : sub_y) {
    for (const auto& [x, count_x] : sub_x) {
      const std::int64_t elems = std::int64_t(x) * y;
      std::int64_t steps = 0, cycles = 0;
      if (q.type == BlockType::pooling) {
        steps = 1;
        cycles = std::max<std::int64_t>(4, elems) * ublk_xy * ublk_z;
        if (q.ifm_bits == 16 && a.macs != 32) cycles *= 2;
      } else if (q.type == BlockType::depthwise) {
        cycles = 4 * ublk_xy;
        if (q.ifm_bits == 16) cycles *= 2;
        steps = div_up(elems, 4);
        cycles = std::max(cycles_wb, cycles) * steps * ublk_z;
      } else if ((q.type == BlockType::conv && !q.config.is_partkernel) || q.type == BlockType::vector_product) {
        steps = elems;
        cycles = std::max(cycles_wb, 4 * ublk_xy) * steps * ublk_z;
      } else {
        const int divider = q.ifm_bits == 16 ? 2 : 4;
        steps = div_up(elems, divider);
        cycles = std::max(cycles_wb, 4 * ublk_xy) * (steps * div_up(ifm_block.d, 8) * ublk_z);
      }
      std::int64_t delay_cycles = 0;
      if (a.macs == 32) {
        const std::int64_t delay = acc40 ? 7 : 3;
        if (ublk_x == 1 && ublk_y == 1) {
          if (ublk_z == 1) {
            delay_cycles = delay * steps;
          } else if (steps > 1) {
            delay_cycles = delay * (steps - 1) * ublk_z;
          }
        }
        if ((ublk_x == 1 || ublk_y == 1) && ublk_z > 1 && acc40) delay_cycles += delay * ublk_z;
      } else {
        const std::int64_t delay = (acc40 && (a.macs == 64 || a.macs == 128)) ? 3 : 2;
        if (ublk_x == 1 && ublk_y == 1) {
          if (ublk_z == 1) {
            delay_cycles = delay * steps;
          } else if (steps > 1) {
            delay_cycles = delay * (steps - 1) * ublk_z;
          }
        }
      }
      if (q.type == BlockType::conv && q.config.is_partkernel) delay_cycles *= div_up(ifm_block.d, 8);
      dpu_blk += double(cycles + delay_cycles) * double(count_x * count_y);
    }
  }
  if (q.type == BlockType::conv || q.type == BlockType::vector_product) dpu_blk *= double(div_up(q.ifm.d, ifm_block.d));
  dpu_blk /= a.cores;

  const double num_ofm_blks = double(div_up(q.ofm, ofm_block).elements());
  double output_blk = std::ceil(output_cycles_per_element(a, m, q) * double(ofm_block.elements()));
  if (q.has_bias) output_blk = std::max(output_blk, 10.0 * ofm_block.d * q.const_latency / 256);  // scale & bias

  auto [ifm_c, ofm_c] = minimum_memory_cycles(a, m, q);
  const double cmd = (ifm_c + ofm_c + output_blk + dpu_blk) / 4;  // per DPU
  dpu_blk = std::max(dpu_blk, cmd);
  output_blk = std::max(output_blk, cmd);
  double total = dpu_blk > output_blk ? dpu_blk * num_ofm_blks + output_blk : output_blk * num_ofm_blks + dpu_blk;
  return {total, dpu_blk, output_blk};
}

// npu_performance.py, measure_cycle_cost (op_cycles is truncated to an int as Vela does).
ConvCycles cycle_cost(const Accelerator& a, const Memory& m, const Query& q) {
  if (q.type != BlockType::elementwise) {
    ConvCycles c = conv_cycles(a, m, q);
    c.total = std::floor(c.total);
    return c;
  }
  Shape rounding{1, 1, q.ofm_format == Format::nhcwb16 ? 16 : 1};  // storage_rounding_quantums
  double cycles = std::ceil(output_cycles_per_element(a, m, q) * double(round_up(q.ofm, rounding).elements()));
  return {cycles, 0, 0};
}

// npu_performance.py, measure_element_access: IFM elements read (one IFM block per OFM block, full IFM
// depth for depthwise/pooling, per sub-kernel), OFM elements written, weights fetched per OFM block.
struct Access {
  double ifm_read = 0, ifm2_read = 0, ofm_write = 0, weight_read = 0, scale_read = 0;
};

Access element_access(const Accelerator& /*a*/, const Query& q) {
  Access acc;
  Shape ifm_block = min(q.ifm, q.config.ifm_block);
  Shape ofm_block = min(q.ofm, q.config.ofm_block);
  Shape ifm_rounding{1, 1, q.ifm_format == Format::nhcwb16 ? 16 : 1};
  Shape ofm_blocks = div_up(q.ofm, ofm_block);
  int ofm_block_depth = ofm_block.d;
  if (q.type == BlockType::depthwise || q.type == BlockType::pooling) {
    ofm_blocks.d = 1;
    ofm_block_depth = q.ifm.d;
  }
  if (q.type != BlockType::elementwise) {
    const int limit = q.type == BlockType::vector_product ? 1 : 8;
    const std::int64_t subkernels = div_up(q.kernel.w, limit) * div_up(q.kernel.h, limit);
    const std::int64_t blocks = ofm_blocks.elements();
    const std::int64_t ifm_fetch = round_up(ifm_block, ifm_rounding).elements_wh() * round_up(q.ifm, ifm_rounding).d;
    const std::int64_t kernel_read = (q.type == BlockType::depthwise || q.type == BlockType::pooling)
                                         ? q.kernel.elements_wh()
                                         : std::int64_t(q.kernel.elements_wh()) * q.ifm.d;
    acc.ifm_read = double(ifm_fetch * subkernels * blocks);
    if (q.type != BlockType::pooling) {
      acc.weight_read = double(kernel_read * ofm_block_depth * blocks);
      acc.scale_read = q.ofm.d;
    }
  } else {
    acc.ifm_read = double(round_up(q.ofm, ifm_rounding).elements());
    if (q.ifm2) acc.ifm2_read = acc.ifm_read;
  }
  Shape ofm_rounding{1, 1, q.ofm_format == Format::nhcwb16 ? 16 : 1};
  acc.ofm_write = double(round_up(q.ofm, ofm_rounding).elements());
  return acc;
}

// ---- weights -------------------------------------------------------------------------------------------------
// weight_compressor.py, encode_weight_and_scale_tensor: the traversal the encoder uses (note >=, where the
// block config's _choose_kernel_method uses >).
bool encoder_partkernel(const Op& op) {
  if (op.kind != OpKind::conv2d) return false;
  const int ifm_depth = op.ifm_c;
  const int kernel_size = op.kernel_h * op.kernel_w;
  double depth_util = double(ifm_depth) / double(round_up(ifm_depth, op.ifm_bits == 8 ? 32 : 16));
  double part_util = (double(ifm_depth) / double(round_up(ifm_depth, 8))) *
                     (double(kernel_size) / double(round_up(kernel_size, op.ifm_bits == 8 ? 4 : 2)));
  return part_util >= depth_util || ifm_depth <= 8;
}

// mlw_codec/mlw_encode.c, reorder: how many weights (real and zero padding) the reordered stream of one
// depth slice holds: OFM blocks x IFM blocks (32 deep depth-first, 16 part-kernel, padded) x sub-kernels
// (elements padded to 4 for part-kernel and depthwise) x micro-blocks.
std::pair<std::int64_t, std::int64_t> reordered_weights(const Accelerator& a, const Op& op, int slice_depth,
                                                        int ofm_block_depth, bool partkernel) {
  const bool dw = op.kind == OpKind::depthwise;
  const int ifm_depth = dw ? 1 : op.ifm_c;
  const int iud = a.ifm_ublock_d, oud = a.ofm_ublock_d;
  const int ibd = (partkernel || op.ifm_bits == 16) ? 16 : 32;
  const int decomp_h = kSubKernelMax / op.dilation_h, decomp_w = kSubKernelMax / op.dilation_w;
  // The encoder's loops over OFM blocks (oz), IFM blocks (iz) and sub-kernels (sy, sx) add
  // ofm micro-blocks(oz) x IFM micro-blocks(iz) x elements(sub-kernel) x oud x (iud unless
  // depthwise): a product of three independent sums, each over pieces() of its loop.
  std::int64_t ofm_ublks = 0;  // sum over oz of div_up(cobd, oud)
  for (const auto& [cobd, count] : pieces(slice_depth, ofm_block_depth)) ofm_ublks += div_up(cobd, oud) * count;
  std::int64_t ifm_ublks = 0;  // sum over iz of div_up(cibd, iud): outer x inner, one of them 1
  if (dw) {
    ifm_ublks = div_up(iud, iud);
  } else if (partkernel) {
    for (const auto& [cibd, count] : pieces(ifm_depth, ibd)) ifm_ublks += div_up(cibd, iud) * count;
  } else {
    ifm_ublks = div_up(ibd, iud) * div_up(ifm_depth, ibd);  // cibd = ibd on every iz
  }
  std::int64_t elements = 0;  // sum over the sub-kernels of their (padded) elements
  for (const auto& [sub_h, count_h] : pieces(op.kernel_h, decomp_h))
    for (const auto& [sub_w, count_w] : pieces(op.kernel_w, decomp_w)) {
      std::int64_t elems = std::int64_t(sub_w) * sub_h;
      if (partkernel) {
        elems = round_up(elems, op.ifm_bits == 16 ? 2 : 4);
      } else if (dw) {
        elems = round_up(elems, 4);
      }
      elements += elems * count_h * count_w;
    }
  const std::int64_t count = ofm_ublks * ifm_ublks * elements * oud * (dw ? 1 : iud);
  const std::int64_t real = std::int64_t(slice_depth) * op.kernel_h * op.kernel_w * (dw ? 1 : op.ifm_c);
  return {real, count - real};
}

struct Encoded {
  std::vector<double> range_bytes;  // per depth slice: 16-aligned scales + 16-aligned weight stream
  double total = 0;
  double first_range = 0;  // WeightRange.total_bytes of the first slice (scale_bytes + weight_bytes)
  std::array<double, 2> double_buffer_sizes{0, 0};
};

// weight_compressor.py, encode_weight_and_scale_tensor: per depth slice 10 bytes of bias/scale per OFM channel
// (aligned to 16) then the compressed weight stream (aligned to 16). The stream size is modelled as
// bytes_per_weight x real weights + bytes_per_pad x padding zeros (random int8 weights barely compress).
Encoded encode_weights(const Accelerator& a, const Op& op, int ofm_block_depth, const std::vector<int>& slices) {
  Encoded e;
  const bool partkernel = encoder_partkernel(op);
  for (std::size_t i = 0; i + 1 < slices.size(); ++i) {
    const int len = slices[i + 1] - slices[i];
    const double scale_bytes = 10.0 * len;
    auto [real, pad] = reordered_weights(a, op, len, ofm_block_depth, partkernel);
    double wbytes = double(round_up(std::int64_t(std::ceil(op.weight_bytes_per_weight * double(real) +
                                                           op.weight_bytes_per_pad * double(pad))),
                                    16));
    const double bytes = double(round_up(std::int64_t(scale_bytes), 16)) + wbytes;
    e.range_bytes.push_back(bytes);
    if (i == 0) e.first_range = scale_bytes + wbytes;
    e.total += bytes;
    e.double_buffer_sizes[i % 2] = std::max(e.double_buffer_sizes[i % 2], bytes);
  }
  return e;
}

// npu_performance.py, measure_mem2mem_cycles: flash -> SRAM DMA, the slower of reading (plus latency) and writing.
double mem2mem_cycles(const Memory& m, double bytes) {
  double from = std::floor(bytes / m.flash_bytes_per_cycle) + m.flash_read_latency;
  double to = std::floor(bytes / m.sram_bytes_per_cycle);
  return std::max(from, to);
}

Query make_query(const Op& op, const BlockConfig& config, int const_latency, int ofm_depth) {
  Query q;
  q.type = block_type(op.kind);
  q.ifm = {op.ifm_h, op.ifm_w, op.ifm_c};
  q.ofm = {op.ofm_h, op.ofm_w, ofm_depth};
  q.ifm_format = op.ifm_format;
  q.ofm_format = op.ofm_format;
  q.ifm_bits = op.ifm_bits;
  q.ofm_bits = op.ofm_bits;
  q.ifm2 = op.ifm2;
  q.kernel = kernel_of(op);
  q.config = config;
  q.has_bias = op.has_bias && (op.kind == OpKind::conv2d || op.kind == OpKind::depthwise ||
                               op.kind == OpKind::fully_connected);
  q.const_latency = const_latency;
  q.kind = op.kind;
  q.relu = op.fused_activation;
  return q;
}

bool has_weights(const Op& op) {
  return op.kind == OpKind::conv2d || op.kind == OpKind::depthwise || op.kind == OpKind::fully_connected;
}

// One op of the chain, given the slack (cycles) the previous op leaves for prefetching this op's weights.
Estimate estimate_one(const Accelerator& a, const Memory& m, const Op& op, double slack) {
  Estimate est;
  const BlockType type = block_type(op.kind);
  const Shape ifm{op.ifm_h, op.ifm_w, op.ifm_c}, ofm{op.ofm_h, op.ofm_w, op.ofm_c};
  const BlockConfig config = find_block_config(a, type, ofm, ifm, op.ifm2 ? &ifm : nullptr, op.ifm_bits, kernel_of(op));
  est.block_h = config.ofm_block.h;
  est.block_w = config.ofm_block.w;
  est.block_ifm_c = config.ifm_block.d;
  est.block_ofm_c = config.ofm_block.d;
  est.ifm_block_h = config.ifm_block.h;
  est.ifm_block_w = config.ifm_block.w;
  est.traversal = type == BlockType::conv && config.is_partkernel ? "part-kernel-first" : "depth-first";

  // scheduler.py, weights_needs_dma / propose_weight_buffering: weights in flash are DMA'd into SRAM buffers
  // (fully connected weights are read in place).
  const bool weights = has_weights(op);
  const bool buffered = weights && m.weights_in_flash && op.kind != OpKind::fully_connected;
  // The scales/biases come from the SRAM buffer when buffered (scheduler.py, estimate_op_performance uses
  // fast storage; npu_performance.py, estimate_full_op_performance the buffer's memory).
  const int const_latency = (buffered || !m.weights_in_flash) ? m.sram_read_latency : m.flash_read_latency;

  const Query q = make_query(op, config, const_latency, op.ofm_c);
  const ConvCycles cc = cycle_cost(a, m, q);
  est.mac_cycles = cc.dpu_blk;
  est.output_cycles = cc.output_blk;
  est.op_cycles = cc.total;
  est.npu_cycles = cc.total;
  est.slack_buffering_cycles = cc.total;  // scheduler.py, propose_operator_buffering
  est.weight_buffering = "none";

  if (weights) {
    const int block_depth = config.ofm_block.d;
    std::vector<int> slices{0, op.ofm_c};
    Encoded full = encode_weights(a, op, block_depth, slices);
    est.weight_bytes_encoded = full.total;
    if (buffered) {
      // scheduler.py, propose_weight_buffering (non-cascaded op, unlimited SRAM).
      const double full_transfer = mem2mem_cycles(m, full.total);
      est.weight_dma_cycles = full_transfer;
      double prebuffer_bytes = full_transfer > slack ? (slack / full_transfer) * full.total : full.total;
      const double prebuffer_ratio = prebuffer_bytes / full.total;
      Encoded enc = full;
      if (prebuffer_bytes < full.total) {
        // Split the weights into depth slices: a prebuffer slice fetched under the previous op, then slices
        // sized so that each fetch hides under the computation of the one before.
        int prebuffer_depth = int(std::max(16.0, round_down_f(op.ofm_c * prebuffer_ratio, kSplitDepth)));
        const double pre_op_cycles =
            cycle_cost(a, m, make_query(op, config, m.sram_read_latency, prebuffer_depth)).total;
        double buffering_depth = op.ofm_c * (pre_op_cycles / full_transfer);
        buffering_depth = round_up_f(buffering_depth, block_depth);
        if (buffering_depth > block_depth) {
          buffering_depth = round_down_f(buffering_depth, block_depth);
        } else {
          buffering_depth = round_down_f(buffering_depth, kSplitDepth);
        }
        const int step = int(std::max(buffering_depth, double(kSplitDepth)));
        slices = {0};
        if (prebuffer_depth < op.ofm_c) {
          for (int d = prebuffer_depth; d < op.ofm_c; d += step) slices.push_back(d);
        }
        slices.push_back(op.ofm_c);
        enc = encode_weights(a, op, block_depth, slices);
        const int tail = slices[slices.size() - 1] - slices[slices.size() - 2];
        est.slack_buffering_cycles = cycle_cost(a, m, make_query(op, config, m.sram_read_latency, tail)).total;
      }
      est.depth_slices = slices;
      est.weight_bytes_encoded = enc.total;
      // Double buffering when one buffer cannot hold all slices.
      const double max_range = std::max(enc.double_buffer_sizes[0], enc.double_buffer_sizes[1]);
      const double weight_buffer_size = std::min(enc.total, max_range);
      const bool double_buffer = weight_buffer_size < enc.total;
      // npu_performance.py, estimate_full_op_performance: the first slice's DMA, partly hidden under the
      // previous op's slack.
      const double first = mem2mem_cycles(m, double(round_up(std::int64_t(enc.first_range), 16)));
      if (double_buffer) {
        est.weight_buffering = "double";
        est.npu_cycles = std::max(full_transfer - slack + est.slack_buffering_cycles,
                                  est.op_cycles + std::max(first - slack, 0.0));
      } else {
        est.weight_buffering = "standard";
        est.npu_cycles = est.op_cycles + full_transfer - std::min(first, slack);
      }
    } else {
      est.depth_slices = slices;
    }
  }
  est.weight_dma_exposed = est.npu_cycles - est.op_cycles;

  // npu_performance.py, estimate_full_op_performance + update_summary_cycles: burst-scaled SRAM bytes of
  // the OFM writes and IFM reads over the SRAM bandwidth.
  const Access acc = element_access(a, q);
  double sram = transfer_efficiency(a, m.sram_burst, false, op.ofm_format, op.ofm_bits, config.ofm_block, ofm,
                                    acc.ofm_write * op.ofm_bits / 8);
  sram += transfer_efficiency(a, m.sram_burst, true, op.ifm_format, op.ifm_bits, config.ifm_block, ifm,
                              acc.ifm_read * op.ifm_bits / 8);
  if (op.ifm2) {
    sram += transfer_efficiency(a, m.sram_burst, true, op.ifm_format, op.ifm_bits, config.ifm_block, ifm,
                                acc.ifm2_read * op.ifm_bits / 8);
  }
  double flash = 0;
  if (weights && !buffered) {
    // Weights read in place: weight fetches scaled by the encoded/original size ratio, plus scales.
    const double orig = double(op.ofm_c) * op.kernel_h * op.kernel_w * (op.kind == OpKind::depthwise ? 1 : op.ifm_c);
    const double ratio = (est.weight_bytes_encoded - acc.scale_read * 10) / orig;
    const double bytes = acc.weight_read * ratio + acc.scale_read * 10;
    if (m.weights_in_flash) {
      flash += bytes;
    } else {
      sram += bytes;
    }
  }
  est.sram_bytes = sram;
  est.sram_access_cycles = sram / m.sram_bytes_per_cycle;
  est.flash_access_cycles = flash / m.flash_bytes_per_cycle;
  est.total_cycles = std::max({est.npu_cycles, est.sram_access_cycles, est.flash_access_cycles});
  return est;
}

}  // namespace

// graph_optimiser_util.py, needed_total_padding.
static int needed_total_padding(int input_size, int stride, int filter_size) {
  if (input_size % stride == 0) return std::max(filter_size - stride, 0);
  return std::max(filter_size - (input_size % stride), 0);
}

Op fixup_strided_conv(const Op& op) {
  if (op.kind != OpKind::conv2d || op.stride_w < 2) return op;
  // The padding type: VALID (no pads), SAME (TFLite's pads, extra at the end), else EXPLICIT (left alone).
  auto same = [](int size, int k, int s, int d) {
    int total = std::max((int(div_up(size, s)) - 1) * s + (k - 1) * d + 1 - size, 0);
    return std::pair<int, int>{total / 2, total - total / 2};
  };
  const bool valid = op.pad_top == 0 && op.pad_bottom == 0 && op.pad_left == 0 && op.pad_right == 0;
  const bool is_same =
      same(op.ifm_h, op.kernel_h, op.stride_h, op.dilation_h) == std::pair{op.pad_top, op.pad_bottom} &&
      same(op.ifm_w, op.kernel_w, op.stride_w, op.dilation_w) == std::pair{op.pad_left, op.pad_right};
  if (!valid && !is_same) return op;
  // utils.py, calc_resize_factor
  const int stride_x = op.stride_w;
  int resize = stride_x;
  if (op.ifm_w % resize != 0) {
    int next = 1;
    for (int s : {2, 3}) {
      if (resize % s == 0 && op.ifm_w % (stride_x / s) == 0) {
        next = s;
        break;
      }
    }
    const int new_resize = resize / next;
    resize = new_resize != resize ? new_resize : 1;
  }
  const int final_stride = stride_x / resize;
  if (!((op.ifm_c * resize <= 8 || stride_x > 3) && resize != 1)) return op;
  const int k_w = op.kernel_w;
  const int curr_padding_x = needed_total_padding(op.ifm_w, stride_x, k_w);
  // calc_filter_padding: zero columns added to the filter so that the padding is unchanged.
  int padding_size = 0, left = 0, right = 0;
  if (!valid) {
    const int pre_stride = final_stride * resize;
    const int expected = op.ifm_w % pre_stride == 0 ? curr_padding_x + final_stride
                                                    : curr_padding_x + ((op.ifm_w / resize) % final_stride);
    padding_size = expected * resize - k_w;
    left = curr_padding_x == 0 ? padding_size / 2 : padding_size / curr_padding_x * (curr_padding_x / 2);
    right = padding_size - left;
  }
  if (k_w % resize != 0 && (padding_size == 0 || curr_padding_x == 0)) {
    left = 0;
    right = resize - (k_w % resize);
  }
  const int total = left + right;
  if (!valid && curr_padding_x != needed_total_padding(op.ifm_w / resize, final_stride, (k_w + 1 + total) / resize)) {
    return op;
  }
  Op out = op;
  out.ifm_w = op.ifm_w / resize;
  out.ifm_c = op.ifm_c * resize;
  out.kernel_w = (k_w + total) / resize;
  out.stride_w = final_stride;
  return out;
}

Estimate estimate(const Accelerator& a, const Memory& m, const Op& op) {
  return estimate_one(a, m, fixup_strided_conv(op), 0);
}

// npu_performance.py, calc_new_performance_for_network / estimate_full_op_performance: each op's weight DMA
// may hide under the previous op's slack_buffering_cycles (scheduler.py, propose_schedule_buffering).
std::vector<Estimate> estimate_chain(const Accelerator& a, const Memory& m, const std::vector<Op>& ops) {
  std::vector<Estimate> out;
  double slack = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    out.push_back(estimate_one(a, m, i == 0 ? fixup_strided_conv(ops[i]) : ops[i], slack));
    slack = out.back().slack_buffering_cycles;
  }
  return out;
}

}  // namespace convroof::vela
