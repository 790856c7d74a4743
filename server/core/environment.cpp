// Production clock and random source.
#include "server/core/environment.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "server/core/audit.hpp"

namespace kmipd::core {

std::int64_t system_clock::now() const noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void openssl_random::fill(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    const auto n = std::min<std::size_t>(out.size(), INT_MAX);
    if (RAND_priv_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("OpenSSL DRBG failure");
    out = out.subspan(n);
  }
}

kmip::model::attribute random_number_generator(const common::random_source& r) {
  using namespace kmip::spec;
  auto rng = kmip::spec::rng_algorithm::unspecified;
  std::optional<drbg_algorithm> drbg;
  std::optional<cryptographic_algorithm> cipher;
  std::optional<std::int32_t> length;
  if (dynamic_cast<const openssl_random*>(&r)) {
    if (EVP_RAND_CTX* ctx = RAND_get0_private(nullptr)) {
      const EVP_RAND* kind = EVP_RAND_CTX_get0_rand(ctx);
      if (EVP_RAND_is_a(kind, "CTR-DRBG")) {
        rng = rng_algorithm::drbg;
        drbg = drbg_algorithm::ctr;
        char name[64] = {};
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, name, sizeof name),
                               OSSL_PARAM_construct_end()};
        // "AES-256-CTR" and the like (OpenSSL's default is AES-256-CTR).
        if (EVP_RAND_CTX_get_params(ctx, params) == 1 && std::strncmp(name, "AES-", 4) == 0) {
          cipher = cryptographic_algorithm::aes;
          if (int bits = std::atoi(name + 4); bits == 128 || bits == 192 || bits == 256) length = bits;
        }
      } else if (EVP_RAND_is_a(kind, "HASH-DRBG")) {
        rng = rng_algorithm::drbg;
        drbg = drbg_algorithm::hash;
      } else if (EVP_RAND_is_a(kind, "HMAC-DRBG")) {
        rng = rng_algorithm::drbg;
        drbg = drbg_algorithm::hmac;
      }
    }
  }
  // Field order of RNG Parameters (1.4 §2.1.18 Table 39).
  kmip::model::attribute a;
  a.name = "Random Number Generator";
  a.value.begin_structure(tag::attribute_value);
  a.value.add_enum(tag::rng_algorithm, rng);
  if (cipher) a.value.add_enum(tag::cryptographic_algorithm, *cipher);
  if (length) a.value.add_integer(tag::cryptographic_length, *length);
  if (drbg) a.value.add_enum(tag::drbg_algorithm, *drbg);
  a.value.end_structure();
  return a;
}

environment environment::production(std::shared_ptr<audit_sink> audit) {
  if (!audit) audit = std::make_shared<memory_audit_sink>();
  return {std::make_shared<system_clock>(), std::make_shared<openssl_random>(), std::move(audit)};
}

}  // namespace kmipd::core
