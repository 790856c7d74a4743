// Every message of the third-party corpora decodes into typed messages and re-encodes byte-identical:
// the 79 NLnet Labs vectors (KMIP 1.0 Use Cases, 1.1/1.3 Test Cases) and every request and response of the
// two vCenter 7.0.3 captures (tests/testdata/README.md).
#include <gtest/gtest.h>

#include <set>
#include <variant>

#include "common/hex.hpp"
#include "kmip/model/message.hpp"
#include "tests/support/vectors.hpp"

namespace kmip::model {
namespace {

bool is_request(std::span<const std::uint8_t> bytes) {
  return bytes.size() > 3 && bytes[0] == 0x42 && bytes[1] == 0x00 && bytes[2] == 0x78;
}

// The operations that operation_table types; their payloads must not come back opaque.
bool typed_operation(spec::operation op) {
  static const std::set<spec::operation> typed = {spec::operation::discover_versions,
                                                  spec::operation::query,
                                                  spec::operation::create,
                                                  spec::operation::register_,
                                                  spec::operation::re_key,
                                                  spec::operation::locate,
                                                  spec::operation::check,
                                                  spec::operation::get,
                                                  spec::operation::get_attributes,
                                                  spec::operation::get_attribute_list,
                                                  spec::operation::add_attribute,
                                                  spec::operation::modify_attribute,
                                                  spec::operation::delete_attribute,
                                                  spec::operation::set_attribute,
                                                  spec::operation::activate,
                                                  spec::operation::revoke,
                                                  spec::operation::destroy};
  return typed.contains(op);
}

// Decodes, checks typing, re-encodes; returns a failure description or empty.
std::string round_trip(std::span<const std::uint8_t> bytes) {
  const decode_options strict{.keep_unknown_fields = false, .strict = true};
  common::secure_bytes again;
  if (is_request(bytes)) {
    auto m = request_from_bytes(bytes, strict);
    if (!m) return "decode: " + m.error().to_string();
    for (const auto& item : m->batch_items)
      if (typed_operation(item.operation) && std::holds_alternative<opaque>(item.payload))
        return "opaque payload for " + std::string(spec::name_of(item.operation));
    auto b = to_bytes(*m);
    if (!b) return "encode: " + b.error().to_string();
    again = std::move(*b);
  } else {
    auto m = response_from_bytes(bytes, strict);
    if (!m) return "decode: " + m.error().to_string();
    for (const auto& item : m->batch_items)
      if (item.operation && typed_operation(*item.operation) && item.payload &&
          std::holds_alternative<opaque>(*item.payload))
        return "opaque payload for " + std::string(spec::name_of(*item.operation));
    auto b = to_bytes(*m);
    if (!b) return "encode: " + b.error().to_string();
    again = std::move(*b);
  }
  if (!std::equal(bytes.begin(), bytes.end(), again.begin(), again.end()))
    return "re-encoded differently:\n  in  " + common::to_hex(bytes) + "\n  out " + common::to_hex(again);
  return {};
}

TEST(Corpus, NlnetlabsVectorsRoundTripTyped) {
  const auto vectors = kmiph::testdata::nlnetlabs_messages();
  ASSERT_EQ(vectors.size(), 79u);
  for (const auto& v : vectors) EXPECT_EQ(round_trip(v.bytes), "") << v.name;
}

TEST(Corpus, VcenterCapturesRoundTripTyped) {
  std::size_t requests = 0, responses = 0;
  for (const auto& log : kmiph::testdata::capture_logs()) {
    for (const auto& m : kmiph::testdata::capture_messages(log)) {
      (m.request ? requests : responses)++;
      EXPECT_EQ(round_trip(m.bytes), "") << m.file << ":" << m.line;
    }
  }
  EXPECT_EQ(requests, 102u);
  EXPECT_EQ(responses, 102u);
}

}  // namespace
}  // namespace kmip::model
