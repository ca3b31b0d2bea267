// A small SVG bar chart of the speaking-time distribution, for the host's report (people would
// rather look than read). Labels are bucket ranges and member counts only: no names.
#pragma once

#include <string>

#include "services/analytics.h"

namespace v100::services {

/// A self-contained SVG document (UTF-8) of `summary.histogram`.
std::string speaking_chart_svg(const SpeakingSummary& summary);

}  // namespace v100::services
