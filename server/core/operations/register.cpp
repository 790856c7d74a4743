// Register (KMIP 1.4 §4.3, 2.1 §6.1.43): a client-supplied Symmetric Key (Raw or Transparent Symmetric Key
// format) or Secret Data (Raw or Opaque). Wrapped or compressed key values are refused (Feature Not Supported:
// kmipd would have to hold the unwrapping key). Cryptographic Algorithm and Length default to the Key Block's;
// a length that contradicts the material is Invalid Field. The Digest is computed in the registered Key Format
// Type (1.4 §3.17); Original Creation Date and Random Number Generator are the client's to give (§3.43, §3.44).
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::key_format_type;
using kmip::spec::result_reason;

namespace {

// The key bytes of a Key Block, or an error.
op_expected<common::secure_bytes> material_of(operation_context& ctx, const key_block& kb) {
  if (kb.key_wrapping_data || !kb.key_value ||
      std::holds_alternative<common::secure_bytes>(*kb.key_value))
    return fail(result_reason::feature_not_supported, "wrapped or absent key values cannot be registered");
  if (kb.key_compression_type)
    return fail(result_reason::key_compression_type_not_supported, "key compression is not supported");
  const auto& kv = std::get<key_value>(*kb.key_value);
  switch (kb.key_format_type) {
    case key_format_type::raw:
    case key_format_type::opaque:
      if (const auto* b = std::get_if<common::secure_bytes>(&kv.key_material)) return *b;
      break;
    case key_format_type::transparent_symmetric_key:
      if (const auto* s = std::get_if<opaque>(&kv.key_material); s && !s->empty())
        if (auto k = s->item().find(kmip::spec::tag::key); k && k->type() == kmip::ttlv::item_type::byte_string)
          return common::secure_bytes(k->as_bytes().begin(), k->as_bytes().end());
      break;
    default:
      return fail(result_reason::key_format_type_not_supported,
                  "Key Format Type " + std::string(kmip::spec::name_of(kb.key_format_type)) + " cannot be registered");
  }
  return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_field), "malformed Key Material");
}

}  // namespace

op_result register_(operation_context& ctx, const register_request& r) {
  if (!r.template_attribute.names.empty())
    return fail(result_reason::feature_not_supported, "Template objects are not supported");
  stored_object o;
  o.id = ctx.new_id();
  o.object_type = r.object_type;
  const key_block* kb = nullptr;
  if (const auto* k = std::get_if<symmetric_key>(&r.object); k && r.object_type == kmip::spec::object_type::symmetric_key) {
    kb = &k->key_block;
  } else if (const auto* s = std::get_if<secret_data>(&r.object);
             s && r.object_type == kmip::spec::object_type::secret_data) {
    kb = &s->key_block;
    o.secret_data_type = s->secret_data_type;
  } else {
    return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_object_type),
                "Register accepts Symmetric Key and Secret Data objects matching the Object Type");
  }
  auto material = material_of(ctx, *kb);
  if (!material) return common::unexpected(material.error());
  if (auto ok = apply_template(ctx, o, r.template_attribute.attributes); !ok) return common::unexpected(ok.error());

  if (o.object_type == kmip::spec::object_type::symmetric_key) {
    if (!find_instance(o, "Cryptographic Algorithm") && kb->cryptographic_algorithm)
      set_single(o, attr::cryptographic_algorithm(*kb->cryptographic_algorithm));
    if (!find_instance(o, "Cryptographic Length"))
      set_single(o, attr::cryptographic_length(kb->cryptographic_length.value_or(
                        static_cast<std::int32_t>(material->size() * 8))));
    auto n = symmetric_key_bytes(ctx, o);
    if (!n) return common::unexpected(n.error());
    if (*n != material->size())
      return fail(result_reason::invalid_field, "Cryptographic Length does not match the key material (" +
                                                    std::to_string(material->size()) + " bytes)");
  }
  o.key_material = std::move(*material);
  // The Digest uses the registered Key Format Type (1.4 §3.17).
  if (auto ok = finish_new_object(ctx, o, key_origin::registered, kb->key_format_type); !ok)
    return common::unexpected(ok.error());
  ctx.object_id = o.id;
  register_response out;
  out.unique_identifier = o.id;
  std::vector<write_op> w;
  w.push_back(write_op::insert(std::move(o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
