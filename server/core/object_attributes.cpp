// The attribute rules table (KMIP 1.4 §3, 2.1 §4) and the helpers over attribute lists.
#include "server/core/object_attributes.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "kmip/ttlv/writer.hpp"

namespace kmipd::core {
namespace {

using enum client_access;

// One row per attribute the engine supports. Rows name the 1.x spelling (2.x names map onto it, attribute.hpp).
constexpr std::array rules{
    attribute_rule{"Unique Identifier", false, server_only},
    attribute_rule{"Name", true, always},
    attribute_rule{"Object Type", false, server_only},
    attribute_rule{"Cryptographic Algorithm", false, on_create},
    attribute_rule{"Cryptographic Length", false, on_create},
    attribute_rule{"Cryptographic Parameters", true, always},
    attribute_rule{"Cryptographic Usage Mask", false, on_create},
    attribute_rule{"Digest", true, server_only},
    attribute_rule{"Operation Policy Name", false, always},
    attribute_rule{"Lease Time", false, server_only},
    attribute_rule{"State", false, server_only},
    attribute_rule{"Initial Date", false, server_only},
    attribute_rule{"Activation Date", false, always},  // changeable only while Pre-Active (operations check)
    attribute_rule{"Process Start Date", false, always},
    attribute_rule{"Protect Stop Date", false, always},
    attribute_rule{"Deactivation Date", false, always},
    attribute_rule{"Destroy Date", false, server_only},
    attribute_rule{"Compromise Occurrence Date", false, server_only},
    attribute_rule{"Compromise Date", false, server_only},
    attribute_rule{"Revocation Reason", false, server_only},
    attribute_rule{"Archive Date", false, server_only},
    attribute_rule{"Object Group", true, always},
    attribute_rule{"Link", true, always},
    attribute_rule{"Application Specific Information", true, always},
    attribute_rule{"Contact Information", false, always},
    attribute_rule{"Last Change Date", false, server_only},
    attribute_rule{"Fresh", false, server_only},
    attribute_rule{"Sensitive", false, always, false},
    attribute_rule{"Extractable", false, always, false},
    attribute_rule{"Never Extractable", false, server_only},
    attribute_rule{"Always Sensitive", false, server_only},
    attribute_rule{"Description", false, always},
    attribute_rule{"Comment", false, always},
    attribute_rule{"Key Value Present", false, server_only},
    // Client-set only by Register (1.4 §3.43, §3.44); Create and Re-key set them from the server's own values.
    attribute_rule{"Original Creation Date", false, on_create},
    attribute_rule{"Random Number Generator", false, on_create},
};
constexpr attribute_rule custom_rule{"x-", true, always};

std::int32_t index_of(const kmip::model::attribute& a) { return a.index.value_or(0); }

}  // namespace

const attribute_rule* find_rule(std::string_view name) {
  if (kmip::model::is_custom_attribute_name(name) || kmip::model::split_vendor_name(name)) return &custom_rule;
  for (const auto& r : rules)
    if (r.name == name) return &r;
  return nullptr;
}

std::vector<const kmip::model::attribute*> instances(const stored_object& o, std::string_view name) {
  std::vector<const kmip::model::attribute*> out;
  for (const auto& a : o.attributes)
    if (a.name == name) out.push_back(&a);
  std::stable_sort(out.begin(), out.end(), [](auto* x, auto* y) { return index_of(*x) < index_of(*y); });
  return out;
}

const kmip::model::attribute* find_instance(const stored_object& o, std::string_view name,
                                            std::optional<std::int32_t> index) {
  const auto want = index.value_or(0);
  for (const auto& a : o.attributes)
    if (a.name == name && index_of(a) == want) return &a;
  return nullptr;
}

void set_single(stored_object& o, kmip::model::attribute a) {
  a.index = 0;
  for (auto& x : o.attributes) {
    if (x.name == a.name) {
      x = std::move(a);
      std::erase_if(o.attributes, [&](const kmip::model::attribute& y) { return &y != &x && y.name == x.name; });
      return;
    }
  }
  o.attributes.push_back(std::move(a));
}

std::int32_t add_instance(stored_object& o, kmip::model::attribute a) {
  std::int32_t next = 0;
  for (const auto& x : o.attributes)
    if (x.name == a.name) next = std::max(next, index_of(x) + 1);
  a.index = next;
  o.attributes.push_back(std::move(a));
  return next;
}

std::size_t remove_instances(stored_object& o, std::string_view name, std::optional<std::int32_t> index) {
  return std::erase_if(o.attributes, [&](const kmip::model::attribute& a) {
    return a.name == name && (!index || index_of(a) == *index);
  });
}

std::optional<std::int64_t> date_attribute(const stored_object& o, std::string_view name) {
  const auto* a = find_instance(o, name);
  if (!a) return std::nullopt;
  auto d = a->date();
  return d ? std::optional<std::int64_t>(d->seconds) : std::nullopt;
}

void set_date(stored_object& o, std::string_view name, std::int64_t t) {
  set_single(o, kmip::model::attr::date(std::string(name), kmip::model::date_time{t}));
}

kmip::model::attribute for_response(const kmip::model::attribute& a, kmip::spec::version v) {
  kmip::model::attribute out;
  out.name = a.name;
  if (v < kmip::spec::version::v2_0 && a.index && *a.index != 0) out.index = a.index;
  if (a.has_value()) out.value.add_copy(a.value_item());
  return out;
}

bool exists_in(std::string_view name, kmip::spec::version v) {
  const auto tag = kmip::model::attribute_tag(name);
  if (!tag) return true;
  const auto* info = kmip::spec::find_tag(*tag);
  return !info || info->since <= v;
}

kmip::model::attribute digest_attribute(std::span<const std::uint8_t> key_material,
                                        kmip::spec::key_format_type format) {
  common::secure_bytes hashed;
  std::span<const std::uint8_t> input = key_material;
  if (format == kmip::spec::key_format_type::transparent_symmetric_key) {
    kmip::ttlv::tree t;
    t.begin_structure(kmip::spec::tag::key_material);
    t.add_bytes(kmip::spec::tag::key, key_material);
    t.end_structure();
    auto enc = kmip::ttlv::encode(t);
    if (enc) hashed = std::move(*enc);  // encoding a two-item tree cannot fail
    input = hashed;
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int n = 0;
  if (EVP_Digest(input.data(), input.size(), md.data(), &n, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL SHA-256 failure");  // an environment failure, caught at the engine root
  kmip::model::attribute a;
  a.name = "Digest";
  a.value.begin_structure(kmip::spec::tag::attribute_value);
  a.value.add_enum(kmip::spec::tag::hashing_algorithm, kmip::spec::hashing_algorithm::sha_256);
  a.value.add_bytes(kmip::spec::tag::digest_value, std::span<const std::uint8_t>(md.data(), n));
  a.value.add_enum(kmip::spec::tag::key_format_type, format);
  a.value.end_structure();
  return a;
}

void track_sensitivity(stored_object& o) {
  const auto flag = [&](std::string_view name) -> std::optional<bool> {
    const auto* a = find_instance(o, name);
    return a ? a->boolean() : std::nullopt;
  };
  // Absent Always Sensitive / Never Extractable: the object is new and its history starts now.
  const bool always_sensitive = flag("Sensitive") == true && flag("Always Sensitive").value_or(true);
  const bool never_extractable = flag("Extractable") == false && flag("Never Extractable").value_or(true);
  set_single(o, kmip::model::attr::boolean("Always Sensitive", always_sensitive));
  set_single(o, kmip::model::attr::boolean("Never Extractable", never_extractable));
}

void complete_legacy_attributes(stored_object& o) {
  using kmip::spec::object_type;
  if (!find_instance(o, "Digest") && !o.key_material.empty() &&
      (o.object_type == object_type::symmetric_key || o.object_type == object_type::secret_data))
    add_instance(o, digest_attribute(o.key_material, o.object_type == object_type::secret_data
                                                         ? kmip::spec::key_format_type::opaque
                                                         : kmip::spec::key_format_type::raw));
  if (!find_instance(o, "Sensitive")) set_single(o, kmip::model::attr::boolean("Sensitive", false));
  if (!find_instance(o, "Extractable")) set_single(o, kmip::model::attr::boolean("Extractable", true));
  if (!find_instance(o, "Always Sensitive")) set_single(o, kmip::model::attr::boolean("Always Sensitive", false));
  if (!find_instance(o, "Never Extractable")) set_single(o, kmip::model::attr::boolean("Never Extractable", false));
}

bool same_value(const kmip::model::attribute& a, const kmip::model::attribute& b) {
  if (!a.has_value() || !b.has_value()) return a.has_value() == b.has_value();
  return a.value == b.value;
}

}  // namespace kmipd::core
