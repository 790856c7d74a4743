// Fault personalities (faults.hpp): TEST-ONLY misbehaviours, each breaking one behaviour vCenter relies on.
#include "server/core/faults.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "server/core/lifecycle.hpp"

namespace kmipd::core {

namespace model = kmip::model;
namespace spec = kmip::spec;

const std::vector<fault_info>& all_faults() {
  static const std::vector<fault_info> table = {
      {fault::add_attribute_unsupported, "add_attribute_unsupported",
       "AddAttribute is not implemented, so vCenter's x- tagging batches fail (PyKMIP 0.10, W1, P#661)"},
      {fault::responses_in_kmip_1_4, "responses_in_kmip_1_4",
       "responses carry Protocol Version 1.4 instead of mirroring the request's 1.1"},
      {fault::discover_versions_without_1_1, "discover_versions_without_1_1",
       "Discover Versions does not list 1.1, the only version vCenter speaks"},
      {fault::get_refuses_pre_active, "get_refuses_pre_active",
       "Get of a Pre-Active key is refused, but vCenter Gets a new key before it Activates it"},
      {fault::keys_lost_on_restart, "keys_lost_on_restart",
       "objects do not survive a restart (PyKMIP P#660: \"Key 3/pykmip not found\", VMs lock)"},
      {fault::batch_ids_not_echoed, "batch_ids_not_echoed",
       "response batch items do not echo vCenter's QLKC Unique Batch Item IDs"},
      {fault::get_attributes_absent_fails, "get_attributes_absent_fails",
       "GetAttributes of attributes a key does not have fails instead of returning none"},
      {fault::client_eku_required, "client_eku_required",
       "client certificates without the clientAuth EKU are refused (PyKMIP P#234, vCenter 6.5's certificate)"},
      {fault::revoke_leaves_state, "revoke_leaves_state",
       "Revoke answers Success but State stays Active: the kill switch does nothing"},
      {fault::destroy_keeps_key, "destroy_keeps_key",
       "Destroy answers Success but Get still returns the key material"},
      {fault::query_unsupported, "query_unsupported", "Query is not implemented (no vendor shown in vCenter)"},
      {fault::key_value_attributes, "key_value_attributes",
       "Get embeds attributes inside the Key Value (Cosmian had to strip them for a 1.x client)"},
      {fault::short_keys, "short_keys", "Create makes AES-128 keys although vCenter asks for 256 bits"},
      {fault::unique_x_name, "unique_x_name",
       "custom attribute x-Name is enforced unique, but VM names repeat"},
      {fault::garbage_responses, "garbage_responses", "every KMIP answer is a frame whose contents are not TTLV"},
      {fault::slow_health_poll, "slow_health_poll",
       "the health poll's Discover Versions takes 1.5 s: vCenter's KMS status may flap"},
      {fault::exit_on_malformed_message, "exit_on_malformed_message",
       "a malformed message kills the server (PyKMIP 0.5 died on an unexpected handshake, P#209)"},
  };
  return table;
}

std::optional<fault> parse_fault(std::string_view name) {
  for (const auto& f : all_faults())
    if (f.name == name) return f.which;
  return std::nullopt;
}

std::string_view to_string(fault f) {
  for (const auto& i : all_faults())
    if (i.which == f) return i.name;
  return "?";
}

namespace {

std::optional<stored_object> lookup(object_store& store, const std::optional<model::unique_identifier>& id) {
  const std::string* text = model::text_of(id);
  if (!text) return std::nullopt;
  auto o = store.get(*text);
  if (!o || !*o) return std::nullopt;
  return std::move(**o);
}

model::response_batch_item refuse(const model::request_batch_item& item, spec::result_reason reason,
                                  std::string message) {
  return model::make_failure_item(item.operation, reason, "[test fault] " + std::move(message),
                                  item.unique_batch_item_id);
}

template <class Response>
model::response_batch_item pretend(const model::request_batch_item& item, const std::optional<model::unique_identifier>& id) {
  Response r;
  if (const auto* t = model::text_of(id)) r.unique_identifier = *t;
  return model::make_response_item(std::move(r), item.unique_batch_item_id);
}

}  // namespace

std::optional<model::response_batch_item> fault_before_item(const fault_set& faults, model::request_batch_item& item,
                                                            object_store& store) {
  using spec::operation;
  using spec::result_reason;
  switch (item.operation) {
    case operation::add_attribute: {
      if (faults.has(fault::add_attribute_unsupported))
        return refuse(item, result_reason::operation_not_supported, "AddAttribute is not supported");
      auto* p = std::get_if<model::add_attribute_request>(&item.payload);
      if (p && faults.has(fault::unique_x_name) && p->attribute.name == "x-Name") {
        auto value = p->attribute.text();
        auto ids = store.locate({});
        if (value && ids)
          for (const auto& id : *ids) {
            auto o = store.get(id);
            if (!o || !*o) continue;
            const auto* a = model::find_attribute((*o)->attributes, "x-Name");
            if (a && a->text() == value)
              return refuse(item, result_reason::illegal_operation, "x-Name must be unique");
          }
      }
      break;
    }
    case operation::discover_versions:
      // Deliberately blocking (the engine handles one message at a time): a KMS that is slow for everyone.
      if (faults.has(fault::slow_health_poll) && item.unique_batch_item_id)
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      break;
    case operation::query:
      if (faults.has(fault::query_unsupported))
        return refuse(item, result_reason::operation_not_supported, "Query is not supported");
      break;
    case operation::get:
      if (faults.has(fault::get_refuses_pre_active))
        if (auto* p = std::get_if<model::get_request>(&item.payload))
          if (auto o = lookup(store, p->unique_identifier); o && state_of(*o) == spec::state::pre_active)
            return refuse(item, result_reason::wrong_key_lifecycle_state, "the key is not active");
      break;
    case operation::get_attributes:
      if (faults.has(fault::get_attributes_absent_fails))
        if (auto* p = std::get_if<model::get_attributes_request>(&item.payload))
          if (auto o = lookup(store, p->unique_identifier); o && !p->attribute_references.empty()) {
            const bool none = std::none_of(p->attribute_references.begin(), p->attribute_references.end(),
                                           [&](const model::attribute_reference& r) {
                                             return r.name == "State" || model::find_attribute(o->attributes, r.name);
                                           });
            if (none) return refuse(item, result_reason::item_not_found, "no such attribute");
          }
      break;
    case operation::revoke:
      if (faults.has(fault::revoke_leaves_state))
        if (auto* p = std::get_if<model::revoke_request>(&item.payload))
          return pretend<model::revoke_response>(item, p->unique_identifier);
      break;
    case operation::destroy:
      if (faults.has(fault::destroy_keeps_key))
        if (auto* p = std::get_if<model::destroy_request>(&item.payload))
          return pretend<model::destroy_response>(item, p->unique_identifier);
      break;
    case operation::create:
      if (faults.has(fault::short_keys))
        if (auto* p = std::get_if<model::create_request>(&item.payload))
          for (auto& a : p->template_attribute.attributes)
            if (a.name == "Cryptographic Length") a = model::attr::cryptographic_length(128);
      break;
    default:
      break;
  }
  return std::nullopt;
}

void fault_after_item(const fault_set& faults, model::response_batch_item& out) {
  if (faults.has(fault::batch_ids_not_echoed)) out.unique_batch_item_id.reset();
  if (!out.payload) return;
  if (faults.has(fault::discover_versions_without_1_1))
    if (auto* p = std::get_if<model::discover_versions_response>(&*out.payload))
      std::erase_if(p->protocol_versions, [](const spec::protocol_version& v) { return v.major == 1 && v.minor < 4; });
  if (faults.has(fault::key_value_attributes))
    if (auto* p = std::get_if<model::get_response>(&*out.payload))
      if (auto* sym = std::get_if<model::symmetric_key>(&p->object))
        if (sym->key_block.key_value)
          if (auto* kv = std::get_if<model::key_value>(&*sym->key_block.key_value)) {
            kv->attributes.push_back(model::attr::cryptographic_algorithm(spec::cryptographic_algorithm::aes));
            kv->attributes.push_back(model::attr::cryptographic_length(256));
          }
}

void fault_after_message(const fault_set& faults, model::response_message& response) {
  if (faults.has(fault::responses_in_kmip_1_4)) response.header.protocol_version = {1, 4};
}

void fault_after_encoding(const fault_set& faults, common::secure_bytes& bytes) {
  if (!faults.has(fault::garbage_responses)) return;
  // A Response Message frame (so that it passes the listener's framing) around text that is not TTLV: an HTTP
  // error line where items were expected, as from a KMS whose front end answers in the wrong protocol.
  static constexpr std::string_view body = "HTTP/1.1 400 Bad";
  bytes.assign({0x42, 0x00, 0x7B, 0x01, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(body.size())});
  bytes.insert(bytes.end(), body.begin(), body.end());
}

void fault_on_undecodable(const fault_set& faults) {
  if (faults.has(fault::exit_on_malformed_message)) std::_Exit(70);
}

store_result<std::size_t> fault_at_startup(const fault_set& faults, object_store& store) {
  if (!faults.has(fault::keys_lost_on_restart)) return std::size_t{0};
  auto ids = store.locate({});
  if (!ids) return common::unexpected{ids.error()};
  std::size_t dropped = 0;
  for (const auto& id : *ids) {
    auto o = store.get(id);
    if (!o) return common::unexpected{o.error()};
    if (!*o) continue;
    if (auto e = store.erase(std::move(**o)); !e) return common::unexpected{e.error()};
    ++dropped;
  }
  return dropped;
}

}  // namespace kmipd::core
