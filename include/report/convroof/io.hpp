// Reading and writing the data files convroof exchanges with other tools and runs, in one
// place (the report layer): the analyze report diff reads, and the measurement files
// (`convroof.measured/1`) that plans, convroof-bench and tools/measure_torch.py write and
// validate and calibrate read. Every problem is an Error at file:line:col naming the key or
// value (positions from a SAX pass over the text, src/util/positioned_json.hpp).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "convroof/diff.hpp"
#include "convroof/validate.hpp"

namespace convroof {

// An analyze report (convroof.report/1) as diff reads it; `file` names the text in errors.
LoadedReport parse_report(std::string_view text, const std::string& file);
// A compare report (convroof.compare/1) as diff reads it: each whole-model and block verdict.
LoadedComparison parse_comparison(std::string_view text, const std::string& file);
// What `convroof diff OLD NEW` compares: two analyze reports or two compare reports, each file
// read and parsed once (OLD first), the schema choosing the reader. Throws Error for a missing,
// unreadable, empty or directory path, and when one is a compare report and the other not
// (naming the other).
using DiffInputs = std::variant<std::pair<LoadedReport, LoadedReport>, std::pair<LoadedComparison, LoadedComparison>>;
DiffInputs load_diff_inputs(const std::string& old_path, const std::string& new_path);

// A measurement set (`convroof.measured/1`): written deterministically. A plan is a set
// without times.
void render_measured_json(const MeasurementSet& set, std::ostream& out);
MeasurementSet parse_measured_json(const std::string& text, const std::string& file);
MeasurementSet load_measurements(const std::string& path);

}  // namespace convroof
