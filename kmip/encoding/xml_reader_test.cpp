// The strict XML subset reader: tokens, references, and every rejection with its line:column.
#include "kmip/encoding/xml_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kmip::encoding {
namespace {

// "start:a[x=1,y=2] end:a" for the whole input, or "error L:C: detail".
std::string tokens(std::string_view text, xml_limits limits = {}, bool text_in_root = false) {
  xml_reader reader(text, limits);
  reader.allow_text_in_root(text_in_root);
  xml_token t;
  std::string out;
  // Bounded: every token consumes input, and the input is short.
  for (int i = 0; i < 1000; ++i) {
    if (auto r = reader.next(t); !r)
      return out + "error " + std::to_string(r.error().line) + ":" + std::to_string(r.error().column) + ": " +
             r.error().detail;
    if (t.what == xml_token::kind::end_of_input) return out + "eof";
    out += t.what == xml_token::kind::start ? "start:" : "end:";
    out += t.name;
    if (!t.attributes.empty()) {
      out += "[";
      for (std::size_t a = 0; a < t.attributes.size(); ++a)
        out += (a ? "," : "") + std::string(t.attributes[a].name) + "=" + t.attributes[a].value;
      out += "]";
    }
    out += " ";
  }
  return out + "(too many tokens)";
}

errc error_code(std::string_view text, xml_limits limits = {}) {
  xml_reader reader(text, limits);
  xml_token t;
  for (int i = 0; i < 1000; ++i) {
    auto r = reader.next(t);
    if (!r) return r.error().code;
    if (t.what == xml_token::kind::end_of_input) break;
  }
  ADD_FAILURE() << "no error for " << text;
  return errc::syntax;
}

TEST(XmlReader, ElementsAndAttributes) {
  EXPECT_EQ(tokens("<a><b x=\"1\" y='2'/><c></c></a>"), "start:a start:b[x=1,y=2] end:b start:c end:c end:a eof");
  EXPECT_EQ(tokens("<a  x = \"1\"\n\ty='2' ></a >"), "start:a[x=1,y=2] end:a eof");
}

TEST(XmlReader, DeclarationCommentsWhiteSpaceAndByteOrderMark) {
  EXPECT_EQ(tokens("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n<a/>\n<!-- after -->\n"),
            "start:a end:a eof");
  EXPECT_EQ(tokens("<?xml version='1.0' standalone='yes'?><a/>"), "start:a end:a eof");
}

TEST(XmlReader, ReferencesAndAttributeValueNormalisation) {
  EXPECT_EQ(tokens("<a v=\"&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xe9;\"/>"), "start:a[v=<>&\"'AB\xC3\xA9] end:a eof");
  // XML 1.0 §3.3.3: literal tab and line ends become spaces, references keep them.
  EXPECT_EQ(tokens("<a v=\"1\t2\r\n3\n4&#10;5\"/>"), "start:a[v=1 2 3 4\n5] end:a eof");
  EXPECT_EQ(tokens("<a v=\"&#x1F600;\"/>"), "start:a[v=\xF0\x9F\x98\x80] end:a eof");
  EXPECT_EQ(tokens("<a v=\"&#1;\"/>"), "start:a[v=\x01] end:a eof");  // accepted to carry any Text String
}

TEST(XmlReader, MalformedInputIsRejectedAtLineAndColumn) {
  EXPECT_EQ(tokens("<a>\n  <b>\n</a>"), "start:a start:b error 3:1: end tag </a> does not match <b> opened at 2:3");
  EXPECT_EQ(tokens("<a>\n  <b/>"), "start:a start:b end:b error 2:7: input ends inside <a> opened at 1:1");
  EXPECT_EQ(tokens("<a x=\"1/>"), "error 1:6: unterminated attribute value");
  EXPECT_EQ(tokens("<a x=1/>"), "error 1:6: expected a quoted value for attribute 'x'");
  EXPECT_EQ(tokens("<a x/>"), "error 1:5: expected '=' after attribute 'x'");
  EXPECT_EQ(tokens("<a x='1'y='2'/>"), "error 1:9: expected white space before an attribute");
  EXPECT_EQ(tokens("<a x='1' x='2'/>"), "error 1:10: duplicate attribute 'x'");
  EXPECT_EQ(tokens("<a x='<'/>"), "error 1:7: '<' is not allowed in an attribute value (write &lt;)");
  EXPECT_EQ(tokens("<a x='&'/>"), "error 1:7: '&' starts no entity or character reference (write &amp;)");
  EXPECT_EQ(tokens("<a x='&nbsp;'/>"),
            "error 1:7: unknown entity &nbsp; (only &lt; &gt; &amp; &quot; &apos; are defined)");
  EXPECT_EQ(tokens("<a x='&#0;'/>"), "error 1:7: bad character reference &#0;");
  EXPECT_EQ(tokens("<a x='&#xD800;'/>"), "error 1:7: bad character reference &#xD800;");
  EXPECT_EQ(tokens("<a x='&#x110000;'/>"), "error 1:7: bad character reference &#x110000;");
  EXPECT_EQ(tokens("<a/><b/>"), "start:a end:a error 1:5: content after the root element, which ended at 1:1");
  EXPECT_EQ(tokens("<a/>x"), "start:a end:a error 1:5: text 'x' outside the root element");
  EXPECT_EQ(tokens("</a>"), "error 1:1: end tag </a> without a start tag");
  EXPECT_EQ(tokens(""), "error 1:1: no root element");
  EXPECT_EQ(tokens("<!-- never ends"), "error 1:1: unterminated comment");
  EXPECT_EQ(tokens("<a><!-- a -- b --></a>"), "start:a error 1:11: '--' is not allowed inside a comment");
  EXPECT_EQ(tokens("<1a/>"), "error 1:2: expected element name");
  EXPECT_EQ(tokens("<a>\r\n<b>\r\n</c>"), "start:a start:b error 3:1: end tag </c> does not match <b> opened at 2:1");
}

TEST(XmlReader, ConstructsOutsideTheKmipSubsetAreRejected) {
  EXPECT_EQ(tokens("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>"),
            "error 1:1: DOCTYPE is not accepted (no DTDs, no entity definitions)");
  EXPECT_EQ(tokens("<a><![CDATA[x]]></a>"), "start:a error 1:4: CDATA sections are not used by KMIP XML");
  EXPECT_EQ(tokens("<a><?pi x?></a>"), "start:a error 1:4: processing instructions are not used by KMIP XML");
  EXPECT_EQ(tokens("<a/><?xml version='1.0'?>"),
            "start:a end:a error 1:5: the XML declaration is only allowed at the very start");
  EXPECT_EQ(tokens("<?xml version='1.0' encoding='ISO-8859-1'?><a/>"),
            "error 1:31: encoding 'ISO-8859-1' is not supported: KMIP XML is read as UTF-8");
  EXPECT_EQ(tokens("<a>\n  text</a>"),
            "start:a error 2:3: text content 'text' inside <a>: the KMIP XML encoding carries values in value "
            "attributes");
  EXPECT_EQ(tokens("<\xC3\xA9/>"), "error 1:2: non-ASCII element names are not used by KMIP XML");
  EXPECT_EQ(error_code("<a><![CDATA[x]]></a>"), errc::unsupported);
}

TEST(XmlReader, TextDirectlyInsideTheRootWhenAllowed) {
  const std::string_view doc = "<KMIP>\n# [[DeriveKey]] &amp; more\n<a/>\n#\n</KMIP>";
  EXPECT_EQ(tokens(doc, {}, true), "start:KMIP start:a end:a end:KMIP eof");
  EXPECT_EQ(tokens("<KMIP><a>x</a></KMIP>", {}, true),
            "start:KMIP start:a error 1:10: text content 'x' inside <a>: the KMIP XML encoding carries values in "
            "value attributes");
  EXPECT_EQ(tokens("<KMIP>&bad;</KMIP>", {}, true),
            "start:KMIP error 1:7: unknown entity &bad; (only &lt; &gt; &amp; &quot; &apos; are defined)");
  EXPECT_EQ(tokens("<KMIP>a]]>b</KMIP>", {}, true), "start:KMIP error 1:8: ']]>' is not allowed in text");
}

TEST(XmlReader, InputMustBeUtf8WithoutControlCharacters) {
  EXPECT_EQ(tokens("<a>\n <b v=\"\xC3\"/></a>"), "error 2:8: input is not valid UTF-8");
  EXPECT_EQ(tokens("<a v=\"\x01\"/>"), "error 1:7: control character 1 is not allowed in XML");
  // Columns count characters: the 'é' before the bad end tag is one column.
  EXPECT_EQ(tokens("<a v=\"\xC3\xA9\"></b>"),
            "start:a[v=\xC3\xA9] error 1:10: end tag </b> does not match <a> opened at 1:1");
}

TEST(XmlReader, DepthLimitAtItsEdge) {
  xml_limits limits;
  limits.max_depth = 3;
  EXPECT_EQ(tokens("<a><b><c/></b></a>", limits), "start:a start:b start:c end:c end:b end:a eof");
  EXPECT_EQ(tokens("<a><b><c><d/></c></b></a>", limits),
            "start:a start:b start:c error 1:10: elements nested deeper than the limit of 3");
  EXPECT_EQ(error_code("<a><b><c><d/></c></b></a>", limits), errc::too_deep);
  // A hostile depth is refused long before it costs anything.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_EQ(error_code(deep), errc::too_deep);
}

TEST(XmlReader, SizeAttributeCountAndValueLengthLimitsAtTheirEdges) {
  xml_limits limits;
  limits.max_input_size = 10;
  EXPECT_EQ(tokens("<a></a>   ", limits), "start:a end:a eof");
  EXPECT_EQ(tokens("<a></a>    ", limits), "error 1:1: input of 11 bytes exceeds the limit of 10");

  limits = {};
  limits.max_attributes = 2;
  EXPECT_EQ(tokens("<a x='1' y='2'/>", limits), "start:a[x=1,y=2] end:a eof");
  EXPECT_EQ(tokens("<a x='1' y='2' z='3'/>", limits), "error 1:16: more than 2 attributes");

  limits = {};
  limits.max_value_length = 4;
  EXPECT_EQ(tokens("<a x='abcd'/>", limits), "start:a[x=abcd] end:a eof");
  EXPECT_EQ(tokens("<a x='abcde'/>", limits), "error 1:7: attribute value longer than the limit of 4 bytes");
  EXPECT_EQ(error_code("<a x='abcde'/>", limits), errc::too_large);
}

TEST(XmlReader, ErrorsAreSticky) {
  xml_reader reader("<a></b>", {});
  xml_token t;
  ASSERT_TRUE(reader.next(t));
  auto first = reader.next(t);
  ASSERT_FALSE(first);
  auto again = reader.next(t);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().detail, first.error().detail);
}

TEST(PositionOf, LinesAndCharacterColumns) {
  const std::string_view text = "ab\ncd\r\nef\rg\xC3\xA9h";
  EXPECT_EQ(position_of(text, 0).line, 1u);
  EXPECT_EQ(position_of(text, 4).column, 2u);   // 'd'
  EXPECT_EQ(position_of(text, 7).line, 3u);     // 'e' after \r\n
  EXPECT_EQ(position_of(text, 10).line, 4u);    // 'g' after a lone \r
  EXPECT_EQ(position_of(text, 13).column, 3u);  // 'h' after the two-byte 'é'
  EXPECT_EQ(position_of(text, 999).line, 4u);   // clamped to the end
}

}  // namespace
}  // namespace kmip::encoding
