// Readable rendering: names from the spec tables, redaction of key material, ISO 8601 date-times.
#include "kmip/ttlv/text.hpp"

#include <gtest/gtest.h>

namespace kmip::ttlv {
namespace {

TEST(Text, DateTimeBothWays) {
  EXPECT_EQ(format_date_time(0x47DA67F8), "2008-03-14T11:56:40Z");  // KMIP 1.x §9.1.2 example
  EXPECT_EQ(parse_date_time("2008-03-14T11:56:40Z"), 0x47DA67F8);
  EXPECT_EQ(parse_date_time("2008-03-14T12:56:40+01:00"), 0x47DA67F8);
  EXPECT_EQ(parse_date_time("2008-03-14T11:56:40.250Z"), 0x47DA67F8);
  EXPECT_EQ(format_date_time(-1), "1969-12-31T23:59:59Z");
  EXPECT_FALSE(parse_date_time("2008-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_date_time("2008-03-14 11:56"));
  EXPECT_FALSE(parse_date_time("2008-03-14T11:56:40Zjunk"));
}

TEST(Text, NamesEnumsMasksAndRedactsKeyMaterial) {
  tree t;
  t.begin_structure(0x420078);
  t.add_enum(spec::tag::object_type, spec::object_type::symmetric_key);
  t.add_integer(spec::tag::cryptographic_usage_mask, 12);
  t.add_bytes(spec::tag::key_material, std::vector<std::uint8_t>(32, 0x5A));
  t.add_text(0x540001, "vendor\n");
  t.end_structure();
  const std::string s = to_text(t.root());
  EXPECT_NE(s.find("  Object Type (Enumeration): Symmetric Key\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Cryptographic Usage Mask (Integer): Encrypt | Decrypt (12)"), std::string::npos) << s;
  EXPECT_NE(s.find("Key Material (Byte String): <32 bytes of key material, redacted>"), std::string::npos) << s;
  EXPECT_EQ(s.find("5A5A"), std::string::npos) << s;
  EXPECT_NE(s.find("0x540001 (Text String): \"vendor\\n\""), std::string::npos) << s;

  text_options show;
  show.redact_key_material = false;
  EXPECT_NE(to_text(t.root(), show).find("5A5A5A5A"), std::string::npos);
}

TEST(Text, RedactsCredentialPasswords) {
  tree t;
  t.begin_structure(spec::tag::credential_value);
  t.add_text(spec::tag::username, "vSphere");
  t.add_text(spec::tag::password, "Sup3r-Secret");
  t.end_structure();
  const std::string s = to_text(t.root());
  EXPECT_NE(s.find("Username (Text String): \"vSphere\""), std::string::npos) << s;
  EXPECT_NE(s.find("Password (Text String): <12 characters of password, redacted>"), std::string::npos) << s;
  EXPECT_EQ(s.find("Sup3r"), std::string::npos) << s;
  text_options show;
  show.redact_key_material = false;
  EXPECT_NE(to_text(t.root(), show).find("Sup3r-Secret"), std::string::npos);
}

TEST(Text, AttributeValuesAreNamedByTheirAttributeName) {
  tree t;
  t.begin_structure(spec::tag::template_attribute);
  t.begin_structure(spec::tag::attribute);
  t.add_text(spec::tag::attribute_name, "Cryptographic Algorithm");
  t.add_enumeration(spec::tag::attribute_value, 3);
  t.end_structure();
  t.begin_structure(spec::tag::attribute);
  t.add_text(spec::tag::attribute_name, "Cryptographic Usage Mask");
  t.add_integer(spec::tag::attribute_value, 12);
  t.end_structure();
  t.begin_structure(spec::tag::attribute);
  t.add_text(spec::tag::attribute_name, "x-Custom");
  t.add_integer(spec::tag::attribute_value, 12);
  t.end_structure();
  t.end_structure();
  const std::string s = to_text(t.root());
  EXPECT_NE(s.find("Attribute Value (Enumeration): AES\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Attribute Value (Integer): Encrypt | Decrypt (12)"), std::string::npos) << s;
  EXPECT_NE(s.find("Attribute Value (Integer): 12\n"), std::string::npos) << s;
}

}  // namespace
}  // namespace kmip::ttlv
