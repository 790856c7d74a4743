// AES-256-XTS over data units (sectors), IEEE 1619-2007: one data unit per sector, the tweak is the sector number
// as a 128-bit little-endian integer (IEEE 1619-2007 §5.1, "data unit sequence number"). The key schedule is set
// once; each sector only resets the tweak, so encrypting a sector allocates nothing.
// Thread safety: one xts_cipher per thread (the contexts hold per-call state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/openssl.hpp"
#include "esxi_sim/error.hpp"

namespace esxi_sim {

class xts_cipher {
 public:
  static constexpr std::size_t key_size = 64;  // two AES-256 keys: Key1 (data) || Key2 (tweak)

  // REQUIRES nothing; fails with invalid_argument if key is not 64 bytes or its halves are equal
  // (IEEE 1619-2007 §5.1 leaves it open; FIPS 140 IG A.9 forbids Key1 == Key2), or if data_unit is not a
  // multiple of 16 in [16, 2^24].
  static result<xts_cipher> create(std::span<const std::uint8_t> key, std::size_t data_unit);

  std::size_t data_unit() const noexcept { return data_unit_; }

  // Encrypts/decrypts `count = in.size() / data_unit()` consecutive units, the first with tweak `first_unit`.
  // REQUIRES: in.size() == out.size(), a multiple of data_unit(); in and out either identical or disjoint.
  // Fails only on an OpenSSL failure (errc::crypto).
  result<void> encrypt(std::uint64_t first_unit, std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  result<void> decrypt(std::uint64_t first_unit, std::span<const std::uint8_t> in, std::span<std::uint8_t> out);

 private:
  xts_cipher(common::ossl::cipher_ctx_ptr enc, common::ossl::cipher_ctx_ptr dec, std::size_t data_unit)
      : enc_(std::move(enc)), dec_(std::move(dec)), data_unit_(data_unit) {}
  result<void> run(EVP_CIPHER_CTX* ctx, std::uint64_t first_unit, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out);

  common::ossl::cipher_ctx_ptr enc_;
  common::ossl::cipher_ctx_ptr dec_;
  std::size_t data_unit_;
};

}  // namespace esxi_sim
