// Fault personalities: TEST-ONLY misbehaviours that make kmipd break one vCenter-relevant behaviour the way real
// KMS products have (reference/vcenter-kmip.md §4, "Compatibility pitfalls"). They exist so that
// `kmip-harness check` can be proven able to catch each fault: a check that can never fail is a defect.
//
// Enabled only by `[kmipd] test_fault_personalities = ["…"]` in kms.toml (docs/kmipd.md says: never in
// production). With none enabled (the default) every hook below is a no-op, and the engine does not copy a request.
//
// The personalities are listed once, in faults.cpp's table (name and what each breaks); parse_fault(),
// all_faults() and the tests read that one table. docs/checks.md names the check that catches each.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure.hpp"
#include "kmip/model/message.hpp"
#include "server/core/object_store.hpp"

namespace kmipd::core {

enum class fault : std::uint8_t {
  add_attribute_unsupported,   // AddAttribute answered Operation Not Supported (PyKMIP: no handler)
  responses_in_kmip_1_4,       // every response header says 1.4, whatever the request's version
  discover_versions_without_1_1,  // Discover Versions lists 2.1, 2.0, 1.4 only
  get_refuses_pre_active,      // Get of a Pre-Active key refused (Wrong Key Lifecycle State)
  keys_lost_on_restart,        // every object is dropped when kmipd starts (PyKMIP P#660's effect)
  batch_ids_not_echoed,        // response items carry no Unique Batch Item ID
  get_attributes_absent_fails, // GetAttributes naming only absent attributes answers Item Not Found
  client_eku_required,         // the TLS handshake refuses a client certificate without the clientAuth EKU
  revoke_leaves_state,         // Revoke answers Success but the key stays Active
  destroy_keeps_key,           // Destroy answers Success but the key and its material stay
  query_unsupported,           // Query answered Operation Not Supported
  key_value_attributes,        // Get embeds Cryptographic Algorithm/Length attributes inside the Key Value
  short_keys,                  // Create makes 128-bit keys whatever Cryptographic Length asks
  unique_x_name,               // AddAttribute of an x-Name another object already has: Illegal Operation
  garbage_responses,           // every KMIP answer is a Response Message frame around bytes that are not TTLV
  slow_health_poll,            // Discover Versions with a batch ID (the health poll's) answered after 1.5 s
  exit_on_malformed_message,   // an undecodable message makes kmipd exit at once (status 70), like PyKMIP 0.5 died
};
inline constexpr std::size_t fault_count = static_cast<std::size_t>(fault::exit_on_malformed_message) + 1;

struct fault_info {
  fault which;
  std::string_view name;    // as written in kms.toml: "add_attribute_unsupported"
  std::string_view breaks;  // one sentence: what the personality breaks and which product did it
};
const std::vector<fault_info>& all_faults();
std::optional<fault> parse_fault(std::string_view name);
std::string_view to_string(fault f);

// The enabled personalities. Cheap to copy; empty by default.
class fault_set {
 public:
  void enable(fault f) { bits_.set(static_cast<std::size_t>(f)); }
  bool has(fault f) const { return bits_.test(static_cast<std::size_t>(f)); }
  bool any() const { return bits_.any(); }

 private:
  std::bitset<fault_count> bits_;
};

// The engine's hooks. Each is a no-op unless its personality is enabled.
//
// Before an item is dispatched: may rewrite the request (short_keys) or answer it outright (a refusal, or a
// Success that does nothing). `version` is the request's effective protocol version.
std::optional<kmip::model::response_batch_item> fault_before_item(const fault_set& faults,
                                                                  kmip::model::request_batch_item& item,
                                                                  object_store& store);
// After an item was answered: may change the answer (key_value_attributes, batch_ids_not_echoed,
// discover_versions_without_1_1).
void fault_after_item(const fault_set& faults, kmip::model::response_batch_item& out);
// After the whole message: responses_in_kmip_1_4.
void fault_after_message(const fault_set& faults, kmip::model::response_message& response);
// The encoded answer: garbage_responses replaces it.
void fault_after_encoding(const fault_set& faults, common::secure_bytes& bytes);
// A message that did not decode: exit_on_malformed_message ends the process here.
void fault_on_undecodable(const fault_set& faults);
// At start-up, over the opened store: keys_lost_on_restart erases every object. Returns how many were dropped.
store_result<std::size_t> fault_at_startup(const fault_set& faults, object_store& store);

}  // namespace kmipd::core
