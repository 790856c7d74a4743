// Key sizes and key generation for symmetric keys (Symmetric Key Lifecycle profile §2.3: 3DES and AES;
// Symmetric Key Foundry profiles: the same with the HMAC family), shared by Create, Register and Re-key.
#include <bit>

#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core {

using kmip::spec::cryptographic_algorithm;
using kmip::spec::result_reason;

op_expected<std::size_t> symmetric_key_bytes(operation_context& ctx, const stored_object& o) {
  const auto* alg_attr = find_instance(o, "Cryptographic Algorithm");
  const auto* len_attr = find_instance(o, "Cryptographic Length");
  if (!alg_attr || !alg_attr->enumeration())
    return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_field),
                "Cryptographic Algorithm is required for a symmetric key");
  if (!len_attr || !len_attr->integer())
    return fail(result_reason::invalid_field, "Cryptographic Length is required for a symmetric key");
  const auto alg = static_cast<cryptographic_algorithm>(*alg_attr->enumeration());
  const auto bits = *len_attr->integer();
  auto bad = [&] {
    return fail(ctx.reason(result_reason::invalid_field, result_reason::unsupported_cryptographic_parameters),
                "Cryptographic Length " + std::to_string(bits) + " is not supported for " +
                    std::string(kmip::spec::name_of(alg)));
  };
  switch (alg) {
    case cryptographic_algorithm::aes:
    case cryptographic_algorithm::camellia:
      if (bits == 128 || bits == 192 || bits == 256) return static_cast<std::size_t>(bits / 8);
      return bad();
    case cryptographic_algorithm::triple_des:
      if (bits == 112 || bits == 128) return std::size_t{16};
      if (bits == 168 || bits == 192) return std::size_t{24};
      return bad();
    case cryptographic_algorithm::chacha20:
    case cryptographic_algorithm::chacha20poly1305:
      if (bits == 256) return std::size_t{32};
      return bad();
    case cryptographic_algorithm::hmac_sha1:
    case cryptographic_algorithm::hmac_sha224:
    case cryptographic_algorithm::hmac_sha256:
    case cryptographic_algorithm::hmac_sha384:
    case cryptographic_algorithm::hmac_sha512:
    case cryptographic_algorithm::hmac_md5:
      if (bits >= 8 && bits <= 4096 && bits % 8 == 0) return static_cast<std::size_t>(bits / 8);
      return bad();
    default:
      return fail(ctx.reason(result_reason::invalid_field, result_reason::unsupported_cryptographic_parameters),
                  "Cryptographic Algorithm " + std::string(kmip::spec::name_of(alg)) +
                      " is not supported for symmetric keys");
  }
}

void generate_key_material(operation_context& ctx, stored_object& o, std::size_t n) {
  o.key_material.assign(n, 0);
  ctx.random().fill(o.key_material);
  const auto* alg = find_instance(o, "Cryptographic Algorithm");
  if (alg && alg->enum_value<cryptographic_algorithm>() == cryptographic_algorithm::triple_des) {
    for (auto& b : o.key_material) {  // odd parity in each byte's low bit
      const bool even = std::popcount(static_cast<unsigned>(b & 0xFE)) % 2 == 0;
      b = static_cast<std::uint8_t>((b & 0xFE) | (even ? 1 : 0));
    }
  }
}

void touch(operation_context& ctx, stored_object& o) { set_date(o, "Last Change Date", ctx.now()); }

}  // namespace kmipd::core
