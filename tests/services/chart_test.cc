// The speaking-time chart is a well-formed SVG document: parsed by a real XML parser (libxml2),
// with every bucket label and count read back as text. The first bucket's label is "<10s", which
// an unescaped writer turns into a broken tag.
#include "services/chart.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <vector>

#include "test_rng.h"

namespace v100::services {
namespace {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

// Strict parse: no recovery, no network, warnings and errors are failures.
Doc parse_strict(const std::string& xml) {
  return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "chart.svg", "UTF-8",
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_PEDANTIC));
}

std::string content_of(xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string out = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return out;
}

std::string prop_of(xmlNode* n, const char* name) {
  xmlChar* c = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  std::string out = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return out;
}

bool named(xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

TEST(Chart, SvgIsWellFormedWithEveryLabel) {
  testing::TestRng rng("chart");
  SpeakingSummary summary;
  for (auto& v : summary.histogram) v = rng.below(40);
  const std::string svg = speaking_chart_svg(summary);

  Doc doc = parse_strict(svg);
  ASSERT_NE(doc, nullptr) << "not well-formed XML:\n" << svg;
  xmlNode* root = xmlDocGetRootElement(doc.get());
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE(named(root, "svg"));
  ASSERT_NE(root->ns, nullptr);
  EXPECT_STREQ(reinterpret_cast<const char*>(root->ns->href), "http://www.w3.org/2000/svg");

  std::vector<std::string> texts;
  size_t bars = 0;
  for (xmlNode* n = root->children; n; n = n->next) {
    if (named(n, "text")) texts.push_back(content_of(n));
    if (named(n, "rect") && prop_of(n, "fill") == "#3b7dd8") ++bars;
  }
  EXPECT_EQ(bars, kSpeakingBuckets);
  // The layout: title, then (count, label) per bucket, then the axis caption.
  ASSERT_EQ(texts.size(), 2 + 2 * kSpeakingBuckets);
  for (size_t b = 0; b < kSpeakingBuckets; ++b) {
    EXPECT_EQ(texts[1 + 2 * b], std::to_string(summary.histogram[b])) << "bucket " << b;
    EXPECT_EQ(texts[2 + 2 * b], speaking_bucket_label(b)) << "bucket " << b;
  }
  // The first bucket's label carries '<': it must have been escaped to survive the parse.
  EXPECT_NE(speaking_bucket_label(0).find('<'), std::string::npos);
  EXPECT_EQ(svg.find("><10"), std::string::npos);
}

TEST(Chart, XmlEscapeRoundTripsThroughAParser) {
  testing::TestRng rng("xml escape");
  const std::string specials = "&<>\"'";
  for (int round = 0; round < 50; ++round) {
    std::string s;
    for (int i = 0; i < 24; ++i) {
      uint64_t r = rng.below(3);
      s += r == 0 ? specials[rng.below(specials.size())] : static_cast<char>('a' + rng.below(26));
    }
    // As element content and as both kinds of quoted attribute value.
    for (const std::string& xml : {"<a>" + xml_escape(s) + "</a>", "<a v=\"" + xml_escape(s) + "\"/>",
                                   "<a v='" + xml_escape(s) + "'/>"}) {
      Doc doc = parse_strict(xml);
      ASSERT_NE(doc, nullptr) << xml;
      xmlNode* a = xmlDocGetRootElement(doc.get());
      EXPECT_EQ(xml[2] == '>' ? content_of(a) : prop_of(a, "v"), s) << xml;
    }
  }
  EXPECT_EQ(xml_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(xml_escape(""), "");
}

}  // namespace
}  // namespace v100::services
