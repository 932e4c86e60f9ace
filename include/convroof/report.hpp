// Renderers: each takes the immutable AnalysisResult and writes one format to a stream.
// Table and JSON read the same LayerCost records, so they cannot disagree.
// clang-format off
// Table (excerpt of `convroof analyze mobilenet_v1 --hw orin`):
//    #  layer       kind      output          MACs    FLOPs     bytes  FLOP/B  roof                     T_mem     T_comp         L         T  bound
//    0  conv1       standard  1x112x112x32  10.84 M  21.68 M  552.8 KB   39.21  tensor 85.00 TFLOP/s  2.699 us  255.0 ns  10.00 us  12.95 us  overhead
//   …
//   Summary: mobilenet_v1 takes 1.026 ms (Iron Law, T = T_mem + T_comp + L = …): overhead-bound, …
// clang-format on
// JSON: the contract of DESIGN §6 (`schema: convroof.report/1`), see docs/report.md.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "convroof/cost.hpp"

namespace convroof {

std::string_view version();

void render_table(const AnalysisResult& result, std::ostream& out);
void render_json(const AnalysisResult& result, std::ostream& out);
// CSV: a header row, then one row per layer and a final `total` row (docs/report.md).
void render_csv(const AnalysisResult& result, std::ostream& out);
// Markdown for a PR comment: summary, then the layer table in GitHub-flavoured Markdown.
void render_markdown(const AnalysisResult& result, std::ostream& out);

}  // namespace convroof
