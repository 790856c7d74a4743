// AES-256-XTS sector cipher on OpenSSL's EVP_aes_256_xts with reused contexts.
#include "esxi_sim/xts_cipher.hpp"

#include <array>
#include <climits>

#include <openssl/crypto.h>

namespace esxi_sim {

namespace {

common::ossl::cipher_ctx_ptr make_ctx(std::span<const std::uint8_t> key, int enc) {
  common::ossl::cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  if (!ctx) return ctx;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_xts(), nullptr, key.data(), nullptr, enc) != 1) ctx.reset();
  return ctx;
}

}  // namespace

result<xts_cipher> xts_cipher::create(std::span<const std::uint8_t> key, std::size_t data_unit) {
  if (key.size() != key_size) return fail(errc::invalid_argument, "", "an XTS-AES-256 key is 64 bytes");
  if (CRYPTO_memcmp(key.data(), key.data() + 32, 32) == 0) {
    return fail(errc::invalid_argument, "", "the two halves of an XTS key must differ");
  }
  if (data_unit < 16 || data_unit % 16 != 0 || data_unit > (std::size_t{1} << 24)) {
    return fail(errc::invalid_argument, "", "data unit must be a multiple of 16 bytes in [16, 2^24]");
  }
  auto enc = make_ctx(key, 1);
  auto dec = make_ctx(key, 0);
  if (!enc || !dec) return fail(errc::crypto, "", "cannot initialise EVP_aes_256_xts");
  return xts_cipher{std::move(enc), std::move(dec), data_unit};
}

result<void> xts_cipher::encrypt(std::uint64_t first_unit, std::span<const std::uint8_t> in,
                                 std::span<std::uint8_t> out) {
  return run(enc_.get(), first_unit, in, out);
}

result<void> xts_cipher::decrypt(std::uint64_t first_unit, std::span<const std::uint8_t> in,
                                 std::span<std::uint8_t> out) {
  return run(dec_.get(), first_unit, in, out);
}

result<void> xts_cipher::run(EVP_CIPHER_CTX* ctx, std::uint64_t first_unit, std::span<const std::uint8_t> in,
                             std::span<std::uint8_t> out) {
  if (in.size() != out.size() || in.size() % data_unit_ != 0) {
    return fail(errc::invalid_argument, "", "buffer is not a whole number of data units");
  }
  std::array<std::uint8_t, 16> tweak{};
  const std::size_t units = in.size() / data_unit_;
  for (std::size_t u = 0; u < units; ++u) {
    const std::uint64_t n = first_unit + u;
    for (std::size_t b = 0; b < 8; ++b) tweak[b] = static_cast<std::uint8_t>(n >> (8 * b));  // little-endian
    // Key NULL: keep the key schedule, change only the tweak (the IV of EVP's XTS).
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, tweak.data(), -1) != 1) {
      return fail(errc::crypto, "", "cannot set the XTS tweak");
    }
    int outl = 0;
    const std::size_t off = u * data_unit_;
    if (EVP_CipherUpdate(ctx, out.data() + off, &outl, in.data() + off, static_cast<int>(data_unit_)) != 1 ||
        static_cast<std::size_t>(outl) != data_unit_) {
      return fail(errc::crypto, "", "XTS update failed");
    }
  }
  return {};
}

}  // namespace esxi_sim
