// The vCenter 7.0.3 conversation of tests/testdata/captures/vcenter-7.0.3-pykmip/vmware-2.log replayed through
// engine::handle_bytes (shared/reference/vcenter-kmip.md §2): every request, as recorded except for the Unique
// Identifiers (the recorded ones are replaced, in order, by those kmipd returned), gets Success in every batch
// item, the 3-item AddAttribute batches included (PyKMIP refused those); response headers say 1.1; batch item
// IDs are echoed.
#include <gtest/gtest.h>

#include <map>
#include <variant>

#include "server/core/test_support.hpp"
#include "tests/support/vectors.hpp"

namespace kmipd::core {
namespace {

namespace model = kmip::model;

template <class P>
concept names_object = requires(P p) { p.unique_identifier; };

// Replaces a recorded Unique Identifier in a request payload by ours.
void substitute(model::request_payload& payload, const std::map<std::string, std::string>& ids) {
  std::visit(
      [&](auto& p) {
        if constexpr (requires { p.unique_identifier = std::optional<model::unique_identifier>{}; }) {
          if (p.unique_identifier) {
            if (auto* s = std::get_if<std::string>(&*p.unique_identifier)) {
              auto it = ids.find(*s);
              ASSERT_NE(it, ids.end()) << "no object replaces recorded id " << *s;
              *s = it->second;
            }
          }
        }
      },
      payload);
}

TEST(VcenterCapture, EveryRequestSucceedsThroughHandleBytes) {
  testing::fixture f;
  const auto log = kmiph::testdata::root() / "captures/vcenter-7.0.3-pykmip/vmware-2.log";
  const auto messages = kmiph::testdata::capture_messages(log);
  ASSERT_FALSE(messages.empty());

  std::map<std::string, std::string> ids;  // recorded -> ours
  std::size_t requests = 0, items = 0, add_attribute_batches = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (!m.request) continue;
    auto request = model::request_from_bytes(m.bytes);
    ASSERT_TRUE(request) << "line " << m.line << ": " << request.error().to_string();
    for (auto& item : request->batch_items) substitute(item.payload, ids);
    auto bytes = model::to_bytes(*request);
    ASSERT_TRUE(bytes);

    auto answer = f.eng->handle_bytes(*bytes, {"vcenter", "172.16.220.133:443", "test"});
    auto response = model::response_from_bytes(answer);
    ASSERT_TRUE(response) << "line " << m.line << ": " << response.error().to_string();
    ++requests;
    EXPECT_EQ(response->header.protocol_version, (kmip::spec::protocol_version{1, 1})) << "line " << m.line;
    ASSERT_EQ(response->batch_items.size(), request->batch_items.size()) << "line " << m.line;
    bool all_add = request->batch_items.size() == 3;
    for (std::size_t k = 0; k < request->batch_items.size(); ++k) {
      const auto& in = request->batch_items[k];
      const auto& out = response->batch_items[k];
      ++items;
      all_add = all_add && in.operation == kmip::spec::operation::add_attribute;
      EXPECT_EQ(out.result_status, kmip::spec::result_status::success)
          << "line " << m.line << " item " << k << ": " << out.result_message.value_or("");
      EXPECT_EQ(out.unique_batch_item_id, in.unique_batch_item_id) << "line " << m.line;
      EXPECT_EQ(out.operation, in.operation) << "line " << m.line;
      // A Create: map the recorded id (in the next recorded response) to ours.
      if (in.operation == kmip::spec::operation::create && out.payload) {
        const auto& ours = std::get<model::create_response>(*out.payload).unique_identifier;
        for (std::size_t j = i + 1; j < messages.size(); ++j) {
          if (messages[j].request) continue;
          auto recorded = model::response_from_bytes(messages[j].bytes);
          ASSERT_TRUE(recorded);
          const auto& first = recorded->batch_items.at(0);
          const auto* created = first.payload ? std::get_if<model::create_response>(&*first.payload) : nullptr;
          if (!created || ids.contains(created->unique_identifier)) continue;  // sessions interleave
          ids[created->unique_identifier] = ours;
          break;
        }
      }
      // GetAttributes of absent x- attributes: Success with no attributes.
      if (in.operation == kmip::spec::operation::get_attributes && out.payload) {
        const auto& asked = std::get<model::get_attributes_request>(in.payload).attribute_references;
        const auto& got = std::get<model::get_attributes_response>(*out.payload).attributes;
        for (const auto& a : got) EXPECT_EQ(a.name, asked.at(0).name);
      }
    }
    if (all_add) ++add_attribute_batches;
  }
  EXPECT_GT(requests, 50u);
  EXPECT_EQ(add_attribute_batches, 4u);
  EXPECT_EQ(ids.size(), 2u);

  // And what vCenter reads back tells the truth: key 2 (the host key) was activated, both carry their tags.
  for (const auto& [recorded, ours] : ids) {
    model::get_attributes_request get;
    get.unique_identifier = ours;
    auto r = f.one(get, {1, 1}, "vcenter");
    ASSERT_EQ(r.result_status, kmip::spec::result_status::success);
    const auto& attrs = std::get<model::get_attributes_response>(*r.payload).attributes;
    const auto* vendor = model::find_attribute(attrs, "x-Vendor");
    ASSERT_NE(vendor, nullptr);
    EXPECT_EQ(vendor->text(), "VMware, Inc.");
    const auto* state = model::find_attribute(attrs, "State");
    ASSERT_NE(state, nullptr);
    if (recorded == "2") {
      EXPECT_EQ(state->enum_value<kmip::spec::state>(), kmip::spec::state::active);
    }
  }
}

}  // namespace
}  // namespace kmipd::core
