// The vCenter 7.0.3 conversation (shared/reference/vcenter-kmip.md §2), built through the typed API, matches
// the bytes vCenter and PyKMIP exchanged in tests/testdata/captures/vcenter-7.0.3-pykmip/vmware-2.log.
// Response Time Stamps are the one thing a typed message cannot reproduce by construction, so both sides
// compare with it zeroed.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/hex.hpp"
#include "kmip/model/message.hpp"
#include "tests/support/vectors.hpp"

namespace kmip::model {
namespace {

// In a 1.x response the Time Stamp value sits at bytes 64..71: Response Message (8) + Response Header (8) +
// Protocol Version (8 + 32) + the Time Stamp item header (8).
std::string with_zero_time_stamp(std::vector<std::uint8_t> bytes) {
  if (bytes.size() >= 72 && bytes[2] == 0x7B && bytes[58] == 0x92) std::fill(bytes.begin() + 64, bytes.begin() + 72, 0);
  return common::to_hex(bytes);
}

const std::set<std::string>& captured() {
  static const std::set<std::string> all = [] {
    std::set<std::string> s;
    const auto log = kmiph::testdata::root() / "captures/vcenter-7.0.3-pykmip/vmware-2.log";
    for (auto& m : kmiph::testdata::capture_messages(log)) s.insert(with_zero_time_stamp(m.bytes));
    return s;
  }();
  return all;
}

template <class Message>
std::string wire(const Message& m) {
  auto b = to_bytes(m);
  EXPECT_TRUE(b.has_value()) << (b ? "" : b.error().to_string());
  return b ? with_zero_time_stamp({b->begin(), b->end()}) : std::string{};
}

// vCenter's Unique Batch Item IDs: "QLKC" and a little-endian counter that restarts in every message.
std::vector<std::uint8_t> qlkc(std::uint8_t n) { return {'Q', 'L', 'K', 'C', n, 0, 0, 0}; }

constexpr spec::protocol_version kmip_1_1{1, 1};

request_message request(std::vector<request_batch_item> items) {
  request_message m;
  m.header.protocol_version = kmip_1_1;
  m.batch_items = std::move(items);
  return m;
}

response_message response(std::vector<response_batch_item> items, spec::protocol_version pv = kmip_1_1) {
  response_message m;
  m.header.protocol_version = pv;
  m.batch_items = std::move(items);
  return m;
}

TEST(VcenterConversation, EmptyDiscoverVersionsOpensEveryConnection) {
  // No payload content, no batch item ID: the 104 bytes of KMIP 1.1 Test Case 16.1 (vcenter-kmip.md §1).
  auto dv = request({make_request_item(discover_versions_request{})});
  EXPECT_TRUE(captured().contains(wire(dv)));
  EXPECT_EQ(wire(dv).size(), 2u * 104);

  discover_versions_response versions;
  versions.protocol_versions = {{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(versions)}))));

  // The health check's second Discover Versions carries a batch item ID.
  EXPECT_TRUE(captured().contains(wire(request({make_request_item(discover_versions_request{}, qlkc(1))}))));
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(versions, qlkc(1))}))));
}

TEST(VcenterConversation, QueryServerInformation) {
  query_request query;
  query.query_functions = {spec::query_function::query_server_information};
  EXPECT_TRUE(captured().contains(wire(request({make_request_item(query, qlkc(1))}))));

  query_response info;
  info.vendor_identification = "PyKMIP 0.11.0.dev1 Software Server";
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(info, qlkc(1))}))));
}

TEST(VcenterConversation, CreateAes256ForEncryptAndDecrypt) {
  create_request create;
  create.object_type = spec::object_type::symmetric_key;
  create.template_attribute.attributes = {
      attr::cryptographic_algorithm(spec::cryptographic_algorithm::aes),
      attr::cryptographic_usage_mask(spec::cryptographic_usage_mask::encrypt | spec::cryptographic_usage_mask::decrypt),
      attr::cryptographic_length(256)};
  EXPECT_TRUE(captured().contains(wire(request({make_request_item(create, qlkc(1))}))));

  create_response created;
  created.object_type = spec::object_type::symmetric_key;
  created.unique_identifier = "1";
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(created, qlkc(1))}))));
}

TEST(VcenterConversation, GetAttributesOfCustomAttributesFindsNone) {
  for (const char* name : {"x-Product_Version", "x-Vendor", "x-Product"}) {
    get_attributes_request get;
    get.unique_identifier = "1";
    get.attribute_references = {{name}};
    EXPECT_TRUE(captured().contains(wire(request({make_request_item(get, qlkc(1))})))) << name;
  }
  get_attributes_response none;
  none.unique_identifier = "1";
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(none, qlkc(1))}))));
}

add_attribute_request tag_key(const char* id, const char* name, const char* value) {
  add_attribute_request add;
  add.unique_identifier = id;
  add.attribute = attr::text(name, value);
  return add;
}

TEST(VcenterConversation, ThreeItemAddAttributeBatches) {
  auto product = request({make_request_item(tag_key("1", "x-Product_Version", "7.0.3 build-19480866"), qlkc(1)),
                          make_request_item(tag_key("1", "x-Vendor", "VMware, Inc."), qlkc(2)),
                          make_request_item(tag_key("1", "x-Product", "VMware vSphere"), qlkc(3))});
  EXPECT_TRUE(captured().contains(wire(product)));

  auto host = request({make_request_item(tag_key("2", "x-Identifier", "8c164d56-7f1c-5960-63e6-4451c6181844"), qlkc(1)),
                       make_request_item(tag_key("2", "x-Component", "ESXi Server"), qlkc(2)),
                       make_request_item(tag_key("2", "x-Name", "172.16.220.132"), qlkc(3))});
  EXPECT_TRUE(captured().contains(wire(host)));

  // PyKMIP cannot parse them and answers with a 1.0 header and no Operation (vcenter-kmip.md §2.2).
  auto refused = response({make_failure_item(std::nullopt, spec::result_reason::invalid_message,
                                             "Error parsing request message. See server logs for more information.")},
                          {1, 0});
  EXPECT_TRUE(captured().contains(wire(refused)));
}

TEST(VcenterConversation, GetThenStateThenActivate) {
  get_request get;
  get.unique_identifier = "2";
  EXPECT_TRUE(captured().contains(wire(request({make_request_item(get, qlkc(1))}))));

  const auto material = common::from_hex("1c5d9de2a8baf74903d662382546c085edb2feed0c279465394b418cc7a613bd");
  ASSERT_TRUE(material);
  get_response key;
  key.object_type = spec::object_type::symmetric_key;
  key.unique_identifier = "2";
  key.object = symmetric_key::raw(spec::cryptographic_algorithm::aes, *material);
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(key, qlkc(1))}))));

  get_attributes_request state;
  state.unique_identifier = "2";
  state.attribute_references = {{"State"}};
  EXPECT_TRUE(captured().contains(wire(request({make_request_item(state, qlkc(1))}))));
  get_attributes_response pre_active;
  pre_active.unique_identifier = "2";
  pre_active.attributes = {attr::state(spec::state::pre_active)};
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(pre_active, qlkc(1))}))));

  activate_request activate;
  activate.unique_identifier = "2";
  EXPECT_TRUE(captured().contains(wire(request({make_request_item(activate, qlkc(1))}))));
  activate_response activated;
  activated.unique_identifier = "2";
  EXPECT_TRUE(captured().contains(wire(response({make_response_item(activated, qlkc(1))}))));
}

}  // namespace
}  // namespace kmip::model
