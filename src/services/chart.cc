#include "services/chart.h"

#include <algorithm>
#include <sstream>

namespace v100::services {

std::string speaking_chart_svg(const SpeakingSummary& summary) {
  constexpr int kWidth = 560, kHeight = 300, kLeft = 50, kBottom = 50, kTop = 40;
  const int plot_h = kHeight - kBottom - kTop;
  const int bar_w = (kWidth - kLeft - 20) / static_cast<int>(kSpeakingBuckets);
  uint64_t max = 1;
  for (uint64_t v : summary.histogram) max = std::max(max, v);
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << kWidth / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
    << "Speaking time per member (members per bucket)</text>\n"
    << "<line x1=\"" << kLeft << "\" y1=\"" << kHeight - kBottom << "\" x2=\"" << kWidth - 10 << "\" y2=\""
    << kHeight - kBottom << "\" stroke=\"black\"/>\n";
  for (size_t b = 0; b < kSpeakingBuckets; ++b) {
    int h = static_cast<int>(static_cast<double>(summary.histogram[b]) / static_cast<double>(max) * plot_h);
    int x = kLeft + static_cast<int>(b) * bar_w + 4;
    int y = kHeight - kBottom - h;
    s << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << bar_w - 8 << "\" height=\"" << h
      << "\" fill=\"#3b7dd8\"/>\n"
      << "<text x=\"" << x + (bar_w - 8) / 2 << "\" y=\"" << y - 4 << "\" text-anchor=\"middle\">"
      << summary.histogram[b] << "</text>\n"
      << "<text x=\"" << x + (bar_w - 8) / 2 << "\" y=\"" << kHeight - kBottom + 16
      << "\" text-anchor=\"middle\">" << speaking_bucket_label(b) << "</text>\n";
  }
  s << "<text x=\"" << kWidth / 2 << "\" y=\"" << kHeight - 12 << "\" text-anchor=\"middle\">"
    << "speaking time</text>\n</svg>\n";
  return s.str();
}

}  // namespace v100::services
