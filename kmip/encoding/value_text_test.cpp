// The text forms shared by the XML and JSON encodings (Additional Message Encodings v1.0 §4.1, §6.1):
// tags, types, and each value type both ways, at the edges of its range.
#include "kmip/encoding/value_text.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "common/hex.hpp"

namespace kmip::encoding::detail {
namespace {

using ttlv::item_type;

constexpr auto tag_of(spec::tag t) { return static_cast<std::uint32_t>(t); }
const std::uint32_t usage_mask = tag_of(spec::tag::cryptographic_usage_mask);
const std::uint32_t object_type = tag_of(spec::tag::object_type);
const std::uint32_t extension = 0x540001;

// Parses `text` as a `type` value of `tag` and renders it back with value_text(); "error: ..." on failure.
std::string round(item_type type, std::string_view text, std::uint32_t tag = extension) {
  ttlv::tree t;
  auto r = add_value(t, tag, type, text, tag);
  if (!r) return "error: " + r.error().detail;
  const auto item = t.root();
  if (item.is_placeholder()) return "placeholder " + std::string(item.placeholder_text());
  return value_text(item, tag, ' ');
}

errc error_of(item_type type, std::string_view text, std::uint32_t tag = extension) {
  ttlv::tree t;
  auto r = add_value(t, tag, type, text, tag);
  EXPECT_FALSE(r) << text;
  return r ? errc::syntax : r.error().code;
}

TEST(TagText, NamesForSpecTagsHexForExtensionsAndUnknownTags) {
  EXPECT_EQ(tag_text(tag_of(spec::tag::unique_identifier)), "UniqueIdentifier");
  EXPECT_EQ(tag_text(0x540001), "0x540001");
  EXPECT_EQ(tag_text(0x42FFFF), "0x42FFFF");
  EXPECT_EQ(*parse_tag("UniqueIdentifier"), tag_of(spec::tag::unique_identifier));
  EXPECT_EQ(*parse_tag("Unique Identifier"), tag_of(spec::tag::unique_identifier));
  EXPECT_EQ(*parse_tag("0x420094"), tag_of(spec::tag::unique_identifier));
  EXPECT_EQ(*parse_tag("0x54ffff"), 0x54FFFFu);
  EXPECT_EQ(parse_tag("Nonsense").error().code, errc::unknown_tag);
  EXPECT_EQ(parse_tag("Nonsense").error().detail, "unknown tag name 'Nonsense'");
  EXPECT_EQ(parse_tag("0x42009").error().code, errc::bad_tag);
  EXPECT_EQ(parse_tag("0x4200944").error().code, errc::bad_tag);
  EXPECT_EQ(parse_tag("0x42009G").error().code, errc::bad_tag);
  EXPECT_EQ(parse_tag("0x123456").error().detail, "tag '0x123456' is outside the 0x42xxxx and 0x54xxxx ranges");
}

TEST(TypeText, CamelCaseAndSpecNames) {
  EXPECT_EQ(*parse_type("DateTime"), item_type::date_time);
  EXPECT_EQ(*parse_type("Text String"), item_type::text_string);
  EXPECT_EQ(parse_type("Identifier").error().code, errc::unknown_type);
  EXPECT_EQ(parse_type("integer").error().code, errc::unknown_type);
}

TEST(IntegerText, DecimalAndHexAtTheEdges) {
  EXPECT_EQ(round(item_type::integer, "2147483647"), "2147483647");
  EXPECT_EQ(round(item_type::integer, "-2147483648"), "-2147483648");
  EXPECT_EQ(round(item_type::integer, "+7"), "7");
  EXPECT_EQ(round(item_type::integer, " 10 "), "10");        // xsd whitespace collapse
  EXPECT_EQ(round(item_type::integer, "0xffffffff"), "-1");  // §4.1.1: -1 is 0xffffffff
  EXPECT_EQ(round(item_type::integer, "0x0000000A"), "10");
  EXPECT_EQ(error_of(item_type::integer, "2147483648"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::integer, "0x100000000"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::integer, "12a"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::integer, ""), errc::bad_value);
  EXPECT_EQ(error_of(item_type::integer, "0x"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::integer, "99999999999999999999999"), errc::bad_value);
}

TEST(MaskText, NamesHexAndSeparators) {
  // §6.1.6.4 and §4.1.6.4: all four spellings are 0x0000100C.
  for (const auto* text : {"0x0000100c", "Encrypt Decrypt CertificateSign", "CertificateSign 0x00000004 0x0000008",
                           "CertificateSign 0x0000000c", "Encrypt|Decrypt|CertificateSign",
                           "CertificateSign|0x00000004|0x0000008", "Decrypt   Encrypt  CertificateSign", "4108"}) {
    ttlv::tree t;
    ASSERT_TRUE(add_value(t, usage_mask, item_type::integer, text, usage_mask)) << text;
    EXPECT_EQ(t.root().as_integer(), 0x100C) << text;
  }
  EXPECT_EQ(round(item_type::integer, "Decrypt Encrypt", usage_mask), "Encrypt Decrypt");
  EXPECT_EQ(round(item_type::integer, "0", usage_mask), "0");
  EXPECT_EQ(round(item_type::integer, "Encrypt 0x40000000", usage_mask), "Encrypt 0x40000000");
  EXPECT_EQ(mask_text(usage_mask, 0x4000000C, '|'), "Encrypt|Decrypt|0x40000000");
  EXPECT_EQ(mask_text(usage_mask, -1, ' ').substr(0, 12), "Sign Verify ");
  EXPECT_EQ(error_of(item_type::integer, "Encrypt Fly", usage_mask), errc::unknown_enum_value);
  EXPECT_EQ(error_of(item_type::integer, "Encrypt 12", usage_mask), errc::unknown_enum_value);
  EXPECT_EQ(error_of(item_type::integer, " | ", usage_mask), errc::bad_value);
  EXPECT_EQ(error_of(item_type::integer, "Encrypt"), errc::bad_value);  // no mask for an extension tag
}

TEST(LongIntegerText, DecimalAndHexAtTheEdges) {
  EXPECT_EQ(round(item_type::long_integer, "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(round(item_type::long_integer, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(round(item_type::long_integer, "0xfffffffffffffffe"), "-2");                    // §4.1.6.5
  EXPECT_EQ(round(item_type::long_integer, "1152921504606846976"), "1152921504606846976");  // §6.1.6.5
  EXPECT_EQ(error_of(item_type::long_integer, "9223372036854775808"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::long_integer, "0x10000000000000000"), errc::bad_value);
}

TEST(IntervalText, UnsignedRange) {
  EXPECT_EQ(round(item_type::interval, "27"), "27");          // §6.1.6.12
  EXPECT_EQ(round(item_type::interval, "0x0000001b"), "27");  // §4.1.6.12
  EXPECT_EQ(round(item_type::interval, "4294967295"), "4294967295");
  EXPECT_EQ(error_of(item_type::interval, "4294967296"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::interval, "-1"), errc::bad_value);
}

TEST(BooleanText, XsdAndHexForms) {
  EXPECT_EQ(round(item_type::boolean, "true"), "true");
  EXPECT_EQ(round(item_type::boolean, "0"), "false");
  EXPECT_EQ(round(item_type::boolean, "1"), "true");
  EXPECT_EQ(round(item_type::boolean, "0x0000000000000001"), "true");  // §4.1.6.8
  EXPECT_EQ(round(item_type::boolean, "0x0000000000000000"), "false");
  EXPECT_EQ(error_of(item_type::boolean, "0x0000000000000002"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::boolean, "True"), errc::bad_value);
}

TEST(EnumerationText, NamesHexAndUnknownValues) {
  EXPECT_EQ(round(item_type::enumeration, "SymmetricKey", object_type), "SymmetricKey");
  EXPECT_EQ(round(item_type::enumeration, "Symmetric Key", object_type), "SymmetricKey");
  EXPECT_EQ(round(item_type::enumeration, "0x00000002", object_type), "SymmetricKey");  // §6.1.6.7
  EXPECT_EQ(round(item_type::enumeration, "2", object_type), "SymmetricKey");
  EXPECT_EQ(round(item_type::enumeration, "0x80000001", object_type), "0x80000001");  // an extension value
  EXPECT_EQ(round(item_type::enumeration, "0xA"), "0x0000000A");  // no enumeration for an extension tag
  EXPECT_EQ(error_of(item_type::enumeration, "Symmetric", object_type), errc::unknown_enum_value);
  ttlv::tree t;
  EXPECT_EQ(add_value(t, object_type, item_type::enumeration, "Symmetric", object_type).error().detail,
            "unknown Object Type value 'Symmetric' (write unknown values as 0x hex)");
  EXPECT_EQ(error_of(item_type::enumeration, "Foo"), errc::unknown_enum_value);
  EXPECT_EQ(error_of(item_type::enumeration, "0x100000000", object_type), errc::bad_value);
}

TEST(EnumerationText, AttributeReferenceNamesTags) {
  // KMIP 2.x: an Attribute Reference Enumeration holds a tag value, written by the tag's name.
  const auto reference = tag_of(spec::tag::attribute_reference);
  ttlv::tree t;
  ASSERT_TRUE(add_value(t, reference, item_type::enumeration, "CryptographicUsageMask", reference));
  EXPECT_EQ(t.root().as_enumeration(), usage_mask);
  EXPECT_EQ(enumeration_text(reference, usage_mask), "CryptographicUsageMask");
  EXPECT_EQ(enumeration_text(reference, 0x540001), "0x00540001");
}

TEST(AttributeValueContext, TheAttributeNameNamesTheValue) {
  const auto value = tag_of(spec::tag::attribute_value);
  EXPECT_EQ(naming_tag(value, "Cryptographic Usage Mask"), usage_mask);
  EXPECT_EQ(naming_tag(value, "x-custom"), value);
  EXPECT_EQ(naming_tag(value, ""), value);
  EXPECT_EQ(naming_tag(object_type, "Cryptographic Usage Mask"), object_type);
}

TEST(BigIntegerText, HexSignExtendedToEightBytes) {
  EXPECT_EQ(round(item_type::big_integer, "0000000000000000"), "0000000000000000");    // §6.1.6.6
  EXPECT_EQ(round(item_type::big_integer, "0x0000000000000000"), "0000000000000000");  // §4.1.6.6
  EXPECT_EQ(round(item_type::big_integer, "010001"), "0000000000010001");
  EXPECT_EQ(round(item_type::big_integer, "FF"), "FFFFFFFFFFFFFFFF");  // -1 stays -1
  EXPECT_EQ(round(item_type::big_integer, "00000000000000FF"), "00000000000000FF");
  EXPECT_EQ(round(item_type::big_integer, ""), "");
  EXPECT_EQ(error_of(item_type::big_integer, "123"), errc::bad_value);
}

TEST(ByteStringText, HexWithoutPrefix) {
  EXPECT_EQ(round(item_type::byte_string, "C50F77"), "C50F77");  // §6.1.6.10
  EXPECT_EQ(round(item_type::byte_string, "a1b2c3d4"), "A1B2C3D4");
  EXPECT_EQ(round(item_type::byte_string, ""), "");
  ttlv::tree t;
  EXPECT_EQ(add_value(t, extension, item_type::byte_string, "C50F7", extension).error().detail,
            "hex 'C50F7' has an odd number of digits");
  EXPECT_EQ(add_value(t, extension, item_type::byte_string, "C5  0F", extension).error().detail,
            "bad hex digit ' ' at position 3 of 'C5  0F'");
  EXPECT_EQ(error_of(item_type::byte_string, "0xC50F"), errc::bad_value);
}

TEST(DateTimeText, Iso8601AndHex) {
  EXPECT_EQ(round(item_type::date_time, "2001-01-01T10:00:00+10:00"), "2001-01-01T00:00:00Z");  // §6.1.6.11
  EXPECT_EQ(round(item_type::date_time, "0x000000003a505520"), "2001-01-01T10:00:00Z");         // §4.1.6.11
  EXPECT_EQ(round(item_type::date_time, "2013-06-26T09:09:17.123Z"), "2013-06-26T09:09:17Z");   // fraction dropped
  EXPECT_EQ(round(item_type::date_time, "1970-01-01T00:00:00Z"), "1970-01-01T00:00:00Z");
  EXPECT_EQ(round(item_type::date_time, "0x7FFFFFFFFFFFFFFF"), "0x7FFFFFFFFFFFFFFF");  // beyond year 9999: hex
  EXPECT_EQ(error_of(item_type::date_time, "2001-02-30T00:00:00Z"), errc::bad_value);
  EXPECT_EQ(error_of(item_type::date_time, "yesterday"), errc::bad_value);
  EXPECT_EQ(date_time_text(-62167219200), "0000-01-01T00:00:00Z");
  EXPECT_EQ(date_time_text(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(date_time_text(253402300800), "0x0000003AFFF44180");
}

TEST(Placeholders, DollarValuesOfNonTextTypesStayPlaceholders) {
  EXPECT_EQ(round(item_type::date_time, "$NOW"), "placeholder $NOW");
  EXPECT_EQ(round(item_type::date_time, "$NOW-3600"), "placeholder $NOW-3600");
  EXPECT_EQ(round(item_type::integer, "$LENGTH"), "placeholder $LENGTH");
  EXPECT_EQ(round(item_type::byte_string, "$KEY_MATERIAL_0"), "placeholder $KEY_MATERIAL_0");
  EXPECT_EQ(round(item_type::enumeration, "$STATE"), "placeholder $STATE");
  EXPECT_EQ(round(item_type::text_string, "$UNIQUE_IDENTIFIER_0"), "$UNIQUE_IDENTIFIER_0");  // text stays text
  ttlv::tree t;
  ASSERT_TRUE(add_value(t, extension, item_type::date_time, "$NOW+3600", extension));
  EXPECT_EQ(t.root().type(), item_type::date_time);
}

TEST(TextStrings, KeptVerbatimAndRepairedOnlyWhenInvalid) {
  EXPECT_EQ(round(item_type::text_string, "  spaced  "), "  spaced  ");
  EXPECT_EQ(repaired_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(repaired_utf8("a\xFF"
                          "b\xC3"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
}

TEST(HexNumber, FixedWidthUpperCase) {
  EXPECT_EQ(hex_number(0x420094, 3), "0x420094");
  EXPECT_EQ(hex_number(10, 4), "0x0000000A");
  EXPECT_EQ(hex_number(~std::uint64_t{0}, 8), "0xFFFFFFFFFFFFFFFF");
}

}  // namespace
}  // namespace kmip::encoding::detail
