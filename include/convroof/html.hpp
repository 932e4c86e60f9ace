// The HTML report (`analyze --format html`): one self-contained page with no network
// access: the summary, a layer table that sorts on a click on any column header, the
// roofline SVG inline, and the model's standard vs depthwise-separable blocks on the same
// hardware. Inline CSS and one small inline script (the sort); the page reads fine without it.
#pragma once

#include <ostream>

#include "convroof/compare.hpp"
#include "convroof/cost.hpp"

namespace convroof {

void render_html(const AnalysisResult& result, const Comparison& comparison, std::ostream& out);

}  // namespace convroof
