#include "services/chart.h"

#include <algorithm>
#include <initializer_list>
#include <sstream>
#include <utility>

namespace v100::services {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

using Attrs = std::initializer_list<std::pair<const char*, std::string>>;

// Every attribute value and every text node goes through xml_escape, numbers included, so no
// label a later change adds (e.g. "<10s") can break the document.
void open_tag(std::ostringstream& s, const char* tag, Attrs attrs) {
  s << '<' << tag;
  for (const auto& [name, value] : attrs) s << ' ' << name << "=\"" << xml_escape(value) << '"';
}

void empty_element(std::ostringstream& s, const char* tag, Attrs attrs) {
  open_tag(s, tag, attrs);
  s << "/>\n";
}

void text_element(std::ostringstream& s, Attrs attrs, std::string_view text) {
  open_tag(s, "text", attrs);
  s << '>' << xml_escape(text) << "</text>\n";
}

std::string num(long v) {
  return std::to_string(v);
}

}  // namespace

std::string speaking_chart_svg(const SpeakingSummary& summary) {
  constexpr int kWidth = 560, kHeight = 300, kLeft = 50, kBottom = 50, kTop = 40;
  const int plot_h = kHeight - kBottom - kTop;
  const int bar_w = (kWidth - kLeft - 20) / static_cast<int>(kSpeakingBuckets);
  uint64_t max = 1;
  for (uint64_t v : summary.histogram) max = std::max(max, v);
  std::ostringstream s;
  open_tag(s, "svg",
           {{"xmlns", "http://www.w3.org/2000/svg"},
            {"width", num(kWidth)},
            {"height", num(kHeight)},
            {"font-family", "sans-serif"},
            {"font-size", "12"}});
  s << ">\n";
  empty_element(s, "rect", {{"width", "100%"}, {"height", "100%"}, {"fill", "white"}});
  text_element(s, {{"x", num(kWidth / 2)}, {"y", "22"}, {"text-anchor", "middle"}, {"font-size", "15"}},
               "Speaking time per member (members per bucket)");
  empty_element(s, "line",
                {{"x1", num(kLeft)},
                 {"y1", num(kHeight - kBottom)},
                 {"x2", num(kWidth - 10)},
                 {"y2", num(kHeight - kBottom)},
                 {"stroke", "black"}});
  for (size_t b = 0; b < kSpeakingBuckets; ++b) {
    int h = static_cast<int>(static_cast<double>(summary.histogram[b]) / static_cast<double>(max) * plot_h);
    int x = kLeft + static_cast<int>(b) * bar_w + 4;
    int y = kHeight - kBottom - h;
    const std::string mid = num(x + (bar_w - 8) / 2);
    empty_element(
        s, "rect",
        {{"x", num(x)}, {"y", num(y)}, {"width", num(bar_w - 8)}, {"height", num(h)}, {"fill", "#3b7dd8"}});
    text_element(s, {{"x", mid}, {"y", num(y - 4)}, {"text-anchor", "middle"}},
                 std::to_string(summary.histogram[b]));
    text_element(s, {{"x", mid}, {"y", num(kHeight - kBottom + 16)}, {"text-anchor", "middle"}},
                 speaking_bucket_label(b));
  }
  text_element(s, {{"x", num(kWidth / 2)}, {"y", num(kHeight - 12)}, {"text-anchor", "middle"}},
               "speaking time");
  s << "</svg>\n";
  return s.str();
}

}  // namespace v100::services
