// Attribute rules and helpers over a stored_object's attribute list.
//
// The rules table says, for each attribute the engine knows, whether it is multi-instance and who may set it
// (KMIP 1.4 §3 attribute tables "Single or multiple instances", "Modifiable by client", "When implicitly
// set"; 2.1 §4). Custom attributes (x-/y-, 1.x §3.39; vendor attributes in 2.x) are multi-instance and fully
// client-modifiable, with values of any type.
//
// Every stored instance carries an explicit Attribute Index (0 for the first); responses drop index 0 in 1.x
// and every index in 2.x (which has none).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "kmip/model/attribute.hpp"
#include "server/core/object_store.hpp"

namespace kmipd::core {

enum class client_access : std::uint8_t {
  server_only,  // set and changed by the server alone (State, Initial Date, Unique Identifier, ...)
  on_create,    // a client may give it in Create/Register templates, never change it later
  always,       // a client may add, modify and delete it
};

struct attribute_rule {
  std::string_view name;
  bool multi_instance = false;
  client_access access = client_access::server_only;
  bool client_deletable = true;  // only meaningful with access == always (Sensitive, Extractable: 1.4 §3.48, §3.50)
};

// The rule of an attribute; nullptr for a name the engine does not support. Custom names get the custom rule.
const attribute_rule* find_rule(std::string_view name);

// Instances of `name`, in index order.
std::vector<const kmip::model::attribute*> instances(const stored_object& o, std::string_view name);
// The instance with that index (0 when nullopt), or nullptr.
const kmip::model::attribute* find_instance(const stored_object& o, std::string_view name,
                                            std::optional<std::int32_t> index = std::nullopt);
// Replaces every instance of a.name by a (index 0).
void set_single(stored_object& o, kmip::model::attribute a);
// Appends a new instance with the next free index; returns that index.
std::int32_t add_instance(stored_object& o, kmip::model::attribute a);
// Removes the instance with that index, or every instance when nullopt. Returns how many were removed.
std::size_t remove_instances(stored_object& o, std::string_view name, std::optional<std::int32_t> index);

std::optional<std::int64_t> date_attribute(const stored_object& o, std::string_view name);
void set_date(stored_object& o, std::string_view name, std::int64_t t);

// The attribute as a response in `v` carries it (index dropped where it must be).
kmip::model::attribute for_response(const kmip::model::attribute& a, kmip::spec::version v);

// Whether a message in version `v` may carry the attribute: a spec attribute exists from the version that
// introduced its tag (the `since` column of kmip/spec/tags.def: Fresh 1.1, Original Creation Date 1.2, Random
// Number Generator 1.3, Sensitive/Extractable 1.4); custom and vendor attributes exist in every version.
bool exists_in(std::string_view name, kmip::spec::version v);

// The Digest attribute (1.4 §3.17, 2.1 §4.13): SHA-256 of the Key Material in `format`. Raw and Opaque hash
// the Key Material byte string; Transparent Symmetric Key hashes the TTLV encoding of its Key Material
// structure ({ Key }). REQUIRES: format is one of those three.
kmip::model::attribute digest_attribute(std::span<const std::uint8_t> key_material,
                                        kmip::spec::key_format_type format);

// Keeps Always Sensitive and Never Extractable (1.4 §3.49, §3.51) true to history: once Sensitive is False,
// Always Sensitive becomes False for good; once Extractable is True, Never Extractable becomes False for good.
// Call after every change of Sensitive or Extractable.
void track_sensitivity(stored_object& o);

// Fills in the attributes kmipd sets on every new object but that records written by earlier versions lack
// (docs/kmipd-engine.md, "Server-set attributes"): Digest while the key material is there (Raw for symmetric
// keys, Opaque for Secret Data), Sensitive False, Extractable True, and Always Sensitive / Never Extractable
// False (their history is unknown, so neither is claimed). Fresh, Random Number Generator and Original Creation
// Date stay absent: kmipd cannot know them. Idempotent.
void complete_legacy_attributes(stored_object& o);

// True when two attribute values are the same item (type and value, structures deeply).
bool same_value(const kmip::model::attribute& a, const kmip::model::attribute& b);

}  // namespace kmipd::core
