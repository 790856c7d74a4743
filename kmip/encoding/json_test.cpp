// The KMIP JSON encoding (Additional Message Encodings v1.0 §4): the spec's examples, each value type both
// ways, the 2^52 rule for Long Integers, placeholders, and bad input with its line:column or JSON pointer.
#include "kmip/encoding/json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/hex.hpp"
#include "kmip/encoding/xml.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::encoding {
namespace {

using ttlv::item_type;

constexpr auto tag_of(spec::tag t) { return static_cast<std::uint32_t>(t); }

ttlv::tree read(std::string_view json) {
  auto t = from_json(json);
  EXPECT_TRUE(t) << t.error().message() << "\n" << json;
  return t ? std::move(*t) : ttlv::tree{};
}

std::string error_of(std::string_view json, const read_limits& limits = {}) {
  auto t = from_json(json, limits);
  EXPECT_FALSE(t) << json;
  return t ? std::string("(no error)") : t.error().message();
}

std::string hex_of(const ttlv::tree& t) {
  auto bytes = ttlv::encode(t);
  EXPECT_TRUE(bytes) << bytes.error().message();
  return bytes ? common::to_hex(*bytes) : std::string{};
}

// The value of a one-item document {"tag":TAG, "type":TYPE, "value":VALUE}.
ttlv::tree item(std::string_view tag, std::string_view type, std::string_view value) {
  return read("{\"tag\":\"" + std::string(tag) + "\", \"type\":\"" + std::string(type) +
              "\", \"value\":" + std::string(value) + "}");
}

// ---- the spec's examples ----------------------------------------------------------------------------------

// §5.1.1 MSGENC-JSON-M-1-10, time 0, as printed, with the TTLV printed beside it.
constexpr std::string_view msgenc_response = R"({"tag":"ResponseMessage", "value":[
  {"tag":"ResponseHeader", "value":[
    {"tag":"ProtocolVersion", "value":[
      {"tag":"ProtocolVersionMajor", "type":"Integer", "value":"0x00000001"},
      {"tag":"ProtocolVersionMinor", "type":"Integer", "value":"0x00000000"}
    ]},
    {"tag":"TimeStamp", "type":"DateTime", "value":"2013-06-26T09:09:17+00:00"},
    {"tag":"BatchCount", "type":"Integer", "value":"0x00000001"}
  ]},
  {"tag":"BatchItem", "value":[
    {"tag":"Operation", "type":"Enumeration", "value":"Query"},
    {"tag":"ResultStatus", "type":"Enumeration", "value":"OperationFailed"},
    {"tag":"ResultReason", "type":"Enumeration", "value":"ResponseTooLarge"},
    {"tag":"ResultMessage", "type":"TextString", "value":"TOO_LARGE"}
  ]}
]})";
constexpr std::string_view msgenc_response_ttlv =
    "42007b01000000a042007a0100000048420069010000002042006a02000000040000000100000000"
    "42006b0200000004000000000000000042009209000000080000000051caafbd42000d0200000004"
    "000000010000000042000f010000004842005c0500000004000000180000000042007f0500000004"
    "000000010000000042007e0500000004000000020000000042007d0700000009544f4f5f4c415247"
    "4500000000000000";

// The request as the spec prints it ends with "]" where "]}" belongs.
constexpr std::string_view msgenc_request_as_printed = R"({"tag":"RequestMessage", "value":[
  {"tag":"RequestHeader", "value":[
    {"tag":"ProtocolVersion", "value":[
      {"tag":"ProtocolVersionMajor", "type":"Integer", "value":"0x00000001"},
      {"tag":"ProtocolVersionMinor", "type":"Integer", "value":"0x00000000"}
    ]},
    {"tag":"MaximumResponseSize", "type":"Integer", "value":"0x00000100"},
    {"tag":"BatchCount", "type":"Integer", "value":"0x00000001"}
  ]},
  {"tag":"BatchItem", "value":[
    {"tag":"Operation", "type":"Enumeration", "value":"Query"},
    {"tag":"RequestPayload", "value":[
      {"tag":"QueryFunction", "type":"Enumeration", "value":"QueryOperations"},
      {"tag":"QueryFunction", "type":"Enumeration", "value":"QueryObjects"}
    ]}
  ]}
])";
constexpr std::string_view msgenc_request_ttlv =
    "42007801000000904200770100000048420069010000002042006a02000000040000000100000000"
    "42006b020000000400000000000000004200500200000004000001000000000042000d0200000004"
    "000000010000000042000f010000003842005c050000000400000018000000004200790100000020"
    "4200740500000004000000010000000042007405000000040000000200000000";

TEST(JsonSpecExamples, MsgencJson110MatchesItsTtlv) {
  EXPECT_EQ(hex_of(read(msgenc_response)), msgenc_response_ttlv);
  EXPECT_EQ(hex_of(read(std::string(msgenc_request_as_printed) + "}")), msgenc_request_ttlv);
}

TEST(JsonSpecExamples, TheSpecsMissingBraceIsReportedWhereItIs) {
  const std::string message = error_of(msgenc_request_as_printed);
  EXPECT_EQ(message.substr(0, 6), "17:2: ") << message;
  EXPECT_NE(message.find("unexpected end of input"), std::string::npos) << message;
}

TEST(JsonSpecExamples, JsonAndXmlOfTheSameMessageAgree) {
  auto from_xml_text = from_xml(to_xml(read(msgenc_response).root()));
  ASSERT_TRUE(from_xml_text);
  EXPECT_EQ(*from_xml_text, read(msgenc_response));
}

// §4.1.6 and its subsections, one example each.
TEST(JsonSpecExamples, EveryValueTypeOfSection4) {
  EXPECT_EQ(item("ActivationDate", "DateTime", "\"2001-01-01T10:00:00+10:00\"").root().as_date_time(), 978307200);
  const auto named = read(R"({"tag": "0x54FFFF", "name":"SomeExtension", "type":"Integer", "value":"0x00000001"})");
  EXPECT_EQ(named.root().tag(), 0x54FFFFu);
  EXPECT_EQ(named.root().as_integer(), 1);
  EXPECT_EQ(item("0x420001", "DateTime", "\"2001-01-01T10:00:00+10:00\"").root().tag(),
            tag_of(spec::tag::activation_date));
  EXPECT_EQ(common::to_hex(item("IVCounterNonce", "ByteString", "\"a1b2c3d4\"").root().as_bytes()), "a1b2c3d4");
  EXPECT_EQ(read(R"({"tag": "PrivateKeyTemplateAttribute", "type":"Structure", "value":[]})").root().child_count(), 0u);
  EXPECT_EQ(item("0x545352", "TextString", "\"This is an extension\"").root().as_text(), "This is an extension");
  const auto typed = read(R"({"tag": "ProtocolVersion", "type":"Structure", "value":[
  {"tag": "ProtocolVersionMajor", "type":"Integer", "value":1},
  {"tag": "ProtocolVersionMinor", "type":"Integer", "value":0}
]})");
  EXPECT_EQ(read(R"({"tag": "ProtocolVersion", "value":[
  {"tag": "ProtocolVersionMajor", "type":"Integer", "value":1},
  {"tag": "ProtocolVersionMinor", "type":"Integer", "value":0}
]})"),
            typed);
  EXPECT_EQ(item("BatchCount", "Integer", "10"), item("BatchCount", "Integer", "\"0x0000000A\""));
  for (const auto* mask : {"\"0x0000100c\"", "\"Encrypt|Decrypt|CertificateSign\"",
                           "\"CertificateSign|0x00000004|0x0000008\"", "\"CertificateSign|0x0000000c\""})
    EXPECT_EQ(item("CryptographicUsageMask", "Integer", mask).root().as_integer(), 0x100C) << mask;
  EXPECT_EQ(item("0x540001", "LongInteger", "\"0xfffffffffffffffe\"").root().as_long_integer(), -2);
  EXPECT_EQ(item("0x540001", "LongInteger", "-2").root().as_long_integer(), -2);
  EXPECT_EQ(item("UsageLimitsCount", "LongInteger", "\"0x1000000000000000\"").root().as_long_integer(),
            std::int64_t{1} << 60);
  EXPECT_EQ(item("0x540002", "BigInteger", "0"), item("0x540002", "BigInteger", "\"0x0000000000000000\""));
  EXPECT_EQ(item("0x420057", "Enumeration", "2"), item("ObjectType", "Enumeration", "\"SymmetricKey\""));
  EXPECT_EQ(item("ObjectType", "Enumeration", "\"0x00000002\""), item("ObjectType", "Enumeration", "\"SymmetricKey\""));
  EXPECT_EQ(item("BatchOrderOption", "Boolean", "true"), item("BatchOrderOption", "Boolean", "\"0x0000000000000001\""));
  EXPECT_EQ(item("AttributeName", "TextString", "\"Cryptographic Algorithm\"").root().as_text(),
            "Cryptographic Algorithm");
  EXPECT_EQ(common::to_hex_upper(item("MACSignature", "ByteString", "\"C50F77\"").root().as_bytes()), "C50F77");
  EXPECT_EQ(item("ArchiveDate", "DateTime", "\"0x000000003a505520\"").root().as_date_time(), 978343200);
  EXPECT_EQ(item("Offset", "Interval", "27"), item("Offset", "Interval", "\"0x0000001b\""));
}

// ---- writing ----------------------------------------------------------------------------------------------

TEST(JsonWriter, EveryType) {
  ttlv::tree t;
  t.begin_structure(spec::tag::request_payload);
  t.add_integer(spec::tag::batch_count, -5);
  t.add_integer(spec::tag::cryptographic_usage_mask, 0x100C);
  t.add_integer(spec::tag::cryptographic_usage_mask, 0);
  t.add_long_integer(0x540001, -2);
  const std::uint8_t big[] = {0, 0, 0, 0, 0, 1, 0, 1};
  t.add_big_integer(0x540002, big);
  t.add_enumeration(spec::tag::object_type, 2);
  t.add_enumeration(spec::tag::object_type, 0x80000001);
  t.add_boolean(spec::tag::batch_order_option, true);
  t.add_text(spec::tag::attribute_name, "q\"b\\s\n\x01 \xC3\xA9");
  const std::uint8_t bytes[] = {0xC5, 0x0F, 0x77};
  t.add_bytes(spec::tag::mac_signature, bytes);
  t.add_date_time(spec::tag::archive_date, 978307200);
  t.add_interval(spec::tag::offset, 27);
  t.begin_structure(0x540003);
  t.end_structure();
  t.end_structure();
  const std::string json = to_json(t.root());
  EXPECT_EQ(json, R"({"tag":"RequestPayload", "value":[
  {"tag":"BatchCount", "type":"Integer", "value":-5},
  {"tag":"CryptographicUsageMask", "type":"Integer", "value":"Encrypt|Decrypt|CertificateSign"},
  {"tag":"CryptographicUsageMask", "type":"Integer", "value":0},
  {"tag":"0x540001", "type":"LongInteger", "value":-2},
  {"tag":"0x540002", "type":"BigInteger", "value":"0x0000000000010001"},
  {"tag":"ObjectType", "type":"Enumeration", "value":"SymmetricKey"},
  {"tag":"ObjectType", "type":"Enumeration", "value":"0x80000001"},
  {"tag":"BatchOrderOption", "type":"Boolean", "value":true},
  {"tag":"AttributeName", "type":"TextString", "value":"q\"b\\s\n\u0001 )"
                  "\xC3\xA9"
                  R"("},
  {"tag":"MACSignature", "type":"ByteString", "value":"C50F77"},
  {"tag":"ArchiveDate", "type":"DateTime", "value":"2001-01-01T00:00:00Z"},
  {"tag":"Offset", "type":"Interval", "value":27},
  {"tag":"0x540003", "value":[]}
]}
)");
  EXPECT_EQ(read(json), t);
  write_options one_line;
  one_line.indent = 0;
  const std::string compact = to_json(t.root(), one_line);
  EXPECT_EQ(compact.substr(0, 45), R"({"tag":"RequestPayload","value":[{"tag":"Batc)");
  EXPECT_EQ(compact.find('\n'), compact.size() - 1);
  EXPECT_EQ(read(compact), t);
}

// §4.1.6.5: numbers hold 52 bits safely; beyond that a Long Integer is a hex string.
TEST(JsonWriter, LongIntegersBeyond2To52AreHex) {
  const std::int64_t limit = std::int64_t{1} << 52;
  auto written = [](std::int64_t v) {
    ttlv::tree t;
    t.add_long_integer(spec::tag::usage_limits_count, v);
    const std::string json = to_json(t.root());
    auto back = from_json(json);
    EXPECT_TRUE(back && back->root().as_long_integer() == v) << json;
    const auto at = json.find("\"value\":");
    return json.substr(at + 8, json.size() - at - 10);
  };
  EXPECT_EQ(written(limit - 1), "4503599627370495");
  EXPECT_EQ(written(limit), "\"0x0010000000000000\"");
  EXPECT_EQ(written(-(limit - 1)), "-4503599627370495");
  EXPECT_EQ(written(-limit), "\"0xFFF0000000000000\"");
  EXPECT_EQ(written(std::numeric_limits<std::int64_t>::min()), "\"0x8000000000000000\"");
}

TEST(JsonWriter, AttributeValuesAreNamedByTheirAttributeName) {
  ttlv::tree t;
  t.begin_structure(spec::tag::attribute);
  t.add_text(spec::tag::attribute_name, "Cryptographic Usage Mask");
  t.add_integer(spec::tag::attribute_value, 12);
  t.end_structure();
  const std::string json = to_json(t.root());
  EXPECT_NE(json.find(R"({"tag":"AttributeValue", "type":"Integer", "value":"Encrypt|Decrypt"})"), std::string::npos)
      << json;
  EXPECT_EQ(read(json), t);
}

TEST(JsonReading, AttributeNameStaysValidWhileLaterSiblingsGrowTheTree) {
  const std::string filler(4096, 'f');
  const auto t = read(R"({"tag":"Attribute", "value":[
  {"tag":"AttributeName", "type":"TextString", "value":"Cryptographic Usage Mask"},
  {"tag":"0x540001", "type":"TextString", "value":")" +
                      filler + R"("},
  {"tag":"AttributeValue", "type":"Integer", "value":"Encrypt|Decrypt"}
]})");
  EXPECT_EQ(ttlv::item_view(t, 3).as_integer(), 12);
}

TEST(JsonWriter, PlaceholdersAndRedactedKeyMaterial) {
  const auto t = read(R"({"tag":"KeyBlock", "value":[
  {"tag":"KeyMaterial", "type":"ByteString", "value":"00112233"},
  {"tag":"CryptographicLength", "type":"Integer", "value":"$LENGTH"},
  {"tag":"0x540001", "type":"DateTime", "value":"$NOW-3600"},
  {"tag":"0x540002", "type":"TextString", "value":"$UNIQUE_IDENTIFIER_0"}
]})");
  EXPECT_FALSE(ttlv::item_view(t, 1).is_placeholder());
  EXPECT_TRUE(ttlv::item_view(t, 2).is_placeholder());
  EXPECT_TRUE(ttlv::item_view(t, 3).is_placeholder());
  EXPECT_EQ(ttlv::item_view(t, 4).as_text(), "$UNIQUE_IDENTIFIER_0");
  EXPECT_EQ(read(to_json(t.root())), t);
  write_options o;
  o.redact_key_material = true;
  const std::string redacted = to_json(t.root(), o);
  EXPECT_NE(redacted.find(R"({"tag":"KeyMaterial", "type":"ByteString", "value":"$KEY_MATERIAL"})"), std::string::npos);
  EXPECT_EQ(redacted.find("00112233"), std::string::npos);
  EXPECT_TRUE(ttlv::item_view(read(redacted), 1).is_placeholder());
}

// ---- bad input --------------------------------------------------------------------------------------------

TEST(JsonErrors, SyntaxAtLineAndColumn) {
  EXPECT_EQ(error_of("{\"tag\":\"BatchCount\",\n \"type\":\"Integer\", \"value\":1,}").substr(0, 5), "2:30:");
  EXPECT_EQ(error_of("{\"tag\":\"BatchCount\", \"value\":tru}").substr(0, 5), "1:33:");
  EXPECT_EQ(error_of("").substr(0, 4), "1:1:");
  EXPECT_EQ(from_json("[1,").error().code, errc::syntax);
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Integer", "type":"Integer", "value":1})"),
            "duplicate member \"type\" in an object");
}

TEST(JsonErrors, ContentAtItsJsonPointer) {
  EXPECT_EQ(error_of(R"({"tag":"RequestMessage", "value":[{"tag":"Bogus", "value":[]}]})"),
            "/value/0/tag: unknown tag name 'Bogus'");
  EXPECT_EQ(error_of(R"({"tag":"ObjectType", "type":"Enumeration", "value":"SymetricKey"})"),
            "/value: ObjectType: unknown Object Type value 'SymetricKey' (write unknown values as 0x hex)");
  EXPECT_EQ(error_of(R"({"tag":"MACSignature", "type":"ByteString", "value":"C5G"})"),
            "/value: MACSignature: hex 'C5G' has an odd number of digits");
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Int", "value":1})").substr(0, 27), "/type: unknown type 'Int' (");
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Integer", "value":2147483648})"),
            "/value: BatchCount: 2147483648 is out of range for Integer");
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Integer", "value":1.5})"),
            "/value: BatchCount: a Integer value must be an integer or a string");
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Integer", "value":true})"),
            "/value: BatchCount: a Integer value must be a string or a number");
  EXPECT_EQ(error_of(R"({"tag":"ArchiveDate", "type":"DateTime", "value":978307200})"),
            "/value: ArchiveDate: a DateTime value must be a string");
  EXPECT_EQ(error_of(R"({"tag":"Offset", "type":"Interval", "value":-1})"),
            "/value: Offset: -1 is out of range for Interval");
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Integer"})"), "a Integer item needs a \"value\"");
  EXPECT_EQ(error_of(R"({"tag":"BatchCount", "type":"Integer", "value":1, "unit":"s"})"),
            "unexpected member \"unit\" (an item has tag, name, type and value)");
  EXPECT_EQ(error_of(R"({"type":"Integer", "value":1})"), "the item has no \"tag\"");
  EXPECT_EQ(error_of(R"({"tag":66, "type":"Integer", "value":1})"), "/tag: \"tag\" must be a string");
  EXPECT_EQ(error_of(R"({"tag":"RequestMessage", "value":{"tag":"RequestHeader"}})"),
            "/value: a Structure's value must be an array of items or null");
  EXPECT_EQ(error_of(R"([{"tag":"RequestMessage"}])"),
            "expected an item object {\"tag\":..., \"type\":..., \"value\":...}");
  EXPECT_EQ(
      error_of(R"({"tag":"RequestMessage", "value":[{"tag":"BatchCount", "type":"Integer", "value":"x"}]})"),
      "/value/0/value: BatchCount: bad Integer 'x': expected a decimal 32-bit number or 0x and up to 8 hex digits");
}

TEST(JsonErrors, NullOrMissingStructureValueIsEmpty) {
  EXPECT_EQ(read(R"({"tag":"RequestPayload", "value":null})"), read(R"({"tag":"RequestPayload"})"));
  EXPECT_EQ(read(R"({"tag":"RequestPayload"})").root().child_count(), 0u);
}

std::string nested(std::size_t structures) {
  std::string json;
  for (std::size_t i = 0; i < structures; ++i) json += R"({"tag":"Attribute", "value":[)";
  json += R"({"tag":"BatchCount", "type":"Integer", "value":1})";
  for (std::size_t i = 0; i < structures; ++i) json += "]}";
  return json;
}

TEST(JsonLimits, DepthAtItsEdge) {
  read_limits limits;
  limits.max_depth = 8;
  EXPECT_TRUE(from_json(nested(8), limits));
  auto deep = from_json(nested(9), limits);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, errc::too_deep);
  EXPECT_EQ(deep.error().message(), "1:261: nested deeper than the limit of 8 structures (17 JSON levels)");
  std::string hostile(1000000, '[');
  EXPECT_EQ(from_json(hostile).error().code, errc::too_deep);
}

TEST(JsonLimits, ItemsInputSizeAndStringLengthAtTheirEdges) {
  read_limits limits;
  limits.max_items = 3;
  EXPECT_TRUE(from_json(nested(2), limits));
  EXPECT_EQ(from_json(nested(3), limits).error().code, errc::too_many_items);

  const std::string json = R"({"tag":"MACSignature", "type":"ByteString", "value":")" + std::string(64, 'A') + "\"}";
  limits = {};
  limits.max_input_size = json.size();
  EXPECT_TRUE(from_json(json, limits));
  limits.max_input_size = json.size() - 1;
  EXPECT_EQ(from_json(json, limits).error().code, errc::too_large);

  limits = {};
  limits.max_value_length = 64;
  EXPECT_TRUE(from_json(json, limits));
  limits.max_value_length = 63;
  EXPECT_EQ(error_of(json, limits), "1:53: string longer than the limit of 63 bytes");

  const std::string huge(read_limits{}.max_input_size + 1, ' ');
  EXPECT_EQ(from_json(huge).error().code, errc::too_large);
}

}  // namespace
}  // namespace kmip::encoding
