// convroof diff on in-memory reports: deltas and checks derived by hand, threshold parsing,
// errors with their file:line:col, and the three renderers.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "convroof/diff.hpp"
#include "convroof/io.hpp"
#include "convroof/report.hpp"

using namespace convroof;

namespace {

// Shortest text that reads back as the same double.
std::string number(double value) {
  return nlohmann::json(value).dump();
}

// A minimal convroof.report/1 text with the fields diff reads. Each layer is
// "name:time:bytes:flops:bound" (time is both time.total and half of it time.roofline);
// `capacity_ratio` is the totals' need / capacity (fits when at most 1).
std::string report_text(const std::vector<std::string>& layers, const std::string& hardware_id = "orin",
                        const std::string& time_model = "iron-law", double capacity_ratio = 0.5) {
  std::string text = "{\n  \"schema\": \"convroof.report/1\",\n";
  text += "  \"hardware\": {\"id\": \"" + hardware_id + "\", \"name\": \"Test board\"},\n";
  text += "  \"model\": {\"name\": \"net\"},\n";
  text += "  \"options\": {\"precision\": \"int8\", \"batch\": 1, \"time_model\": \"" + time_model +
          "\", \"traffic\": \"ideal\", \"fuse\": \"none\"},\n";
  text += "  \"layers\": [";
  double time = 0, bytes = 0, flops = 0;
  std::string bound = "memory";
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::istringstream fields(layers[i]);
    std::string name, t, b, f, verdict;
    std::getline(fields, name, ':');
    std::getline(fields, t, ':');
    std::getline(fields, b, ':');
    std::getline(fields, f, ':');
    std::getline(fields, verdict, ':');
    text += i ? ",\n" : "\n";
    text += "    {\"name\": \"" + name + "\", \"flops\": " + f + ", \"bytes\": {\"total\": " + b +
            "}, \"time\": {\"total\": " + t + ", \"roofline\": " + number(std::stod(t) / 2) + "}, \"bound\": \"" +
            verdict + "\"}";
    time += std::stod(t);
    bytes += std::stod(b);
    flops += std::stod(f);
    bound = verdict;  // the last layer decides the total's verdict in these tests
  }
  text += "\n  ],\n";
  text += "  \"totals\": {\"flops\": " + number(flops) + ", \"bytes\": {\"total\": " + number(bytes) +
          "}, \"time\": {\"total\": " + number(time) + ", \"roofline\": " + number(time / 2) + "}, \"bound\": \"" +
          bound + "\", \"fits\": " + (capacity_ratio <= 1 ? "true" : "false") +
          ", \"capacity_ratio\": " + number(capacity_ratio) + "}\n}\n";
  return text;
}

ReportDiff diff_texts(const std::string& old_text, const std::string& new_text, const DiffOptions& options = {}) {
  return diff_reports(parse_report(old_text, "old.json"), parse_report(new_text, "new.json"), options);
}

// The Error `parse_report(text)` throws, formatted.
std::string parse_error(const std::string& text) {
  try {
    parse_report(text, "r.json");
  } catch (const Error& error) {
    return error.formatted();
  }
  return "no error";
}

const std::vector<std::string> kBase{"conv:0.000002:1000:100:memory", "fc:0.000001:500:50:memory"};

}  // namespace

TEST_CASE("diff: equal reports pass with zero deltas", "[diff]") {
  ReportDiff diff = diff_texts(report_text(kBase), report_text(kBase));
  CHECK(diff.passed());
  CHECK(diff.layers.size() == 2);
  CHECK(diff.added.empty());
  CHECK(diff.removed.empty());
  CHECK(diff.notes.empty());
  for (const auto& metric : diff.totals.metrics) {
    CHECK(metric.relative == 0);
    CHECK_FALSE(metric.changed());
  }
  CHECK_FALSE(diff.layers[0].changed());
}

TEST_CASE("diff: a slower layer fails at 0 % and passes under a larger threshold", "[diff]") {
  // conv time 2 us -> 2.5 us: relative (2.5 - 2) / 2 = +25 %. Totals: 3 us -> 3.5 us = +16.67 %.
  // bytes and FLOPs are unchanged.
  std::vector<std::string> slower{"conv:0.0000025:1000:100:memory", "fc:0.000001:500:50:memory"};
  ReportDiff diff = diff_texts(report_text(kBase), report_text(slower));
  CHECK_FALSE(diff.passed());
  const MetricDelta& conv_time = diff.layers[0].metrics[0];
  CHECK(conv_time.relative == Approx(0.25));
  CHECK(conv_time.absolute() == Approx(0.5e-6));
  CHECK(conv_time.failed);
  CHECK(diff.totals.metrics[0].relative == Approx(0.5 / 3));
  CHECK_FALSE(diff.totals.metrics[1].changed());
  REQUIRE(diff.failures.size() == 2);  // total time, then conv time
  CHECK(diff.failures[0].layer.empty());
  CHECK(diff.failures[0].check() == "time");
  CHECK_THAT(diff_failure_text(diff.failures[0]), Catch::StartsWith("total time +16.7 % > 0 %"));
  CHECK(diff.failures[1].layer == "conv");
  CHECK_THAT(diff_failure_text(diff.failures[1]), Catch::StartsWith("layer 'conv' time +25.0 % > 0 %"));

  DiffOptions loose;
  apply_thresholds(loose, {"time=30%"});  // 25 % and 16.7 % are both within 30 %
  CHECK(diff_texts(report_text(kBase), report_text(slower), loose).passed());
  DiffOptions between;
  apply_thresholds(between, {"20%"});  // the layer's 25 % fails, the total's 16.7 % does not
  ReportDiff partly = diff_texts(report_text(kBase), report_text(slower), between);
  REQUIRE(partly.failures.size() == 1);
  CHECK(partly.failures[0].layer == "conv");
}

TEST_CASE("diff: improvements never fail", "[diff]") {
  // conv bytes 1000 -> 600 (-40 %), time 2 us -> 1 us (-50 %), FLOPs 100 -> 80 (-20 %).
  std::vector<std::string> faster{"conv:0.000001:600:80:memory", "fc:0.000001:500:50:memory"};
  ReportDiff diff = diff_texts(report_text(kBase), report_text(faster));
  CHECK(diff.passed());
  CHECK(diff.layers[0].metrics[0].relative == Approx(-0.5));
  CHECK(diff.layers[0].metrics[1].relative == Approx(-0.4));
  CHECK(diff.layers[0].metrics[2].relative == Approx(-0.2));
  // Totals: bytes 1500 -> 1100 = -26.67 %.
  CHECK(diff.totals.metrics[1].relative == Approx(-400.0 / 1500));
  CHECK(diff.layers[0].changed());
}

TEST_CASE("diff: a verdict flip fails unless ignored", "[diff]") {
  std::vector<std::string> flipped{"conv:0.000002:1000:100:memory", "fc:0.000001:500:50:compute"};
  ReportDiff diff = diff_texts(report_text(kBase), report_text(flipped));
  REQUIRE(diff.failures.size() == 2);  // the totals (whose verdict is fc's here), then fc
  CHECK(diff_failure_text(diff.failures[0]) == "total verdict flipped: memory -> compute");
  CHECK(diff.failures[1].check() == "verdict");
  CHECK(diff_failure_text(diff.failures[1]) == "layer 'fc' verdict flipped: memory -> compute");
  CHECK(diff.layers[1].flipped());
  DiffOptions ignore;
  ignore.ignore_verdict = true;
  ReportDiff ignored = diff_texts(report_text(kBase), report_text(flipped), ignore);
  CHECK(ignored.passed());
  CHECK(ignored.layers[1].flipped());
}

TEST_CASE("diff: growth from zero is infinite and fails any threshold", "[diff]") {
  std::vector<std::string> from_zero{"conv:0.000002:1000:0:memory"};
  std::vector<std::string> to_some{"conv:0.000002:1000:10:memory"};
  DiffOptions huge;
  apply_thresholds(huge, {"1000%"});
  ReportDiff diff = diff_texts(report_text(from_zero), report_text(to_some), huge);
  CHECK(std::isinf(diff.layers[0].metrics[2].relative));
  CHECK_FALSE(diff.passed());
  CHECK(format_relative(diff.layers[0].metrics[2].relative) == "+inf %");
}

TEST_CASE("diff: roofline reports compare time.roofline", "[diff]") {
  // report_text writes roofline = total / 2: conv 1 us -> 1.5 us = +50 %, as for the totals.
  std::vector<std::string> slower{"conv:0.000003:1000:100:memory", "fc:0.000001:500:50:memory"};
  ReportDiff diff = diff_texts(report_text(kBase, "orin", "roofline"), report_text(slower, "orin", "roofline"));
  CHECK(diff.layers[0].metrics[0].old_value == Approx(1e-6));
  CHECK(diff.layers[0].metrics[0].relative == Approx(0.5));
}

TEST_CASE("diff: layers are matched by name, and added and removed ones are listed", "[diff]") {
  std::vector<std::string> renamed{"fc:0.000001:500:50:memory", "head:0.000002:1000:100:memory"};
  ReportDiff diff = diff_texts(report_text(kBase), report_text(renamed));
  REQUIRE(diff.layers.size() == 1);
  CHECK(diff.layers[0].name == "fc");
  CHECK(diff.added == std::vector<std::string>{"head"});
  CHECK(diff.removed == std::vector<std::string>{"conv"});
  CHECK(diff.passed());  // same totals, no matched layer changed
}

TEST_CASE("diff: different hardware is an error at NEW's hardware.id unless allowed", "[diff]") {
  // report_text puts hardware on line 3: `  "hardware": {"id": "orin-nx", …`; the value starts at column 22.
  try {
    diff_texts(report_text(kBase), report_text(kBase, "orin-nx"));
    FAIL("no error");
  } catch (const Error& error) {
    CHECK_THAT(error.formatted(), Catch::StartsWith("new.json:3:22: error: hardware 'orin-nx' differs from 'orin'"));
  }
  DiffOptions allow;
  allow.allow_hardware_change = true;
  ReportDiff diff = diff_texts(report_text(kBase), report_text(kBase, "orin-nx"), allow);
  CHECK(diff.passed());
  REQUIRE(diff.notes.size() == 1);
  CHECK_THAT(diff.notes[0], Catch::StartsWith("hardware differs: OLD orin"));
}

TEST_CASE("diff: option differences are notes", "[diff]") {
  std::string batch2 = report_text(kBase);
  batch2.replace(batch2.find("\"batch\": 1"), 10, "\"batch\": 2");
  ReportDiff diff = diff_texts(report_text(kBase), batch2);
  REQUIRE(diff.notes.size() == 1);
  CHECK(diff.notes[0] == "option 'batch' differs: OLD 1, NEW 2");
}

TEST_CASE("diff: --threshold values", "[diff]") {
  DiffOptions options;
  apply_thresholds(options, {"5%"});
  CHECK(options.thresholds == std::array<double, 3>{0.05, 0.05, 0.05});
  // A global value fills the metrics no other value names, before or after it; off is +inf.
  DiffOptions mixed;
  apply_thresholds(mixed, {"bytes=12.5%", "5%", "flops=off"});
  CHECK(mixed.thresholds[0] == 0.05);
  CHECK(mixed.thresholds[1] == 0.125);
  CHECK(std::isinf(mixed.thresholds[2]));
  DiffOptions only_time;
  apply_thresholds(only_time, {"time=5%"});
  CHECK(only_time.thresholds == std::array<double, 3>{0.05, 0, 0});
  for (const char* bad : {"5", "-5%", "%", "x%", "speed=5%", "time=", "time=5", "of"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH(apply_thresholds(options, {bad}), Catch::Contains(std::string("'") + bad));
  }
}

// conv time 2 us -> 2.5 us (+25 %, +0.5 us), bytes 1000 -> 1100 (+10 %, +100 B): floors of 1 us and
// 1 KB keep both from failing; bytes=off leaves bytes unchecked; --totals-only checks only the
// totals (3 us -> 3.5 us: +16.7 %), so time=20% passes where the layer's 25 % would fail.
TEST_CASE("diff: floors, off and totals only", "[diff]") {
  std::vector<std::string> grown{"conv:0.0000025:1100:100:memory", "fc:0.000001:500:50:memory"};
  CHECK_FALSE(diff_texts(report_text(kBase), report_text(grown)).passed());
  DiffOptions floors;
  floors.min_time_s = 1e-6;
  floors.min_bytes = 1000;
  CHECK(diff_texts(report_text(kBase), report_text(grown), floors).passed());
  DiffOptions bytes_off;
  apply_thresholds(bytes_off, {"time=30%", "bytes=off"});
  CHECK(diff_texts(report_text(kBase), report_text(grown), bytes_off).passed());
  DiffOptions totals;
  apply_thresholds(totals, {"time=20%", "bytes=10%"});
  CHECK_FALSE(diff_texts(report_text(kBase), report_text(grown), totals).passed());  // conv's +25 % time
  totals.totals_only = true;
  const ReportDiff only = diff_texts(report_text(kBase), report_text(grown), totals);
  CHECK(only.passed());  // total time +16.7 %, total bytes 1500 -> 1600 = +6.7 %
  CHECK(only.layers.empty());
}

TEST_CASE("diff: reading errors name file:line:col and the key or value", "[diff]") {
  // Truncated after line 2 (`  "schema": …,` then a newline): the end of input is line 3, column 1.
  std::string full = report_text(kBase);
  std::string truncated = full.substr(0, full.find('\n', full.find("schema")) + 1);
  CHECK_THAT(parse_error(truncated), Catch::StartsWith("r.json:3:1: error: invalid JSON:"));
  // Line 2 is `  "schema": "…"`: the value starts at column 13.
  std::string v2 = full;
  v2.replace(v2.find("report/1"), 8, "report/2");
  CHECK(parse_error(v2) ==
        "r.json:2:13: error: different schema version 'convroof.report/2' (diff reads 'convroof.report/1')");
  std::string compare = full;
  compare.replace(compare.find("report/1"), 8, "compare/1");
  CHECK_THAT(parse_error(compare), Catch::StartsWith("r.json:2:13: error: 'convroof.compare/1' is a compare report"));
  CHECK(parse_error("{\"layers\": []}") == "r.json:1:1: error: missing field 'schema' (expected 'convroof.report/1')");
  CHECK(parse_error("[1]") == "r.json:1:1: error: a report must be a JSON object, got array");
  CHECK_THAT(parse_error(""), Catch::StartsWith("r.json: error: empty file"));
  // Layer lines are `    {"name": "conv", "flops": 100, "bytes": {"total": 1000}, …`: line 7 is layers[0], its
  // object starts at column 5, `"flops": ` value at column 31, `"bytes": ` object at column 45.
  std::string wrong_type = full;
  wrong_type.replace(wrong_type.find("\"flops\": 100"), 12, "\"flops\": \"1\"");
  CHECK(parse_error(wrong_type) == "r.json:7:31: error: 'layers[0].flops' must be a number, got string \"1\"");
  std::string missing = full;
  missing.replace(missing.find("\"total\": 1000"), 13, "\"all\": 1000");
  CHECK(parse_error(missing) == "r.json:7:45: error: missing field 'layers[0].bytes.total'");
  std::string negative = full;
  negative.replace(negative.find("\"flops\": 100"), 12, "\"flops\": -1");
  CHECK(parse_error(negative) == "r.json:7:31: error: 'layers[0].flops' must not be negative, got -1");
  // Line 8 holds layers[1]: renamed to conv, its name value starts at column 14.
  std::string duplicate = full;
  duplicate.replace(duplicate.find("\"name\": \"fc\""), 12, "\"name\": \"conv\"");
  CHECK(parse_error(duplicate) == "r.json:8:14: error: duplicate layer name 'conv' (first at line 7)");
  CHECK(parse_error("{\"schema\": 1}") == "r.json:1:12: error: 'schema' must be a string, got number 1");
  CHECK(parse_error("{\"a\": 1, \"a\": 2}") == "r.json:1:10: error: duplicate key 'a'");
}

TEST_CASE("diff: renderers say which checks failed, and the JSON is convroof.diff/1 and deterministic", "[diff]") {
  std::vector<std::string> slower{"conv:0.0000025:1000:100:memory", "fc:0.000001:500:50:compute"};
  ReportDiff diff = diff_texts(report_text(kBase), report_text(slower));
  std::ostringstream table, markdown, json, json_again;
  render_diff_table(diff, false, table);
  render_diff_markdown(diff, false, markdown);
  render_diff_json(diff, json);
  render_diff_json(diff, json_again);
  CHECK_THAT(table.str(), Catch::Contains("FAIL layer 'conv' time +25.0 % > 0 %"));
  CHECK_THAT(table.str(), Catch::EndsWith("diff: 4 checks failed\n"));  // total time, total verdict, conv, fc
  CHECK_THAT(markdown.str(), Catch::StartsWith("### convroof diff: 4 checks failed"));
  CHECK_THAT(markdown.str(), Catch::Contains("| conv |"));
  CHECK(json.str() == json_again.str());
  nlohmann::json parsed = nlohmann::json::parse(json.str());
  CHECK(parsed["schema"] == "convroof.diff/1");
  CHECK(parsed["passed"] == false);
  CHECK(parsed["failures"].size() == 4);
  CHECK(parsed["layers"][0]["time"]["relative"].get<double>() == Approx(0.25));
  CHECK(parsed["flips"].size() == 2);  // the totals (layer null) and fc
  CHECK(parsed["flips"][0]["layer"].is_null());

  std::ostringstream same;
  render_diff_table(diff_texts(report_text(kBase), report_text(kBase)), false, same);
  CHECK_THAT(same.str(), Catch::EndsWith("diff: no regressions\n"));
}

TEST_CASE("diff: a model that fit and no longer does is a regression", "[diff]") {
  // Same time, bytes and FLOPs; the need grows from 0.5 to 1.25 of the capacity: the fit is lost.
  const std::vector<std::string> layers{"conv:1e-3:1000:2000:compute"};
  const ReportDiff lost =
      diff_texts(report_text(layers, "orin", "iron-law", 0.5), report_text(layers, "orin", "iron-law", 1.25));
  REQUIRE(lost.failures.size() == 1);
  CHECK(lost.failures.front().check() == "fit");
  CHECK(diff_failure_text(lost.failures.front()) ==
        "total no longer fits its memory: need / capacity 0.5000 -> 1.250 (> 1: does not fit)");
  CHECK_FALSE(lost.passed());
  // Regaining it passes, with a note; staying over is no change.
  const ReportDiff regained =
      diff_texts(report_text(layers, "orin", "iron-law", 1.25), report_text(layers, "orin", "iron-law", 0.5));
  CHECK(regained.passed());
  REQUIRE(regained.notes.size() == 1);
  CHECK(regained.notes.front() == "NEW fits its memory (OLD was 1.250x over)");
  CHECK(diff_texts(report_text(layers, "orin", "iron-law", 2), report_text(layers, "orin", "iron-law", 3)).passed());
  // A report without the field is an error naming it.
  std::string missing = report_text(layers);
  missing.replace(missing.find(", \"fits\": true"), std::string(", \"fits\": true").size(), "");
  CHECK_THROWS_WITH(parse_report(missing, "old.json"), Catch::Contains("missing field 'totals.fits'"));
}

TEST_CASE("diff: two compare reports compare each verdict: a winner flip or a lost fit fails", "[diff][compare]") {
  // A block's time ratio is before / after: a to-standard block (before = separable) at 0.8 has
  // T_separable / T_standard = 0.8, so T_standard / T_separable = 1 / 0.8 = 1.25.
  auto text = [](const std::string& winner, double ratio, const char* separable_fits) {
    return std::string(R"({"schema": "convroof.compare/1", "model": {"name": "net"},
  "blocks": [{"label": "dw+pw", "direction": "to-standard",
              "results": [{"hardware": "orin", "ratios": {"time": 0.8}, "winner": "separable"}]}],
  "totals": [{"hardware": "orin", "ratio": )") +
           number(ratio) + R"(, "winner": ")" + winner + R"(",
              "standard": {"fits": true}, "separable": {"fits": )" +
           separable_fits + "}}]}\n";
  };
  const LoadedComparison old_report = parse_comparison(text("separable", 1.2, "true"), "old.json");
  REQUIRE(old_report.verdicts.size() == 2);
  CHECK(old_report.verdicts[0].block == "whole model");
  CHECK(old_report.verdicts[0].speedup == 1.2);
  CHECK(old_report.verdicts[1].block == "[1] dw+pw");
  CHECK(old_report.verdicts[1].speedup == Approx(1.25));
  DiffOptions options;
  CHECK(diff_comparisons(old_report, old_report, options).passed());
  // The whole model turns standard (0.9): one failure; a lost fit on top: two.
  const ComparisonDiff flipped =
      diff_comparisons(old_report, parse_comparison(text("standard", 0.9, "true"), "new.json"), options);
  CHECK(flipped.failures() == 1);
  CHECK(flipped.verdicts[0].flip_failed);
  CHECK_FALSE(flipped.verdicts[1].flipped());
  CHECK(diff_comparisons(old_report, parse_comparison(text("standard", 0.9, "false"), "new.json"), options)
            .failures() == 2);
  options.ignore_verdict = true;
  CHECK(diff_comparisons(old_report, parse_comparison(text("standard", 0.9, "true"), "new.json"), options).passed());
  // A field missing is an error naming it.
  CHECK_THROWS_WITH(parse_comparison(R"({"schema": "convroof.compare/1", "model": {"name": "n"}, "totals": [{}]})",
                                     "bad.json"),
                    Catch::Contains("missing field 'totals[0].hardware'"));
}
