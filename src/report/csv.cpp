// CSV renderers (RFC 4180: comma-separated, `\n` line ends, a header row; a field holding
// a comma, a quote or a line break is quoted with its quotes doubled). Values are in SI
// base units, raw: integers as integers, doubles in the shortest form that reads back to
// the same double (as the JSON writes them), so a CSV cell and the JSON field it mirrors
// parse to the same number. Columns are documented in docs/report.md.
//
// `convroof analyze blog_dwsep --hw v100 --format csv` (cells abbreviated):
//   index,name,op,kind,input_shape,output_shape,dtype,macs,flops,params,bytes_input,…,runs_in
//   0,depthwise,depthwise_conv2d,depthwise,1x224x224x128,1x224x224x128,fp16,57802752,…,depthwise
//   1,pointwise,conv2d,pointwise,1x224x224x128,1x224x224x128,fp16,822083584,…,pointwise
//   ,total,,,,,,879886336,1759772672,17536,…,,,,
//
// `convroof compare blog_conv --hw v100,orin --format csv`:
//   block,label,direction,hardware,precision,time_model,before,after,macs_before,…,because,fits_before,…,winner,flips_under
//   1,"conv (3x3 s1, 128->128, 224x224)",to-dwsep,v100,fp16,iron-law,conv,conv/dw+conv/pw,…
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <span>
#include <type_traits>
#include <variant>

#include "convroof/compare.hpp"
#include "convroof/fields.hpp"
#include "convroof/report.hpp"

namespace convroof {

namespace {

// One field, quoted when it must be (RFC 4180 §2.6-2.7).
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void write_row(const std::vector<std::string>& cells, std::ostream& out) {
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (c) out << ',';
    out << csv_field(cells[c]);
  }
  out << '\n';
}

// Shortest round-trip form, locale-independent (fmt's `{}`); empty where JSON has null.
std::string number(double value) {
  return std::isfinite(value) ? fmt::format("{}", value) : std::string();
}
std::string number(std::uint64_t value) {
  return std::to_string(value);
}

// A field's cell: numbers as the JSON writes them, shapes as `1x224x224x3` (several joined
// with `;`), flags as true/false.
std::string cell(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          return std::string(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::span<const std::int64_t>>) {
          return shape_text(v);
        } else if constexpr (std::is_same_v<T, const std::vector<Shape>*>) {
          std::vector<std::string> texts;
          for (const auto& shape : *v) texts.push_back(shape_text(shape));
          return join(texts, ";");
        } else if constexpr (std::is_pointer_v<T>) {
          return {};  // memory levels and the MAC-array account have no column
        } else if constexpr (std::is_same_v<T, double>) {
          return number(v);
        } else {
          return std::to_string(v);
        }
      },
      value);
}

}  // namespace

// The columns are the fields of convroof/fields.hpp that name one, in its order; the totals
// row is totals_row_value's.
void render_csv(const AnalysisResult& result, std::ostream& out) {
  std::vector<std::string> cells;
  for (const auto& field : kReportFields)
    if (!field.csv.empty()) cells.emplace_back(field.csv);
  write_row(cells, out);
  for (const auto& layer : result.layers) {
    cells.clear();
    for (const auto& field : kReportFields)
      if (!field.csv.empty()) cells.push_back(field.layer ? cell(field.layer(layer)) : std::string());
    write_row(cells, out);
  }
  cells.clear();
  for (const auto& field : kReportFields) {
    if (field.csv.empty()) continue;
    const auto value = totals_row_value(field, result.totals);
    cells.push_back(value ? cell(*value) : std::string());
  }
  write_row(cells, out);
}

namespace {

std::string layer_names(const AnalysisResult& side) {
  std::vector<std::string> names;
  for (const auto& layer : side.layers) names.push_back(layer.name);
  return join(names, "+");
}

// A column of the compare CSV: its header, its cell for one block on one hardware, and its cell
// in the whole-model rows (block `total`: the standard form as "before", the separable as "after").
struct CompareColumn {
  std::string_view header;
  std::string (*cell)(const Comparison&, const BlockComparison&);
  std::string (*total)(const Comparison&, const ModelVerdict&);
};

const Totals& before_of(const BlockComparison& b) { return b.before.totals; }
const Totals& after_of(const BlockComparison& b) { return b.after.totals; }

// The `…_before` and `…_after` columns: `read` (a captureless lambda) of either side.
template <typename Read>
CompareColumn before(std::string_view header, Read) {
  return {header, [](const Comparison&, const BlockComparison& block) { return Read{}(before_of(block)); },
          [](const Comparison&, const ModelVerdict& v) { return Read{}(v.standard); }};
}
template <typename Read>
CompareColumn after(std::string_view header, Read) {
  return {header, [](const Comparison&, const BlockComparison& block) { return Read{}(after_of(block)); },
          [](const Comparison&, const ModelVerdict& v) { return Read{}(v.separable); }};
}
// A ratio column: the block's before / after, the whole model's standard / separable.
template <double BlockComparison::*Block, double ModelVerdict::*Verdict>
CompareColumn ratio(std::string_view header) {
  return {header, [](const Comparison&, const BlockComparison& b) { return number(b.*Block); },
          [](const Comparison&, const ModelVerdict& v) { return number(v.*Verdict); }};
}

constexpr auto side_macs = [](const Totals& side) { return number(side.macs); };
constexpr auto side_flops = [](const Totals& side) { return number(side.flops); };
constexpr auto side_bytes = [](const Totals& side) { return number(side.bytes.total()); };
// The time under the time_model column's model.
constexpr auto side_time = [](const Totals& side) { return number(side.time.total); };
constexpr auto side_bound = [](const Totals& side) { return std::string(bound_name(side.bound)); };
constexpr auto side_fits = [](const Totals& side) { return std::string(side.fits ? "true" : "false"); };
constexpr auto side_capacity_ratio = [](const Totals& side) { return number(side.capacity_ratio); };

const Target& target_of(const Comparison& c, const BlockComparison& b) { return c.targets[b.target]; }
const Target& target_of(const Comparison& c, const ModelVerdict& v) { return c.targets[v.target]; }

// A column whose cell reads the target (hardware, precision, time model): the same for both rows.
template <typename Read>
CompareColumn per_target(std::string_view header, Read) {
  return {header, [](const Comparison& c, const BlockComparison& b) { return Read{}(target_of(c, b)); },
          [](const Comparison& c, const ModelVerdict& v) { return Read{}(target_of(c, v)); }};
}

const std::array kCompareColumns{
    CompareColumn{"block", [](const Comparison&, const BlockComparison& b) { return std::to_string(b.pair + 1); },
                  [](const Comparison&, const ModelVerdict&) { return std::string("total"); }},
    CompareColumn{"label", [](const Comparison& cmp, const BlockComparison& b) { return cmp.pairs[b.pair].label; },
                  [](const Comparison& cmp, const ModelVerdict&) { return cmp.model_name; }},
    CompareColumn{"direction",
                  [](const Comparison& cmp, const BlockComparison& b) {
                    return std::string(transform_name(cmp.pairs[b.pair].direction));
                  },
                  [](const Comparison&, const ModelVerdict&) { return std::string("whole-model"); }},
    per_target("hardware", [](const Target& t) { return t.hardware.id; }),
    per_target("precision", [](const Target& t) { return std::string(precision_name(t.options.precision)); }),
    per_target("time_model", [](const Target& t) { return std::string(time_model_name(t.options.time_model)); }),
    CompareColumn{"before", [](const Comparison&, const BlockComparison& b) { return layer_names(b.before); },
                  [](const Comparison&, const ModelVerdict&) { return std::string("standard"); }},
    CompareColumn{"after", [](const Comparison&, const BlockComparison& b) { return layer_names(b.after); },
                  [](const Comparison&, const ModelVerdict&) { return std::string("separable"); }},
    before("macs_before", side_macs),
    after("macs_after", side_macs),
    before("flops_before", side_flops),
    after("flops_after", side_flops),
    before("bytes_before", side_bytes),
    after("bytes_after", side_bytes),
    before("time_before_s", side_time),
    after("time_after_s", side_time),
    ratio<&BlockComparison::macs_ratio, &ModelVerdict::macs_ratio>("macs_ratio"),
    ratio<&BlockComparison::flops_ratio, &ModelVerdict::flops_ratio>("flops_ratio"),
    ratio<&BlockComparison::bytes_ratio, &ModelVerdict::bytes_ratio>("bytes_ratio"),
    ratio<&BlockComparison::time_ratio, &ModelVerdict::time_ratio>("time_ratio"),
    before("bound_before", side_bound),
    after("bound_after", side_bound),
    CompareColumn{"because", [](const Comparison&, const BlockComparison& b) { return because_text(b); },
                  [](const Comparison&, const ModelVerdict& v) { return verdict_text(v); }},
    before("fits_before", side_fits),
    after("fits_after", side_fits),
    before("capacity_ratio_before", side_capacity_ratio),
    after("capacity_ratio_after", side_capacity_ratio),
    CompareColumn{"winner",
                  [](const Comparison&, const BlockComparison& b) { return std::string(choice_name(kWinners, b.winner)); },
                  [](const Comparison&, const ModelVerdict& v) { return std::string(choice_name(kWinners, v.winner)); }},
    CompareColumn{"flips_under",
                  [](const Comparison&, const BlockComparison& b) { return flips_text(b.winner, b.depends_on); },
                  [](const Comparison&, const ModelVerdict& v) { return flips_text(v.winner, v.depends_on); }},
};

}  // namespace

void render_compare_csv(const Comparison& comparison, std::ostream& out) {
  std::vector<std::string> cells;
  for (const auto& column : kCompareColumns) cells.emplace_back(column.header);
  write_row(cells, out);
  // Pair-major, as the table and the JSON list them.
  for (std::size_t pair = 0; pair < comparison.pairs.size(); ++pair)
    for (const auto& block : comparison.blocks) {
      if (block.pair != pair) continue;
      cells.clear();
      for (const auto& column : kCompareColumns) cells.push_back(column.cell(comparison, block));
      write_row(cells, out);
    }
  for (const auto& verdict : comparison.totals) {
    cells.clear();
    for (const auto& column : kCompareColumns) cells.push_back(column.total(comparison, verdict));
    write_row(cells, out);
  }
}

}  // namespace convroof
