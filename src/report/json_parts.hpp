// The pieces of the JSON report that other JSON renderers (compare) reuse, so one record
// is always written the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "convroof/report.hpp"

namespace convroof {

using Json = nlohmann::ordered_json;

Json hardware_json(const HardwareSpec& hardware, Precision precision);
Json options_json(const Options& options);  // with the runtime (runtime_json) and the patterns fused
Json runtime_json(const Runtime& runtime);
Json layer_json(const LayerCost& layer);
Json totals_json(const Totals& totals);

}  // namespace convroof
