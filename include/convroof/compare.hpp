// Depthwise-separable vs standard, block by block: for every standard kxk convolution and
// every depthwise + pointwise pair of a model (find_pairs), both forms are analyzed on
// each hardware with the same options, and the ratios before/after are explained in one
// sentence: "FLOPs drop 8.4x, time drops 1.1x, because …".
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "convroof/cost.hpp"
#include "convroof/transform.hpp"

namespace convroof {

struct BlockComparison {
  std::size_t pair = 0;    // index into Comparison::pairs
  std::size_t target = 0;  // index into Comparison::targets
  AnalysisResult before, after;
  // before / after: > 1 means the replacement has less (a "drop"), < 1 more.
  double macs_ratio = 0, flops_ratio = 0, bytes_ratio = 0, time_ratio = 0;
  std::string because;  // why the time ratio differs from the FLOP ratio, with numbers
};

struct Comparison {
  std::string model_name;
  std::string model_source;
  std::vector<ConvPair> pairs;
  std::vector<Target> targets;
  std::vector<BlockComparison> blocks;  // pair-major: every target for pair 0, then pair 1, …
};

Comparison compare(const Model& model, const std::vector<Target>& targets);

// Table (`convroof compare blog_conv --hw v100,orin`): per block, one row per hardware with
// the ratios and both verdicts, and the reason under it. JSON: `convroof.compare/1`
// (docs/report.md), each side a full per-layer record as in the analyze report.
void render_compare_table(const Comparison& comparison, std::ostream& out);
void render_compare_json(const Comparison& comparison, std::ostream& out);
// CSV: one row per block and hardware. Markdown: one table per block, reasons under it.
void render_compare_csv(const Comparison& comparison, std::ostream& out);
void render_compare_markdown(const Comparison& comparison, std::ostream& out);

}  // namespace convroof
