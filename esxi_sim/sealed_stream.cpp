// AES-256-GCM chunked streams, HKDF-SHA-256 and sealed files on OpenSSL 3's EVP interfaces.
#include "esxi_sim/sealed_stream.hpp"

#include <climits>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "common/openssl.hpp"
#include "esxi_sim/file.hpp"

namespace esxi_sim {

namespace {

constexpr std::string_view magic = "ESXSEAL2";
constexpr std::size_t header_bytes = 8 + 4 + 4 + 8 + 32;
constexpr std::uint64_t max_sealed_plain = std::uint64_t{1} << 34;  // 16 GiB: a bound on the length field

std::uint64_t chunks_for(std::uint64_t len) noexcept {
  return len == 0 ? 1 : (len + gcm_chunk_bytes - 1) / gcm_chunk_bytes;
}

std::array<std::uint8_t, 12> chunk_nonce(std::span<const std::uint8_t> base, std::uint64_t i) {
  std::array<std::uint8_t, 12> n{};
  std::memcpy(n.data(), base.data(), 12);
  for (int b = 0; b < 8; ++b) n[static_cast<std::size_t>(11 - b)] ^= static_cast<std::uint8_t>(i >> (8 * b));
  return n;
}

// One chunk; `enc` selects direction. For decryption `tag` is read, for encryption written.
bool gcm_chunk(EVP_CIPHER_CTX* ctx, bool enc, std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
               std::span<const std::uint8_t> aad, std::uint8_t last, std::span<const std::uint8_t> in,
               std::uint8_t* out, std::uint8_t* tag) {
  int n = 0;
  if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), nonce.data(), enc ? 1 : 0) != 1) return false;
  if (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) return false;
  if (EVP_CipherUpdate(ctx, nullptr, &n, &last, 1) != 1) return false;
  if (!in.empty() && EVP_CipherUpdate(ctx, out, &n, in.data(), static_cast<int>(in.size())) != 1) return false;
  if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(gcm_tag_bytes), tag) != 1) return false;
  if (EVP_CipherFinal_ex(ctx, out + in.size(), &n) != 1) return false;  // decrypt: the tag check
  if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(gcm_tag_bytes), tag) != 1) return false;
  return true;
}

void put_le(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

std::string_view kind_label(sealed_kind k) {
  switch (k) {
    case sealed_kind::vmss: return "esxi_sim.sealed.v2.vmss";
    case sealed_kind::vmem: return "esxi_sim.sealed.v2.vmem";
    case sealed_kind::vm_core_dump: return "esxi_sim.sealed.v2.vm_core_dump";
    case sealed_kind::host_core_dump: return "esxi_sim.sealed.v2.host_core_dump";
  }
  return "esxi_sim.sealed.v2.unknown";
}

}  // namespace

std::uint64_t sealed_size(std::uint64_t len) noexcept { return len + chunks_for(len) * gcm_tag_bytes; }

result<std::vector<std::uint8_t>> gcm_seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                                           std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plain) {
  if (key.size() != 32 || nonce.size() != 12) return fail(errc::invalid_argument, "", "GCM needs a 32-byte key, 12-byte nonce");
  common::ossl::cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  if (!ctx) return fail(errc::crypto, "", "EVP_CIPHER_CTX_new failed");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(sealed_size(plain.size())));
  const std::uint64_t chunks = chunks_for(plain.size());
  std::size_t in_at = 0, out_at = 0;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::size_t n = std::min(gcm_chunk_bytes, plain.size() - in_at);
    const auto cn = chunk_nonce(nonce, i);
    const auto last = static_cast<std::uint8_t>(i + 1 == chunks);
    if (!gcm_chunk(ctx.get(), true, key, cn, aad, last, plain.subspan(in_at, n), out.data() + out_at,
                   out.data() + out_at + n)) {
      return fail(errc::crypto, "", "AES-256-GCM encryption failed");
    }
    in_at += n;
    out_at += n + gcm_tag_bytes;
  }
  return out;
}

result<common::secure_bytes> gcm_open(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                                      std::span<const std::uint8_t> aad, std::span<const std::uint8_t> sealed,
                                      std::uint64_t plain_len, const std::string& what_file) {
  if (key.size() != 32 || nonce.size() != 12) return fail(errc::invalid_argument, "", "GCM needs a 32-byte key, 12-byte nonce");
  if (plain_len > max_sealed_plain || sealed.size() != sealed_size(plain_len)) {
    return fail(errc::corrupt, what_file,
                "sealed data is " + std::to_string(sealed.size()) + " bytes; its header implies " +
                    std::to_string(sealed_size(plain_len)) +
                    (sealed.size() < sealed_size(plain_len) ? " (truncated)" : " (extended)"));
  }
  common::ossl::cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  if (!ctx) return fail(errc::crypto, "", "EVP_CIPHER_CTX_new failed");
  common::secure_bytes out(static_cast<std::size_t>(plain_len));
  const std::uint64_t chunks = chunks_for(plain_len);
  std::size_t out_at = 0, in_at = 0;
  std::array<std::uint8_t, gcm_tag_bytes> tag{};
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::size_t n = std::min<std::size_t>(gcm_chunk_bytes, out.size() - out_at);
    std::memcpy(tag.data(), sealed.data() + in_at + n, tag.size());
    const auto cn = chunk_nonce(nonce, i);
    const auto last = static_cast<std::uint8_t>(i + 1 == chunks);
    if (!gcm_chunk(ctx.get(), false, key, cn, aad, last, sealed.subspan(in_at, n), out.data() + out_at,
                   tag.data())) {
      return fail(errc::corrupt, what_file,
                  "chunk " + std::to_string(i) +
                      " fails AES-256-GCM authentication (damaged, or sealed under another key)");
    }
    out_at += n;
    in_at += n + gcm_tag_bytes;
  }
  return out;
}

result<void> hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                         std::string_view info, std::span<std::uint8_t> out) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf{EVP_KDF_fetch(nullptr, "HKDF", nullptr), &EVP_KDF_free};
  if (!kdf) return fail(errc::crypto, "", "HKDF is not available");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx{EVP_KDF_CTX_new(kdf.get()), &EVP_KDF_CTX_free};
  if (!ctx) return fail(errc::crypto, "", "EVP_KDF_CTX_new failed");
  char digest[] = "SHA256";
  // An absent salt is RFC 5869's default (HashLen zero bytes); OpenSSL rejects an empty salt parameter.
  const std::array<std::uint8_t, 32> zero_salt{};
  if (salt.empty()) salt = zero_salt;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) return fail(errc::crypto, "", "HKDF failed");
  return {};
}

result<void> write_sealed_file(const std::filesystem::path& p, sealed_kind kind, std::span<const std::uint8_t> ikm,
                               std::span<const std::uint8_t> plain, common::random_source& random,
                               fault_injector* faults) {
  std::array<std::uint8_t, header_bytes> header{};
  std::memcpy(header.data(), magic.data(), magic.size());
  put_le(header.data() + 8, static_cast<std::uint32_t>(kind), 4);
  put_le(header.data() + 12, gcm_chunk_bytes, 4);
  put_le(header.data() + 16, plain.size(), 8);
  random.fill(std::span(header).subspan(24, 32));
  common::secure_bytes key(32);
  if (auto r = hkdf_sha256(ikm, std::span(header).subspan(24, 32), kind_label(kind), key); !r) return r;
  const std::array<std::uint8_t, 12> zero_nonce{};
  auto sealed = gcm_seal(key, zero_nonce, header, plain);
  if (!sealed) return common::unexpected<error>{sealed.error()};
  sealed->insert(sealed->begin(), header.begin(), header.end());
  return write_file_atomically(p, *sealed, faults);
}

result<common::secure_bytes> read_sealed_file(const std::filesystem::path& p, sealed_kind kind,
                                              std::span<const std::uint8_t> ikm) {
  auto f = file::open(p, file::mode::read_only);
  if (!f) return common::unexpected<error>{f.error()};
  auto size = f->size();
  if (!size) return common::unexpected<error>{size.error()};
  if (*size < header_bytes) return fail(errc::corrupt, p.string(), "shorter than the sealed-file header (truncated)");
  std::array<std::uint8_t, header_bytes> header{};
  if (auto r = f->read_at(0, header); !r) return common::unexpected<error>{r.error()};
  if (std::memcmp(header.data(), magic.data(), magic.size()) != 0) {
    return fail(errc::corrupt, p.string(), "not a sealed file (bad magic)");
  }
  if (get_le(header.data() + 8, 4) != static_cast<std::uint32_t>(kind)) {
    return fail(errc::corrupt, p.string(), "sealed file holds another kind of data");
  }
  if (get_le(header.data() + 12, 4) != gcm_chunk_bytes) return fail(errc::corrupt, p.string(), "unsupported chunk size");
  const std::uint64_t len = get_le(header.data() + 16, 8);
  if (len > max_sealed_plain || *size - header_bytes != sealed_size(len)) {
    return fail(errc::corrupt, p.string(),
                "file is " + std::to_string(*size) + " bytes; its header implies " +
                    std::to_string(header_bytes + sealed_size(std::min(len, max_sealed_plain))) +
                    (*size - header_bytes < sealed_size(len) ? " (truncated)" : " (extended)"));
  }
  std::vector<std::uint8_t> body(static_cast<std::size_t>(*size - header_bytes));
  if (auto r = f->read_at(header_bytes, body); !r) return common::unexpected<error>{r.error()};
  common::secure_bytes key(32);
  if (auto r = hkdf_sha256(ikm, std::span(header).subspan(24, 32), kind_label(kind), key); !r) {
    return common::unexpected<error>{r.error()};
  }
  const std::array<std::uint8_t, 12> zero_nonce{};
  return gcm_open(key, zero_nonce, header, body, len, p.string());
}

}  // namespace esxi_sim
