// Out-of-line parts of the small value types and of the typed objects.
#include "kmip/model/values.hpp"

#include "kmip/model/objects.hpp"

namespace kmip::model {

opaque opaque::copy_of(ttlv::item_view item) {
  opaque o;
  o.tree.add_copy(item);
  return o;
}

const std::string* text_of(const std::optional<unique_identifier>& id) {
  return id ? std::get_if<std::string>(&*id) : nullptr;
}

credential credential::from_username_password(std::string username, std::optional<std::string> password) {
  credential c;
  c.type = spec::credential_type::username_and_password;
  c.value = username_password{std::move(username), std::move(password)};
  return c;
}

const common::secure_bytes* key_block::raw_key_material() const {
  if (!key_value || key_wrapping_data) return nullptr;
  const auto* kv = std::get_if<model::key_value>(&*key_value);
  return kv ? std::get_if<common::secure_bytes>(&kv->key_material) : nullptr;
}

symmetric_key symmetric_key::raw(spec::cryptographic_algorithm algorithm, std::span<const std::uint8_t> material) {
  symmetric_key k;
  k.key_block.key_format_type = spec::key_format_type::raw;
  model::key_value kv;
  kv.key_material = common::secure_bytes(material.begin(), material.end());
  k.key_block.key_value = std::move(kv);
  k.key_block.cryptographic_algorithm = algorithm;
  k.key_block.cryptographic_length = static_cast<std::int32_t>(material.size() * 8);
  return k;
}

bool is_managed_object_tag(std::uint32_t tag) {
  using t = spec::tag;
  for (auto object : {t::certificate, t::certificate_request, t::opaque_object, t::pgp_key, t::private_key,
                      t::public_key, t::secret_data, t::split_key, t::symmetric_key, t::template_})
    if (tag == static_cast<std::uint32_t>(object)) return true;
  return false;
}

}  // namespace kmip::model
