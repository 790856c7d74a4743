// AES key wrap through OpenSSL EVP (the wrap ciphers need EVP_CIPHER_CTX_FLAG_WRAP_ALLOW).
#include "server/core/key_wrap.hpp"

#include <openssl/evp.h>

#include "common/openssl.hpp"

namespace kmipd::core {
namespace {

const EVP_CIPHER* cipher_for(std::size_t key_size, aes_wrap_mode mode) {
  const bool pad = mode == aes_wrap_mode::rfc5649;
  switch (key_size) {
    case 16: return pad ? EVP_aes_128_wrap_pad() : EVP_aes_128_wrap();
    case 24: return pad ? EVP_aes_192_wrap_pad() : EVP_aes_192_wrap();
    case 32: return pad ? EVP_aes_256_wrap_pad() : EVP_aes_256_wrap();
    default: return nullptr;
  }
}

common::expected<common::secure_bytes, std::string> run(std::span<const std::uint8_t> kek,
                                                        std::span<const std::uint8_t> in, aes_wrap_mode mode,
                                                        bool encrypt) {
  const EVP_CIPHER* c = cipher_for(kek.size(), mode);
  if (!c) return common::unexpected(std::string("the wrapping key must be a 128, 192 or 256-bit AES key"));
  if (mode == aes_wrap_mode::rfc3394 && (in.size() % 8 != 0 || in.size() < (encrypt ? 16u : 24u)))
    return common::unexpected(std::string("RFC 3394 key wrap needs a multiple of 8 bytes, at least 16"));
  if (in.empty()) return common::unexpected(std::string("nothing to wrap"));
  common::ossl::cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return common::unexpected(std::string("out of memory"));
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), c, nullptr, kek.data(), nullptr, encrypt ? 1 : 0) != 1)
    return common::unexpected(std::string("key wrap initialisation failed"));
  common::secure_bytes out(in.size() + 16);
  int n = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) != 1 || n < 0)
    return common::unexpected(std::string(encrypt ? "key wrap failed" : "key unwrap failed (integrity check)"));
  int m = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + n, &m) != 1)
    return common::unexpected(std::string(encrypt ? "key wrap failed" : "key unwrap failed (integrity check)"));
  out.resize(static_cast<std::size_t>(n + m));
  return out;
}

}  // namespace

common::expected<common::secure_bytes, std::string> aes_key_wrap(std::span<const std::uint8_t> kek,
                                                                 std::span<const std::uint8_t> data, aes_wrap_mode mode) {
  return run(kek, data, mode, true);
}

common::expected<common::secure_bytes, std::string> aes_key_unwrap(std::span<const std::uint8_t> kek,
                                                                   std::span<const std::uint8_t> wrapped,
                                                                   aes_wrap_mode mode) {
  return run(kek, wrapped, mode, false);
}

}  // namespace kmipd::core
