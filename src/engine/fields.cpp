// The report's field table (convroof/fields.hpp): lookup by path.
#include "convroof/fields.hpp"

#include <stdexcept>
#include <string>

namespace convroof {

const ReportField& report_field(std::string_view path) {
  for (const auto& field : kReportFields)
    if (field.path == path) return field;
  throw std::logic_error("no report field '" + std::string(path) + "'");
}

}  // namespace convroof
