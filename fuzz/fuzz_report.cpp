// Fuzz target: the JSON report reader `convroof diff` uses. A report it accepts is diffed
// against itself (which must show no change) and the diff rendered.
#include <cstdint>
#include <sstream>
#include <string>

#include "convroof/diff.hpp"
#include "convroof/io.hpp"
#include "convroof/report.hpp"
#include "fuzz_common.hpp"

using namespace convroof;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadedReport report;
  try {
    report = parse_report(text, "fuzz.json");
  } catch (const Error&) {
    return 0;
  }
  try {
    ReportDiff diff = diff_reports(report, report, DiffOptions{});
    std::ostringstream out;
    render_diff_json(diff, out);
    render_diff_table(diff, true, out);
    render_diff_markdown(diff, true, out);
  } catch (const Error&) {
  }
  return 0;
}
