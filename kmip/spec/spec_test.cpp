// Checks of the generated KMIP tables (tags.def, enums.def, masks.def) and of the lookups in spec.cpp.
// Spot values are taken from the OASIS specification texts (1.1 and 1.4 section 9.1.3, 2.1 sections 11-12).
#include "kmip/spec/spec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace {

using namespace kmip::spec;

constexpr std::uint32_t u(tag t) { return static_cast<std::uint32_t>(t); }

const enumeration_info& enum_named(std::string_view name) {
  for (const auto& e : all_enumerations())
    if (e.name == name) return e;
  ADD_FAILURE() << "no enumeration " << name;
  return all_enumerations().front();
}

const mask_info& mask_named(std::string_view name) {
  for (const auto& m : all_masks())
    if (m.name == name) return m;
  ADD_FAILURE() << "no mask " << name;
  return all_masks().front();
}

// ---- uniqueness -------------------------------------------------------------------------------------

TEST(SpecTables, TagsAreUniqueByValueNameAndCamelName) {
  std::set<std::uint32_t> values;
  std::set<std::string_view> names;
  std::set<std::string_view> camels;
  for (const auto& t : all_tags()) {
    EXPECT_TRUE(values.insert(u(t.value)).second) << std::hex << u(t.value);
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_TRUE(camels.insert(t.camel).second) << t.camel;
    EXPECT_FALSE(t.name.empty());
    EXPECT_FALSE(t.camel.empty());
  }
  EXPECT_GT(all_tags().size(), 360u);
}

TEST(SpecTables, EnumerationsAreUniqueByNameAndCamelName) {
  std::set<std::string_view> names;
  std::set<std::string_view> camels;
  for (const auto& e : all_enumerations()) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    EXPECT_TRUE(camels.insert(e.camel).second) << e.camel;
    EXPECT_FALSE(e.values.empty()) << e.name;
  }
  EXPECT_EQ(names.count("Tag"), 0u) << "the 2.x Tag enumeration is the tag table, not an enumeration";
}

TEST(SpecTables, EnumerationValuesAreUniqueWithinTheirEnumeration) {
  for (const auto& e : all_enumerations()) {
    std::set<std::uint32_t> values;
    std::set<std::string_view> names;
    std::set<std::string_view> camels;
    for (const auto& v : e.values) {
      EXPECT_TRUE(values.insert(v.value).second) << e.name << " " << v.value;
      EXPECT_TRUE(names.insert(v.name).second) << e.name << " " << v.name;
      EXPECT_TRUE(camels.insert(v.camel).second) << e.name << " " << v.camel;
    }
  }
}

TEST(SpecTables, MasksAreUniqueAndBitsAreSingleBits) {
  std::set<std::string_view> names;
  std::set<std::string_view> camels;
  for (const auto& m : all_masks()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_TRUE(camels.insert(m.camel).second) << m.camel;
    std::set<std::uint32_t> values;
    std::set<std::string_view> bit_names;
    std::set<std::string_view> bit_camels;
    for (const auto& b : m.bits) {
      EXPECT_TRUE(values.insert(b.value).second) << m.name << " " << b.value;
      EXPECT_TRUE(bit_names.insert(b.name).second) << m.name << " " << b.name;
      EXPECT_TRUE(bit_camels.insert(b.camel).second) << m.name << " " << b.camel;
      EXPECT_NE(b.value, 0u);
      EXPECT_EQ(b.value & (b.value - 1), 0u) << m.name << " " << b.name << " is not a single bit";
    }
  }
  EXPECT_EQ(all_masks().size(), 3u);
}

// ---- versions ---------------------------------------------------------------------------------------

TEST(SpecTables, ValuesAreNotOlderThanTheirEnumeration) {
  for (const auto& e : all_enumerations()) {
    auto oldest = newest_version;
    for (const auto& v : e.values) {
      EXPECT_GE(v.since, e.since) << e.name << " " << v.name;
      if (v.since < oldest) oldest = v.since;
    }
    EXPECT_EQ(e.since, oldest) << e.name << ": an enumeration is as old as its oldest value";
  }
  for (const auto& m : all_masks())
    for (const auto& b : m.bits) EXPECT_GE(b.since, m.since) << m.name << " " << b.name;
}

TEST(SpecTables, TagsWereAllocatedByAppending) {
  // A newer version never introduced a tag below one that an older version introduced.
  const tag_info* previous = nullptr;
  for (const auto& t : all_tags()) {
    if (previous) {
      EXPECT_LT(u(previous->value), u(t.value)) << "tags.def is sorted by value";
      EXPECT_LE(previous->since, t.since) << t.name;
    }
    EXPECT_EQ(u(t.value) & 0xFF0000u, 0x420000u) << t.name;
    EXPECT_FALSE(is_extension_tag(u(t.value)));
    previous = &t;
  }
}

TEST(SpecTables, EveryVersionIntroducedSomething) {
  std::set<version> seen;
  for (const auto& t : all_tags()) seen.insert(t.since);
  for (auto v : {version::v1_0, version::v1_1, version::v1_2, version::v1_3, version::v1_4, version::v2_0,
                 version::v2_1})
    EXPECT_EQ(seen.count(v), 1u) << to_string(v);
}

// ---- spot values from the spec texts ----------------------------------------------------------------

TEST(SpecTables, TagSpotValues) {
  EXPECT_EQ(u(tag::unique_identifier), 0x420094u);
  EXPECT_EQ(u(tag::activation_date), 0x420001u);
  EXPECT_EQ(u(tag::object_type), 0x420057u);
  EXPECT_EQ(u(tag::cryptographic_usage_mask), 0x42002Cu);
  EXPECT_EQ(u(tag::batch_item), 0x42000Fu);
  EXPECT_EQ(u(tag::iv_counter_nonce), 0x42003Du);

  const auto* uid = find_tag(0x420094u);
  ASSERT_NE(uid, nullptr);
  EXPECT_EQ(uid->name, "Unique Identifier");
  EXPECT_EQ(uid->camel, "UniqueIdentifier");
  EXPECT_EQ(uid->since, version::v1_0);

  // 1.1 added the tags 0x4200A2..0x4200B7, e.g. Device Identifier and the X.509 attributes.
  ASSERT_NE(find_tag(0x4200A2u), nullptr);
  EXPECT_EQ(find_tag(0x4200A2u)->name, "Device Identifier");
  EXPECT_EQ(find_tag(0x4200A2u)->since, version::v1_1);
  EXPECT_EQ(find_tag("X.509 Certificate Identifier")->since, version::v1_1);
  EXPECT_EQ(find_tag(0x4200A1u)->since, version::v1_0);

  // 2.0: Attributes 0x420125.
  const auto* attributes = find_tag(0x420125u);
  ASSERT_NE(attributes, nullptr);
  EXPECT_EQ(attributes->name, "Attributes");
  EXPECT_EQ(attributes->since, version::v2_0);
  EXPECT_EQ(u(tag::attributes), 0x420125u);

  // 2.1: Rotate Interval 0x42016A, the newest tag Asynchronous Correlation Values 0x420176.
  const auto* rotate = find_tag("Rotate Interval");
  ASSERT_NE(rotate, nullptr);
  EXPECT_EQ(u(rotate->value), 0x42016Au);
  EXPECT_EQ(rotate->since, version::v2_1);
  EXPECT_EQ(find_tag(0x420176u)->since, version::v2_1);

  // 1.x tags that 2.x marks (Reserved) stay valid for 1.x.
  ASSERT_NE(find_tag(0x420091u), nullptr);
  EXPECT_EQ(find_tag(0x420091u)->name, "Template-Attribute");
}

TEST(SpecTables, FindTagAcceptsValueSpecNameAndCamelName) {
  const auto* by_value = find_tag(0x420057u);
  const auto* by_name = find_tag("Object Type");
  const auto* by_camel = find_tag("ObjectType");
  ASSERT_NE(by_value, nullptr);
  EXPECT_EQ(by_value, by_name);
  EXPECT_EQ(by_value, by_camel);
  EXPECT_EQ(by_value->value, tag::object_type);

  EXPECT_EQ(find_tag("IVCounterNonce"), find_tag("IV/Counter/Nonce"));
  EXPECT_EQ(find_tag("PrivateKeyTemplateAttribute"), find_tag("Private Key Template-Attribute"));

  EXPECT_EQ(find_tag(0x540000u), nullptr);
  EXPECT_EQ(find_tag(0x420000u), nullptr);
  EXPECT_EQ(find_tag("No Such Tag"), nullptr);
  EXPECT_TRUE(is_extension_tag(0x540001u));
}

TEST(SpecTables, OperationSpotValues) {
  EXPECT_EQ(static_cast<std::uint32_t>(operation::create), 0x01u);
  EXPECT_EQ(static_cast<std::uint32_t>(operation::register_), 0x03u);
  EXPECT_EQ(static_cast<std::uint32_t>(operation::discover_versions), 0x1Eu);

  const auto& op = enum_named("Operation");
  EXPECT_EQ(op.since, version::v1_0);
  const auto* dv = find_value(op, 0x1Eu);
  ASSERT_NE(dv, nullptr);
  EXPECT_EQ(dv->name, "Discover Versions");
  EXPECT_EQ(dv->camel, "DiscoverVersions");
  EXPECT_EQ(dv->since, version::v1_1);
  EXPECT_EQ(find_value(op, "DiscoverVersions"), dv);
  EXPECT_EQ(find_value(op, "Discover Versions"), dv);
  EXPECT_EQ(find_value(op, 0x1Du)->since, version::v1_1);  // Re-key Key Pair
  EXPECT_EQ(find_value(op, 0x1Cu)->since, version::v1_0);  // Put
  EXPECT_EQ(find_value(op, 0x1Fu)->since, version::v1_2);  // Encrypt
  EXPECT_EQ(find_value(op, 0x2Au)->since, version::v1_4);  // Import
  EXPECT_EQ(find_value(op, 0x2Cu)->since, version::v2_0);  // Log

  const auto* ping = find_value(op, "Ping");
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->value, 0x3Bu);
  EXPECT_EQ(ping->since, version::v2_1);
  EXPECT_EQ(name_of(operation::ping), "Ping");
}

TEST(SpecTables, ResultStateAndObjectTypeSpotValues) {
  EXPECT_EQ(static_cast<std::uint32_t>(result_reason::item_not_found), 0x01u);
  EXPECT_EQ(static_cast<std::uint32_t>(result_reason::general_failure), 0x100u);
  EXPECT_EQ(static_cast<std::uint32_t>(result_status::success), 0x00u);
  EXPECT_EQ(name_of(result_reason::item_not_found), "Item Not Found");

  EXPECT_EQ(static_cast<std::uint32_t>(state::pre_active), 1u);
  EXPECT_EQ(static_cast<std::uint32_t>(state::active), 2u);
  EXPECT_EQ(static_cast<std::uint32_t>(state::deactivated), 3u);
  EXPECT_EQ(static_cast<std::uint32_t>(state::compromised), 4u);
  EXPECT_EQ(static_cast<std::uint32_t>(state::destroyed), 5u);
  EXPECT_EQ(static_cast<std::uint32_t>(state::destroyed_compromised), 6u);
  EXPECT_EQ(enum_named("State").values.size(), 6u);
  EXPECT_EQ(name_of(state::pre_active), "Pre-Active");

  EXPECT_EQ(static_cast<std::uint32_t>(object_type::symmetric_key), 2u);
  EXPECT_EQ(name_of(object_type::symmetric_key), "Symmetric Key");
  EXPECT_EQ(find_value(enum_named("Object Type"), 0x09u)->since, version::v1_2);  // PGP Key
  EXPECT_EQ(static_cast<std::uint32_t>(cryptographic_algorithm::triple_des), 2u);
  EXPECT_EQ(find_value(enum_named("Cryptographic Algorithm"), "DES3")->name, "3DES");

  const auto& credential = enum_named("Credential Type");
  EXPECT_EQ(find_value(credential, 1u)->since, version::v1_0);
  EXPECT_EQ(find_value(credential, 2u)->since, version::v1_1);
  EXPECT_EQ(find_value(credential, 3u)->since, version::v1_2);
  EXPECT_EQ(find_value(credential, 4u)->since, version::v2_0);
}

TEST(SpecTables, MaskSpotValues) {
  EXPECT_EQ(cryptographic_usage_mask::sign, 0x1u);
  EXPECT_EQ(cryptographic_usage_mask::encrypt, 0x4u);
  EXPECT_EQ(cryptographic_usage_mask::decrypt, 0x8u);
  EXPECT_EQ(cryptographic_usage_mask::export_, 0x40u);
  EXPECT_EQ(storage_status_mask::on_line_storage, 0x1u);
  EXPECT_EQ(storage_status_mask::archival_storage, 0x2u);
  EXPECT_EQ(protection_storage_mask::software, 0x1u);

  const auto& cum = mask_named("Cryptographic Usage Mask");
  EXPECT_EQ(cum.since, version::v1_0);
  EXPECT_EQ(cum.camel, "CryptographicUsageMask");
  bool found_fpe = false;
  for (const auto& b : cum.bits)
    if (b.name == "FPE Encrypt") {
      found_fpe = true;
      EXPECT_EQ(b.value, 0x400000u);
      EXPECT_EQ(b.since, version::v2_0);
    }
  EXPECT_TRUE(found_fpe);
  EXPECT_EQ(mask_named("Protection Storage Mask").since, version::v2_0);
}

// ---- tag -> enumeration / mask -----------------------------------------------------------------------

TEST(SpecTables, EnumerationForTag) {
  const auto* ot = enumeration_for_tag(u(tag::object_type));
  ASSERT_NE(ot, nullptr);
  EXPECT_EQ(ot->name, "Object Type");
  EXPECT_EQ(&info(enumeration_id::object_type), ot);

  EXPECT_EQ(enumeration_for_tag(u(tag::operation))->name, "Operation");
  EXPECT_EQ(enumeration_for_tag(u(tag::mask_generator_hashing_algorithm))->name, "Hashing Algorithm");
  EXPECT_EQ(enumeration_for_tag(u(tag::hashing_algorithm))->name, "Hashing Algorithm");
  EXPECT_EQ(enumeration_for_tag(u(tag::unique_identifier))->name, "Unique Identifier");
  EXPECT_EQ(enumeration_for_tag(u(tag::linked_object_identifier))->name, "Unique Identifier");
  EXPECT_EQ(enumeration_for_tag(u(tag::extension_type))->name, "Item Type");
  EXPECT_EQ(enumeration_for_tag(u(tag::result_reason))->name, "Result Reason");

  EXPECT_EQ(enumeration_for_tag(u(tag::activation_date)), nullptr);
  EXPECT_EQ(enumeration_for_tag(u(tag::cryptographic_usage_mask)), nullptr);
  EXPECT_EQ(enumeration_for_tag(0x540000u), nullptr);

  // Every enumeration is reachable from at least one tag.
  for (const auto& e : all_enumerations()) {
    bool reachable = false;
    for (const auto& t : all_tags())
      if (enumeration_for_tag(u(t.value)) == &e) reachable = true;
    EXPECT_TRUE(reachable) << e.name;
  }
}

TEST(SpecTables, MaskForTag) {
  const auto* cum = mask_for_tag(u(tag::cryptographic_usage_mask));
  ASSERT_NE(cum, nullptr);
  EXPECT_EQ(cum->name, "Cryptographic Usage Mask");
  EXPECT_EQ(mask_for_tag(u(tag::storage_status_mask))->name, "Storage Status Mask");
  EXPECT_EQ(mask_for_tag(u(tag::protection_storage_mask))->name, "Protection Storage Mask");
  EXPECT_EQ(mask_for_tag(u(tag::protection_storage_masks))->name, "Protection Storage Mask");
  EXPECT_EQ(mask_for_tag(u(tag::common_protection_storage_masks))->name, "Protection Storage Mask");
  EXPECT_EQ(mask_for_tag(u(tag::unique_identifier)), nullptr);
  EXPECT_EQ(mask_for_tag(u(tag::object_type)), nullptr);
}

TEST(SpecTables, VersionConversions) {
  EXPECT_EQ(to_string(version::v1_1), "1.1");
  EXPECT_EQ(to_string(version::v2_1), "2.1");
  EXPECT_EQ(to_version(protocol_version{1, 4}), version::v1_4);
  EXPECT_EQ(to_version(protocol_version{2, 0}), version::v2_0);
  EXPECT_FALSE(to_version(protocol_version{3, 0}).has_value());
  EXPECT_EQ(to_protocol_version(version::v2_1), (protocol_version{2, 1}));
}

}  // namespace
