// Typed messages: the same payload in its 1.x and 2.x forms (hand-verified bytes), version refusals, and
// decoding errors with their paths and KMIP Result Reasons.
#include <gtest/gtest.h>

#include <typeinfo>

#include "common/hex.hpp"
#include "kmip/model/message.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "tests/support/vectors.hpp"

namespace kmip::model {
namespace {

using spec::tag;
using enum spec::version;

std::vector<std::uint8_t> unhex(std::string_view text) {
  auto b = common::from_hex(text);
  EXPECT_TRUE(b.has_value()) << text;
  return b ? *b : std::vector<std::uint8_t>{};
}

template <class Message>
std::string hex_of(const Message& m) {
  auto b = to_bytes(m);
  EXPECT_TRUE(b.has_value()) << (b ? "" : b.error().to_string());
  return b ? common::to_hex(*b) : std::string{};
}

std::vector<std::uint8_t> bytes_of(const ttlv::tree& t) {
  auto b = ttlv::encode(t);
  EXPECT_TRUE(b.has_value());
  return b ? std::vector<std::uint8_t>(b->begin(), b->end()) : std::vector<std::uint8_t>{};
}

std::vector<std::uint8_t> vector_named(std::string_view name) {
  for (auto& v : kmiph::testdata::nlnetlabs_messages())
    if (v.name == name) return v.bytes;
  ADD_FAILURE() << "no vector " << name;
  return {};
}

// The Create of OASIS profile test case SKLC-M-1-21 (KMIP Profiles 2.1, test-cases/kmip-v2.1/mandatory),
// as one typed payload: AES-256 for Encrypt|Decrypt, named "SKLC-M-1-21".
create_request sklc_create() {
  create_request create;
  create.object_type = spec::object_type::symmetric_key;
  create.template_attribute.attributes = {
      attr::cryptographic_algorithm(spec::cryptographic_algorithm::aes), attr::cryptographic_length(256),
      attr::cryptographic_usage_mask(spec::cryptographic_usage_mask::encrypt | spec::cryptographic_usage_mask::decrypt),
      attr::name("SKLC-M-1-21")};
  return create;
}

request_message message_of(spec::protocol_version pv, request_batch_item item) {
  request_message m;
  m.header.protocol_version = pv;
  m.batch_items.push_back(std::move(item));
  return m;
}

// ---- one typed Create, two wire forms ------------------------------------------------------------------
// KMIP 2.1: SKLC-M-1-21 step 0 exactly (the XML test case transcribed to TTLV by hand, lengths checked).
constexpr std::string_view sklc_create_v21 =
    "42 00 78 | 01 | 00 00 00 f8 |"
    "  42 00 77 | 01 | 00 00 00 58 |"
    "    42 00 69 | 01 | 00 00 00 20 |"
    "      42 00 6a | 02 | 00 00 00 04 | 00 00 00 02 00 00 00 00"
    "      42 00 6b | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "    42 01 05 | 07 | 00 00 00 12 | 53 4b 4c 43 2d 4d 2d 31 2d 32 31 20 73 74 65 70 3d 30 00 00 00 00 00 00"
    "    42 00 0d | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "  42 00 0f | 01 | 00 00 00 90 |"
    "    42 00 5c | 05 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "    42 00 79 | 01 | 00 00 00 78 |"
    "      42 00 57 | 05 | 00 00 00 04 | 00 00 00 02 00 00 00 00"
    "      42 01 25 | 01 | 00 00 00 60 |"  // Attributes
    "        42 00 28 | 05 | 00 00 00 04 | 00 00 00 03 00 00 00 00"
    "        42 00 2a | 02 | 00 00 00 04 | 00 00 01 00 00 00 00 00"
    "        42 00 2c | 02 | 00 00 00 04 | 00 00 00 0c 00 00 00 00"
    "        42 00 53 | 01 | 00 00 00 28 |"
    "          42 00 55 | 07 | 00 00 00 0b | 53 4b 4c 43 2d 4d 2d 31 2d 32 31 00 00 00 00 00"
    "          42 00 54 | 05 | 00 00 00 04 | 00 00 00 01 00 00 00 00";

// KMIP 1.1: the same Create as 1.x spells it (Template-Attribute of Attribute structures, 1.1 §2.1.1, §2.1.8),
// laid out like KMIP 1.1 Test Case 17.1's Create (nlnetlabs vector kmip_1_1_testcase_17_1_time_0).
constexpr std::string_view sklc_create_v11 =
    "42 00 78 | 01 | 00 00 01 68 |"
    "  42 00 77 | 01 | 00 00 00 38 |"
    "    42 00 69 | 01 | 00 00 00 20 |"
    "      42 00 6a | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "      42 00 6b | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "    42 00 0d | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "  42 00 0f | 01 | 00 00 01 20 |"
    "    42 00 5c | 05 | 00 00 00 04 | 00 00 00 01 00 00 00 00"
    "    42 00 79 | 01 | 00 00 01 08 |"
    "      42 00 57 | 05 | 00 00 00 04 | 00 00 00 02 00 00 00 00"
    "      42 00 91 | 01 | 00 00 00 f0 |"  // Template-Attribute
    "        42 00 08 | 01 | 00 00 00 30 |"
    "          42 00 0a | 07 | 00 00 00 17 | 43 72 79 70 74 6f 67 72 61 70 68 69 63 20 41 6c 67 6f 72 69 74 68 6d 00"
    "          42 00 0b | 05 | 00 00 00 04 | 00 00 00 03 00 00 00 00"
    "        42 00 08 | 01 | 00 00 00 30 |"
    "          42 00 0a | 07 | 00 00 00 14 | 43 72 79 70 74 6f 67 72 61 70 68 69 63 20 4c 65 6e 67 74 68 00 00 00 00"
    "          42 00 0b | 02 | 00 00 00 04 | 00 00 01 00 00 00 00 00"
    "        42 00 08 | 01 | 00 00 00 30 |"
    "          42 00 0a | 07 | 00 00 00 18 | 43 72 79 70 74 6f 67 72 61 70 68 69 63 20 55 73 61 67 65 20 4d 61 73 6b"
    "          42 00 0b | 02 | 00 00 00 04 | 00 00 00 0c 00 00 00 00"
    "        42 00 08 | 01 | 00 00 00 40 |"
    "          42 00 0a | 07 | 00 00 00 04 | 4e 61 6d 65 00 00 00 00"
    "          42 00 0b | 01 | 00 00 00 28 |"
    "            42 00 55 | 07 | 00 00 00 0b | 53 4b 4c 43 2d 4d 2d 31 2d 32 31 00 00 00 00 00"
    "            42 00 54 | 05 | 00 00 00 04 | 00 00 00 01 00 00 00 00";

TEST(Create, OneTypedRequestEncodesAs11AndAs21) {
  auto v11 = message_of({1, 1}, make_request_item(sklc_create()));
  EXPECT_EQ(hex_of(v11), common::to_hex(unhex(sklc_create_v11)));

  auto v21 = message_of({2, 1}, make_request_item(sklc_create()));
  v21.header.client_correlation_value = "SKLC-M-1-21 step=0";
  EXPECT_EQ(hex_of(v21), common::to_hex(unhex(sklc_create_v21)));
}

TEST(Create, BothFormsDecodeToTheSameTypedPayload) {
  for (auto form : {sklc_create_v11, sklc_create_v21}) {
    auto m = request_from_bytes(unhex(form));
    ASSERT_TRUE(m) << m.error().to_string();
    const auto* create = std::get_if<create_request>(&m->batch_items.at(0).payload);
    ASSERT_NE(create, nullptr);
    const auto& attrs = create->template_attribute.attributes;
    ASSERT_EQ(attrs.size(), 4u);
    EXPECT_EQ(attrs[0].name, "Cryptographic Algorithm");
    EXPECT_EQ(attrs[0].enum_value<spec::cryptographic_algorithm>(), spec::cryptographic_algorithm::aes);
    EXPECT_EQ(attrs[1].integer(), 256);
    EXPECT_EQ(attrs[2].integer(), 12);
    ASSERT_TRUE(attrs[3].name_value());
    EXPECT_EQ(attrs[3].name_value()->value, "SKLC-M-1-21");
  }
}

// KMIP 1.0 Use Case 3.1.1, built through the typed API.
TEST(Create, MatchesUseCase311) {
  create_request create;
  create.template_attribute.attributes = {attr::cryptographic_algorithm(spec::cryptographic_algorithm::aes),
                                          attr::cryptographic_length(128), attr::cryptographic_usage_mask(12)};
  EXPECT_EQ(hex_of(message_of({1, 0}, make_request_item(create))),
            common::to_hex(vector_named("kmip_1_0_usecase_3_1_1_create_symmetric_key_request")));
}

// ---- what a version does not have ------------------------------------------------------------------------
TEST(Versions, FieldOfALaterVersionIsRefusedByName) {
  auto m = message_of({1, 1}, make_request_item(sklc_create()));
  m.header.client_correlation_value = "SKLC-M-1-21 step=0";
  auto bytes = to_bytes(m);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().to_string(), "Request Header/Client Correlation Value: not in KMIP 1.1 (KMIP 1.4 and later)");

  auto create = sklc_create();
  create.protection_storage_masks = protection_storage_masks{{1}};
  auto e = to_bytes(message_of({1, 4}, make_request_item(create)));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().to_string(),
            "Batch Item[0]/Request Payload/Protection Storage Masks: not in KMIP 1.4 (KMIP 2.0 and later)");
  EXPECT_EQ(e.error().batch_item, 0u);
  EXPECT_TRUE(to_bytes(message_of({2, 0}, make_request_item(create))));
}

TEST(Versions, OperationOfALaterVersionIsRefused) {
  set_attribute_request set{.unique_identifier = "1", .attribute = attr::text("x-Foo", "bar")};
  auto e = to_bytes(message_of({1, 4}, make_request_item(set)));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().reason, spec::result_reason::operation_not_supported);
  EXPECT_EQ(e.error().to_string(),
            "Batch Item[0]/Request Payload: Set Attribute is not defined in KMIP 1.4 (KMIP 2.0 and later)");

  // And on decoding: the server's answer for that item is Operation Not Supported.
  auto ok21 = encode(message_of({2, 1}, make_request_item(set)));
  ASSERT_TRUE(ok21);
  ttlv::tree as14;  // the same message with a 1.4 header
  as14.begin_structure(tag::request_message);
  as14.begin_structure(tag::request_header);
  as14.begin_structure(tag::protocol_version);
  as14.add_integer(tag::protocol_version_major, 1);
  as14.add_integer(tag::protocol_version_minor, 4);
  as14.end_structure();
  as14.add_integer(tag::batch_count, 1);
  as14.end_structure();
  as14.add_copy(*ok21->root().find(tag::batch_item));
  as14.end_structure();
  auto d = decode_request(as14);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason, spec::result_reason::operation_not_supported);
  EXPECT_EQ(d.error().batch_item, 0u);
  EXPECT_EQ(d.error().operation, spec::operation::set_attribute);
}

TEST(Versions, TwoXFormsWithoutAOneXSpelling) {
  // Template names (deprecated in 1.3) have no 2.x form.
  auto create = sklc_create();
  create.template_attribute.names.push_back({"Template1", spec::name_type::uninterpreted_text_string});
  EXPECT_TRUE(to_bytes(message_of({1, 1}, make_request_item(create))));
  auto e = to_bytes(message_of({2, 1}, make_request_item(create)));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().path, "Batch Item[0]/Request Payload/Attributes");

  // Neither has Attribute Index.
  modify_attribute_request modify{.unique_identifier = "1", .attribute = attr::text("Contact Information", "x")};
  modify.attribute.index = 0;
  EXPECT_TRUE(to_bytes(message_of({1, 1}, make_request_item(modify))));
  auto m = to_bytes(message_of({2, 1}, make_request_item(modify)));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().path, "Batch Item[0]/Request Payload/New Attribute");
}

TEST(Versions, EffectiveVersion) {
  EXPECT_EQ(effective_version({1, 1}), v1_1);
  EXPECT_EQ(effective_version({1, 5}), v1_4);
  EXPECT_EQ(effective_version({2, 2}), v2_1);
  EXPECT_EQ(effective_version({3, 0}), v2_1);
  EXPECT_EQ(effective_version({0, 9}), std::nullopt);
}

// ---- 1.x names vs 2.x tags --------------------------------------------------------------------------------
TEST(Attributes, CustomAttributeBecomesVendorAttributeX) {
  add_attribute_request add{.unique_identifier = "1", .attribute = attr::text("x-Vendor", "VMware, Inc.")};
  auto v21 = encode(message_of({2, 1}, make_request_item(add)));
  ASSERT_TRUE(v21);
  auto payload = v21->root().find(tag::batch_item)->find(tag::request_payload);
  auto vendor = payload->find(tag::new_attribute)->find(tag::attribute);
  ASSERT_TRUE(vendor);
  EXPECT_EQ(vendor->find(tag::vendor_identification)->as_text(), "x");
  EXPECT_EQ(vendor->find(tag::attribute_name)->as_text(), "Vendor");
  EXPECT_EQ(vendor->find(tag::attribute_value)->as_text(), "VMware, Inc.");

  auto back = decode_request(*v21);
  ASSERT_TRUE(back) << back.error().to_string();
  const auto& a = std::get<add_attribute_request>(back->batch_items[0].payload).attribute;
  EXPECT_EQ(a.name, "x-Vendor");
  EXPECT_EQ(a.text(), "VMware, Inc.");
}

TEST(Attributes, GetAttributesNamesBecomeAttributeReferences) {
  get_attributes_request get{.unique_identifier = "2", .attribute_references = {{"State"}, {"x-Product"}}};
  auto v21 = encode(message_of({2, 1}, make_request_item(get)));
  ASSERT_TRUE(v21);
  auto payload = *v21->root().find(tag::batch_item)->find(tag::request_payload);
  std::vector<ttlv::item_view> refs;
  for (auto c : payload.children())
    if (c.is(tag::attribute_reference)) refs.push_back(c);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].type(), ttlv::item_type::enumeration);
  EXPECT_EQ(refs[0].as_enumeration(), static_cast<std::uint32_t>(tag::state));
  EXPECT_EQ(refs[1].find(tag::vendor_identification)->as_text(), "x");
  EXPECT_EQ(refs[1].find(tag::attribute_name)->as_text(), "Product");

  auto back = decode_request(*v21);
  ASSERT_TRUE(back);
  const auto& decoded = std::get<get_attributes_request>(back->batch_items[0].payload);
  EXPECT_EQ(decoded.attribute_references[0].name, "State");
  EXPECT_EQ(decoded.attribute_references[1].name, "x-Product");

  auto v11 = encode(message_of({1, 1}, make_request_item(get)));
  ASSERT_TRUE(v11);
  auto names = v11->root().find(tag::batch_item)->find(tag::request_payload)->find(tag::attribute_name);
  EXPECT_EQ(names->as_text(), "State");
}

TEST(Attributes, GetAttributesResponseListsIn2xAttributes) {
  get_attributes_response resp{.unique_identifier = "2", .attributes = {attr::state(spec::state::pre_active)}};
  response_message m;
  m.header.protocol_version = {2, 1};
  m.batch_items.push_back(make_response_item(resp));
  auto t = encode(m);
  ASSERT_TRUE(t);
  auto attrs = t->root().find(tag::batch_item)->find(tag::response_payload)->find(tag::attributes);
  ASSERT_TRUE(attrs);
  EXPECT_EQ(attrs->find(tag::state)->as_enumeration(), static_cast<std::uint32_t>(spec::state::pre_active));

  // An empty list is still an (empty) Attributes structure in 2.x, where it is required, and nothing in 1.x.
  resp.attributes.clear();
  m.batch_items[0] = make_response_item(resp);
  auto empty = encode(m);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->root().find(tag::batch_item)->find(tag::response_payload)->find(tag::attributes));
  m.header.protocol_version = {1, 1};
  auto empty11 = encode(m);
  ASSERT_TRUE(empty11);
  EXPECT_EQ(empty11->root().find(tag::batch_item)->find(tag::response_payload)->child_count(), 1u);
}

TEST(Attributes, DeleteAttributeInBothForms) {
  delete_attribute_request del{.unique_identifier = "1", .attribute_reference = attribute_reference{"x-attribute1"}};
  auto v10 = message_of({1, 0}, make_request_item(del));
  v10.batch_items[0].unique_batch_item_id = unhex("3e2c080fa8806057");
  auto original = vector_named("kmip_1_0_usecase_4_1_step_13_client_a_delete_attribute_batch_request");
  auto parsed = request_from_bytes(original);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<delete_attribute_request>(parsed->batch_items[0].payload).attribute_reference->name,
            "x-attribute1");

  auto v21 = encode(message_of({2, 1}, make_request_item(del)));
  ASSERT_TRUE(v21);
  auto ref = v21->root().find(tag::batch_item)->find(tag::request_payload)->find(tag::attribute_reference);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->find(tag::attribute_name)->as_text(), "attribute1");

  // 1.x requires the name.
  delete_attribute_request nameless{.unique_identifier = "1"};
  auto e = to_bytes(message_of({1, 1}, make_request_item(nameless)));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().to_string(), "Batch Item[0]/Request Payload: missing required field Attribute Name");
  EXPECT_TRUE(to_bytes(message_of({2, 1}, make_request_item(nameless))));
}

// ---- decoding errors: path, reason, batch item -----------------------------------------------------------
// A 1.1 request builder for malformed messages.
struct request_builder {
  ttlv::tree t;
  explicit request_builder(int batch_count = 1, int minor = 1) {
    t.begin_structure(tag::request_message);
    t.begin_structure(tag::request_header);
    t.begin_structure(tag::protocol_version);
    t.add_integer(tag::protocol_version_major, 1);
    t.add_integer(tag::protocol_version_minor, minor);
    t.end_structure();
    t.add_integer(tag::batch_count, batch_count);
    t.end_structure();
  }
  void begin_item(spec::operation op, std::string_view id = "") {
    t.begin_structure(tag::batch_item);
    t.add_enum(tag::operation, op);
    if (!id.empty()) t.add_bytes(tag::unique_batch_item_id, unhex(id));
    t.begin_structure(tag::request_payload);
  }
  void end_item() {
    t.end_structure();
    t.end_structure();
  }
  void attribute(std::string_view name, auto add_value) {
    t.begin_structure(tag::attribute);
    t.add_text(tag::attribute_name, name);
    add_value(t);
    t.end_structure();
  }
  ttlv::tree done() {
    t.end_structure();
    return std::move(t);
  }
};

TEST(DecodeErrors, AttributeValueOfTheWrongTypeNamesItsPath) {
  request_builder b;
  b.begin_item(spec::operation::create, "514c4b4301000000");
  b.t.add_enum(tag::object_type, spec::object_type::symmetric_key);
  b.t.begin_structure(tag::template_attribute);
  b.attribute("Cryptographic Algorithm", [](ttlv::tree& t) { t.add_enumeration(tag::attribute_value, 3); });
  b.attribute("Cryptographic Usage Mask", [](ttlv::tree& t) { t.add_integer(tag::attribute_value, 12); });
  b.attribute("Cryptographic Length", [](ttlv::tree& t) { t.add_text(tag::attribute_value, "256"); });
  b.t.end_structure();
  b.end_item();
  auto d = decode_request(b.done());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().to_string(),
            "Batch Item[0]/Request Payload/Template-Attribute/Attribute[2]/Attribute Value: "
            "expected Integer, got Text String");
  EXPECT_EQ(d.error().reason, spec::result_reason::invalid_field);
  EXPECT_EQ(d.error().batch_item, 0u);
  EXPECT_EQ(d.error().operation, spec::operation::create);
  EXPECT_EQ(d.error().unique_batch_item_id, unhex("514c4b4301000000"));
}

TEST(DecodeErrors, CustomAttributesTakeAnyType) {
  request_builder b;
  b.begin_item(spec::operation::add_attribute);
  b.t.add_text(tag::unique_identifier, "1");
  b.attribute("x-Count", [](ttlv::tree& t) { t.add_integer(tag::attribute_value, 3); });
  b.end_item();
  auto d = decode_request(b.done());
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(std::get<add_attribute_request>(d->batch_items[0].payload).attribute.integer(), 3);
}

TEST(DecodeErrors, MissingRequiredPayloadField) {
  request_builder b;
  b.begin_item(spec::operation::create);
  b.t.begin_structure(tag::template_attribute);
  b.t.end_structure();
  b.end_item();
  auto d = decode_request(b.done());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().to_string(), "Batch Item[0]/Request Payload: missing required field Object Type");
  EXPECT_EQ(d.error().reason, spec::result_reason::invalid_field);
}

TEST(DecodeErrors, BatchCountMustMatch) {
  request_builder b(2);
  b.begin_item(spec::operation::discover_versions);
  b.end_item();
  auto d = decode_request(b.done());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().to_string(),
            "Request Header/Batch Count: Batch Count is 2 but the message holds 1 Batch Item(s)");
  EXPECT_EQ(d.error().reason, spec::result_reason::invalid_message);
  EXPECT_FALSE(d.error().batch_item);
}

TEST(DecodeErrors, HeaderErrorsAreInvalidMessage) {
  ttlv::tree t;
  t.begin_structure(tag::request_message);
  t.begin_structure(tag::request_header);
  t.begin_structure(tag::protocol_version);
  t.add_text(tag::protocol_version_major, "1");
  t.add_integer(tag::protocol_version_minor, 1);
  t.end_structure();
  t.add_integer(tag::batch_count, 1);
  t.end_structure();
  t.begin_structure(tag::batch_item);
  t.end_structure();
  t.end_structure();
  auto d = decode_request(t);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().to_string(),
            "Request Header/Protocol Version/Protocol Version Major: expected Integer, got Text String");
  EXPECT_EQ(d.error().reason, spec::result_reason::invalid_message);

  request_builder old(1, 0);
  old.t.end_structure();  // no batch item at all
  auto none = decode_request(old.t);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().to_string(),
            "Request Header/Batch Count: Batch Count is 1 but the message holds 0 Batch Item(s)");
}

TEST(DecodeErrors, NotARequest) {
  auto response = vector_named("kmip_1_0_usecase_3_1_1_create_symmetric_key_response");
  auto d = request_from_bytes(response);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "expected Request Message, got Response Message (Structure)");
  EXPECT_EQ(d.error().reason, spec::result_reason::invalid_message);

  const std::uint8_t truncated[] = {0x42, 0x00, 0x78, 0x01, 0x00, 0x00, 0x00, 0x10};
  auto t = request_from_bytes(truncated);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().reason, spec::result_reason::invalid_message);
}

TEST(DecodeErrors, DuplicateAndOutOfOrderFields) {
  request_builder dup;
  dup.begin_item(spec::operation::get);
  dup.t.add_text(tag::unique_identifier, "1");
  dup.t.add_text(tag::unique_identifier, "2");
  dup.end_item();
  auto d = decode_request(dup.done());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().to_string(), "Batch Item[0]/Request Payload/Unique Identifier: appears more than once");

  request_builder swapped;
  swapped.begin_item(spec::operation::get);
  swapped.t.add_enum(tag::key_format_type, spec::key_format_type::raw);
  swapped.t.add_text(tag::unique_identifier, "1");
  swapped.end_item();
  const auto t = swapped.done();
  EXPECT_TRUE(decode_request(t));  // the meaning is clear
  auto strict = decode_request(t, {.strict = true});
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().to_string(), "Batch Item[0]/Request Payload/Unique Identifier: out of order");
}

TEST(DecodeErrors, UnknownFieldsAreKeptOrRefused) {
  request_builder b;
  b.begin_item(spec::operation::activate);
  b.t.add_text(tag::unique_identifier, "1");
  b.t.add_text(0x540001u, "vendor extension");
  b.end_item();
  const auto t = b.done();

  auto kept = decode_request(t);
  ASSERT_TRUE(kept);
  const auto& activate = std::get<activate_request>(kept->batch_items[0].payload);
  ASSERT_EQ(activate.unknown_fields.size(), 1u);
  EXPECT_EQ(activate.unknown_fields[0].item().tag(), 0x540001u);
  auto again = encode(*kept);
  ASSERT_TRUE(again);
  EXPECT_EQ(bytes_of(*again), bytes_of(t));

  auto refused = decode_request(t, {.keep_unknown_fields = false});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().to_string(),
            "Batch Item[0]/Request Payload/0x540001: unexpected field (not defined here in KMIP 1.1)");
  EXPECT_EQ(refused.error().reason, spec::result_reason::invalid_field);

  // A 2.x field in a 1.1 message is unknown there.
  request_builder two;
  two.begin_item(spec::operation::create);
  two.t.add_enum(tag::object_type, spec::object_type::symmetric_key);
  two.t.begin_structure(tag::attributes);
  two.t.end_structure();
  two.end_item();
  auto mixed = decode_request(two.done(), {.keep_unknown_fields = false});
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().path, "Batch Item[0]/Request Payload/Attributes");
}

TEST(DecodeErrors, ItemErrorsInPlaceLetAServerAnswerPerItem) {
  request_builder b(2);
  b.begin_item(spec::operation::activate, "514c4b4301000000");
  b.t.add_text(tag::unique_identifier, "1");
  b.end_item();
  b.begin_item(spec::operation::revoke, "514c4b4302000000");
  b.t.add_text(tag::unique_identifier, "1");
  b.end_item();  // no Revocation Reason
  const auto t = b.done();

  auto whole = decode_request(t);
  ASSERT_FALSE(whole);
  EXPECT_EQ(whole.error().batch_item, 1u);
  EXPECT_EQ(whole.error().operation, spec::operation::revoke);

  auto per_item = decode_request(t, {.item_errors_in_place = true});
  ASSERT_TRUE(per_item);
  EXPECT_FALSE(per_item->batch_items[0].decode_error);
  EXPECT_TRUE(std::holds_alternative<activate_request>(per_item->batch_items[0].payload));
  const auto& bad = per_item->batch_items[1];
  ASSERT_TRUE(bad.decode_error);
  EXPECT_EQ(bad.decode_error->to_string(), "Batch Item[1]/Request Payload: missing required field Revocation Reason");
  EXPECT_EQ(bad.decode_error->reason, spec::result_reason::invalid_field);
  EXPECT_EQ(bad.decode_error->unique_batch_item_id, unhex("514c4b4302000000"));
  EXPECT_TRUE(std::holds_alternative<opaque>(bad.payload));
  auto again = encode(*per_item);
  ASSERT_TRUE(again);
  EXPECT_EQ(bytes_of(*again), bytes_of(t));
}

TEST(DecodeErrors, StrictModeWantsBatchItemIds) {
  request_builder b(2);
  b.begin_item(spec::operation::activate);
  b.t.add_text(tag::unique_identifier, "1");
  b.end_item();
  b.begin_item(spec::operation::activate);
  b.t.add_text(tag::unique_identifier, "2");
  b.end_item();
  const auto t = b.done();
  EXPECT_TRUE(decode_request(t));
  auto strict = decode_request(t, {.strict = true});
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().to_string(), "Batch Item[0]: Unique Batch Item ID is required when Batch Count is above 1");
}

// ---- typed objects and headers -----------------------------------------------------------------------------
TEST(Objects, GetResponseCarriesATypedSymmetricKey) {
  auto m = response_from_bytes(vector_named("kmip_1_0_usecase_4_1_step_6_client_b_get_symmetric_key_response"));
  ASSERT_TRUE(m) << m.error().to_string();
  const auto& get = std::get<get_response>(*m->batch_items[0].payload);
  const auto& key = std::get<symmetric_key>(get.object);
  EXPECT_EQ(key.key_block.cryptographic_algorithm, spec::cryptographic_algorithm::aes);
  EXPECT_EQ(key.key_block.cryptographic_length, 128);
  ASSERT_NE(key.key_block.raw_key_material(), nullptr);
  EXPECT_EQ(common::to_hex(*key.key_block.raw_key_material()), "ef7833ab15f5a1ee5874bc0d9bbc4be7");

  // Typed construction gives the same bytes.
  response_message built;
  built.header = m->header;
  built.batch_items.push_back(make_response_item(get_response{
      .object_type = spec::object_type::symmetric_key,
      .unique_identifier = get.unique_identifier,
      .object = symmetric_key::raw(spec::cryptographic_algorithm::aes, unhex("ef7833ab15f5a1ee5874bc0d9bbc4be7"))}));
  EXPECT_EQ(hex_of(built), hex_of(*m));
}

TEST(Objects, OtherObjectKindsStayOpaque) {
  auto m = request_from_bytes(vector_named("kmip_1_0_usecase_3_1_2_step_1_register_request"));
  ASSERT_TRUE(m);
  const auto& reg = std::get<register_request>(m->batch_items[0].payload);
  ASSERT_TRUE(std::holds_alternative<opaque>(reg.object));
  EXPECT_EQ(std::get<opaque>(reg.object).item().tag(), static_cast<std::uint32_t>(tag::template_));
}

TEST(Headers, UsernamePasswordCredentialIsTyped) {
  auto m = request_from_bytes(vector_named("kmip_1_0_usecase_11_1_step_1_client_a_create_request_symmetric_key"));
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->header.authentication);
  const auto* up = m->header.authentication->credentials.at(0).as_username_password();
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->username, "Fred");
  EXPECT_EQ(up->password, "password1");

  // A Device credential (1.1 §2.1.2 Table 5) stays opaque and round-trips.
  request_message dev = message_of({1, 1}, make_request_item(discover_versions_request{}));
  credential device;
  device.type = spec::credential_type::device;
  ttlv::tree value;
  value.begin_structure(tag::credential_value);
  value.add_text(tag::device_serial_number, "SN-1");
  value.add_text(tag::password, "secret");
  value.end_structure();
  device.value = opaque::copy_of(value.root());
  dev.header.authentication = authentication{{device}, {}};
  auto bytes = to_bytes(dev);
  ASSERT_TRUE(bytes);
  auto back = request_from_bytes(*bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->header.authentication->credentials.at(0).as_username_password(), nullptr);
  EXPECT_EQ(hex_of(*back), common::to_hex(*bytes));
}

TEST(Messages, FailureResponseWithoutOperation) {
  auto m = response_from_bytes(
      vector_named("kmip_1_0_usecase_12_1_step_1_query_operation_failed_response_too_large_response"));
  ASSERT_TRUE(m);
  const auto& item = m->batch_items[0];
  EXPECT_FALSE(item.operation);
  EXPECT_EQ(item.result_status, spec::result_status::operation_failed);
  EXPECT_EQ(item.result_reason, spec::result_reason::response_too_large);
  EXPECT_FALSE(item.payload);

  response_message built;
  built.header = m->header;
  built.batch_items.push_back(make_failure_item(std::nullopt, spec::result_reason::response_too_large,
                                                "Response size: 568, Maximum Response Size indicated in request: 256"));
  EXPECT_EQ(hex_of(built), hex_of(*m));
}

TEST(Messages, PayloadMustMatchTheOperation) {
  auto item = make_request_item(activate_request{.unique_identifier = "1"});
  item.operation = spec::operation::destroy;
  auto e = to_bytes(message_of({1, 1}, item));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().to_string(),
            "Batch Item[0]/Request Payload: the payload is for Activate but the batch item's Operation is Destroy");
}

TEST(Messages, UnknownOperationsTravelOpaque) {
  auto m = request_from_bytes(vector_named("kmip_1_3_testcase_5_9_9_1_rng_retrieve_request"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->batch_items[0].operation, spec::operation::rng_retrieve);
  EXPECT_TRUE(std::holds_alternative<opaque>(m->batch_items[0].payload));
}

}  // namespace
}  // namespace kmip::model

namespace kmip::model {
namespace {

// ---- every typed payload, in every version that has its operation ----------------------------------------
std::vector<request_batch_item> sample_requests() {
  std::vector<request_batch_item> items;
  items.push_back(make_request_item(discover_versions_request{.protocol_versions = {{1, 1}, {1, 0}}}));
  items.push_back(make_request_item(query_request{.query_functions = {spec::query_function::query_operations}}));
  items.push_back(make_request_item(sklc_create()));
  register_request reg;
  reg.template_attribute.attributes = {attr::cryptographic_usage_mask(12)};
  reg.object = symmetric_key::raw(spec::cryptographic_algorithm::aes, unhex("000102030405060708090a0b0c0d0e0f"));
  items.push_back(make_request_item(reg));
  register_request secret;
  secret.object_type = spec::object_type::secret_data;
  secret_data password;
  password.key_block.key_format_type = spec::key_format_type::opaque;
  password.key_block.key_value =
      key_value{.key_material = common::secure_bytes{'p', 'w'}, .attributes = {attr::text("x-Hint", "two letters")}};
  secret.object = password;
  items.push_back(make_request_item(secret));
  items.push_back(make_request_item(re_key_request{.unique_identifier = "1", .offset = interval{86400}}));
  items.push_back(make_request_item(locate_request{.maximum_items = 1,
                                                   .storage_status_mask = spec::storage_status_mask::on_line_storage,
                                                   .attributes = {attr::name("Key1")}}));
  items.push_back(make_request_item(check_request{.unique_identifier = "1", .cryptographic_usage_mask = 4}));
  get_request get{.unique_identifier = "1", .key_format_type = spec::key_format_type::raw};
  get.key_wrapping_specification =
      key_wrapping_specification{.wrapping_method = spec::wrapping_method::encrypt,
                                 .encryption_key_information = key_information{.unique_identifier = "kek"},
                                 .attribute_names = {"Cryptographic Usage Mask"}};
  items.push_back(make_request_item(get));
  items.push_back(
      make_request_item(get_attributes_request{.unique_identifier = "1", .attribute_references = {{"State"}}}));
  items.push_back(make_request_item(get_attribute_list_request{.unique_identifier = "1"}));
  items.push_back(make_request_item(add_attribute_request{.attribute = attr::text("x-Purpose", "test")}));
  items.push_back(make_request_item(modify_attribute_request{.attribute = attr::object_group("g2")}));
  items.push_back(make_request_item(delete_attribute_request{.attribute_reference = attribute_reference{"x-Purpose"}}));
  items.push_back(make_request_item(activate_request{.unique_identifier = "1"}));
  items.push_back(
      make_request_item(revoke_request{.revocation_reason = {spec::revocation_reason_code::key_compromise, "lost"},
                                       .compromise_occurrence_date = date_time{6}}));
  items.push_back(make_request_item(destroy_request{}));
  return items;
}

TEST(RoundTrip, EverySamplePayloadInEveryVersion) {
  for (auto pv : std::vector<spec::protocol_version>{{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 0}, {2, 1}}) {
    for (auto& item : sample_requests()) {
      const std::string what = std::string(spec::name_of(item.operation)) + " in " + std::to_string(pv.major) + "." +
                               std::to_string(pv.minor);
      auto bytes = to_bytes(message_of(pv, item));
      ASSERT_TRUE(bytes) << what << ": " << bytes.error().to_string();
      auto back = request_from_bytes(*bytes, {.keep_unknown_fields = false, .strict = true});
      ASSERT_TRUE(back) << what << ": " << back.error().to_string();
      EXPECT_EQ(back->batch_items[0].payload.index(), item.payload.index()) << what;
      EXPECT_EQ(hex_of(*back), common::to_hex(*bytes)) << what;
    }
  }
}

TEST(RoundTrip, TwoXOnlyPayloadsAndFields) {
  auto set = make_request_item(set_attribute_request{.unique_identifier = "1", .attribute = attr::text("x-a", "b")});
  auto modify = make_request_item(modify_attribute_request{
      .unique_identifier = "1", .current_attribute = attr::text("x-a", "b"), .attribute = attr::text("x-a", "c")});
  auto del = make_request_item(delete_attribute_request{.current_attribute = attr::cryptographic_length(128)});
  for (auto& item : {set, modify, del}) {
    auto bytes = to_bytes(message_of({2, 1}, item));
    ASSERT_TRUE(bytes) << bytes.error().to_string();
    auto back = request_from_bytes(*bytes, {.keep_unknown_fields = false, .strict = true});
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(hex_of(*back), common::to_hex(*bytes));
  }
  auto e = to_bytes(message_of({1, 4}, modify));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().path, "Batch Item[0]/Request Payload/Current Attribute");
}

}  // namespace
}  // namespace kmip::model

namespace kmip::model {
namespace {

// Each description says a field exists only in versions that have its tag (kmip/spec/tags.def `since`).
template <class S>
void check_description(std::vector<std::string>& problems) {
  std::apply(
      [&](const auto&... f) {
        auto one = [&](const auto& field) {
          for (int v = 0; v <= static_cast<int>(spec::newest_version); ++v) {
            const auto version = static_cast<spec::version>(v);
            if (!field.present.contains(version)) continue;
            const auto* info = spec::find_tag(static_cast<std::uint32_t>(field.tag_in(version)));
            if (!info)
              problems.push_back("unknown tag in " + std::string(typeid(S).name()));
            else if (info->since > version)
              problems.push_back(std::string(info->name) + " used in KMIP " + std::string(spec::to_string(version)) +
                                 " but introduced in " + std::string(spec::to_string(info->since)));
          }
        };
        (one(f), ...);
      },
      description<S>::fields);
}

template <class... Rows>
void check_table(operation_list<Rows...>, std::vector<std::string>& problems) {
  (check_description<typename Rows::request>(problems), ...);
  (check_description<typename Rows::response>(problems), ...);
}

TEST(Descriptions, FieldsExistOnlyWhereTheirTagsDo) {
  std::vector<std::string> problems;
  check_table(operation_table{}, problems);
  check_description<request_header>(problems);
  check_description<response_header>(problems);
  check_description<request_batch_item>(problems);
  check_description<response_batch_item>(problems);
  check_description<credential>(problems);
  check_description<key_block>(problems);
  check_description<key_value>(problems);
  check_description<key_wrapping_data>(problems);
  check_description<key_wrapping_specification>(problems);
  check_description<template_attribute>(problems);
  EXPECT_EQ(problems, std::vector<std::string>{});
}

}  // namespace
}  // namespace kmip::model
