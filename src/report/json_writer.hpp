// The JSON renderers' primitives (json_writer.cpp): the records every JSON report shares (the
// hardware, the options, the runtime, a layer, the totals), so one record is always written the
// same way, and the streaming writer the analyze report's layers use (written as nlohmann's
// dump(2) lays them out, without building the DOM).
#pragma once

#include <nlohmann/json.hpp>

#include "convroof/report.hpp"

namespace convroof {

using Json = nlohmann::ordered_json;

// A double as nlohmann's dump() writes it (shortest round trip, "3.0", "1e-07", "null" when not
// finite), into `buffer` (32 chars at least): the length written. The std::string form is in report.hpp.
std::size_t json_number(char* buffer, double value);

Json hardware_json(const HardwareSpec& hardware, Precision precision);
// kAnalysisOptions as the report's `options` object: with the patterns fused and the runtime (runtime_json).
Json options_json(const Options& options, const ReportSettings& settings);
Json runtime_json(const Runtime& runtime);
Json layer_json(const LayerCost& layer);
Json totals_json(const Totals& totals);

// Streaming, as dump(2) would write the same value at `indent`: a string (escaped as nlohmann
// escapes), a DOM value (each line after the first indented), and a layer's record (the
// kReportFields rows it has, in order; dotted paths nested).
void append_string(std::string& out, std::string_view text);
void append_dom(std::string& out, const Json& json, int indent);
void append_layer(std::string& out, const LayerCost& layer, int indent);

}  // namespace convroof
