// Get (KMIP 1.4 §4.11, 2.1 §6.1.19). A Pre-Active key is returned (vCenter Gets before it Activates);
// a Destroyed object has no material: Item Not Found in 1.x, Object Destroyed in 2.x (its attributes stay
// readable with Get Attributes). Formats: Raw (the default for symmetric keys), Transparent Symmetric Key;
// Secret Data as Opaque (the default) or Raw. Key Wrapping Specification: Wrapping Method Encrypt with an
// Active AES key the caller may Get, Block Cipher Mode NISTKeyWrap (RFC 3394, the default) or
// AESKeyWrapPadding (RFC 5649); Encoding Option No Encoding wraps the key bytes, TTLV Encoding (the default,
// 1.4 §2.1.5) wraps the TTLV encoding of the Key Value structure.
// Extractable False refuses the Get (1.4 §3.50: Not Extractable); Sensitive True refuses it unless the key is
// wrapped (§3.48: Sensitive); before 1.4, which lacks those reasons, both are Permission Denied. Serving the
// object sets Fresh to False (§3.34); that write does not change the Last Change Date (§3.38 does not list Get).
#include "kmip/ttlv/writer.hpp"
#include "server/core/key_wrap.hpp"
#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::key_format_type;
using kmip::spec::result_reason;
using kmip::spec::state;

namespace {

opaque transparent_material(std::span<const std::uint8_t> key) {
  opaque o;
  o.tree.begin_structure(kmip::spec::tag::key_material);
  o.tree.add_bytes(kmip::spec::tag::key, key);
  o.tree.end_structure();
  return o;
}

op_expected<void> wrap(operation_context& ctx, const key_wrapping_specification& spec, key_block& kb) {
  if (spec.wrapping_method != kmip::spec::wrapping_method::encrypt)
    return fail(result_reason::feature_not_supported, "only Wrapping Method Encrypt is supported");
  if (spec.mac_signature_key_information || !spec.attribute_names.empty())
    return fail(result_reason::feature_not_supported, "MAC/signature keys and wrapped attributes are not supported");
  if (!spec.encryption_key_information)
    return fail(result_reason::invalid_field, "Encryption Key Information is required to wrap");
  const auto& info = *spec.encryption_key_information;
  aes_wrap_mode mode = aes_wrap_mode::rfc3394;
  if (info.cryptographic_parameters && !info.cryptographic_parameters->empty()) {
    if (auto m = info.cryptographic_parameters->item().find(kmip::spec::tag::block_cipher_mode);
        m && m->type() == kmip::ttlv::item_type::enumeration) {
      const auto bcm = static_cast<kmip::spec::block_cipher_mode>(m->as_enumeration());
      if (bcm == kmip::spec::block_cipher_mode::aeskeywrappadding) mode = aes_wrap_mode::rfc5649;
      else if (bcm != kmip::spec::block_cipher_mode::nistkeywrap)
        return fail(ctx.reason(result_reason::feature_not_supported, result_reason::unsupported_cryptographic_parameters),
                    "Block Cipher Mode " + std::string(kmip::spec::name_of(bcm)) + " cannot wrap keys");
    }
  }
  auto kek = ctx.load(info.unique_identifier, kmip::spec::operation::get);
  if (!kek) {
    if (kek.error().reason == result_reason::item_not_found)
      return fail(ctx.reason(result_reason::item_not_found, result_reason::wrapping_object_not_found),
                  "wrapping key " + info.unique_identifier + " not found");
    return common::unexpected(kek.error());
  }
  const auto kek_state = state_of(*kek);
  if (is_destroyed(kek_state))
    return fail(ctx.reason(result_reason::item_not_found, result_reason::wrapping_object_destroyed),
                "wrapping key " + info.unique_identifier + " is destroyed");
  const auto* alg = find_instance(*kek, "Cryptographic Algorithm");
  if (kek->object_type != kmip::spec::object_type::symmetric_key || !alg ||
      alg->enum_value<kmip::spec::cryptographic_algorithm>() != kmip::spec::cryptographic_algorithm::aes)
    return fail(result_reason::invalid_field, "the wrapping key must be an AES symmetric key");
  if (kek_state != state::active) return fail(ctx.wrong_state(), "the wrapping key is not Active");

  common::secure_bytes plain;
  const auto encoding = spec.encoding_option.value_or(kmip::spec::encoding_option::ttlv_encoding);
  const auto& kv = std::get<key_value>(*kb.key_value);
  if (encoding == kmip::spec::encoding_option::no_encoding) {
    const auto* raw = std::get_if<common::secure_bytes>(&kv.key_material);
    if (!raw) return fail(result_reason::encoding_option_error, "No Encoding needs a byte-string Key Material");
    plain = *raw;
  } else {
    kmip::ttlv::tree t;
    t.begin_structure(kmip::spec::tag::key_value);
    if (const auto* raw = std::get_if<common::secure_bytes>(&kv.key_material))
      t.add_bytes(kmip::spec::tag::key_material, *raw);
    else
      t.add_copy(std::get<opaque>(kv.key_material).item());
    t.end_structure();
    auto enc = kmip::ttlv::encode(t);
    if (!enc) return fail(result_reason::general_failure, "cannot encode the Key Value to wrap");
    plain = std::move(*enc);
  }
  auto wrapped = aes_key_wrap(kek->key_material, plain, mode);
  if (!wrapped) return fail(result_reason::cryptographic_failure, wrapped.error());
  kb.key_value = std::move(*wrapped);
  key_wrapping_data kwd;
  kwd.wrapping_method = kmip::spec::wrapping_method::encrypt;
  kwd.encryption_key_information = info;
  kwd.encoding_option = spec.encoding_option;
  kb.key_wrapping_data = std::move(kwd);
  return {};
}

}  // namespace

op_result get(operation_context& ctx, const get_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  if (is_destroyed(state_of(*o)) || o->key_material.empty())
    return fail(ctx.reason(result_reason::item_not_found, result_reason::object_destroyed),
                "object " + o->id + " is destroyed; its key material is gone");
  if (r.key_compression_type)
    return fail(result_reason::key_compression_type_not_supported, "key compression is not supported");
  const bool v14 = ctx.version() >= kmip::spec::version::v1_4;
  if (const auto* e = find_instance(*o, "Extractable"); e && e->boolean() == false)
    return fail(v14 ? result_reason::not_extractable : result_reason::permission_denied,
                "object " + o->id + " is not extractable");
  if (const auto* s = find_instance(*o, "Sensitive"); s && s->boolean() == true && !r.key_wrapping_specification)
    return fail(v14 ? result_reason::sensitive : result_reason::permission_denied,
                "object " + o->id + " is sensitive: Get it wrapped");

  key_block kb;
  key_value kv;
  const bool secret = o->object_type == kmip::spec::object_type::secret_data;
  kb.key_format_type = r.key_format_type.value_or(secret ? key_format_type::opaque : key_format_type::raw);
  switch (kb.key_format_type) {
    case key_format_type::raw: kv.key_material = o->key_material; break;
    case key_format_type::opaque:
      if (!secret) return fail(result_reason::key_format_type_not_supported, "Opaque is for Secret Data");
      kv.key_material = o->key_material;
      break;
    case key_format_type::transparent_symmetric_key:
      if (secret) return fail(result_reason::key_format_type_not_supported, "Secret Data has no transparent form");
      kv.key_material = transparent_material(o->key_material);
      break;
    default:
      return fail(result_reason::key_format_type_not_supported,
                  "Key Format Type " + std::string(kmip::spec::name_of(kb.key_format_type)) + " is not supported");
  }
  if (!secret) {
    if (const auto* a = find_instance(*o, "Cryptographic Algorithm"))
      kb.cryptographic_algorithm = a->enum_value<kmip::spec::cryptographic_algorithm>();
    if (const auto* l = find_instance(*o, "Cryptographic Length")) kb.cryptographic_length = l->integer();
  }
  kb.key_value = std::move(kv);
  if (r.key_wrapping_specification)
    if (auto ok = wrap(ctx, *r.key_wrapping_specification, kb); !ok) return common::unexpected(ok.error());
  ctx.object_id = o->id;

  get_response out;
  out.object_type = o->object_type;
  out.unique_identifier = o->id;
  if (secret) {
    secret_data sd;
    sd.secret_data_type = o->secret_data_type.value_or(kmip::spec::secret_data_type::password);
    sd.key_block = std::move(kb);
    out.object = std::move(sd);
  } else {
    symmetric_key k;
    k.key_block = std::move(kb);
    out.object = std::move(k);
  }
  if (const auto* f = find_instance(*o, "Fresh"); f && f->boolean() == true) {
    set_single(*o, attr::boolean("Fresh", false));
    std::vector<write_op> w;
    w.push_back(write_op::update(std::move(*o)));
    if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  }
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
