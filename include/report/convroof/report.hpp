// The report layer's renderers: each takes a study's immutable result (engine records) and
// writes one format to a stream. They are declared, and defined, study by study: src/report/
// analyze.cpp, compare.cpp, explain.cpp, sweep.cpp, diff.cpp and validate.cpp each hold every
// format of their study, on the shared format primitives (json_writer, csv_writer,
// markdown_writer, html_writer, human_parts). The analyze renderers (table, JSON, CSV,
// Markdown, HTML) read the same LayerCost records, so they cannot disagree. Charts are in
// chart.hpp; reading and writing data files in io.hpp (src/report/io.cpp).
// clang-format off
// Table (excerpt of `convroof analyze mobilenet_v1 --hw orin`):
//    #  layer       kind      output          MACs    FLOPs     bytes  FLOP/B  roof                     T_mem     T_comp         L         T  bound
//    0  conv1       standard  1x112x112x32  10.84 M  21.68 M  552.8 KB   39.21  tensor 85.00 TFLOP/s  2.699 us  255.0 ns  10.00 us  12.95 us  overhead
//   …
//   Summary: mobilenet_v1 takes 1.026 ms (Iron Law, T = T_mem + T_comp + L = …): overhead-bound, …
// clang-format on
// JSON: the contract `convroof.report/1`, docs/report.md.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "convroof/compare.hpp"
#include "convroof/cost.hpp"
#include "convroof/diff.hpp"
#include "convroof/explain.hpp"
#include "convroof/sweep.hpp"
#include "convroof/validate.hpp"

namespace convroof {

std::string_view version();

// ---- format primitives (src/report/json_writer.cpp) ----

// A number as every JSON report writes it: the shortest decimal that reads back to `value`
// (std::to_chars), laid out as nlohmann's dump(): "0.1", "3.0", "123456789012.0", "1e+21",
// "1e-07"; "null" when not finite.
std::string json_number(double value);

// ---- analyze (src/report/analyze.cpp) ----

void render_table(const AnalysisResult& result, std::ostream& out);
void render_json(const AnalysisResult& result, std::ostream& out);
// CSV: a header row, then one row per layer and a final `total` row (docs/report.md).
void render_csv(const AnalysisResult& result, std::ostream& out);
// Markdown for a PR comment: summary, then the layer table in GitHub-flavoured Markdown.
void render_markdown(const AnalysisResult& result, std::ostream& out);

// The HTML report (`analyze --format html`): one self-contained page with no network
// access: the summary, a layer table that sorts on a click on any column header, the
// roofline SVG inline, and the model's standard vs depthwise-separable blocks on the same
// hardware. Inline CSS and one small inline script (the sort); the page reads fine without it.
void render_html(const AnalysisResult& result, const Comparison& comparison, std::ostream& out);
// Whether the weights and the peak activations fit the levels that hold them, in words (the
// table's Memory line): "weights 25.56 MB of flash's 2.097 MB: do NOT fit, 12.19x over; …".
std::string memory_fit_text(const Totals& totals);

// ---- compare (src/report/compare.cpp) ----

// `convroof compare --format html`: the whole-model verdict and every block on every hardware
// (the tables above as HTML, sortable), and the roofline with an arrow per block.
void render_compare_html(const Comparison& comparison, std::ostream& out);

// A block's ratios and why the time ratio is not the FLOP ratio, in one sentence: the time
// difference and its terms, largest first, each with its figures: "FLOPs rise 5.76x, time stays
// the same, because the separable form's time differs by -3.608 us: compute -307.2 us (50 %): …;
// memory +303.4 us (50 %): …, the dw->pw intermediate written to sram and read back (…)".
std::string because_text(const BlockComparison& block);
// The alternatives under which the verdict `winner` changes (sensitivity), with the flipped
// figure: "the winner flips under runtime none (standard 1.21x faster), …" ("the tie breaks
// under …" for a tie); empty when none changes it.
std::string flips_text(Winner winner, const std::vector<Alternative>& depends_on);
// A winner in words, speedup = T_standard / T_separable: "separable is 1.15x faster",
// "standard is 2.01x faster", or "both take the same time (within 0.5 %)".
std::string winner_text(Winner winner, double speedup);
// The whole-model verdict in words: "separable is 1.15x faster", "standard is 2.01x faster", or
// "both take the same time (within 0.5 %)", and "; the standard form does not fit" (or the
// separable, or "neither form fits") when the memory verdict says so.
std::string verdict_text(const ModelVerdict& verdict);

// Table (`convroof compare blog_conv --hw v100,orin`): per block, one row per hardware with
// the ratios and both verdicts, and the reason under it. JSON: `convroof.compare/1`
// (docs/report.md), each side a full per-layer record as in the analyze report.
void render_compare_table(const Comparison& comparison, std::ostream& out);
void render_compare_json(const Comparison& comparison, std::ostream& out);
// CSV: one row per block and hardware. Markdown: one table per block, reasons under it.
void render_compare_csv(const Comparison& comparison, std::ostream& out);
void render_compare_markdown(const Comparison& comparison, std::ostream& out);

// ---- explain (src/report/explain.cpp) ----

enum class ExplainFormat { text, markdown };
void render_explain(const Explanation& explanation, ExplainFormat format, std::ostream& out);
// `explain MODEL --block N`: the block's two forms side by side (counts, bytes, intensity with
// the fused pair's, the three terms, T and the verdict), why they differ (because_text), and
// what would change the winner: the other fusion choice and each alternative (depends_on).
void render_block_explain(const BlockExplanation& explanation, ExplainFormat format, std::ostream& out);

// ---- sweep (src/report/sweep.cpp; its chart in chart.hpp) ----

// CSV: hardware,parameter,value,form,macs,flops,bytes,time_s,attained_flops_per_s,bound.
void render_sweep_csv(const Sweep& sweep, std::ostream& out);
// JSON: convroof.sweep/1 (docs/report.md).
void render_sweep_json(const Sweep& sweep, std::ostream& out);
// Table: one row per value and hardware, both forms side by side with the time ratio.
void render_sweep_table(const Sweep& sweep, std::ostream& out);

// ---- diff (src/report/diff.cpp) ----

// `all_layers`: list every matched layer, not only the changed ones (table, Markdown).
// A failed check as the outputs print it: "total time +12.3 % > 5 % (1.000 ms -> 1.123 ms)",
// "layer 'fc' verdict flipped: memory -> compute".
std::string diff_failure_text(const DiffFailure& failure);
// "+12.3 %", "-4.00 %", "0 %", "+inf %": a relative change.
std::string format_relative(double relative);
// "12.49 us", "509.2 KB", "3.614 MFLOP": a metric's value.
std::string format_metric(DiffMetric metric, double value);
// "5 %", "0.5 %": a threshold (a fraction).
std::string format_threshold(double fraction);
void render_diff_table(const ReportDiff& diff, bool all_layers, std::ostream& out);
void render_diff_markdown(const ReportDiff& diff, bool all_layers, std::ostream& out);
void render_diff_json(const ReportDiff& diff, std::ostream& out);
// Two compare reports: per block and hardware the winner and T_standard / T_separable, OLD and
// NEW (`all`: every verdict, else the changed ones); JSON `convroof.compare-diff/1` (docs/report.md).
void render_compare_diff_table(const ComparisonDiff& diff, bool all, std::ostream& out);
void render_compare_diff_markdown(const ComparisonDiff& diff, bool all, std::ostream& out);
void render_compare_diff_json(const ComparisonDiff& diff, std::ostream& out);

// ---- validate and calibrate (src/report/validate.cpp) ----

// Table: one row per measurement (measured, predicted, error, verdict), the pairs' speedups
// and winners, and the summary. JSON: `convroof.validation/1` (docs/report.md).
void render_validation_table(const Validation& validation, const MeasurementSet& set, std::ostream& out);
void render_validation_json(const Validation& validation, const MeasurementSet& set, std::ostream& out);
// Table: the fitted parameters, then the error summaries and pair speedups before, after (in
// sample) and held out. JSON: `convroof.calibration/1` (docs/report.md).
void render_calibration_table(const Calibration& calibration, const MeasurementSet& set, std::ostream& out);
void render_calibration_json(const Calibration& calibration, const MeasurementSet& set, std::ostream& out);

}  // namespace convroof
