// The KMIP XML encoding (Additional Message Encodings v1.0 §6): the spec's examples, each value type both
// ways, masks, enumerations, extension tags, placeholders, test-case files, and bad input with its line:column.
#include "kmip/encoding/xml.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/hex.hpp"
#include "kmip/encoding/json.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::encoding {
namespace {

using ttlv::item_type;

constexpr auto tag_of(spec::tag t) { return static_cast<std::uint32_t>(t); }

ttlv::tree read(std::string_view xml) {
  auto t = from_xml(xml);
  EXPECT_TRUE(t) << t.error().message() << "\n" << xml;
  return t ? std::move(*t) : ttlv::tree{};
}

// "L:C: detail" of a document that must fail.
std::string error_of(std::string_view xml, const read_limits& limits = {}) {
  auto t = from_xml(xml, limits);
  EXPECT_FALSE(t) << xml;
  return t ? std::string("(no error)") : t.error().message();
}

std::string hex_of(const ttlv::tree& t) {
  auto bytes = ttlv::encode(t);
  EXPECT_TRUE(bytes) << bytes.error().message();
  return bytes ? common::to_hex(*bytes) : std::string{};
}

// ---- the spec's examples ----------------------------------------------------------------------------------

// §7.1.1 MSGENC-XML-M-1-10, time 0: the request and the response, with the TTLV the spec prints beside them.
constexpr std::string_view msgenc_request = R"(<RequestMessage>
  <RequestHeader>
    <ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/>
      <ProtocolVersionMinor type="Integer" value="0"/>
    </ProtocolVersion>
    <MaximumResponseSize type="Integer" value="256"/>
    <BatchCount type="Integer" value="1"/>
  </RequestHeader>
  <BatchItem>
    <Operation type="Enumeration" value="Query"/>
    <RequestPayload>
      <QueryFunction type="Enumeration" value="QueryOperations"/>
      <QueryFunction type="Enumeration" value="QueryObjects"/>
    </RequestPayload>
  </BatchItem>
</RequestMessage>
)";
constexpr std::string_view msgenc_request_ttlv =
    "42007801000000904200770100000048420069010000002042006a02000000040000000100000000"
    "42006b020000000400000000000000004200500200000004000001000000000042000d0200000004"
    "000000010000000042000f010000003842005c050000000400000018000000004200790100000020"
    "4200740500000004000000010000000042007405000000040000000200000000";

constexpr std::string_view msgenc_response = R"(<ResponseMessage>
  <ResponseHeader>
    <ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/>
      <ProtocolVersionMinor type="Integer" value="0"/>
    </ProtocolVersion>
    <TimeStamp type="DateTime" value="2013-06-26T09:09:17+00:00"/>
    <BatchCount type="Integer" value="1"/>
  </ResponseHeader>  <BatchItem>
    <Operation type="Enumeration" value="Query"/>
    <ResultStatus type="Enumeration" value="OperationFailed"/>
    <ResultReason type="Enumeration" value="ResponseTooLarge"/>
    <ResultMessage type="TextString" value="TOO_LARGE"/>
  </BatchItem>
</ResponseMessage>)";
constexpr std::string_view msgenc_response_ttlv =
    "42007b01000000a042007a0100000048420069010000002042006a02000000040000000100000000"
    "42006b0200000004000000000000000042009209000000080000000051caafbd42000d0200000004"
    "000000010000000042000f010000004842005c0500000004000000180000000042007f0500000004"
    "000000010000000042007e0500000004000000020000000042007d0700000009544f4f5f4c415247"
    "4500000000000000";

TEST(XmlSpecExamples, MsgencXml110MatchesItsTtlv) {
  EXPECT_EQ(hex_of(read(msgenc_request)), msgenc_request_ttlv);
  EXPECT_EQ(hex_of(read(msgenc_response)), msgenc_response_ttlv);
}

TEST(XmlSpecExamples, OurOutputOfTheSpecRequestIsTheSpecText) {
  EXPECT_EQ(to_xml(read(msgenc_request).root()), msgenc_request);
}

// §6.1.6: the general TTLV form, with and without name, and the tag-named form all give the same item.
TEST(XmlSpecExamples, ElementForms) {
  const auto specific = read(R"(<ActivationDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>)");
  EXPECT_EQ(read(R"(<TTLV tag="0x420001" name="ActivationDate" type="DateTime" value="2001-01-01T10:00:00+10:00"/>)"),
            specific);
  EXPECT_EQ(read(R"(<TTLV tag="0x420001" type="DateTime" value="2001-01-01T10:00:00+10:00"/>)"), specific);
  EXPECT_EQ(
      read(R"(<ActivationDate xmlns="urn:oasis:tc:kmip:xmlns" type="DateTime" value="2001-01-01T10:00:00+10:00"/>)"),
      specific);
  EXPECT_EQ(specific.root().as_date_time(), 978307200);  // 2001-01-01T00:00:00Z
  const auto extension =
      read(R"(<TTLV tag="0x54FFFF" name="SomeExtension" type="DateTime" value="2001-01-01T10:00:00+10:00"/>)");
  EXPECT_EQ(extension.root().tag(), 0x54FFFFu);
  // §6.1.6.5 writes an extension tag as the element x540001.
  const auto x = read(R"(<x540001 type="LongInteger" value="-2"/>)");
  EXPECT_EQ(x.root().tag(), 0x540001u);
  EXPECT_EQ(x.root().as_long_integer(), -2);
}

TEST(XmlSpecExamples, EveryValueTypeOfSection6) {
  EXPECT_EQ(read(R"(<IVCounterNonce type="ByteString" value="a1b2c3d4"/>)").root().as_bytes().size(), 4u);
  EXPECT_EQ(read(R"(<PrivateKeyTemplateAttribute type="Structure"/>)").root().child_count(), 0u);
  const auto with_type = read(R"(<ProtocolVersion type="Structure">
  <ProtocolVersionMajor type="Integer" value="1"/>
  <ProtocolVersionMinor type="Integer" value="0"/>
</ProtocolVersion>)");
  EXPECT_EQ(read(R"(<ProtocolVersion>
  <ProtocolVersionMajor type="Integer" value="1"/>
  <ProtocolVersionMinor type="Integer" value="0"/>
</ProtocolVersion>)"),
            with_type);
  EXPECT_EQ(read(R"(<BatchCount type="Integer" value="10"/>)").root().as_integer(), 10);
  for (const auto* mask : {"0x0000100c", "Encrypt Decrypt CertificateSign", "CertificateSign 0x00000004 0x0000008",
                           "CertificateSign 0x0000000c"})
    EXPECT_EQ(
        read("<CryptographicUsageMask type=\"Integer\" value=\"" + std::string(mask) + "\"/>").root().as_integer(),
        0x100C)
        << mask;
  EXPECT_EQ(read(R"(<UsageLimitsCount type="LongInteger" value="1152921504606846976"/>)").root().as_long_integer(),
            std::int64_t{1} << 60);
  EXPECT_EQ(read(R"(<TTLV tag="0x540002" type="BigInteger" value="0000000000000000"/>)").root().as_big_integer().size(),
            8u);
  EXPECT_EQ(read(R"(<ObjectType type="Enumeration" value="0x00000002"/>)"),
            read(R"(<ObjectType type="Enumeration" value="SymmetricKey"/>)"));
  EXPECT_TRUE(read(R"(<BatchOrderOption type="Boolean" value="true"/>)").root().as_boolean());
  EXPECT_EQ(read(R"(<AttributeName type="TextString" value="Cryptographic Algorithm"/>)").root().as_text(),
            "Cryptographic Algorithm");
  EXPECT_EQ(common::to_hex_upper(read(R"(<MACSignature type="ByteString" value="C50F77"/>)").root().as_bytes()),
            "C50F77");
  EXPECT_EQ(read(R"(<ArchiveDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>)").root().as_date_time(),
            978307200);
  EXPECT_EQ(read(R"(<Offset type="Interval" value="27"/>)").root().as_interval(), 27u);
}

TEST(XmlSpecExamples, WellKnownExtensionNamesAreNotGuessed) {
  // §6.1.6.1 allows published names of extension tags; this harness knows none, so it says which.
  EXPECT_EQ(error_of(R"(<WELL_KNOWN_EXTENSION type="TextString" value="This is an extension"/>)"),
            "1:2: unknown tag name 'WELL_KNOWN_EXTENSION'");
}

// ---- writing ----------------------------------------------------------------------------------------------

TEST(XmlWriter, EveryTypeAndExtensionTags) {
  ttlv::tree t;
  t.begin_structure(0x540100);
  t.add_integer(spec::tag::batch_count, -5);
  t.add_long_integer(0x540001, -2);
  const std::uint8_t big[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE};
  t.add_big_integer(0x540002, big);
  t.add_enumeration(spec::tag::object_type, 0x80000001);
  t.add_enumeration(0x540003, 7);
  t.add_boolean(spec::tag::batch_order_option, false);
  t.add_text(spec::tag::attribute_name, "a<b>&\"c'\n\t");
  const std::uint8_t bytes[] = {0xC5, 0x0F, 0x77};
  t.add_bytes(spec::tag::mac_signature, bytes);
  t.add_date_time(spec::tag::archive_date, 978307200);
  t.add_interval(spec::tag::offset, 27);
  t.add_integer(spec::tag::cryptographic_usage_mask, 0x4000000C);
  t.begin_structure(0x540004);
  t.end_structure();
  t.end_structure();
  const std::string xml = to_xml(t.root());
  EXPECT_EQ(xml, R"(<TTLV tag="0x540100">
  <BatchCount type="Integer" value="-5"/>
  <TTLV tag="0x540001" type="LongInteger" value="-2"/>
  <TTLV tag="0x540002" type="BigInteger" value="FFFFFFFFFFFFFFFE"/>
  <ObjectType type="Enumeration" value="0x80000001"/>
  <TTLV tag="0x540003" type="Enumeration" value="0x00000007"/>
  <BatchOrderOption type="Boolean" value="false"/>
  <AttributeName type="TextString" value="a&lt;b&gt;&amp;&quot;c'&#10;&#9;"/>
  <MACSignature type="ByteString" value="C50F77"/>
  <ArchiveDate type="DateTime" value="2001-01-01T00:00:00Z"/>
  <Offset type="Interval" value="27"/>
  <CryptographicUsageMask type="Integer" value="Encrypt Decrypt 0x40000000"/>
  <TTLV tag="0x540004"/>
</TTLV>
)");
  EXPECT_EQ(read(xml), t);
  write_options one_line;
  one_line.indent = 0;
  EXPECT_EQ(read(to_xml(t.root(), one_line)), t);
  EXPECT_EQ(to_xml(t.root(), one_line).find('\n'), to_xml(t.root(), one_line).size() - 1);
}

TEST(XmlWriter, TextStringsSurviveEveryCharacter) {
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  all += "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // é € 😀
  ttlv::tree t;
  t.add_text(spec::tag::attribute_name, all);
  EXPECT_EQ(read(to_xml(t.root())), t);
}

TEST(XmlWriter, InvalidUtf8IsReplacedNotEmitted) {
  ttlv::tree t;
  t.add_text(spec::tag::attribute_name, "a\xFF");
  EXPECT_EQ(to_xml(t.root()), "<AttributeName type=\"TextString\" value=\"a\xEF\xBF\xBD\"/>\n");
}

TEST(XmlWriter, AttributeValuesAreNamedByTheirAttributeName) {
  // KMIP 1.x §2.1.1: the value of a Cryptographic Usage Mask or State attribute uses that attribute's names.
  constexpr std::string_view xml = R"(<TemplateAttribute>
  <Attribute>
    <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
    <AttributeValue type="Integer" value="Decrypt Encrypt"/>
  </Attribute>
  <Attribute>
    <AttributeName type="TextString" value="State"/>
    <AttributeValue type="Enumeration" value="PreActive"/>
  </Attribute>
  <Attribute>
    <AttributeName type="TextString" value="x-custom"/>
    <AttributeValue type="Integer" value="12"/>
  </Attribute>
</TemplateAttribute>
)";
  const auto t = read(xml);
  EXPECT_EQ(ttlv::item_view(t, 3).as_integer(), 12);
  EXPECT_EQ(ttlv::item_view(t, 6).as_enumeration(), 1u);
  const std::string written = to_xml(t.root());
  EXPECT_NE(written.find(R"(<AttributeValue type="Integer" value="Encrypt Decrypt"/>)"), std::string::npos) << written;
  EXPECT_NE(written.find(R"(<AttributeValue type="Enumeration" value="PreActive"/>)"), std::string::npos);
  EXPECT_NE(written.find(R"(<AttributeValue type="Integer" value="12"/>)"), std::string::npos);
  // Without the attribute name, a mask name means nothing.
  EXPECT_EQ(
      error_of(R"(<Attribute><AttributeValue type="Integer" value="Encrypt"/></Attribute>)"),
      "1:50: AttributeValue: bad Integer 'Encrypt': expected a decimal 32-bit number or 0x and up to 8 hex digits");
}

TEST(XmlReading, AttributeNameStaysValidWhileLaterSiblingsGrowTheTree) {
  const auto t = read(
      "<Attribute>\n  <AttributeName type=\"TextString\" value=\"Cryptographic Usage Mask\"/>\n"
      "  <TTLV tag=\"0x540001\" type=\"TextString\" value=\"" +
      std::string(4096, 'f') +
      "\"/>\n"
      "  <AttributeValue type=\"Integer\" value=\"Encrypt Decrypt\"/>\n</Attribute>\n");
  EXPECT_EQ(ttlv::item_view(t, 3).as_integer(), 12);
}

TEST(XmlWriter, KeyMaterialRedactedAsAPlaceholder) {
  ttlv::tree t;
  t.begin_structure(spec::tag::key_value);
  t.begin_structure(spec::tag::key_material);
  const std::uint8_t modulus[] = {0, 0, 0, 0, 0, 0, 0, 0x0B};
  t.add_big_integer(tag_of(spec::tag::modulus), modulus);
  t.end_structure();
  t.end_structure();
  write_options o;
  o.redact_key_material = true;
  const std::string xml = to_xml(t.root(), o);
  EXPECT_EQ(xml, R"(<KeyValue>
  <KeyMaterial>
    <Modulus type="BigInteger" value="$KEY_MATERIAL"/>
  </KeyMaterial>
</KeyValue>
)");
  const auto back = read(xml);
  EXPECT_TRUE(ttlv::item_view(back, 2).is_placeholder());
  EXPECT_EQ(to_xml(t.root()).find("$KEY"), std::string::npos);
}

// Every name the spec tables hold survives the XML and JSON encodings: tags as element names, every
// enumeration value of every tag that has one, every mask bit.
TEST(XmlAndJson, EveryTagEnumerationValueAndMaskBitOfTheTables) {
  ttlv::tree t;
  t.begin_structure(spec::tag::request_payload);
  std::size_t items = 0;
  for (const auto& tag : spec::all_tags()) {
    const auto value = static_cast<std::uint32_t>(tag.value);
    if (const auto* e = spec::enumeration_for_tag(value)) {
      for (const auto& v : e->values) t.add_enumeration(value, v.value);
      items += e->values.size();
    } else if (const auto* m = spec::mask_for_tag(value)) {
      for (const auto& bit : m->bits) t.add_integer(value, static_cast<std::int32_t>(bit.value));
      items += m->bits.size();
    } else {
      t.add_text(value, tag.camel);
      ++items;
    }
  }
  t.end_structure();
  ASSERT_GT(items, 1000u);
  const std::string xml = to_xml(t.root());
  EXPECT_EQ(xml.find("0x"), std::string::npos) << "a table name was written as hex";
  auto from_xml_text = from_xml(xml);
  ASSERT_TRUE(from_xml_text) << from_xml_text.error().message();
  EXPECT_EQ(*from_xml_text, t);
  auto from_json_text = from_json(to_json(t.root()));
  ASSERT_TRUE(from_json_text) << from_json_text.error().message();
  EXPECT_EQ(*from_json_text, t);
}

// ---- placeholders -----------------------------------------------------------------------------------------

TEST(XmlPlaceholders, KeptAndWrittenBackVerbatim) {
  constexpr std::string_view xml = R"(<ResponseHeader>
  <TimeStamp type="DateTime" value="$NOW"/>
  <ActivationDate type="DateTime" value="$NOW-3600"/>
  <DeactivationDate type="DateTime" value="$NOW+3600"/>
  <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
  <CorrelationValue type="ByteString" value="$CORRELATION_VALUE"/>
  <BatchCount type="Integer" value="$COUNT"/>
</ResponseHeader>
)";
  const auto t = read(xml);
  EXPECT_TRUE(ttlv::item_view(t, 1).is_placeholder());
  EXPECT_EQ(ttlv::item_view(t, 2).placeholder_text(), "$NOW-3600");
  EXPECT_EQ(ttlv::item_view(t, 3).type(), item_type::date_time);
  EXPECT_FALSE(ttlv::item_view(t, 4).is_placeholder());
  EXPECT_EQ(ttlv::item_view(t, 4).as_text(), "$UNIQUE_IDENTIFIER_0");
  EXPECT_TRUE(ttlv::item_view(t, 5).is_placeholder());
  EXPECT_EQ(to_xml(t.root()), xml);
  auto bytes = ttlv::encode(t);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ttlv::errc::unresolved_placeholder);
}

// ---- test-case files --------------------------------------------------------------------------------------

TEST(XmlTestCase, MessagesInOrderWithPositions) {
  const std::string doc = "<KMIP>\n<!-- header -->\n#\n# [[a note]]\n#\n" + std::string(msgenc_request) + "\n" +
                          std::string(msgenc_response) + "\n</KMIP>\n";
  auto test_case = read_xml_test_case(doc);
  ASSERT_TRUE(test_case) << test_case.error().message();
  EXPECT_EQ(test_case->root, "KMIP");
  ASSERT_EQ(test_case->items.size(), 2u);
  EXPECT_EQ(test_case->items[0].line, 6u);
  EXPECT_EQ(test_case->items[0].column, 1u);
  EXPECT_EQ(test_case->items[1].line, 24u);
  EXPECT_EQ(hex_of(test_case->items[1].tree), msgenc_response_ttlv);
  auto messages = parse_xml_test_case(doc);
  ASSERT_TRUE(messages);
  EXPECT_EQ(messages->size(), 2u);
  EXPECT_EQ(error_of(doc), "1:1: <KMIP> is a test-case file of several messages, not one item");
}

TEST(XmlTestCase, OtherRootsAndTopLevelItems) {
  auto single = parse_xml_test_case(msgenc_request);
  ASSERT_TRUE(single);
  EXPECT_EQ(single->size(), 1u);
  // A top-level item that is not a message is kept by read_xml_test_case, and skipped by parse_xml_test_case.
  constexpr std::string_view doc =
      R"(<KmipTestCase><TimeStamp type="DateTime" value="$NOW"/><RequestMessage/></KmipTestCase>)";
  auto all = read_xml_test_case(doc);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 2u);
  auto messages = parse_xml_test_case(doc);
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].root().tag(), tag_of(spec::tag::request_message));
  auto bad = parse_xml_test_case("<KMIP>\n<RequestMessage>\n  <Nope/>\n</RequestMessage>\n</KMIP>");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "3:4: unknown tag name 'Nope'");
  EXPECT_FALSE(parse_xml_test_case("<KMIP version=\"1\"/>"));
}

// ---- bad input --------------------------------------------------------------------------------------------

TEST(XmlErrors, NamedWithLineAndColumn) {
  EXPECT_EQ(error_of("<RequestMessage>\n  <BatchCount type=\"Integer\" value=\"1\">\n</RequestMessage>"),
            "3:1: end tag </RequestMessage> does not match <BatchCount> opened at 2:3");
  EXPECT_EQ(error_of("<RequestMessage>\n  <Bogus/>\n</RequestMessage>"), "2:4: unknown tag name 'Bogus'");
  EXPECT_EQ(error_of("<ObjectType type=\"Enumeration\" value=\"SymetricKey\"/>"),
            "1:39: ObjectType: unknown Object Type value 'SymetricKey' (write unknown values as 0x hex)");
  EXPECT_EQ(error_of("<MACSignature type=\"ByteString\" value=\"C50G77\"/>"),
            "1:40: MACSignature: bad hex digit 'G' at position 4 of 'C50G77'");
  EXPECT_EQ(error_of("<BatchCount type=\"Int\" value=\"1\"/>"),
            "1:19: unknown type 'Int' (expected Structure, Integer, LongInteger, BigInteger, Enumeration, Boolean, "
            "TextString, ByteString, DateTime or Interval)");
  EXPECT_EQ(error_of("<RequestMessage>\n  <RequestHeader>\n"), "3:1: input ends inside <RequestHeader> opened at 2:3");
  EXPECT_EQ(error_of("<TTLV tag=\"0x12345\" type=\"Integer\" value=\"1\"/>"),
            "1:12: bad tag '0x12345': expected 0x and six hex digits");
  EXPECT_EQ(error_of("<TTLV type=\"Integer\" value=\"1\"/>"), "1:2: <TTLV> needs a tag attribute");
  EXPECT_EQ(error_of("<BatchCount type=\"Integer\"/>"), "1:1: <BatchCount type=\"Integer\"> needs a value attribute");
  EXPECT_EQ(error_of("<RequestHeader value=\"1\"/>"), "1:23: a Structure has no value attribute");
  EXPECT_EQ(error_of("<BatchCount type=\"Integer\" value=\"1\" unit=\"s\"/>"),
            "1:44: unexpected attribute unit=\"s\" on <BatchCount>");
  EXPECT_EQ(
      error_of("<BatchCount type=\"Integer\" value=\"1\"><BatchCount type=\"Integer\" value=\"1\"/></BatchCount>"),
      "1:38: <BatchCount> at 1:1 is a Integer and cannot contain elements");
  EXPECT_EQ(error_of("<BatchCount type=\"Integer\" value=\"1\"/><BatchCount type=\"Integer\" value=\"1\"/>"),
            "1:39: content after the root element, which ended at 1:1");
  EXPECT_EQ(error_of("<BatchCount type=\"Integer\" value=\"1\" xmlns=\"urn:other\"/>"),
            "1:45: unexpected attribute xmlns=\"urn:other\" on <BatchCount>");
}

std::string nested(std::size_t structures) {
  std::string xml;
  for (std::size_t i = 0; i < structures; ++i) xml += "<Attribute>";
  xml += "<BatchCount type=\"Integer\" value=\"1\"/>";
  for (std::size_t i = 0; i < structures; ++i) xml += "</Attribute>";
  return xml;
}

TEST(XmlLimits, DepthAtItsEdge) {
  read_limits limits;
  limits.max_depth = 8;
  EXPECT_TRUE(from_xml(nested(8), limits));
  auto deep = from_xml(nested(9), limits);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, errc::too_deep);
  EXPECT_EQ(deep.error().message(), "1:89: structures nested deeper than the limit of 8");
  EXPECT_EQ(from_xml(nested(100000)).error().code, errc::too_deep);  // hostile depth, default limits
}

TEST(XmlLimits, ItemsInputSizeAndValueLengthAtTheirEdges) {
  read_limits limits;
  limits.max_items = 3;
  EXPECT_TRUE(from_xml(nested(2), limits));
  EXPECT_EQ(from_xml(nested(3), limits).error().code, errc::too_many_items);

  const std::string xml = "<MACSignature type=\"ByteString\" value=\"" + std::string(64, 'A') + "\"/>";
  limits = {};
  limits.max_input_size = xml.size();
  EXPECT_TRUE(from_xml(xml, limits));
  limits.max_input_size = xml.size() - 1;
  EXPECT_EQ(from_xml(xml, limits).error().code, errc::too_large);

  limits = {};
  limits.max_value_length = 64;
  EXPECT_TRUE(from_xml(xml, limits));
  limits.max_value_length = 63;
  EXPECT_EQ(from_xml(xml, limits).error().code, errc::too_large);

  // Huge input with default limits: refused before anything is parsed.
  const std::string huge(read_limits{}.max_input_size + 1, ' ');
  EXPECT_EQ(from_xml(huge).error().code, errc::too_large);
}

}  // namespace
}  // namespace kmip::encoding
