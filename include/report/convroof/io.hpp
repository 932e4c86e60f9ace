// Reading and writing the data files convroof exchanges with other tools and runs, in one
// place (the report layer): the analyze report diff reads, and the measurement files
// (`convroof.measured/1`) that plans, convroof-bench and tools/measure_torch.py write and
// validate and calibrate read. Every problem is an Error at file:line:col naming the key or
// value (positions from a SAX pass over the text, src/util/positioned_json.hpp).
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "convroof/diff.hpp"
#include "convroof/validate.hpp"

namespace convroof {

// An analyze report (convroof.report/1) as diff reads it. load_report throws Error for a
// missing, unreadable, empty or directory path; `file` names the text in errors.
LoadedReport load_report(const std::string& path);
LoadedReport parse_report(std::string_view text, const std::string& file);
// A compare report (convroof.compare/1) as diff reads it: each whole-model and block verdict.
LoadedComparison load_comparison(const std::string& path);
LoadedComparison parse_comparison(std::string_view text, const std::string& file);
// Whether the file at `path` is a compare report (its "schema" starts with convroof.compare/),
// so that diff picks the reader; false for anything else, unreadable files included.
bool is_compare_report(const std::string& path);

// A measurement set (`convroof.measured/1`): written deterministically. A plan is a set
// without times.
void render_measured_json(const MeasurementSet& set, std::ostream& out);
MeasurementSet parse_measured_json(const std::string& text, const std::string& file);
MeasurementSet load_measurements(const std::string& path);

}  // namespace convroof
