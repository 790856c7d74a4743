// RFC 5649 through EVP with EVP_CIPHER_CTX_FLAG_WRAP_ALLOW (the wrap modes are opt-in in OpenSSL).
#include "esxi_sim/key_wrap.hpp"

#include <climits>

#include "common/openssl.hpp"

namespace esxi_sim {

namespace {

const EVP_CIPHER* wrap_cipher(std::size_t kek_size) {
  switch (kek_size) {
    case 16: return EVP_aes_128_wrap_pad();
    case 24: return EVP_aes_192_wrap_pad();
    case 32: return EVP_aes_256_wrap_pad();
    default: return nullptr;
  }
}

// One-shot wrap (enc = 1) or unwrap (enc = 0). Returns false on any OpenSSL failure, which for unwrap
// includes the integrity check.
bool run(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> in, int enc, std::uint8_t* out,
         std::size_t& out_len) {
  const EVP_CIPHER* cipher = wrap_cipher(kek.size());
  common::ossl::cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  if (!cipher || !ctx || in.size() > INT_MAX) return false;
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr, enc) != 1) return false;
  int n = 0;
  if (EVP_CipherUpdate(ctx.get(), out, &n, in.data(), static_cast<int>(in.size())) != 1 || n < 0) return false;
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out + n, &fin) != 1) return false;
  out_len = static_cast<std::size_t>(n) + static_cast<std::size_t>(fin);
  return true;
}

}  // namespace

result<std::vector<std::uint8_t>> wrap_key(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> key) {
  if (!wrap_cipher(kek.size())) return fail(errc::invalid_argument, "", "a KEK is 16, 24 or 32 bytes");
  if (key.empty()) return fail(errc::invalid_argument, "", "nothing to wrap");
  std::vector<std::uint8_t> out((key.size() + 7) / 8 * 8 + 8 + 16);
  std::size_t len = 0;
  if (!run(kek, key, 1, out.data(), len)) return fail(errc::crypto, "", "AES key wrap with padding failed");
  out.resize(len);
  return out;
}

result<common::secure_bytes> unwrap_key(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> wrapped) {
  if (!wrap_cipher(kek.size())) return fail(errc::invalid_argument, "", "a KEK is 16, 24 or 32 bytes");
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return fail(errc::corrupt, "", "a wrapped key is a multiple of 8 bytes, at least 16");
  }
  common::secure_bytes out(wrapped.size() + 16);
  std::size_t len = 0;
  if (!run(kek, wrapped, 0, out.data(), len)) {
    return fail(errc::locked, "", "the wrapped key fails its RFC 5649 integrity check (wrong KEK or tampered)");
  }
  out.resize(len);
  return out;
}

}  // namespace esxi_sim
