// Markdown renderers (GitHub-flavoured, for a PR comment): a heading, a short summary in
// bullets, then pipe tables in human units with the same columns and cells as the text
// table (human_parts.hpp), numbers right-aligned. Free text (names, reasons, notes) is
// escaped so a `|` cannot split a cell and a `*` or `<` cannot turn into markup. A layer
// table longer than kCollapseAbove rows is folded into <details> to keep the comment short.
//
// `convroof analyze blog_dwsep --hw v100 --format md`:
//   ### convroof: blog_dwsep on v100
//
//   - **Time:** 83.96 us (Iron Law, T = T_mem + T_comp + L = 57.13 us + 16.84 us + 10.00 us): memory-bound, …
//   - **Work:** 879.9 M MACs, 1.760 G FLOPs, 51.42 MB moved, 34.23 FLOP/B; 20.96 TFLOP/s attained
//   …
//   | # | layer | kind | output | MACs | FLOPs | bytes | FLOP/B | roof | T_mem | T_comp | L | T | bound |
//   |---:|:---|:---|:---|---:|---:|---:|---:|:---|---:|---:|---:|---:|:---|
//   | 0 | depthwise | depthwise | 1x224x224x128 | 57.80 M | 115.6 M | 25.69 MB | 4.500 | cuda 31.40 TFLOP/s | … |
//
// `convroof compare blog_conv --hw v100,orin --format md`:
//   ### convroof compare: blog_conv
//   …
//   #### [1] conv (3x3 s1, 128->128, 224x224): standard -> depthwise-separable
//
//   | hardware | prec | MACs | bytes | time | before | after |
//   |:---|:---|---:|---:|---:|:---|:---|
//   | v100 | fp16 | 8.41x | 0.505x | 1.81x | 152.3 us compute | 83.96 us memory |
//   | orin | int8 | 8.41x | 0.505x | 1.41x | 247.5 us compute | 175.8 us memory |
//
//   - **v100:** FLOPs drop 8.41x, time drops 1.81x, because …
#include <fmt/format.h>

#include <cctype>

#include "convroof/compare.hpp"
#include "convroof/report.hpp"
#include "convroof/units.hpp"
#include "human_parts.hpp"

namespace convroof {

namespace {

// Layer tables with more rows than this are folded into <details>.
constexpr std::size_t kCollapseAbove = 40;

// Text as literal Markdown: backslash-escapes `|` (it would end a table cell) and the
// characters that would start markup: `\ * ` [ ]`, `_` at a word's edge (inside a word GFM
// never reads it as emphasis, so `mobilenet_v1` keeps its spelling) and `<` before what
// could be an HTML tag. A line break becomes a space: it would end the table row.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto word_char_at = [&](std::size_t i) {
    return i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    bool special = c == '\\' || c == '|' || c == '*' || c == '`' || c == '[' || c == ']';
    if (c == '_') special = !(i > 0 && word_char_at(i - 1) && word_char_at(i + 1));
    if (c == '<')
      special = i + 1 < text.size() && (std::isalpha(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '/' ||
                                        text[i + 1] == '!' || text[i + 1] == '?');
    if (special) out += '\\';
    out += c;
  }
  return out;
}

template <typename Cells>
void write_row(const Cells& cells, std::ostream& out) {
  out << '|';
  for (const auto& cell : cells) out << ' ' << cell << " |";
  out << '\n';
}

// The delimiter row: `:---` for text, `---:` for numbers.
template <typename IsLeft>
void write_alignment(std::size_t columns, IsLeft is_left, std::ostream& out) {
  out << '|';
  for (std::size_t c = 0; c < columns; ++c) out << (is_left(c) ? ":---|" : "---:|");
  out << '\n';
}

void layer_table(const AnalysisResult& result, std::ostream& out) {
  const auto& columns = human::kLayerColumns;
  human::LayerRow header;
  for (std::size_t c = 0; c < columns.size(); ++c) header[c] = escape(columns[c].title);
  write_row(header, out);
  write_alignment(
      header.size(), [&](std::size_t c) { return columns[c].left_aligned; }, out);
  for (const auto& layer : result.layers) {
    human::LayerRow row = human::layer_row(layer, result.options.time_model);
    for (auto& cell : row) cell = escape(cell);
    write_row(row, out);
  }
  human::LayerRow total = human::total_row(result.totals, result.options.time_model);
  for (auto& cell : total) cell = escape(cell);
  total[1] = "**" + total[1] + "**";
  write_row(total, out);
}

}  // namespace

void render_markdown(const AnalysisResult& result, std::ostream& out) {
  const HardwareSpec& hw = result.hardware;
  const Options& options = result.options;
  const Totals& totals = result.totals;
  out << fmt::format("### convroof: {} on {}\n\n", escape(result.model_name), escape(hw.id));

  out << fmt::format("- **Time:** {}\n", escape(human::time_summary(totals, options.time_model)));
  out << fmt::format("- **Work:** {} MACs, {} FLOPs, {} moved, {} FLOP/B; {} attained\n",
                     format_count(static_cast<double>(totals.macs)), format_count(static_cast<double>(totals.flops)),
                     format_bytes(static_cast<double>(totals.bytes.total())), format_number(totals.intensity),
                     format_rate(totals.attainable_flops_per_s));
  out << fmt::format("- **Memory:** {}\n", escape(human::memory_summary(totals)));
  UnitChoice main_unit = hw.unit_for(OpClass::standard, options.precision);
  const MemoryLevel& activations = hw.activation_level();
  out << fmt::format("- **Hardware:** {} ({}), peak {} ({}), {} {}, L {}\n", escape(hw.name), escape(hw.origin),
                     format_rate(main_unit.peak_flops_per_s), escape(main_unit.unit->name), escape(activations.name),
                     format_bandwidth(*activations.bandwidth_bytes_per_s), format_time(options.runtime.kernel_launch_s(hw)));
  out << fmt::format("- **Options:** {}\n", escape(human::options_text(options)));
  for (const auto& assignment : options.overrides) out << fmt::format("- **What-if:** `--set {}`\n", assignment);
  out << '\n';

  const bool collapse = result.layers.size() > kCollapseAbove;
  if (collapse) out << fmt::format("<details><summary>{} layers</summary>\n\n", result.layers.size());
  layer_table(result, out);
  if (collapse) out << "\n</details>\n";

  std::vector<std::string> notes;
  if (human::fuses_any(options)) notes.push_back(fmt::format("Fusion: {}.", human::kFusionNote));
  for (const auto& note : result.notes) notes.push_back(note);
  if (!notes.empty()) {
    out << "\n**Notes**\n\n";
    for (const auto& note : notes) out << "- " << escape(note) << '\n';
  }
}

void render_compare_markdown(const Comparison& comparison, std::ostream& out) {
  out << fmt::format("### convroof compare: {}\n\n", escape(comparison.model_name));
  if (!comparison.targets.empty())
    out << escape(human::compare_options_text(comparison.targets)) << ".\n";
  if (comparison.pairs.empty()) {
    out << '\n' << escape(human::kNoPairs) << '\n';
    return;
  }
  out << fmt::format("\n#### {}\n\n", escape(human::kWholeModelTitle));
  write_row(human::kVerdictHeader, out);
  write_alignment(human::kVerdictHeader.size(), human::verdict_left_aligned, out);
  for (const auto& verdict : comparison.totals) {
    human::VerdictRow row = human::verdict_row(comparison, verdict);
    for (auto& cell : row) cell = escape(cell);
    write_row(row, out);
  }
  if (const auto flips = human::verdict_flips(comparison); !flips.empty()) {
    out << '\n';
    for (const auto& line : flips) out << "- " << escape(line) << ".\n";
  }
  for (std::size_t p = 0; p < comparison.pairs.size(); ++p) {
    const ConvPair& pair = comparison.pairs[p];
    out << fmt::format("\n#### [{}] {}: {}\n\n", p + 1, escape(pair.label),
                       escape(human::direction_text(pair.direction)));
    write_row(human::kCompareHeader, out);
    write_alignment(human::kCompareHeader.size(), human::compare_left_aligned, out);
    std::vector<std::string> reasons;
    for (const auto& block : comparison.blocks) {
      if (block.pair != p) continue;
      human::CompareRow row = human::compare_row(comparison, block);
      for (auto& cell : row) cell = escape(cell);
      write_row(row, out);
      reasons.push_back(fmt::format("- **{}:** {}.", row[0], escape(human::block_reasons(block))));
    }
    out << '\n';
    for (const auto& reason : reasons) out << reason << '\n';
  }
  if (const auto notes = human::compare_notes(comparison); !notes.empty()) {
    out << "\n**Notes**\n\n";
    for (const auto& note : notes) out << "- " << escape(note) << '\n';
  }
}

}  // namespace convroof
