// Attribute names and values: the 1.x name <-> 2.x tag mapping, custom/vendor names (2.1 §4.60), value
// types of spec attributes, and the typed builders and readers.
#include "kmip/model/attribute.hpp"

#include <gtest/gtest.h>

namespace kmip::model {
namespace {

using spec::tag;

TEST(AttributeNames, SpecNamesAreTagNames) {
  EXPECT_EQ(attribute_tag("Cryptographic Algorithm"), static_cast<std::uint32_t>(tag::cryptographic_algorithm));
  EXPECT_EQ(attribute_tag("State"), static_cast<std::uint32_t>(tag::state));
  EXPECT_EQ(attribute_tag("x-Product"), std::nullopt);
  EXPECT_EQ(attribute_tag("0x540010"), 0x540010u);
  EXPECT_EQ(attribute_tag("0x999999"), std::nullopt);
  EXPECT_EQ(attribute_name_for_tag(static_cast<std::uint32_t>(tag::cryptographic_usage_mask)),
            "Cryptographic Usage Mask");
  EXPECT_EQ(attribute_name_for_tag(0x540010), "0x540010");
}

TEST(AttributeNames, CustomAndVendorNames) {
  EXPECT_TRUE(is_custom_attribute_name("x-Product_Version"));
  EXPECT_TRUE(is_custom_attribute_name("y-Server"));
  EXPECT_FALSE(is_custom_attribute_name("x-"));
  EXPECT_FALSE(is_custom_attribute_name("Name"));

  auto x = split_vendor_name("x-Product_Version");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->vendor, "x");
  EXPECT_EQ(x->name, "Product_Version");
  auto acme = split_vendor_name("ACME.corp-Rotation-Policy");  // the first '-' ends the vendor
  ASSERT_TRUE(acme);
  EXPECT_EQ(acme->vendor, "ACME.corp");
  EXPECT_EQ(acme->name, "Rotation-Policy");
  EXPECT_FALSE(split_vendor_name("Cryptographic Algorithm"));
  EXPECT_FALSE(split_vendor_name("bad vendor-Name"));
  EXPECT_FALSE(split_vendor_name("-Name"));
}

TEST(AttributeNames, ValueTypes) {
  EXPECT_EQ(attribute_value_type("Cryptographic Length"), ttlv::item_type::integer);
  EXPECT_EQ(attribute_value_type("CryptographicLength"), ttlv::item_type::integer);
  EXPECT_EQ(attribute_value_type("Name"), ttlv::item_type::structure);
  EXPECT_EQ(attribute_value_type("Activation Date"), ttlv::item_type::date_time);
  EXPECT_EQ(attribute_value_type("x-Anything"), std::nullopt);
}

TEST(AttributeValues, BuildersAndReaders) {
  auto alg = attr::cryptographic_algorithm(spec::cryptographic_algorithm::aes);
  EXPECT_EQ(alg.name, "Cryptographic Algorithm");
  EXPECT_EQ(alg.value_item().tag(), static_cast<std::uint32_t>(tag::attribute_value));
  EXPECT_EQ(alg.enum_value<spec::cryptographic_algorithm>(), spec::cryptographic_algorithm::aes);
  EXPECT_EQ(alg.integer(), std::nullopt);  // wrong type reads as absent

  EXPECT_EQ(attr::cryptographic_usage_mask(12).integer(), 12);
  EXPECT_EQ(attr::text("x-Vendor", "VMware, Inc.").text(), "VMware, Inc.");
  EXPECT_EQ(attr::activation_date({1258024235}).date(), date_time{1258024235});
  EXPECT_EQ(attr::interval("Lease Time", {3600}).interval(), interval{3600});

  auto name = attr::name("Key1").name_value();
  ASSERT_TRUE(name);
  EXPECT_EQ(name->value, "Key1");
  EXPECT_EQ(name->type, spec::name_type::uninterpreted_text_string);

  auto link = attr::link(spec::link_type::private_key_link, "a242fca4").link_value();
  ASSERT_TRUE(link);
  EXPECT_EQ(link->type, spec::link_type::private_key_link);
  EXPECT_EQ(link->linked_object_identifier, "a242fca4");

  std::vector<attribute> list = {alg, attr::state(spec::state::active)};
  ASSERT_NE(find_attribute(list, "State"), nullptr);
  EXPECT_EQ(find_attribute(list, "State")->enum_value<spec::state>(), spec::state::active);
  EXPECT_EQ(find_attribute(list, "Name"), nullptr);
}

TEST(AttributeValues, OfItemRetagsAnyItem) {
  ttlv::tree t;
  t.begin_structure(tag::digest);
  t.add_enum(tag::hashing_algorithm, spec::hashing_algorithm::sha_256);
  t.end_structure();
  auto a = attr::of_item("Digest", t.root());
  EXPECT_EQ(a.value_item().tag(), static_cast<std::uint32_t>(tag::attribute_value));
  EXPECT_EQ(a.value_item().child_count(), 1u);
}

}  // namespace
}  // namespace kmip::model
