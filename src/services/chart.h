// A small SVG bar chart of the speaking-time distribution, for the host's report (people would
// rather look than read). Labels are bucket ranges and member counts only: no names.
#pragma once

#include <string>
#include <string_view>

#include "services/analytics.h"

namespace v100::services {

/// `text` with the five XML special characters (& < > " ') replaced by entity references, safe
/// both as element content and inside a double- or single-quoted attribute value.
std::string xml_escape(std::string_view text);

/// A self-contained, well-formed SVG document (UTF-8) of `summary.histogram`.
std::string speaking_chart_svg(const SpeakingSummary& summary);

}  // namespace v100::services
